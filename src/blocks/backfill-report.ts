/**
 * How a backfill ended, date by date (issue 33, item 3): the tally, every date with its run, and
 * for each date that did not succeed its error and — on an alert card's thread — a Rerun button
 * that goes through the card's own rerun (confirmation, policy, idempotency, audit).
 */
import type { BackfillOutcome, DateOutcome } from '../ops/backfill-outcome.js';
import { backfillTally } from '../ops/backfill-outcome.js';
import { redactedExcerpt } from '../redaction/index.js';
import { type Block, type Message, button, esc, finishMessage, link, section } from './kit.js';
import type { LinkBuilder } from './replies.js';
import { TRIAGE } from './triage.js';

/** Dates not succeeded that get a section (and a button) each; the rest are listed. */
const MAX_FAILED_SECTIONS = 20;

const WORDS: Record<DateOutcome['status'], string> = { succeeded: ':white_check_mark: succeeded', failed: ':x: failed', upstream_failed: ':no_entry: upstream failed' };

/** `cardId`: the alert card the backfill was started from (its thread gets Rerun buttons). */
export function buildBackfillReport(o: BackfillOutcome, ctx: { links: LinkBuilder; cardId?: number; requestedBy?: string }): Message {
  const bad = o.dates.filter((d) => d.status !== 'succeeded');
  const ok = o.dates.filter((d) => d.status === 'succeeded');
  const by = ctx.requestedBy ? ` asked for by <@${ctx.requestedBy}>` : '';
  const title = `${bad.length ? ':warning:' : ':white_check_mark:'} Backfill of \`${esc(o.taskName)}\` ${esc(o.from)} → ${esc(o.to)} (job ${o.jobId})${by} ended: ${backfillTally(o)}.`;
  const blocks: Block[] = [section(title)];
  if (ok.length) blocks.push(section(`${WORDS.succeeded}: ${ok.map((d) => link(ctx.links.runLink(d.runId), d.bizDate)).join(', ')}`));
  for (const d of bad.slice(0, MAX_FAILED_SECTIONS)) {
    const text = `${WORDS[d.status]}: *${esc(d.bizDate)}* — run ${link(ctx.links.runLink(d.runId), String(d.runId))}${d.failMsg ? `\n> ${esc(redactedExcerpt(d.failMsg, 200))}` : ''}`;
    const rerun =
      ctx.cardId !== undefined ? button({ text: `Rerun ${d.bizDate}`, actionId: TRIAGE.rerun, value: JSON.stringify({ c: ctx.cardId, r: d.runId }), style: 'primary' }) : undefined;
    blocks.push(section(rerun ? text : `${text}\n_Rerun it with_ \`/cz rerun ${d.runId}\``, rerun));
  }
  if (bad.length > MAX_FAILED_SECTIONS)
    blocks.push(
      section(
        `… and ${bad.length - MAX_FAILED_SECTIONS} more: ${bad
          .slice(MAX_FAILED_SECTIONS)
          .map((d) => `${esc(d.bizDate)} (run ${d.runId})`)
          .join(', ')}`,
      ),
    );
  return finishMessage(title, blocks);
}
