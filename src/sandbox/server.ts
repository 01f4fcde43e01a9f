/**
 * The embedded Studio sandbox: an HTTP server on loopback speaking the Studio protocol (paths,
 * headers, envelope, field names, enums), backed by SQLite, with a simulated scheduler and fault
 * injection. The real StudioClient runs against it unchanged.
 */
import { studioUiPage } from './ui.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { ROUTES, type ApiContext, type SandboxIdentity } from './api.js';
import { SCHEDULE_ROUTES, TempRunContents } from './schedule-routes.js';
import { DATASOURCE_ROUTES } from './datasource-routes.js';
import { flowRoutes } from './flow-routes.js';
import { cdcConfigRoutes } from './cdc-config-routes.js';
import { pipelineRoutes } from './pipeline-routes.js';
import { SandboxFlows } from './flows.js';
import { FaultInjector, type FaultRule } from './faults.js';
import { SandboxLakehouse, seedLakehouse } from './lakehouse/index.js';
import { outputRows } from './lakehouse/temporary-run.js';
import { WorkspaceParams } from './workspace-params.js';
import { DqcRules, seedDqcRules } from './dqc.js';
import { type SeedName, seedWorkspace } from './seed.js';
import { simulateSlowDay, slowDownRun } from './history.js';
import { type Clock, SandboxBusinessError, StudioSim, makeRng, systemClock } from './sim.js';
import { SandboxStore } from './store.js';
import { SandboxStreams } from './streams.js';
import { streamRoutes } from './stream-routes.js';

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** SQLite file, or ':memory:'. */
  db?: string;
  seed?: SeedName;
  accessToken?: string;
  instance?: string;
  workspace?: string;
  clock?: Clock;
  /** Seed of the random choices (durations, live failures). */
  rngSeed?: number;
  /** Duration of live attempts, ms. */
  runDurationMs?: [number, number];
  /** Chance that a new live run fails. */
  failureRate?: number;
  /** Lifetime of session tokens, ms. */
  tokenTtlMs?: number;
  /** Serve the alternative documented response shapes. */
  wrappedShapes?: boolean;
  logPageSize?: number;
  timeZone?: string;
  /** The workspace's VClusters (default: default, etl_vc, default_ap and the INTEGRATION sync_vc). */
  vclusters?: Record<string, 'GENERAL' | 'ANALYTICS' | 'INTEGRATION'>;
  /** Healthy Dynamic Tables added to the demo Lakehouse (the benchmark's 500-table poll). */
  extraDynamicTables?: number;
}

export interface JournalEntry {
  at: number;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  /** HTTP status answered (0 when the connection was dropped). */
  status: number;
  /** Envelope code answered, when there was an envelope. */
  code?: unknown;
}

export interface RunningSandbox {
  url: string;
  accessToken: string;
  instance: string;
  workspace: string;
  sim: StudioSim;
  store: SandboxStore;
  faults: FaultInjector;
  /** Real-time and CDC streams (state, lag, tables) and their faults. */
  streams: SandboxStreams;
  /** The Lakehouse behind /lh/… (schemas, tables, Dynamic Tables, the statements received). */
  lakehouse: SandboxLakehouse;
  /** Every request received, in order (capped at the most recent 50,000). */
  journal: JournalEntry[];
  /** Invalidate every session token (the next call gets 401). */
  expireTokens(): void;
  close(): Promise<void>;
}

const LOGIN_PATH = '/clickzetta-portal/user/loginSingle';
const LAKEHOUSE_PATHS = new Set(['/lh/submitJob', '/lh/getJob', '/lh/cancelJob']);
const JOURNAL_CAP = 50_000;
const BODY_LIMIT = 16 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const dbPath = opts.db ?? ':memory:';
  if (dbPath !== ':memory:') mkdirSync(dirname(dbPath), { recursive: true });
  const store = new SandboxStore(dbPath);
  const sim = new StudioSim(store, {
    clock: opts.clock ?? systemClock,
    rng: makeRng(opts.rngSeed ?? 20261121),
    runDurationMs: opts.runDurationMs ?? [5_000, 15_000],
    failureRate: opts.failureRate ?? 0,
    retryDelayMs: 30_000,
    timeZone: opts.timeZone ?? 'UTC',
    vclusters: opts.vclusters,
  });

  // The access token survives restarts of a file-backed sandbox, so a configured bot keeps working.
  const accessToken = opts.accessToken ?? store.getMeta('accessToken') ?? `pat_${randomBytes(18).toString('hex')}`;
  store.setMeta('accessToken', accessToken);
  const id: SandboxIdentity = {
    instance: opts.instance ?? 'sandbox',
    instanceId: 3001,
    workspace: opts.workspace ?? 'demo_ws',
    workspaceId: 501,
    projectId: 1001,
    userId: 10001,
    tenantId: 20001,
    userName: 'sandbox_admin',
  };
  // The Lakehouse is rebuilt on every start: seeded as of the sandbox file's first start, then the
  // changes kept since replayed at their times, so a restart shows the same refresh history.
  let replayAt: number | undefined;
  const lakehouse = new SandboxLakehouse({ now: () => replayAt ?? sim.now() }, id.workspace, sim.vclusters);
  const seededAt = Number(store.getMeta('lakehouseSeededAt') ?? sim.now());
  store.setMeta('lakehouseSeededAt', String(seededAt));
  seedLakehouse(lakehouse, seededAt, { extraDynamicTables: opts.extraDynamicTables });
  lakehouse.replay(store.lakehouseChanges(), (at) => {
    replayAt = at;
  });
  lakehouse.onChange = (change) => store.appendLakehouseChange(sim.now(), change);
  // A run's log reports the rows its output holds in this Lakehouse (card, log and diagnosis agree).
  sim.rowsWritten = (task, run) => outputRows(lakehouse, task.content, run.biz_date);
  seedWorkspace(sim, opts.seed ?? 'demo');
  const streams = new SandboxStreams(sim);
  streams.seed();
  const ctx: ApiContext = {
    sim,
    id,
    wrappedShapes: opts.wrappedShapes ?? false,
    logPageSize: opts.logPageSize ?? 16 * 1024,
    onExecuteSql: (content, params) => lakehouse.applyRun(content, params),
    workspaceParams: new WorkspaceParams(() => sim.now()),
    dqc: new DqcRules(
      () => sim.now(),
      (sql) => lakehouse.execute(sql).rows[0]?.[0],
    ),
    taskDetailFields: (t) => streams.taskDetailFields(t),
    tempRunContents: new TempRunContents(),
  };
  if (opts.seed !== 'empty') seedDqcRules(ctx.dqc, id.userName, 'default');
  const routes = {
    ...ROUTES,
    ...DATASOURCE_ROUTES,
    ...SCHEDULE_ROUTES,
    ...streamRoutes(streams, id.projectId),
    ...flowRoutes(new SandboxFlows(sim), ROUTES),
    ...cdcConfigRoutes((ids) => streams.slotsOf(ids)),
    ...pipelineRoutes(streams),
  };
  const faults = new FaultInjector();
  const journal: JournalEntry[] = [];
  const sessions = new Map<string, number>(); // token → expires at (sim clock)
  const tokenTtl = opts.tokenTtlMs ?? 3_600_000;

  const record = (entry: JournalEntry) => {
    journal.push(entry);
    if (journal.length > JOURNAL_CAP) journal.splice(0, journal.length - JOURNAL_CAP);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const [path, query] = (req.url ?? '/').split('?') as [string, string | undefined];
    const headers = lowerHeaders(req);
    if (req.method === 'GET' && path === '/healthz') return sendJson(res, 200, { ok: true });
    if (req.method === 'GET' && studioUiPage(path, new URLSearchParams(query ?? ''), store, res)) return;
    if (req.method !== 'POST' && req.method !== 'GET') return sendJson(res, 405, { code: 405, message: 'Method Not Allowed' }, { allow: 'GET, POST' });

    let body: unknown;
    if (req.method === 'GET') {
      // Studio serves some reads as GET with query parameters (cz-cli uses GET for those).
      body = Object.fromEntries(new URLSearchParams(query ?? ''));
    } else {
      let raw: string;
      try {
        raw = await readBody(req);
      } catch {
        return sendJson(res, 413, { code: 413, message: 'Payload Too Large' });
      }
      try {
        body = raw.trim() === '' ? {} : JSON.parse(raw);
        // Some POSTs carry their argument in the query (cz-cli's flow/getDag?dataFileId=…).
        if (query && body && typeof body === 'object' && !Array.isArray(body)) body = { ...Object.fromEntries(new URLSearchParams(query)), ...body };
      } catch {
        record({ at: sim.now(), path, method: 'POST', headers, body: raw, status: 400 });
        return sendJson(res, 400, { code: 400, message: 'Malformed JSON body' });
      }
    }
    const entry: JournalEntry = { at: sim.now(), path, method: req.method, headers, body, status: 200 };
    record(entry);

    if (path.startsWith('/__sandbox/')) return handleAdmin(path, body, headers, res, entry);

    const lh = LAKEHOUSE_PATHS.has(path);
    const route = path === LOGIN_PATH || lh ? undefined : routes[path];
    if (path !== LOGIN_PATH && !lh && !route) {
      entry.status = 404;
      return sendJson(res, 404, { code: 404, message: `Not Found: ${path}` });
    }
    if (path !== LOGIN_PATH) {
      const token = headers['x-clickzetta-token'];
      const expires = token ? sessions.get(token) : undefined;
      if (!token || expires === undefined || expires <= sim.now()) {
        entry.status = 401;
        return sendJson(res, 401, { code: 401, message: token ? 'token expired or invalid, please login again' : 'missing X-Clickzetta-Token' });
      }
      if (path.startsWith('/ide-admin/') && !headers.workspacename) {
        entry.status = 400;
        return sendJson(res, 400, { code: 400, message: 'missing header workspaceName' });
      }
    }

    const applied = faults.take(path);
    const latency = applied.find((f) => f.kind === 'latency');
    if (latency?.ms) await new Promise((r) => setTimeout(r, latency.ms));
    if (latency?.gate) await latency.gate.catch(() => undefined);
    const before = applied.filter((f) => f.kind !== 'latency' && !f.afterHandling);
    const after = applied.filter((f) => f.kind !== 'latency' && f.afterHandling);
    if (before.length > 0) return applyFault(before[0]!, res, entry);

    if (lh) {
      // Lakehouse answers its own JSON, without Studio's envelope.
      const b = (body ?? {}) as Record<string, unknown>;
      const answer = path === '/lh/submitJob' ? lakehouse.submit(b) : path === '/lh/getJob' ? lakehouse.getJob(b) : lakehouse.cancel(b);
      if (after.length > 0) return applyFault(after[0]!, res, entry);
      return sendJson(res, 200, answer);
    }

    let envelope: Record<string, unknown>;
    try {
      if (path === LOGIN_PATH) {
        envelope = login(body as Record<string, unknown>);
      } else {
        sim.advance();
        const result = route!(body as Record<string, unknown>, ctx);
        envelope = { code: 0, message: 'success', data: result.data };
        if (result.count !== undefined) envelope.count = result.count;
        if (result.total !== undefined) envelope.total = result.total;
        if (result.pageIndex !== undefined) envelope.pageIndex = result.pageIndex;
      }
    } catch (e) {
      if (e instanceof SandboxBusinessError) {
        envelope = { code: e.code, message: e.message, data: null };
      } else {
        entry.status = 500;
        return sendJson(res, 500, { code: 500, message: `Internal Server Error: ${(e as Error).message}` });
      }
    }
    entry.code = envelope.code;
    if (after.length > 0) return applyFault(after[0]!, res, entry);
    sendJson(res, 200, envelope);
  };

  const login = (b: Record<string, unknown>): Record<string, unknown> => {
    if (b.instanceName !== id.instance) {
      return { code: 'INSTANCE_NOT_FOUND', message: `No such element: instance '${String(b.instanceName)}' 没有这样的元素`, data: null };
    }
    if (b.accessToken !== accessToken) return { code: 'AUTH_FAILED', message: 'invalid access token', data: null };
    const token = `tok_${randomBytes(16).toString('hex')}`;
    sessions.set(token, sim.now() + tokenTtl);
    return { code: 0, message: 'success', data: { token, instanceId: id.instanceId, userId: id.userId, expireTime: tokenTtl } };
  };

  const applyFault = (f: FaultRule, res: ServerResponse, entry: JournalEntry) => {
    switch (f.kind) {
      case 'drop':
        entry.status = 0;
        res.socket?.destroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"code":0,"data":{"list":[{"id":');
        return;
      case 'business':
        entry.code = f.code ?? 'SANDBOX_FAULT';
        return sendJson(res, 200, { code: f.code ?? 'SANDBOX_FAULT', message: f.message ?? 'injected business error', data: null });
      default: {
        const status = f.status ?? 500;
        entry.status = status;
        const h: Record<string, string> = {};
        if (f.retryAfterSec !== undefined) h['retry-after'] = String(f.retryAfterSec);
        return sendJson(res, status, { code: status, message: f.message ?? `injected HTTP ${status}` }, h);
      }
    }
  };

  /** Test and benchmark controls; not part of Studio's protocol. */
  const handleAdmin = (path: string, body: unknown, headers: Record<string, string>, res: ServerResponse, entry: JournalEntry) => {
    if (headers['x-sandbox-admin'] !== accessToken) {
      entry.status = 401;
      return sendJson(res, 401, { code: 401, message: 'x-sandbox-admin header must carry the sandbox access token' });
    }
    const b = (body ?? {}) as Record<string, unknown>;
    try {
      switch (path) {
        case '/__sandbox/faults':
          for (const rule of (Array.isArray(b.rules) ? b.rules : [b]) as FaultRule[]) faults.add(rule);
          return sendJson(res, 200, { code: 0, data: { pending: faults.pending } });
        case '/__sandbox/faults/clear':
          faults.clear();
          return sendJson(res, 200, { code: 0, data: null });
        case '/__sandbox/expire-tokens':
          sessions.clear();
          return sendJson(res, 200, { code: 0, data: null });
        case '/__sandbox/streams': {
          // Stream faults (src/sandbox/streams.ts): { fault: kill|lag|fail-table|drop-slot, task, … }.
          const task = b.task === undefined ? undefined : (store.taskByName(String(b.task))?.id ?? Number(b.task));
          if (b.fault === 'kill') streams.kill(task!, b.message === undefined ? undefined : String(b.message));
          else if (b.fault === 'lag') streams.growLag(task!, Number(b.msPerSec ?? 1000));
          else if (b.fault === 'fail-table') streams.failTable(task!, String(b.table), String(b.message ?? 'table sync failed'));
          else if (b.fault === 'drop-slot') streams.dropSlot(Number(b.datasourceId), String(b.slot ?? 'cz_cdc_slot'));
          else throw new SandboxBusinessError('PARAM_ERROR', 'fault must be kill, lag, fail-table or drop-slot');
          return sendJson(res, 200, { code: 0, data: null });
        }
        case '/__sandbox/slow': {
          // A task's current scheduled run takes `factor` × as long (src/sandbox/history.ts): puts a baseline at risk.
          const runId = slowDownRun(sim, String(b.task), Number(b.factor ?? 4));
          if (runId === undefined) throw new SandboxBusinessError('PARAM_ERROR', `${String(b.task)} has no scheduled run under way or waiting`);
          return sendJson(res, 200, { code: 0, data: { runId } });
        }
        case '/__sandbox/slow-day': {
          // Today's cycle of an output and its upstream started again now, one task slow (src/sandbox/history.ts): a baseline card without waiting for the chain's hour.
          const day = simulateSlowDay(sim, String(b.task), {
            factor: b.factor === undefined ? undefined : Number(b.factor),
            slow: b.slow === undefined ? undefined : String(b.slow),
          });
          if ('error' in day) throw new SandboxBusinessError('PARAM_ERROR', day.error);
          return sendJson(res, 200, { code: 0, data: day });
        }
        case '/__sandbox/attempt-log':
          sim.setAttemptLog(Number(b.runId), String(b.text ?? ''));
          return sendJson(res, 200, { code: 0, data: null });
        case '/__sandbox/state':
          sim.advance();
          return sendJson(res, 200, {
            code: 0,
            data: {
              now: sim.now(),
              tasks: store.tasks().length,
              runs: store.db.prepare('SELECT status, COUNT(*) n FROM runs GROUP BY status').all() as { status: number; n: number }[],
            },
          });
        default:
          entry.status = 404;
          return sendJson(res, 404, { code: 404, message: `Not Found: ${path}` });
      }
    } catch (e) {
      return sendJson(res, 200, { code: e instanceof SandboxBusinessError ? e.code : 'ADMIN_ERROR', message: (e as Error).message });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { code: 500, message: `Internal Server Error: ${(e as Error).message}` });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  // A file-backed sandbox listens where it did last time when it can, so links already posted to
  // Slack (runs, tasks in its Studio UI) still open after a restart.
  const port = opts.port || (dbPath !== ':memory:' ? Number(store.getMeta('port') ?? 0) : 0);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, opts.host ?? '127.0.0.1', () => resolve());
  }).catch(async (e: NodeJS.ErrnoException) => {
    // The port of the last start is taken: any free one (the bot's links follow the new address).
    if (e.code !== 'EADDRINUSE' || port === (opts.port ?? 0)) throw e;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, opts.host ?? '127.0.0.1', () => resolve());
    });
  });
  const addr = server.address() as AddressInfo;
  if (dbPath !== ':memory:') store.setMeta('port', String(addr.port));
  const url = `http://${addr.address}:${addr.port}`;

  return {
    url,
    accessToken,
    instance: id.instance,
    workspace: id.workspace,
    sim,
    store,
    faults,
    streams,
    lakehouse,
    journal,
    expireTokens: () => sessions.clear(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      lakehouse.close();
    },
  };
}
