/**
 * A request that names something the bot never offered or no longer knows: a card, digest,
 * operation or wizard session that does not exist, a menu choice that was not in the menu, a
 * button value that is not what the bot put there, a workspace it does not serve. Such a request
 * is refused with a message for the person and audited (who, and what they referred to); it never
 * reaches Studio.
 */
import type { z } from 'zod';

/** The longest reference kept in an audit row (a forged value can be of any length). */
const MAX_REF = 64;

/** `kind:ref`, the reference clipped and stripped of control characters, for the audit row's target. */
export function referenceTarget(kind: string, ref: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const clean = ref.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return `${kind}:${clean.length > MAX_REF ? `${clean.slice(0, MAX_REF - 1)}…` : clean || 'none'}`;
}

export class UnknownReference extends Error {
  /** What the audit row names: the action refused (default: the interaction's own id) and its target. */
  readonly audit: { action?: string; target: string; taskName?: string };
  /** The heading the person reads above the message. */
  readonly title: string;

  constructor(message: string, audit: { action?: string; target: string; taskName?: string }, title = 'Not something the bot offered') {
    super(message);
    this.name = 'UnknownReference';
    this.audit = audit;
    this.title = title;
  }
}

/**
 * The value a button or menu carries, read as the bot wrote it (JSON of a known shape); anything
 * else is an unknown reference naming `what` (e.g. "this card's buttons").
 */
export function parseActionValue<T>(value: string | undefined, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(value ?? '');
  } catch {
    raw = undefined;
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new UnknownReference(`This is not a value the bot put on ${what}; nothing was done.`, { target: referenceTarget('value', value ?? '') });
  return r.data;
}
