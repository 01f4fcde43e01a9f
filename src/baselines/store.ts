/**
 * Baselines added from Slack: `/cz baseline add <task> by 09:00 [margin 30m]` — the task must
 * exist in Studio and the person must be an operator for it; the addition and every refusal are
 * audited. The baselines themselves are kept with the alert state (AlertService.addBaseline),
 * next to the policy file's.
 */
import type { AlertService } from '../alerts/service.js';
import type { Actor, OperationsService } from '../ops/operations.js';
import { referenceTarget } from '../ops/references.js';
import type { Refusal } from '../ops/types.js';
import type { StudioClient } from '../studio/client.js';
import { TaskLookupError } from '../studio/errors.js';
import { type Baseline, committedLabel, parseCommitted } from './model.js';

export const BASELINE_ADD_ACTION = 'baseline_add';

export async function addBaselineFromSlack(
  deps: { studio: StudioClient; operations: OperationsService; alerts: AlertService },
  actor: Actor,
  input: { task: string; at: string; marginMin: number },
): Promise<{ kind: 'added'; baseline: Baseline; replaced: boolean } | Refusal> {
  const params = { task: input.task, by: input.at, marginMin: input.marginMin };
  const committed = parseCommitted(input.at);
  if ('error' in committed) {
    return deps.operations.refuse(actor, BASELINE_ADD_ACTION, referenceTarget('task', input.task), params, { kind: 'refused', reason: 'invalid', message: committed.error });
  }
  let task: Awaited<ReturnType<StudioClient['resolveTask']>>;
  try {
    task = await deps.studio.resolveTask(input.task);
  } catch (e) {
    if (!(e instanceof TaskLookupError)) throw e;
    return deps.operations.refuse(actor, BASELINE_ADD_ACTION, referenceTarget('task', input.task), params, { kind: 'refused', reason: 'not_found', message: e.message });
  }
  const target = referenceTarget('task', String(task.id));
  const refused = await deps.operations.permit(actor, BASELINE_ADD_ACTION, 'operator', { folder: task.folderName, task: task.name }, { target, params, taskName: task.name });
  if (refused) return refused;
  const baseline: Baseline = { task: task.name, ...committed, marginMin: input.marginMin, by: actor.userId };
  // It replaces the policy file's baseline of the task, or one added before (the store says, at once).
  const inForce = (await deps.alerts.baselines()).some((b) => b.task === task.name);
  const replaced = (await deps.alerts.addBaseline(baseline)).replaced || inForce;
  await deps.operations.recordAction(actor, { action: BASELINE_ADD_ACTION, target, taskName: task.name, params: { ...params, committed: committedLabel(baseline), replaced } });
  return { kind: 'added', baseline, replaced };
}
