/**
 * Redaction speed (issue 27): a 1 MB log (the diagnosis corpus's lines, one in ten carrying a
 * generated secret), 1 MB single lines built to make a careless pattern backtrack, and the strings
 * of one Slack message at the boundary. Each is timed with the structural and entropy pass alone
 * (synchronous) and with the maintained rule set too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { redact, redactAllWithRuleSet, redactWithRuleSet } from '../src/redaction/index.js';
import { generateCases } from '../test/fixtures/secrets/generated.js';

const MB = 1_000_000;
const LOGS = join(import.meta.dirname, '../test/fixtures/logs');

function realisticLog(): string {
  const ordinary = readdirSync(LOGS)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => readFileSync(join(LOGS, f), 'utf8').split('\n'))
    .filter(Boolean);
  const secrets = generateCases().map((c) => c.text);
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < MB; i++) {
    const line = i % 10 === 0 ? secrets[i % secrets.length]! : ordinary[i % ordinary.length]!;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n').slice(0, MB);
}

const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

/** 1 MB lines that would make a backtracking pattern quadratic. */
const ADVERSARIAL: Record<string, string> = {
  'key=value, no spaces': fill('password=ab,'),
  'key="… never closed': fill('key="'),
  'BEGIN PRIVATE KEY, no END': fill('-----BEGIN PRIVATE KEY-----\n'),
  'END PRIVATE KEY, no BEGIN': fill('QUFBQUFBQUFBQUFBQUFBQQ==\n-----END PRIVATE KEY-----\n'),
  'URLs with credentials': fill('https://a:b@h/x?token=1&'),
  '-p flags on one line': fill('mysql -u a -p x '),
  'one base64 token': fill('AbC1+/xYz9'),
  'dashes and letters': fill('-a-b'),
};

async function timed(f: () => unknown): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** Best of three, after a warm-up run. */
async function best(f: () => unknown): Promise<number> {
  await f();
  const runs = [await timed(f), await timed(f), await timed(f)];
  return Math.round(Math.min(...runs));
}

export async function runRedactionBench() {
  const log = realisticLog();
  const logSyncMs = await best(() => redact(log));
  const logWithRulesMs = await best(() => redactWithRuleSet(log));
  const adversarial: Record<string, { syncMs: number; withRulesMs: number }> = {};
  for (const [name, text] of Object.entries(ADVERSARIAL)) adversarial[name] = { syncMs: await best(() => redact(text)), withRulesMs: await best(() => redactWithRuleSet(text)) };
  const worstLineMs = Math.max(...Object.values(adversarial).map((a) => Math.max(a.syncMs, a.withRulesMs)));
  // One Slack message: 40 strings, a few with secrets in them.
  const cases = generateCases();
  const message = [
    ...cases.slice(0, 10).map((c) => c.text.slice(0, 300)),
    ...Array.from({ length: 30 }, (_, i) => `:x: run 70000${i} failed · business date 2026-11-20 · <https://x.app.clickzetta.com/ops/taskInst/70000${i}|open>`),
  ];
  const times: number[] = [];
  for (let i = 0; i < 200; i++) times.push(await timed(() => redactAllWithRuleSet(message)));
  times.sort((a, b) => a - b);
  const messageP99Ms = Math.round(times[Math.floor(times.length * 0.99)]! * 10) / 10;
  return { logBytes: log.length, logSyncMs, logWithRulesMs, worstLineMs, messageP99Ms, adversarial };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runRedactionBench();
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
