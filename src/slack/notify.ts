/**
 * Telling a person how their rerun ended: edit the message they clicked when it is a normal
 * message, use the interaction's response_url while it is valid (30 minutes), else a DM.
 */
import { buildRunFinished } from '../blocks/operations.js';
import type { LinkBuilder } from '../blocks/replies.js';
import type { RunFinishedNotify } from '../ops/run-watcher.js';
import type { BoltApp } from './app.js';

const RESPONSE_URL_LIFETIME_MS = 29 * 60_000;

export function slackRunFinishedNotifier(client: BoltApp['client'], links: LinkBuilder, now: () => number = Date.now): RunFinishedNotify {
  return async (watch, run) => {
    const m = buildRunFinished(run, links, watch.userId);
    if (watch.channelId && watch.messageTs) {
      await client.chat.update({ channel: watch.channelId, ts: watch.messageTs, text: m.text, blocks: m.blocks });
      return;
    }
    if (watch.responseUrl && now() - watch.createdAt < RESPONSE_URL_LIFETIME_MS) {
      const res = await fetch(watch.responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ replace_original: true, text: m.text, blocks: m.blocks }),
      });
      if (res.ok) return;
    }
    await client.chat.postMessage({ channel: watch.userId, text: m.text, blocks: m.blocks });
  };
}
