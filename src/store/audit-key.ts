/**
 * The audit chain's keys and anchors, kept outside the database.
 *
 * Key: each row's hash is an HMAC-SHA256 under a secret key, so someone who can write the database
 * but not read the key cannot rewrite rows and recompute the chain. The key comes from
 * `AUDIT_KEY` (hex, ≥ 32 bytes) or, unset, from a key file beside the database
 * (`<database>.audit-key`, created with mode 0600 on first start). Rotation: set the new key in
 * `AUDIT_KEY` and list the old ones in `AUDIT_OLD_KEYS` (comma-separated): new rows use the new
 * key, a segment table records which key signed which rows, and verification uses each segment's
 * key (identified by a fingerprint, never stored itself).
 *
 * Anchors: the chain head (last row id and hash, with the row count) is checkpointed periodically
 * to an append-only file beside the database (`<database>.anchors`), to the log, and when
 * configured to an audit Slack channel. Verification checks every anchor against the table: a
 * truncated tail or a rewritten chain (even with the key) no longer matches.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface AuditKey {
  /** Fingerprint of the key: names it in the segment table without revealing it. */
  id: string;
  key: Buffer;
}

export interface Anchor {
  at: number;
  rows: number;
  lastId: number;
  hash: string;
}

export function keyFromHex(hex: string): AuditKey {
  const t = hex.trim();
  if (!/^[0-9a-fA-F]{64,}$/.test(t)) throw new Error('an audit key must be at least 32 bytes of hex (64 hex characters)');
  const key = Buffer.from(t, 'hex');
  return { id: createHmac('sha256', key).update('studio-ops audit key id').digest('hex').slice(0, 16), key };
}

function keyFilePath(databasePath: string): string | undefined {
  return databasePath === ':memory:' ? undefined : `${databasePath}.audit-key`;
}

export function anchorsFilePath(databasePath: string): string | undefined {
  return databasePath === ':memory:' ? undefined : `${databasePath}.anchors`;
}

/**
 * The current key and the old ones. `AUDIT_KEY` wins; else the key file (created when missing);
 * an in-memory database gets a key of its own that lives as long as the process.
 */
export function loadAuditKeys(databasePath: string, env: { AUDIT_KEY?: string; AUDIT_OLD_KEYS?: string } = process.env): { current: AuditKey; all: Map<string, AuditKey> } {
  let current: AuditKey;
  const file = keyFilePath(databasePath);
  if (env.AUDIT_KEY?.trim()) current = keyFromHex(env.AUDIT_KEY);
  else if (file && existsSync(file)) current = keyFromHex(readFileSync(file, 'utf8'));
  else {
    let hex = randomBytes(32).toString('hex');
    if (file) {
      try {
        writeFileSync(file, `${hex}\n`, { mode: 0o600, flag: 'wx' });
        chmodSync(file, 0o600);
      } catch (e) {
        // Another process created it first: use that one.
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        hex = readFileSync(file, 'utf8');
      }
    }
    current = keyFromHex(hex);
  }
  const all = new Map([[current.id, current]]);
  for (const old of (env.AUDIT_OLD_KEYS ?? '').split(',').filter((x) => x.trim())) {
    const k = keyFromHex(old);
    all.set(k.id, k);
  }
  return { current, all };
}

export function appendAnchor(file: string, a: Anchor): void {
  appendFileSync(file, `${JSON.stringify(a)}\n`, { mode: 0o600 });
}

export function readAnchors(file: string | undefined): Anchor[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Anchor);
}
