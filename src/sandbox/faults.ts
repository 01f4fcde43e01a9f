/**
 * Fault injection for tests and benchmarks: per-path latency, HTTP errors (500, 429 with
 * Retry-After, …), dropped connections, malformed JSON and business error codes.
 */

export type FaultKind = 'latency' | 'status' | 'drop' | 'malformed' | 'business';

export interface FaultRule {
  /** Exact request path, or '*' for every path. */
  path: string;
  kind: FaultKind;
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
  /** latency: delay before handling, ms. */
  ms?: number;
  /** latency: hold the request until this settles (a test decides when Studio gets to it). */
  gate?: Promise<unknown>;
  /** status: the HTTP status to answer. */
  status?: number;
  /** status 429: Retry-After seconds. */
  retryAfterSec?: number;
  /** business: the envelope code and message. */
  code?: string;
  message?: string;
  /** drop/status/malformed: apply the request first, then fail the answer (a write that happened). */
  afterHandling?: boolean;
}

export class FaultInjector {
  private rules: (FaultRule & { remaining: number })[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The faults that apply to one request to `path` (at most one of each kind), consuming them. */
  take(path: string): FaultRule[] {
    const hit: FaultRule[] = [];
    const kinds = new Set<FaultKind>();
    for (const r of this.rules) {
      if (r.remaining <= 0 || kinds.has(r.kind)) continue;
      if (r.path !== '*' && r.path !== path) continue;
      r.remaining--;
      kinds.add(r.kind);
      hit.push(r);
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return hit;
  }

  get pending(): number {
    return this.rules.length;
  }
}
