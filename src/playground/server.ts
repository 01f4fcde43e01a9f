/**
 * The playground: plays Slack's part over Slack's own wire protocol, so the bot runs unmodified.
 * It signs slash commands, interactions and events as Slack does and posts them to the bot's
 * /slack/events; it serves the Web API methods the bot uses (at SLACK_API_URL) and response_url;
 * and it serves a web page showing channels, a DM, the App Home tab, threads and modals.
 */
import type { OpsRoutes } from '../observability/endpoints.js';
import { createHmac, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { PLAYGROUND_PAGE } from './page.js';
import { type EnvelopeType, PlaygroundSocket } from './socket.js';
import { BOT_USER, PLAYGROUND_CHANNELS, type PgUser, PlaygroundWorkspace } from './workspace.js';

export interface PlaygroundOptions {
  port: number;
  host?: string;
  signingSecret: string;
  /** How the bot hears from Slack: over a Socket Mode connection it opens (the default, as the manifest installs it) or signed HTTP requests. */
  mode?: 'socket' | 'http';
  /** Socket Mode: the app-level token `apps.connections.open` accepts. */
  appToken?: string;
  /** Socket Mode: how long an envelope may stay unacknowledged before it is sent again. */
  ackTimeoutMs?: number;
  /** Keep the channels in this file across restarts (undefined: start fresh every time). */
  stateFile?: string;
  /** Message shortcuts the app declares (manifest.yml), offered on every message's ⋯ menu. */
  messageShortcuts?: MessageShortcutSpec[];
  users?: PgUser[];
}

export interface MessageShortcutSpec {
  name: string;
  callback_id: string;
}

/** The message shortcuts manifest.yml declares (what Slack offers on a message's ⋯ menu). */
export function manifestMessageShortcuts(manifestYaml: string): MessageShortcutSpec[] {
  const m = parseYaml(manifestYaml) as { features?: { shortcuts?: { name?: string; type?: string; callback_id?: string }[] } };
  return (m.features?.shortcuts ?? []).filter((x) => x.type === 'message' && x.name && x.callback_id).map((x) => ({ name: x.name!, callback_id: x.callback_id! }));
}

/**
 * What the sandbox (playing Studio) lets a person do from the playground's page — never in
 * production: the page offers it only when the stack runs the sandbox.
 */
export interface PlaygroundSandboxControls {
  /** Start today's cycle of an output again now with its first sync slow (the sandbox's `/__sandbox/slow-day`, src/sandbox/history.ts). */
  slowDay(task: string, factor?: number): Promise<{ slow: { task: string; usualMs: number; durationMs: number }; planTime: number } | { error: string }>;
  /** The time the bot's clock reads (the sandbox's). */
  now(): number;
  /** How often the bot's watcher polls (ALERT_POLL_SECONDS): the card comes within two polls. */
  pollSeconds: number;
}

export interface RunningPlayground {
  url: string;
  workspace: PlaygroundWorkspace;
  mode: 'socket' | 'http';
  /** Socket Mode: Slack's side of the connection (undefined in HTTP mode). */
  socket: PlaygroundSocket | undefined;
  /** Where the bot listens (set once it has started). */
  setBotUrl(url: string): void;
  /** The bot's /healthz, /readyz and /metrics, served on the playground's port too (the one a person has open). */
  setOpsRoutes(routes: OpsRoutes): void;
  /** The sandbox's controls offered on the page (the stack sets them when Studio is the sandbox). */
  setSandboxControls(controls: PlaygroundSandboxControls): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseApiBody(raw: string, type: string | undefined): Record<string, unknown> {
  if (type?.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  return Object.fromEntries(new URLSearchParams(raw));
}

/** What Slack does to what people type before anyone sees it: `&`, `<`, `>` become entities. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * What Slack does to a slash command's text when the command escapes channels, users and links
 * (`should_escape: true` in manifest.yml): `@oscar` arrives as `<@U0OPS|oscar>`, `#data-eng` as
 * `<#C0DATAENG|data-eng>` — for names the workspace has; anything else stays as typed.
 */
function slashCommandText(text: string, users: readonly { id: string; name: string }[], channels: readonly { id: string; name: string }[]): string {
  return slackEscape(text)
    .replace(/(^|\s)@([\w.-]+)/g, (all, pre: string, name: string) => {
      const u = users.find((x) => x.name === name || x.id === name);
      return u ? `${pre}<@${u.id}|${u.name}>` : all;
    })
    .replace(/(^|\s)#([\w-]+)/g, (all, pre: string, name: string) => {
      const c = channels.find((x) => x.name === name);
      return c ? `${pre}<#${c.id}|${c.name}>` : all;
    });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

export async function startPlayground(opts: PlaygroundOptions): Promise<RunningPlayground> {
  const ws = new PlaygroundWorkspace(opts.users);
  if (opts.stateFile) ws.persistIn(opts.stateFile);
  let botUrl = '';
  let selfUrl = '';

  const mode = opts.mode ?? 'http';
  const socket = mode === 'socket' ? new PlaygroundSocket(opts.appToken ?? '', () => selfUrl, { ackTimeoutMs: opts.ackTimeoutMs }) : undefined;

  /** Sign and send one request to the bot, as Slack does in HTTP mode; returns the bot's answer. */
  const overHttp = async (body: string, contentType: string): Promise<{ status: number; text: string }> => {
    const ts = Math.floor(Date.now() / 1000);
    const sig = `v0=${createHmac('sha256', opts.signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
    const res = await fetch(`${botUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig },
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  /** One delivery to the bot, over its socket (an envelope it must acknowledge) or over HTTP. */
  const toBot = async (type: EnvelopeType, payload: Record<string, unknown>): Promise<{ status: number; text: string }> => {
    if (socket) {
      const d = await socket.deliver(type, payload);
      // Slack tells the person when an app never acknowledged (e.g. "/cz failed with the error operation_timeout").
      return d.ack === undefined ? { status: 504, text: '' } : { status: 200, text: JSON.stringify(d.ack) };
    }
    if (type === 'slash_commands') return overHttp(new URLSearchParams(payload as Record<string, string>).toString(), 'application/x-www-form-urlencoded');
    if (type === 'interactive') return overHttp(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded');
    return overHttp(JSON.stringify(payload), 'application/json');
  };
  const sendEvent = (event: Record<string, unknown>) =>
    toBot('events_api', {
      token: 'playground',
      team_id: 'T0PLAY',
      api_app_id: 'A0PLAY',
      type: 'event_callback',
      event_id: `Ev${randomUUID().slice(0, 10)}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: 'T0PLAY', user_id: BOT_USER, is_bot: true }],
      event,
    });
  const userObj = (id: string) => {
    const u = ws.users.find((x) => x.id === id);
    return { id, username: u?.name ?? id, name: u?.name ?? id, team_id: 'T0PLAY' };
  };
  /**
   * An interactive payload as Slack sends it: its type, the team, the person and the (legacy) token,
   * then `rest` (block_actions, block_suggestion and view_submission also carry the app's id; a
   * message_action does not).
   */
  const sendPayload = (type: string, user: string, rest: Record<string, unknown>) =>
    toBot('interactive', { type, team: { id: 'T0PLAY', domain: 'playground' }, user: userObj(user), token: 'playground', ...rest });
  const responseUrl = (channel: string, user: string, messageTs?: string) => `${selfUrl}/response/${ws.newResponseUrl(channel, user, messageTs)}`;

  const ui = async (path: string, b: Record<string, unknown>, res: ServerResponse) => {
    const user = String(b.user);
    switch (path) {
      case '/ui/command': {
        const channel = String(b.channel);
        const [command, ...rest] = slashCommandText(String(b.text), ws.users, PLAYGROUND_CHANNELS).trim().split(/\s+/);
        const form = {
          token: 'playground',
          team_id: 'T0PLAY',
          team_domain: 'playground',
          channel_id: channel,
          channel_name: ws.channelName(channel),
          user_id: user,
          user_name: userObj(user).name,
          command: command ?? '/cz',
          text: rest.join(' '),
          api_app_id: 'A0PLAY',
          response_url: responseUrl(channel, user),
          trigger_id: ws.newTrigger(user),
        };
        const r = await toBot('slash_commands', form);
        if (r.status !== 200)
          ws.post({
            channel,
            user: 'USLACKBOT',
            text: `${command ?? '/cz'} failed with the error "${r.status === 504 ? 'operation_timeout' : 'dispatch_failed'}"`,
            blocks: undefined,
            ephemeralFor: user,
          });
        return json(res, 200, { ok: r.status === 200, status: r.status });
      }
      case '/ui/message': {
        const channel = String(b.channel);
        const m = ws.post({ channel, user, text: slackEscape(String(b.text)), blocks: undefined, threadTs: b.threadTs ? String(b.threadTs) : undefined });
        await sendEvent({
          type: 'message',
          channel,
          user,
          text: m.text,
          ts: m.ts,
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
          channel_type: channel.startsWith('D') ? 'im' : 'channel',
        });
        return json(res, 200, { ok: true });
      }
      case '/ui/shortcut': {
        // A message shortcut from a message's ⋯ menu: Slack sends a message_action with the message.
        const channel = String(b.channel);
        const shortcut = (opts.messageShortcuts ?? []).find((x) => x.callback_id === b.callbackId);
        const msg = ws.messages.find((m) => m.channel === channel && m.ts === b.messageTs && !m.ephemeralFor);
        if (!shortcut || !msg) return json(res, 404, { ok: false });
        const r = await sendPayload('message_action', user, {
          callback_id: shortcut.callback_id,
          action_ts: String(Date.now() / 1000),
          channel: { id: channel, name: ws.channelName(channel) },
          is_enterprise_install: false,
          trigger_id: ws.newTrigger(user),
          response_url: responseUrl(channel, user),
          message_ts: msg.ts,
          message: {
            type: 'message',
            user: msg.user,
            ts: msg.ts,
            text: msg.text,
            ...(msg.blocks ? { blocks: msg.blocks } : {}),
            ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}),
          },
        });
        return json(res, 200, { ok: r.status === 200 });
      }
      case '/ui/home':
        await sendEvent({ type: 'app_home_opened', user, channel: ws.dmOf(user), tab: 'home' });
        return json(res, 200, { ok: true });
      case '/ui/action': {
        const action = { ...(b.action as Record<string, unknown>), action_ts: String(Date.now() / 1000), block_id: (b.action as { block_id?: string }).block_id ?? 'b' };
        const base = { api_app_id: 'A0PLAY', trigger_id: ws.newTrigger(user), actions: [action] };
        if (b.viewId) {
          const v = ws.views.get(String(b.viewId));
          if (!v) return json(res, 404, { ok: false });
          const view = { ...v.view, id: v.id, hash: v.hash, state: { values: b.values ?? {} } };
          const r = await sendPayload('block_actions', user, { ...base, container: { type: 'view', view_id: v.id }, view });
          return json(res, 200, { ok: r.status === 200 });
        }
        const channel = String(b.channel);
        const msg = ws.messages.find((m) => m.channel === channel && m.ts === b.messageTs);
        const r = await sendPayload('block_actions', user, {
          ...base,
          channel: { id: channel, name: ws.channelName(channel) },
          container: { type: 'message', message_ts: b.messageTs, channel_id: channel, is_ephemeral: Boolean(msg?.ephemeralFor) },
          message: msg ? { type: 'message', ts: msg.ts, text: msg.text, blocks: msg.blocks, ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}) } : undefined,
          response_url: responseUrl(channel, user, String(b.messageTs)),
        });
        return json(res, 200, { ok: r.status === 200 });
      }
      case '/ui/options': {
        // Typed into an external select: Slack asks the app for the options (block_suggestion) and shows what it answers (at most 100).
        const channel = b.channel ? String(b.channel) : undefined;
        const v = b.viewId ? ws.views.get(String(b.viewId)) : undefined;
        const r = await sendPayload('block_suggestion', user, {
          api_app_id: 'A0PLAY',
          action_id: String(b.action_id),
          block_id: String(b.block_id ?? ''),
          value: String(b.value ?? ''),
          action_ts: String(Date.now() / 1000),
          ...(v
            ? { container: { type: 'view', view_id: v.id }, view: { ...v.view, id: v.id, hash: v.hash } }
            : {
                container: { type: 'message', message_ts: b.messageTs, channel_id: channel, is_ephemeral: false },
                channel: { id: channel, name: channel ? ws.channelName(channel) : '' },
              }),
        });
        let options: unknown[] = [];
        try {
          const answer = r.text ? (JSON.parse(r.text) as { options?: unknown[]; option_groups?: { options?: unknown[] }[] }) : {};
          options = (answer.options ?? (answer.option_groups ?? []).flatMap((g) => g.options ?? [])).slice(0, 100);
        } catch {
          options = [];
        }
        return json(res, 200, { ok: r.status === 200, options });
      }
      case '/ui/submit': {
        const v = ws.views.get(String(b.viewId));
        if (!v) return json(res, 404, { ok: false, error: 'no such view' });
        const view = { ...v.view, id: v.id, hash: v.hash, state: { values: b.values ?? {} } };
        const r = await sendPayload('view_submission', user, {
          api_app_id: 'A0PLAY',
          trigger_id: ws.newTrigger(user),
          view,
        });
        const answer = r.text ? (JSON.parse(r.text) as { response_action?: string; errors?: Record<string, string>; view?: Record<string, unknown> }) : {};
        if (answer.response_action === 'errors') return json(res, 200, { ok: false, errors: answer.errors });
        if (answer.response_action === 'update' && answer.view) {
          v.view = answer.view;
          v.hash = randomUUID();
        } else if (answer.response_action === 'push' && answer.view) {
          const id = `V${randomUUID().slice(0, 8)}`;
          ws.views.set(id, { id, hash: randomUUID(), user, view: answer.view, kind: 'modal', parent: v.id });
        } else if (answer.response_action === 'clear') {
          for (const [id, x] of ws.views) if (x.user === user && x.kind === 'modal') ws.views.delete(id);
        } else ws.views.delete(v.id);
        ws.changed();
        return json(res, 200, { ok: true });
      }
      case '/ui/sandbox/slow-day': {
        // Told to the person who asked, in the channel they are in, by Slackbot: the playground speaking, not the bot.
        const channel = String(b.channel ?? ws.dmOf(user));
        if (!sandboxControls) return json(res, 404, { ok: false, error: 'Studio is not the sandbox: nothing to simulate' });
        const task = String(b.task ?? '').trim();
        const day = await sandboxControls.slowDay(task, b.factor === undefined ? undefined : Number(b.factor));
        const text = 'error' in day ? `Sandbox: no slow day started — ${day.error}` : slowDayNote(task, day, sandboxControls.now(), sandboxControls.pollSeconds);
        ws.post({ channel, user: 'USLACKBOT', text, blocks: undefined, ephemeralFor: user });
        return json(res, 200, { ok: !('error' in day), text });
      }
      case '/ui/close':
        ws.views.delete(String(b.viewId));
        ws.changed();
        return json(res, 200, { ok: true });
      default:
        return json(res, 404, { ok: false });
    }
  };

  let opsRoutes: OpsRoutes | undefined;
  let sandboxControls: PlaygroundSandboxControls | undefined;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      try {
        if (req.method === 'GET' && url.pathname === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(PLAYGROUND_PAGE);
        }
        if (opsRoutes?.(req, res)) return;
        if (req.method === 'GET' && url.pathname === '/healthz') return json(res, 200, { ok: true });
        if (req.method === 'GET' && url.pathname === '/ui/state')
          return json(res, 200, {
            ...ws.stateFor(url.searchParams.get('user') ?? ws.users[0]!.id),
            connection: { mode, ...(socket ? socket.status() : {}) },
            shortcuts: opts.messageShortcuts ?? [],
            sandbox: sandboxControls ? { slowDay: true } : undefined,
          });
        if (req.method === 'GET' && url.pathname === '/ui/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
          res.write(`data: ${ws.version}\n\n`);
          const off = ws.onChange(() => res.write(`data: ${ws.version}\n\n`));
          req.on('close', off);
          return;
        }
        const raw = await readBody(req);
        if (url.pathname.startsWith('/api/')) {
          const method = url.pathname.slice(5);
          const args = parseApiBody(raw, req.headers['content-type']);
          if (method === 'apps.connections.open') {
            const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || (args.token as string | undefined);
            return json(res, 200, socket ? socket.open(token) : { ok: false, error: 'socket_mode_not_enabled' });
          }
          return json(res, 200, ws.api(method, args));
        }
        if (url.pathname.startsWith('/response/'))
          return json(res, 200, ws.respond(url.pathname.slice('/response/'.length), raw ? (JSON.parse(raw) as Record<string, unknown>) : {}));
        if (url.pathname.startsWith('/ui/')) return await ui(url.pathname, raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, res);
        json(res, 404, { ok: false });
      } catch (e) {
        if (!res.headersSent) json(res, 500, { ok: false, error: (e as Error).message });
      }
    })();
  });
  socket?.attach(server);
  await new Promise<void>((r) => server.listen(opts.port, opts.host ?? '127.0.0.1', r));
  selfUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: selfUrl,
    workspace: ws,
    mode,
    socket,
    setBotUrl: (u) => {
      botUrl = u;
    },
    setOpsRoutes: (routes) => {
      opsRoutes = routes;
    },
    setSandboxControls: (controls) => {
      sandboxControls = controls;
      ws.changed();
    },
    close: async () => {
      ws.save();
      await socket?.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** What the person is told once a slow day started: what runs slow, and the baseline that shows it (committed in a few minutes, UTC as the bot reads it). */
function slowDayNote(task: string, day: { slow: { task: string; usualMs: number; durationMs: number }; planTime: number }, now: number, pollSeconds: number): string {
  const min = (ms: number) => `${Math.round(ms / 60_000)} min`;
  const dayStart = Math.floor(day.planTime / 86_400_000) * 86_400_000;
  const by = now + 5 * 60_000;
  const hours = Math.floor((by - dayStart) / 3_600_000);
  const at = `${String(hours).padStart(2, '0')}:${String(new Date(by).getUTCMinutes()).padStart(2, '0')}`;
  return [
    `Sandbox: a slow day started for \`${task}\` — today's cycle began ${min(now - day.planTime)} ago; \`${day.slow.task}\` has been running since then (usual ${min(day.slow.usualMs)}) and takes ${min(day.slow.durationMs)} today.`,
    `To see its baseline card in #data-alerts, commit it a few minutes ahead: \`/cz baseline add ${task} by ${at} margin 5m\` (operators). The card comes within two of the watcher's polls: up to ${pollSeconds * 2 >= 120 ? `${Math.round((pollSeconds * 2) / 60)} min` : `${pollSeconds * 2} s`} (ALERT_POLL_SECONDS is ${pollSeconds}).`,
  ].join('\n');
}
