/**
 * Counters for what the alert path costs: store calls (each a hop to the store's thread on
 * PostgreSQL) and SQL statements (each a round trip to the database; a transaction's begin and
 * commit count as two). Used by the bulk-poll tests and the storm benchmark.
 */
import type { Db } from '../../src/store/database.js';
import type { Remote } from '../../src/store/remote.js';
import type { Statement } from '../../src/store/sql.js';

/** `store`, counting the calls made to it. */
export function countingRemote<T extends object>(store: Remote<T>): Remote<T> & { calls: number } {
  const counted = { calls: 0 };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'calls') return counted.calls;
      const member = Reflect.get(target, prop) as unknown;
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        counted.calls++;
        return (member as (...a: unknown[]) => unknown)(...args);
      };
    },
    set(_target, prop, value) {
      if (prop !== 'calls') return false;
      counted.calls = value as number;
      return true;
    },
  }) as Remote<T> & { calls: number };
}

/** `db`, counting the statements it runs (each a round trip on PostgreSQL; a transaction's begin and commit are two). */
export function countingDb(db: Db): Db & { statements: number } {
  const counted = Object.create(db) as Db & { statements: number };
  counted.statements = 0;
  const count = (st: Statement): Statement => ({
    get: (...p) => {
      counted.statements++;
      return st.get(...p);
    },
    all: (...p) => {
      counted.statements++;
      return st.all(...p);
    },
    run: (...p) => {
      counted.statements++;
      return st.run(...p);
    },
  });
  counted.prepare = (sql) => count(db.prepare(sql));
  counted.exec = (sql) => {
    counted.statements++;
    db.exec(sql);
  };
  counted.transaction = (fn) => {
    const tx = db.transaction(fn);
    return () => {
      counted.statements += 2;
      return tx();
    };
  };
  return counted;
}
