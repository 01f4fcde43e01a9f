/** Work after the ack is bounded: Slack hears the ack at once, the work waits its turn, overload is refused. */
import { describe, expect, it } from 'vitest';
import type { BoltApp } from '../../src/slack/app.js';
import { BusyError, limitWorkAfterAck, WorkLimiter } from '../../src/slack/work-limit.js';

type Args = { ack: () => Promise<void>; respond: (m: object) => Promise<unknown> };

/** An app that records the listener each registration receives. */
function recordingApp() {
  const listeners: Record<string, (a: Args) => Promise<unknown>> = {};
  const app = {
    command: (name: string, listener: (a: Args) => Promise<unknown>) => {
      listeners[name] = listener;
    },
    client: { marker: 'kept' },
  };
  return { app: app as unknown as BoltApp, listeners };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkLimiter', () => {
  it('runs at most `concurrency` at once, hands slots over in arrival order, and refuses past maxWaiting', async () => {
    const l = new WorkLimiter(2, 2);
    const r1 = await l.acquire();
    const r2 = await l.acquire();
    const order: number[] = [];
    const w3 = l.acquire().then((r) => {
      order.push(3);
      return r;
    });
    const w4 = l.acquire().then((r) => {
      order.push(4);
      return r;
    });
    await expect(l.acquire()).rejects.toBeInstanceOf(BusyError);
    expect(l.stats).toEqual({ running: 2, waiting: 2 });
    r1();
    r1(); // releasing twice frees one slot only
    const r3 = await w3;
    expect(order).toEqual([3]);
    expect(l.stats).toEqual({ running: 2, waiting: 1 });
    r2();
    (await w4)();
    r3();
    expect(order).toEqual([3, 4]);
    expect(l.stats).toEqual({ running: 0, waiting: 0 });
  });
});

describe('limitWorkAfterAck', () => {
  it('acks at once, holds the work until a slot frees, and answers "busy" without running the work when the line is full', async () => {
    const { app, listeners } = recordingApp();
    const limited = limitWorkAfterAck(app, new WorkLimiter(1, 1));
    expect((limited as unknown as { client: { marker: string } }).client.marker).toBe('kept');
    const events: string[] = [];
    let finishFirst!: () => void;
    const firstDone = new Promise<void>((r) => (finishFirst = r));
    limited.command('/cz', async ({ ack }: Args) => {
      await ack();
      events.push('work');
      if (events.filter((e) => e === 'work').length === 1) await firstDone;
    });
    const request = (id: string) => {
      const said: object[] = [];
      const done = listeners['/cz']!({
        ack: async () => void events.push(`ack ${id}`),
        respond: async (m) => void said.push(m),
      }).then(
        () => 'ok',
        (e: Error) => e.name,
      );
      return { said, done };
    };
    const a = request('a');
    await tick();
    const b = request('b');
    await tick();
    const c = request('c');
    await tick();
    // All three were acknowledged; only a's work ran (after the acks that arrived meanwhile); b waits; c was turned away.
    expect(events).toEqual(['ack a', 'ack b', 'work', 'ack c']);
    expect(await c.done).toBe('BusyError');
    expect(c.said).toEqual([expect.objectContaining({ response_type: 'ephemeral', text: expect.stringContaining('busy') })]);
    finishFirst();
    expect(await a.done).toBe('ok');
    expect(await b.done).toBe('ok');
    expect(events).toEqual(['ack a', 'ack b', 'work', 'ack c', 'work']);
    expect(b.said).toEqual([]);
  });
});
