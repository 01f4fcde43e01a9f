/**
 * Seed 000's entry menu ("What would you like to do?"): build a new pipeline, change an existing
 * one, troubleshoot, standards check — in the DM greeting and on Home — and the task-type
 * explainer from knowledge/task-types.yml (which task kind, which sync to choose).
 */
import type { TaskTypes } from '../knowledge/load.js';
import { type Block, type Message, actions, button, context, esc, finishMessage, header, section } from './kit.js';
import { LIMITS, clip } from './limits.js';

export const ENTRY_MENU = {
  build: 'entry_menu_build',
  /** Change an existing pipeline (issue 34's flow plugs in here). */
  change: 'entry_menu_change',
  troubleshoot: 'entry_menu_troubleshoot',
  check: 'entry_menu_check',
  types: 'entry_menu_types',
} as const;

const OPTIONS: { id: string; label: string; description: string }[] = [
  { id: ENTRY_MENU.build, label: 'Build a new pipeline from scratch', description: 'Create folders, DDL tasks, sync tasks, ETL tasks' },
  { id: ENTRY_MENU.change, label: 'Change an existing pipeline', description: 'Add a table, a field or a metric; change ETL logic' },
  { id: ENTRY_MENU.troubleshoot, label: 'Troubleshoot task issues', description: 'Failure diagnosis, dependency check, log analysis' },
  { id: ENTRY_MENU.check, label: 'Standards compliance check', description: 'Do the tasks follow the separation of DDL and pipeline?' },
];

export function entryMenuBlocks(): Block[] {
  return [
    section('*What would you like to do?*'),
    context(OPTIONS.map((o) => `*${esc(o.label)}* — ${esc(o.description)}`).join('\n')),
    actions(
      [
        ...OPTIONS.map((o, i) => button({ text: o.label, actionId: o.id, value: 'menu', ...(i === 0 ? { style: 'primary' as const } : {}) })),
        button({ text: 'Which task type?', actionId: ENTRY_MENU.types, value: 'menu' }),
      ],
      'entry_menu',
    ),
  ];
}

export function buildEntryMenu(): Message {
  return finishMessage('What would you like to do?', [section(':wave: Hi! I help your team build and run pipelines on ClickZetta Lakehouse Studio.'), ...entryMenuBlocks()]);
}

const RUN_MODE: Record<TaskTypes['task_types'][number]['run_mode'], string> = {
  scheduled: 'scheduled (cron)',
  scheduled_or_manual: 'scheduled or run by hand',
  continuous: 'runs continuously, no cron',
  self_refreshing: 'refreshes itself',
};

/** The task-type explainer: each Studio task kind, and which sync to choose for a source. */
export function buildTaskTypes(t: TaskTypes): Message {
  const kinds = t.task_types.map((k) => `• *${esc(k.key)}* — ${esc(RUN_MODE[k.run_mode])}${k.vcluster === 'integration' ? ', on an INTEGRATION VCluster' : ''}: ${esc(k.use_for)}`);
  const choose = t.choose_sync.map((c) => `• ${esc(c.when)} → *${esc(c.use)}* (${esc(c.note)})`);
  return finishMessage('Studio task types', [
    header('Studio task types'),
    section(clip(`Choosing the wrong type is the most common engineering mistake (seed 000).\n${kinds.join('\n')}`, LIMITS.sectionText)),
    section(clip(`*Which sync to choose*\n${choose.join('\n')}`, LIMITS.sectionText)),
    context('`/cz types <source>` shows how a source’s column types map to Lakehouse.'),
  ]);
}
