/**
 * Start a benchmark child process and talk to it line by line. The child runs as production does:
 * compiled JavaScript (built once per benchmark run into bench/.build) under the Node flags of
 * `npm run start:prod`, not through tsx.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

let built = false;
function buildOnce(): void {
  if (built) return;
  execFileSync(process.execPath, ['scripts/build.mjs', 'bench/.build', 'tsconfig.bench.json'], { stdio: 'inherit' });
  built = true;
}

/** The Node flags production runs with: those of `npm run start:prod` (`node <flags> dist/main.js`). */
export function productionNodeFlags(): string[] {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'] ?? '';
  const words = script.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('dist/main.js'));
}

export interface Child {
  info: { port: number; signingSecret: string; slackUrl: string; readyMs: number; studio?: { url: string; accessToken: string } };
  /** Wall time from spawn to the ready line, ms. */
  spawnToReadyMs: number;
  rss(): Promise<number>;
  /** The highest RSS the child has seen (sampled every 100 ms). */
  peakRss(): Promise<number>;
  /** When each response_url answer arrived (by the id in its URL), and the Web API calls by path. */
  answers(): Promise<{ answeredAt: Record<string, number>; apiCalls: Record<string, number> }>;
  /** Resolves once the bot has finished all work its requests started. */
  idle(): Promise<void>;
  /** Alert cards in the bot's database, those not posted yet, and the lease holder (`--alerts`). */
  cards(): Promise<{ cards: number; unposted: number; leader?: string }>;
  /** Send `signal` (a replica SIGKILLed mid-burst); `exited` resolves once the process is gone. */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<void>;
  stop(): void;
}

export async function startChild(args: string[], env: Record<string, string> = {}): Promise<Child> {
  buildOnce();
  const t0 = Date.now();
  // BENCH_CPU_PROF=<dir>: each child writes a V8 CPU profile there (open it in Chrome's DevTools).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const argv = [...productionNodeFlags(), ...prof, 'bench/.build/bench/bot-process.js', ...args];
  // env.BENCH_CPUS=<list>: the child (every thread of it) runs only on those CPUs (taskset), as if on a host of its own.
  const pinned = env.BENCH_CPUS ? (['taskset', ['-c', env.BENCH_CPUS, process.execPath, ...argv]] as const) : ([process.execPath, argv] as const);
  const p: ChildProcess = spawn(pinned[0], [...pinned[1]], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  const lines = createInterface({ input: p.stdout! });
  const waiting: ((l: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise<string>((r) => waiting.push(r));
  const info = JSON.parse(await next()) as Child['info'];
  return {
    info,
    spawnToReadyMs: Date.now() - t0,
    rss: async () => {
      p.stdin!.write('rss\n');
      return (JSON.parse(await next()) as { rss: number }).rss;
    },
    peakRss: async () => {
      p.stdin!.write('peak\n');
      const r = JSON.parse(await next()) as { peakRss: number; atPeak: Record<string, number>; maxWaiting: number; stalls: Record<string, number> };
      if (process.env.BENCH_DEBUG) process.stderr.write(`peak: ${JSON.stringify(r.atPeak)}; most work waiting at once: ${r.maxWaiting}; stalls: ${JSON.stringify(r.stalls)}\n`);
      return r.peakRss;
    },
    answers: async () => {
      p.stdin!.write('answers\n');
      return JSON.parse(await next()) as { answeredAt: Record<string, number>; apiCalls: Record<string, number> };
    },
    idle: async () => {
      p.stdin!.write('idle\n');
      await next();
    },
    cards: async () => {
      p.stdin!.write('cards\n');
      return JSON.parse(await next()) as { cards: number; unposted: number; leader?: string };
    },
    kill: (signal) => {
      p.kill(signal);
    },
    exited,
    stop: () => {
      p.stdin!.end();
      p.kill();
    },
  };
}
