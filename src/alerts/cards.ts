/** What the cards of an alert channel say about themselves, for the card and digest builders and the handlers. */
import type { AlertCard } from '../store/alerts.js';

/** The downstream runs a card's root still blocks. */
export function stillBlocked(card: AlertCard) {
  return card.blocked.filter((b) => b.fixedRunId === undefined);
}

/** Open cards of a digest by cause (the knowledge entry's id; '' for causes not in the table). */
export function openRootsByCause(cards: AlertCard[]): Map<string, { title: string; cards: AlertCard[] }> {
  const by = new Map<string, { title: string; cards: AlertCard[] }>();
  for (const c of cards) {
    if (c.status !== 'open') continue;
    const key = c.causeId ?? '';
    const entry = by.get(key) ?? { title: c.causeTitle ?? 'Not in the knowledge table', cards: [] };
    entry.cards.push(c);
    by.set(key, entry);
  }
  return by;
}

/** A Dynamic Table card's subject ('dt:<schema>.<table>'), and back. */
export const dtSubject = (table: string) => `dt:${table}`;
export const tableOfSubject = (subject: string | null): string | undefined => (subject?.startsWith('dt:') ? subject.slice(3) : undefined);
