/**
 * Slack's side of Socket Mode, for tests: apps.connections.open (on the fake Web API) hands out
 * this server's URL; a connection is greeted with `hello`; envelopes (slash_commands, interactive,
 * events_api) go out and their acks come back; `disconnect` with `refresh_requested`, or a socket
 * dropped without warning, make the app connect again.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack } from './fake-slack.js';

export interface FakeSocketMode {
  /** Connections opened so far (a reconnect adds one). */
  connections: number;
  /** Acks received, by envelope id, with the payload the app answered with. */
  acks: Map<string, unknown>;
  /** Send an envelope on the current connection; resolves with its ack (rejects after `timeoutMs`). */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: unknown, o?: { envelopeId?: string; timeoutMs?: number }): Promise<{ envelopeId: string; ack: unknown }>;
  /** Ask the app to reconnect, as Slack does before it recycles a connection. */
  refresh(): void;
  /** Drop the socket without a word. */
  drop(): void;
  /** Resolves once a new connection has said hello (after `connections` reached `n`). */
  waitForConnection(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeSocketMode(slack: FakeSlack): Promise<FakeSocketMode> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
  slack.useSocket(() => `${url}?ticket=${randomUUID()}`);
  let current: WebSocket | undefined;
  const acks = new Map<string, unknown>();
  const waiting = new Map<string, (ack: unknown) => void>();
  const state = { connections: 0 };
  wss.on('connection', (ws) => {
    current = ws;
    state.connections++;
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 18060 }, connection_info: { app_id: 'A1' } }));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      if (!m.envelope_id) return;
      acks.set(m.envelope_id, m.payload ?? null);
      waiting.get(m.envelope_id)?.(m.payload ?? null);
    });
  });
  const until = async (f: () => boolean, ms: number, what: string) => {
    const end = Date.now() + ms;
    while (!f()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    get connections() {
      return state.connections;
    },
    acks,
    send: async (type, payload, o = {}) => {
      const envelopeId = o.envelopeId ?? randomUUID();
      await until(() => current?.readyState === WebSocket.OPEN, 10_000, 'an open socket');
      const acked = new Promise<unknown>((resolve, reject) => {
        waiting.set(envelopeId, resolve);
        setTimeout(() => reject(new Error(`envelope ${envelopeId} not acknowledged in time`)), o.timeoutMs ?? 3000).unref();
      });
      current!.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
      return { envelopeId, ack: await acked };
    },
    refresh: () => current?.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake' } })),
    drop: () => current?.terminate(),
    waitForConnection: (n, timeoutMs = 15_000) => until(() => state.connections >= n && current?.readyState === WebSocket.OPEN, timeoutMs, `connection ${n}`),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
