/**
 * Every interaction gets an answer. Three pieces, all Slack plumbing:
 *
 * - `answerPrivately`: tell the person who clicked, by the best way their payload allows — its
 *   response URL, an ephemeral message in its channel, or a modal (pushed over the modal they are
 *   in, or opened) — so a payload with no response URL (a global shortcut, a click in a modal, a
 *   submitted form) is still answered.
 * - `answerUnclaimed`: the app as the handlers see it records what each listener claims (action
 *   ids, view and shortcut callback ids, option ids); a payload that no listener claims (an id the
 *   bot never sent, a button tagged with a workspace it does not serve) is acknowledged, answered
 *   and reported instead of timing out unseen.
 * - `auditRefusedReferences`: a listener that refuses an unknown reference (src/ops/references.ts)
 *   has it audited for the clicking person before the refusal is answered.
 */
import type { Message } from '../blocks/kit.js';
import type { BoltApp } from './app.js';
import { UnknownReference } from '../ops/references.js';

/** The fields of an interactive payload this module reads (every kind of Slack interaction). */
export interface InteractionBody {
  type?: string;
  user?: { id?: string; username?: string; name?: string; team_id?: string };
  team?: { id?: string } | null;
  channel?: { id?: string };
  container?: { type?: string; view_id?: string };
  trigger_id?: string;
  response_url?: string;
  callback_id?: string;
  action_id?: string;
  actions?: { action_id?: string }[];
  view?: { id?: string; callback_id?: string };
}

type WebClient = BoltApp['client'];

/** A modal that shows `m` (for answers where only a modal can reach the person). */
export function messageModal(m: Message, title = 'Studio Ops Bot'): Record<string, unknown> {
  return { type: 'modal', title: { type: 'plain_text', text: title.slice(0, 24) }, close: { type: 'plain_text', text: 'Close' }, blocks: m.blocks };
}

/**
 * Tell the person behind `body` what happened: on the response URL when there is one, else
 * ephemerally in the channel, else in a modal (pushed when they clicked inside one). Resolves
 * with how they were told, or undefined when Slack gave no way (nothing is thrown).
 */
export async function answerPrivately(
  body: InteractionBody,
  m: Message,
  via: { respond?: (msg: object) => Promise<unknown>; client?: WebClient },
): Promise<'response_url' | 'ephemeral' | 'modal' | undefined> {
  const text = m.text;
  if (via.respond && body.response_url) {
    const ok = await via.respond({ response_type: 'ephemeral', replace_original: false, text, blocks: m.blocks }).then(
      () => true,
      () => false,
    );
    if (ok) return 'response_url';
  }
  const user = body.user?.id;
  if (via.client && body.channel?.id && user) {
    const ok = await via.client.chat.postEphemeral({ channel: body.channel.id, user, text, blocks: m.blocks as never }).then(
      () => true,
      () => false,
    );
    if (ok) return 'ephemeral';
  }
  if (via.client && body.trigger_id) {
    const view = messageModal(m) as never;
    const inModal = body.container?.type === 'view' || (body.type === 'block_actions' && body.view?.id !== undefined);
    const ok = await (inModal ? via.client.views.push({ trigger_id: body.trigger_id, view }) : via.client.views.open({ trigger_id: body.trigger_id, view })).then(
      () => true,
      () => false,
    );
    if (ok) return 'modal';
  }
  return undefined;
}

type Constraint = string | RegExp;
type Kind = 'action' | 'view' | 'shortcut' | 'options';

/** The id a payload is routed by, and the kind of listener that would claim it. */
export function routingId(body: InteractionBody): { kind: Kind; id: string } | undefined {
  switch (body.type) {
    case 'block_actions':
      return { kind: 'action', id: String(body.actions?.[0]?.action_id ?? '') };
    case 'view_submission':
    case 'view_closed':
      return { kind: 'view', id: String(body.view?.callback_id ?? '') };
    case 'shortcut':
    case 'message_action':
      return { kind: 'shortcut', id: String(body.callback_id ?? '') };
    case 'block_suggestion':
      return { kind: 'options', id: String(body.action_id ?? '') };
    default:
      return undefined;
  }
}

/** What an unclaimed payload is answered with and reported as. */
export interface Unclaimed {
  body: InteractionBody;
  kind: Kind;
  id: string;
}

export interface UnclaimedAnswer {
  /** Audit it (or log it): called once per unclaimed payload. */
  report(u: Unclaimed): Promise<void> | void;
  /** The message the person sees. */
  message(u: Unclaimed): Message;
}

/** The constraints the listeners registered, by kind. */
export class ClaimedIds {
  private readonly byKind: Record<Kind, Constraint[]> = { action: [], view: [], shortcut: [], options: [] };

  add(kind: Kind, c: Constraint): void {
    this.byKind[kind].push(c);
  }

  /** Whether a listener of `kind` would take `id`, as Bolt matches (string equality, or the RegExp). */
  claims(kind: Kind, id: string): boolean {
    return this.byKind[kind].some((c) => {
      if (typeof c === 'string') return c === id;
      c.lastIndex = 0; // a global RegExp keeps its place between tests
      return c.test(id);
    });
  }

  list(kind: Kind): readonly Constraint[] {
    return this.byKind[kind];
  }
}

const KINDS: ReadonlySet<string> = new Set(['action', 'view', 'shortcut', 'options']);

/**
 * The app with a record of what its listeners claim, and a global middleware (registered now, so
 * before the handlers' own) that answers what none of them claims.
 */
export function answerUnclaimed(app: BoltApp, answer: UnclaimedAnswer): { app: BoltApp; claimed: ClaimedIds } {
  const claimed = new ClaimedIds();
  app.use(async (args) => {
    const body = args.body as InteractionBody;
    const route = routingId(body);
    if (!route || claimed.claims(route.kind, route.id)) return args.next();
    const a = args as unknown as { ack?: (r?: unknown) => Promise<void>; respond?: (m: object) => Promise<unknown>; client: WebClient };
    const u: Unclaimed = { body, ...route };
    const m = answer.message(u);
    // Reported (audited) while Slack gets its answer: the ack never waits on the database.
    const reported = Promise.resolve(answer.report(u));
    if (body.type === 'view_submission' || body.type === 'block_suggestion') {
      await Promise.all([a.ack?.(body.type === 'view_submission' ? { response_action: 'update', view: messageModal(m) } : { options: [] }), reported]);
      return;
    }
    await a.ack?.();
    await reported;
    if (body.type === 'view_closed') return;
    await answerPrivately(body, m, { respond: a.respond, client: a.client });
  });
  const proxy = new Proxy(app, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !KINDS.has(prop) || typeof value !== 'function') return value;
      return (constraint: unknown, ...rest: unknown[]) => {
        if (typeof constraint === 'string' || constraint instanceof RegExp) claimed.add(prop as Kind, constraint);
        return (value as (...x: unknown[]) => unknown).apply(target, [constraint, ...rest]);
      };
    },
  });
  return { app: proxy, claimed };
}

export type Listener = (args: Record<string, unknown>) => unknown;

/**
 * The app whose listeners have each unknown reference they refuse audited (`record`) before the
 * refusal goes on to be answered.
 */
export function auditRefusedReferences(app: BoltApp, record: (body: InteractionBody, interactionId: string, e: UnknownReference) => Promise<void>): BoltApp {
  const wrap =
    (listener: Listener): Listener =>
    async (args) => {
      try {
        return await listener(args);
      } catch (e) {
        if (e instanceof UnknownReference) {
          const body = args.body as InteractionBody;
          await record(body, routingId(body)?.id ?? 'interaction', e);
        }
        throw e;
      }
    };
  return wrapListeners(app, KINDS, (_kind, listener) => wrap(listener));
}

/**
 * The app whose registrations of `kinds` (command, action, view, …) have their last listener
 * replaced by `wrap(kind, listener)`: how a layer puts itself around every listener.
 */
export function wrapListeners(app: BoltApp, kinds: ReadonlySet<string>, wrap: (kind: string, listener: Listener) => Listener): BoltApp {
  return new Proxy(app, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !kinds.has(prop) || typeof value !== 'function') return value;
      return (...a: unknown[]) => {
        const last = a.length - 1;
        return (value as (...x: unknown[]) => unknown).apply(target, [...a.slice(0, last), wrap(prop, a[last] as Listener)]);
      };
    },
  });
}
