/** Block Kit for the read-side `/cz` replies. Pure functions of the core's views. */
import { changeThisPipelineButton } from './pipeline-change.js';
import type { Button } from '@slack/types';
import { SUBCOMMANDS, type SubcommandHelp } from '../ops/commands.js';
import type { DepsView, LogView, RunView, RunsView, TaskListView, TaskView } from '../ops/read.js';
import type { AuditRow } from '../store/audit.js';
import type { Run, TaskRelationNode, TaskSummary } from '../studio/models.js';
import { isStreamKind } from '../studio/enums.js';
import { type Block, type Message, actions, button, codeBlocks, context, divider, esc, escKeepingMentions, fields, finishMessage, header, link, section } from './kit.js';
import { redactedExcerpt } from '../redaction/index.js';
import { LIMITS } from './limits.js';

export const ACTION = {
  confirm: 'op_confirm',
  cancel: 'op_cancel',
  approve: 'op_approve',
  reject: 'op_reject',
  rerun: 'run_rerun',
  stop: 'run_stop',
  logs: 'run_logs',
  diagnose: 'run_diagnose',
  backfill: 'run_backfill',
  logsPage: 'logs_page',
  share: 'share_reply',
  openStudio: 'open_studio',
} as const;

export interface LinkBuilder {
  runLink(runId: number, tab?: 'executeLog'): string;
  taskLink(taskId: number): string;
}

/** A time that Slack shows in the reader's own time zone. */
export function when(ms: number | undefined): string {
  if (!ms) return '—';
  return `<!date^${Math.floor(ms / 1000)}^{date_short} {time}|${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

const STATUS_ICON: Record<string, string> = {
  SUCCESS: ':white_check_mark:',
  FAILED: ':x:',
  UPSTREAM_FAILED: ':no_entry:',
  RUNNING: ':arrows_counterclockwise:',
  NOT_STARTED: ':hourglass_flowing_sand:',
  WAITING_RESOURCE: ':hourglass_flowing_sand:',
  WAITING_UPSTREAM: ':hourglass_flowing_sand:',
  PAUSED: ':double_vertical_bar:',
};

export function statusText(label: string): string {
  return `${STATUS_ICON[label] ?? ':grey_question:'} ${label}`;
}

/** Lines packed into as few sections as fit Slack's text limit. */
export function lineSections(lines: string[]): Block[] {
  const out: Block[] = [];
  let cur = '';
  for (const l of lines) {
    const line = l.length > LIMITS.sectionText - 10 ? `${l.slice(0, LIMITS.sectionText - 11)}…` : l;
    if (cur && cur.length + line.length + 1 > LIMITS.sectionText - 10) {
      out.push(section(cur));
      cur = '';
    }
    cur = cur ? `${cur}\n${line}` : line;
  }
  if (cur) out.push(section(cur));
  return out;
}

export function shareButton(commandText: string): Button {
  return button({ text: 'Share in channel', actionId: ACTION.share, value: commandText.slice(0, 1900) });
}

/**
 * The copy of a reply shared in channel: says who shared it and what was asked, and has no Share
 * button of its own (it is already shared). The fallback text says it too.
 */
export function sharedCopy(m: Message, userId: string, commandText: string): Message {
  const asked = `/cz ${commandText.replace(/^\/cz\s*/, '')}`.trim();
  const blocks = (m.blocks as Block[])
    .map((b) => (b.type === 'actions' ? { ...b, elements: (b as { elements: { action_id?: string }[] }).elements.filter((e) => e.action_id !== ACTION.share) } : b))
    .filter((b) => b.type !== 'actions' || (b as { elements: unknown[] }).elements.length > 0) as Block[];
  // First, so a message cut to Slack's sizes still says it (the fallback text is already escaped: kept as is).
  const line = context(`Shared by <@${userId}> · \`${esc(redactedExcerpt(asked, 200))}\``);
  return { text: m.text, blocks: finishMessage('', [line, ...blocks]).blocks };
}

export function openButton(url: string, text = 'Open in Studio'): Button {
  return button({ text, actionId: ACTION.openStudio, url });
}

// ---- help and errors ------------------------------------------------------------------------------

/** A task's edit state in words (Studio's numbers stay out of sight). */
export function editStateWords(code: number | undefined): string {
  switch (code) {
    case 10:
      return 'draft, not saved';
    case 20:
      return 'draft, not published';
    case 80:
      return 'published, draft changed since';
    case 100:
      return 'published';
    default:
      return 'edit state unknown';
  }
}

/** Help never changes while the bot runs: built once per subcommand (unknown topics are not kept). */
const helpCache = new Map<string, Message>();

export function buildHelp(topic?: string): Message {
  const key = topic ?? '';
  const known = !topic || SUBCOMMANDS.some((s) => s.name === topic);
  const cached = known ? helpCache.get(key) : undefined;
  if (cached) return cached;
  const m = renderHelp(topic);
  if (known) helpCache.set(key, m);
  return m;
}

function renderHelp(topic?: string): Message {
  const list: readonly SubcommandHelp[] = topic ? SUBCOMMANDS.filter((s) => s.name === topic) : SUBCOMMANDS;
  const lines = (list.length ? list : SUBCOMMANDS).map((s) => `*\`/cz ${esc(s.usage)}\`* — ${esc(s.description)}\n    e.g. \`${esc(s.example)}\``);
  return finishMessage('Studio Ops Bot: /cz commands', [
    header('Studio Ops Bot — /cz'),
    ...lineSections(lines),
    context(
      topic && list.length === 0
        ? `No subcommand \`${esc(topic)}\`; here is the whole list.`
        : `Replies are visible only to you unless you press *Share in channel*. Run ids and task names both work where a task is asked for. Any command takes \`--ws ${esc('<name>')}\` to pick the Studio workspace (else the channel's, else the default).`,
    ),
  ]);
}

/** With several workspaces, every /cz answer says which one it is about (as its last line). */
export function withWorkspaceLine(m: Message, ws: { name: string; several: boolean }): Message {
  if (!ws.several || m.blocks.length >= LIMITS.messageBlocks) return m;
  return { ...m, blocks: [...m.blocks, context(`Workspace \`${esc(ws.name)}\` · another: \`--ws ${esc('<name>')}\``)] };
}

export function buildUsageError(error: string, usage?: string, example?: string): Message {
  const blocks: Block[] = [section(`:warning: ${esc(error)}`)];
  if (usage) blocks.push(section(`*Usage:* \`${esc(usage)}\``));
  if (example) blocks.push(context(`Example: \`${esc(example)}\``));
  return finishMessage(error, blocks);
}

export function buildError(title: string, detail: string, hint?: string): Message {
  const blocks: Block[] = [section(`:warning: *${esc(title)}*\n${esc(detail)}`)];
  if (hint) blocks.push(context(esc(hint)));
  return finishMessage(`${title}: ${detail}`, blocks);
}

/** The answer to a click, form or shortcut the bot never offered: an id it did not send, or a workspace it does not serve. */
export function unclaimedMessage(u: { kind: string; id: string; workspace?: string }, workspaces: readonly string[]): Message {
  const what = u.kind === 'view' ? 'form' : u.kind === 'shortcut' ? 'shortcut' : u.kind === 'options' ? 'menu' : 'button';
  const ws = u.workspace;
  const shown = u.id.length > 60 ? `${u.id.slice(0, 59)}…` : u.id;
  if (ws !== undefined && !workspaces.includes(ws))
    return buildError(
      `Not a workspace this bot serves`,
      `This ${what} belongs to workspace ${ws}, which this bot does not serve (it serves ${workspaces.join(', ')}). Nothing was done.`,
      'Ask again with `/cz` in this workspace.',
    );
  return buildError(
    `Not something the bot offered`,
    `This ${what} (${shown}) is not one this bot sent; it may come from an older version of the bot. Nothing was done.`,
    'Ask again with `/cz`.',
  );
}

// ---- tasks ------------------------------------------------------------------------------------------

export function buildTaskList(view: TaskListView, links: LinkBuilder, commandText: string): Message {
  const title = view.folder ? `Tasks in ${view.folder.name}` : 'Tasks';
  if (view.tasks.length === 0) return finishMessage(title, [section(`No tasks match${view.folder ? ` in \`${esc(view.folder.name)}\`` : ''}.`)]);
  const byFolder = new Map<string, TaskSummary[]>();
  for (const t of view.tasks) {
    const f = (t as { folderName?: string }).folderName ?? '(no folder)';
    byFolder.set(f, [...(byFolder.get(f) ?? []), t]);
  }
  const lines: string[] = [];
  for (const [folder, tasks] of byFolder) {
    lines.push(`*${esc(folder)}*`);
    for (const t of tasks) {
      const state = t.taskStatus
        ? `${t.taskStatus.label.toLowerCase()}${t.editState?.code === 80 ? ', draft changed' : ''}`
        : `not deployed (${editStateWords(t.editState?.code)})`;
      lines.push(`• ${link(links.taskLink(t.id), t.name)} \`${t.id}\` — ${esc(t.type.label)}, ${state}${t.owner ? `, ${esc(t.owner)}` : ''}`);
    }
  }
  return finishMessage(
    `${title}: ${view.tasks.length}`,
    [header(`${title} (${view.tasks.length})`), ...lineSections(lines), actions([shareButton(commandText)])],
    'filter with a folder, --type or --name',
  );
}

function relationLine(nodes: TaskRelationNode[], links: LinkBuilder): string {
  return nodes.length ? nodes.map((n) => link(links.taskLink(n.taskId), n.name)).join(', ') : '—';
}

/** `scheduleBlocks`: what stands where the schedule would (a stream's state: src/blocks/streams.ts buildStreamTaskDetail). */
export function buildTaskDetail(v: TaskView, links: LinkBuilder, commandText: string, scheduleBlocks?: Block[]): Message {
  const t = v.task;
  const cron = v.schedule?.cron ?? v.config.cron;
  const status = v.schedule?.taskStatus?.label ?? 'not deployed';
  const blocks: Block[] = [
    header(`Task ${t.name}`),
    fields([
      `*Type*\n${esc(t.type.label)}`,
      `*Status*\n${esc(status.toLowerCase())} · ${editStateWords(t.editState?.code)}`,
      `*Folder*\n${esc(t.folderName ?? '—')}`,
      `*Owner*\n${esc(t.owner ?? '—')}`,
      `*VCluster*\n${esc(v.schedule?.vcCode ?? v.config.vcCode ?? '—')}`,
      `*Retries*\n${v.config.retryCount ?? 0}, rerun ${esc(v.config.rerunProperty?.label.toLowerCase().replace(/_/g, ' ') ?? '—')}`,
    ]),
    // A stream runs continuously: its state, lag and tables stand where a schedule would.
    ...(scheduleBlocks
      ? scheduleBlocks
      : [
          section(
            cron
              ? `*Schedule* \`${esc(cron)}\`${v.cronProblem ? `\n:warning: ${esc(v.cronProblem)}` : `\nNext runs: ${v.nextRuns.map(when).join(', ') || '—'}`}`
              : '*Schedule* none (runs only by hand or as a dependency)',
          ),
        ]),
    section(
      `*Upstream* ${v.relations ? relationLine(v.relations.upstream, links) : esc(v.config.dependencies.map((d) => d.taskName ?? String(d.taskId)).join(', ') || '—')}\n*Downstream* ${v.relations ? relationLine(v.relations.downstream, links) : '—'}`,
    ),
  ];
  if (v.draftChanges && v.draftChanges.length > 0) {
    blocks.push(
      section(
        `:pencil2: *The draft differs from what is published* (version ${v.task.version}): ${esc(v.draftChanges.join('; '))}.\nThe scheduler runs the published version until the draft is deployed.`,
      ),
    );
  } else if (v.draftChanges) blocks.push(context(`:white_check_mark: The draft is what is published (version ${v.task.version}).`));
  if (v.studioPreviewDiffers) {
    blocks.push(
      context(
        `:warning: Studio's own preview of this schedule differs: Studio ${v.studioPreviewDiffers.studio.map((t) => `\`${esc(t)}\``).join(', ')}; ours ${v.studioPreviewDiffers.ours.map((t) => `\`${esc(t)}\``).join(', ')}.`,
      ),
    );
  }
  if (v.latestRun) {
    const r = v.latestRun;
    blocks.push(
      section(
        `*Latest run* ${link(links.runLink(r.id), String(r.id))} ${statusText(r.status.label)} · business date ${esc(r.bizDate ?? '—')} · planned ${when(r.planTime)}${r.failMsg ? `\n> ${esc(redactedExcerpt(r.failMsg, 300))}` : ''}`,
      ),
    );
  }
  blocks.push(actions([openButton(links.taskLink(t.id)), ...(t.folderName ? [changeThisPipelineButton(t.folderName)] : []), shareButton(commandText)]));
  return finishMessage(`Task ${t.name}: ${status}`, blocks);
}

export function runLine(r: Run, links: LinkBuilder): string {
  const fail = r.failMsg && r.status.code !== 1 ? ` — ${esc(redactedExcerpt(r.failMsg, 121))}` : '';
  return `${statusText(r.status.label)} ${link(links.runLink(r.id), String(r.id))} · ${esc(r.bizDate ?? '—')} · ${esc(r.runType.label.toLowerCase())} · ${when(r.planTime)}${fail}`;
}

export function buildRunList(v: RunsView, links: LinkBuilder, commandText: string, maxRuns = 25): Message {
  const title = `Runs of ${v.task.name}${v.status ? ` (${v.status})` : ''}, last ${v.sinceText}`;
  if (v.runs.length === 0) {
    return finishMessage(title, [
      section(`No runs of \`${esc(v.task.name)}\`${v.status ? ` with status ${v.status}` : ''} in the last ${esc(v.sinceText)}.`),
      context('Widen the window with `--since 30d`.'),
    ]);
  }
  const shown = v.runs.slice(0, maxRuns);
  const more = v.total - shown.length;
  const blocks: Block[] = [header(title), ...lineSections(shown.map((r) => runLine(r, links)))];
  if (more > 0) blocks.push(context(`${more} more run${more > 1 ? 's' : ''} not shown: narrow with \`--status\` or \`--since\`, or open the task in Studio.`));
  blocks.push(actions([openButton(links.taskLink(v.task.id)), shareButton(commandText)]));
  return finishMessage(`${title}: ${v.total}`, blocks);
}

export function runButtons(r: Run, links: LinkBuilder): Button[] {
  const out: Button[] = [button({ text: 'Logs', actionId: ACTION.logs, value: String(r.id) }), button({ text: 'Diagnose', actionId: ACTION.diagnose, value: String(r.id) })];
  // A stream's run is neither rerun nor backfilled: the stream is restarted (its task's buttons).
  const stream = isStreamKind(r.taskType.kind);
  if ([1, 3, 8].includes(r.status.code)) {
    if (!stream) out.push(button({ text: 'Rerun', actionId: ACTION.rerun, value: String(r.id), style: 'primary' }));
  } else out.push(button({ text: 'Stop', actionId: ACTION.stop, value: String(r.id), style: 'danger' }));
  if (r.bizDate && !stream) out.push(button({ text: 'Backfill…', actionId: ACTION.backfill, value: JSON.stringify({ taskId: r.taskId, task: r.taskName, date: r.bizDate }) }));
  out.push(openButton(links.runLink(r.id)));
  return out;
}

export function buildRunDetail(v: RunView, links: LinkBuilder, commandText: string): Message {
  const r = v.run;
  const blocks: Block[] = [
    header(`Run ${r.id} · ${r.taskName}`),
    fields([
      `*Status*\n${statusText(r.status.label)}`,
      `*Business date*\n${esc(r.bizDate ?? '—')}`,
      `*Type*\n${esc(r.runType.label)} · ${esc(r.taskType.label)}`,
      `*Planned*\n${when(r.planTime)}`,
      `*Started*\n${when(r.startTime)}`,
      `*Ended*\n${when(r.endTime)}`,
      `*Owner*\n${esc(r.owner ?? '—')}`,
      `*Attempts*\n${v.attempts.length}`,
    ]),
  ];
  if (r.failMsg) blocks.push(section(`*Failure* ${esc(r.failType ?? '')}\n> ${esc(redactedExcerpt(r.failMsg, 1500))}`));
  if (v.attempts.length > 1) {
    const ordered = [...v.attempts].sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0));
    blocks.push(context(ordered.map((a, i) => `#${i + 1} ${esc(a.result ?? 'running')} ${when(a.startTime)}`).join(' · ')));
  }
  if (v.log) {
    blocks.push(section(`*End of the log* (attempt ${v.log.attemptNumber} of ${v.log.attemptCount}, redacted)`));
    blocks.push(...codeBlocks(v.log.text, 1));
  }
  blocks.push(actions([...runButtons(r, links), shareButton(commandText)]));
  return finishMessage(`Run ${r.id} of ${r.taskName}: ${r.status.label}`, blocks);
}

export function buildLogView(v: LogView, links: LinkBuilder): Message {
  const total = v.totalLength !== undefined ? ` of ${v.totalLength}` : '';
  const nav: Button[] = [];
  const value = (o: number, d: 'prev' | 'next') => JSON.stringify({ r: v.runId, a: v.attemptNumber, o, d });
  if (v.hasPrevious) nav.push(button({ text: '◀ Previous', actionId: `${ACTION.logsPage}_prev`, value: value(v.startOffset, 'prev') }));
  if (v.hasNext) nav.push(button({ text: 'Next ▶', actionId: `${ACTION.logsPage}_next`, value: value(v.endOffset, 'next') }));
  nav.push(openButton(links.runLink(v.runId, 'executeLog'), 'Full log in Studio'));
  const blocks: Block[] = [
    section(`*Log of run ${v.runId}*, attempt ${v.attemptNumber} of ${v.attemptCount} · characters ${v.startOffset}–${v.endOffset}${total} · secrets redacted`),
    ...codeBlocks(v.text, 1),
  ];
  if (v.linesNotShown > 0)
    blocks.push(context(`${v.linesNotShown} earlier line${v.linesNotShown > 1 ? 's' : ''} of the ones you asked for did not fit: press *Previous* to read them.`));
  blocks.push(actions(nav));
  return finishMessage(`Log of run ${v.runId}`, blocks);
}

/** One level of the tree: em spaces (renderers that collapse ASCII spaces keep them) and a guide. */
const TREE_INDENT = '\u2003\u2003';

function treeLines(nodes: TaskRelationNode[], dir: 'upstream' | 'downstream', links: LinkBuilder, inCycle: Set<number>, depth = 0, path: number[] = []): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const repeat = path.includes(n.taskId);
    out.push(
      `${depth ? `${TREE_INDENT.repeat(depth)}└ ` : ''}${dir === 'upstream' ? '↑' : '↓'} ${link(links.taskLink(n.taskId), n.name)} (${esc(n.type.label)}${n.taskStatus ? `, ${n.taskStatus.label.toLowerCase()}` : ''})${inCycle.has(n.taskId) ? ' ↻ in the cycle' : ''}`,
    );
    if (!repeat) out.push(...treeLines(dir === 'upstream' ? n.upstream : n.downstream, dir, links, inCycle, depth + 1, [...path, n.taskId]));
  }
  return out;
}

export function buildDeps(d: DepsView, links: LinkBuilder, commandText: string): Message {
  const { task, relations, allDownstream, cycle } = d;
  if (!relations) {
    return finishMessage(`${task.name} has no schedule`, [
      section(`\`${esc(task.name)}\` is not deployed, so it has no scheduled dependencies.`),
      actions([openButton(links.taskLink(task.id))]),
    ]);
  }
  const inCycle = new Set([...(cycle?.taskIds ?? [])].filter((id) => id !== task.id));
  const root = [task.id];
  const up = treeLines(relations.upstream, 'upstream', links, inCycle, 0, root);
  const down = treeLines(relations.downstream, 'downstream', links, inCycle, 0, root);
  const blocks: Block[] = [header(`Dependencies of ${task.name}`)];
  if (cycle) {
    blocks.push(
      section(
        `:warning: *Dependency cycle: ${cycle.names.map((n) => `\`${esc(n)}\``).join(' → ')}*\nEach of these waits for the one before it, so none can start. Studio will not deploy a task in a cycle, and the scheduler would wait for ever: remove one of these dependencies in the task's schedule settings (usually the one that points back to an earlier layer).`,
      ),
    );
  }
  blocks.push(
    section(`*Upstream* (what it waits for)${up.length ? '' : '\n—'}`),
    ...lineSections(up),
    divider(),
    section(`*Downstream* (what waits for it)${down.length ? '' : '\n—'}`),
    ...lineSections(down),
  );
  if (allDownstream && allDownstream.length > 0) {
    // Studio's flattened list: everything a failure or a backfill of this task reaches, at any depth.
    const online = allDownstream.filter((d) => d.taskStatus?.code === 1).length;
    blocks.push(
      context(
        `In all, *${allDownstream.length}* task${allDownstream.length > 1 ? 's' : ''} downstream at any depth (${online} online): ${allDownstream
          .slice(0, 30)
          .map((d) => `${link(links.taskLink(d.taskId), d.name)}`)
          .join(', ')}${allDownstream.length > 30 ? `, and ${allDownstream.length - 30} more` : ''}`,
      ),
    );
  }
  blocks.push(actions([openButton(links.taskLink(task.id)), shareButton(commandText)]));
  return finishMessage(`Dependencies of ${task.name}`, blocks);
}

/** `filter` is mrkdwn (a user's mention stays a mention): escape what a person typed before it comes here. */
export function buildAudit(rows: AuditRow[], filter: string, none = `No audit entries match (${filter}).`): Message {
  if (rows.length === 0) return finishMessage('No audit entries', [section(none)]);
  const lines = rows.map(
    (r) =>
      `${when(r.at)} ${/^[UW][A-Z0-9]{2,}$/.test(r.actorId) ? `<@${r.actorId}>` : esc(r.actorName ?? r.actorId)} *${esc(r.action)}* ${esc(r.target)}${r.taskName ? ` (\`${esc(r.taskName)}\`)` : ''} → *${esc(r.outcome)}*${r.error ? ` — ${escKeepingMentions(redactedExcerpt(r.error, 140))}` : ''}${r.studioRequestId ? ` · req \`${esc(r.studioRequestId)}\`` : ''}`,
  );
  return finishMessage(
    `Audit: ${rows.length} entries`,
    [
      header(`Audit log (${rows.length} newest)`),
      ...lineSections(lines),
      context(`${filter} · the log is append-only and hash-chained: \`npx studio-ops audit verify\` checks it`),
    ],
    'narrow with --user, --task or --since',
  );
}

export function buildWhoami(userId: string, g: { grants: { role: string; scope: string[] }[]; configured: boolean; file?: string }): Message {
  const lines = g.grants.length ? g.grants.map((x) => `• *${x.role}* on ${x.scope.map((s) => `\`${esc(s)}\``).join(', ')}`) : ['• *viewer* everywhere (no grant names you)'];
  return finishMessage('Your roles', [
    section(`<@${userId}>, your roles:\n${lines.join('\n')}`),
    context(g.configured ? `From the policy file ${esc(g.file)}.` : 'No policy file is configured (POLICY_FILE): everyone is a viewer.'),
  ]);
}
