/**
 * One of several processes writing to one PostgreSQL database at once (test/store/concurrency.test.ts):
 * appends `n` audit rows, claims the idempotency keys k0…k(n-1) and adds a baseline per row (tasks
 * <worker>_i, into the one stored list), then prints the keys it claimed first.
 * Usage: tsx test/helpers/store-hammer.ts <database url> <worker name> <n>
 */
import { AlertStore } from '../../src/store/alerts.js';
import { AuditLog } from '../../src/store/audit.js';
import { keyFromHex } from '../../src/store/audit-key.js';
import { openDatabase } from '../../src/store/database.js';
import { OperationStore } from '../../src/store/operations.js';

const [url, worker, n] = process.argv.slice(2) as [string, string, string];
const db = openDatabase(url);
const audit = new AuditLog(db, keyFromHex('f'.repeat(64)));
const ops = new OperationStore(db, Date.now, worker);
const alerts = new AlertStore(db);
const claimed: string[] = [];
for (let i = 0; i < Number(n); i++) {
  audit.append({ at: Date.now(), opId: `${worker}-${i}`, actorId: worker, source: 'system', action: 'rerun', target: `run:${i}`, params: { i }, outcome: 'requested' });
  alerts.putBaseline({ task: `${worker}_${i}`, cycle: 'daily', hour: 9, minute: 0, marginMin: 30, by: worker });
  if (ops.claim(`k${i}`, `${worker}-${i}`, 3_600_000).kind === 'new') claimed.push(`k${i}`);
}
db.close();
process.stdout.write(`${JSON.stringify({ worker, claimed })}\n`);
