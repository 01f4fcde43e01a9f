/** Start the sandbox on loopback with a manual clock, and a real StudioClient pointed at it. */
import { afterAll, beforeAll } from 'vitest';
import type { AuditedWrite, IterationDeps } from '../../src/iterate/steps.js';
import { LakehouseSql } from '../../src/lakehouse/client.js';
import { ManualClock } from '../../src/sandbox/sim.js';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import { StudioClient, type StudioClientOptions } from '../../src/studio/client.js';
import type { SandboxStore } from '../../src/sandbox/store.js';

/** A fixed "now" for the demo workspace: Saturday 2026-11-21 10:00 UTC. */
export const DEMO_NOW = Date.parse('2026-11-21T10:00:00Z');

export interface SandboxHarness {
  sb: RunningSandbox;
  client: StudioClient;
  clock: ManualClock;
  /** Requests the sandbox received on `path`. */
  requests(path: string): RunningSandbox['journal'];
  close(): Promise<void>;
}

/**
 * The file's harness: started before its tests, closed after them. What it returns stands for the
 * harness (read it inside tests and hooks, once it has started).
 */
export function useSandboxHarness(sandboxOpts: SandboxOptions = {}): SandboxHarness {
  let h: SandboxHarness | undefined;
  beforeAll(async () => {
    h = await startHarness(sandboxOpts);
  });
  afterAll(async () => {
    await h?.close();
  });
  return new Proxy({} as SandboxHarness, {
    get: (_, key) => {
      if (!h) throw new Error('the sandbox harness is read before it started (use it inside a test or a hook)');
      return h[key as keyof SandboxHarness];
    },
  });
}

export async function startHarness(sandboxOpts: SandboxOptions = {}, clientOpts: Partial<StudioClientOptions> = {}): Promise<SandboxHarness> {
  const clock = new ManualClock(DEMO_NOW);
  const sb = await startSandbox({ clock, seed: 'demo', runDurationMs: [60_000, 60_000], ...sandboxOpts });
  const client = new StudioClient({
    baseUrl: sb.url,
    accessToken: sb.accessToken,
    instance: sb.instance,
    workspace: sb.workspace,
    timeoutMs: 2_000,
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 },
    now: () => clock.now(),
    ...clientOpts,
  });
  return {
    sb,
    client,
    clock,
    requests: (path) => sb.journal.filter((e) => e.path === path),
    close: async () => {
      await client.close();
      await sb.close();
    },
  };
}

/**
 * A burst of failed scheduled runs of `task` in the sandbox, ended a minute ago: run i fails with
 * `message(i)` (failures group by task and message, digits ignored: vary letters to make groups).
 */
/** `count` failed runs of `taskName`, the i-th ending at `now - 60 s + i` ms; returns their ids. */
export function insertFailedRuns(store: SandboxStore, taskName: string, count: number, message: (i: number) => string, now = Date.now()): number[] {
  const task = store.taskByName(taskName)!;
  const ids: number[] = [];
  for (let i = 0; i < count; i++)
    ids.push(
      store.insertRun({
        task_id: task.id,
        instance_type: 1,
        status: 3,
        plan_time: now - 300_000,
        ready_at: now - 300_000,
        trigger_time: now - 300_000,
        start_time: now - 280_000,
        end_time: now - 60_000 + i,
        fail_type: 'RUNTIME_ERROR',
        fail_msg: message(i),
        executor: 'scheduler',
        vc_code: task.vc_code,
        biz_date: '2026-11-21',
        duration_ms: 60_000,
        attempts: 1,
      }),
    );
  return ids;
}

/** Two letters for group n (0 → "aa", 27 → "bb"): digits are ignored when failures are grouped. */
export const letters = (n: number): string => `${String.fromCharCode(97 + Math.floor(n / 26))}${String.fromCharCode(97 + (n % 26))}`;

/** What a pipeline change (src/iterate) runs on, in the harness: its Studio, its Lakehouse on the manual clock, `write` (by default: just run). */
export function iterationDeps(h: SandboxHarness, write: AuditedWrite = async (_what, fn) => fn()): IterationDeps {
  return {
    studio: h.client,
    lakehouse: new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() }),
    write,
    sleep: async (ms) => h.clock.advance(ms),
  };
}
