/**
 * The anchorer's cadence (src/store/audit-anchoring.ts), on a virtual clock: while the log grows,
 * a row waits at most AUDIT_ANCHOR_SECONDS for an anchor; an outcome is anchored within a second.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditAnchorer } from '../../src/store/audit-anchoring.js';
import { AuditLog } from '../../src/store/audit.js';
import { type Anchor, keyFromHex } from '../../src/store/audit-key.js';
import { openDatabase } from '../../src/store/database.js';

describe('the anchorer: anchors while the log grows', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a row waits at most AUDIT_ANCHOR_SECONDS for its anchor, anchors are at most that often, an outcome is anchored within a second, the Slack-like sink gets the newest once a minute', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const log = new AuditLog(openDatabase(':memory:'), keyFromHex('a'.repeat(64)));
    const written: { sink: string; lastId: number; at: number }[] = [];
    const sink = (name: string, minIntervalMs?: number) => ({
      name,
      minIntervalMs,
      write: (x: Anchor) => void written.push({ sink: name, lastId: x.lastId, at: Date.now() - 1_000_000 }),
    });
    const anchorer = new AuditAnchorer({ audit: log, chain: 'demo_ws', sinks: [sink('file'), sink('slack', 60_000)], batchMs: 10_000 });
    const requested = (i: number) =>
      log.append({ at: Date.now(), opId: `op${i}`, actorId: 'U1', source: 'slash', action: 'rerun', target: `run:${i}`, params: {}, outcome: 'requested' });
    for (let i = 0; i < 5; i++) requested(i);
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([
      { sink: 'file', lastId: 5, at: 0 },
      { sink: 'slack', lastId: 5, at: 0 },
    ]); // first write: at once
    requested(5);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(written.filter((w) => w.sink === 'file')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(written.filter((w) => w.sink === 'file').at(-1)).toEqual({ sink: 'file', lastId: 6, at: 10_000 });
    await vi.advanceTimersByTimeAsync(5_000);
    log.append({ at: Date.now(), opId: 'op5', actorId: 'U1', source: 'slash', action: 'rerun', target: 'run:5', params: {}, outcome: 'succeeded' });
    await vi.advanceTimersByTimeAsync(0);
    expect(written.filter((w) => w.sink === 'file').at(-1)).toEqual({ sink: 'file', lastId: 7, at: 15_000 });
    expect(written.filter((w) => w.sink === 'slack')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(written.filter((w) => w.sink === 'slack').at(-1)).toEqual({ sink: 'slack', lastId: 7, at: 60_000 });
    requested(8);
    await anchorer.stop(); // what was written last is anchored at stop
    expect(written.filter((w) => w.sink === 'file').at(-1)?.lastId).toBe(8);
  });
});
