/**
 * Telling a person how their rerun ended: edit the message they clicked when it is a normal
 * message, use the interaction's response_url while it is valid (30 minutes), else a DM.
 */
import { buildOutcome, buildRunFinished } from '../blocks/operations.js';
import type { Message } from '../blocks/kit.js';
import type { VerifiedListener } from '../ops/operations.js';
import type { LinkBuilder } from '../blocks/replies.js';
import type { BackfillFinishedNotify, RunFinishedNotify } from '../ops/run-watcher.js';
import type { BackfillOutcome } from '../ops/backfill-outcome.js';
import type { OperationRecord } from '../store/operations.js';
import { buildBackfillReport } from '../blocks/backfill-report.js';
import type { BoltApp } from './app.js';
import { slackFetch } from './outbound-redaction.js';

const RESPONSE_URL_LIFETIME_MS = 29 * 60_000;

/** Edit the message, else answer through response_url while it is valid, else a DM. */
async function tellLater(
  client: BoltApp['client'],
  to: { userId: string; channelId: string | null; messageTs: string | null; responseUrl: string | null; since: number },
  m: Message,
  now: () => number,
): Promise<void> {
  if (to.channelId && to.messageTs) {
    await client.chat.update({ channel: to.channelId, ts: to.messageTs, text: m.text, blocks: m.blocks });
    return;
  }
  if (to.responseUrl && now() - to.since < RESPONSE_URL_LIFETIME_MS) {
    const res = await slackFetch(to.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: m.text, blocks: m.blocks }),
    });
    if (res.ok) return;
  }
  await client.chat.postMessage({ channel: to.userId, text: m.text, blocks: m.blocks });
}

/** `tag`: with several workspaces, puts the workspace into the message's buttons (src/slack/workspace-router.ts). */
export function slackRunFinishedNotifier(client: BoltApp['client'], links: LinkBuilder, now: () => number = Date.now, tag: (m: Message) => Message = (m) => m): RunFinishedNotify {
  return async (watch, run) => {
    const m = tag(buildRunFinished(run, links, watch.userId));
    await tellLater(client, { userId: watch.userId, channelId: watch.channelId, messageTs: watch.messageTs, responseUrl: watch.responseUrl, since: watch.createdAt }, m, now);
  };
}

/**
 * Telling how a backfill ended on each date: in the thread of the alert card it was started from
 * (`onCard`, with a Rerun button per failed date, and on the card), and to the person who asked
 * (their message edited, else response_url, else a DM).
 */
export function slackBackfillFinishedNotifier(
  client: BoltApp['client'],
  links: LinkBuilder,
  onCard: (op: OperationRecord, outcome: BackfillOutcome) => Promise<boolean>,
  now: () => number = Date.now,
  tag: (m: Message) => Message = (m) => m,
): BackfillFinishedNotify {
  return async (watch, op, outcome) => {
    await onCard(op, outcome);
    const cardId = op.params.cardId == null ? undefined : Number(op.params.cardId);
    const m = tag(buildBackfillReport(outcome, { links, cardId }));
    await tellLater(client, { userId: watch.userId, channelId: watch.channelId, messageTs: watch.messageTs, responseUrl: watch.responseUrl, since: watch.createdAt }, m, now);
  };
}

/** Telling a person how an operation whose outcome was unknown ended, once Studio shows it. */
export function slackVerifiedNotifier(client: BoltApp['client'], now: () => number = Date.now, tag: (m: Message) => Message = (m) => m): VerifiedListener {
  return async (op, outcome, reply) => {
    const m = tag(buildOutcome(outcome, op.requestedBy));
    await tellLater(
      client,
      { userId: op.requestedBy, channelId: reply.channelId ?? null, messageTs: reply.messageTs ?? null, responseUrl: reply.responseUrl ?? null, since: op.updatedAt },
      m,
      now,
    );
  };
}
