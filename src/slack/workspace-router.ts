/**
 * One Slack app, several Studio workspaces: each workspace's handlers are registered on a view of
 * the app that routes Slack's traffic to them.
 *
 * - Slash commands: one listener per command; `--ws <name>` picks the workspace (removed from the
 *   text before the handler sees it), else the channel's default, else the default workspace.
 * - Buttons, menus and modals: what a workspace's handlers send carries its name in every
 *   `action_id` and view `callback_id` (`w~dev~op_confirm`); the click comes back to that
 *   workspace's listener, with the name taken off again. The default workspace's ids are unprefixed,
 *   so a bot with one workspace sends exactly what it always did.
 * - Message shortcuts and messages: by the channel (its default, or the workspace whose alert
 *   channel it is); App Home and the event de-duplication middleware belong to the default.
 */
import type { SlackPoster } from '../alerts/sender.js';
import type { BoltApp } from './app.js';

export const WS_PREFIX = 'w~';

/** `w~dev~op_confirm` → { ws: 'dev', id: 'op_confirm' }. */
export function splitWorkspaceId(id: string): { ws: string | undefined; id: string } {
  if (!id.startsWith(WS_PREFIX)) return { ws: undefined, id };
  const end = id.indexOf('~', WS_PREFIX.length);
  return end === -1 ? { ws: undefined, id } : { ws: id.slice(WS_PREFIX.length, end), id: id.slice(end + 1) };
}

/** Every action_id and view callback_id in a message, view or ack response, prefixed with the workspace. */
export function tagWorkspace<T>(value: T, ws: string): T {
  const prefix = `${WS_PREFIX}${ws}~`;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if ((k === 'action_id' || k === 'callback_id') && typeof x === 'string' && !x.startsWith(WS_PREFIX)) out[k] = prefix + x;
      else out[k] = walk(x);
    }
    return out;
  };
  return walk(value) as T;
}

/** Take the workspace off the ids of an incoming payload (in place), as the handlers expect them. */
function untag(body: unknown): void {
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    for (const k of ['action_id', 'callback_id']) if (typeof o[k] === 'string') o[k] = splitWorkspaceId(o[k] as string).id;
    // A modal's submitted values are keyed by block id, then action id.
    const values = (o.state as { values?: Record<string, Record<string, unknown>> } | undefined)?.values;
    if (values)
      for (const block of Object.values(values))
        for (const key of Object.keys(block)) {
          const { ws, id } = splitWorkspaceId(key);
          if (ws === undefined) continue;
          block[id] = block[key];
          delete block[key];
        }
    for (const k of ['actions', 'view', 'action', 'message', 'blocks', 'elements', 'accessory', 'element']) if (k in o) walk(o[k]);
  };
  walk(body);
}

const CLIENT_METHODS: Record<string, string[]> = { chat: ['postMessage', 'update', 'postEphemeral', 'scheduleMessage'], views: ['open', 'update', 'push', 'publish'] };

/** A Web API client whose messages and views carry the workspace's ids. */
export function taggingClient<C extends object>(client: C, ws: string): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      const methods = typeof prop === 'string' ? CLIENT_METHODS[prop] : undefined;
      if (!methods || !value || typeof value !== 'object') return value;
      return new Proxy(value as object, {
        get(t, m, r) {
          const fn = Reflect.get(t, m, r) as unknown;
          if (typeof m !== 'string' || !methods.includes(m) || typeof fn !== 'function') return fn;
          return (args: unknown) => (fn as (a: unknown) => unknown).call(t, tagWorkspace(args, ws));
        },
      });
    },
  });
}

/** The alert sender's poster for a workspace: cards and thread replies carry its ids. */
export function taggingPoster(poster: SlackPoster, ws: string): SlackPoster {
  return {
    ...poster,
    post: (channel, payload, threadTs, marker) => poster.post(channel, tagWorkspace(payload, ws), threadTs, marker),
    update: (channel, ts, payload) => poster.update(channel, ts, tagWorkspace(payload, ws)),
    findPosted: poster.findPosted?.bind(poster),
  };
}

type Listener = (args: Record<string, unknown>) => unknown;

/** A listener's arguments for a workspace other than the default: ids untagged in, tagged out. */
function argsForWorkspace(args: Record<string, unknown>, ws: string): Record<string, unknown> {
  untag(args.body);
  const out = { ...args };
  for (const k of ['ack', 'respond', 'say'] as const) {
    const fn = args[k] as ((m?: unknown) => unknown) | undefined;
    if (typeof fn === 'function') out[k] = (m?: unknown) => fn(m === undefined ? m : tagWorkspace(m, ws));
  }
  if (args.client && typeof args.client === 'object') out.client = taggingClient(args.client as object, ws);
  // The action and view as Bolt hands them over are the body's own objects, untagged above.
  return out;
}

export interface WorkspaceRoute {
  /** The default workspace's name. */
  default: string;
  names: readonly string[];
  /** The workspace a channel belongs to (its default, or the one whose alert channel it is), if any. */
  channelWorkspace(channel: string | undefined): string | undefined;
}

/** `--ws name` anywhere in the text: the name, and the text without it. */
export function takeWorkspaceFlag(text: string): { ws?: string; text: string } {
  const m = /(?:^|\s)--ws(?:=|\s+)(\S+)/.exec(text);
  if (!m) return { text };
  return { ws: m[1]!.toLowerCase(), text: `${text.slice(0, m.index)} ${text.slice(m.index + m[0].length)}`.replace(/\s+/g, ' ').trim() };
}

export class WorkspaceRouter {
  private readonly commands = new Map<string, Map<string, Listener>>();
  private readonly shortcuts = new Map<string, Map<string, Listener>>();

  constructor(
    private readonly app: BoltApp,
    private readonly route: WorkspaceRoute,
    /** The answer to a `--ws` naming no workspace (an ephemeral message); `command` is the slash command, its text without the flag. */
    private readonly unknownWorkspace: (name: string, command: Record<string, unknown>) => Promise<Record<string, unknown>>,
  ) {}

  /** The app as one workspace's handlers see it. */
  appFor(ws: string): BoltApp {
    const isDefault = ws === this.route.default;
    const route = this.route;
    const tagArgs = (args: Record<string, unknown>) => (isDefault ? args : argsForWorkspace(args, ws));
    const scoped = (constraint: unknown): unknown => {
      if (isDefault) return constraint;
      const prefix = `${WS_PREFIX}${ws}~`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (typeof constraint === 'string') return new RegExp(`^${prefix}${constraint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
      if (constraint instanceof RegExp)
        return new RegExp(`^${prefix}${constraint.source.startsWith('^') ? constraint.source.slice(1) : `.*(?:${constraint.source})`}`, constraint.flags);
      return constraint;
    };
    const inChannel = (args: Record<string, unknown>): boolean => {
      const b = args.body as { channel?: { id?: string }; event?: { channel?: string } } | undefined;
      const m = args.message as { channel?: string } | undefined;
      const channel = b?.channel?.id ?? m?.channel ?? b?.event?.channel;
      return (route.channelWorkspace(channel) ?? route.default) === ws;
    };
    return new Proxy(this.app, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        switch (prop) {
          case 'command':
            return (name: string, listener: Listener) => this.add(this.commands, name, ws, listener);
          case 'shortcut':
            return (id: string, listener: Listener) => this.add(this.shortcuts, id, ws, (a) => listener(tagArgs(a)));
          case 'action':
          case 'view':
          case 'options':
            return (constraint: unknown, ...listeners: Listener[]) =>
              (value as (...a: unknown[]) => unknown).call(target, scoped(constraint), ...listeners.map((l) => (a: Record<string, unknown>) => l(tagArgs(a))));
          case 'message':
            return (...a: unknown[]) => {
              const listener = a.at(-1) as Listener;
              return (value as (...x: unknown[]) => unknown).call(target, ...a.slice(0, -1), (args: Record<string, unknown>) =>
                inChannel(args) ? listener(tagArgs(args)) : undefined,
              );
            };
          case 'event':
          case 'use':
            // App Home and the de-duplication middleware: once, for the default workspace.
            return isDefault ? value.bind(target) : () => undefined;
          default:
            return value.bind(target);
        }
      },
    });
  }

  private add(into: Map<string, Map<string, Listener>>, name: string, ws: string, listener: Listener): void {
    let byWs = into.get(name);
    if (!byWs) {
      byWs = new Map();
      into.set(name, byWs);
      if (into === this.commands) this.app.command(name, (args) => this.dispatchCommand(name, args as unknown as Record<string, unknown>) as Promise<void>);
      else this.app.shortcut(name, (args) => this.dispatchShortcut(name, args as unknown as Record<string, unknown>) as Promise<void>);
    }
    byWs.set(ws, listener);
  }

  private async dispatchCommand(name: string, args: Record<string, unknown>): Promise<unknown> {
    const command = args.command as { text?: string; channel_id?: string };
    const { ws: flag, text } = takeWorkspaceFlag(command.text ?? '');
    const byWs = this.commands.get(name)!;
    if (flag !== undefined && !this.route.names.includes(flag)) {
      await (args.ack as () => Promise<void>)();
      return (args.respond as (m: unknown) => Promise<unknown>)(await this.unknownWorkspace(flag, { ...command, text }));
    }
    const ws = flag ?? this.route.channelWorkspace(command.channel_id) ?? this.route.default;
    command.text = text;
    const listener = byWs.get(ws) ?? byWs.get(this.route.default)!;
    return listener(ws === this.route.default ? args : argsForWorkspace(args, ws));
  }

  private dispatchShortcut(name: string, args: Record<string, unknown>): unknown {
    const body = args.body as { channel?: { id?: string } };
    const ws = this.route.channelWorkspace(body.channel?.id) ?? this.route.default;
    const byWs = this.shortcuts.get(name)!;
    return (byWs.get(ws) ?? byWs.get(this.route.default)!)(args);
  }
}
