/**
 * The one write each operation makes — to Studio (rerun, stop, backfill, temporary run, a review's
 * fix) or Lakehouse (REFRESH DYNAMIC TABLE) — and how to read back whether it took effect.
 */
import type { OperationRecord } from '../store/operations.js';
import { type StudioClient, describePrecheck } from '../studio/client.js';
import { RUN_STATUS, RUN_TYPE, isTerminalStatus } from '../studio/enums.js';
import { StudioError } from '../studio/errors.js';
import type { AutoFix } from '../review/rules.js';
import { verifyAuditedWrite } from './verify-write.js';
import { isStreamOpAction, sendStreamOp, verifyStreamOp } from './stream-ops.js';
import { LakehouseError, type LakehouseSql } from '../lakehouse/client.js';
import { refreshEntry } from './lakehouse-read.js';
import type { Actor, SendResult } from './types.js';

export function backfillJobName(op: OperationRecord): string {
  return `sob-${op.id.slice(0, 8)}-${op.taskName ?? op.params.taskId}`;
}

export class OperationWrites {
  constructor(
    private readonly studio: StudioClient,
    private readonly lakehouse: LakehouseSql | undefined,
  ) {}

  /** One Studio write, and what is known of its outcome. */
  async send(actor: Actor, op: OperationRecord, requestedAt: number): Promise<SendResult> {
    const studioActor = `slack:${actor.userName ?? actor.userId}`;
    const runId = op.params.runId === undefined ? undefined : Number(op.params.runId);
    try {
      if (op.action === 'rerun') {
        const { requestId } = await this.studio.rerunRun(runId!, { actor: studioActor });
        return { status: 'succeeded', message: `Rerun of run ${runId} started in Studio. You will see here how it ends.`, link: this.studio.runLink(runId!), runId, requestId };
      }
      if (op.action === 'stop') {
        const { requestId } = await this.studio.stopRun(runId!, { actor: studioActor });
        return { status: 'succeeded', message: `Run ${runId} was stopped.`, link: this.studio.runLink(runId!), runId, requestId };
      }
      if (isStreamOpAction(op.action)) {
        const r = await sendStreamOp(this.studio, op, studioActor);
        return { status: 'succeeded', message: r.message, link: this.studio.taskLink(Number(op.params.taskId)), requestId: r.requestId };
      }
      if (op.action === 'fix') return await this.applyFix(op, studioActor);
      if (op.action === 'refresh_dt') return await this.refreshDynamicTable(op, requestedAt);
      if (op.action === 'execute') {
        const taskId = Number(op.params.taskId);
        const r = await this.studio.executeTask(taskId, { params: op.params.params as Record<string, string>, actor: studioActor });
        return {
          status: 'succeeded',
          message: `Temporary run ${r.runId} of ${op.taskName} started in Studio. You will see here how it ends.`,
          link: this.studio.runLink(r.runId),
          runId: r.runId,
          requestId: r.requestId,
        };
      }
      const { jobId, requestId } = await this.studio.createBackfillWithId({
        taskId: Number(op.params.taskId),
        from: String(op.params.from),
        to: String(op.params.to),
        vcCode: (op.params.vcCode as string | undefined) ?? undefined,
        name: backfillJobName(op),
        actor: studioActor,
      });
      return {
        status: 'succeeded',
        message: `Backfill of ${op.taskName} for ${op.params.from} … ${op.params.to} (${op.params.days} business date${Number(op.params.days) > 1 ? 's' : ''}) created in Studio as job ${jobId}.`,
        link: this.studio.taskLink(Number(op.params.taskId)),
        jobId,
        requestId,
      };
    } catch (e) {
      if (!(e instanceof StudioError)) throw e;
      if (!e.outcomeUnknown) {
        // Known not done: a refusal Studio defines (src/studio/refusals.ts), or a request that never left.
        const why = e.kind === 'business' || e.kind === 'http' ? 'Studio refused it' : 'It never reached Studio';
        return { status: 'failed', message: `${why}: ${e.describe()}`, link: runId ? this.studio.runLink(runId) : undefined, runId, requestId: e.requestId };
      }
      // The write may have happened, or may still happen: find out from Studio instead of sending it again.
      const verified = await this.verify(op, requestedAt).catch(() => undefined);
      if (verified?.applied) {
        return {
          status: 'succeeded',
          message: `Studio answered ${e.code}, but re-reading shows it took effect. ${verified.detail}`,
          link: verified.link,
          runId: verified.runId ?? runId,
          jobId: verified.jobId,
          requestId: e.requestId,
        };
      }
      // Not there yet proves nothing: Studio may still apply it. It stays unknown until verification can tell.
      return {
        status: 'unknown',
        message: `Studio did not answer clearly (${e.describe()}), and ${verified ? 're-reading does not show it yet' : 'its state could not be re-read'}. It may still take effect, so it is *not* safe to try again yet: the bot keeps checking Studio and will tell you here how it ended. The same or a conflicting request is held until then.`,
        link: verified?.link ?? (runId ? this.studio.runLink(runId) : undefined),
        runId,
        requestId: e.requestId,
      };
    }
  }

  /** The refresh: Lakehouse's answer is final when the job ran (succeeded or failed); a timeout is checked in its history. */
  private async refreshDynamicTable(op: OperationRecord, _requestedAt: number): Promise<SendResult> {
    const table = String(op.params.table);
    try {
      const r = await this.lakehouse!.refreshDynamicTable(table);
      return {
        status: 'succeeded',
        message: `Dynamic Table ${table} refreshed (job ${r.jobId}). The card closes when the bot sees the refresh in its history.`,
        link: undefined,
        requestId: r.jobId,
      };
    } catch (e) {
      if (!(e instanceof LakehouseError) || e.code === 'TIMEOUT')
        throw e instanceof LakehouseError
          ? new StudioError({ kind: 'timeout', code: 'TIMEOUT', message: e.message, path: '/lh/getJob', requestId: e.jobId, outcomeUnknown: true })
          : e;
      return { status: 'failed', message: `Lakehouse ran the refresh and it failed: ${e.message}`, link: undefined, requestId: e.jobId };
    }
  }

  private async applyFix(op: OperationRecord, studioActor: string): Promise<SendResult> {
    const fix = op.params as unknown as AutoFix;
    const link = this.studio.taskLink(fix.taskId);
    if (fix.kind === 'clear_ddl_schedule') {
      const w = await this.studio.updateTaskConfiguration(fix.taskId, { cron: '', dependencies: [] }, { actor: studioActor });
      return { status: 'succeeded', message: `Cleared the cron and dependencies of ${op.taskName}; every other setting was sent back as it was.`, link, requestId: w.requestId };
    }
    const online = await this.studio.getScheduleDetail(fix.taskId).then(
      (s) => s.taskStatus?.code === 1,
      () => false,
    );
    // An online task must be redeployed for the fix to take effect: check first that Studio would
    // accept the deploy, so that a refusal leaves nothing half done.
    if (online) {
      const check = await this.studio.precheckDeploy([fix.taskId]);
      if (!check.pass) {
        return { status: 'failed', message: `Not changed: ${describePrecheck(check)}`, link, requestId: check.requestId };
      }
    }
    const cfg = await this.studio.getTaskConfiguration(fix.taskId);
    const deps = cfg.dependencies.map((d) => ({ taskId: d.taskId, taskName: d.taskName ?? String(d.taskId) }));
    if (!deps.some((d) => d.taskId === fix.dependsOnTaskId)) deps.push({ taskId: fix.dependsOnTaskId, taskName: fix.dependsOnName });
    const w = await this.studio.updateTaskConfiguration(fix.taskId, { dependencies: deps }, { actor: studioActor });
    if (online) {
      try {
        await this.studio.deployTask(fix.taskId, { message: `add upstream ${fix.dependsOnName} (Studio Ops Bot review fix)`, actor: studioActor });
      } catch (e) {
        if (e instanceof StudioError && !e.outcomeUnknown) {
          return {
            status: 'failed',
            message: `The dependency on ${fix.dependsOnName} was saved to the draft of ${op.taskName}, but the redeploy failed: ${e.describe()}. The scheduler still runs the previous version; deploy it in Studio once this is resolved.`,
            link,
            requestId: e.requestId,
          };
        }
        throw e;
      }
    }
    return { status: 'succeeded', message: `${op.taskName} now depends on ${fix.dependsOnName}${online ? ' and was redeployed' : ''}.`, link, requestId: w.requestId };
  }

  /** Did the operation take effect? Read Studio's state (used after an unclear answer and at start-up). */
  async verify(op: OperationRecord, requestedAt: number): Promise<{ applied: boolean; detail: string; link?: string; jobId?: number; runId?: number }> {
    if (op.action === 'rerun' || op.action === 'stop') {
      const runId = Number(op.params.runId);
      const run = await this.studio.getRun(runId);
      const link = this.studio.runLink(runId);
      if (op.action === 'rerun') {
        const applied = (run.triggerTime ?? 0) >= requestedAt - 1000 || !isTerminalStatus(run.status.code);
        return { applied, detail: `Run ${runId} is now ${run.status.label}.`, link };
      }
      return { applied: run.status.code === RUN_STATUS.FAILED && run.failType === 'KILLED', detail: `Run ${runId} is now ${run.status.label}.`, link };
    }
    if (op.action === 'execute') {
      // A temporary run of this task started by us since the request: Studio names us as its executor.
      const taskId = Number(op.params.taskId);
      const runs = await this.studio.listRuns({ taskId, runType: RUN_TYPE.TEMP, planFrom: requestedAt - 60_000, pageSize: 50 });
      const mine = runs.items.find((r) => (r.triggerTime ?? r.planTime ?? 0) >= requestedAt - 1000 && (r.executor ?? '').startsWith('slack:'));
      return {
        applied: mine !== undefined,
        detail: mine ? `Temporary run ${mine.id} exists (${mine.status.label}).` : 'No temporary run was started.',
        link: mine ? this.studio.runLink(mine.id) : this.studio.taskLink(taskId),
        runId: mine?.id,
      };
    }
    if (isStreamOpAction(op.action)) return verifyStreamOp(this.studio, op, requestedAt);
    if (op.action === 'fix') {
      const fix = op.params as unknown as AutoFix;
      const cfg = await this.studio.getTaskConfiguration(fix.taskId);
      const applied = fix.kind === 'clear_ddl_schedule' ? !cfg.cron && cfg.dependencies.length === 0 : cfg.dependencies.some((d) => d.taskId === fix.dependsOnTaskId);
      return { applied, detail: applied ? 'The task configuration shows the fix.' : 'The task configuration is unchanged.', link: this.studio.taskLink(fix.taskId) };
    }
    if (op.action === 'refresh_dt') {
      const table = String(op.params.table);
      const r = await this.lakehouse!.refreshHistory({ table, limit: 20 });
      const mine = r.rows.map(refreshEntry).find((e) => e.trigger === 'MANUAL' && e.startedAt >= requestedAt - 1000);
      return {
        applied: mine !== undefined,
        detail: mine
          ? `Refresh job ${mine.jobId} ${mine.state === 'SUCCEED' || mine.state === 'SUCCEEDED' ? 'succeeded' : `is ${mine.state.toLowerCase()}`}.`
          : 'No manual refresh was started.',
      };
    }
    if (op.action === 'backfill') {
      const name = backfillJobName(op);
      const jobs = await this.studio.listBackfills({ taskNameLike: op.taskName ?? undefined, pageSize: 100 });
      const job = jobs.items.find((j) => j.name === name);
      return {
        applied: job !== undefined,
        detail: job ? `Backfill job ${job.id} exists.` : 'No backfill job was created.',
        link: this.studio.taskLink(Number(op.params.taskId)),
        jobId: job?.id,
      };
    }
    return verifyAuditedWrite(this.studio, op.action, op.target, op.taskName ?? undefined, op.params);
  }
}
