/** The embedded engine: one SQLite file in WAL mode (better-sqlite3), the default. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Db, Statement } from './sql.js';
import { cachedPrepare } from './statement-cache.js';

export class SqliteDb implements Db {
  readonly engine = 'sqlite' as const;
  readonly raw: Database.Database;
  private readonly prepared: (sql: string) => Statement;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.raw = new Database(path);
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma('synchronous = NORMAL');
    this.raw.pragma('busy_timeout = 5000');
    this.prepared = cachedPrepare((sql) => this.raw.prepare(sql));
  }

  prepare(sql: string): Statement {
    return this.prepared(sql);
  }

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  transaction<T>(fn: () => T, _scope?: string): () => T {
    return this.raw.transaction(fn) as unknown as () => T;
  }

  sizeBytes(): number {
    return (this.raw.prepare('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()').get() as { bytes: number }).bytes;
  }

  setReadOnly(on: boolean): void {
    this.raw.pragma(`query_only = ${on ? 'ON' : 'OFF'}`);
  }

  close(): void {
    this.raw.close();
  }
}
