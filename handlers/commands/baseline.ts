/** `/cz baseline` (the list, with each one's state) and `/cz baseline add <task> by 09:00 [margin 30m]` (operators; audited). */
import { buildBaselineAdded, buildBaselineList } from '../../src/blocks/baselines.js';
import type { Message } from '../../src/blocks/kit.js';
import { buildRefusal } from '../../src/blocks/operations.js';
import { buildError } from '../../src/blocks/replies.js';
import { committedLabel } from '../../src/baselines/model.js';
import { addBaselineFromSlack } from '../../src/baselines/store.js';
import type { CzCommand } from '../../src/ops/commands.js';
import type { CommandContext } from './dispatch.js';
import { ephemeral } from '../context.js';

export async function runBaselineCommand(cmd: Extract<CzCommand, { name: 'baseline' }>, ctx: CommandContext, reply: (m: Message) => Promise<unknown>): Promise<void> {
  const s = ctx.services;
  if (!s.alerts?.enabled) {
    await reply(
      buildError(
        'Alerts are not set up',
        'Baselines post their cards in the alert channels, and none is configured.',
        'Set ALERT_CHANNELS (e.g. *=C0123ALERTS) or alerts.routes in the policy file.',
      ),
    );
    return;
  }
  if (cmd.add) {
    const r = await addBaselineFromSlack({ studio: s.studio, operations: s.operations, alerts: s.alerts }, ctx.actor, cmd.add);
    if (r.kind !== 'added') {
      await ctx.respond(ephemeral(buildRefusal(r)));
      return;
    }
    const b = r.baseline;
    await ctx.respond(ephemeral(buildBaselineAdded({ task: b.task, committed: committedLabel(b), cycle: b.cycle, marginMin: b.marginMin }, r.replaced)));
    return;
  }
  const defined = (await s.alerts.baselines()).map((b) => ({ task: b.task, committed: committedLabel(b), marginMin: b.marginMin, by: b.by }));
  await reply(buildBaselineList(await s.alerts.baselineWatcher.views(), defined));
}
