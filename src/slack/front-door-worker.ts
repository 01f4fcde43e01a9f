/**
 * The front door's thread (see front-door.ts): it owns the public HTTP port and does nothing but
 * read requests, check them (request-guard.ts), acknowledge those that need no listener's answer,
 * and pass every request on to the bot's own server on loopback.
 */
import { type IncomingMessage, type ServerResponse, Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { acknowledgedAtOnce, checkSlackRequest, memoryReplayWindow, refuse } from './request-guard.js';

export interface FrontDoorSetup {
  port: number;
  /** The bot's own server (loopback). */
  innerPort: number;
  signingSecret: string;
  /** Signatures already seen (from the database: earlier processes, other replicas). */
  seen: string[];
}

/** What the thread tells the bot's thread. */
export type FrontDoorMessage = { listening: number } | { failed: string } | { warn: string };

/** Set by the `listen` message: the thread starts (loads its code) before the bot knows its loopback port. */
let setup: FrontDoorSetup;
const tell = (m: FrontDoorMessage) => parentPort!.postMessage(m);
const inner = new Agent({ keepAlive: true, maxSockets: 64 });
const firstSeen = memoryReplayWindow();
/** Acknowledged requests on their way to the bot's server (a stop waits for them: see `close`). */
let hops = 0;
let hopsDone: (() => void) | undefined;
const hopEnded = () => {
  hops--;
  if (hops === 0) hopsDone?.();
};

/** Headers passed on: the request's own, less those that describe this hop's connection. */
function forwardedHeaders(req: IncomingMessage, body: Buffer | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'connection' || k === 'keep-alive' || k === 'transfer-encoding') continue;
    out[k] = v;
  }
  if (body) out['content-length'] = String(body.length);
  return out;
}

/**
 * The request to the bot's server. With `answer`, the bot's response goes back to the caller;
 * without (already acknowledged), it is read and dropped.
 */
function pass(req: IncomingMessage, body: Buffer | undefined, answer: ServerResponse | undefined): void {
  let ended = answer !== undefined; // only acknowledged requests are counted
  if (!ended) hops++;
  const end = () => {
    if (ended) return;
    ended = true;
    hopEnded();
  };
  const out = request({ host: '127.0.0.1', port: setup.innerPort, method: req.method, path: req.url, headers: forwardedHeaders(req, body), agent: inner }, (res) => {
    if (!answer) {
      res.on('end', end);
      res.on('close', end);
      res.resume();
      return;
    }
    answer.writeHead(res.statusCode ?? 502, res.headers);
    res.pipe(answer);
  });
  out.on('error', (e) => {
    end();
    if (answer && !answer.headersSent) refuse502(answer);
    else if (!answer) tell({ warn: `an acknowledged request did not reach the bot: ${e.message}` });
  });
  if (body) out.end(body);
  else req.pipe(out);
}

function refuse502(res: ServerResponse): void {
  res.writeHead(502, { 'content-type': 'text/plain' });
  res.end('Bad Gateway');
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'POST' || path !== '/slack/events') return pass(req, undefined, res);
  void checkSlackRequest(req, { signingSecret: setup.signingSecret, firstSeen })
    .then((v) => {
      if (!v.ok) {
        tell({ warn: `refused a request to /slack/events: ${v.status} ${v.reason}` });
        return refuse(res, v.status);
      }
      if (acknowledgedAtOnce(String(req.headers['content-type'] ?? ''), v.rawBody.toString('utf8'))) {
        res.writeHead(200, { 'content-length': '0' });
        res.end();
        return pass(req, v.rawBody, undefined);
      }
      return pass(req, v.rawBody, res);
    })
    .catch((e: unknown) => {
      tell({ warn: `request to /slack/events failed: ${(e as Error).message}` });
      if (!res.headersSent) refuse(res, 400);
    });
});

server.on('error', (e) => tell({ failed: e.message }));

parentPort!.on('message', (m: { listen?: FrontDoorSetup; close?: true }) => {
  if (m.listen) {
    setup = m.listen;
    for (const signature of setup.seen) firstSeen(signature);
    server.listen(setup.port, () => tell({ listening: (server.address() as AddressInfo).port }));
  }
  if (m.close) {
    // No new connections; the acknowledged requests still on their way reach the bot (for at most
    // 3 s) before the connections are cut — a command answered 200 must not be dropped by a stop.
    server.close();
    server.closeIdleConnections();
    let cutAlready = false;
    const cut = () => {
      if (cutAlready) return;
      cutAlready = true;
      server.closeAllConnections();
      inner.destroy();
      parentPort!.close();
    };
    if (hops === 0) cut();
    else {
      const timer = setTimeout(cut, 3000);
      hopsDone = () => {
        clearTimeout(timer);
        cut();
      };
    }
  }
});
