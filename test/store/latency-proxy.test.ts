/**
 * The latency proxy the distance tests and benchmark put between the bot and PostgreSQL
 * (test/helpers/latency-proxy.ts): bytes arrive intact and in order whatever the jitter, a round
 * trip gains at least twice the delay, and `hold` holds one connection's statement while the other
 * connections go on being answered.
 */
import { randomBytes } from 'node:crypto';
import { type Server, type Socket, connect, createServer } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FrontendMessageParser, type LatencyProxy, pgTarget, proxiedUrl, spawnLatencyProxy, startLatencyProxy } from '../helpers/latency-proxy.js';
import { pgAdmin, pgDatabaseUrl } from '../helpers/engines.js';

const proxies: LatencyProxy[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

/** A TCP server that echoes what it receives and keeps a copy. */
async function echoServer(): Promise<{ port: number; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = createServer((s) => {
    s.on('data', (d: Buffer) => {
      received.push(d);
      s.write(d);
    });
    s.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, received };
}

async function proxyTo(port: number, delayMs: number, jitterMs = 0): Promise<LatencyProxy> {
  const p = await startLatencyProxy({ target: { host: '127.0.0.1', port }, delayMs, jitterMs });
  proxies.push(p);
  return p;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** Wait until `socket` has received `n` bytes (from now); they, concatenated. */
function receive(socket: Socket, n: number): Promise<Buffer> {
  const got: Buffer[] = [];
  return new Promise((resolve) => {
    const check = () => {
      const all = Buffer.concat(got);
      if (all.length >= n) {
        socket.off('data', onData);
        resolve(all);
      }
    };
    const onData = (d: Buffer) => {
      got.push(d);
      check();
    };
    socket.on('data', onData);
    check();
  });
}

describe('the latency proxy', () => {
  it('forwards every byte intact and in order, both ways, with jitter as large as the delay', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port, 3, 3);
    const socket = await open(proxy.port);
    const sent = Array.from({ length: 300 }, () => randomBytes(1 + Math.floor(Math.random() * 2000)));
    const all = Buffer.concat(sent);
    const back = receive(socket, all.length);
    for (const [i, chunk] of sent.entries()) {
      socket.write(chunk);
      // Apart in time, so they travel as separate chunks with different draws of jitter.
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, Math.random() * 2));
    }
    expect((await back).equals(all)).toBe(true);
    expect(Buffer.concat(echo.received).equals(all)).toBe(true);
    socket.destroy();
    const stats = await proxy.stats();
    expect(stats.bytesToServer).toBe(all.length);
    expect(stats.bytesToClient).toBe(all.length);
  });

  it('adds at least the delay in each direction: a round trip takes at least twice it', async () => {
    const echo = await echoServer();
    const direct = await open(echo.port);
    const proxy = await proxyTo(echo.port, 15);
    const proxied = await open(proxy.port);
    const rtt = async (s: Socket) => {
      const t = performance.now();
      s.write('ping');
      await receive(s, 4);
      return performance.now() - t;
    };
    const directMs: number[] = [];
    const proxiedMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      directMs.push(await rtt(direct));
      proxiedMs.push(await rtt(proxied));
    }
    expect(Math.min(...proxiedMs)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...directMs)).toBeLessThan(30);
    // setDelay takes effect for what arrives next.
    await proxy.setDelay(40);
    expect(await rtt(proxied)).toBeGreaterThanOrEqual(80);
    await proxy.setDelay(0);
    expect(await rtt(proxied)).toBeLessThan(30);
    direct.destroy();
    proxied.destroy();
  });

  it('a URL through the proxy keeps the user, database and parameters', () => {
    expect(proxiedUrl('postgres://postgres@127.0.0.1:5433/t_abc', 40001)).toBe('postgres://postgres@127.0.0.1:40001/t_abc');
    expect(proxiedUrl('postgresql://u:p%40ss@db.example:5432/bot?sslmode=disable', 7)).toBe('postgresql://u:p%40ss@127.0.0.1:7/bot?sslmode=disable');
    expect(pgTarget('postgres://postgres@127.0.0.1:5433/x')).toEqual({ host: '127.0.0.1', port: 5433 });
    expect(pgTarget('postgres://db.example/x')).toEqual({ host: 'db.example', port: 5432 });
    expect(() => proxiedUrl('mysql://x@h/db', 1)).toThrow(/not a postgres/);
  });
});

describe('the wire protocol parser', () => {
  const typed = (type: string, body: number) => {
    const b = Buffer.alloc(5 + body);
    b.write(type, 0, 'latin1');
    b.writeInt32BE(4 + body, 1);
    return b;
  };
  const untyped = (length: number) => {
    const b = Buffer.alloc(length);
    b.writeInt32BE(length, 0);
    return b;
  };

  it('reads the startup packet (and an SSLRequest before it) as untyped, then typed messages, several to a chunk', () => {
    const p = new FrontendMessageParser();
    expect(p.feed(untyped(8))).toEqual(['']); // SSLRequest
    expect(p.feed(untyped(40))).toEqual(['']); // StartupMessage
    expect(p.feed(Buffer.concat([typed('P', 20), typed('B', 12), typed('D', 6), typed('E', 5), typed('S', 0)]))).toEqual(['P', 'B', 'D', 'E', 'S']);
    expect(p.feed(typed('Q', 9))).toEqual(['Q']);
  });

  it('follows messages split anywhere across chunks, the header too', () => {
    const p = new FrontendMessageParser();
    const stream = Buffer.concat([untyped(30), typed('p', 10), typed('Q', 100), typed('S', 0), typed('B', 3), typed('E', 5)]);
    // Every split point of every size: the types seen, in order, are always the same.
    for (const step of [1, 2, 3, 5, 7, 64]) {
      const q = new FrontendMessageParser();
      const types: string[] = [];
      for (let i = 0; i < stream.length; i += step) types.push(...q.feed(stream.subarray(i, i + step)));
      expect(types).toEqual(['', 'p', 'Q', 'S', 'B', 'E']);
    }
    expect(p.feed(stream)).toEqual(['', 'p', 'Q', 'S', 'B', 'E']);
  });
});

const pgServer = pgAdmin();

describe.skipIf(!('url' in pgServer))(`the latency proxy before PostgreSQL${'url' in pgServer ? '' : ` — skipped: ${(pgServer as { missing: string }).missing}`}`, () => {
  it('a statement through it takes at least the round trip it adds', async () => {
    const url = await pgDatabaseUrl('proxy');
    const proxy = await proxyTo(pgTarget(url).port, 10, 2);
    const c = new pg.Client({ connectionString: proxy.url(url) });
    await c.connect();
    try {
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const r = await c.query('SELECT $1::int + 1 AS n', [i]);
        expect(r.rows[0].n).toBe(i + 1);
        expect(performance.now() - t).toBeGreaterThanOrEqual(16); // 2 × (10 − 2)
      }
    } finally {
      await c.end();
    }
  });

  it("hold: one connection's statement waits, with what follows it; another connection's statements are answered meanwhile", async () => {
    const url = await pgDatabaseUrl('proxy');
    const proxy = await proxyTo(pgTarget(url).port, 1);
    const a = new pg.Client({ connectionString: proxy.url(url) });
    const b = new pg.Client({ connectionString: proxy.url(url) });
    await a.connect();
    await b.connect();
    try {
      const holding = proxy.hold(1_500);
      const t = performance.now();
      const aAnswered = a.query('SELECT 1 AS one').then(() => performance.now() - t);
      const aNext = a.query('SELECT 2 AS two').then(() => performance.now() - t); // behind the held one on its connection
      const held = await holding;
      expect(held.types).toContain('Q');
      expect(held.releasedAt - held.caughtAt).toBeGreaterThanOrEqual(1_490);
      // Meanwhile the other connection is answered as usual, simple and extended queries both.
      const bTimes: number[] = [];
      for (let i = 0; i < 10; i++) {
        const s = performance.now();
        await (i % 2 ? b.query('SELECT now()') : b.query('SELECT $1::text AS x', [`v${i}`]));
        bTimes.push(performance.now() - s);
      }
      expect(Math.max(...bTimes)).toBeLessThan(300);
      expect(performance.now() - t).toBeLessThan(1_400); // all of b's answers came while a's statement was held
      expect(await aAnswered).toBeGreaterThanOrEqual(1_500);
      expect(await aNext).toBeGreaterThanOrEqual(1_500);
      // After the hold, a is answered as usual again.
      const s = performance.now();
      await a.query('SELECT 3');
      expect(performance.now() - s).toBeLessThan(300);
      // Another hold catches whichever connection sends a statement next: b's, this time.
      const other = proxy.hold(500);
      const s2 = performance.now();
      await b.query('SELECT 4');
      expect(performance.now() - s2).toBeGreaterThanOrEqual(500);
      expect((await other).connection).not.toBe(held.connection);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('in a process of its own, the same: delays and holds', async () => {
    const url = await pgDatabaseUrl('proxy');
    const proxy = await spawnLatencyProxy({ target: pgTarget(url), delayMs: 5, jitterMs: 1 });
    proxies.push(proxy);
    const c = new pg.Client({ connectionString: proxy.url(url) });
    await c.connect();
    try {
      let t = performance.now();
      await c.query('SELECT 1');
      expect(performance.now() - t).toBeGreaterThanOrEqual(8);
      const holding = proxy.hold(800);
      t = performance.now();
      await c.query('SELECT 2');
      expect(performance.now() - t).toBeGreaterThanOrEqual(800);
      expect((await holding).types).toEqual(['Q']);
      const s = await proxy.stats();
      expect(s.connections).toBe(1);
      expect(s.statementChunks).toBeGreaterThanOrEqual(2);
    } finally {
      await c.end();
    }
  });
});
