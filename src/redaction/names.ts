/**
 * Secret-named keys, whatever the syntax around them: `db_password`, `spring.datasource.password`,
 * `accessKeySecret`, `X-API-Key`, `--access-key-secret`, `TWILIO_AUTH_TOKEN`, `密码`. A name is split
 * into words (camelCase, `_`, `-`, `.`, spaces) and judged by what it names, not by a list of vendors.
 */

/** A last word that makes the value a secret: `…password`, `…token`, `…secret`. */
const SECRET_LAST = new Set([
  'password',
  'passwd',
  'passwort',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'creds',
  'apikey',
  'sig',
  'signature',
  'cookie',
  'authorization',
  'auth',
  'sas',
  'dsn',
  // A personal access token (`GITLAB_PAT`, `airtable_pat`).
  'pat',
]);

/** English words ending in "pass" that name no password (`bypass`); any other word so fused is one (`storepass`, `keypass`). */
const NOT_A_PASS = new Set([
  'bypass',
  'compass',
  'encompass',
  'surpass',
  'trespass',
  'overpass',
  'underpass',
  'impass',
  'impasse',
  'morepass',
  'firstpass',
  'onepass',
  'singlepass',
  'multipass',
]);

/** Words fused into one (`apikey`, `accesskey`, `privatekey`) or run together in env names. */
const SECRET_INSIDE =
  /password|passwd|passphrase|secret|token|credential|apikey|accesskey|privatekey|secretkey|accountkey|sharedaccesskey|masterkey|signingkey|encryptionkey|口令|密码|密钥|秘钥|令牌|凭证|凭据|私钥|授权码/;

/** A last word that names something about a secret, not the secret: `password_policy`, `token_type`. */
const ABOUT = new Set([
  'type',
  'types',
  'name',
  'names',
  'length',
  'len',
  'expiry',
  'expires',
  'expire',
  'expiration',
  'expired',
  'ttl',
  'url',
  'uri',
  'endpoint',
  'file',
  'path',
  'dir',
  'policy',
  'count',
  'enabled',
  'required',
  'hint',
  'format',
  'version',
  'algorithm',
  'alg',
  'mode',
  'provider',
  'ref',
  'manager',
  'field',
  'label',
  'prompt',
  'rotation',
  'age',
  'changed',
  'updated',
  'reset',
  'timeout',
  'header',
  'scope',
  'scopes',
  'kind',
  'status',
  'location',
  'arn',
  'region',
  'description',
  'size',
  'bits',
  'stdin',
  'env',
  'error',
  'errors',
  'invalid',
  'missing',
  'failed',
  'strength',
  'complexity',
]);
const ABOUT_ZH = /(?:策略|长度|错误|过期|复杂度|规则|提示|修改|重置|失败|强度|有效期)$/;

/** Words that make a following `key` a secret (`api key`, `account key`); others (`primary key`) do not. */
const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'secret',
  'private',
  'account',
  'master',
  'app',
  'application',
  'client',
  'auth',
  'signing',
  'sign',
  'encryption',
  'encrypt',
  'decryption',
  'storage',
  'license',
  'licence',
  'shared',
  'sas',
  'subscription',
  'consumer',
  'service',
  'server',
  'webhook',
  'admin',
  'root',
  'session',
  'security',
  'ingest',
  'ingestion',
  'integration',
  'deploy',
  'ssh',
  'gpg',
  'pgp',
  'hmac',
  'jwt',
  'aes',
  'rsa',
  'cipher',
  'crypto',
  'vault',
  'bot',
  'user',
  'write',
  'read',
  'dev',
  'prod',
  'live',
  'test',
]);

/** `dbPassword` → `db password`; `X-API-Key` → `x api key`; `--access-key-secret` → `access key secret`. */
export function nameWords(name: string): string[] {
  return name
    .replace(/^[-$@]+|^D(?=[a-z])/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9\u4e00-\u9fff]+/)
    .filter(Boolean);
}

/** A name such as `db_password`, `apiToken`, `accessKeyId` or `密码`: its value is a secret whatever it looks like. */
export function isSecretName(name: string): boolean {
  if (name.length > 100) return false;
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (!last) return false;
  if (/[\u4e00-\u9fff]/.test(last)) return SECRET_INSIDE.test(last) && !ABOUT_ZH.test(last);
  const prev = words[words.length - 2];
  if (ABOUT.has(last)) return false;
  if (SECRET_LAST.has(last)) return true;
  // keytool -storepass / -keypass, DBPASS: a word fused with "pass" or "pwd" at its end.
  if (/^[a-z]{2,20}(?:pass|pwd)$/.test(last) && !NOT_A_PASS.has(last)) return true;
  // access_key_id, secret_id, keyId: the id half of a key pair is a credential too.
  if ((last === 'id' || last === 'sid') && prev && ['key', 'secret', 'access', 'accesskey', 'secretkey'].includes(prev)) return true;
  if (last === 'key' || last === 'keys') return prev !== undefined && KEY_QUALIFIERS.has(prev);
  const joined = words.join('');
  if (last === 'id' || last === 'user' || last === 'username') return false;
  return SECRET_INSIDE.test(joined) && !ABOUT.has(last);
}

/** A name that holds a secret only sometimes (`key`, `k`, `code`): its value is masked when it looks like a token. */
export function isAmbiguousName(name: string): boolean {
  const words = nameWords(name);
  return words.length === 1 && ['key', 'k', 'code', 'sign', 'hash', 'salt', 'nonce', 'otp', 'pin', 'ticket', 'session', 'sessionid', 'sid', 'ak', 'sk'].includes(words[0]!);
}

/** A name whose value names another entry's key (`"name": "password"`, `key="DbPassword"`, `<name>fs.s3a.secret.key</name>`). */
export function isEntryNameKey(name: string): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  return last !== undefined && ['name', 'key', 'param', 'parameter', 'field', 'property', 'variable', 'var', 'id', 'setting', 'option'].includes(last);
}

/** A name that holds the value of such an entry (`value`, `paramValue`, `<value>`). */
export function isEntryValueKey(name: string): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  return last !== undefined && ['value', 'val', 'v', 'default', 'data', 'content'].includes(last);
}

export type KeyRole = 'secret' | 'ambiguous' | 'entry-name' | 'entry-value' | 'none';

/** What a key's value is: a secret, maybe one, the name of an entry, an entry's value, or nothing of note. */
export function keyRole(name: string): KeyRole {
  if (isSecretName(name)) return 'secret';
  if (isAmbiguousName(name)) return isEntryNameKey(name) ? 'entry-name' : 'ambiguous';
  if (isEntryNameKey(name)) return 'entry-name';
  if (isEntryValueKey(name)) return 'entry-value';
  return 'none';
}

/** `keyRole`, remembered for the keys of one text (a log repeats its keys on every line). */
export class KeyRoles {
  private readonly known = new Map<string, KeyRole>();
  of(name: string): KeyRole {
    let role = this.known.get(name);
    if (role === undefined) {
      role = keyRole(name);
      if (this.known.size < 4096) this.known.set(name, role);
    }
    return role;
  }
}
