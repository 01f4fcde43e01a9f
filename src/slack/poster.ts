/**
 * The alert sender's Slack client: its own WebClient that does not retry and rejects rate-limited
 * calls, so the outbox (not the client) decides when to try again, honouring Retry-After.
 */
import { OUTBOX_EVENT_TYPE } from '../alerts/sender.js';
import { webApi } from '@slack/bolt';
import type { SlackPoster } from '../alerts/sender.js';
import { slackFetch } from './outbound-redaction.js';

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
      const r = threadTs
        ? await client.conversations.replies({ channel, ts: threadTs, oldest, include_all_metadata: true, limit: 200 })
        : await client.conversations.history({ channel, oldest, include_all_metadata: true, limit: 200 });
      const hit = (r.messages ?? []).find((m) => {
        const meta = (m as { metadata?: { event_type?: string; event_payload?: { marker?: string } } }).metadata;
        return meta?.event_type === OUTBOX_EVENT_TYPE && meta.event_payload?.marker === marker;
      });
      return hit?.ts;
    },
    update: async (channel, ts, payload) => {
      await client.chat.update({ channel, ts, text: payload.text, blocks: payload.blocks as never });
    },
  };
}
