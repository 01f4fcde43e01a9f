/**
 * No statement in src/ or handlers/ drops a promise. The stores answer promises (src/store/host.ts):
 * a store call neither awaited nor returned would run out of order with the caller's next one (on
 * PostgreSQL it may go to another store thread) and lose its error.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

it('every promise a statement makes is awaited, returned, handled or marked void', async () => {
  const r = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'floating-promises.mjs')], { cwd: ROOT }).catch((e: { stdout: string; code: number }) => e);
  expect(r.stdout.trim().split('\n').filter(Boolean)).toEqual([]);
}, 60_000);
