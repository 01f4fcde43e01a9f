/** Block Kit for triage cards (open and resolved), their thread notes, and the weekly report. */
import { humanDuration } from '../studio/dates.js';
import type { StaticSelect } from '@slack/types';
import type { AlertReport } from '../alerts/report.js';
import { redactedErrorExcerpt } from '../redaction/index.js';
import { openRootsByCause, stillBlocked, tableOfSubject } from '../alerts/cards.js';
import type { AlertCard } from '../store/alerts.js';
import { isStreamKind, taskKindByLabel } from '../studio/enums.js';
import { streamOfSubject } from '../alerts/stream-watcher.js';
import { STREAM_BUTTON } from './streams.js';
import { type Block, type Message, actions, button, context, esc, fields, finishMessage, header, link, section } from './kit.js';
import { clip } from './limits.js';
import { ACTION, type LinkBuilder, lineSections, when } from './replies.js';

export const TRIAGE = {
  logs: 'triage_logs',
  diagnose: 'triage_diagnose',
  rerun: 'triage_rerun',
  backfill: 'triage_backfill',
  ack: 'triage_ack',
  takeOver: 'triage_take_over',
  release: 'triage_release',
  mute: 'triage_mute',
  unmute: 'triage_unmute',
  /** In a storm digest: rerun the open roots of one cause. */
  stormRerun: 'storm_rerun_cause',
  /** On a card whose root is fixed: rerun the downstream runs it still blocks. */
  rerunBlocked: 'triage_rerun_blocked',
  /** On a Dynamic Table's card: REFRESH DYNAMIC TABLE through the operations path. */
  dtRefresh: 'triage_dt_refresh',
} as const;

export interface CardContext {
  links: LinkBuilder;
  mention: (owner: string | null) => string;
  /** The task's mute in force, if any. */
  mute?: { until: number; by: string };
  /** With several workspaces: the card's (shown on it). */
  workspace?: string;
  /** Users and user groups its route mentions (`<@U…>`, `<!subteam^S…>`). */
  cc?: string[];
  /** How the latest backfill from the card ended (its dates are in the thread). */
  lastOutcome?: string;
}

/**
 * The value every card button carries: the card and its latest run; with `withAck`, who had it
 * acknowledged when the card was drawn (a take-over or release from a stale card changes nothing).
 */
export function cardValue(card: AlertCard, withAck = false): string {
  return JSON.stringify(withAck ? { c: card.id, r: card.latestRunId, a: card.ackBy } : { c: card.id, r: card.latestRunId });
}

/** The Mute menu's choices, in hours. */
export const MUTE_HOURS: readonly number[] = [1, 24];

function muteSelect(card: AlertCard): StaticSelect {
  return {
    type: 'static_select',
    action_id: TRIAGE.mute,
    placeholder: { type: 'plain_text', text: 'Mute…' },
    options: MUTE_HOURS.map((h) => ({ text: { type: 'plain_text', text: `Mute this task ${h} h` }, value: `${card.id}:${h}` })),
  };
}

export function buildTriageCard(card: AlertCard, ctx: CardContext): Message {
  const dt = tableOfSubject(card.subject);
  if (dt) return buildDynamicTableCard(card, dt, ctx.workspace);
  const stream = streamOfSubject(card.subject);
  if (stream) return buildStreamCard(card, stream, ctx);
  const resolved = card.status === 'resolved';
  const waiting = !resolved && card.rootFixedAt !== null ? stillBlocked(card) : [];
  // A run that succeeded but wrote nothing (or far less than the dates before it).
  const empty = card.subject?.startsWith('empty:') ? card.subject.slice('empty:'.length) : undefined;
  const title = resolved
    ? `:white_check_mark: ${card.taskName} — resolved`
    : waiting.length
      ? `:large_orange_circle: ${card.taskName} — root fixed, ${waiting.length} downstream still blocked`
      : empty
        ? `:large_orange_circle: ${card.taskName} succeeded but ${/wrote 0 rows/.test(card.failMsg ?? '') ? 'wrote nothing' : 'wrote far fewer rows'}`
        : `:rotating_light: ${card.taskName} failed`;
  const runLink = link(ctx.links.runLink(card.latestRunId), String(card.latestRunId));
  const blocks: Block[] = [
    header(title.replace(/:[a-z_]+: /, resolved ? '✅ ' : waiting.length || empty ? '🟠 ' : '🚨 ')),
    fields([
      `*Task*\n${link(ctx.links.taskLink(card.taskId), card.taskName)}`,
      `*Folder*\n${esc(card.folder ?? '—')}`,
      `*Type*\n${esc(card.taskType ?? '—')}`,
      `*Run*\n${runLink}${card.count > 1 ? ` (latest of ${card.count})` : ''}${card.attempts > 1 ? `, failed on all ${card.attempts} attempts` : ''}`,
      `*Business date*\n${esc(card.bizDate ?? '—')}`,
      // The latest failure: a repeat moves it (the first is in "Seen", and time to resolve counts from it).
      `*${empty ? 'Finished at' : 'Failed at'}*\n${when(card.lastFailedAt ?? card.failedAt)}`,
      `*Owner*\n${ctx.mention(card.owner)}`,
      `*Seen*\n${card.count > 1 ? `${card.count} times since ${when(card.failedAt)}` : 'once'}`,
      ...(ctx.workspace ? [`*Workspace*\n\`${esc(ctx.workspace)}\``] : []),
    ]),
  ];
  if (resolved) {
    const after = card.resolvedAt ? humanDuration(Math.max(60_000, card.resolvedAt - card.failedAt)) : undefined;
    blocks.push(
      section(
        empty
          ? `*Resolved*: \`${esc(empty)}\` holds rows for ${esc(card.bizDate ?? '—')} again${after ? `, *${after}* after the run that wrote nothing` : ''}.`
          : `*Resolved* by ${card.resolvedBy ?? '—'} (${esc(card.resolvedHow ?? '—')}): run ${card.resolvedRunId ? link(ctx.links.runLink(card.resolvedRunId), String(card.resolvedRunId)) : '—'} succeeded${after ? `, *${after}* after the failure` : ''}.`,
      ),
    );
  } else if (waiting.length) {
    blocks.push(
      section(
        `*Root fixed* by ${card.rootFixedBy ?? '—'} (${esc(card.rootFixedHow ?? '—')}): run ${card.rootFixRunId ? link(ctx.links.runLink(card.rootFixRunId), String(card.rootFixRunId)) : '—'} succeeded ${when(card.rootFixedAt ?? undefined)}.\n*Still blocked:* ${waiting.length} downstream run${waiting.length > 1 ? 's' : ''} ended UPSTREAM_FAILED and Studio does not rerun them by itself. The card closes when they succeed.`,
      ),
    );
  } else {
    const cause = card.causeTitle
      ? `*Likely cause:* ${esc(card.causeTitle)} \`${esc(card.causeId)}\`\n*First step:* ${esc(card.causeFix ?? '')}`
      : '*Likely cause:* not in the knowledge table — press *Diagnose* to read the log.';
    blocks.push(section(`${cause}${card.failMsg ? `\n> ${esc(redactedErrorExcerpt(card.failMsg, 300))}` : ''}`));
  }
  if (card.blocked.length) {
    const names = card.blocked.map((b) => `${link(ctx.links.runLink(b.runId), b.taskName)}${b.fixedRunId !== undefined ? ' ✓' : ''}`);
    const fixed = card.blocked.length - stillBlocked(card).length;
    blocks.push(
      section(
        `:no_entry: *${card.blocked.length} downstream task${card.blocked.length > 1 ? 's' : ''} blocked${fixed ? ` (${fixed} succeeded since ✓)` : ''}:* ${names.slice(0, 30).join(', ')}${names.length > 30 ? ` … and ${names.length - 30} more` : ''}`,
      ),
    );
  }
  const notes: string[] = [];
  if (ctx.cc?.length) notes.push(`:bell: ${ctx.cc.join(' ')}`);
  if (card.ackBy) notes.push(`:eyes: Acknowledged by <@${card.ackBy}> ${when(card.ackAt ?? undefined)}`);
  if (ctx.lastOutcome) notes.push(`:clipboard: ${esc(ctx.lastOutcome)} (each date in the thread)`);
  if (ctx.mute) notes.push(`:mute: Muted by <@${ctx.mute.by}> until ${when(ctx.mute.until)}: new failures of this task are recorded, not posted`);
  if (notes.length) blocks.push(context(...notes));
  const v = cardValue(card);
  if (resolved) {
    blocks.push(
      actions([
        button({ text: 'Logs', actionId: TRIAGE.logs, value: v }),
        button({ text: 'Open in Studio', actionId: ACTION.openStudio, url: ctx.links.runLink(card.latestRunId) }),
      ]),
    );
  } else {
    blocks.push({
      type: 'actions',
      elements: [
        button({ text: 'Logs', actionId: TRIAGE.logs, value: v }),
        ...(waiting.length
          ? [button({ text: `Rerun ${waiting.length} blocked run${waiting.length > 1 ? 's' : ''}`, actionId: TRIAGE.rerunBlocked, value: v, style: 'primary' })]
          : [
              button({ text: 'Diagnose', actionId: TRIAGE.diagnose, value: v }),
              // A stream's card offers no rerun or backfill: a stream is restarted.
              ...(isStreamKind(taskKindByLabel(card.taskType))
                ? []
                : [button({ text: 'Rerun', actionId: TRIAGE.rerun, value: v, style: 'primary' }), button({ text: 'Backfill…', actionId: TRIAGE.backfill, value: v })]),
            ]),
        ...(card.ackBy
          ? [
              button({ text: 'Take over', actionId: TRIAGE.takeOver, value: cardValue(card, true) }),
              button({ text: 'Release', actionId: TRIAGE.release, value: cardValue(card, true) }),
            ]
          : [button({ text: 'Acknowledge', actionId: TRIAGE.ack, value: v })]),
        ctx.mute ? button({ text: 'Unmute', actionId: TRIAGE.unmute, value: v }) : muteSelect(card),
        button({ text: 'Open in Studio', actionId: ACTION.openStudio, url: ctx.links.runLink(card.latestRunId) }),
      ],
    });
  }
  return finishMessage(
    `${resolved ? 'Resolved' : empty ? 'Wrote nothing' : 'Failed'}: ${card.taskName} run ${card.latestRunId}${card.causeTitle ? ` — ${card.causeTitle}` : ''}`,
    blocks,
  );
}

/** A Dynamic Table's card: its refreshes are Lakehouse jobs, not Studio runs. */
function buildDynamicTableCard(card: AlertCard, table: string, workspace?: string): Message {
  const resolved = card.status === 'resolved';
  const suspended = card.causeId === 'dt.suspended' || /was suspended/.test(card.failMsg ?? '');
  const title = resolved ? `✅ ${table} — refreshing again` : suspended ? `🚨 Dynamic Table ${table} suspended` : `🚨 Dynamic Table ${table} refresh failed`;
  const blocks: Block[] = [
    header(title),
    fields([
      `*Dynamic Table*\n\`${esc(table)}\``,
      `*Refresh job*\n${esc(card.latestJob ?? '—')}${card.count > 1 ? ` (latest of ${card.count})` : ''}`,
      `*Failed at*\n${when(card.lastFailedAt ?? card.failedAt)}`,
      `*Seen*\n${card.count > 1 ? `${card.count} times since ${when(card.failedAt)}` : 'once'}`,
      ...(workspace ? [`*Workspace*\n\`${esc(workspace)}\``] : []),
    ]),
  ];
  if (resolved) {
    const after = card.resolvedAt ? humanDuration(Math.max(60_000, card.resolvedAt - card.failedAt)) : undefined;
    blocks.push(section(`*Resolved* by ${card.resolvedBy ?? '—'} (${esc(card.resolvedHow ?? '—')}): a refresh succeeded${after ? `, *${after}* after the failure` : ''}.`));
  } else {
    const cause = card.causeTitle
      ? `*Likely cause:* ${esc(card.causeTitle)} \`${esc(card.causeId)}\`\n*First step:* ${esc(card.causeFix ?? '')}`
      : '*Likely cause:* not in the knowledge table — press *Logs* for the refresh history.';
    blocks.push(section(`${cause}${card.failMsg ? `\n> ${esc(redactedErrorExcerpt(card.failMsg, 300))}` : ''}`));
    blocks.push(context('Dynamic Tables keep the data of their last successful refresh: what reads this table is going stale until a refresh succeeds.'));
  }
  if (card.ackBy) blocks.push(context(`:eyes: Acknowledged by <@${card.ackBy}> ${when(card.ackAt ?? undefined)}`));
  const v = cardValue(card);
  blocks.push(
    actions(
      resolved
        ? [button({ text: 'Logs', actionId: TRIAGE.logs, value: v })]
        : [
            button({ text: 'Logs', actionId: TRIAGE.logs, value: v }),
            button({ text: 'Refresh now', actionId: TRIAGE.dtRefresh, value: v, style: 'primary' }),
            ...(card.ackBy
              ? [
                  button({ text: 'Take over', actionId: TRIAGE.takeOver, value: cardValue(card, true) }),
                  button({ text: 'Release', actionId: TRIAGE.release, value: cardValue(card, true) }),
                ]
              : [button({ text: 'Acknowledge', actionId: TRIAGE.ack, value: v })]),
          ],
    ),
  );
  return finishMessage(`${resolved ? 'Resolved' : suspended ? 'Suspended' : 'Refresh failed'}: Dynamic Table ${table}${card.causeTitle ? ` — ${card.causeTitle}` : ''}`, blocks);
}

/** Top entries of a count, biggest first: `• name — n`. */
function topCounts(counts: Map<string, number>, n: number, unit: string): string {
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const lines = sorted.slice(0, n).map(([k, v]) => `• ${esc(k)} — ${v.toLocaleString('en-US')} ${v === 1 ? unit.replace(/s$/, '') : unit}`);
  if (sorted.length > n) lines.push(`• … ${sorted.length - n} more`);
  return lines.join('\n');
}

/**
 * The storm digest: one message that says what is happening (failures, root tasks, blocked runs,
 * by cause and by folder, the time window); the per-group cards follow in its thread.
 */
export function buildDigest(digestId: number, cards: AlertCard[]): Message {
  const failures = cards.reduce((s, c) => s + c.count, 0);
  const blocked = cards.reduce((s, c) => s + c.blocked.length, 0);
  const resolved = cards.filter((c) => c.status === 'resolved').length;
  const byCause = new Map<string, number>();
  const byFolder = new Map<string, number>();
  for (const c of cards) {
    const cause = c.causeTitle ?? 'Not in the knowledge table';
    byCause.set(cause, (byCause.get(cause) ?? 0) + c.count);
    byFolder.set(c.folder ?? '(no folder)', (byFolder.get(c.folder ?? '(no folder)') ?? 0) + c.count);
  }
  const from = cards.length ? Math.min(...cards.map((c) => c.failedAt)) : undefined;
  const to = cards.length ? Math.max(...cards.map((c) => c.lastFailedAt ?? c.failedAt)) : undefined;
  const done = cards.length > 0 && resolved === cards.length;
  const title = done ? `Alert storm resolved: ${cards.length} groups` : `Alert storm: ${(failures + blocked).toLocaleString('en-US')} failed runs`;
  const blocks: Block[] = [
    header(`${done ? '✅' : '🚨'} ${title}`),
    section(
      `*${failures.toLocaleString('en-US')}* failures of *${new Set(cards.map((c) => c.taskId)).size}* root tasks in *${cards.length}* groups (task × cause), blocking *${blocked.toLocaleString('en-US')}* downstream runs, between ${when(from)} and ${when(to)}.`,
    ),
    fields([`*By cause*\n${topCounts(byCause, 6, 'failures')}`, `*By folder*\n${topCounts(byFolder, 6, 'failures')}`]),
    context(
      `${resolved} of ${cards.length} groups resolved. One card per group follows in this thread, the most downstream impact first; each closes itself when its task succeeds again.`,
    ),
  ];
  // Bulk fixes by cause: the biggest causes first.
  const causes = [...openRootsByCause(cards)].sort((a, b) => b[1].cards.length - a[1].cards.length).slice(0, 100);
  if (causes.length) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'static_select',
          action_id: TRIAGE.stormRerun,
          placeholder: { type: 'plain_text', text: 'Rerun the failed roots of a cause…' },
          options: causes.map(([key, v]) => ({
            text: { type: 'plain_text', text: clip(`Rerun ${v.cards.length} root${v.cards.length > 1 ? 's' : ''}: ${v.title}`, 75) },
            value: `${digestId}|${key}`.slice(0, 150),
          })),
        } as StaticSelect,
      ],
    });
  }
  return finishMessage(`${title}${done ? '' : ` — ${cards.length} groups, ${blocked} downstream runs blocked`}`, blocks);
}

export function buildThreadNote(text: string): Message {
  return finishMessage(text, [section(text)]);
}

/** `channelId`: the alert channel the report is about (a mention in mrkdwn; headers cannot hold one). */
export function buildReport(r: AlertReport, channelId: string | undefined): Message {
  const blocks: Block[] = [
    header('Pipeline failures report'),
    context(channelId ? `For <#${channelId}>` : 'For all alert channels'),
    fields([
      `*Failures*\n${r.failures} (${r.cards} cards)`,
      `*Resolved*\n${r.resolved} of ${r.cards}`,
      `*Mean time to resolve*\n${r.mttrMs === undefined ? '—' : humanDuration(r.mttrMs)}`,
      `*Blocked downstream runs*\n${r.blocked}`,
    ]),
  ];
  if (r.topCauses.length) blocks.push(section('*Top causes*'), ...lineSections(r.topCauses.map((c) => `• ${esc(c.title)} — ${c.count}`)));
  if (r.noisiest.length) blocks.push(section('*Noisiest tasks*'), ...lineSections(r.noisiest.map((t) => `• \`${esc(t.taskName)}\` — ${t.count} failure${t.count > 1 ? 's' : ''}`)));
  blocks.push(context(`From ${when(r.from)} to ${when(r.to)}`));
  return finishMessage(`Weekly report: ${r.failures} failures, ${r.resolved}/${r.cards} resolved`, blocks);
}

/** A stream's alert card: stopped or failed, behind, or one CDC table failed; closes itself when it is healthy again. */
export function buildStreamCard(card: AlertCard, about: { taskId: number; kind: 'down' | 'lag' | 'table'; tableId?: number }, ctx: CardContext): Message {
  const resolved = card.status === 'resolved';
  const what = about.kind === 'table' ? 'a CDC table failed' : about.kind === 'lag' ? 'falling behind' : 'stream down';
  const title = resolved
    ? `✅ ${card.taskName} — ${about.kind === 'table' ? 'table syncing again' : 'running and caught up'}`
    : `${about.kind === 'lag' ? '🟠' : '🚨'} ${card.taskName} — ${what}`;
  const blocks: Block[] = [
    header(title),
    fields([
      `*Stream*\n<${ctx.links.taskLink(card.taskId)}|${esc(card.taskName)}>`,
      `*Type*\n${esc(card.taskType ?? '—')}`,
      `*Folder*\n${esc(card.folder ?? '—')}`,
      `*Since*\n${when(card.failedAt)}`,
      ...(ctx.workspace ? [`*Workspace*\n\`${esc(ctx.workspace)}\``] : []),
    ]),
  ];
  if (resolved) {
    const after = card.resolvedAt ? humanDuration(Math.max(60_000, card.resolvedAt - card.failedAt)) : undefined;
    blocks.push(section(`*Resolved*: ${esc(card.resolvedHow ?? '—')}${after ? `, *${after}* after the alert` : ''}.`));
  } else {
    const cause = card.causeTitle ? `\n*Likely cause:* ${esc(card.causeTitle)} \`${esc(card.causeId)}\`\n*First step:* ${esc(card.causeFix ?? '')}` : '';
    blocks.push(section(`${esc(redactedErrorExcerpt(card.failMsg ?? '', 1200)).replace(/\n/g, '\n> ')}${cause}`));
    if (about.kind !== 'table')
      blocks.push(context('A stream that is down or behind leaves what reads its tables stale. The card closes itself when the stream runs and has caught up.'));
  }
  if (card.ackBy) blocks.push(context(`:eyes: Acknowledged by <@${card.ackBy}> ${when(card.ackAt ?? undefined)}`));
  const v = JSON.stringify({ c: card.id, r: card.latestRunId });
  const streamValue = JSON.stringify({ t: card.taskId, c: card.id, ...(about.tableId !== undefined ? { tb: about.tableId } : {}) });
  const runButtons = card.latestRunId ? [button({ text: 'Logs', actionId: TRIAGE.logs, value: v }), button({ text: 'Diagnose', actionId: TRIAGE.diagnose, value: v })] : [];
  blocks.push(
    actions(
      resolved
        ? [...runButtons.slice(0, 1), button({ text: 'Open in Studio', actionId: ACTION.openStudio, url: ctx.links.taskLink(card.taskId) })]
        : [
            about.kind === 'table'
              ? button({ text: 'Resync table', actionId: STREAM_BUTTON.resync, value: streamValue, style: 'primary' })
              : button({ text: 'Restart', actionId: STREAM_BUTTON.restart, value: streamValue, style: 'primary' }),
            ...runButtons,
            ...(card.ackBy ? [] : [button({ text: 'Acknowledge', actionId: TRIAGE.ack, value: v })]),
            button({ text: 'Open in Studio', actionId: ACTION.openStudio, url: ctx.links.taskLink(card.taskId) }),
          ],
    ),
  );
  return finishMessage(`${resolved ? 'Resolved' : 'Stream alert'}: ${card.taskName} — ${what}`, blocks);
}
