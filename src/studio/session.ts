/**
 * The Studio session: log in with the personal access token (once, however many callers), the
 * workspace's ids, the headers every call carries, one authenticated call (a 401 logs in again once),
 * and the helpers the reads and writes share (parsing answers, paging).
 */
import type { z } from 'zod';
import { StudioError } from './errors.js';
import { runLink, taskLink, type StudioLinkContext } from './links.js';
import { type Page, listDataSchema, parseWith } from './models.js';
import { type CallKind, type CallObserver, type CallResult, type Envelope, type RetryPolicy, StudioTransport } from './transport.js';

export interface StudioLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface StudioClientOptions {
  baseUrl: string;
  accessToken: string;
  instance: string;
  workspace: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  connections?: number;
  /** Time zone of the workspace's business dates (backfill ranges). */
  timeZone?: string;
  /** Studio user name written as updateBy/createdBy when a call names no actor. */
  defaultActor?: string;
  logger?: StudioLogger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface StudioSession {
  token: string;
  instanceId: number;
  userId: number;
  tenantId: number;
  userName: string;
  workspaceId: number;
  projectId: number;
  obtainedAt: number;
  /** When to log in again: 80 % into the token's life. */
  refreshAt: number;
}

export const ADMIN = '/ide-admin/v1';

export class StudioSessionClient {
  protected readonly transport: StudioTransport;

  protected readonly opts: StudioClientOptions;

  protected session: StudioSession | undefined;

  protected loginInFlight: Promise<StudioSession> | undefined;

  protected readonly now: () => number;

  readonly timeZone: string;

  /** Count of logins performed (first login included); visible for operations and tests. */
  loginCount = 0;

  constructor(opts: StudioClientOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.timeZone = opts.timeZone ?? 'UTC';
    this.transport = new StudioTransport({
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      retry: opts.retry,
      connections: opts.connections,
      sleep: opts.sleep,
      onRetry: ({ path, attempt, delayMs, error }) => opts.logger?.warn({ path, attempt, delayMs, code: error.code, requestId: error.requestId }, 'retrying Studio read'),
    });
  }

  get linkContext(): StudioLinkContext {
    return { baseUrl: this.opts.baseUrl, instance: this.opts.instance, workspace: this.opts.workspace };
  }

  runLink(runId: number, tab?: 'executeLog'): string {
    return runLink(this.linkContext, runId, tab);
  }

  taskLink(taskId: number): string {
    return taskLink(this.linkContext, taskId);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** Every call's attempts and retries are told to `observer` (the composition root's metrics). */
  observe(observer: CallObserver): void {
    this.transport.observer = observer;
  }

  /** The current session, logging in (once, even when many callers ask at the same time) if needed. */
  async getSession(): Promise<StudioSession> {
    if (this.session && this.now() < this.session.refreshAt) return this.session;
    return this.login();
  }

  protected login(): Promise<StudioSession> {
    if (!this.loginInFlight) {
      this.loginInFlight = this.doLogin().finally(() => {
        this.loginInFlight = undefined;
      });
    }
    return this.loginInFlight;
  }

  protected async doLogin(): Promise<StudioSession> {
    const path = '/clickzetta-portal/user/loginSingle';
    let envelope: Envelope;
    try {
      ({ envelope } = await this.transport.call(path, { accessToken: this.opts.accessToken, instanceName: this.opts.instance }, 'read', {
        instanceName: this.opts.instance,
      }));
    } catch (e) {
      if (e instanceof StudioError && e.kind === 'business') {
        const unknownInstance = /No such element|没有这样的元素/.test(e.message);
        throw new StudioError({
          kind: 'auth',
          code: unknownInstance ? 'INSTANCE_NOT_FOUND' : e.code,
          message: unknownInstance
            ? `Studio has no instance named "${this.opts.instance}" (check STUDIO_INSTANCE): ${e.message}`
            : `Login to Studio failed (check STUDIO_ACCESS_TOKEN): ${e.message}`,
          httpStatus: e.httpStatus,
          path,
          requestId: e.requestId,
        });
      }
      throw e;
    }
    this.loginCount++;
    const data = (envelope.data ?? {}) as Record<string, unknown>;
    const token = typeof data.token === 'string' ? data.token : undefined;
    if (!token) {
      throw new StudioError({ kind: 'auth', code: 'AUTH_FAILED', message: 'Login succeeded but no token came back', path, requestId: '-' });
    }
    const obtainedAt = this.now();
    const expire = Number(data.expireTime ?? 0);
    // expireTime is a lifetime in ms (cz-cli's reading) or, if it looks like one, an absolute epoch time.
    const lifetime = expire > 1e12 ? expire - obtainedAt : expire > 0 ? expire : 3_600_000;
    const partial = {
      token,
      instanceId: Number(data.instanceId ?? 0),
      userId: Number(data.userId ?? 0),
      obtainedAt,
      refreshAt: obtainedAt + Math.max(1000, lifetime * 0.8),
    };

    const { envelope: userEnv } = await this.rawCall('/clickzetta-portal/user/getCurrentUser', {}, 'read', partial);
    const user = (userEnv.data ?? {}) as Record<string, unknown>;
    const tenantId = Number(user.accountId ?? user.tenantId ?? 0);
    const userName = String(user.name ?? user.userName ?? `user-${partial.userId}`);

    const wsPath = '/ide-authority/v1/workspace/listUserWorkspaces';
    const { envelope: wsEnv } = await this.rawCall(wsPath, { forWrite: 'true', listType: 4, pageIndex: 1, pageSize: 99999, tenantId, userId: partial.userId }, 'read', {
      ...partial,
      tenantId,
    });
    const list = parseWith(listDataSchema, wsEnv.data ?? [], 'workspace list').list as Record<string, unknown>[];
    const ws = list.find((w) => w.workspaceName === this.opts.workspace);
    if (!ws) {
      const names = list.map((w) => String(w.workspaceName)).join(', ') || '(none)';
      throw new StudioError({
        kind: 'auth',
        code: 'WORKSPACE_NOT_FOUND',
        message: `No workspace named "${this.opts.workspace}" for this user (check STUDIO_WORKSPACE). Workspaces: ${names}`,
        path: wsPath,
        requestId: '-',
      });
    }
    this.session = {
      ...partial,
      tenantId,
      userName,
      workspaceId: Number(ws.workspaceId),
      projectId: Number(ws.projectId),
    };
    this.opts.logger?.debug({ instance: this.opts.instance, workspace: this.opts.workspace, projectId: this.session.projectId }, 'logged in to Studio');
    return this.session;
  }

  protected headersFor(s: Pick<StudioSession, 'token' | 'instanceId' | 'userId'> & { tenantId?: number }): Record<string, string> {
    const tenant = String(s.tenantId ?? '');
    return {
      'X-Clickzetta-Token': s.token,
      instanceName: this.opts.instance,
      instanceid: String(s.instanceId),
      userId: String(s.userId),
      accountId: tenant,
      tenantId: tenant,
      workspaceName: this.opts.workspace,
      env: 'prod',
    };
  }

  protected async rawCall(
    path: string,
    body: unknown,
    kind: CallKind,
    s: Pick<StudioSession, 'token' | 'instanceId' | 'userId'> & { tenantId?: number },
    extra?: { headers: Record<string, string>; raw: boolean },
  ): Promise<CallResult> {
    return this.transport.call(path, body, kind, { ...this.headersFor(s), ...extra?.headers }, { raw: extra?.raw ?? false });
  }

  /**
   * One authenticated call. A 401 drops the session, logs in once more and repeats the call once:
   * a 401 means Studio rejected the request before acting on it, so this is safe for writes too.
   */
  async call(path: string, body: unknown, kind: CallKind, extra?: { headers: Record<string, string>; raw: boolean }): Promise<CallResult> {
    const session = await this.getSession();
    try {
      return await this.rawCall(path, body, kind, session, extra);
    } catch (e) {
      if (!(e instanceof StudioError) || e.httpStatus !== 401) throw e;
      this.opts.logger?.warn({ path, requestId: e.requestId }, 'Studio answered 401; logging in again');
      if (this.session === session) this.session = undefined;
      const fresh = await this.getSession();
      try {
        return await this.rawCall(path, body, kind, fresh, extra);
      } catch (e2) {
        if (e2 instanceof StudioError && e2.httpStatus === 401) {
          throw new StudioError({
            kind: 'auth',
            code: 'UNAUTHORIZED',
            message: 'Studio rejected the access token even after logging in again (check STUDIO_ACCESS_TOKEN and its permissions)',
            httpStatus: 401,
            path,
            requestId: e2.requestId,
          });
        }
        throw e2;
      }
    }
  }

  /** Lakehouse SQL calls (/lh/…): the session's headers, and the answer as it is (no envelope). */
  async lakehouseCall(path: string, body: unknown, kind: CallKind, headers: Record<string, string>): Promise<unknown> {
    return (await this.call(path, body, kind, { headers, raw: true })).envelope;
  }

  async lakehouseIdentity(): Promise<{ instance: string; instanceId: number; workspace: string; userName: string; baseUrl: string }> {
    const s = await this.getSession();
    return { instance: this.opts.instance, instanceId: s.instanceId, workspace: this.opts.workspace, userName: s.userName, baseUrl: this.opts.baseUrl };
  }

  protected async callParsed<T extends z.ZodTypeAny>(path: string, body: unknown, kind: CallKind, schema: T, what: string): Promise<z.output<T>> {
    return (await this.callParsedWithId(path, body, kind, schema, what)).value;
  }

  protected async callParsedWithId<T extends z.ZodTypeAny>(
    path: string,
    body: unknown,
    kind: CallKind,
    schema: T,
    what: string,
  ): Promise<{ value: z.output<T>; requestId: string }> {
    const { envelope, requestId } = await this.call(path, body, kind);
    try {
      return { value: parseWith(schema, envelope.data, what), requestId };
    } catch (e) {
      throw new StudioError({ kind: 'protocol', code: 'BAD_RESPONSE', message: (e as Error).message, path, requestId });
    }
  }

  protected async actor(actor: string | undefined): Promise<string> {
    return actor ?? this.opts.defaultActor ?? (await this.getSession()).userName;
  }

  protected async listPage<T extends z.ZodTypeAny>(path: string, body: Record<string, unknown>, item: T, page: number, pageSize: number, what: string): Promise<Page<z.output<T>>> {
    const { envelope: env, requestId } = await this.call(path, body, 'read');
    let parsed: { list: unknown[]; total: number | undefined; totalPages: number | undefined };
    let items: z.output<T>[];
    try {
      parsed = parseWith(listDataSchema, env.data ?? [], what);
      // A page of hundreds of runs takes tens of milliseconds to check: in slices, so Slack's
      // requests are acknowledged in between.
      items = [];
      let slice = performance.now();
      for (const x of parsed.list) {
        items.push(parseWith(item, x, what));
        if (performance.now() - slice > 4) {
          await new Promise((r) => setImmediate(r));
          slice = performance.now();
        }
      }
    } catch (e) {
      throw new StudioError({ kind: 'protocol', code: 'BAD_RESPONSE', message: (e as Error).message, path, requestId });
    }
    const total = parsed.total ?? (typeof env.count === 'number' ? env.count : items.length);
    return { items, total, page, pageSize, totalPages: parsed.totalPages ?? Math.max(1, Math.ceil(total / pageSize)) };
  }

  /** Every item of a paged list, up to `max`. */
  protected async collectAll<T>(fetchPage: (page: number) => Promise<Page<T>>, max: number): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; out.length < max; page++) {
      const p = await fetchPage(page);
      out.push(...p.items);
      if (p.items.length === 0 || out.length >= p.total || page >= p.totalPages) break;
    }
    return out.slice(0, max);
  }
}
