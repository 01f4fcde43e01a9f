/** Block Kit for operations: confirmation, outcome, refusal, approval, the backfill modal, run finished. */
import { RUN_TYPE } from '../studio/enums.js';
import type { ModalView } from '@slack/types';
import type { AwaitingApproval, AwaitingBulkApproval, BackfillInput, BackfillPreview, Confirmation, OpOutcome, Refusal } from '../ops/operations.js';
import type { OperationRecord } from '../store/operations.js';
import type { Run } from '../studio/models.js';
import { type Block, type Message, actions, button, codeBlocks, context, divider, esc, escKeepingMentions, finishMessage, header, link, section, redactTexts } from './kit.js';
import { redactedExcerpt } from '../redaction/index.js';
import { LIMITS, clip } from './limits.js';
import { ACTION, type LinkBuilder, lineSections, runLine, when } from './replies.js';

export const BACKFILL_MODAL = 'backfill_modal';
export const BACKFILL_FIELDS = {
  task: { block: 'bf_task', action: 'bf_task_input' },
  from: { block: 'bf_from', action: 'bf_from_pick' },
  to: { block: 'bf_to', action: 'bf_to_pick' },
  vc: { block: 'bf_vc', action: 'bf_vc_input' },
} as const;

export function buildConfirmation(c: Confirmation): Message {
  return finishMessage(c.title, [
    section(`*${esc(c.title)}*\n${c.details.map((d) => `• ${esc(d)}`).join('\n')}`),
    actions([
      button({ text: 'Confirm', actionId: ACTION.confirm, value: c.op.id, style: c.op.action === 'stop' ? 'danger' : 'primary' }),
      button({ text: 'Cancel', actionId: ACTION.cancel, value: c.op.id }),
      ...(c.link ? [button({ text: 'Open in Studio', actionId: ACTION.openStudio, url: c.link })] : []),
    ]),
    context(`Nothing is sent to ${c.op.action === 'refresh_dt' ? 'Lakehouse' : 'Studio'} until you confirm. This request expires ${when(c.op.expiresAt)}.`),
  ]);
}

const OUTCOME_ICON = { succeeded: ':white_check_mark:', failed: ':x:', unknown: ':grey_question:' } as const;

export function buildOutcome(o: OpOutcome, actorId: string): Message {
  const blocks: Block[] = [section(`${OUTCOME_ICON[o.status]} ${escKeepingMentions(o.message)}${o.link ? `\n${link(o.link, 'Open in Studio')}` : ''}`)];
  const notes = [`${esc(o.op.action)} by <@${actorId}>`, `audit op \`${o.op.id.slice(0, 8)}\``];
  if (o.studioRequestId) notes.push(`Studio request \`${esc(o.studioRequestId)}\``);
  if (o.duplicate) notes.push('this repeats the first result: nothing was sent to Studio again');
  blocks.push(context(notes.join(' · ')));
  return finishMessage(o.message, blocks);
}

export function buildRefusal(r: Refusal): Message {
  const icon = r.reason === 'permission' || r.reason === 'two_person' || r.reason === 'channel' ? ':lock:' : ':warning:';
  return finishMessage(r.message, [
    section(`${icon} ${escKeepingMentions(r.message.split('```')[0]!.trim())}`),
    ...codeTail(r.message),
    context('Nothing was sent to Studio. This refusal is in the audit log.'),
  ]);
}

/** A refusal's YAML example, shown as code. */
function codeTail(message: string): Block[] {
  const m = /```([\s\S]*?)```/.exec(message);
  return m ? [section(`\`\`\`${esc(m[1]!)}\`\`\``)] : [];
}

export function buildCancelled(op: OperationRecord, byUserId: string): Message {
  return finishMessage('Cancelled', [section(`:heavy_multiplication_x: ${esc(op.action)} of ${esc(op.target)} cancelled by <@${byUserId}>. Nothing was sent to Studio.`)]);
}

export function buildRunFinished(run: Run, links: LinkBuilder, userId: string): Message {
  const ok = run.status.code === 1;
  // A temporary run (`/cz execute`) is its own run; otherwise the run was rerun.
  const what = run.runType.code === RUN_TYPE.TEMP ? 'temporary run' : 'rerun of run';
  return finishMessage(`${what === 'temporary run' ? 'Temporary run' : 'Rerun of run'} ${run.id} ${ok ? 'succeeded' : `ended ${run.status.label}`}`, [
    section(
      `${ok ? ':white_check_mark:' : ':x:'} <@${userId}>, the ${what} ${link(links.runLink(run.id), String(run.id))} (\`${esc(run.taskName)}\`) finished: *${esc(run.status.label)}*${run.failMsg && !ok ? `\n> ${esc(redactedExcerpt(run.failMsg, 500))}` : ''}`,
    ),
    context(`ended ${when(run.endTime)}`),
  ]);
}

// ---- backfill modal ---------------------------------------------------------------------------------

function previewBlocks(p: BackfillPreview | Refusal | undefined, links: LinkBuilder): Block[] {
  if (!p) return [context(':hourglass_flowing_sand: Working out what this backfill would do…')];
  if (p.kind === 'refused') {
    // The whole refusal: what is wrong and, for a permission, the grant to add (its YAML as code).
    const [why, code] = p.message.split('```');
    return [section(clip(`:warning: ${esc(why!.trim())}`, LIMITS.sectionText)), ...(code ? codeBlocks(code.trim()) : [])];
  }
  const dates = p.dates.length <= 10 ? p.dates.join(', ') : `${p.dates.slice(0, 5).join(', ')} … ${p.dates.slice(-3).join(', ')}`;
  const out: Block[] = [
    section(
      `*Dry run* — nothing has been sent yet.\n*${p.dates.length} business date${p.dates.length > 1 ? 's' : ''}* of ${link(p.link, p.task.name)}, one at a time: ${esc(dates)}`,
    ),
    section(`*Downstream tasks affected* (they do not run unless backfilled too): ${p.downstream.length ? p.downstream.map((d) => `\`${esc(d.name)}\``).join(', ') : 'none'}`),
  ];
  if (p.conflicts.length) {
    out.push(
      section(
        `:warning: *${p.conflicts.length} run${p.conflicts.length > 1 ? 's' : ''} of this task already running or waiting:*\n${p.conflicts
          .slice(0, 5)
          .map((r) => runLine(r, links))
          .join('\n')}`,
      ),
    );
  } else out.push(context('No runs of this task are running or waiting.'));
  out.push(
    p.needsApproval
      ? section(
          `:raised_hand: ${p.dates.length} days is over your limit as ${p.role} (${p.limitDays}). Submitting posts it for approval by ${p.role === 'admin' ? 'another admin' : 'an admin'}; it runs when they approve.`,
        )
      : context(`Within your limit as ${p.role} (${p.limitDays} days). VCluster: ${esc(p.vcCode ?? 'the task default')}.`),
  );
  return out;
}

export function buildBackfillModal(input: BackfillInput, preview: BackfillPreview | Refusal | undefined, links: LinkBuilder, metadata: Record<string, unknown>): ModalView {
  const meta = JSON.stringify(metadata);
  if (meta.length > LIMITS.privateMetadata) throw new RangeError('backfill modal metadata is too long');
  const needsApproval = preview?.kind === 'preview' && preview.needsApproval;
  // Someone without the right to backfill this task is not offered a button that can only refuse.
  const denied = preview?.kind === 'refused' && preview.reason === 'permission';
  return redactTexts({
    type: 'modal',
    callback_id: BACKFILL_MODAL,
    title: { type: 'plain_text', text: 'Backfill' },
    ...(denied ? {} : { submit: { type: 'plain_text' as const, text: needsApproval ? 'Ask for approval' : 'Run backfill' } }),
    close: { type: 'plain_text', text: denied ? 'Close' : 'Cancel' },
    private_metadata: meta,
    // Slack requires a submit button beside inputs: refused, the form is shown read-only.
    blocks: denied
      ? [section(`*Backfill* \`${esc(clip(input.task, 150))}\`, ${esc(input.from)} → ${esc(input.to)}`), divider(), ...previewBlocks(preview, links)]
      : formBlocks(input, preview, links),
  });
}

function formBlocks(input: BackfillInput, preview: BackfillPreview | Refusal | undefined, links: LinkBuilder): ModalView['blocks'] {
  return [
    {
      type: 'input',
      block_id: BACKFILL_FIELDS.task.block,
      label: { type: 'plain_text', text: 'Task (name or id)' },
      element: { type: 'plain_text_input', action_id: BACKFILL_FIELDS.task.action, initial_value: clip(input.task, 150) },
    },
    {
      type: 'input',
      block_id: BACKFILL_FIELDS.from.block,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'From business date' },
      element: { type: 'datepicker', action_id: BACKFILL_FIELDS.from.action, initial_date: input.from },
    },
    {
      type: 'input',
      block_id: BACKFILL_FIELDS.to.block,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'To business date' },
      element: { type: 'datepicker', action_id: BACKFILL_FIELDS.to.action, initial_date: input.to },
    },
    {
      type: 'input',
      block_id: BACKFILL_FIELDS.vc.block,
      optional: true,
      label: { type: 'plain_text', text: 'VCluster' },
      hint: { type: 'plain_text', text: "Leave empty to use the task's own VCluster." },
      element: { type: 'plain_text_input', action_id: BACKFILL_FIELDS.vc.action, ...(input.vcCode ? { initial_value: input.vcCode } : {}) },
    },
    divider(),
    ...previewBlocks(preview, links),
  ];
}

export function buildApprovalRequest(a: AwaitingApproval): Message {
  const p = a.preview;
  const who = approverMentions(a.approvers);
  const blocks: Block[] = [header('Backfill needs approval')];
  if (who.length === 0)
    blocks.push(
      section(':warning: No other admin of this task is named in the policy file, so nobody can approve this yet: an admin must be granted the *admin* role on it first.'),
    );
  return finishMessage(`Backfill approval needed: ${p.task.name} ${p.from} … ${p.to}`, [
    ...blocks,
    section(
      `${who.length ? `${who.join(' ')}: ` : ''}<@${a.op.requestedBy}> asks to backfill ${link(p.link, p.task.name)} for *${p.from} … ${p.to}* (${p.dates.length} business dates), over the ${p.role} limit of ${p.limitDays}.\nDownstream affected: ${p.downstream.length ? p.downstream.map((d) => `\`${esc(d.name)}\``).join(', ') : 'none'}${p.conflicts.length ? `\n:warning: ${p.conflicts.length} run(s) of this task are running or waiting.` : ''}`,
    ),
    actions([
      button({
        text: 'Approve',
        actionId: ACTION.approve,
        value: a.op.id,
        style: 'primary',
        confirm: { title: 'Approve this backfill?', text: `${p.dates.length} business dates of ${p.task.name} will run.`, confirm: 'Approve' },
      }),
      button({ text: 'Reject', actionId: ACTION.reject, value: a.op.id, style: 'danger' }),
    ]),
    context(`An admin other than the requester must approve (two-person rule). Expires ${when(a.op.expiresAt)}.`),
  ]);
}

/** Mentions of who can approve, at most 20 named. */
function approverMentions(a: { users: string[]; groups: string[] }): string[] {
  const all = [...a.groups.map((g) => `<!subteam^${g}>`), ...a.users.map((u) => `<@${u}>`)];
  return all.length > 20 ? [...all.slice(0, 20), `and ${all.length - 20} more admins`] : all;
}

/** A bulk rerun over the requester's limit: the listing, who can approve, Approve / Reject. */
export function buildBulkApprovalRequest(a: AwaitingBulkApproval): Message {
  const who = approverMentions(a.approvers);
  return finishMessage(`Approval needed: ${a.title}`, [
    header('Bulk rerun needs approval'),
    section(
      `${who.length ? `${who.join(' ')}: ` : ':warning: No other admin is named in the policy file for these tasks, so nobody can approve this yet. '}<@${a.op.requestedBy}> asks to *${esc(a.title)}*.`,
    ),
    ...lineSections(a.details.map((d) => `• ${esc(d)}`)),
    actions([
      button({
        text: 'Approve',
        actionId: ACTION.approve,
        value: a.op.id,
        style: 'primary',
        confirm: { title: 'Approve these reruns?', text: esc(a.title).slice(0, 280), confirm: 'Approve' },
      }),
      button({ text: 'Reject', actionId: ACTION.reject, value: a.op.id, style: 'danger' }),
    ]),
    context(`An admin other than the requester must approve (two-person rule). Expires ${when(a.op.expiresAt)}.`),
  ]);
}

export function buildApprovalResolved(op: OperationRecord, byUserId: string, outcome: OpOutcome | 'rejected'): Message {
  const p = op.params;
  const head =
    op.action === 'bulk_rerun'
      ? `Rerun of ${esc(String(p.label))} (${(p.runIds as unknown[]).length} runs) requested by <@${op.requestedBy}>`
      : `Backfill of \`${esc(op.taskName)}\` ${esc(String(p.from))} … ${esc(String(p.to))} requested by <@${op.requestedBy}>`;
  if (outcome === 'rejected')
    return finishMessage(op.action === 'bulk_rerun' ? 'Rerun rejected' : 'Backfill rejected', [
      section(`:no_entry: ${head} was *rejected* by <@${byUserId}>. Nothing was sent to Studio.`),
    ]);
  return finishMessage(`${op.action === 'bulk_rerun' ? 'Rerun' : 'Backfill'} ${outcome.status}`, [
    section(
      `${OUTCOME_ICON[outcome.status]} ${head} was *approved* by <@${byUserId}>.\n${escKeepingMentions(outcome.message)}${outcome.link ? `\n${link(outcome.link, 'Open in Studio')}` : ''}`,
    ),
  ]);
}
