/**
 * Redaction of secrets in text the bot shows (logs, excerpts, error messages): passwords in
 * connection URLs and key=value pairs, Studio/Bearer/personal/Slack/GitHub tokens, magic tokens,
 * access key ids and secrets, and private keys. One pass per pattern family, precompiled.
 */

export const MASK = '[redacted]';

interface Rule {
  name: string;
  re: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const KEY_NAMES =
  'password|passwd|pwd|pass|secret|client_secret|api[_-]?key|apikey|access[_-]?key[_-]?secret|accesskeysecret|secret[_-]?access[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|magic[_-]?token|token|private[_-]?key|sas[_-]?token|credential|credentials|accountkey|sharedaccesskey';

/** A 40-character AWS-style secret written on its own: mixed case and digits, not a hex digest. */
function looksLikeSecret40(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9/+]/.test(s) && !/^[0-9a-f]+$/i.test(s);
}

const RULES: Rule[] = [
  {
    name: 'private key',
    re: /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
    replace: (_m, kind) => `-----BEGIN ${kind}PRIVATE KEY----- ${MASK} -----END ${kind}PRIVATE KEY-----`,
  },
  {
    // The body of a key whose BEGIN line is out of view: lines of base64 only (PEM lines are 64).
    name: 'key body lines',
    re: /^[ \t]*[A-Za-z0-9+/]{40,}={0,2}[ \t]*$/gm,
    replace: () => MASK,
  },
  {
    // scheme://user:password@host (JDBC, MySQL, PostgreSQL, Kafka, HTTP…)
    name: 'url credentials',
    re: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@'"]+):([^\s@'"]+)@/gi,
    replace: (_m, scheme, user) => `${scheme}${user}:${MASK}@`,
  },
  {
    name: 'header token',
    re: /\b(X-Clickzetta-Token|Authorization|X-Api-Key)(\s*[:=]\s*)(Bearer\s+|Basic\s+)?([^\s,;'"]+)/gi,
    replace: (_m, name, sep, scheme) => `${name}${sep}${scheme ?? ''}${MASK}`,
  },
  { name: 'bearer', re: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, replace: (_m, b) => `${b}${MASK}` },
  {
    // key = value, key: value, "key": "value", key="value" (also inside JAAS configs and URLs' query strings)
    name: 'key value',
    re: new RegExp(`(["']?\\b[A-Za-z0-9_.-]*?(?:${KEY_NAMES})\\b["']?\\s*(?:=|:)\\s*)(?!\\[redacted\\])("[^"]*"|'[^']*'|[^\\s,;&'"}\\]]+)`, 'gi'),
    replace: (_m, lead, value: string) => {
      const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
      return `${lead}${quote}${MASK}${quote}`;
    },
  },
  {
    // Chinese keys: 密码=, 密码：, 口令:, 密钥=, 令牌:
    name: 'chinese key value',
    re: /((?:密码|口令|密钥|秘钥|令牌|访问密钥)\s*[=:：]\s*)(?!\[redacted\])("[^"]*"|'[^']*'|[^\s,;，；'"]+)/g,
    replace: (_m, lead) => `${lead}${MASK}`,
  },
  {
    // --password x, --password=x, --token x … (any CLI)
    name: 'cli password flag',
    re: /(\s--(?:password|passwd|pwd|pass|secret|token|api-key|apikey|access-key|secret-key|auth-token)(?:=|\s+))(?!\[redacted\])("[^"]*"|'[^']*'|\S+)/gi,
    replace: (_m, lead) => `${lead}${MASK}`,
  },
  {
    // mysql -pSECRET / -p'SECRET' (attached: a bare -p prompts); redis-cli -a SECRET; sshpass -p SECRET
    name: 'cli short password',
    re: /(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mariadb)\b[^\n]*?\s-p)("[^"]*"|'[^']*'|[^\s-][^\s]*)|(\b(?:redis-cli|sshpass)\b[^\n]*?\s-[ap]\s+)(\S+)/g,
    replace: (_m, l1, _v1, l2) => `${l1 ?? l2}${MASK}`,
  },
  {
    // Oracle: sqlplus scott/tiger@orcl, connect scott/tiger@//host:1521/svc
    name: 'oracle credentials',
    re: /(\b(?:sqlplus|sqlldr|expdp|impdp|exp|imp|rman|connect|conn)\s+(?:-\w+\s+)*[\w$#]+\/)([^\s@/]+)(@)/gi,
    replace: (_m, lead, _p, at) => `${lead}${MASK}${at}`,
  },
  { name: 'slack token', re: /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{6,}/g, replace: () => MASK },
  { name: 'slack webhook', re: /(https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g, replace: (_m, base) => `${base}${MASK}` },
  { name: 'github fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{20,}/g, replace: () => MASK },
  { name: 'gcp api key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: () => MASK },
  { name: 'github token', re: /\bgh[pousr]_[A-Za-z0-9]{20,}/g, replace: () => MASK },
  { name: 'personal access token', re: /\bpat_[A-Za-z0-9]{12,}/g, replace: () => MASK },
  { name: 'aws access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: () => MASK },
  { name: 'aliyun access key id', re: /\bLTAI[0-9A-Za-z]{12,30}\b/g, replace: () => MASK },
  { name: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: () => MASK },
  {
    // An AWS secret access key on its own (not as key=value)
    name: 'aws secret key',
    re: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    replace: (m) => (looksLikeSecret40(m) ? MASK : m),
  },
];

/** `text` with every secret the rules know replaced by `[redacted]`. */
export function redact(text: string): string {
  let out = text;
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    out = out.replace(rule.re, rule.replace as (substring: string, ...args: string[]) => string);
  }
  return out;
}

const SECRET_KEY = new RegExp(`(?:^|[^a-z])(?:${KEY_NAMES})$`, 'i');

/** A name such as `db_password` or `apiToken`: its value is a secret whatever it looks like. */
export function isSecretName(name: string): boolean {
  return SECRET_KEY.test(name.replace(/([a-z])([A-Z])/g, '$1_$2'));
}

/**
 * A copy of structured values (parameters kept in the audit log) with secrets masked: the value of
 * a secret-named key entirely, and secrets inside any other string.
 */
export function redactValues(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return key && isSecretName(key) ? MASK : redact(value);
  if (Array.isArray(value)) return value.map((v) => redactValues(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValues(v, k)]));
  return value;
}

/** Names of the rule families, for documentation and tests. */
export const REDACTION_RULES = RULES.map((r) => r.name);
