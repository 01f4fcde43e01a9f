/**
 * The alert sender's Slack client: its own WebClient that does not retry and rejects rate-limited
 * calls, so the outbox (not the client) decides when to try again, honouring Retry-After.
 */
import { OUTBOX_EVENT_TYPE } from '../alerts/sender.js';
import { webApi } from '@slack/bolt';
import type { SlackPoster } from '../alerts/sender.js';
import { slackFetch } from './outbound-redaction.js';

/** At most this many pages (of 200) are read looking for a post a crash left unrecorded. */
const FIND_PAGES = 50;

export function slackPoster(token: string, apiUrl: string | undefined): SlackPoster {
  const client = new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    rejectRateLimitedCalls: true,
    fetch: slackFetch,
    retryConfig: { retries: 0 },
  });
  return {
    post: async (channel, payload, threadTs, marker) => {
      const r = await client.chat.postMessage({
        channel,
        text: payload.text,
        blocks: payload.blocks as never,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(marker ? { metadata: { event_type: OUTBOX_EVENT_TYPE, event_payload: { marker } } } : {}),
      });
      return String(r.ts);
    },
    findPosted: async (channel, marker, oldestMs, threadTs) => {
      const oldest = (oldestMs / 1000).toFixed(6);
      const query = { channel, oldest, include_all_metadata: true, limit: 200, ...(threadTs ? { ts: threadTs } : {}) };
      // Every page, as Slack gives them (a digest thread holds hundreds of cards), up to FIND_PAGES.
      let pages = 0;
      for await (const page of client.paginate(threadTs ? 'conversations.replies' : 'conversations.history', query)) {
        const hit = ((page as { messages?: unknown[] }).messages ?? []).find((m) => {
          const meta = (m as { metadata?: { event_type?: string; event_payload?: { marker?: string } } }).metadata;
          return meta?.event_type === OUTBOX_EVENT_TYPE && meta.event_payload?.marker === marker;
        }) as { ts?: string } | undefined;
        if (hit?.ts) return hit.ts;
        if (++pages >= FIND_PAGES) break;
      }
      return undefined;
    },
    update: async (channel, ts, payload) => {
      await client.chat.update({ channel, ts, text: payload.text, blocks: payload.blocks as never });
    },
  };
}
