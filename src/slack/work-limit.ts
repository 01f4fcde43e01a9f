/**
 * Bounded work after the ack. Every interactive listener acks at once; what it does next (Studio
 * calls, building replies, response_url posts) waits for one of a fixed number of slots. Under a
 * burst, the backlog waits in a FIFO instead of piling hundreds of half-done jobs onto the event
 * loop, so new requests are still acknowledged promptly and Studio sees a bounded number of
 * concurrent calls. Past `maxWaiting`, work is refused with a "busy" error the listener reports.
 */
import { messageForError } from '../blocks/errors.js';
import type { BoltApp } from './app.js';
import { type InteractionBody, answerPrivately, messageModal, wrapListeners } from './interactions.js';
import { redactSlackPayload } from './outbound-redaction.js';
import { yieldToRequests } from '../yield-to-requests.js';

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

export type InteractionKind = 'command' | 'action' | 'view' | 'shortcut' | 'options';

/** Told of each request a listener handled (metrics): how long to the ack, how long to the end, how it ended. */
export type InteractionObserver = (e: { kind: InteractionKind; name: string; ackMs: number | undefined; totalMs: number; outcome: 'ok' | 'failed' | 'busy' }) => void;

interface ListenerArgs {
  ack: (r?: unknown) => Promise<void>;
  respond?: (m: object) => Promise<unknown>;
  body?: { view?: { id?: string; callback_id?: string }; callback_id?: string; action_id?: string; actions?: { action_id?: string }[] };
  command?: { text?: string };
  client?: BoltApp['client'];
  logger?: { error(...m: unknown[]): void };
}

/** A bounded name for the metrics: the /cz subcommand, the action id (numbers dropped), the view's or shortcut's callback id. */
function interactionName(kind: InteractionKind, args: ListenerArgs, commands: ReadonlySet<string>): string {
  let name: string | undefined;
  if (kind === 'command') {
    const sub = (args.command?.text ?? '').trim().split(/\s+/)[0]?.toLowerCase() || 'help';
    name = commands.has(sub) ? sub : 'unknown';
  } else if (kind === 'action') name = args.body?.actions?.[0]?.action_id;
  else if (kind === 'view') name = args.body?.view?.callback_id;
  else if (kind === 'shortcut') name = args.body?.callback_id;
  else name = args.body?.action_id;
  return (name ?? 'unknown').replace(/[_:-]?\d+$/, '').slice(0, 48);
}

/**
 * The app as the handlers see it: the last listener of every command, action, view, shortcut and
 * options registration gets an `ack` that, once Slack has its answer, waits for a work slot; the
 * slot is released when the listener finishes.
 */
export function limitWorkAfterAck(app: BoltApp, limiter: WorkLimiter, observe?: { observer: InteractionObserver; commands: ReadonlySet<string> }): BoltApp {
  const wrap =
    (kind: InteractionKind, listener: Listener) =>
    async (args: ListenerArgs): Promise<unknown> => {
      let release: (() => void) | undefined;
      let acked = false;
      const started = performance.now();
      let ackMs: number | undefined;
      let outcome: 'ok' | 'failed' | 'busy' = 'ok';
      try {
        return await (listener as (a: unknown) => unknown)({
          ...args,
          ack: async (response?: unknown) => {
            // An ack's body (a slash command's answer, a modal's errors) is shown by Slack: redacted like any message.
            await args.ack(response === undefined ? response : await redactSlackPayload(response));
            acked = true;
            ackMs ??= performance.now() - started;
            try {
              release ??= await limiter.acquire();
              await yieldToRequests(); // the work starts after the requests that arrived meanwhile are acknowledged
            } catch (e) {
              // Refused for load: the person hears so (when Slack gave a way to answer) and nothing runs.
              await args.respond?.({ response_type: 'ephemeral', replace_original: false, text: `:hourglass: ${(e as Error).message}` }).catch(() => undefined);
              throw e;
            }
          },
        });
      } catch (e) {
        outcome = e instanceof BusyError ? 'busy' : 'failed';
        if (e instanceof BusyError) throw e;
        // A failure, before or after the ack: the person is told what went wrong instead of waiting
        // for nothing — on the response URL, ephemerally, or in a modal (src/slack/interactions.ts).
        args.logger?.error(`listener failed${acked ? ' after its ack' : ''}: ${(e as Error).message}`);
        const m = messageForError(e);
        const body = (args.body ?? {}) as InteractionBody;
        if (!acked) {
          try {
            if (body.type === 'view_submission') return await args.ack({ response_action: 'update', view: messageModal(m) });
            await args.ack(body.type === 'block_suggestion' ? { options: [] } : undefined);
          } catch {
            return undefined; // Slack has given up on this request: there is no one left to answer
          }
        }
        await answerPrivately(body, m, { respond: args.respond, client: args.client });
        return undefined;
      } finally {
        release?.();
        observe?.observer({ kind, name: interactionName(kind, args, observe.commands), ackMs, totalMs: performance.now() - started, outcome });
      }
    };
  return wrapListeners(app, ACKED_KINDS, (kind, listener) => wrap(kind as InteractionKind, listener as Listener) as never);
}
