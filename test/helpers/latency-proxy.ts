/**
 * A TCP proxy on 127.0.0.1 that puts a PostgreSQL server at a distance (issue 28): every chunk, in
 * each direction, is forwarded `delayMs ± jitterMs` after it arrived, in order (a chunk is never
 * forwarded before the one ahead of it on its connection and direction, whatever its jitter).
 *
 * `hold(ms)` arms a stuck statement: the next client→server chunk that carries a statement (a
 * PostgreSQL wire message of type Q — simple query — or P, B, E — extended query), on whichever
 * connection sends one first, is held `ms` with everything after it on that connection; the other
 * connections keep flowing. The client→server stream is parsed for this: the startup packet and
 * SSL/GSSENC requests have no type byte, every later message is a type byte and an int32 length
 * (which counts itself), and a chunk may carry several messages or end inside one.
 *
 * `startLatencyProxy` runs it in this process; `spawnLatencyProxy` in a child process of its own
 * (test/helpers/latency-proxy-process.ts), for a caller whose own thread may block on the database
 * (the synchronous store waits with Atomics.wait: an in-process proxy could not forward its bytes).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { join } from 'node:path';

export interface LatencyProxyOptions {
  target: { host: string; port: number };
  /** Added to each chunk in each direction (a round trip gains twice this). */
  delayMs?: number;
  /** Each chunk's delay is drawn uniformly from delayMs ± jitterMs (never below 0). */
  jitterMs?: number;
}

export interface HeldStatement {
  /** The proxy's number for the connection (1, 2, … in the order they were accepted). */
  connection: number;
  /** The message types that started in the held chunk, e.g. ['P', 'B', 'D', 'E', 'S']. */
  types: string[];
  /** When it was caught (Date.now()) and when it is released. */
  caughtAt: number;
  releasedAt: number;
}

export interface LatencyProxyStats {
  /** Connections accepted so far, and those still open. */
  connections: number;
  open: number;
  /** Client→server chunks that carried a statement: about the number of round trips asked for. */
  statementChunks: number;
  bytesToServer: number;
  bytesToClient: number;
}

export interface LatencyProxy {
  readonly port: number;
  /** `dbUrl` (postgres://…) going through the proxy instead. */
  url(dbUrl: string): string;
  setDelay(ms: number, jitterMs?: number): Promise<void>;
  /** Arm a hold of `ms`; resolves once a statement was caught (see the module's comment). */
  hold(ms: number): Promise<HeldStatement>;
  stats(): Promise<LatencyProxyStats>;
  close(): Promise<void>;
}

/** `dbUrl` with its host and port replaced by the proxy's (127.0.0.1:`port`); the rest unchanged. */
export function proxiedUrl(dbUrl: string, port: number): string {
  const u = new URL(dbUrl);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`not a postgres:// URL: ${u.protocol}`);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

/** The host and port a postgres:// URL points at (5432 when it names none). */
export function pgTarget(dbUrl: string): { host: string; port: number } {
  const u = new URL(dbUrl);
  return { host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 5432 };
}

/** Statement messages of the wire protocol (frontend): simple Query, and Parse, Bind, Execute. */
const STATEMENT_TYPES = new Set(['Q', 'P', 'B', 'E']);

/**
 * Splits the client→server stream into messages, across chunk boundaries: which message types
 * start in each chunk. A stream it cannot follow (TLS after an accepted SSLRequest, a bad length)
 * is not parsed further: its chunks then carry no statement as far as `hold` is concerned.
 */
export class FrontendMessageParser {
  private untyped = true; // the startup packet (and an SSLRequest/GSSENCRequest before it) has no type byte
  private header: number[] = [];
  private skip = 0;
  private lost = false;

  /** The types of the messages that start in `chunk` ('' for an untyped startup-phase message). */
  feed(chunk: Uint8Array): string[] {
    const types: string[] = [];
    let i = 0;
    while (i < chunk.length && !this.lost) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const headerLength = this.untyped ? 4 : 5;
      if (this.header.length === 0) types.push(this.untyped ? '' : String.fromCharCode(chunk[i]!));
      while (this.header.length < headerLength && i < chunk.length) this.header.push(chunk[i++]!);
      if (this.header.length < headerLength) break;
      const h = this.header;
      const at = this.untyped ? 0 : 1;
      const length = ((h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!) >>> 0;
      if (length < 4 || length > 0x40000000) {
        this.lost = true;
        break;
      }
      // An untyped message of 8 bytes is an SSLRequest or GSSENCRequest: the startup packet is still to come.
      // (The server's answer to it, if 'S', starts TLS, which this parser cannot read: it would lose its way.)
      if (this.untyped && length !== 8) this.untyped = false;
      this.skip = length - 4;
      this.header = [];
    }
    return types;
  }
}

interface Queued {
  due: number;
  chunk: Buffer | null; // null: the end of the stream
}

/** One direction of one connection: chunks forwarded at their due time, in arrival order. */
class DelayedPipe {
  private readonly queue: Queued[] = [];
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private heldUntil = 0;
  private readonly drained: (() => void)[] = [];

  constructor(
    private readonly to: Socket,
    private readonly delay: () => number,
  ) {}

  /** `chunk` (or the end of the stream) is forwarded after its delay, never before what came earlier; `holdMs` also holds it (and all after it). */
  push(chunk: Buffer | null, holdMs = 0): number {
    const now = performance.now();
    if (holdMs > 0) this.heldUntil = Math.max(this.heldUntil, now + holdMs);
    const due = Math.max(now + this.delay(), this.lastDue, this.heldUntil);
    this.lastDue = due;
    if (due <= now && this.queue.length === 0) {
      // No delay (and nothing ahead of it): straight through, as a plain proxy would.
      this.forward(chunk);
      return due;
    }
    this.queue.push({ due, chunk });
    this.schedule();
    return due;
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = this.queue[0]!.due - performance.now();
    this.timer = setTimeout(() => this.drain(), Math.max(0, Math.ceil(wait)));
  }

  private drain(): void {
    this.timer = undefined;
    const now = performance.now();
    // A timer may fire a fraction of a millisecond early: only what is due goes.
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      this.forward(this.queue.shift()!.chunk);
    }
    if (this.queue.length === 0) for (const fn of this.drained.splice(0)) fn();
    this.schedule();
  }

  private forward(chunk: Buffer | null): void {
    if (this.to.destroyed) this.queue.length = 0;
    else if (chunk === null) this.to.end();
    else this.to.write(chunk);
  }

  /** `fn` once everything queued has been forwarded (at once if nothing is). */
  whenDrained(fn: () => void): void {
    if (this.queue.length === 0) fn();
    else this.drained.push(fn);
  }

  stop(): void {
    this.drained.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/** The proxy in this process. */
export async function startLatencyProxy(o: LatencyProxyOptions): Promise<LatencyProxy> {
  let delayMs = o.delayMs ?? 0;
  let jitterMs = o.jitterMs ?? 0;
  const delay = () => Math.max(0, delayMs + (jitterMs > 0 ? (Math.random() * 2 - 1) * jitterMs : 0));
  const stats: LatencyProxyStats = { connections: 0, open: 0, statementChunks: 0, bytesToServer: 0, bytesToClient: 0 };
  let armed: { ms: number; resolve: (h: HeldStatement) => void } | undefined;
  const sockets = new Set<Socket>();
  const pipes = new Set<DelayedPipe>();

  const server: Server = createServer((client) => {
    const id = ++stats.connections;
    stats.open++;
    const upstream = connect(o.target.port, o.target.host);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
    }
    const toServer = new DelayedPipe(upstream, delay);
    const toClient = new DelayedPipe(client, delay);
    pipes.add(toServer);
    pipes.add(toClient);
    const parser = new FrontendMessageParser();
    client.on('data', (chunk: Buffer) => {
      stats.bytesToServer += chunk.length;
      const types = parser.feed(chunk);
      const statement = types.some((t) => STATEMENT_TYPES.has(t));
      if (statement) stats.statementChunks++;
      if (statement && armed) {
        const { ms, resolve } = armed;
        armed = undefined;
        const caughtAt = Date.now();
        const due = toServer.push(chunk, ms);
        resolve({ connection: id, types, caughtAt, releasedAt: caughtAt + Math.round(due - performance.now()) });
        return;
      }
      toServer.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      stats.bytesToClient += chunk.length;
      toClient.push(chunk);
    });
    client.on('end', () => toServer.push(null));
    upstream.on('end', () => toClient.push(null));
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      stats.open--;
      for (const p of [toServer, toClient]) {
        p.stop();
        pipes.delete(p);
      }
      for (const s of [client, upstream]) {
        s.destroy();
        sockets.delete(s);
      }
    };
    // A reset loses what is still queued, as it would on the network.
    client.on('error', close);
    upstream.on('error', close);
    // A side that has closed: what it sent (and its end) still goes out, then the connection is gone.
    client.on('close', () => toServer.whenDrained(close));
    upstream.on('close', () => toClient.whenDrained(close));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    port,
    url: (dbUrl) => proxiedUrl(dbUrl, port),
    setDelay: async (ms, jitter = 0) => {
      delayMs = ms;
      jitterMs = jitter;
    },
    hold: (ms) => {
      if (armed) return Promise.reject(new Error('a hold is already armed'));
      return new Promise<HeldStatement>((resolve) => {
        armed = { ms, resolve };
      });
    },
    stats: async () => ({ ...stats }),
    close: async () => {
      for (const p of pipes) p.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The proxy in a child process of its own (see the module's comment); the same interface. */
export async function spawnLatencyProxy(o: LatencyProxyOptions): Promise<LatencyProxy> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'latency-proxy-process.ts'), [JSON.stringify(o)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; value?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(new Error(m.error));
    else w.resolve(m.value);
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`the latency proxy process exited (${code})`));
    waiting.clear();
  });
  const ask = <T>(op: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, args });
    });
  const port = await ask<number>('port');
  return {
    port,
    url: (dbUrl) => proxiedUrl(dbUrl, port),
    setDelay: (ms, jitter = 0) => ask('setDelay', ms, jitter),
    hold: (ms) => ask('hold', ms),
    stats: () => ask('stats'),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await ask('close').catch(() => undefined);
      child.kill();
      await exited;
    },
  };
}
