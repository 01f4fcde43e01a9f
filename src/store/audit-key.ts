/**
 * The audit chain's keys and anchors, kept outside the database.
 *
 * Key: each row's hash is an HMAC-SHA256 under a secret key, so someone who can write the database
 * but not read the key cannot rewrite rows and recompute the chain. The key comes from
 * `AUDIT_KEY` (hex, ≥ 32 bytes) or, unset, from a key file beside the database
 * (`<database>.audit-key`, created with mode 0600 on first start). Rotation: set the new key in
 * `AUDIT_KEY` and list the old ones in `AUDIT_OLD_KEYS` (comma-separated): the chain gets a row
 * signed by the old key naming the new one (see audit.ts), and new rows use the new key. Keys are
 * named by a fingerprint, never stored.
 *
 * Anchors: the chain head (row count, last row id and hash), signed with the audit key and tagged
 * with the chain's name (the workspace), written as one line of text —
 * `audit-anchor v2 chain=… at=… rows=… last=… head=… signer=… mac=…` — to an append-only file beside
 * the database (`<database>.anchors`), to the log, to an optional mirror file and an optional Slack
 * channel (src/store/audit-anchoring.ts says when). The same line is found in any of them (a log
 * file, a Slack export), so `studio-ops audit verify --anchors-from` reads each as it is.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
  /** The chain it belongs to (the workspace's name); absent on anchors written before anchors were signed. */
  chain?: string;
  /** The signing key's fingerprint and the HMAC (absent: an unsigned anchor of an earlier version). */
  keyId?: string;
  mac?: string;
  /** Where it was read, for messages. */
  source?: string;
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

const ANCHOR_LINE = /audit-anchor v2 chain=([A-Za-z0-9_.-]{1,64}) at=(\d{1,16}) rows=(\d{1,16}) last=(\d{1,16}) head=([0-9a-f]{64}) signer=([0-9a-f]{16}) mac=([0-9a-f]{64})/g;

function anchorMac(key: Buffer, a: Pick<Anchor, 'at' | 'rows' | 'lastId' | 'hash'>, chain: string): string {
  return createHmac('sha256', key).update(`studio-ops audit anchor v2|${chain}|${a.at}|${a.rows}|${a.lastId}|${a.hash}`).digest('hex');
}

/** The head, signed with `key`, as an anchor of `chain`. */
export function signAnchor(head: Pick<Anchor, 'at' | 'rows' | 'lastId' | 'hash'>, chain: string, key: AuditKey): Anchor {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(chain)) throw new Error(`an audit chain's name is letters, digits, "_", "-" and "." (got ${JSON.stringify(chain)})`);
  return { at: head.at, rows: head.rows, lastId: head.lastId, hash: head.hash, chain, keyId: key.id, mac: anchorMac(key.key, head, chain) };
}

/** An anchor as its one line of text (found again by `parseAnchors` wherever it was copied). */
export function anchorLine(a: Anchor): string {
  if (!a.chain || !a.keyId || !a.mac) throw new Error('only a signed anchor has a line');
  return `audit-anchor v2 chain=${a.chain} at=${a.at} rows=${a.rows} last=${a.lastId} head=${a.hash} signer=${a.keyId} mac=${a.mac}`;
}

/** 'valid', 'unsigned' (an earlier version's), 'forged' (the signature does not match), or the fingerprint of the key it needs. */
export function checkAnchor(a: Anchor, keys: ReadonlyMap<string, AuditKey>): 'valid' | 'unsigned' | 'forged' | { missingKey: string } {
  if (!a.keyId || !a.mac || !a.chain) return 'unsigned';
  const k = keys.get(a.keyId);
  if (!k) return { missingKey: a.keyId };
  return anchorMac(k.key, a, a.chain) === a.mac ? 'valid' : 'forged';
}

/**
 * Every anchor in a text: signed anchor lines wherever they stand (an anchors file, a JSON log
 * line, a Slack export's message text), and the unsigned JSON lines of earlier anchors files.
 */
export function parseAnchors(text: string, source?: string): Anchor[] {
  const out: Anchor[] = [];
  for (const m of text.matchAll(ANCHOR_LINE)) {
    out.push({ chain: m[1]!, at: Number(m[2]), rows: Number(m[3]), lastId: Number(m[4]), hash: m[5]!, keyId: m[6]!, mac: m[7]!, source });
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"at":')) continue;
    try {
      const a = JSON.parse(line) as Partial<Anchor>;
      if (typeof a.at === 'number' && typeof a.rows === 'number' && typeof a.lastId === 'number' && typeof a.hash === 'string' && /^[0-9a-f]{64}$/.test(a.hash))
        out.push({ at: a.at, rows: a.rows, lastId: a.lastId, hash: a.hash, source });
    } catch {
      // not an anchor
    }
  }
  return out;
}

export interface AnchorSource {
  path: string;
  exists: boolean;
  anchors: Anchor[];
}

/** The lines of a file, a megabyte at a time (a log file may be larger than memory would like). */
function* fileLines(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let carry = '';
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const parts = (carry + buf.toString('utf8', 0, n)).split('\n');
      carry = parts.pop()!;
      yield* parts;
    }
    if (carry) yield carry;
  } finally {
    closeSync(fd);
  }
}

/**
 * The anchors kept at `path`: an anchors file, a log file, or a folder (a Slack channel export:
 * every file under it). A missing path is reported as such, not as an empty one.
 */
export function readAnchorSource(path: string): AnchorSource {
  if (!existsSync(path)) return { path, exists: false, anchors: [] };
  const anchors: Anchor[] = [];
  const visit = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) visit(join(p, name));
      return;
    }
    for (const line of fileLines(p)) if (line.includes('audit-anchor v2') || line.startsWith('{"at":')) anchors.push(...parseAnchors(line, path));
  };
  visit(path);
  return { path, exists: true, anchors };
}

/** Append one signed anchor line to an anchors file (created with mode 0600). */
export function appendAnchor(file: string, a: Anchor): void {
  appendFileSync(file, `${anchorLine(a)}\n`, { mode: 0o600 });
}
