/**
 * The read-only guard, tested directly: the hostile statements (and their kin) are refused with a
 * reason, and every statement shape the bot sends is accepted.
 */
import { describe, expect, it } from 'vitest';
import { SqlRefused, assertReadOnly } from '../../src/lakehouse/guard.js';
import { BOT_SQL, HOSTILE_SQL } from './hostile-sql.js';

describe('hostile statements are refused', () => {
  it.each(HOSTILE_SQL)('$name', ({ sql }) => {
    let err: unknown;
    try {
      assertReadOnly(sql);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SqlRefused);
    expect((err as SqlRefused).reason.length).toBeGreaterThan(5);
  });
});

describe("the bot's own statements are accepted", () => {
  it.each(BOT_SQL)('%s', (sql) => {
    expect(assertReadOnly(sql)).toBe(sql);
  });
});
