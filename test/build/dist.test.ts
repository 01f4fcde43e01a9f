/**
 * The production build: `npm run build` compiles to dist/, and `node dist/main.js` (with the flags
 * of `npm run start:prod`) starts on the embedded defaults, finding knowledge/ and manifest.yml
 * from the package root rather than beside the compiled files; it is alive, ready, and its metrics
 * (Prometheus text) count what a person does.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function startProd(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod']!;
  const [node, ...args] = script.split(/\s+/);
  expect(node).toBe('node');
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`node dist/main.js exited with ${code}: ${err}`)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^Playground: (http:\/\/\S+)/.exec(l);
      if (m) resolve({ child, url: m[1]! });
    });
  });
}

/** Prometheus text to samples by `name{labels}` (as printed); throws on a line that is not a sample, HELP or TYPE. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

describe('the production build', () => {
  it('builds dist/ and starts node dist/main.js on the embedded defaults', { timeout: 120_000 }, async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'pipe' });
    expect(existsSync('dist/main.js')).toBe(true);
    expect(existsSync('dist/src/main.js')).toBe(true);
    expect(existsSync('dist/knowledge')).toBe(false); // read from the package root, not copied
    const { url } = await startProd({ PORT: '0', DATABASE_PATH: ':memory:', LOG_LEVEL: 'warn' });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { ok: true, checks: { database: 'ok', alerts: 'ok', studio: 'ok', slack: 'ok' } } });
    const before = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
    // A person types /cz whoami in the playground; the counter of that subcommand moves.
    const typed = await fetch(`${url}/ui/command`, { method: 'POST', body: JSON.stringify({ user: 'U0ADMIN', channel: 'C0DATAENG', text: '/cz whoami' }) });
    expect(await typed.json()).toEqual({ ok: true, status: 200 });
    const key = 'studio_ops_interactions_total{kind="command",name="whoami",outcome="ok"}';
    let after = before;
    for (let i = 0; i < 50 && (after.get(key) ?? 0) <= (before.get(key) ?? 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
    }
    expect(after.get(key)).toBe((before.get(key) ?? 0) + 1);
    expect(after.get('studio_ops_ack_seconds_count{kind="command"}')).toBeGreaterThanOrEqual(1);
    // The playground offers the manifest's message shortcuts: manifest.yml was found.
    const state = (await (await fetch(`${url}/ui/state?user=U0ADMIN`)).json()) as { shortcuts: { callback_id: string }[] };
    expect(state.shortcuts.length).toBeGreaterThan(0);
  });

  it('emits the diagnosis worker and finds it from the compiled pool; an idle worker does not keep the process alive', { timeout: 120_000 }, () => {
    if (!existsSync('dist/src/knowledge/diagnosis-pool.js')) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'pipe' });
    expect(existsSync('dist/src/knowledge/diagnosis-worker.js')).toBe(true);
    const script = `
      const { DiagnosisPool } = await import('./dist/src/knowledge/diagnosis-pool.js');
      const { loadKnowledge } = await import('./dist/src/knowledge/load.js');
      const pool = new DiagnosisPool(loadKnowledge().errors);
      const d = await pool.diagnose('[INFO] fine\\n'.repeat(5000) + 'ERROR CZLH-42000: syntax error near FORM');
      console.log(JSON.stringify({ top: d.findings[0]?.entry.id, complete: d.coverage.complete, workers: pool.stats.workers }));`;
    // No close(): the process must end by itself once the diagnosis is answered.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out)).toEqual({ top: 'engine.sql_syntax', complete: true, workers: 1 });
  });
});
