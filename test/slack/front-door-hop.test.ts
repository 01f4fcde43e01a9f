/**
 * The front door's hop to the bot's own server (src/slack/front-door.ts): a request acknowledged at
 * the door must reach the bot, or the person's command is answered 200 and then never. The bot's
 * server here is a stand-in that counts what it receives.
 *  - Keep-alive connections between the two race when the bot's server closes one it kept idle just
 *    as the door sends the next request on it: the stand-in closes idle connections after 20 ms and
 *    commands arrive 15–25 ms apart.
 *  - A stop (SIGTERM, a rolling deploy) while a command is on its way: before, the door cut every
 *    connection at once and the acknowledged command was lost.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { type FrontDoor, frontDoorThread } from '../../src/slack/front-door.js';
import { SIGNING_SECRET, signedHeaders, slashCommandForm } from '../helpers/bot.js';

/** The bot's server, standing in: the commands' texts it received; each connection held `holdMs` before it is read. */
async function standIn(o: { keepAliveMs?: number; holdMs?: number } = {}): Promise<{ server: Server; port: number; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      received.push(new URLSearchParams(body).get('text') ?? '');
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  if (o.keepAliveMs) server.keepAliveTimeout = o.keepAliveMs;
  if (o.holdMs)
    server.on('connection', (socket) => {
      socket.pause();
      setTimeout(() => socket.resume(), o.holdMs);
    });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, received };
}

const opened: { door: FrontDoor; server: Server }[] = [];
async function doorTo(inner: { server: Server; port: number }): Promise<{ door: FrontDoor; port: number }> {
  const door = frontDoorThread(createLogger('silent'));
  opened.push({ door, server: inner.server });
  return { door, port: await door.open({ port: 0, innerPort: inner.port, signingSecret: SIGNING_SECRET, seen: [] }) };
}

afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.door.close();
    o.server.closeAllConnections();
    await new Promise<void>((r) => o.server.close(() => r()));
  }
});

async function send(port: number, text: string): Promise<number> {
  const body = slashCommandForm({ text, user: 'U1', responseUrl: 'http://127.0.0.1:9/r' });
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers: { ...signedHeaders(body), connection: 'close' }, body });
  await res.text();
  return res.status;
}

describe("the front door's hop to the bot", () => {
  it('every acknowledged command reaches the bot once, though the bot closes idle connections as the door reuses them', async () => {
    const inner = await standIn({ keepAliveMs: 20 });
    const { port } = await doorTo(inner);
    const n = 100;
    for (let i = 0; i < n; i++) {
      expect(await send(port, `help ${i}`)).toBe(200);
      await new Promise((r) => setTimeout(r, 15 + (i % 11)));
    }
    await new Promise((r) => setTimeout(r, 500));
    const once = new Set(inner.received);
    expect(inner.received.length - once.size).toBe(0);
    expect(Array.from({ length: n }, (_, i) => `help ${i}`).filter((t) => !once.has(t))).toEqual([]);
  }, 30_000);

  it('a stop while an acknowledged command is on its way lets it reach the bot first', async () => {
    const inner = await standIn({ holdMs: 400 }); // the bot's thread busy: the hop's connection is read 400 ms late
    const { door, port } = await doorTo(inner);
    expect(await send(port, 'help on the way')).toBe(200); // acknowledged at the door
    await door.close(); // the stop comes at once
    expect(inner.received).toEqual(['help on the way']);
  });
});
