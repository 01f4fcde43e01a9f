/**
 * The operator's endpoints, served wherever the bot listens (HTTP mode's server, Socket Mode's health
 * port, the playground): `/healthz` — the process is alive and answering; `/readyz` — it can do its
 * work: the database takes a write, Studio answered recently (or answers a probe now), Slack is
 * connected; `/metrics` — Prometheus text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

export interface ReadinessCheck {
  name: string;
  /** undefined when fine, else what is wrong. */
  check(): Promise<string | undefined>;
}

export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

const CHECK_TIMEOUT_MS = 5000;

function withTimeout(p: Promise<string | undefined>, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(`no answer within ${ms / 1000} s`), ms);
    p.then(
      (v) => resolve(v),
      (e: unknown) => resolve((e as Error).message),
    ).finally(() => clearTimeout(t));
  });
}

export async function readiness(checks: ReadinessCheck[]): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await withTimeout(c.check(), CHECK_TIMEOUT_MS)] as const));
  return { ready: results.every(([, problem]) => problem === undefined), checks: Object.fromEntries(results.map(([n, p]) => [n, p ?? 'ok'])) };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** Handles GET /healthz, /readyz and /metrics; false for anything else (the caller goes on). */
export function opsRoutes(metrics: Metrics, checks: ReadinessCheck[]): OpsRoutes {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/healthz') {
      send(res, 200, 'application/json', JSON.stringify({ ok: true }));
      return true;
    }
    if (path === '/readyz') {
      void readiness(checks).then((r) => send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify({ ok: r.ready, checks: r.checks })));
      return true;
    }
    if (path === '/metrics') {
      metrics.text().then(
        (text) => send(res, 200, metrics.contentType, text),
        (e: unknown) => send(res, 500, 'text/plain', `metrics failed: ${(e as Error).message}\n`),
      );
      return true;
    }
    return false;
  };
}
