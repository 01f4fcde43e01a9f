/**
 * The one boundary in front of Slack: every string that leaves for Slack — Web API calls (messages,
 * updates, ephemerals, modals, Home, DMs, threads, shares, file uploads), response_url posts and
 * acknowledgement bodies — is redacted here (structure, entropy and the maintained rule set), wherever
 * it came from. Identifiers the API needs pass untouched: channel, ts, thread_ts, view_id,
 * trigger_id, action_id, block_id, button and option values, private_metadata, metadata, the token.
 *
 * `redactingFetch` is given to every WebClient the bot makes as `clientOptions.fetch` (Bolt's
 * `respond()` uses the same function for response_url) and used for the bot's own response_url posts.
 */
import { clip, roomToGrow } from '../blocks/limits.js';
import { redactAllWithRuleSet } from '../redaction/index.js';
import { yieldToRequests } from '../yield-to-requests.js';

/** Keys whose values are identifiers or settings, never shown as text: their whole subtree passes. */
const IDENTIFIERS = new Set([
  'token',
  'channel',
  'channel_id',
  'channels',
  'ts',
  'thread_ts',
  'message_ts',
  'view_id',
  'external_id',
  'trigger_id',
  'interactivity_pointer',
  'action_id',
  'block_id',
  'callback_id',
  'value',
  'private_metadata',
  'metadata',
  'hash',
  'user',
  'users',
  'user_id',
  'team_id',
  'file',
  'file_id',
  'files',
  'type',
  'style',
  'response_type',
  'response_action',
  'icon_emoji',
  'initial_date',
  'initial_time',
  'initial_user',
  'initial_users',
  'initial_channel',
  'initial_channels',
  'initial_conversation',
  'initial_conversations',
  'selected_option',
]);

/** Fields of a form-encoded Web API call that carry JSON (Block Kit, views). */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'errors']);

interface Slot {
  get(): string;
  set(v: string): void;
}

/** Every displayed string in `v` (a parsed payload), as slots that can be rewritten in place. */
function displayedStrings(v: unknown, out: Slot[], key = ''): void {
  if (IDENTIFIERS.has(key)) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (typeof x === 'string')
        out.push({
          get: () => v[i] as string,
          set: (s) => {
            v[i] = s;
          },
        });
      else displayedStrings(x, out);
    });
    return;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(o)) {
      if (IDENTIFIERS.has(k)) continue;
      if (typeof x === 'string')
        out.push({
          get: () => o[k] as string,
          set: (s) => {
            o[k] = s;
          },
        });
      else displayedStrings(x, out, k);
    }
  }
}

/**
 * The slots redacted together. A redaction that lengthens a string keeps it within the smallest of
 * Slack's text limits it was within, so no limit the builder kept is broken.
 */
async function redactSlots(slots: Slot[]): Promise<void> {
  if (slots.length === 0) return;
  const before = slots.map((s) => s.get());
  const after = await redactAllWithRuleSet(before);
  slots.forEach((s, i) => {
    const was = before[i]!;
    let now = after[i]!;
    if (now === was) return;
    if (now.length > was.length) now = clip(now, roomToGrow(was.length));
    s.set(now);
  });
}

/** A payload object (a response_url message, an ack body) with its displayed strings redacted. */
export async function redactSlackPayload<T>(payload: T): Promise<T> {
  if (payload === undefined || payload === null) return payload;
  if (typeof payload === 'string') return (await redactAllWithRuleSet([payload]))[0] as T;
  const copy = structuredClone(payload);
  const slots: Slot[] = [];
  displayedStrings(copy, slots);
  await redactSlots(slots);
  return copy;
}

/** A form-encoded Web API body: plain fields redacted as text, JSON fields (blocks, view…) walked. */
async function redactForm(body: string): Promise<string> {
  const form = new URLSearchParams(body);
  const slots: Slot[] = [];
  const parsed = new Map<string, unknown>();
  for (const [k, v] of form) {
    if (IDENTIFIERS.has(k)) continue;
    if (JSON_FIELDS.has(k)) {
      try {
        const json = JSON.parse(v) as unknown;
        parsed.set(k, json);
        displayedStrings(json, slots, k === 'errors' ? '' : k);
        continue;
      } catch {
        // Not JSON after all: redacted as text.
      }
    }
    slots.push({ get: () => form.get(k) ?? '', set: (s) => form.set(k, s) });
  }
  await redactSlots(slots);
  for (const [k, json] of parsed) form.set(k, JSON.stringify(json));
  return form.toString();
}

/** A multipart body (file uploads): text fields redacted, text file content too. */
async function redactMultipart(body: FormData): Promise<FormData> {
  const out = new FormData();
  for (const [k, v] of body) {
    if (typeof v === 'string') out.append(k, IDENTIFIERS.has(k) ? v : await redactSlackPayload(v));
    else {
      const bytes = new Uint8Array(await v.arrayBuffer());
      let text: string | undefined;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        text = undefined; // binary: not text a secret could be read from
      }
      const blob = text !== undefined && !text.includes('\u0000') ? new Blob([await redactSlackPayload(text)], { type: v.type }) : v;
      out.append(k, blob, (v as File).name);
    }
  }
  return out;
}

function contentType(headers: RequestInit['headers']): string {
  if (!headers) return '';
  return (new Headers(headers).get('content-type') ?? '').toLowerCase();
}

type RequestBody = NonNullable<RequestInit['body']>;

/** The request body with every displayed string redacted. */
export async function redactRequestBody(body: RequestBody, type: string): Promise<RequestBody> {
  if (typeof body === 'string') {
    if (type.includes('application/json')) {
      try {
        return JSON.stringify(await redactSlackPayload(JSON.parse(body) as unknown));
      } catch {
        return (await redactAllWithRuleSet([body]))[0]!;
      }
    }
    return redactForm(body);
  }
  if (body instanceof URLSearchParams) return redactForm(body.toString());
  if (body instanceof FormData) return redactMultipart(body);
  if (body instanceof Blob || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    const bytes =
      body instanceof Blob
        ? new Uint8Array(await body.arrayBuffer())
        : body instanceof ArrayBuffer
          ? new Uint8Array(body)
          : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return text.includes('\u0000') ? body : (await redactAllWithRuleSet([text]))[0]!;
    } catch {
      return body;
    }
  }
  return body;
}

/** `fetch` that redacts every request body before it leaves (given to every WebClient as `clientOptions.fetch`). */
export function redactingFetch(base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    if (init?.body === undefined || init.body === null) return base(input, init);
    await yieldToRequests(); // a reply's redaction and sending wait for requests that arrived meanwhile
    const body = await redactRequestBody(init.body, contentType(init.headers));
    const headers = new Headers(init.headers);
    // A rewritten body has a new length; a multipart body brings its own boundary.
    headers.delete('content-length');
    if (body instanceof FormData) headers.delete('content-type');
    return base(input, { ...init, headers, body });
  };
}

/** The fetch for everything the bot sends to Slack. */
export const slackFetch: typeof fetch = redactingFetch((input, init) => globalThis.fetch(input, init));
