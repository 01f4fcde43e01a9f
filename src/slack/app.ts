/**
 * The Bolt app: Socket Mode when an app-level token is configured, HTTP mode otherwise (Slack's
 * request signatures verified, events at /slack/events). The operator's endpoints (/healthz, /readyz,
 * /metrics) are served on the same port: HTTP mode's server, or Socket Mode's health port.
 */
import { type IncomingMessage, createServer, type Server } from 'node:http';
import { checkSlackRequest, refuse } from './request-guard.js';
import { slackFetch } from './outbound-redaction.js';
import { frontDoorThread } from './front-door.js';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { SlackConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { OpsRoutes } from '../observability/endpoints.js';

export type BoltApp = App;

export interface SlackApp {
  app: BoltApp;
  /**
   * HTTP mode: where replays are recorded (default: memory), and the signatures already seen in
   * the last minutes (the front door's memory starts from them: a replay after a restart is refused).
   */
  setReplayGuard?(firstSeen: (signature: string) => Promise<boolean>, seenRecently?: () => Promise<string[]>): void;
  /** /healthz, /readyz and /metrics (until set, /healthz alone, following the socket in Socket Mode). */
  setOpsRoutes(routes: OpsRoutes): void;
  /** Socket Mode: whether the socket is up now; HTTP mode: undefined (Slack calls in, there is no connection). */
  connected(): boolean | undefined;
  /** Start listening; resolves with the HTTP port (HTTP mode, or the health port in Socket Mode). */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

type ActiveSlack = Exclude<SlackConfig, { mode: 'none' }>;

function boltLogger(logger: Logger) {
  const child = logger.child({ component: 'bolt' });
  return {
    // Bolt logs several debug lines per request: format them only when they will be written.
    debug: (...m: unknown[]) => {
      if (child.isLevelEnabled('debug')) child.debug(m.map(String).join(' '));
    },
    info: (...m: unknown[]) => child.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => child.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => child.error(m.map(String).join(' ')),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

function healthz(_req: unknown, res: { writeHead(s: number, h: Record<string, string>): void; end(b: string): void }) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true }));
}

export function createSlackApp(cfg: ActiveSlack, logger: Logger): SlackApp {
  const clientOptions = {
    ...(cfg.apiUrl ? { slackApiUrl: cfg.apiUrl } : {}),
    // Every Web API call and response_url post (Bolt's respond()) leaves through the redacting boundary.
    fetch: slackFetch,
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5000 },
  };
  const log = boltLogger(logger);
  if (cfg.mode === 'http') {
    const receiver = new HTTPReceiver({
      signingSecret: cfg.signingSecret,
      endpoints: '/slack/events',
      customRoutes: [{ path: '/healthz', method: ['GET'], handler: healthz }],
      logger: log,
      unhandledRequestTimeoutMillis: 2900,
      // An error while Bolt reads a request (before any listener acks) means the request was not one
      // Slack sends: 400, not 500.
      processEventErrorHandler: async ({ error, response }) => {
        log.warn(`request not processed: ${(error as Error).message}`);
        if (!response.headersSent) {
          response.writeHead(400);
          response.end();
        }
        return true;
      },
    });
    const app = new App({ token: cfg.botToken, receiver, clientOptions, logger: log });
    // Our own server: the request guard answers anything that is not a well-formed, fresh, signed,
    // first-time Slack request before Bolt (and so any listener) sees it.
    const guard = {
      signingSecret: cfg.signingSecret,
      firstSeen: undefined as ((s: string) => Promise<boolean>) | undefined,
      seenRecently: async (): Promise<string[]> => [],
    };
    let opsRoutes: OpsRoutes | undefined;
    // Started now: loading its code overlaps the rest of the bot's start-up.
    const frontDoor = frontDoorThread(logger);
    let opened = false;
    const server: Server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (opsRoutes?.(req, res)) return;
      if (req.method === 'GET' && path === '/healthz') return healthz(req, res);
      if (req.method !== 'POST' || path !== '/slack/events') {
        res.writeHead(404);
        res.end();
        return;
      }
      void checkSlackRequest(req, { signingSecret: guard.signingSecret, firstSeen: guard.firstSeen })
        .then((v) => {
          if (!v.ok) {
            log.warn(`refused a request to /slack/events: ${v.status} ${v.reason}`);
            return refuse(res, v.status);
          }
          (req as IncomingMessage & { rawBody?: Buffer }).rawBody = v.rawBody;
          return receiver.requestListener(req, res);
        })
        .catch((e: unknown) => {
          log.error(`request to /slack/events failed: ${(e as Error).message}`);
          if (!res.headersSent) refuse(res, 400);
        });
    });
    return {
      app,
      setReplayGuard: (firstSeen, seenRecently) => {
        guard.firstSeen = firstSeen;
        if (seenRecently) guard.seenRecently = seenRecently;
      },
      setOpsRoutes: (routes) => {
        opsRoutes = routes;
      },
      connected: () => undefined,
      start: async () => {
        // This thread's server, on loopback: the front door's thread (front-door.ts) owns the public port.
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const innerPort = (server.address() as AddressInfo).port;
        const seen = await guard.seenRecently();
        const port = await frontDoor.open({ port: cfg.port, innerPort, signingSecret: cfg.signingSecret, seen }).catch(async (e: unknown) => {
          await frontDoor.close();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          throw e;
        });
        opened = true;
        return { port };
      },
      stop: async () => {
        await frontDoor.close();
        if (!opened) return;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }
  // The Socket Mode client opens its connection with apps.connections.open on the same Web API
  // (SLACK_API_URL: the playground or a test's stand-in can play Slack's part).
  // Each envelope's id goes into the context, so a redelivered envelope (its ack was lost with the
  // socket) is acknowledged again but not handled twice (handlers/events/dedupe.ts).
  const receiver = new SocketModeReceiver({
    appToken: cfg.appToken,
    logger: log,
    installerOptions: { clientOptions },
    customPropertiesExtractor: (args) => (typeof args.envelope_id === 'string' ? { envelopeId: args.envelope_id } : {}),
  });
  const app = new App({ token: cfg.botToken, receiver, clientOptions, logger: log });
  // /healthz follows the socket: 503 while it is down (reconnecting, refreshing).
  let connected = false;
  receiver.client.on('connected', () => {
    connected = true;
  });
  for (const ev of ['close', 'disconnected', 'reconnecting', 'disconnecting']) {
    receiver.client.on(ev, () => {
      connected = false;
    });
  }
  let opsRoutes: OpsRoutes | undefined;
  const health = createServer((req, res) => {
    if (opsRoutes?.(req, res)) return;
    if (req.url !== '/healthz') {
      res.writeHead(404);
      res.end();
      return;
    }
    if (connected) return healthz(req, res);
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, socket: 'down' }));
  });
  return {
    app,
    setOpsRoutes: (routes) => {
      opsRoutes = routes;
    },
    connected: () => connected,
    start: async () => {
      await app.start();
      await new Promise<void>((r) => health.listen(cfg.port, '0.0.0.0', r));
      return { port: (health.address() as AddressInfo).port };
    },
    stop: async () => {
      await app.stop();
      health.close();
    },
  };
}
