/**
 * A fake Slack Web API on loopback: answers the methods the bot uses, records every call and every
 * response_url post, and checks every message and view against Block Kit limits.
 */
import { slackPage } from '../../src/playground/slack-page.js';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkMessage, checkView } from '../../src/blocks/limits.js';
import { until } from './wait.js';

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  /** When it arrived, on the clock the fake was given (the test's virtual clock). */
  at: number;
}

export interface ResponsePost {
  id: string;
  body: Record<string, unknown>;
}

export interface FakeSlack {
  url: string;
  apiUrl: string;
  calls: ApiCall[];
  responses: ResponsePost[];
  /** Every Block Kit limit broken by anything the bot sent. */
  violations: string[];
  /** A fresh response_url on this server. */
  responseUrl(): { id: string; url: string };
  /** Wait for the next post to response_url `id` (after `after` posts already seen). */
  waitForResponse(id: string, after?: number, timeoutMs?: number): Promise<Record<string, unknown>>;
  waitForCall(method: string, after?: number, timeoutMs?: number): Promise<ApiCall>;
  callsOf(method: string): ApiCall[];
  /** Group membership answered by usergroups.users.list. */
  groups: Record<string, string[]>;
  /** Slack users by e-mail address (lower case), answered by users.lookupByEmail. */
  emails: Record<string, string>;
  /** Answer the next `times` calls of `method` (optionally only in `channel`) with HTTP 429 and Retry-After. */
  rateLimit(method: string, times: number, retryAfterSec: number, channel?: string): void;
  /** Answer apps.connections.open with this WebSocket URL (Socket Mode). */
  useSocket(url: () => string): void;
  /** Handle the next `times` calls of `method` at once but answer them `ms` later. */
  delay(method: string, times: number, ms: number): void;
  /** Answer the next `times` calls of `method` with `{ ok: false, error }` (e.g. invalid_auth). */
  refuse(method: string, times: number, error: string): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    try {
      out[k] = ['blocks', 'view', 'attachments'].includes(k) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function startFakeSlack(opts: { now?: () => number } = {}): Promise<FakeSlack> {
  let socketUrl: (() => string) | undefined;
  const now = opts.now ?? Date.now;
  const limits: { method: string; times: number; retryAfterSec: number; channel?: string }[] = [];
  const delays: { method: string; times: number; ms: number }[] = [];
  const calls: ApiCall[] = [];
  const responses: ResponsePost[] = [];
  const violations: string[] = [];
  const groups: Record<string, string[]> = {};
  const emails: Record<string, string> = {};
  let ts = 1_700_000_000;
  const posted: { channel: string; ts: string; thread_ts?: string; text: string; metadata?: unknown }[] = [];
  let viewSeq = 0;

  const refusals: { method: string; times: number; error: string }[] = [];
  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const refusal = refusals.find((r) => r.method === method && r.times > 0);
    if (refusal) {
      refusal.times--;
      return { ok: false, error: refusal.error };
    }
    const check = (label: string, v: string[]) => {
      for (const x of v) violations.push(`${label}: ${x}`);
    };
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'studio-ops', team: 'Test' };
      case 'chat.postMessage':
      case 'chat.update':
      case 'chat.postEphemeral': {
        check(method, checkMessage(args));
        // Message timestamps follow the clock, as Slack's do (so `oldest` filters work on it).
        if (!args.ts) ts = Math.max(ts + 1, Math.floor(now() / 1000));
        const at = String(args.ts ?? `${ts}.000100`);
        if (method === 'chat.postMessage') {
          const meta = typeof args.metadata === 'string' ? (JSON.parse(args.metadata) as unknown) : args.metadata;
          posted.push({ channel: String(args.channel), ts: at, thread_ts: args.thread_ts ? String(args.thread_ts) : undefined, text: String(args.text ?? ''), metadata: meta });
        }
        return { ok: true, channel: args.channel, ts: at, message_ts: at };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const oldest = Number(args.oldest ?? 0);
        const withMeta = String(args.include_all_metadata) === 'true';
        const messages = posted
          .filter((m) => m.channel === String(args.channel) && Number(m.ts) >= oldest)
          .filter((m) => (method === 'conversations.replies' ? m.thread_ts === String(args.ts) || m.ts === String(args.ts) : !m.thread_ts))
          .map((m) => ({ type: 'message', ts: m.ts, thread_ts: m.thread_ts, text: m.text, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        return slackPage(method === 'conversations.history' ? messages.reverse() : messages, args);
      }
      case 'views.open':
      case 'views.update':
      case 'views.push':
      case 'views.publish': {
        const view = args.view as Record<string, unknown>;
        check(method, checkView(view));
        const id = (args.view_id as string | undefined) ?? `V${++viewSeq}`;
        return { ok: true, view: { ...view, id, hash: `h${viewSeq}-${Date.now()}` } };
      }
      case 'usergroups.users.list':
        return { ok: true, users: groups[String(args.usergroup)] ?? [] };
      case 'apps.connections.open':
        // Socket Mode: where the app's WebSocket goes (a test's fake Socket Mode server).
        return socketUrl ? { ok: true, url: socketUrl() } : { ok: false, error: 'not_allowed_token_type' };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users ?? 'X')}` } };
      case 'users.info':
        return { ok: true, user: { id: args.user, name: String(args.user).toLowerCase(), tz: 'Europe/Berlin' } };
      case 'users.lookupByEmail': {
        const id = emails[String(args.email).toLowerCase()];
        return id ? { ok: true, user: { id, name: id.toLowerCase() } } : { ok: false, error: 'users_not_found' };
      }
      case 'usergroups.list':
        return { ok: true, usergroups: Object.keys(groups).map((id) => ({ id, handle: `${id.toLowerCase()}-team` })) };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      const body = await readBody(req);
      if (url.startsWith('/api/')) {
        const method = url.slice(5).split('?')[0]!;
        const limit = limits.find((l) => l.times > 0 && l.method === method && (!l.channel || l.channel === body.channel));
        if (limit) {
          limit.times--;
          calls.push({ method: `${method}#429`, args: body, at: now() });
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limit.retryAfterSec) });
          res.end('{"ok":false,"error":"ratelimited"}');
          return;
        }
        calls.push({ method, args: body, at: now() });
        const answered = JSON.stringify(answer(method, body));
        const delay = delays.find((d) => d.times > 0 && d.method === method);
        if (delay) {
          // Slack has the message; the answer is late (for tests that kill the bot meanwhile).
          delay.times--;
          await new Promise((r) => setTimeout(r, delay.ms));
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(answered);
        return;
      }
      if (url.startsWith('/response/')) {
        const id = url.slice('/response/'.length);
        responses.push({ id, body });
        violations.push(...checkMessage(body).map((v) => `response_url: ${v}`));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
        return;
      }
      res.writeHead(404);
      res.end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responses,
    violations,
    groups,
    emails,
    rateLimit: (method, times, retryAfterSec, channel) => {
      limits.push({ method, times, retryAfterSec, channel });
    },
    responseUrl: () => {
      const id = randomUUID();
      return { id, url: `${url}/response/${id}` };
    },
    waitForResponse: (id, after = 0, timeoutMs = 5000) => until(() => responses.filter((r) => r.id === id)[after]?.body, timeoutMs, `response_url post #${after + 1} to ${id}`),
    waitForCall: (method, after = 0, timeoutMs = 5000) => until(() => calls.filter((c) => c.method === method)[after], timeoutMs, `${method} call #${after + 1}`),
    callsOf: (method) => calls.filter((c) => c.method === method),
    useSocket: (url) => {
      socketUrl = url;
    },
    refuse: (method, times, error) => {
      refusals.push({ method, times, error });
    },
    delay: (method, times, ms) => {
      delays.push({ method, times, ms });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** All the text a message shows (blocks' text, fields, context and button labels), for assertions. */
export function visibleText(msg: Record<string, unknown> | undefined): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      for (const [k, x] of Object.entries(o)) if (k !== 'text' || typeof x !== 'string') walk(x);
    }
  };
  walk(msg?.blocks);
  // What a person sees: mrkdwn entities decoded.
  return out.join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
