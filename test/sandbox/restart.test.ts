/**
 * A sandbox restarted on its file is the same sandbox (issue 33, defect 4): the Lakehouse's
 * refresh history keeps its jobs (same ids, same outcomes), a table someone refreshed by hand
 * stays fixed, and it listens where it did so links already posted still open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/sandbox/sim.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { DEMO_NOW } from '../helpers/sandbox.js';

const dirs: string[] = [];
const running: RunningSandbox[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(db: string, clock: ManualClock): Promise<RunningSandbox> {
  const sb = await startSandbox({ clock, seed: 'demo', db, runDurationMs: [60_000, 60_000] });
  running.push(sb);
  return sb;
}

const HISTORY = 'SHOW DYNAMIC TABLE REFRESH HISTORY';
type Row = { job_id: string; name: string; state: string; start_time: string };

/** The history as a client asking now sees it (a job runs the refreshes due first). */
function history(sb: RunningSandbox): Row[] {
  sb.lakehouse.advance();
  const r = sb.lakehouse.execute(HISTORY);
  const at = (k: string) => r.fields.findIndex((f) => f.name === k);
  return r.rows.map((row) => ({ job_id: String(row[at('job_id')]), name: String(row[at('name')]), state: String(row[at('state')]), start_time: String(row[at('start_time')]) }));
}

describe('a sandbox restarted on its file', () => {
  it('keeps the refresh history, the fix someone made, and its address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-restart-'));
    dirs.push(dir);
    const db = join(dir, 'sandbox.db');
    const clock = new ManualClock(DEMO_NOW);
    const first = await start(db, clock);
    const failedBefore = history(first).filter((h) => h.state === 'FAILED');
    expect(failedBefore.some((h) => h.name === 'user_retention')).toBe(true);
    // Someone presses Refresh now on the retention table (its queue failure clears on a manual refresh).
    clock.advance(10 * 60_000);
    first.lakehouse.execute('REFRESH DYNAMIC TABLE ecommerce_dws.user_retention');
    clock.advance(2 * 3_600_000);
    const before = history(first);
    const url = first.url;
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await start(db, clock);
    const after = history(second);
    // The same jobs, with the same ids and outcomes: none new, none lost.
    expect(after.map((h) => `${h.job_id} ${h.name} ${h.state}`).sort()).toEqual(before.map((h) => `${h.job_id} ${h.name} ${h.state}`).sort());
    // The retention table refreshes fine since the manual refresh, after the restart too (the history is newest first).
    clock.advance(3_600_000);
    const later = history(second).filter((h) => h.name === 'user_retention' && h.start_time > before.find((b) => b.name === 'user_retention')!.start_time);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((h) => h.state === 'SUCCEED')).toBe(true);
    expect(second.url).toBe(url);
  });
});
