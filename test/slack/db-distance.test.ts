/**
 * The bot with its PostgreSQL database at a distance (issue 28): a bot process whose DATABASE_URL
 * goes through a latency proxy (test/helpers/latency-proxy.ts) adding 5 ms ± 1 ms each way.
 *  - a statement stuck for 20 s in the database (the proxy holds the next one the bot sends: its
 *    background work's, every second) must not delay the acknowledgement of a `/cz help` sent
 *    meanwhile beyond 500 ms;
 *  - 50 `/cz help` at 20 a second: every one acknowledged and answered, ack p99 < 500 ms — on a
 *    quiet bot, and on one taking in a 500-failure burst at its first poll.
 * These are bounded-latency tests (the issue asks for them): the figures are printed as measured.
 * On the synchronous store (each statement an Atomics.wait on the main thread) the held statement
 * freezes the event loop, so every ack waits for it (19.2–20.0 s measured), and during the burst's
 * poll (about 75 statements a second, each blocking the loop) ack p99 was 0.8–2.1 s; the quiet
 * bot's p99 was 31–197 ms (one statement per ack, the replay guard's).
 * Skipped (naming why) where no PostgreSQL server can be started.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pgDriver from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { systemClock } from '../../src/sandbox/sim.js';
import { POLICY, USERS, signedSlackClient } from '../helpers/bot.js';
import { childBotEnv, killBot, sandboxStudioEnv, spawnBot } from '../helpers/bot-process.js';
import { pgAdmin, pgDatabaseUrl } from '../helpers/engines.js';
import { type FakeSlack, startFakeSlack, visibleText } from '../helpers/fake-slack.js';
import { type LatencyProxy, pgTarget, startLatencyProxy } from '../helpers/latency-proxy.js';
import { insertFailedRuns, letters } from '../helpers/sandbox.js';

const pg = pgAdmin();
const ACK_LIMIT_MS = 500;

let sb: RunningSandbox;
let slack: FakeSlack;
let proxy: LatencyProxy;
let bot: { child: ChildProcess; port: number };
let dir: string;

const client = () => signedSlackClient(() => `http://127.0.0.1:${bot.port}`, slack);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (ms: number) => Math.round(ms);

/** `/cz help`, timed from sending to the HTTP answer (Slack's acknowledgement). */
async function timedHelp(): Promise<{ ms: number; status: number; responseId: string }> {
  const t = performance.now();
  const r = await client().command('help', USERS.viewer);
  return { ms: performance.now() - t, status: r.status, responseId: r.responseId };
}

/** 50 `/cz help` at 20 a second (open loop); the acks (given up on after `capMs`) and the replies that came. */
async function fiftyHelps(capMs: number): Promise<{ ms: number[]; statuses: number[]; unacked: number; answered: number }> {
  const acks: { ms: number; status: number; responseId: string }[] = [];
  const t0 = Date.now();
  for (let i = 0; i < 50; i++) {
    void timedHelp().then((a) => acks.push(a));
    await sleep(50); // on schedule, whatever the answers
  }
  while (acks.length < 50 && Date.now() - t0 < capMs) await sleep(50);
  const answered = await Promise.all(acks.map((a) => slack.waitForResponse(a.responseId, 0, Math.max(1_000, capMs - (Date.now() - t0))).then(visibleText, () => '')));
  return {
    ms: acks.map((a) => a.ms).sort((a, b) => a - b),
    statuses: acks.map((a) => a.status),
    unacked: 50 - acks.length,
    answered: answered.filter((t) => t.includes('/cz')).length,
  };
}

const p99 = (sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? Number.POSITIVE_INFINITY;

describe.skipIf(!('url' in pg))(`the bot with PostgreSQL 5 ms away${'url' in pg ? '' : ` — skipped: ${(pg as { missing: string }).missing}`}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'distance-'));
    writeFileSync(join(dir, 'policy.yml'), POLICY);
    const url = await pgDatabaseUrl('distance');
    proxy = await startLatencyProxy({ target: pgTarget(url), delayMs: 5, jitterMs: 1 });
    sb = await startSandbox({ clock: systemClock, seed: 'demo', runDurationMs: [60_000, 60_000], failureRate: 0 });
    slack = await startFakeSlack();
    bot = await spawnBot({
      ...process.env,
      ...sandboxStudioEnv(sb),
      ...childBotEnv(dir, slack.apiUrl),
      DATABASE_URL: proxy.url(url),
      AUDIT_KEY: 'd'.repeat(64),
      REPLICA_ID: 'far',
    });
    // Warm: the first request of a process pays for its modules and connections.
    await timedHelp();
  }, 60_000);

  afterAll(async () => {
    bot?.child.kill('SIGKILL');
    await proxy?.close();
    await slack?.close();
    await sb?.close();
  });

  it('50 `/cz help` at 20 a second: every one acknowledged and answered, ack p99 < 500 ms', async () => {
    const r = await fiftyHelps(30_000);
    console.log(`[distance] 50 × /cz help at 20/s, 5 ms each way: ack p50 ${round(r.ms[25] ?? Number.NaN)} ms, p99 ${round(p99(r.ms))} ms; ${r.unacked} not acknowledged`);
    expect(r.statuses).toEqual(Array(50).fill(200));
    expect(r.answered).toBe(50); // every one got its help
    expect(p99(r.ms)).toBeLessThan(ACK_LIMIT_MS);
  }, 60_000);

  it('the same 50 `/cz help` while the bot polls a 500-failure burst: every one answered, ack p99 < 500 ms', async () => {
    // A second bot, with alerts on, takes in a burst at its first poll (at start); the helps go to it meanwhile.
    insertFailedRuns(sb.store, 'etl_orders_daily', 500, (i) => `exporter stage q${letters(Math.floor(i / 4))} crashed`);
    const url = await pgDatabaseUrl('distance');
    // A proxy of its own, so the hold below can only catch the quiet bot's statements.
    const busyProxy = await startLatencyProxy({ target: pgTarget(url), delayMs: 5, jitterMs: 1 });
    const busy = await spawnBot({
      ...process.env,
      ...sandboxStudioEnv(sb),
      ...childBotEnv(dir, slack.apiUrl),
      DATABASE_PATH: join(dir, 'busy.db'),
      DATABASE_URL: busyProxy.url(url),
      AUDIT_KEY: 'd'.repeat(64),
      REPLICA_ID: 'busy',
      ALERT_CHANNELS: '*=CBURST',
      ALERT_POLL_SECONDS: '5',
      BOT_AUTOPOLL: '1',
      BOT_MIN_SEND_MS: '40',
    });
    const quiet = bot;
    bot = busy;
    try {
      // Once the poll writes what it has seen (its database-heavy part), the helps go.
      const direct = new pgDriver.Client({ connectionString: url });
      await direct.connect();
      const seen = async () => Number((await direct.query('SELECT COUNT(*) AS n FROM alert_seen')).rows[0].n);
      try {
        const t0 = Date.now();
        while ((await seen()) === 0 && Date.now() - t0 < 30_000) await sleep(200);
        expect(await seen(), 'the burst was not being taken in within 30 s').toBeGreaterThan(0);
      } finally {
        await direct.end();
      }
      const r = await fiftyHelps(40_000);
      console.log(
        `[distance] 50 × /cz help at 20/s during a 500-failure burst, 5 ms each way: ack p50 ${round(r.ms[25] ?? Number.POSITIVE_INFINITY)} ms, p99 ${round(p99(r.ms))} ms; ${r.unacked} not acknowledged within 40 s, ${r.answered} answered`,
      );
      expect(r.unacked).toBe(0);
      expect(r.statuses).toEqual(Array(50).fill(200));
      expect(r.answered).toBe(50);
      expect(p99(r.ms)).toBeLessThan(ACK_LIMIT_MS);
    } finally {
      bot = quiet;
      await killBot(busy.child);
      await busyProxy.close();
    }
  }, 60_000);

  it('a statement stuck 20 s in the database does not delay a `/cz help` ack beyond 500 ms', async () => {
    const held = await Promise.race([proxy.hold(20_000), sleep(10_000).then(() => undefined)]);
    // The bot's background work (the outbox check every second, the verifier, the lease) sends one soon.
    expect(held, 'the bot sent no statement within 10 s to hold').toBeDefined();
    const acks: { atMs: number; ms: number; status: number }[] = [];
    for (const at of [200, 1_000, 3_000, 6_000, 10_000, 15_000]) {
      await sleep(Math.max(0, held!.caughtAt + at - Date.now()));
      // Each sent at its moment whatever the earlier ones' fate (they may all be stuck behind the held statement).
      void timedHelp().then((r) => acks.push({ atMs: at, ms: r.ms, status: r.status }));
    }
    // Every ack is in by the hold's end plus a margin (stuck ones come when it is released).
    const deadline = held!.releasedAt + 10_000;
    while (acks.length < 6 && Date.now() < deadline) await sleep(100);
    acks.sort((a, b) => a.atMs - b.atMs);
    console.log(
      `[distance] statement held 20 s (types ${held!.types.join('')}, connection ${held!.connection}): /cz help acks ${acks.map((a) => `${round(a.ms)} ms at +${a.atMs / 1000} s`).join(', ')}`,
    );
    expect(acks).toHaveLength(6);
    expect(acks.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(Math.max(...acks.map((a) => a.ms))).toBeLessThan(ACK_LIMIT_MS);
  }, 60_000);
});
