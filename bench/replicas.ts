/**
 * The store engines and replicas (issue 19): the ack and storm scenarios on PostgreSQL next to
 * SQLite, and on two replicas next to one.
 *  - engines: the ack load (bench/ack.ts: 3,000 signed requests at concurrency 50, after a warm-up)
 *    against one bot on SQLite and one on PostgreSQL; the storm scenario (bench/storm.ts: 5,000
 *    failures, one poll, the sender at Slack's pace on a virtual clock) on each engine.
 *  - replicas: one Studio (a sandbox process) and one PostgreSQL database; the ack load on one bot,
 *    then spread over two; a 5,000-failure storm polled and posted by one bot, then by two (the
 *    lease holder alone polls and sends): the Slack calls made and the time until every card is
 *    posted (40 ms between posts: the fake Slack has no rate limit).
 * PostgreSQL is a throw-away cluster (test/helpers/pg-cluster.ts); without one the scenario says why.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { freshDatabase, startCluster } from '../test/helpers/pg-cluster.js';
import { load, percentile } from './ack.js';
import { type Child, startChild } from './child.js';
import { runStormBench } from './storm.js';

const round = (x: number) => Math.round(x * 100) / 100;

/** The sandbox (or `script`'s variant of it) in a process of its own: its JSON line, and how to stop it. */
export async function sandbox(script: string[]): Promise<{ json: string; stop(): void }> {
  const p = spawn(process.execPath, ['--import', 'tsx', ...script], { stdio: ['ignore', 'pipe', 'inherit'] });
  setPriority(p.pid!, 19); // Studio is remote in production: here it takes what the bots leave
  const [line] = (await once(createInterface({ input: p.stdout! }), 'line')) as [string];
  return { json: line, stop: () => p.kill() };
}

async function ackOf(children: Child[]): Promise<{ p50: number; p99: number; seconds: number }> {
  await load(children); // warm-up
  for (const c of children) await c.idle();
  const t = Date.now();
  const l = await load(children);
  for (const c of children) await c.idle();
  return { p50: round(percentile(l, 50)), p99: round(percentile(l, 99)), seconds: round((Date.now() - t) / 1000) };
}

async function withChildren<T>(envs: Record<string, string>[], args: string[], fn: (c: Child[]) => Promise<T>): Promise<T> {
  const children: Child[] = [];
  try {
    for (const env of envs) children.push(await startChild(args, env));
    return await fn(children);
  } finally {
    for (const c of children) c.stop();
  }
}

/** Storm on `n` replicas: until every card is posted; Slack calls summed over the replicas' Slack stand-ins. */
async function stormOn(n: number, url: string): Promise<{ cards: number; posts: number; updates: number; allPostedSeconds: number; leader?: string }> {
  const sb = await sandbox(['bench/storm-sandbox.ts']);
  try {
    const envs = Array.from({ length: n }, (_, i) => ({ BENCH_DATABASE_URL: url, BENCH_REPLICA_ID: `r${i + 1}`, BENCH_STUDIO: sb.json, BENCH_MIN_SEND_MS: '40' }));
    return await withChildren(envs, ['--alerts'], async (children) => {
      const t = Date.now();
      let state = await children[0]!.cards();
      while (!(state.cards > 0 && state.unposted === 0)) {
        if (Date.now() - t > 300_000) throw new Error(`storm on ${n} replica(s): cards still unposted after 300 s (${JSON.stringify(state)})`);
        await new Promise((r) => setTimeout(r, 200));
        state = await children[0]!.cards();
      }
      const allPostedSeconds = round((Date.now() - t) / 1000);
      let posts = 0;
      let updates = 0;
      for (const c of children) {
        const { apiCalls } = await c.answers();
        posts += apiCalls['/api/chat.postMessage'] ?? 0;
        updates += apiCalls['/api/chat.update'] ?? 0;
      }
      return { cards: state.cards, posts, updates, allPostedSeconds, leader: state.leader };
    });
  } finally {
    sb.stop();
  }
}

export async function runReplicaBench(): Promise<Record<string, unknown> & { skipped?: string }> {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  try {
    cluster = await startCluster();
  } catch (e) {
    return { skipped: `no PostgreSQL: ${(e as Error).message}` };
  }
  try {
    // The ack load, SQLite next to PostgreSQL (one bot, its Studio in a process of its own).
    const ackSqlite = await withChildren([{}], ['--studio-process'], ackOf);
    const ackPostgres = await withChildren([{ BENCH_DATABASE_URL: await freshDatabase(cluster.adminUrl, 'bench') }], ['--studio-process'], ackOf);
    // The storm scenario on each engine.
    const stormSqlite = await runStormBench();
    const stormPostgres = await runStormBench(await freshDatabase(cluster.adminUrl, 'bench'));
    const storm = (r: Awaited<ReturnType<typeof runStormBench>>) => ({
      cards: r.cards,
      lost: r.lost,
      apiCalls: r.apiCalls,
      pollMs: r.pollMs,
      digestSeconds: r.digestSeconds,
      finalStateSeconds: r.finalStateSeconds,
    });
    // One replica next to two, on one PostgreSQL database and one Studio.
    const sb = await sandbox(['src/sandbox/cli.ts', '--port', '0']);
    let ackOne: Awaited<ReturnType<typeof ackOf>>;
    let ackTwo: Awaited<ReturnType<typeof ackOf>>;
    try {
      const url1 = await freshDatabase(cluster.adminUrl, 'bench');
      ackOne = await withChildren([{ BENCH_DATABASE_URL: url1, BENCH_REPLICA_ID: 'r1', BENCH_STUDIO: sb.json }], [], ackOf);
      const url2 = await freshDatabase(cluster.adminUrl, 'bench');
      ackTwo = await withChildren(
        ['r1', 'r2'].map((id) => ({ BENCH_DATABASE_URL: url2, BENCH_REPLICA_ID: id, BENCH_STUDIO: sb.json })),
        [],
        ackOf,
      );
    } finally {
      sb.stop();
    }
    const stormOne = await stormOn(1, await freshDatabase(cluster.adminUrl, 'bench'));
    const stormTwo = await stormOn(2, await freshDatabase(cluster.adminUrl, 'bench'));
    return {
      ack: { sqlite: ackSqlite, postgres: ackPostgres, oneReplica: ackOne, twoReplicas: ackTwo },
      storm: { sqlite: storm(stormSqlite), postgres: storm(stormPostgres), oneReplica: stormOne, twoReplicas: stormTwo },
    };
  } finally {
    cluster.stop();
  }
}
