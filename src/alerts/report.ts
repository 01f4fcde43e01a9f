/** The weekly summary of a channel's alerts: failures, top causes, mean time to resolve, noisiest tasks. */
import type { AlertCard } from '../store/alerts.js';

export interface AlertReport {
  from: number;
  to: number;
  cards: number;
  failures: number;
  blocked: number;
  resolved: number;
  mttrMs: number | undefined;
  topCauses: { title: string; count: number }[];
  noisiest: { taskName: string; count: number }[];
}

export function computeReport(cards: AlertCard[], from: number, to: number): AlertReport {
  const inWindow = cards.filter((c) => c.firstSeen >= from && c.firstSeen < to);
  const resolved = inWindow.filter((c) => c.status === 'resolved' && c.resolvedAt !== null);
  const causes = new Map<string, number>();
  const tasks = new Map<string, number>();
  for (const c of inWindow) {
    const title = c.causeTitle ?? 'Unknown cause';
    causes.set(title, (causes.get(title) ?? 0) + c.count);
    tasks.set(c.taskName, (tasks.get(c.taskName) ?? 0) + c.count);
  }
  const top = <K>(m: Map<K, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return {
    from,
    to,
    cards: inWindow.length,
    failures: inWindow.reduce((s, c) => s + c.count, 0),
    blocked: inWindow.reduce((s, c) => s + c.blocked.length, 0),
    resolved: resolved.length,
    mttrMs: resolved.length ? resolved.reduce((s, c) => s + (c.resolvedAt! - c.failedAt), 0) / resolved.length : undefined,
    topCauses: top(causes).map(([title, count]) => ({ title, count })),
    noisiest: top(tasks).map(([taskName, count]) => ({ taskName, count })),
  };
}

/** Monday 09:00 UTC of the week containing `t`. */
export function weekStart(t: number): number {
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day, 9, 0, 0);
}
