/**
 * Structural redaction: secrets found by where they stand, with no knowledge of any vendor.
 *
 * - credentials in URLs (`scheme://user:pw@`, `scheme://:pw@`, `scheme://TOKEN@`), webhook paths,
 *   secret query parameters; Oracle's `user/pw@host`;
 * - the value of a secret-named key in every syntax: `k=v`, `k: v`, `k：v`, `k => v`, JSON and
 *   escaped JSON, YAML, INI, XML elements and attributes, `name`/`value` pairs, environment exports;
 * - command lines: `--password v`, `--password=v`, `-p v`, `-pV`, `-u user:pw`;
 * - SQL: `IDENTIFIED BY …`, `PASSWORD '…'`; Dockerfile `ENV`/`ARG NAME value`;
 * - password hashes in crypt's format (`$apr1$…`, `$2y$…`, `$6$…`);
 * - private keys (PEM, OpenSSH, PGP, PuTTY), whole, even without their BEGIN line;
 * - authorization schemes (`Bearer …`, `Basic …`).
 *
 * Every pattern is bounded (no nested quantifiers over the same characters), so the time is linear
 * in the text; each detector returns spans, masked once at the end.
 */
import { looksRandom } from './entropy.js';
import { KeyRoles } from './names.js';
import { MASK, type Span } from './spans.js';

const MAX_VALUE = 4096;

function isStop(text: string, j: number): boolean {
  const c = text.charCodeAt(j);
  switch (c) {
    case 32: // space
    case 9:
    case 10:
    case 13:
    case 34: // "
    case 39: // '
    case 96: // `
    case 44: // ,
    case 59: // ;
    case 124: // |
    case 60: // <
    case 62: // >
    case 40: // (
    case 41: // )
    case 123: // {
    case 125: // }
    case 91: // [
    case 93: // ]
    case 92: // backslash (the end of a value in escaped JSON)
      return true;
    case 38: // & ends a query parameter, unless it is an HTML entity (Slack escapes & < >)
      return !/^&(?:amp|lt|gt|quot|#\d{1,5});/.test(text.slice(j, j + 7));
    default:
      // Full-width punctuation and CJK text end a value written in Chinese: 密码：abc，请…
      return c >= 0x3000 && ((c >= 0x3000 && c <= 0x303f) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xff00 && c <= 0xffef));
  }
}

function unquoted(text: string, p: number, max: number): Span | undefined {
  let j = p;
  const limit = Math.min(text.length, p + max);
  while (j < limit && !isStop(text, j)) j++;
  return j > p ? { start: p, end: j } : undefined;
}

/**
 * The value that starts at `p` (after spaces): quoted (`"…"`, `'…'`, JSON's escaped `\"…\"` at any
 * depth), braced (ODBC's `{…}`), or up to the first space or punctuation that ends a value.
 */
export function readValue(text: string, p: number, max = MAX_VALUE): Span | undefined {
  const n = text.length;
  while (p < n && (text[p] === ' ' || text[p] === '\t')) p++;
  let k = p;
  while (k < n && k - p < 8 && text[k] === '\\') k++;
  const ch = text[k];
  if (ch === '"' || ch === "'" || ch === '`') {
    const start = k + 1;
    const limit = Math.min(n, start + max);
    if (k === p) {
      for (let j = start; j < limit; j++) {
        const c = text[j];
        if (c === '\\') {
          j++;
          continue;
        }
        if (c === '\n') break;
        if (c === ch) {
          if (ch === "'" && text[j + 1] === "'") {
            j++;
            continue; // SQL's '' inside a string
          }
          return { start, end: j };
        }
      }
      return unquoted(text, start, max);
    }
    // Escaped quotes (`\"`, `\\\"`): the value ends at the same escape.
    const close = text.indexOf(text.slice(p, k + 1), start);
    if (close !== -1 && close < limit) return { start, end: close };
    return unquoted(text, start, max);
  }
  if (ch === '{' && k === p) {
    const close = text.indexOf('}', p + 1);
    if (close !== -1 && close - p < 256) return { start: p + 1, end: close };
  }
  return unquoted(text, p, max);
}

const PLACEHOLDER =
  /^(?:\$\{[^}]*\}|\$\(?[A-Z_][A-Z0-9_]*\)?|%[A-Z_][A-Z0-9_]*%|\{\{.*\}\}|%\([^)]*\)s|<[^>]*>|\*+|x{3,}|\.{3}|…|null|none|nil|true|false|yes|no|on|off|empty|undefined|required|optional|hidden|redacted|\[redacted\]|\[hidden\]|\[filtered\]|\[masked\])$/i;

function isPlaceholder(v: string): boolean {
  return v.length === 0 || PLACEHOLDER.test(v) || v.includes(MASK);
}

/** Words of `Authorization: <scheme> <credential>`: the credential follows them. */
const AUTH_SCHEME = /^(?:bearer|basic|token|digest|bot|negotiate|ntlm|oauth|ssws|apikey|api-key|key|sharedaccesssignature|aws4-hmac-sha256|hmac|hmac-sha256)$/i;

/** The secret part of a value: after an authorization scheme word, else the whole value. */
function secretValue(text: string, v: Span): Span | undefined {
  const value = text.slice(v.start, v.end);
  if (AUTH_SCHEME.test(value) && (text[v.end] === ' ' || text[v.end] === '\t')) {
    const next = readValue(text, v.end);
    return next && !isPlaceholder(text.slice(next.start, next.end)) ? next : undefined;
  }
  return isPlaceholder(value) ? undefined : v;
}

function isKeyChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45 || (c >= 0x4e00 && c <= 0x9fff) // 0-9 A-Z a-z _ . - CJK
  );
}

/** The key that ends just before `end` (spaces, closing quotes and escapes skipped). */
function keyBefore(text: string, end: number): string {
  let e = end;
  while (e > 0 && end - e < 4 && (text[e - 1] === ' ' || text[e - 1] === '\t')) e--;
  const q = e;
  while (e > 0 && q - e < 8 && (text[e - 1] === '"' || text[e - 1] === "'" || text[e - 1] === '\\' || text[e - 1] === '`')) e--;
  let s = e;
  while (s > 0 && e - s < 100 && isKeyChar(text.charCodeAt(s - 1))) s--;
  return text.slice(s, e);
}

// `=&gt;` is `=>` once Slack's mrkdwn escaping has been applied.
const SEPARATOR = /=&gt;|=>|:=|[=:：]/g;

/** `key = value` in every syntax where the key is secret-named (or names the next entry's value). */
/** A run's tally, not a password: `PASS=43 WARN=0 ERROR=0 SKIP=0 TOTAL=43` (dbt, test runners) — a bare `pass` counting beside its kin. */
const TALLY_KIN = /\b(?:FAIL(?:ED|URES?)?|ERRORS?|WARN(?:ING)?S?|SKIP(?:PED)?|TOTAL)=\d{1,9}\b/i;
function isPassCount(text: string, key: string, valueStart: number): boolean {
  if (!/^pass$/i.test(key)) return false;
  const digits = /^\d{1,9}(?=\s|$)/.exec(text.slice(valueStart, valueStart + 10));
  if (!digits) return false;
  const lineStart = text.lastIndexOf('\n', valueStart) + 1;
  const lineEnd = text.indexOf('\n', valueStart);
  return TALLY_KIN.test(text.slice(lineStart, lineEnd < 0 ? undefined : Math.min(lineEnd, lineStart + 400)));
}

function keyValueSpans(text: string, out: Span[], roles: KeyRoles): void {
  let pendingUntil = -1;
  SEPARATOR.lastIndex = 0;
  for (let m = SEPARATOR.exec(text); m; m = SEPARATOR.exec(text)) {
    const sepStart = m.index;
    const sepEnd = sepStart + m[0].length;
    if (m[0] === '=' && (text[sepEnd] === '=' || '!<>='.includes(text[sepStart - 1] ?? ''))) continue;
    if (m[0] === ':' && text.startsWith('//', sepEnd)) continue;
    const key = keyBefore(text, sepStart);
    if (!key) continue;
    const role = roles.of(key);
    if (role === 'none') continue;
    if (role === 'secret') {
      if (isPassCount(text, key, sepEnd)) continue;
      const v = readValue(text, sepEnd);
      const s = v && secretValue(text, v);
      if (s) {
        out.push(s);
        // Whatever the masked value held is gone with it: go on after it (linear on `k=k=k=…`).
        SEPARATOR.lastIndex = Math.max(SEPARATOR.lastIndex, s.end);
      }
    } else if (role === 'ambiguous' || role === 'entry-name') {
      const v = readValue(text, sepEnd, 256);
      if (!v) continue;
      const value = text.slice(v.start, v.end);
      // key="DbPassword" value="…", {"name": "password", "value": "…"}: the value that follows is the secret.
      if (role === 'entry-name' && roles.of(value) === 'secret') pendingUntil = v.end + 300;
      else if (role === 'ambiguous' || /^k(?:ey)?$/i.test(key)) {
        if (looksRandom(value, { minLength: 12, allowHex: true })) out.push(v);
      }
    } else if (sepStart < pendingUntil && role === 'entry-value') {
      const v = readValue(text, sepEnd);
      const s = v && secretValue(text, v);
      if (s) {
        out.push(s);
        SEPARATOR.lastIndex = Math.max(SEPARATOR.lastIndex, s.end);
      }
      pendingUntil = -1;
    }
  }
}

const ELEMENT = /<([A-Za-z_][\w.:-]{0,60})(?:\s[^<>]{0,300})?>([^<]{1,4096})<\/\1\s*>/g;

/** `<password>…</password>`; `<name>fs.s3a.secret.key</name><value>…</value>`. */
function xmlElementSpans(text: string, out: Span[], roles: KeyRoles): void {
  let pendingUntil = -1;
  ELEMENT.lastIndex = 0;
  for (let m = ELEMENT.exec(text); m; m = ELEMENT.exec(text)) {
    const tag = m[1]!;
    const content = m[2]!;
    const start = m.index + m[0].indexOf('>') + 1;
    const lead = content.length - content.trimStart().length;
    const span = { start: start + lead, end: start + content.trimEnd().length };
    const role = roles.of(tag);
    if (role === 'secret' || (m.index < pendingUntil && role === 'entry-value')) {
      if (!isPlaceholder(content.trim())) out.push(span);
      pendingUntil = -1;
    } else if (role === 'entry-name' && roles.of(content.trim()) === 'secret') pendingUntil = m.index + m[0].length + 300;
    // Resume inside the element: its content may hold elements of its own.
    ELEMENT.lastIndex = start;
  }
}

const URL = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{1,30}):\/\/([^\s'"<>`|\\，。；）]{1,4096})/g;
const SECRET_QUERY =
  /^(?:key|sig|signature|code|secret|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|ossaccesskeyid|accesskeyid|access_key|api_key|apikey|token|auth)$/i;

/** Credentials in URLs: user info, webhook paths, secret query parameters. */
function urlSpans(text: string, out: Span[], roles: KeyRoles): void {
  URL.lastIndex = 0;
  for (let m = URL.exec(text); m; m = URL.exec(text)) {
    const rest = m[2]!;
    const restStart = m.index + m[0].length - rest.length;
    // User info ends at the last `@` before the path: a password may hold `#` or `?` unescaped.
    const slash = rest.indexOf('/');
    const at = (slash === -1 ? rest : rest.slice(0, slash)).lastIndexOf('@');
    const hostStart = at + 1;
    const hostEnd = rest.slice(hostStart).search(/[/?#]/);
    const authorityEnd = hostEnd === -1 ? -1 : hostStart + hostEnd;
    const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
    if (at !== -1) {
      const info = rest.slice(0, at);
      const colon = info.indexOf(':');
      if (colon !== -1) {
        if (!isPlaceholder(info.slice(colon + 1))) out.push({ start: restStart + colon + 1, end: restStart + at });
      } else if (looksRandom(info, { minLength: 12, allowHex: true }) || (/\d/.test(info) && info.length >= 20)) out.push({ start: restStart, end: restStart + at });
    }
    if (authorityEnd === -1) continue;
    const host = authority.slice(hostStart).toLowerCase();
    const tail = rest.slice(authorityEnd);
    const pathEnd = tail.search(/[?#]/);
    const path = pathEnd === -1 ? tail : tail.slice(0, pathEnd);
    const pathStart = restStart + authorityEnd;
    // A webhook URL is itself the credential: everything after its hook segment.
    const segments = path.split('/');
    let off = 0;
    let hookAt = -1;
    for (let i = 0; i < segments.length; i++) {
      if (i > 0 && /hook/i.test(segments[i]!)) {
        hookAt = off + segments[i]!.length + 1;
        break;
      }
      off += segments[i]!.length + 1;
    }
    if (hookAt === -1 && host.includes('hook') && segments.length > 2) hookAt = segments[0]!.length + 1 + segments[1]!.length + 1;
    if (hookAt !== -1 && hookAt < path.length) out.push({ start: pathStart + hookAt, end: pathStart + path.length });
    if (pathEnd === -1) continue;
    const query = tail.slice(pathEnd + 1);
    const queryStart = pathStart + pathEnd + 1;
    let q = 0;
    for (const pair of query.split(/&(?:amp;)?/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) {
        const name = decodeName(pair.slice(0, eq));
        const value = pair.slice(eq + 1);
        const role = roles.of(name);
        if ((role === 'secret' || role === 'ambiguous' || SECRET_QUERY.test(name)) && !isPlaceholder(value)) {
          const at2 = query.indexOf(pair, q);
          out.push({ start: queryStart + at2 + eq + 1, end: queryStart + at2 + pair.length });
        }
      }
      q = query.indexOf(pair, q) + pair.length;
    }
  }
}

function decodeName(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// Oracle: user/password@//host:1521/svc, user/password@host:1521:SID, user/password@(DESCRIPTION=…)
const ORACLE_ADDRESS = /(?<=^|[\s'"=(,;:])[A-Za-z][\w$#.]{0,63}\/([^\s/@'"<>]{1,128})@(?=\/\/|\(|[\w.-]+(?::\d|\/\w))/gm;
// sqlplus etl/pw@orcl, conn etl/pw, userid=etl/pw@orcl (the tool says what follows is a login)
// (The tool's name is a whole word followed by a space: `exports/ads` is a path, not `exp orts/ads`.)
const ORACLE_LOGIN =
  /\b(?:(?:sqlplus|sqlldr|expdp|impdp|exp|imp|rman|dgmgrl|connect|conn)[ \t]+|userid[ \t]*=[ \t]*)(?:-\w+\s+)*['"]?[A-Za-z][\w$#.]{0,63}\/([^\s/@'"<>]{1,128})/gi;

function oracleSpans(text: string, out: Span[]): void {
  for (const re of [ORACLE_ADDRESS, ORACLE_LOGIN]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const pw = m[1]!;
      const end = m.index + m[0].length;
      if (!isPlaceholder(pw)) out.push({ start: end - pw.length, end });
    }
  }
}

const LONG_FLAG = /(?<![\w-])(--?[A-Za-z][\w.-]{1,60})[ \t]+(?=[^\s-])/g;
const SHORT_FLAG = /(?<![\w-])-([pPakw])(?=[^\s-]|[ \t]+[^\s-])/g;
const USER_COLON = /(?<![\w-])(?:-u|-U|--user|--proxy-user|--http-user|--username)(?:[ \t]*=[ \t]*|[ \t]+|(?=['"]))(['"]?)([^\s:,'"]{1,128})([:,])([^\s'"]{1,512})\1/g;
const USER_FLAG = /(?:^|\s)(?:-u|-U|-n|--user|--username|--login|-l)(?:[ \t=]|$)/;
const PASSWORD_TOOL =
  /\b(?:mysql\w*|mariadb\w*|sshpass|redis-cli|mongo\w*|sqlcmd|bcp|isql|beeline|twine|ossutil\w*|obsutil|docker[ \t]+login|podman[ \t]+login|vsql|clickhouse-client|impala-shell)\b/;

/** Lines met in increasing order, each read and judged once (a long line full of flags stays linear). */
class LineJudge {
  private start = -1;
  private end = -1;
  private verdict = false;
  constructor(
    private readonly text: string,
    private readonly judge: (line: string) => boolean,
  ) {}
  at(i: number): boolean {
    if (i < this.start || i >= this.end) {
      const nl = this.text.lastIndexOf('\n', i - 1);
      this.start = nl + 1;
      const end = this.text.indexOf('\n', i);
      this.end = end === -1 ? this.text.length : end;
      this.verdict = this.judge(this.text.slice(this.start, this.end));
    }
    return this.verdict;
  }
}

/** The value after each match of `re` whose first group is a secret-named name (`--db-password v`, `ARG DB_PASSWORD v`). */
function namedValueSpans(text: string, re: RegExp, out: Span[], roles: KeyRoles): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (roles.of(m[1]!) !== 'secret') continue;
    const v = readValue(text, m.index + m[0].length);
    const s = v && secretValue(text, v);
    if (s) {
      out.push(s);
      re.lastIndex = Math.max(re.lastIndex, s.end);
    }
  }
}

/** Command lines: `--password v`, `-p v` / `-pV` (where the line logs in), `-u user:pw`. */
function flagSpans(text: string, out: Span[], roles: KeyRoles): void {
  namedValueSpans(text, LONG_FLAG, out, roles);
  USER_COLON.lastIndex = 0;
  for (let m = USER_COLON.exec(text); m; m = USER_COLON.exec(text)) {
    const pw = m[4]!;
    const end = m.index + m[0].length - m[1]!.length;
    // `-u jdbc:hive2://host/db` is a URL given to -u (beeline), not user:password (a password in it is the URL rule's).
    if (/^(?:[A-Za-z][\w+.-]{0,30}:)?\/\//.test(pw)) continue;
    if (!isPlaceholder(pw)) out.push({ start: end - pw.length, end });
  }
  const logsIn = new LineJudge(text, (line) => USER_FLAG.test(line) || PASSWORD_TOOL.test(line));
  const redis = new LineJudge(text, (line) => /\bredis-cli\b/.test(line));
  const keyPair = new LineJudge(text, (line) => /(?:^|\s)-i[ \t=]/.test(line));
  // ldapsearch, ldapmodify…: -w is the bind password (with -D, the bind DN).
  const ldapBind = new LineJudge(text, (line) => /\bldap\w*\b/.test(line) && /(?:^|\s)-D[ \t]/.test(line));
  SHORT_FLAG.lastIndex = 0;
  for (let m = SHORT_FLAG.exec(text); m; m = SHORT_FLAG.exec(text)) {
    const flag = m[1]!;
    if (flag === 'w' ? !ldapBind.at(m.index) : !logsIn.at(m.index)) continue;
    if ((flag === 'a' && !redis.at(m.index)) || (flag === 'k' && !keyPair.at(m.index))) continue;
    const v = readValue(text, m.index + m[0].length);
    if (!v) continue;
    const value = text.slice(v.start, v.end);
    if (/^[\d.:]+(?:\/(?:tcp|udp))?$/.test(value)) continue; // -p 5432, -p 8080:80: ports
    if (!isPlaceholder(value)) out.push(v);
  }
}

const IDENTIFIED_BY = /\bIDENTIFIED[ \t]+(?:WITH[ \t]+['"`]?[\w$-]{1,64}['"`]?[ \t]+)?(?:BY|AS)[ \t]+(?:PASSWORD[ \t]+|VALUES[ \t]+)?/gi;
const SQL_SECRET_WORD = /\b(?:PASSWORD|SECRET|CREDENTIALS?|TOKEN)[ \t]+(?=['"])/gi;
const CHINESE_IS = /(?:密码|口令|密钥|秘钥|令牌|凭证|凭据|私钥|授权码)(?:是|为)[ \t]*[:：]?/g;

function followingValueSpans(text: string, re: RegExp, out: Span[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = readValue(text, m.index + m[0].length);
    const s = v && secretValue(text, v);
    if (s) out.push(s);
  }
}

const STANDALONE_AUTH = /\b(Bearer|Basic)[ \t]+([A-Za-z0-9._~+/=-]{8,4096})/g;

function authSchemeSpans(text: string, out: Span[]): void {
  STANDALONE_AUTH.lastIndex = 0;
  for (let m = STANDALONE_AUTH.exec(text); m; m = STANDALONE_AUTH.exec(text)) {
    const cred = m[2]!;
    if (/^[a-z]+$/.test(cred)) continue; // "Bearer authentication": a word
    const end = m.index + m[0].length;
    out.push({ start: end - cred.length, end });
  }
}

const KEY_BEGIN = /-{3,5}[ \t]?BEGIN[ \t]([A-Z0-9 ]{0,40}PRIVATE KEY(?:[ \t]BLOCK)?)[ \t]?-{3,5}/g;
const KEY_END = /-{3,5}[ \t]?END[ \t]([A-Z0-9 ]{0,40}PRIVATE KEY(?:[ \t]BLOCK)?)[ \t]?-{3,5}/g;
const KEY_BODY_CHARS = /[A-Za-z0-9+/=:,.\s\\-]/;
const PUTTY_PRIVATE = /Private-Lines:[ \t]*\d+/g;
const BASE64_LINE = /^[ \t]*[A-Za-z0-9+/]{16,}={0,2}[ \t]*$/;

/** Private keys: the body between BEGIN and END (or to the end of the key-like text), PuTTY's private lines. */
function privateKeySpans(text: string, out: Span[]): void {
  const covered: Span[] = [];
  // The next END after a point, searched again only once passed (many BEGINs and no END stay linear).
  let nextEnd: RegExpExecArray | null | undefined;
  KEY_BEGIN.lastIndex = 0;
  for (let m = KEY_BEGIN.exec(text); m; m = KEY_BEGIN.exec(text)) {
    const bodyStart = m.index + m[0].length;
    if (nextEnd === undefined || (nextEnd !== null && nextEnd.index < bodyStart)) {
      KEY_END.lastIndex = bodyStart;
      nextEnd = KEY_END.exec(text);
    }
    const end = nextEnd;
    let bodyEnd: number;
    if (end && end.index - bodyStart < 64 * 1024) bodyEnd = end.index;
    else {
      bodyEnd = bodyStart;
      while (bodyEnd < text.length && bodyEnd - bodyStart < 64 * 1024 && KEY_BODY_CHARS.test(text[bodyEnd]!)) bodyEnd++;
    }
    out.push({ start: bodyStart, end: bodyEnd, mask: ` ${MASK} ` });
    covered.push({ start: m.index, end: bodyEnd });
    KEY_BEGIN.lastIndex = Math.max(KEY_BEGIN.lastIndex, bodyEnd);
  }
  // An END line whose BEGIN is out of view (an excerpt, a page of log): the key lines above it.
  KEY_END.lastIndex = 0;
  let c = 0;
  let lastStart = 0;
  for (let m = KEY_END.exec(text); m; m = KEY_END.exec(text)) {
    while (c < covered.length && covered[c]!.end + 1 < m.index) c++;
    if (c < covered.length && m.index >= covered[c]!.start) continue;
    let start = m.index;
    for (;;) {
      const prevEnd = text.lastIndexOf('\n', start - 1);
      if (prevEnd === -1 && start === 0) break;
      const lineStart = prevEnd === -1 ? 0 : text.lastIndexOf('\n', prevEnd - 1) + 1;
      const line = text.slice(lineStart, prevEnd === -1 ? start : prevEnd);
      if (lineStart < lastStart || !BASE64_LINE.test(line) || m.index - lineStart > 64 * 1024) break;
      start = lineStart;
      if (prevEnd === -1) break;
    }
    if (start < m.index) out.push({ start, end: m.index });
    lastStart = m.index;
  }
  PUTTY_PRIVATE.lastIndex = 0;
  for (let m = PUTTY_PRIVATE.exec(text); m; m = PUTTY_PRIVATE.exec(text)) {
    const from = m.index + m[0].length;
    const mac = text.indexOf('Private-MAC:', from);
    if (mac !== -1 && mac - from < 64 * 1024) {
      const value = /^Private-MAC:[ \t]*[0-9a-fA-F]*/.exec(text.slice(mac, mac + 200))!;
      out.push({ start: from, end: mac + value[0].length });
    } else {
      let end = from;
      while (end < text.length && end - from < 64 * 1024 && /[A-Za-z0-9+/=\s]/.test(text[end]!)) end++;
      out.push({ start: from, end });
    }
  }
}

// Dockerfile `ENV NAME value` / `ARG NAME value` (the space form, without `=`).
const DOCKERFILE_SPACE = /^[ \t]*(?:ENV|ARG)[ \t]+([A-Za-z_][\w.-]{0,100})[ \t]+(?=[^\s=])/gm;

// A password hash in crypt's modular format (htpasswd, /etc/shadow, bcrypt): as good as the password offline.
const CRYPT_HASH = /\$(?:apr1|2[abxy]?|1|5|6|y|argon2(?:id|i|d)|scrypt|pbkdf2(?:-sha\d+)?)\$[./A-Za-z0-9$=,+-]{8,512}/g;

function cryptHashSpans(text: string, out: Span[]): void {
  CRYPT_HASH.lastIndex = 0;
  for (let m = CRYPT_HASH.exec(text); m; m = CRYPT_HASH.exec(text)) out.push({ start: m.index, end: m.index + m[0].length });
}

/** Every secret the structure of `text` gives away. */
export function structuralSpans(text: string): Span[] {
  const out: Span[] = [];
  const roles = new KeyRoles();
  privateKeySpans(text, out);
  urlSpans(text, out, roles);
  oracleSpans(text, out);
  keyValueSpans(text, out, roles);
  xmlElementSpans(text, out, roles);
  flagSpans(text, out, roles);
  followingValueSpans(text, IDENTIFIED_BY, out);
  followingValueSpans(text, SQL_SECRET_WORD, out);
  followingValueSpans(text, CHINESE_IS, out);
  authSchemeSpans(text, out);
  namedValueSpans(text, DOCKERFILE_SPACE, out, roles);
  cryptHashSpans(text, out);
  return out;
}
