/**
 * Bounded work after the ack. Every interactive listener acks at once; what it does next (Studio
 * calls, building replies, response_url posts) waits for one of a fixed number of slots. Under a
 * burst, the backlog waits in a FIFO instead of piling hundreds of half-done jobs onto the event
 * loop, so new requests are still acknowledged promptly and Studio sees a bounded number of
 * concurrent calls. Past `maxWaiting`, work is refused with a "busy" error the listener reports.
 */
import { messageForError } from '../blocks/errors.js';
import type { BoltApp } from './app.js';

export class BusyError extends Error {
  constructor(waiting: number) {
    super(`The bot is busy (${waiting} requests are waiting); try again in a minute.`);
    this.name = 'BusyError';
  }
}

export class WorkLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency = 8,
    readonly maxWaiting = 2000,
  ) {}

  /** Resolves with a release function once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) throw new BusyError(this.waiting.length);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next in line
      else this.running--;
    };
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

type Listener = (args: never) => unknown;
const ACKED_KINDS = new Set(['command', 'action', 'view', 'shortcut', 'options']);

/**
 * The app as the handlers see it: the last listener of every command, action, view, shortcut and
 * options registration gets an `ack` that, once Slack has its answer, waits for a work slot; the
 * slot is released when the listener finishes.
 */
export function limitWorkAfterAck(app: BoltApp, limiter: WorkLimiter): BoltApp {
  const wrap =
    (listener: Listener) =>
    async (args: {
      ack: (r?: unknown) => Promise<void>;
      respond?: (m: object) => Promise<unknown>;
      body?: { view?: { id?: string } };
      client?: BoltApp['client'];
      logger?: { error(...m: unknown[]): void };
    }): Promise<unknown> => {
      let release: (() => void) | undefined;
      let acked = false;
      try {
        return await (listener as (a: unknown) => unknown)({
          ...args,
          ack: async (response?: unknown) => {
            await args.ack(response);
            acked = true;
            try {
              release ??= await limiter.acquire();
            } catch (e) {
              // Refused for load: the person hears so (when Slack gave a way to answer) and nothing runs.
              await args.respond?.({ response_type: 'ephemeral', replace_original: false, text: `:hourglass: ${(e as Error).message}` }).catch(() => undefined);
              throw e;
            }
          },
        });
      } catch (e) {
        if (!acked || e instanceof BusyError) throw e;
        // A failure after the ack: the person is told what went wrong instead of waiting for nothing.
        args.logger?.error(`listener failed after its ack: ${(e as Error).message}`);
        const m = messageForError(e);
        if (args.respond) await args.respond({ response_type: 'ephemeral', replace_original: false, text: m.text, blocks: m.blocks }).catch(() => undefined);
        else if (args.body?.view?.id && args.client) {
          await args.client.views
            .update({ view_id: args.body.view.id, view: { type: 'modal', title: { type: 'plain_text', text: 'Something went wrong' }, blocks: m.blocks as never } })
            .catch(() => undefined);
        }
        return undefined;
      } finally {
        release?.();
      }
    };
  return new Proxy(app, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !ACKED_KINDS.has(prop) || typeof value !== 'function') return value;
      return (...a: unknown[]) => {
        const last = a.length - 1;
        return (value as (...x: unknown[]) => unknown).apply(target, [...a.slice(0, last), wrap(a[last] as Listener)]);
      };
    },
  });
}
