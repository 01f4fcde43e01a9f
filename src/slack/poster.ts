/**
 * The alert sender's Slack client: its own WebClient that does not retry and rejects rate-limited
 * calls, so the outbox (not the client) decides when to try again, honouring Retry-After.
 */
import { webApi } from '@slack/bolt';
import type { SlackPoster } from '../alerts/sender.js';

export function slackPoster(token: string, apiUrl: string | undefined): SlackPoster {
  const client = new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  return {
    post: async (channel, payload, threadTs) => {
      const r = await client.chat.postMessage({ channel, text: payload.text, blocks: payload.blocks as never, ...(threadTs ? { thread_ts: threadTs } : {}) });
      return String(r.ts);
    },
    update: async (channel, ts, payload) => {
      await client.chat.update({ channel, ts, text: payload.text, blocks: payload.blocks as never });
    },
  };
}
