/**
 * The bot's worker threads (the diagnosis pool, the store threads) start under the Node flags
 * production runs with (`npm run start:prod`: `--max-old-space-size`, which Node refuses in a
 * worker's execArgv). Before the fix every log longer than the inline limit failed to diagnose there.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** The flags between `node` and the entry in package.json's start:prod. */
function productionFlags(): string[] {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'] ?? '';
  const words = script.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, -1);
}

it('a long log is diagnosed in a worker under production’s Node flags', { timeout: 60_000 }, () => {
  const flags = productionFlags();
  expect(flags.some((f) => f.startsWith('--max-old-space-size'))).toBe(true);
  const script = `
    import { DiagnosisPool } from './src/knowledge/diagnosis-pool.ts';
    import { loadKnowledge } from './src/knowledge/load.ts';
    const pool = new DiagnosisPool(loadKnowledge().errors);
    const log = 'INFO step\\n'.repeat(3000) + 'ERROR SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION: task has children\\n';
    const d = await pool.diagnose(log, {});
    console.log(JSON.stringify({ top: d.findings[0]?.entry.id ?? null }));
    await pool.close();`;
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
  expect(r.stderr).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).top).toBeTruthy();
});
