/**
 * In front of Bolt (HTTP mode): every request to /slack/events is checked before any listener can
 * see it. Slack's signature over the exact body, a timestamp within five minutes either way (a
 * request "from the future" is as suspect as an old one), no replay of a signature already seen,
 * and a body of the shape Slack sends — a slash command form, a `payload=` form whose JSON is an
 * object with a `type`, or a JSON object with a `type`. Anything else is answered here (401, 400,
 * 413) and never reaches a listener.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestGuardOptions {
  signingSecret: string;
  now?: () => number;
  /** True the first time a signature is seen (replays are refused). Default: an in-memory window. */
  firstSeen?: (signature: string) => boolean | Promise<boolean>;
  maxBodyBytes?: number;
  /** Told of every refusal (for the log; never the body). */
  onRefused?: (status: number, reason: string) => void;
}

const WINDOW_SECONDS = 300;

export type Verdict = { ok: true; rawBody: Buffer } | { ok: false; status: number; reason: string; replay?: boolean };

/** An in-memory replay window: signatures seen in the last ten minutes. */
export function memoryReplayWindow(now: () => number = Date.now): (signature: string) => boolean {
  const seen = new Map<string, number>();
  return (signature) => {
    const t = now();
    if (seen.size > 50_000) for (const [k, at] of seen) if (t - at > 2 * WINDOW_SECONDS * 1000) seen.delete(k);
    if (seen.has(signature)) return false;
    seen.set(signature, t);
    return true;
  };
}

/**
 * "Seen before?" asked of this process's memory first, then of the shared database (other replicas,
 * earlier runs) for at most `waitMs`: an acknowledgement never waits longer on the database. When
 * the database is slower than that (or fails), this replica's memory decides alone and `onFallback`
 * says so: a replay sent to another replica during that moment is the risk taken — the signature and
 * its five-minute window still bound it.
 */
export function boundedFirstSeen(
  shared: (key: string) => Promise<boolean>,
  o: { waitMs?: number; now?: () => number; onFallback?: (why: string) => void } = {},
): (key: string) => Promise<boolean> {
  const local = memoryReplayWindow(o.now);
  const waitMs = o.waitMs ?? 250;
  return async (key) => {
    if (!local(key)) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), waitMs);
    });
    const asked = shared(key).catch((e: unknown) => e as Error);
    const answer = await Promise.race([asked, late]);
    clearTimeout(timer);
    if (typeof answer === 'boolean') return answer;
    o.onFallback?.(answer === 'late' ? `the database did not answer within ${waitMs} ms` : `the database failed: ${answer.message}`);
    return true;
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function isObjectWithType(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && v.length <= 4000;

/** The interaction types the bot handles, each with the fields Slack always sends. */
function interactionProblem(p: Record<string, unknown> & { type: string }): string | undefined {
  if (!isObj(p.user) || !str(p.user.id)) return `${p.type} without a user id`;
  switch (p.type) {
    case 'block_actions':
      if (!Array.isArray(p.actions) || p.actions.length === 0 || p.actions.length > 25) return 'block_actions without actions';
      if (!p.actions.every((a) => isObj(a) && str(a.action_id) && str(a.type))) return 'an action without action_id or type';
      return undefined;
    case 'view_submission':
    case 'view_closed':
      if (!isObj(p.view) || !str(p.view.id) || !str(p.view.callback_id)) return `${p.type} without a view id and callback_id`;
      if (p.type === 'view_submission' && !isObj(p.view.state)) return 'view_submission without a state';
      return undefined;
    case 'message_action':
      if (!str(p.callback_id) || !isObj(p.message) || !isObj(p.channel) || !str(p.channel.id)) return 'message_action without callback_id, message or channel';
      return undefined;
    case 'shortcut':
      return str(p.callback_id) ? undefined : 'shortcut without callback_id';
    case 'block_suggestion':
      return str(p.action_id) ? undefined : 'block_suggestion without action_id';
    default:
      return `interactions of type ${JSON.stringify(p.type).slice(0, 40)} are not handled`;
  }
}

/** Whether the body has a shape Slack sends (nothing is trusted beyond that here). */
export function bodyProblem(contentType: string, body: string): string | undefined {
  if (contentType.includes('application/json')) {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      return 'the JSON body does not parse';
    }
    return isObjectWithType(v) ? undefined : 'the JSON body is not an object with a type';
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body);
    const payload = form.get('payload');
    if (payload !== null) {
      let v: unknown;
      try {
        v = JSON.parse(payload);
      } catch {
        return 'payload does not parse';
      }
      if (!isObjectWithType(v)) return 'payload is not an object with a type';
      return interactionProblem(v as Record<string, unknown> & { type: string });
    }
    const command = form.get('command');
    if (command !== null) return /^\/\S+$/.test(command) && form.get('user_id') ? undefined : 'a slash command without command or user_id';
    if (form.get('ssl_check') !== null) return undefined;
    return 'a form that is neither a slash command nor an interaction';
  }
  return `unsupported content type ${contentType || '(none)'}`;
}

export async function checkSlackRequest(req: IncomingMessage, o: RequestGuardOptions): Promise<Verdict> {
  const now = o.now ?? Date.now;
  const ts = String(req.headers['x-slack-request-timestamp'] ?? '');
  const signature = String(req.headers['x-slack-signature'] ?? '');
  if (!/^\d{1,12}$/.test(ts) || !/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, status: 401, reason: 'missing or malformed signature headers' };
  const skew = Number(ts) - Math.floor(now() / 1000);
  if (skew > WINDOW_SECONDS) return { ok: false, status: 401, reason: `timestamp ${skew} s in the future` };
  if (skew < -WINDOW_SECONDS) return { ok: false, status: 401, reason: `timestamp ${-skew} s old` };
  const raw = await readBody(req, o.maxBodyBytes ?? 1024 * 1024);
  if (!raw) return { ok: false, status: 413, reason: 'body too large' };
  const expected = Buffer.from(`v0=${createHmac('sha256', o.signingSecret).update(`v0:${ts}:`).update(raw).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 401, reason: 'signature does not match' };
  if (!(await (o.firstSeen ?? defaultWindow)(signature))) {
    // Slack's own redelivery of an event it thinks was not acknowledged is answered 200 (and not
    // handled again); any other repeat of a signature is refused.
    const redelivery = req.headers['x-slack-retry-num'] !== undefined;
    return { ok: false, status: redelivery ? 200 : 401, reason: redelivery ? 'a redelivery already handled' : 'replay of a request already received', replay: true };
  }
  const problem = bodyProblem(String(req.headers['content-type'] ?? ''), raw.toString('utf8'));
  if (problem) return { ok: false, status: 400, reason: problem };
  return { ok: true, rawBody: raw };
}

const defaultWindow = memoryReplayWindow();

/** Answer a refused request. */
export function refuse(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(status === 200 ? '' : status === 400 ? 'Bad Request' : status === 413 ? 'Payload Too Large' : 'Unauthorized');
}

/** The interactions whose answer is always an empty 200: the bot's listeners answer them later (response_url, chat.*, views.*). */
const EMPTY_ACK_INTERACTIONS = new Set(['block_actions', 'message_action', 'shortcut', 'view_closed']);

/**
 * Whether a checked request may be acknowledged before any listener has seen it: a slash command,
 * a click or shortcut, a closed modal, an event. Slack shows nothing of those acks' bodies that the
 * bot uses (every answer goes by response_url or the Web API). A modal's submission (its ack may
 * carry errors or the next view), an options request (its ack is the options), Events API's URL
 * check and anything else wait for the bot's own answer.
 */
export function acknowledgedAtOnce(contentType: string, body: string): boolean {
  if (contentType.includes('application/json')) {
    try {
      return (JSON.parse(body) as { type?: unknown }).type === 'event_callback';
    } catch {
      return false;
    }
  }
  if (!contentType.includes('application/x-www-form-urlencoded')) return false;
  const form = new URLSearchParams(body);
  if (form.get('command') !== null) return true;
  const payload = form.get('payload');
  if (payload === null) return false;
  try {
    return EMPTY_ACK_INTERACTIONS.has(String((JSON.parse(payload) as { type?: unknown }).type));
  } catch {
    return false;
  }
}
