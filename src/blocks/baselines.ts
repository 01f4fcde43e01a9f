/** Block Kit for baselines: the at-risk card (edited in place, red at breach, closed on landing), `/cz baseline`'s list, Home's section. */
import { type BaselineView, NO_LONGER_WATCHED } from '../alerts/baseline-watcher.js';
import { stepLabel } from '../baselines/prediction.js';
import type { AlertCard } from '../store/alerts.js';
import { humanDuration } from '../studio/dates.js';
import { type Block, type Message, actions, button, context, divider, esc, fields, finishMessage, header, link, section } from './kit.js';
import { ACTION, when } from './replies.js';
import { type CardContext, TRIAGE, cardValue } from './triage.js';

const STATE_WORDS: Record<BaselineView['state'], string> = { safe: 'safe', at_risk: 'at risk', late: 'late', landed: 'landed' };
const STATE_ICON: Record<BaselineView['state'], string> = { safe: '🟢', at_risk: '🟠', late: '🔴', landed: '✅' };

/** A time of day as Slack shows it to each reader, with a UTC fallback. */
function clock(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{time}|${new Date(ms).toISOString().slice(11, 16)} UTC>`;
}

export function buildBaselineCard(card: AlertCard, view: BaselineView | undefined, ctx: CardContext): Message {
  const resolved = card.status === 'resolved';
  const state = resolved ? 'landed' : (view?.state ?? 'at_risk');
  const committed = view?.committed ?? '—';
  const title = resolved
    ? `${card.resolvedBy === NO_LONGER_WATCHED ? '⚪' : '✅'} ${card.taskName} — ${card.resolvedHow ?? 'landed'}`
    : state === 'late'
      ? `🔴 ${card.taskName} missed ${committed}`
      : state === 'safe'
        ? `🟢 ${card.taskName} back on track for ${committed}`
        : `🟠 ${card.taskName} at risk for ${committed}`;
  const blocks: Block[] = [header(title), section(`*${esc(view?.headline ?? card.failMsg ?? '')}*`)];
  if (view) {
    const culprit = view.culprit;
    blocks.push(
      fields([
        `*Committed*\n${esc(committed)} (margin ${view.marginMin} min)`,
        resolved && view.landedAt
          ? `*Landed*\n${clock(view.landedAt)}`
          : `*Expected finish*\n${clock(view.expectedFinish)}${view.riskFinish > view.expectedFinish + 60_000 ? ` (as late as ${clock(view.riskFinish)})` : ''}`,
        `*Output*\n${link(ctx.links.taskLink(card.taskId), card.taskName)}`,
        `*Owner*\n${ctx.mention(card.owner)}`,
        ...(culprit
          ? [
              `*${culprit.kind === 'failed' ? 'Failed' : 'Slow'} task*\n${culprit.runId ? link(ctx.links.runLink(culprit.runId), culprit.name) : esc(culprit.name)}${culprit.kind === 'running' ? ` — ${(culprit.ratio ?? 0).toFixed(1)}× its usual ${humanDuration(culprit.usualMs)}` : ''}`,
            ]
          : []),
        ...(ctx.workspace ? [`*Workspace*\n\`${esc(ctx.workspace)}\``] : []),
      ]),
    );
    if (!resolved && view.path.length) {
      const lines = view.path.slice(0, 15).map((s, i) => {
        const name = s.runId ? link(ctx.links.runLink(s.runId), s.name) : `\`${esc(s.name)}\``;
        const doing =
          s.kind === 'running'
            ? `running ${humanDuration(Math.max(60_000, view.at - s.expectedStart))} (usual ${humanDuration(s.usualMs)})`
            : s.kind === 'failed'
              ? `failed${s.failMsg ? `: ${esc(s.failMsg.slice(0, 120))}` : ''}`
              : `waiting (usual ${humanDuration(s.usualMs)})`;
        return `${i + 1}. ${name} — ${doing} · done ~${clock(s.expectedFinish)}`;
      });
      blocks.push(section(`*Critical path*\n${lines.join('\n')}${view.path.length > 15 ? `\n… and ${view.path.length - 15} more` : ''}`));
    }
    if (culprit?.kind === 'failed' && culprit.failMsg) blocks.push(context(`:x: ${esc(stepLabel(culprit))}: ${esc(culprit.failMsg.slice(0, 300))}`));
  }
  if (card.ackBy) blocks.push(context(`:eyes: Acknowledged by <@${card.ackBy}> ${when(card.ackAt ?? undefined)}`));
  const v = cardValue(card);
  const buttons = [
    ...(card.latestRunId ? [button({ text: resolved ? 'Open the run' : 'Open the slow run', actionId: ACTION.openStudio, url: ctx.links.runLink(card.latestRunId) })] : []),
    ...(card.latestRunId ? [button({ text: 'Logs', actionId: TRIAGE.logs, value: v })] : []),
    ...(!resolved && card.latestRunId ? [button({ text: 'Diagnose', actionId: TRIAGE.diagnose, value: v })] : []),
    ...(!resolved && !card.ackBy ? [button({ text: 'Acknowledge', actionId: TRIAGE.ack, value: v })] : []),
  ];
  if (buttons.length) blocks.push(actions(buttons));
  return finishMessage(`${STATE_WORDS[state]}: ${view?.headline ?? card.failMsg ?? card.taskName}`, blocks);
}

/** `/cz baseline`: every baseline with its state. */
export function buildBaselineList(views: BaselineView[], defined: { task: string; committed: string; marginMin: number; by?: string }[]): Message {
  if (defined.length === 0) {
    return finishMessage('No baselines yet', [
      section('*No baselines yet.* Add one with `/cz baseline add <task> by 09:00 [margin 30m]` (operators), or under `baselines:` in the policy file.'),
    ]);
  }
  const byTask = new Map(views.map((v) => [v.task, v]));
  const lines = defined.map((d) => {
    const v = byTask.get(d.task);
    if (!v) return `⚪ \`${esc(d.task)}\` by ${esc(d.committed)} (margin ${d.marginMin} min) — not predicted yet`;
    const detail =
      v.state === 'landed'
        ? `landed ${clock(v.landedAt ?? v.expectedFinish)}, ${Math.round(Math.abs(v.lateByMs) / 60_000)} min ${v.lateByMs > 0 ? 'late' : 'early'}`
        : `expected ${clock(v.expectedFinish)}${v.culprit ? ` — ${esc(stepLabel(v.culprit))}` : ''}`;
    return `${STATE_ICON[v.state]} \`${esc(d.task)}\` by ${esc(d.committed)} (margin ${d.marginMin} min) — *${STATE_WORDS[v.state]}*: ${detail}`;
  });
  return finishMessage(`${defined.length} baselines`, [
    header('Baselines'),
    section(lines.slice(0, 40).join('\n')),
    context('Predicted from each output’s upstream DAG and its tasks’ recent durations; recomputed every alert poll.'),
  ]);
}

/** Home's section: the baselines at risk or late first. */
export function baselineHomeBlocks(views: BaselineView[]): Block[] {
  if (views.length === 0) return [];
  const order: Record<BaselineView['state'], number> = { late: 0, at_risk: 1, safe: 2, landed: 3 };
  const sorted = [...views].sort((a, b) => order[a.state] - order[b.state]).slice(0, 10);
  return [
    section('*Baselines*'),
    section(
      sorted
        .map(
          (v) =>
            `${STATE_ICON[v.state]} \`${esc(v.task)}\` by ${esc(v.committed)} — ${STATE_WORDS[v.state]}, ${v.state === 'landed' ? `landed ${clock(v.landedAt ?? v.expectedFinish)}` : `expected ${clock(v.expectedFinish)}`}`,
        )
        .join('\n'),
    ),
    divider(),
  ];
}

/** The answer to `/cz baseline add`. */
export function buildBaselineAdded(b: { task: string; committed: string; cycle: string; marginMin: number }, replaced: boolean): Message {
  const text = `:white_check_mark: ${replaced ? 'Changed the baseline' : 'Added a baseline'}: \`${esc(b.task)}\` by ${esc(b.committed)} (${b.cycle}), margin ${b.marginMin} min.`;
  return finishMessage(text, [section(text), context('Predicted at every alert poll; a card comes to the alert channel when it is at risk. `/cz baseline` lists them.')]);
}
