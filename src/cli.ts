/**
 * `studio-ops <command>`: operational commands outside Slack.
 *   studio-ops audit verify     check the audit log's hash chain (exit 1 on a break)
 */
import { loadConfig } from './config.js';
import { AuditLog } from './store/audit.js';
import { openDatabase } from './store/database.js';

const USAGE = 'usage: studio-ops audit verify [--db FILE]';

function dbPathFrom(args: string[]): string {
  const i = args.indexOf('--db');
  if (i >= 0) {
    const p = args[i + 1];
    if (!p) fail('--db needs a file');
    return p;
  }
  return loadConfig().databasePath;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

export async function runCli(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'audit' && command === 'verify') {
    const db = openDatabase(dbPathFrom(rest));
    const result = new AuditLog(db).verify();
    db.close();
    if (result.ok) {
      process.stdout.write(`audit log intact: ${result.rows} rows, hash chain verified\n`);
      return 0;
    }
    process.stdout.write(`audit log BROKEN at row ${result.brokenAt} (${result.rows} rows read): ${result.reason}\n`);
    return 1;
  }
  if (group === undefined || group === 'help' || group === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  fail(`unknown command: ${argv.join(' ')}`);
}

const exitCode = await runCli(process.argv.slice(2));
process.exitCode = exitCode;
