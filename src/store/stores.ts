/**
 * The bot's stores over one database, built the same way in this thread (SQLite) or in a store
 * thread (PostgreSQL; src/store/host.ts). Each method of each store is atomic on its own (a single
 * statement, or one transaction inside the method): callers never hold a transaction open across
 * calls, so a store may live in another thread and its callers never wait on the database.
 */
import { databaseState, databaseTakesWrites } from '../observability/state.js';
import { AlertStore } from './alerts.js';
import { AuditLog } from './audit.js';
import { type AuditKey, keyFromHex } from './audit-key.js';
import type { Db } from './database.js';
import { LeaseStore } from './leases.js';
import { CauseMemory } from './memory.js';
import { OperationStore } from './operations.js';
import { OperationOutcomes } from './outcomes.js';
import type { Remote } from './remote.js';
import { SeenEvents } from './seen-events.js';
import { WizardStore } from './wizard.js';

/** What /metrics and /readyz ask of the database. */
export class DatabaseHealth {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** The outbox's depth and oldest entry, open cards, operations by status, the database's size. */
  state(): { outbox: { depth: number; oldestAgeSeconds: number }; cardsOpen: number; operationsByStatus: Record<string, number>; databaseBytes: number } {
    const s = databaseState(this.db, this.now);
    return { outbox: s.outbox(), cardsOpen: s.cardsOpen(), operationsByStatus: s.operationsByStatus(), databaseBytes: s.databaseBytes() };
  }

  /** Undefined when the database takes a write; otherwise why not. */
  writable(): string | undefined {
    return databaseTakesWrites(this.db, this.now)();
  }
}

export interface StoreSet {
  audit: AuditLog;
  ops: OperationStore;
  /** How an operation ended: audit row, state, key and lock in one transaction. */
  outcomes: OperationOutcomes;
  wizard: WizardStore;
  seenEvents: SeenEvents;
  memory: CauseMemory;
  leases: LeaseStore;
  alerts: AlertStore;
  health: DatabaseHealth;
}

/** The stores as callers use them: every method answers a promise. */
export type RemoteStores = { readonly [K in keyof StoreSet]: Remote<StoreSet[K]> };

/** What building the stores takes, as plain data (it crosses to a store thread). */
export interface StoreSetup {
  /** This replica: the owner recorded on operations and wizard builds it executes. */
  replica: string;
  /** The audit key (hex) and the earlier ones (AUDIT_OLD_KEYS); without a key, one that lives as long as the stores. */
  auditKeyHex?: string;
  oldAuditKeysHex?: string[];
  /** How long an abandoned wizard session lives. */
  wizardTtlMs?: number;
}

export const auditKeyHex = (k: AuditKey): string => k.key.toString('hex');

export function storesOver(db: Db, setup: StoreSetup, now: () => number): StoreSet {
  const key = setup.auditKeyHex ? keyFromHex(setup.auditKeyHex) : undefined;
  const audit = new AuditLog(db, key, { oldKeys: (setup.oldAuditKeysHex ?? []).map(keyFromHex) });
  const ops = new OperationStore(db, now, setup.replica);
  return {
    audit,
    ops,
    outcomes: new OperationOutcomes(db, audit, ops),
    wizard: new WizardStore(db, now, setup.wizardTtlMs ?? 24 * 3_600_000, setup.replica),
    seenEvents: new SeenEvents(db, now),
    memory: new CauseMemory(db),
    leases: new LeaseStore(db),
    alerts: new AlertStore(db),
    health: new DatabaseHealth(db, now),
  };
}
