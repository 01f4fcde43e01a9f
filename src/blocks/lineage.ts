/** `/cz lineage <table|task>`: who writes a table, who reads it, what a change to it touches, and what could not be read. */
import type { Lineage, lookupLineage } from '../lineage/index.js';
import { describeImpact } from '../lineage/index.js';
import { type Block, type Message, actions, context, divider, esc, finishMessage, header, link, section } from './kit.js';
import { type LinkBuilder, shareButton } from './replies.js';

type Found = ReturnType<typeof lookupLineage>;

const none = '—';

function taskRef(lineage: Lineage, name: string, links: LinkBuilder): string {
  const t = lineage.tasks.find((x) => x.name === name);
  return t ? link(links.taskLink(t.id), name) : `\`${esc(name)}\``;
}

function list(items: string[]): string {
  return items.length > 0 ? items.join(', ') : none;
}

const SOURCE_WORDS = { 'task-sql': 'its SQL', 'dt-definition': 'its definition in a DDL draft', lakehouse: "Lakehouse's refresh history" } as const;

/** What could not be read, said: the statements that named tables no one can be sure of. */
function unreadLines(items: { task: string; statement: string; reason: string }[], max = 8): Block[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, max).map((u) => `• \`${esc(u.task)}\`: ${esc(u.reason)} — \`${esc(u.statement)}\``);
  if (items.length > max) shown.push(`… and ${items.length - max} more`);
  return [context(`:grey_question: *Not read* (left out rather than guessed):\n${shown.join('\n')}`)];
}

export function buildLineageAnswer(lineage: Lineage, ref: string, found: Found, links: LinkBuilder, commandText: string): Message {
  if (found.kind === 'unknown') {
    return finishMessage(`No table or task named ${ref}`, [
      section(
        `No table or task named \`${esc(ref)}\` appears in any task's SQL, sync target or Dynamic Table definition.${found.near.length > 0 ? ` Did you mean ${found.near.map((n) => `\`${esc(n)}\``).join(', ')}?` : ''}`,
      ),
      ...unreadLines(lineage.unread),
    ]);
  }
  if (found.kind === 'task') {
    const t = found.node;
    const blocks: Block[] = [
      header(`Lineage of ${t.name}`),
      section(
        [
          `*Kind:* ${esc(t.kind)}${t.folder ? ` · folder \`${esc(t.folder)}\`` : ''}`,
          `*Writes:* ${list(t.writes.map((x) => `\`${esc(x)}\``))}`,
          `*Defines (DDL):* ${list(t.defines.map((x) => `\`${esc(x)}\``))}`,
          `*Reads:* ${list([...t.reads.map((x) => `\`${esc(x)}\``), ...t.externalSources.map((x) => `${esc(x)} (outside Lakehouse)`)])}`,
          `*Upstream in Studio:* ${list(t.upstream.map((n) => taskRef(lineage, n, links)))}`,
          `*Downstream in Studio:* ${list(found.downstream.map((n) => taskRef(lineage, n, links)))}`,
        ].join('\n'),
      ),
      ...unreadLines(t.unread.map((u) => ({ task: t.name, ...u }))),
      actions([shareButton(commandText)]),
    ];
    return finishMessage(`Lineage of ${t.name}`, blocks);
  }
  const n = found.node;
  const readers = n.readers.map((r) =>
    r.kind === 'dynamic_table' ? `DT \`${esc(r.name)}\` (${SOURCE_WORDS[r.source]})` : `${taskRef(lineage, r.name, links)} (${SOURCE_WORDS[r.source]})`,
  );
  const blocks: Block[] = [
    header(`Lineage of ${n.table}${n.dynamic ? ' (Dynamic Table)' : ''}`),
    section(
      [
        `*Written by:* ${list(n.writers.map((w) => taskRef(lineage, w, links)))}`,
        `*Defined by:* ${list(n.definers.map((w) => taskRef(lineage, w, links)))}`,
        `*Read by:* ${list(readers)}`,
      ].join('\n'),
    ),
    divider(),
    section(`*A change to it touches:* ${esc(describeImpact(found.impact)).replace(/^`[^`]*` touches /, '')}`),
    ...unreadLines(lineage.unread),
    actions([shareButton(commandText)]),
  ];
  return finishMessage(`Lineage of ${n.table}`, blocks);
}
