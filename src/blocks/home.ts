/** The top of the App Home tab: what needs someone now — open alert cards and backfills, bulk reruns or promotions waiting for approval. */
import { isBaselineCard } from '../alerts/baseline-watcher.js';
import type { AlertCard } from '../store/alerts.js';
import type { OperationRecord } from '../store/operations.js';
import { type Block, context, divider, esc, link, section } from './kit.js';
import { clip } from './limits.js';
import { type LinkBuilder, lineSections, when } from './replies.js';

const MAX_LISTED = 25;

export interface PendingApproval {
  op: OperationRecord;
  /** The person looking at Home may approve it (admin for the task, not the requester). */
  canApprove: boolean;
}

function more(n: number, what: string): string[] {
  return n > MAX_LISTED ? [`… and ${n - MAX_LISTED} more ${what}`] : [];
}

/** `missing`: the alert watcher's heartbeat notice, while alerts may be missing (src/alerts/heartbeat.ts). */
export function buildHomeWork(cards: AlertCard[], approvals: PendingApproval[], viewerId: string, links: LinkBuilder, missing?: string): Block[] {
  const blocks: Block[] = [];
  if (missing) blocks.push(section(missing));
  if (cards.length === 0) blocks.push(section('*No open alerts.* Failed runs appear in the alert channels as cards; they are listed here until they close.'));
  else {
    // Oldest failure first: the one waiting longest for someone.
    const sorted = [...cards].sort((a, b) => a.failedAt - b.failedAt);
    blocks.push(section(`*Open alerts (${cards.length})*`));
    blocks.push(
      ...lineSections([
        ...sorted.slice(0, MAX_LISTED).map((c) => {
          const who = c.ackBy ? `:eyes: <@${c.ackBy}>` : 'nobody has it yet';
          const where = `• ${link(links.taskLink(c.taskId), c.taskName)} in <#${c.channel}>`;
          // A baseline's card is a prediction (late or at risk), not a failure: its headline says which.
          if (isBaselineCard(c)) return `${where} · ${esc(clip(c.failMsg ?? 'baseline at risk', 160))} · ${who}`;
          return `${where} · failed ${when(c.lastFailedAt ?? c.failedAt)}${c.count > 1 ? ` (${c.count} times)` : ''} · ${who}${c.causeTitle ? ` · ${esc(c.causeTitle)}` : ''}`;
        }),
        ...more(sorted.length, 'alerts'),
      ]),
    );
  }
  blocks.push(divider());
  if (approvals.length === 0) blocks.push(section('*No backfill or rerun is waiting for approval.*'));
  else {
    blocks.push(section(`*Waiting for approval (${approvals.length})*`));
    blocks.push(
      ...lineSections([
        ...approvals.slice(0, MAX_LISTED).map(({ op, canApprove }) => {
          const p = op.params;
          const where = op.channelId ? ` in <#${op.channelId}>` : '';
          const state = op.requestedBy === viewerId ? 'Waiting for another admin' : canApprove ? `*You can approve it*${where}` : 'Waiting for an admin of this task';
          const what =
            op.action === 'bulk_rerun'
              ? `rerun ${esc(String(p.label))} (${((p.runIds as unknown[]) ?? []).length} runs)`
              : op.action === 'promote'
                ? `promote \`${esc(String(p.folder))}\` from \`${esc(String(p.from))}\` to \`${esc(String(p.to))}\``
                : `backfill \`${esc(op.taskName ?? '?')}\` ${esc(String(p.from))} … ${esc(String(p.to))} (${esc(String(p.days))} business dates)`;
          return `• <@${op.requestedBy}> asks to ${what} · ${state} · expires ${when(op.expiresAt)}`;
        }),
        ...more(approvals.length, 'requests'),
      ]),
    );
  }
  blocks.push(context('Updated each time you open this tab.'), divider());
  return blocks;
}
