/** One `/cz` subcommand → one service call → one builder. Shared by the slash command and "Share in channel". */
import type { RespondFn } from '@slack/bolt';
import { buildDiagnosis, buildExplainEntry, buildRunDiagnosis, buildTypeMappings, buildTypeSources } from '../../src/blocks/diagnosis.js';
import { buildConfirmation, buildRefusal } from '../../src/blocks/operations.js';
import {
  buildAudit,
  sharedCopy,
  buildDeps,
  buildError,
  buildHelp,
  buildLogView,
  buildRunDetail,
  buildRunList,
  buildTaskList,
  buildWhoami,
  withWorkspaceLine,
} from '../../src/blocks/replies.js';
import { type Message, esc } from '../../src/blocks/kit.js';
import { buildDynamicTableHistory, buildDynamicTables, buildTableView } from '../../src/blocks/lakehouse.js';
import { buildLineageAnswer } from '../../src/blocks/lineage.js';
import { buildLineage, lookupLineage } from '../../src/lineage/index.js';
import { buildCronAnswer, buildReviewReport } from '../../src/blocks/review.js';
import { buildReport } from '../../src/blocks/triage.js';
import { analyseCron, nextRuns } from '../../src/cron/explain.js';
import { scheduleZones } from '../../src/cron/zones.js';
import { reviewWorkspace } from '../../src/review/index.js';
import type { CzCommand } from '../../src/ops/commands.js';
import { auditOfTask } from '../../src/ops/audit-of-task.js';
import { diagnoseRun, explain, findTypeMappings } from '../../src/ops/diagnosis.js';
import { describeDynamicTable, describeDynamicTables, describeTable } from '../../src/ops/lakehouse-read.js';
import type { Actor } from '../../src/ops/operations.js';
import { checkCronWithStudio, describeDeps, describeRun, describeTask, listTaskRuns, listTasksView, readLogTail } from '../../src/ops/read.js';
import { listStreamsView } from '../../src/ops/stream-read.js';
import { buildStreamList, buildTaskView } from '../../src/blocks/streams.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { startWizard } from '../actions/wizard.js';
import { answerPromote } from '../actions/promote.js';
import { buildTaskTypes } from '../../src/blocks/entry-menu.js';
import { ephemeral, inChannel } from '../context.js';
import { openBackfillModal } from '../views/backfill.js';
import { runBaselineCommand } from './baseline.js';

export interface CommandContext {
  actor: Actor;
  respond: RespondFn;
  client: BoltApp['client'];
  triggerId?: string;
  services: Services;
  /** "Share in channel" posts the same reply for everyone. */
  share?: boolean;
}

export async function runCzCommand(cmd: CzCommand, text: string, ctx: CommandContext): Promise<void> {
  const s = ctx.services;
  const studio = s.studio;
  const reply = (m: Message) => {
    const shown = withWorkspaceLine(m, s.workspace);
    return ctx.respond(ctx.share ? inChannel(sharedCopy(shown, ctx.actor.userId, text)) : ephemeral(shown));
  };
  switch (cmd.name) {
    case 'help':
      return void (await reply(buildHelp(cmd.topic)));
    case 'whoami':
      return void (await reply(buildWhoami(ctx.actor.userId, await s.operations.grantsOf(ctx.actor))));
    case 'tasks':
      return void (await reply(buildTaskList(await listTasksView(studio, cmd), studio, text)));
    case 'task':
      return void (await reply(buildTaskView(await describeTask(studio, cmd.task, s.now()), studio, text)));
    case 'streams':
      return void (await reply(buildStreamList(await listStreamsView(studio, cmd.state), studio, text)));
    case 'runs':
      return void (await reply(buildRunList(await listTaskRuns(studio, cmd, s.now()), studio, text)));
    case 'run':
      return void (await reply(buildRunDetail(await describeRun(studio, cmd.runId), studio, text)));
    case 'diagnose': {
      const r = await diagnoseRun(studio, s.diagnoser, cmd.runId, s.memory);
      return void (await reply(buildRunDiagnosis(r, { title: `Diagnosis of run ${r.run.id}`, links: studio })));
    }
    case 'logs':
      return void (await reply(buildLogView(await readLogTail(studio, cmd.runId, { attempt: cmd.attempt, tail: cmd.tail }), studio)));
    case 'deps': {
      const d = await describeDeps(studio, cmd.task);
      return void (await reply(buildDeps(d, studio, text)));
    }
    case 'lineage': {
      const lineage = await buildLineage(studio, s.lakehouse, { now: s.now() });
      return void (await reply(buildLineageAnswer(lineage, cmd.ref, lookupLineage(lineage, cmd.ref), studio, text)));
    }
    case 'promote':
      return void (await answerPromote(s, ctx.actor, cmd, ctx.respond));
    case 'dt':
      if (cmd.table) return void (await reply(buildDynamicTableHistory(await describeDynamicTable(s.lakehouse, cmd.table), text)));
      return void (await reply(buildDynamicTables(await describeDynamicTables(s.lakehouse, s.now()), s.now(), text)));
    case 'table':
      return void (await reply(buildTableView(await describeTable(s.lakehouse, cmd.table, s.now(), studio.timeZone, 7, { sample: cmd.sample }), text)));
    case 'audit': {
      const base = { actorId: cmd.userId, since: s.now() - cmd.sinceMs, limit: 25 };
      const byTask = cmd.task ? await auditOfTask(studio, s.audit, cmd.task, base) : undefined;
      const rows = byTask?.rows ?? (await s.audit.query(base));
      const filter = [cmd.userId ? `user <@${cmd.userId}>` : '', esc(byTask?.label ?? ''), `since ${esc(cmd.sinceText)}`].filter(Boolean).join(', ');
      return void (await reply(buildAudit(rows, filter)));
    }
    case 'rerun':
    case 'stop': {
      const r = cmd.name === 'rerun' ? await s.operations.requestRerun(ctx.actor, cmd.runId) : await s.operations.requestStop(ctx.actor, cmd.runId);
      return void (await ctx.respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r))));
    }
    case 'stream': {
      const r = await s.operations.requestStreamOp(ctx.actor, cmd.task, cmd.action, { table: cmd.table, fromTime: cmd.fromTime });
      return void (await ctx.respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r))));
    }
    case 'execute': {
      const r = await s.operations.requestExecute(ctx.actor, cmd.task, cmd.params);
      return void (await ctx.respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r))));
    }
    case 'explain': {
      const r = await explain(s.diagnoser, cmd.query);
      return void (await reply(
        r.kind === 'entry'
          ? buildExplainEntry(r.entry, await s.memory.of(r.entry.id))
          : buildDiagnosis(r.diagnosis, {
              title: 'What that text says',
              links: studio,
              history: await s.memory.ofMany(r.diagnosis.findings.map((f) => f.entry.id)),
              isExplain: true,
            }),
      ));
    }
    case 'types': {
      if (!cmd.source) return void (await reply(buildTaskTypes(s.knowledge.taskTypes)));
      const src = findTypeMappings(s.knowledge, cmd.source);
      return void (await reply(src ? buildTypeMappings(src, s.knowledge) : buildTypeSources(s.knowledge, cmd.source)));
    }
    case 'setup': {
      const started = await startWizard(ctx.client, s, ctx.actor.userId);
      if (!started.ok) return void (await ctx.respond(ephemeral(buildError('Setup needs operator rights', started.message))));
      return void (await ctx.respond(ephemeral(buildError('Setup started', 'The pipeline wizard is waiting in your direct messages with me (Apps → Studio Ops Bot).'))));
    }
    case 'check': {
      const report = await reviewWorkspace(studio, cmd.folder, { isIntegrationVc: await s.vclusters.predicate() });
      return void (await reply(buildReviewReport(report, studio)));
    }
    case 'cron': {
      const a = analyseCron(cmd.expression);
      const now = s.now();
      const userTz = await ctx.client.users
        .info({ user: ctx.actor.userId })
        .then((r) => (r.user as { tz?: string } | undefined)?.tz)
        .catch(() => undefined);
      const zones = scheduleZones(a, now, studio.timeZone, userTz);
      // Cross-checked with Studio's own preview of the expression it would store.
      const expr = a.nearestValid ?? a.studio;
      const preview = expr ? await checkCronWithStudio(studio, expr, nextRuns(a, now, 5, studio.timeZone)) : ({ kind: 'unavailable' } as const);
      return void (await reply(buildCronAnswer(a, zones, preview)));
    }
    case 'report': {
      if (!s.alerts?.enabled)
        return void (await reply(
          buildError('Alerts are not set up', 'No alert channel is configured.', 'Set ALERT_CHANNELS (e.g. *=C0123ALERTS) or alerts.routes in the policy file.'),
        ));
      const channel = ctx.actor.channelId && s.alerts.router.channels.includes(ctx.actor.channelId) ? ctx.actor.channelId : undefined;
      const now = s.now();
      return void (await reply(buildReport(await s.alerts.report(channel, now - cmd.days * 86_400_000, now + 1), channel)));
    }
    case 'baseline':
      return void (await runBaselineCommand(cmd, ctx, reply));
    case 'backfill':
      if (!ctx.triggerId) throw new Error('Slack did not send a trigger id, so the backfill form cannot open; try the command again.');
      return openBackfillModal(ctx.client, ctx.triggerId, { task: cmd.task, from: cmd.from, to: cmd.to }, ctx.actor, s);
  }
}
