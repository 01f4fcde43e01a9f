/**
 * Redactions remembered by their text's digest: the same strings pass again and again (a reply's
 * fixed wording, a list of the same runs, the texts a builder redacted and the Slack boundary redacts
 * again), and each redaction runs three layers over them. Only the digest of a text and its redacted
 * form are kept — never the text itself, which may hold the secret. Bounded by entries and by the
 * characters kept; the least recently used go first. Texts longer than `maxText` are not kept (a
 * log page rarely comes twice, and it would crowd out the rest).
 */
import { createHash } from 'node:crypto';

export class RedactionMemo {
  private readonly kept = new Map<string, string>();
  private chars = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly o: { maxEntries: number; maxChars: number; maxText: number }) {}

  private static key(text: string): string {
    return createHash('sha256').update(text).digest('base64');
  }

  /** The remembered redaction of `text`, or undefined. */
  get(text: string): string | undefined {
    if (text.length > this.o.maxText) return undefined;
    const k = RedactionMemo.key(text);
    const v = this.kept.get(k);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.kept.delete(k); // to the back: most recently used
    this.kept.set(k, v);
    return v;
  }

  set(text: string, redacted: string): void {
    if (text.length > this.o.maxText) return;
    const k = RedactionMemo.key(text);
    const old = this.kept.get(k);
    if (old !== undefined) this.chars -= old.length;
    this.kept.delete(k);
    this.kept.set(k, redacted);
    this.chars += redacted.length;
    while (this.kept.size > this.o.maxEntries || this.chars > this.o.maxChars) {
      const [oldest, value] = this.kept.entries().next().value as [string, string];
      this.kept.delete(oldest);
      this.chars -= value.length;
    }
  }

  clear(): void {
    this.kept.clear();
    this.chars = 0;
  }
}
