/**
 * A bot for the benchmarks, in its own process: the sandbox as Studio, a minimal Slack Web API
 * that answers ok (and notes when each response_url answer arrived), and the real bot (HTTP
 * receiver). Prints one JSON line when ready. `--bare` starts a bare Bolt app with a trivial /cz
 * handler instead (the baseline). `--storm`: the sandbox process holds a 5,000-failure storm and
 * the bot's alert poller runs (at its default interval) while it is measured. `BENCH_WORK=N` sets
 * the bot's work-after-ack slots (default 8), to compare. For the replica benchmarks (bench/replicas.ts):
 * BENCH_DATABASE_URL runs the bot on PostgreSQL (BENCH_REPLICA_ID names the replica), BENCH_STUDIO
 * (the sandbox's JSON line) shares one Studio between several bots, `--alerts` polls it and posts
 * cards to CSTORM at BENCH_MIN_SEND_MS between posts, and `cards` answers how many are posted.
 * BENCH_SLACK_API_URL sends the Web API calls to a Slack stand-in outside (one that several replicas
 * share and that outlives a killed one: bench/distance.ts counts each card's posts there).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { App } from '@slack/bolt';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startBot } from '../src/bot.js';
import { connectStudio } from '../src/studio-connection.js';

const started = Date.now();
const bare = process.argv.includes('--bare');
const signingSecret = randomBytes(16).toString('hex');

// A Slack stand-in that accepts everything (auth.test, chat.*, response_url).
const answeredAt = new Map<string, number>();
const apiCalls: Record<string, number> = {};
const slack = createServer((req, res) => {
  const path = req.url ?? '';
  if (path.startsWith('/response/')) {
    const id = path.slice('/response/'.length);
    if (!answeredAt.has(id)) answeredAt.set(id, Date.now());
  } else apiCalls[path] = (apiCalls[path] ?? 0) + 1;
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', ts: '1.1', channel: 'C1', view: { id: 'V1', hash: 'h' } }));
  });
});
await new Promise<void>((r) => slack.listen(0, '127.0.0.1', r));
const slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}`;

const storm = process.argv.includes('--storm');

async function sandboxProcess(): Promise<Record<string, string>> {
  const script = storm ? ['bench/storm-sandbox.ts'] : ['src/sandbox/cli.ts', '--port', '0'];
  const p = spawn(process.execPath, ['--import', 'tsx', ...script], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => p.kill());
  // Studio is a remote service with its own machines: here it shares this one's two cores, so it
  // runs at the lowest priority and takes what the bot and the load generator leave.
  setPriority(p.pid!, 19);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
  const [line] = (await once(createInterface({ input: p.stdout! }), 'line')) as [string];
  const s = JSON.parse(line) as { url: string; accessToken: string; instance: string; workspace: string };
  return { STUDIO_URL: s.url, STUDIO_ACCESS_TOKEN: s.accessToken, STUDIO_INSTANCE: s.instance, STUDIO_WORKSPACE: s.workspace };
}

let port: number;
/** The sandbox's address and admin token, when it runs in its own process (benchmarks set run logs through it). */
let studioAdmin: { url: string; accessToken: string } | undefined;
let workStats: () => { running: number; waiting: number } = () => ({ running: 0, waiting: 0 });
let cardsPosted: () => Record<string, unknown> = () => ({});
/** Resolves once no listener work is running or waiting (the bare app has none). */
let idle = async () => {};
if (bare) {
  const app = new App({ token: 'xoxb-bench', signingSecret, clientOptions: { slackApiUrl: `${slackUrl}/api/` } });
  app.command('/cz', async ({ ack }) => {
    await ack();
  });
  app.action(/.*/, async ({ ack }) => {
    await ack();
  });
  const server = (await app.start(0)) as unknown as { address(): AddressInfo };
  port = server.address().port;
} else {
  // `--studio-process`: the sandbox runs in its own process, as Studio is a remote service in
  // production, so its work does not share the bot's event loop. Otherwise it is embedded.
  const shared = process.env.BENCH_STUDIO ? (JSON.parse(process.env.BENCH_STUDIO) as { url: string; accessToken: string; instance: string; workspace: string }) : undefined;
  const studioEnv = shared
    ? { STUDIO_URL: shared.url, STUDIO_ACCESS_TOKEN: shared.accessToken, STUDIO_INSTANCE: shared.instance, STUDIO_WORKSPACE: shared.workspace }
    : process.argv.includes('--studio-process') || storm
      ? await sandboxProcess()
      : {};
  const alerts = storm || process.argv.includes('--alerts');
  const alertEnv = alerts ? { ALERT_CHANNELS: '*=CSTORM' } : {}; // the default poll interval (60 s): the first poll takes the storm in while the load runs
  const pgEnv = process.env.BENCH_DATABASE_URL
    ? { DATABASE_URL: process.env.BENCH_DATABASE_URL, AUDIT_KEY: 'b'.repeat(64), REPLICA_ID: process.env.BENCH_REPLICA_ID ?? 'bench' }
    : {};
  const config = loadConfig({
    ...pgEnv,
    DATABASE_PATH: ':memory:',
    LOG_LEVEL: 'silent',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: process.env.BENCH_SLACK_API_URL ?? `${slackUrl}/api/`,
    PORT: '0',
    ...studioEnv,
    ...alertEnv,
  });
  if (studioEnv.STUDIO_URL) studioAdmin = { url: studioEnv.STUDIO_URL, accessToken: studioEnv.STUDIO_ACCESS_TOKEN! };
  const studio = await connectStudio(config, createLogger('silent'));
  const bot = await startBot(config, studio.client, createLogger('silent'), {
    autoPoll: alerts,
    workConcurrency: process.env.BENCH_WORK ? Number(process.env.BENCH_WORK) : undefined,
    minSendIntervalMs: process.env.BENCH_MIN_SEND_MS ? Number(process.env.BENCH_MIN_SEND_MS) : undefined,
  });
  cardsPosted = () => {
    const db = bot.services.db;
    return {
      cards: (db.prepare('SELECT COUNT(*) AS n FROM alert_cards').get() as { n: number }).n,
      unposted: (db.prepare('SELECT COUNT(*) AS n FROM alert_cards WHERE ts IS NULL').get() as { n: number }).n,
      leader: bot.services.alerts ? (db.prepare("SELECT holder FROM leases WHERE name = 'leader'").get() as { holder: string } | undefined)?.holder : undefined,
    };
  };
  port = bot.port;
  workStats = () => bot.work.stats;
  // Idle for a whole second: a request the front door acknowledged may still be on its way to the
  // bot's server (a hop of a few ms, longer while the bot's thread is busy), not yet counted as work.
  idle = async () => {
    let quietSince = Date.now();
    while (Date.now() - quietSince < 1000) {
      if (bot.work.stats.running + bot.work.stats.waiting > 0) quietSince = Date.now();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
}
process.stdout.write(`${JSON.stringify({ port, signingSecret, slackUrl, readyMs: Date.now() - started, studio: studioAdmin })}\n`);
// The peak RSS, sampled every 100 ms (asked for with `peak`).
let peakRss = process.memoryUsage.rss();
let atPeak: Record<string, number> = { ...process.memoryUsage() };
let maxWaiting = 0;
// What stalls the event loop (shown with BENCH_DEBUG): its delay, and garbage-collection pauses.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const gcPauses: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push(e.duration);
}).observe({ entryTypes: ['gc'] });
function stalls(): Record<string, number> {
  const long = gcPauses.filter((d) => d > 50);
  return {
    loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6),
    loopDelayMaxMs: Math.round(loopDelay.max / 1e6),
    gcCount: gcPauses.length,
    gcOver50Ms: long.length,
    gcMaxMs: Math.round(Math.max(0, ...gcPauses)),
    gcTotalMs: Math.round(gcPauses.reduce((a, b) => a + b, 0)),
  };
}
setInterval(() => {
  const rss = process.memoryUsage.rss();
  maxWaiting = Math.max(maxWaiting, workStats().waiting);
  if (rss > peakRss) {
    peakRss = rss;
    atPeak = { ...process.memoryUsage(), workWaiting: workStats().waiting }; // what the peak is made of
  }
}, 100).unref();
process.stdin.on('data', (d) => {
  if (String(d).includes('rss')) process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss })}\n`);
  if (String(d).includes('peak')) process.stdout.write(`${JSON.stringify({ peakRss, atPeak, maxWaiting, stalls: stalls() })}\n`);
  if (String(d).includes('answers')) process.stdout.write(`${JSON.stringify({ answeredAt: Object.fromEntries(answeredAt), apiCalls })}\n`);
  if (String(d).includes('cards')) process.stdout.write(`${JSON.stringify(cardsPosted())}\n`);
  if (String(d).includes('idle')) void idle().then(() => process.stdout.write(`${JSON.stringify({ idle: true })}\n`));
});
process.stdin.on('end', () => process.exit(0));
