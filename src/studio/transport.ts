/**
 * HTTP transport for the Studio protocol: POST + JSON, envelope check, request ids, per-request
 * timeout, a keep-alive pool, and retries with exponential backoff and jitter for reads only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, errors as undiciErrors, request } from 'undici';
import { StudioError } from './errors.js';
import { provesRefusal } from './refusals.js';
import { yieldToRequests } from '../yield-to-requests.js';

export interface RetryPolicy {
  /** Extra attempts after the first, for reads. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 500, maxDelayMs: 8000 };

export interface TransportOptions {
  baseUrl: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Keep-alive connections per origin. */
  connections?: number;
  /** Injected for tests; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Called after each failed attempt, for logging (never receives headers or tokens). */
  onRetry?: (info: { path: string; attempt: number; delayMs: number; error: StudioError }) => void;
}

export type CallKind = 'read' | 'write';

/** Told of every attempt (metrics): the path, how long it took, 'ok' or the error kind, and whether Studio answered at all. */
export interface CallObserver {
  attempt(info: { path: string; ms: number; outcome: string; answered: boolean }): void;
  retry(path: string): void;
}

export interface Envelope {
  code: unknown;
  message?: string;
  msg?: string;
  data?: unknown;
  count?: number;
  pageIndex?: number;
  [k: string]: unknown;
}

export interface CallResult {
  envelope: Envelope;
  requestId: string;
}

const FINAL_HTTP = new Set([400, 403, 404, 409, 422]);

export function isSuccessCode(code: unknown): boolean {
  return code === 0 || code === '0' || code === 200 || code === '200';
}

export function newRequestId(): string {
  return `sob-${randomUUID()}`;
}

function traceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** Full jitter on an exponential base: uniform in [base/2, base], base = min(max, b·2^attempt). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(base / 2 + random() * (base / 2));
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export class StudioTransport {
  readonly baseUrl: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onRetry: TransportOptions['onRetry'];
  /** Set by the composition root (metrics). */
  observer: CallObserver | undefined;

  constructor(opts: TransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.onRetry = opts.onRetry;
    this.agent = new Agent({
      connections: opts.connections ?? 16,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  /**
   * POST `body` to `path`. Reads are retried on 5xx, 429, timeouts, dropped connections and
   * malformed answers; writes are sent once (an uncertain outcome is flagged on the error).
   * Business errors (non-success envelope codes) are never retried.
   */
  async call(path: string, body: unknown, kind: CallKind, headers: Record<string, string> = {}, opts: { raw?: boolean } = {}): Promise<CallResult> {
    const maxAttempts = kind === 'read' ? this.retry.retries + 1 : 1;
    let last: StudioError | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const requestId = newRequestId();
      const started = performance.now();
      try {
        const result = await this.once(path, body, kind, headers, requestId, opts.raw ?? false);
        this.observer?.attempt({ path, ms: performance.now() - started, outcome: 'ok', answered: true });
        return result;
      } catch (e) {
        const err = e as StudioError;
        last = err;
        // An answer came back (a business error, an HTTP status): Studio is reachable.
        const answered = err.kind === 'business' || err.kind === 'auth' || (err.kind === 'http' && err.httpStatus !== undefined && err.httpStatus < 500);
        this.observer?.attempt({ path, ms: performance.now() - started, outcome: err.kind ?? 'error', answered });
        if (!isRetryable(err) || attempt === maxAttempts - 1) throw err;
        const retryAfter = (err as StudioError & { retryAfterMs?: number }).retryAfterMs;
        const delayMs = Math.min(this.retry.maxDelayMs, retryAfter ?? backoffDelay(this.retry, attempt));
        this.onRetry?.({ path, attempt: attempt + 1, delayMs, error: err });
        this.observer?.retry(path);
        await this.sleep(delayMs);
      }
    }
    throw last!;
  }

  private async once(path: string, body: unknown, kind: CallKind, extraHeaders: Record<string, string>, requestId: string, raw: boolean): Promise<CallResult> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/plain, */*',
      'user-agent': 'studio-ops-bot/0.1',
      requestId,
      'x-request-id': requestId,
      traceparent: traceparent(),
      ...extraHeaders,
    };
    const payload = JSON.stringify(body === undefined ? {} : body);
    const signal = AbortSignal.timeout(this.timeoutMs);
    let statusCode: number;
    let text: string;
    let retryAfterHeader: string | string[] | undefined;
    try {
      const res = await request(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers,
        body: payload,
        dispatcher: this.agent,
        signal,
      });
      statusCode = res.statusCode;
      retryAfterHeader = res.headers['retry-after'];
      text = await res.body.text();
    } catch (e) {
      throw this.transportError(e, path, kind, requestId, signal.aborted);
    }
    // Parsing the answer and what the caller builds from it wait for requests that arrived meanwhile.
    await yieldToRequests();

    if (statusCode < 200 || statusCode >= 300) {
      const err = new StudioError({
        kind: 'http',
        code: `HTTP_${statusCode}`,
        message: httpMessage(statusCode, text),
        httpStatus: statusCode,
        path,
        requestId,
        // A 5xx after the server read our body may have applied a write; 4xx did not.
        outcomeUnknown: kind === 'write' && statusCode >= 500,
      });
      if (statusCode === 429 && retryAfterHeader) {
        const secs = Number(Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader);
        if (Number.isFinite(secs)) Object.assign(err, { retryAfterMs: secs * 1000 });
      }
      throw err;
    }

    let envelope: Envelope;
    try {
      envelope = text.trim() === '' ? { code: 0 } : (JSON.parse(text) as Envelope);
      // Lakehouse (/lh/…) answers its own JSON with no envelope: `raw` returns it as it is.
      if (envelope === null || typeof envelope !== 'object' || (!raw && !('code' in envelope))) {
        throw new Error('no "code" field in the answer');
      }
    } catch (e) {
      throw new StudioError({
        kind: 'protocol',
        code: 'BAD_RESPONSE',
        message: `Studio answered with something that is not the JSON envelope (${(e as Error).message}): ${text.slice(0, 120)}`,
        httpStatus: statusCode,
        path,
        requestId,
        outcomeUnknown: kind === 'write',
      });
    }
    if (!raw && !isSuccessCode(envelope.code)) {
      const code = String(envelope.code);
      throw new StudioError({
        kind: 'business',
        code,
        message: String(envelope.message ?? envelope.msg ?? 'Studio reported an error without a message'),
        httpStatus: statusCode,
        path,
        requestId,
        // Only a code that names a precondition proves a write was not done; `SYSTEM_ERROR` or a code
        // never seen may come after Studio applied it (src/studio/refusals.ts).
        outcomeUnknown: kind === 'write' && !provesRefusal(code),
      });
    }
    return { envelope, requestId };
  }

  private transportError(e: unknown, path: string, kind: CallKind, requestId: string, timedOut: boolean): StudioError {
    const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } };
    const code = err.code ?? err.cause?.code ?? '';
    const isTimeout = timedOut || err.name === 'TimeoutError' || e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError;
    if (isTimeout) {
      return new StudioError({
        kind: 'timeout',
        code: 'TIMEOUT',
        message: `Studio did not answer ${path} within ${this.timeoutMs} ms`,
        path,
        requestId,
        outcomeUnknown: kind === 'write',
        cause: e,
      });
    }
    // A refused connection never carried our request: the outcome is known (nothing happened).
    const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    return new StudioError({
      kind: 'network',
      code: NETWORK_CODES.has(code) || neverSent ? code : 'NETWORK',
      message: `Connection to Studio failed on ${path}: ${err.message ?? String(e)}`,
      path,
      requestId,
      outcomeUnknown: kind === 'write' && !neverSent,
      cause: e,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function httpMessage(status: number, text: string): string {
  try {
    const j = JSON.parse(text) as { message?: string; msg?: string };
    const m = j.message ?? j.msg;
    if (m) return m;
  } catch {
    /* not JSON */
  }
  return text.trim() ? text.trim().slice(0, 300) : `HTTP ${status}`;
}

function isRetryable(err: StudioError): boolean {
  switch (err.kind) {
    case 'timeout':
    case 'network':
    case 'protocol':
      return true;
    case 'http':
      return err.httpStatus !== undefined && !FINAL_HTTP.has(err.httpStatus) && err.httpStatus !== 401 && (err.httpStatus >= 500 || err.httpStatus === 429);
    default:
      return false;
  }
}
