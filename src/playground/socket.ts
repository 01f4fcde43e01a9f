/**
 * Slack's side of Socket Mode, for the playground (Slack's documentation, "Using Socket Mode"):
 * `apps.connections.open` with the app-level token hands out a one-time WebSocket URL; the socket
 * says `hello`; slash commands, interactions and events go out as envelopes that the app must
 * acknowledge with `{envelope_id, payload}` within 3 seconds; an envelope not acknowledged in time
 * is sent again (with `retry_attempt` and `retry_reason`) on whatever connection is open then;
 * `disconnect` with `refresh_requested` asks the app to open a new connection.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface Delivery {
  /** The app's acknowledgement payload (an empty object when it sent none), or undefined when it never came. */
  ack: Record<string, unknown> | undefined;
  attempts: number;
}

export interface SocketSideOptions {
  /** How long the app has to acknowledge an envelope (Slack: 3 s). */
  ackTimeoutMs?: number;
  /** Redeliveries after the first attempt (Slack retries an event three times). */
  retries?: number;
  /** How long an envelope waits for an app to be connected at all. */
  connectWaitMs?: number;
}

export interface SocketStatus {
  connected: number;
  opened: number;
  delivered: number;
  redelivered: number;
}

export class PlaygroundSocket {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets: WebSocket[] = [];
  private readonly waiting = new Map<string, (payload: Record<string, unknown>) => void>();
  private nextSocket = 0;
  private readonly stats = { opened: 0, delivered: 0, redelivered: 0 };
  private readonly ackTimeoutMs: number;
  private readonly retries: number;
  private readonly connectWaitMs: number;
  /** Test hook: this many of the next acknowledgements are lost on the way (as when a socket dies). */
  loseAcks = 0;
  /** The envelopes sent, in order (the most recent 1,000: the playground's journal of what it delivered). */
  readonly sent: { envelopeId: string; type: EnvelopeType; attempt: number }[] = [];

  constructor(
    readonly appToken: string,
    private readonly selfUrl: () => string,
    o: SocketSideOptions = {},
  ) {
    this.ackTimeoutMs = o.ackTimeoutMs ?? 3000;
    this.retries = o.retries ?? 3;
    this.connectWaitMs = o.connectWaitMs ?? 30_000;
    this.wss.on('connection', (ws) => this.accept(ws));
  }

  /** `apps.connections.open`: only the app-level token opens a connection. */
  open(token: string | undefined): Record<string, unknown> {
    if (!token) return { ok: false, error: 'not_authed' };
    if (token.startsWith('xoxb-') || token.startsWith('xoxp-')) return { ok: false, error: 'not_allowed_token_type' };
    if (token !== this.appToken) return { ok: false, error: 'invalid_auth' };
    const ticket = randomUUID();
    this.tickets.add(ticket);
    setTimeout(() => this.tickets.delete(ticket), 60_000).unref();
    return { ok: true, url: `${this.selfUrl().replace(/^http/, 'ws')}/socket-mode/link?ticket=${ticket}` };
  }

  /** Attach to the playground's HTTP server: upgrades on /socket-mode/link with a valid ticket. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const ticket = url.searchParams.get('ticket') ?? '';
      if (url.pathname !== '/socket-mode/link' || !this.tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    this.stats.opened++;
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.length,
        debug_info: { host: 'playground', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0PLAY' },
      }),
    );
    ws.on('message', (data) => {
      let m: { envelope_id?: unknown; payload?: unknown };
      try {
        m = JSON.parse(String(data)) as typeof m;
      } catch {
        return;
      }
      if (typeof m.envelope_id !== 'string') return;
      if (this.loseAcks > 0) {
        this.loseAcks--;
        return;
      }
      this.waiting.get(m.envelope_id)?.((m.payload as Record<string, unknown> | undefined) ?? {});
    });
    ws.on('close', () => {
      const i = this.sockets.indexOf(ws);
      if (i >= 0) this.sockets.splice(i, 1);
    });
  }

  status(): SocketStatus {
    return { connected: this.sockets.filter((s) => s.readyState === WebSocket.OPEN).length, ...this.stats };
  }

  /** Ask every connected app to reconnect, as Slack does before recycling a connection. */
  refresh(): void {
    for (const s of this.sockets) s.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'playground' } }));
  }

  /** Drop every connection without a word. */
  drop(): void {
    for (const s of [...this.sockets]) s.terminate();
  }

  private async openSocket(): Promise<WebSocket | undefined> {
    const end = Date.now() + this.connectWaitMs;
    for (;;) {
      const open = this.sockets.filter((s) => s.readyState === WebSocket.OPEN);
      if (open.length > 0) return open[this.nextSocket++ % open.length];
      if (Date.now() > end) return undefined;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Deliver one envelope and wait for its acknowledgement; not acknowledged within the time limit,
   * it is sent again (same envelope id), up to `retries` times.
   */
  async deliver(type: EnvelopeType, payload: unknown): Promise<Delivery> {
    const envelopeId = randomUUID();
    let acked: Record<string, unknown> | undefined;
    let attempts = 0;
    try {
      for (let attempt = 0; attempt <= this.retries && acked === undefined; attempt++) {
        const ws = await this.openSocket();
        if (!ws) break;
        const gotAck = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.ackTimeoutMs);
          timer.unref();
          this.waiting.set(envelopeId, (p) => {
            acked ??= p;
            clearTimeout(timer);
            resolve();
          });
        });
        this.sent.push({ envelopeId, type, attempt });
        if (this.sent.length > 1000) this.sent.splice(0, this.sent.length - 1000);
        attempts++;
        if (attempt === 0) this.stats.delivered++;
        else this.stats.redelivered++;
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            retry_attempt: attempt,
            retry_reason: attempt === 0 ? '' : 'timeout',
          }),
        );
        await gotAck;
      }
      return { ack: acked, attempts };
    } finally {
      this.waiting.delete(envelopeId);
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}
