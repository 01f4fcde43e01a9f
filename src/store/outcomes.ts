/**
 * How an operation ended, recorded in one transaction: its audit row, its state, its idempotency
 * key's answer and its target's write lock. Apart, a reader (another replica, a test, a person
 * reading /cz audit and then the operation) could see the audit row say `succeeded` while the
 * operation still says `executing`, and a crash between the steps left the two disagreeing.
 */
import type { AppendedRow, AuditEvent, AuditLog } from './audit.js';
import type { Db } from './database.js';
import type { OperationStatus, OperationStore } from './operations.js';

export interface OperationEnd {
  opId: string;
  /** The states it may move from (nothing moves if it is in none of them). */
  from: OperationStatus[];
  to: 'succeeded' | 'failed' | 'unknown';
  result: unknown;
  /** The idempotency key to answer with the result; without it, whatever key the operation claimed. */
  key?: string;
  /** How the key is settled, when not as `to` (an operation answered with another's result: the same person may ask again). */
  keyStatus?: 'succeeded' | 'failed' | 'unknown';
  /** The target whose write lock the operation holds, released with it. */
  unlock?: string;
  /** The audit row that says so. */
  audit?: AuditEvent;
}

export class OperationOutcomes {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly ops: OperationStore,
  ) {}

  /** Record an operation's end; `moved` is false when it was no longer in `from`. */
  end(e: OperationEnd): { moved: boolean; audited?: AppendedRow } {
    // The audit chain's scope: the row is appended inside this transaction (a savepoint takes no lock of its own).
    return this.db.transaction(() => {
      if (e.key !== undefined) this.ops.settle(e.key, e.keyStatus ?? e.to, e.result);
      else this.ops.settleByOp(e.opId, e.keyStatus ?? e.to, e.result);
      const moved = this.ops.transition(e.opId, e.from, e.to, e.result);
      if (e.unlock !== undefined) this.ops.unlockTarget(e.unlock, e.opId);
      if (!e.audit) return { moved };
      const id = this.audit.append(e.audit);
      return { moved, audited: { id, action: e.audit.action, outcome: e.audit.outcome } };
    }, 'audit')();
  }
}
