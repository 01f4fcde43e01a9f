/**
 * `/cz promote` in Slack: the diff between two workspaces' folder (new tasks, changed contents as
 * unified diffs truncated to fit Block Kit's limits, changed schedules/dependencies/VClusters,
 * tasks only in the target, what blocks it) with Confirm / Cancel; the approval request for a
 * protected target; the checkpoints as each task is written; Undo.
 */
import type { Checkpoint } from '../iterate/steps.js';
import { contentDiff } from '../iterate/steps.js';
import type { PromotionPlan, TaskChange } from '../promote/plan.js';
import { changeLabel } from '../promote/apply.js';
import { type Block, type Message, actions, button, context, esc, finishMessage, header, section } from './kit.js';
import { LIMITS, clip } from './limits.js';
import { checkpointLines } from './pipeline-change.js';

export const PROMOTE = {
  confirm: 'promote_confirm',
  cancel: 'promote_cancel',
  approve: 'promote_approve',
  undo: 'promote_undo',
} as const;

/** All the diffs together stay under this many characters (the message's JSON limit is about 12k). */
const DIFF_BUDGET = 5_200;

/** A diff cut to `max` characters at a line end, saying how many lines were left out. */
export function truncatedDiff(diff: string, max: number): string {
  if (diff.length <= max) return diff;
  const lines = diff.split('\n');
  const kept: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > max - 60) break;
    kept.push(l);
    size += l.length + 1;
  }
  return `${kept.join('\n')}\n… ${lines.length - kept.length} more diff lines (the whole content is in Studio)`;
}

const show = (v: string) => (v ? `\`${esc(v)}\`` : '_none_');

function fieldLines(c: TaskChange): string[] {
  const s = c.source;
  const t = c.target;
  const out: string[] = [];
  if (c.kind === 'new') {
    out.push(
      `schedule ${show(s.cron)} · VCluster ${show(s.vcCode)} · after ${s.deps.length ? s.deps.map(show).join(', ') : '_nothing_'}${s.deployed ? ' · deployed' : ' · draft'}`,
    );
    return out;
  }
  if (c.fields.includes('cron')) out.push(`schedule ${show(t!.cron)} → ${show(s.cron)}`);
  if (c.fields.includes('vcCode')) out.push(`VCluster ${show(t!.vcCode)} → ${show(s.vcCode)}`);
  if (c.fields.includes('deps')) out.push(`after ${t!.deps.length ? t!.deps.map(show).join(', ') : '_nothing_'} → ${s.deps.length ? s.deps.map(show).join(', ') : '_nothing_'}`);
  if (c.fields.includes('params')) out.push(`parameters ${show(JSON.stringify(t!.params))} → ${show(JSON.stringify(s.params))}`);
  return out;
}

export function promotionTitle(plan: PromotionPlan): string {
  return `Promote ${plan.folder}: ${plan.from} → ${plan.to}`;
}

export function buildPromotionDiff(plan: PromotionPlan, ref: string, opts: { protected?: boolean; note?: string } = {}): Message {
  const withContent = plan.changes.filter((c) => c.fields.includes('content'));
  const each = withContent.length ? Math.max(300, Math.floor(DIFF_BUDGET / withContent.length)) : 0;
  const tasks: Block[] = [];
  for (const c of plan.changes) {
    const lines = fieldLines(c);
    tasks.push(section(clip(`*${esc(changeLabel(c).replace(/`/g, ''))}*${lines.length ? `\n${lines.join('\n')}` : ''}`, LIMITS.sectionText)));
    if (c.fields.includes('content')) {
      // A new task: its whole content added; a changed one: the unified diff of the target's content and the source's (mapped).
      const lines = c.source.content.replace(/\n$/, '').split('\n');
      const diff =
        c.kind === 'new'
          ? [`+++ ${plan.to}/${c.name} (new)`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n')
          : contentDiff({ taskId: c.source.id, taskName: `${plan.to}/${c.name}`, before: c.target?.content ?? '', after: c.source.content, why: '' });
      tasks.push(section(`\`\`\`${clip(esc(truncatedDiff(diff, each).replace(/```/g, "'''")), LIMITS.sectionText - 8)}\`\`\``));
    }
  }
  const counts = [
    `${plan.changes.filter((c) => c.kind === 'new').length} new`,
    `${plan.changes.filter((c) => c.kind === 'changed').length} changed`,
    `${plan.unchanged.length} the same`,
    `${plan.onlyInTarget.length} only in \`${esc(plan.to)}\``,
  ].join(' · ');
  const nothing = plan.changes.length === 0;
  const buttons = [
    ...(plan.blockers.length || nothing
      ? []
      : [
          button({
            text: opts.protected ? 'Confirm (then a second admin approves)' : 'Confirm',
            actionId: PROMOTE.confirm,
            value: ref,
            style: 'primary',
            confirm: {
              title: `Write to ${plan.to}?`,
              text: `${plan.changes.length} task${plan.changes.length === 1 ? '' : 's'} of ${plan.folder} are written in ${plan.to}, upstream first. ${plan.from} is only read.`,
              confirm: 'Promote',
            },
          }),
        ]),
    button({ text: nothing || plan.blockers.length ? 'Close' : 'Cancel', actionId: PROMOTE.cancel, value: ref }),
  ];
  const head: Block[] = [
    header(clip(promotionTitle(plan), LIMITS.headerText)),
    ...(opts.note ? [section(clip(`:warning: ${esc(opts.note)}`, LIMITS.sectionText))] : []),
    section(
      clip(
        `*${counts}*\nWritten to \`${esc(plan.to)}\` only, upstream first; \`${esc(plan.from)}\` is read, never written.${opts.protected ? `\n:lock: \`${esc(plan.to)}\` is protected: after your Confirm a second admin approves.` : ''}`,
        LIMITS.sectionText,
      ),
    ),
    ...(plan.createFolder ? [section(`*New folder:* \`${esc(plan.to)}\` has no folder \`${esc(plan.folder)}\`: it is created first (Undo deletes it).`)] : []),
    ...(plan.renamings.length ? [context(clip(`Names mapped (workspaces file): ${plan.renamings.map((r) => esc(r)).join(', ')}`, LIMITS.fieldText))] : []),
    ...(plan.blockers.length
      ? [section(clip(`:no_entry: *Blocked — nothing can be written until this is fixed:*\n${plan.blockers.map((b) => `• ${esc(b)}`).join('\n')}`, LIMITS.sectionText))]
      : []),
    ...(nothing && !plan.blockers.length
      ? [section(`:white_check_mark: \`${esc(plan.to)}\` already has what \`${esc(plan.from)}\` has in \`${esc(plan.folder)}\`: nothing to promote.`)]
      : []),
  ];
  const tail: Block[] = [
    ...(plan.onlyInTarget.length
      ? [section(clip(`*Only in \`${esc(plan.to)}\`* (listed, never deleted): ${plan.onlyInTarget.map((n) => `\`${esc(n)}\``).join(', ')}`, LIMITS.sectionText))]
      : []),
    actions(buttons, 'promote_plan'),
  ];
  // The buttons stay: what does not fit is taken from the end of the task diffs, said, never from them.
  for (let kept = tasks.length; ; kept--) {
    const cut = tasks.length - kept;
    const m = finishMessage(promotionTitle(plan), [
      ...head,
      ...tasks.slice(0, kept),
      ...(cut ? [context(`… ${cut} more block${cut === 1 ? '' : 's'} of the diff not shown (Studio has every task's content).`)] : []),
      ...tail,
    ]);
    if (m.blocks.at(-1)?.type === 'actions' || kept === 0) return m;
  }
}

/** For a protected target: the request a second admin approves (posted where the command was). */
export function buildPromotionApproval(plan: PromotionPlan, ref: string, requestedBy: string, approvers: string[]): Message {
  return finishMessage(`Approval needed: ${promotionTitle(plan)}`, [
    header(clip(`Approval needed: ${promotionTitle(plan)}`, LIMITS.headerText)),
    section(
      clip(
        `<@${requestedBy}> asks to promote \`${esc(plan.folder)}\` from \`${esc(plan.from)}\` into the protected \`${esc(plan.to)}\`: ${plan.changes.length} task${plan.changes.length === 1 ? '' : 's'} (${plan.changes.map((c) => `\`${esc(c.name)}\``).join(', ')}).\nA different admin approves${approvers.length ? ` (${approvers.map((u) => `<@${u}>`).join(', ')})` : ''}; the requester cannot.`,
        LIMITS.sectionText,
      ),
    ),
    actions(
      [button({ text: 'Approve and promote', actionId: PROMOTE.approve, value: ref, style: 'primary' }), button({ text: 'Reject', actionId: PROMOTE.cancel, value: ref })],
      'promote_approval',
    ),
  ]);
}

/** The checkpoints as each task is written; at the end what was written, or where it stopped; Undo. */
export function buildPromotionProgress(plan: PromotionPlan, checkpoints: Checkpoint[], end?: { ok: boolean; error?: string; written?: string[]; undoRef?: string }): Message {
  const state = !end
    ? ':hourglass_flowing_sand: Writing, upstream first…'
    : end.ok
      ? `:white_check_mark: Done: ${end.written?.length ?? 0} write${end.written?.length === 1 ? '' : 's'} to \`${esc(plan.to)}\`.`
      : `:x: ${esc(end.error ?? 'stopped')}`;
  const title = promotionTitle(plan);
  return finishMessage(`${title}: ${!end ? 'in progress' : end.ok ? 'done' : 'stopped'}`, [
    header(clip(title, LIMITS.headerText)),
    section(clip(checkpointLines(checkpoints), LIMITS.sectionText)),
    section(clip(state, LIMITS.sectionText)),
    ...(end?.undoRef
      ? [
          actions(
            [
              button({
                text: 'Undo',
                actionId: PROMOTE.undo,
                value: end.undoRef,
                style: 'danger',
                confirm: {
                  title: 'Undo this promotion?',
                  text: `Every task it changed in ${plan.to} gets back its content, schedule and dependencies; the tasks it created are taken offline and deleted.`,
                  confirm: 'Undo',
                },
              }),
            ],
            'promote_undo',
          ),
        ]
      : []),
  ]);
}
