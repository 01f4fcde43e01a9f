/**
 * PostgreSQL at a network distance (issue 28). A throw-away cluster (test/helpers/pg-cluster.ts)
 * behind a latency-injecting TCP proxy in a process of its own (test/helpers/latency-proxy.ts):
 * 1 ms and 5 ms added each way, ± 20 % jitter. Next to SQLite, in the same run:
 *  (i)   open-loop `/cz` acks (20 commands a second for 20 s, /cz help and /cz runs in turn) while
 *        the bot takes in a 5,000-failure storm (bench/ack.ts openLoop with --storm; bare Bolt is
 *        SQLite's baseline): p50, p99, commands never acknowledged, commands acknowledged after
 *        Slack's 3 s. On PostgreSQL the commands start once the poll writes (its first pass, one
 *        read per failure, takes a minute at 5 ms; SQLite's whole poll takes about 2 s);
 *  (ii)  the storm's poll time and (iii) the time to the channel's final state at Slack's pace
 *        (bench/storm.ts, in a process of its own);
 *  (iv)  failover at 5 ms: two replicas with alerts on one database and one Slack stand-in, the
 *        lease holder SIGKILLed part-way through the storm: seconds until the survivor holds the
 *        lease and until every card is posted, duplicate and missing cards;
 *  (v)   acks on two replicas next to one at 5 ms: the ack load (bench/ack.ts bodies) in a closed
 *        loop, and in an open loop of the same traffic to one replica, then spread over two.
 * Every measurement gives up after a cap and says how far it got: the synchronous store (one
 * blocking round trip per statement) takes many minutes at 5 ms. The proxy's statement count is
 * reported with each PostgreSQL figure (about the round trips made).
 */
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { Agent, request } from 'undici';
import { type FakeSlack, startFakeSlack } from '../test/helpers/fake-slack.js';
import { type LatencyProxy, pgTarget, spawnLatencyProxy } from '../test/helpers/latency-proxy.js';
import { freshDatabase, startCluster } from '../test/helpers/pg-cluster.js';
import { bodies, commandBody, percentile, signedHeaders } from './ack.js';
import { type Child, startChild } from './child.js';
import { sandbox } from './replicas.js';

const JITTER = 0.2; // of the delay, each way
const SLACK_ACK_MS = 3_000; // Slack shows the user an error for a request not acknowledged in 3 s

/** How long each measurement may take; BENCH_DISTANCE_QUICK=1 shortens everything (to try the scenario). */
const quick = process.env.BENCH_DISTANCE_QUICK === '1';
const LIMITS = {
  rate: 20,
  seconds: quick ? 5 : 20,
  /** After the open loop's last command, how long its acks are waited for. */
  openLoopGraceMs: quick ? 10_000 : 20_000,
  /** On PostgreSQL the open loop starts once the storm's poll writes (its first pass only reads, one statement a failure): at most this long after start. */
  stormWritingCapMs: quick ? 30_000 : 120_000,
  stormCapMs: { 1: quick ? 30_000 : 90_000, 5: quick ? 30_000 : 60_000, sqlite: 120_000 },
  /** Failover: the leader is killed after this many card posts, or this long after start, whichever comes first. */
  killAfterPosts: 30,
  killAfterMs: quick ? 20_000 : 45_000,
  failoverCapMs: quick ? 60_000 : 120_000,
  ackWarmup: quick ? 50 : 1000,
  ackRequests: quick ? 150 : 1500,
  /**
   * The replicas' open loop: requests a second in all — to one replica, then spread over two — for
   * this long. The same traffic both times: the replicas share this machine's two cores, so sending
   * each of them as much as one gets would measure the doubled load on the CPU, not whether one
   * replica's work waits on the other's (in production each replica has its own host).
   */
  replicaRate: 40,
  replicaSeconds: quick ? 5 : 30,
  ackConcurrency: 20,
  ackCapMs: quick ? 30_000 : 60_000,
};

const round = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const label = (delayMs: number) => `pg${delayMs}ms`;

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ask a child to stop, and kill it if it has not gone within 10 s (a thread blocked on the database answers signals late). */
async function stop(child: Child): Promise<void> {
  child.stop();
  if (
    (await withTimeout(
      child.exited.then(() => true),
      10_000,
    )) === undefined
  ) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

interface Latencies {
  sent: number;
  acked: number;
  /** Not acknowledged by the end of the measurement (its cap). */
  neverAcked: number;
  /** Acknowledged later than Slack waits (3 s), or never: the person saw an error. */
  overSlackLimit: number;
  non200: number;
  p50Ms: number;
  p99Ms: number;
  /** Some requests were never acknowledged: they count as the time they had waited, so the true percentile is higher. */
  p99IsLowerBound: boolean;
}

/** Each result's latencies (a request never acknowledged: the time it had waited), kept out of the JSON: for `pooled`. */
const samplesOf = new WeakMap<Latencies, { ms: number[]; neverAcked: number[] }>();

function latencies<T extends object>(entries: { t: number; ms?: number; status?: number }[], end: number, more: T): Latencies & T {
  const ms = entries.map((e) => e.ms ?? end - e.t);
  const out = { ...summary(entries, ms, end), ...more };
  samplesOf.set(out, { ms, neverAcked: entries.filter((e) => e.ms === undefined).map((e) => end - e.t) });
  return out;
}

/** The figures of several runs' requests taken together (their p99 is the p99 of every request sent). */
function pooled(list: Latencies[]): Latencies {
  const all = list.map((l) => samplesOf.get(l)!);
  const ms = all.flatMap((a) => a.ms);
  const never = all.flatMap((a) => a.neverAcked);
  return {
    sent: ms.length,
    acked: ms.length - never.length,
    neverAcked: never.length,
    overSlackLimit: list.reduce((t, l) => t + l.overSlackLimit, 0),
    non200: list.reduce((t, l) => t + l.non200, 0),
    p50Ms: round(percentile(ms, 50)),
    p99Ms: round(percentile(ms, 99)),
    p99IsLowerBound: never.length > 0 && percentile(ms, 99) >= Math.min(...never),
  };
}

function summary(entries: { t: number; ms?: number; status?: number }[], ms: number[], end: number): Latencies {
  const neverAcked = entries.filter((e) => e.ms === undefined).length;
  return {
    sent: entries.length,
    acked: entries.length - neverAcked,
    neverAcked,
    overSlackLimit: entries.filter((e) => e.ms === undefined || e.ms > SLACK_ACK_MS).length,
    non200: entries.filter((e) => e.status !== undefined && e.status !== 200).length,
    p50Ms: round(percentile(ms, 50)),
    p99Ms: round(percentile(ms, 99)),
    p99IsLowerBound: neverAcked > 0 && percentile(ms, 99) >= Math.min(...entries.filter((e) => e.ms === undefined).map((e) => end - e.t)),
  };
}

/**
 * `rate` signed requests a second to each of `children` for `seconds`, each sent on schedule
 * whatever the answers; acks waited for until `graceMs` after the last. `mix`: /cz help and
 * /cz runs in turn (`commands`), or the ack load's bodies (`ack`: help, runs, a Logs click).
 */
async function openLoopCapped(
  children: Child[],
  rate: number,
  seconds: number,
  graceMs: number,
  mix: 'commands' | 'ack' = 'commands',
): Promise<Latencies & { replies: number | 'unknown' }> {
  const agent = new Agent({ connections: 1024, pipelining: 0 });
  const aborts = new AbortController();
  setMaxListeners(0, aborts.signal); // one signal for every request in flight
  const entries: { child: Child; id: string; t: number; ms?: number; status?: number }[] = [];
  const ackBodies = mix === 'ack' ? children.map((c) => bodies(c)) : [];
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  const total = rate * seconds * children.length;
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / (rate * children.length) - performance.now();
    if (wait > 0) await sleep(wait);
    const k = i % children.length;
    const child = children[k]!;
    const id = `dl-${i}`;
    const body = mix === 'ack' ? ackBodies[k]![i % 3000]! : commandBody(child, id, i % 2 === 0 ? 'help' : 'runs 04_transform_ods_to_dwd');
    const e: (typeof entries)[number] = { child, id, t: performance.now() };
    entries.push(e);
    inflight.push(
      request(`http://127.0.0.1:${child.info.port}/slack/events`, {
        method: 'POST',
        dispatcher: agent,
        headers: signedHeaders(child, body),
        body,
        signal: aborts.signal,
        headersTimeout: 0,
        bodyTimeout: 0,
      }).then(
        async (res) => {
          await res.body.dump();
          e.ms = performance.now() - e.t;
          e.status = res.statusCode;
        },
        () => undefined, // aborted at the cap: never acknowledged
      ),
    );
  }
  await withTimeout(Promise.all(inflight), graceMs);
  const end = performance.now();
  aborts.abort();
  await agent.destroy().catch(() => undefined);
  let replies: number | 'unknown' = 'unknown';
  if (mix === 'commands') {
    const answered = await Promise.all(children.map((c) => withTimeout(c.answers(), 15_000)));
    if (answered.every((a) => a !== undefined)) replies = entries.filter((e) => answered[children.indexOf(e.child)]!.answeredAt[e.id] !== undefined).length;
  }
  return latencies(entries, end, { replies });
}

/** The ack load (bench/ack.ts bodies) at concurrency `c`, spread over `children`; given up on after `capMs`. */
async function cappedLoad(children: Child[], from: number, n: number, c: number, capMs: number): Promise<Latencies & { seconds: number }> {
  const agent = new Agent({ connections: c });
  const aborts = new AbortController();
  setMaxListeners(0, aborts.signal);
  const perChild = children.map((ch) => bodies(ch));
  const entries: { t: number; ms?: number; status?: number }[] = [];
  let next = from;
  const t0 = performance.now();
  const deadline = t0 + capMs;
  const worker = async () => {
    while (next < from + n && performance.now() < deadline) {
      const i = next++;
      const to = children[i % children.length]!;
      const body = perChild[i % children.length]![i % 3000]!;
      const e: (typeof entries)[number] = { t: performance.now() };
      entries.push(e);
      try {
        const res = await request(`http://127.0.0.1:${to.info.port}/slack/events`, {
          method: 'POST',
          dispatcher: agent,
          headers: signedHeaders(to, body),
          body,
          signal: aborts.signal,
        });
        await res.body.dump();
        e.ms = performance.now() - e.t;
        e.status = res.statusCode;
      } catch {
        return; // aborted at the cap
      }
    }
  };
  const workers = Promise.all(Array.from({ length: c }, worker));
  await withTimeout(workers, capMs);
  const end = performance.now();
  aborts.abort();
  await workers;
  await agent.destroy().catch(() => undefined);
  return latencies(entries, end, { seconds: round((end - t0) / 1000) });
}

/** What the bot's database holds of a storm, read directly (not through the proxy). */
async function progressOf(url: string): Promise<{ seen: number; cards: number; posted: number; outboxPending: number; leader?: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const n = async (sql: string) => Number((await c.query(sql)).rows[0]?.n ?? 0);
    const leader = (await c.query("SELECT holder FROM leases WHERE name = 'leader'")).rows[0] as { holder: string } | undefined;
    return {
      seen: await n('SELECT COUNT(*) AS n FROM alert_seen'),
      cards: await n('SELECT COUNT(*) AS n FROM alert_cards'),
      posted: await n('SELECT COUNT(*) AS n FROM alert_cards WHERE ts IS NOT NULL'),
      outboxPending: await n('SELECT COUNT(*) AS n FROM outbox WHERE done IN (0, 3)'),
      leader: leader?.holder,
    };
  } finally {
    await c.end();
  }
}

/** Wait until the storm's poll writes what it has seen (up to `capMs`): when it started, and whether it did. */
async function stormWriting(url: string, capMs: number): Promise<{ startedAfterSeconds: number; pollWriting: boolean }> {
  const t0 = Date.now();
  for (;;) {
    const p = await progressOf(url);
    if (p.seen > 0 || p.cards > 0) return { startedAfterSeconds: round((Date.now() - t0) / 1000), pollWriting: true };
    if (Date.now() - t0 > capMs) return { startedAfterSeconds: round((Date.now() - t0) / 1000), pollWriting: false };
    await sleep(500);
  }
}

type StormFigures = {
  finished: boolean;
  pollMs?: number;
  finalStateSeconds?: number;
  finalStateTargetSeconds?: number;
  digestSeconds?: number;
  cards?: number;
  lost?: number;
  apiCalls?: number;
  wallSeconds: number;
  /** When it did not finish: how far it got (read from the database). */
  progress?: Awaited<ReturnType<typeof progressOf>>;
  statements?: number;
};

/** bench/storm.ts on `database` in a process of its own (bench/distance-storm.ts), killed after `capMs`. */
async function stormIn(database: string, capMs: number, directUrl?: string): Promise<StormFigures> {
  const t0 = performance.now();
  const p = spawn(process.execPath, ['--import', 'tsx', 'bench/distance-storm.ts', database], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pollMs: number | undefined;
  let result: Record<string, number> | undefined;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  createInterface({ input: p.stdout! }).on('line', (l) => {
    const m = JSON.parse(l) as { polledMs?: number; result?: Record<string, number> };
    if (m.polledMs !== undefined) pollMs = m.polledMs;
    if (m.result) result = m.result;
  });
  await withTimeout(exited, capMs);
  const wallSeconds = round((performance.now() - t0) / 1000);
  if (result) {
    return {
      finished: true,
      pollMs: result.pollMs,
      finalStateSeconds: result.finalStateSeconds,
      finalStateTargetSeconds: result.finalStateTargetSeconds,
      digestSeconds: result.digestSeconds,
      cards: result.cards,
      lost: result.lost,
      apiCalls: result.apiCalls,
      wallSeconds,
    };
  }
  p.kill('SIGKILL');
  await exited;
  return { finished: false, pollMs, wallSeconds, progress: directUrl ? await progressOf(directUrl) : undefined };
}

interface FailoverFigures {
  delayMs: number;
  /** Every card posted, nothing left to send, within the cap. */
  finished: boolean;
  note?: string;
  startSeconds?: number;
  killedLeader?: string;
  killedAfterSeconds?: number;
  postsAtKill?: number;
  /** From the SIGKILL until the survivor held the lease. */
  leaseTakenSeconds?: number;
  /** From the SIGKILL until every card was posted. */
  allPostedSeconds?: number;
  cards?: number;
  cardsPosted?: number;
  cardPosts?: number;
  duplicateCardPosts?: number;
  digests?: number;
  missingCards?: number;
  progress?: Awaited<ReturnType<typeof progressOf>>;
  slackViolations?: number;
}

/** Two replicas with alerts at `delayMs`; the lease holder SIGKILLed part-way through the storm. */
async function failover(proxy: LatencyProxy, adminUrl: string, delayMs: number): Promise<FailoverFigures> {
  await proxy.setDelay(delayMs, delayMs * JITTER);
  const url = await freshDatabase(adminUrl, 'bench');
  const slack: FakeSlack = await startFakeSlack();
  const sb = await sandbox(['bench/storm-sandbox.ts']);
  const children: Child[] = [];
  const t0 = Date.now();
  const since = (t: number) => round((Date.now() - t) / 1000);
  const out: FailoverFigures = { delayMs, finished: false };
  try {
    for (const id of ['r1', 'r2'])
      children.push(
        await startChild(['--alerts'], {
          BENCH_DATABASE_URL: proxy.url(url),
          BENCH_REPLICA_ID: id,
          BENCH_STUDIO: sb.json,
          BENCH_MIN_SEND_MS: '40',
          BENCH_SLACK_API_URL: slack.apiUrl,
        }),
      );
    out.startSeconds = since(t0);
    const cardPosts = () =>
      slack.calls.filter(
        (c) => c.method === 'chat.postMessage' && c.args.channel === 'CSTORM' && /^(Failed|Resolved|Refresh failed|Suspended|Wrote nothing):/.test(String(c.args.text)),
      );
    const deadline = t0 + LIMITS.failoverCapMs;
    // The leader works through the storm until it has posted some cards (or for a while), then dies.
    let leader = (await progressOf(url)).leader;
    while ((!leader || cardPosts().length < LIMITS.killAfterPosts) && Date.now() - t0 < LIMITS.killAfterMs) {
      await sleep(250);
      leader = (await progressOf(url)).leader;
    }
    if (!leader) return { ...out, finished: false, note: `no replica held the lease ${since(t0)} s after start` };
    const victim = children[leader === 'r1' ? 0 : 1]!;
    const survivor = leader === 'r1' ? 'r2' : 'r1';
    out.killedLeader = leader;
    out.killedAfterSeconds = since(t0);
    out.postsAtKill = cardPosts().length;
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await victim.exited;
    let p = await progressOf(url);
    while (p.leader !== survivor && Date.now() < deadline) {
      await sleep(250);
      p = await progressOf(url);
    }
    out.leaseTakenSeconds = p.leader === survivor ? since(killedAt) : undefined;
    // Every card posted: the channel's work is done (no card without its message, nothing left in the outbox), twice in a row.
    let stableSince: number | undefined;
    while (Date.now() < deadline) {
      p = await progressOf(url);
      const done = p.cards > 0 && p.posted === p.cards && p.outboxPending === 0;
      if (!done) stableSince = undefined;
      else if (stableSince === undefined) stableSince = Date.now();
      else if (Date.now() - stableSince >= 2_000) break;
      await sleep(500);
    }
    const finished = stableSince !== undefined && Date.now() - stableSince >= 2_000;
    const posts = cardPosts();
    const keys = posts.map((c) => (c.args.metadata ? JSON.stringify(c.args.metadata) : String(c.args.text)));
    const digests = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'CSTORM' && !c.args.thread_ts && String(c.args.text).startsWith('Alert storm'));
    return {
      ...out,
      finished,
      allPostedSeconds: finished ? round((stableSince! - killedAt) / 1000) : undefined,
      cards: p.cards,
      cardsPosted: p.posted,
      cardPosts: posts.length,
      duplicateCardPosts: keys.length - new Set(keys).size,
      digests: digests.length,
      missingCards: finished ? p.cards - new Set(keys).size : undefined,
      progress: finished ? undefined : p,
      slackViolations: slack.violations.length,
    };
  } finally {
    for (const c of children) await stop(c); // the killed one is gone already
    sb.stop();
    await slack.close();
  }
}

/**
 * Acks on one replica next to two (one Studio; a database each time), at `delayMs`:
 *  - closed loop (as bench/replicas.ts ackOf, scaled down): the ack load at concurrency 20, spread
 *    over the replicas — at 5 ms one replica is saturated by its round trips, so this shows
 *    throughput more than interference;
 *  - open loop: the same traffic (40 a second) to one replica, then spread over two — a second
 *    replica must not slow anyone (what the target asks): nothing of one replica's may wait
 *    on the other's;
 *  - `secondReplicaBeside`: with two running, the same traffic all to the first — what the second
 *    replica's mere presence (its lease, its timers, its connections) costs the first.
 *  - `machineFloor`: the same open loop for bare Bolt (a trivial /cz handler, no database, nothing
 *    after the ack), to one process then spread over two — what splitting traffic over two processes
 *    costs on this machine by itself, without the bot's work after its acks.
 * Four rounds, one and two replicas alternating which goes first (a single run's p99 of ~10 ms moves
 * by a few ms on this shared machine): each loop's figures are those of every request of every round
 * taken together (its p99 is the p99 of all of them), with each round's own p99 beside them.
 */
async function ackOnReplicas(proxy: LatencyProxy, adminUrl: string, delayMs: number, rounds: number) {
  await proxy.setDelay(delayMs, delayMs * JITTER);
  // BENCH_REPLICA_CPUS="0;1": replica i runs only on the i-th CPU list (each as on a host of its own); the load, the proxy and PostgreSQL are not pinned.
  const pin = (process.env.BENCH_REPLICA_CPUS ?? '').split(';').filter(Boolean);
  const sb = await sandbox(['src/sandbox/cli.ts', '--port', '0']);
  type Loop = Latencies & { statements: number; p99Rounds?: number[] };
  type Figures = { closedLoop: Loop; openLoop: Loop };
  const runs: Record<1 | 2, { closed: Latencies[]; open: Latencies[]; closedStatements: number[]; openStatements: number[] }> = {
    1: { closed: [], open: [], closedStatements: [], openStatements: [] },
    2: { closed: [], open: [], closedStatements: [], openStatements: [] },
  };
  const firstOnly: Latencies[] = [];
  const bare: Record<1 | 2, Latencies[]> = { 1: [], 2: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const);
      for (const n of order) {
        const children: Child[] = [];
        try {
          for (let i = 1; i <= n; i++) children.push(await startChild(['--bare'], pin[i - 1] ? { BENCH_CPUS: pin[i - 1]! } : {}));
          await cappedLoad(children, 0, LIMITS.ackWarmup, LIMITS.ackConcurrency, LIMITS.ackCapMs);
          bare[n].push(await openLoopCapped(children, LIMITS.replicaRate / children.length, LIMITS.replicaSeconds, LIMITS.openLoopGraceMs, 'ack'));
        } finally {
          for (const c of children) await stop(c);
        }
      }
      for (const n of order) {
        const url = proxy.url(await freshDatabase(adminUrl, 'bench'));
        const children: Child[] = [];
        try {
          for (let i = 1; i <= n; i++) {
            const cpus = pin[i - 1];
            children.push(await startChild([], { BENCH_DATABASE_URL: url, BENCH_REPLICA_ID: `r${i}`, BENCH_STUDIO: sb.json, ...(cpus ? { BENCH_CPUS: cpus } : {}) }));
          }
          // Warm-up (the code the acks run is compiled, connections are open), and its work done.
          await cappedLoad(children, 0, LIMITS.ackWarmup, LIMITS.ackConcurrency, LIMITS.ackCapMs);
          for (const c of children) await withTimeout(c.idle(), 30_000);
          let before = (await proxy.stats()).statementChunks;
          runs[n].closed.push(await cappedLoad(children, LIMITS.ackWarmup, LIMITS.ackRequests, LIMITS.ackConcurrency, LIMITS.ackCapMs));
          runs[n].closedStatements.push((await proxy.stats()).statementChunks - before);
          for (const c of children) await withTimeout(c.idle(), 30_000);
          before = (await proxy.stats()).statementChunks;
          runs[n].open.push(await openLoopCapped(children, LIMITS.replicaRate / children.length, LIMITS.replicaSeconds, LIMITS.openLoopGraceMs, 'ack'));
          runs[n].openStatements.push((await proxy.stats()).statementChunks - before);
          if (n === 2) {
            // The same traffic again, all of it to the first replica while the second runs (its lease, its timers).
            for (const c of children) await withTimeout(c.idle(), 30_000);
            firstOnly.push(await openLoopCapped([children[0]!], LIMITS.replicaRate, LIMITS.replicaSeconds, LIMITS.openLoopGraceMs, 'ack'));
          }
        } finally {
          for (const c of children) await stop(c);
        }
      }
    }
  } finally {
    sb.stop();
  }
  const sum = (xs: number[]) => xs.reduce((t, x) => t + x, 0);
  const withRounds = (list: Latencies[]) => ({ ...pooled(list), p99Rounds: list.map((l) => l.p99Ms) });
  const loop = (list: Latencies[], statements: number[]): Loop => ({ ...withRounds(list), statements: sum(statements) });
  const figures = (n: 1 | 2): Figures => ({ closedLoop: loop(runs[n].closed, runs[n].closedStatements), openLoop: loop(runs[n].open, runs[n].openStatements) });
  return {
    delayMs,
    rounds,
    ...(pin.length > 0 ? { replicaCpus: pin } : {}),
    oneReplica: figures(1),
    twoReplicas: figures(2),
    secondReplicaBeside: withRounds(firstOnly),
    machineFloor: { oneProcess: withRounds(bare[1]), twoProcesses: withRounds(bare[2]) },
  };
}

/** What splitting the traffic over two processes costs by itself: bare Bolt, one process then two. */
function floorNote(r: Awaited<ReturnType<typeof ackOnReplicas>> | undefined): string {
  if (!r) return '';
  const { oneProcess: one, twoProcesses: two } = r.machineFloor;
  return ` [beside it, bare Bolt (no database, nothing after the ack), the same open loop: two processes ${two.p99Ms} ms vs one ${one.p99Ms} ms]`;
}

export async function runDistanceBench() {
  const t0 = Date.now();
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  try {
    cluster = await startCluster();
  } catch (e) {
    return { skipped: `no PostgreSQL: ${(e as Error).message}` };
  }
  const proxy = await spawnLatencyProxy({ target: pgTarget(cluster.adminUrl) });
  const log = (s: string) => process.stderr.write(`  [distance] ${s}\n`);
  // BENCH_DISTANCE_PARTS=openLoop,storm,failover,replicas: only those (to work on one); the others' targets read "not measured".
  const parts = new Set((process.env.BENCH_DISTANCE_PARTS ?? 'openLoop,storm,failover,replicas').split(','));
  try {
    // (i) Open-loop acks during the storm.
    const openLoop: Record<string, Awaited<ReturnType<typeof openLoopCapped>> & { statements?: number; startedAfterSeconds?: number; pollWriting?: boolean }> = {};
    const runs: [string, string[], number | undefined][] = [
      ['bare', ['--bare'], undefined],
      ['sqlite', ['--storm'], undefined],
      ...[1, 5].map((d): [string, string[], number] => [label(d), ['--storm'], d]),
    ];
    for (const [name, args, delayMs] of parts.has('openLoop') ? runs : []) {
      const env: Record<string, string> = {};
      const url = delayMs === undefined ? undefined : await freshDatabase(cluster.adminUrl, 'bench');
      if (delayMs !== undefined && url) {
        await proxy.setDelay(delayMs, delayMs * JITTER);
        env.BENCH_DATABASE_URL = proxy.url(url);
      }
      const child = await startChild(args, env);
      try {
        // SQLite's poll is over in about 2 s: its loop starts at once, as bench/ack.ts's does. On PostgreSQL, once the poll writes.
        const writing = url ? await stormWriting(url, LIMITS.stormWritingCapMs) : undefined;
        const before = (await proxy.stats()).statementChunks;
        openLoop[name] = { ...(await openLoopCapped([child], LIMITS.rate, LIMITS.seconds, LIMITS.openLoopGraceMs)), ...(writing ?? {}) };
        if (delayMs !== undefined) openLoop[name]!.statements = (await proxy.stats()).statementChunks - before;
      } finally {
        await stop(child);
      }
      log(`open loop ${name}: ${JSON.stringify(openLoop[name])}`);
    }

    // (ii, iii) The storm's poll and final state: SQLite, and PostgreSQL at 1 ms and at 5 ms.
    const storm: Record<string, StormFigures> = {};
    if (parts.has('storm')) {
      storm.sqlite = await stormIn(':memory:', LIMITS.stormCapMs.sqlite);
      log(`storm sqlite: ${JSON.stringify(storm.sqlite)}`);
      for (const d of [1, 5] as const) {
        await proxy.setDelay(d, d * JITTER);
        const url = await freshDatabase(cluster.adminUrl, 'bench');
        const before = (await proxy.stats()).statementChunks;
        storm[label(d)] = { ...(await stormIn(proxy.url(url), LIMITS.stormCapMs[d], url)), statements: (await proxy.stats()).statementChunks - before };
        log(`storm ${label(d)}: ${JSON.stringify(storm[label(d)])}`);
      }
    }

    // (iv) Failover with two replicas at 5 ms.
    const failover5 = parts.has('failover') ? await failover(proxy, cluster.adminUrl, 5) : undefined;
    if (failover5) log(`failover: ${JSON.stringify(failover5)}`);

    // (v) Two replicas' acks next to one replica's, at 5 ms.
    const replicas5 = parts.has('replicas') ? await ackOnReplicas(proxy, cluster.adminUrl, 5, Math.max(1, Math.floor(Number(process.env.BENCH_REPLICA_ROUNDS)) || 4)) : undefined;
    if (replicas5) log(`replicas: ${JSON.stringify(replicas5)}`);

    const ol = openLoop;
    const answeredAll = (k: string) => ol[k] !== undefined && ol[k].neverAcked === 0 && ol[k].non200 === 0;
    const p99 = (k: string) => ol[k]?.p99Ms ?? Number.NaN; // NaN: not measured (every comparison false)
    const pollMs = (k: string) => storm[k]?.pollMs ?? Number.NaN;
    const targets: { name: string; value: number | null; limit: number | null; met: boolean }[] = [
      {
        name: 'ack p99 during the storm at 5 ms ≤ 2 × SQLite and < 500 ms, every command acknowledged',
        value: ol.pg5ms?.p99Ms ?? null,
        limit: ol.sqlite ? Math.min(2 * p99('sqlite'), 500) : null,
        met: answeredAll('pg5ms') && p99('pg5ms') <= 2 * p99('sqlite') && p99('pg5ms') < 500,
      },
      {
        name: "poll time at 1 ms ≤ 2 × SQLite's",
        value: storm.pg1ms?.pollMs ?? null,
        limit: storm.sqlite?.pollMs !== undefined ? 2 * storm.sqlite.pollMs : null,
        met: pollMs('pg1ms') <= 2 * pollMs('sqlite'),
      },
      {
        name: "final state at Slack's pace at 5 ms ≤ 1.25 × (posts × 1 s) (the storm scenario's target)",
        value: storm.pg5ms?.finalStateSeconds ?? null,
        limit: storm.pg5ms?.finalStateTargetSeconds ?? storm.sqlite?.finalStateTargetSeconds ?? null,
        met: storm.pg5ms?.finished === true && storm.pg5ms.finalStateSeconds! <= storm.pg5ms.finalStateTargetSeconds!,
      },
      {
        name: 'failover at 5 ms: the survivor holds the lease ≤ 30 s after the leader is SIGKILLed',
        value: failover5?.leaseTakenSeconds ?? null,
        limit: 30,
        met: (failover5?.leaseTakenSeconds ?? Number.POSITIVE_INFINITY) <= 30,
      },
      {
        name: 'through the leader kill at 5 ms: every card posted, 0 duplicate and 0 missing cards, one digest',
        value: failover5?.duplicateCardPosts ?? null,
        limit: 0,
        met: failover5?.finished === true && failover5.duplicateCardPosts === 0 && failover5.missingCards === 0 && failover5.digests === 1,
      },
      {
        name: `two replicas' ack p99 ≤ one replica's at 5 ms (the same traffic, 40 requests a second in an open loop, to one then spread over two, every request of ${replicas5?.rounds ?? 4} rounds taken together; the closed loop's too)${floorNote(replicas5)}`,
        value: replicas5?.twoReplicas.openLoop.p99Ms ?? null,
        limit: replicas5?.oneReplica.openLoop.p99Ms ?? null,
        met:
          replicas5 !== undefined &&
          (['openLoop', 'closedLoop'] as const).every(
            (k) => replicas5.twoReplicas[k].neverAcked === 0 && replicas5.oneReplica[k].neverAcked === 0 && replicas5.twoReplicas[k].p99Ms <= replicas5.oneReplica[k].p99Ms,
          ),
      },
      {
        name: 'on SQLite, open-loop ack p99 during the storm ≤ 2 × bare Bolt',
        value: ol.sqlite?.p99Ms ?? null,
        limit: ol.bare ? 2 * p99('bare') : null,
        met: answeredAll('sqlite') && p99('sqlite') <= 2 * p99('bare'),
      },
    ];
    return {
      settings: { ...LIMITS, jitter: `± ${JITTER * 100} % of the delay, each way`, distances: 'ms added each way between the bot and PostgreSQL', parts: [...parts] },
      openLoop,
      storm,
      failover: failover5,
      replicas: replicas5,
      targets,
      wallSeconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    await proxy.close();
    cluster.stop();
  }
}
