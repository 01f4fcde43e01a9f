/** Planted secrets of every kind: none survives redaction, in raw text or in diagnosis evidence. */
import { describe, expect, it } from 'vitest';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { redact } from '../../src/redaction/index.js';

const SECRETS = {
  jdbcPassword: 'Etl#Reader2024',
  mysqlUrlPassword: 'my$ql-P4ss',
  pgUrlPassword: 'S3cr3t!pg',
  passwordPair: 'hunter2-pass',
  jsonPassword: 'js0nPassw0rd',
  saslPassword: 'kf-7Hq2!secret',
  studioToken: 'tok_9f8e7d6c5b4a39281706',
  bearer: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  pat: 'pat_0a1b2c3d4e5f6a7b8c9d0e1f',
  githubToken: 'ghp_R8kq2LmZ9xVt4Wn7Pc1Ys5Hd3Jf6Gb0Ta9Qe',
  slackToken: 'xoxb-2914357608-5823146790-Zq7Lm2Xc9Vb4Nt6Rk1Wp3Yh8D',
  magicToken: 'mt_Magic0123456789abc',
  awsKeyId: 'AKIAIOSFODNN7EXAMPLE',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  aliyunKeyId: 'LTAI5tQ9xYzAbCdEfGhIjK',
  aliyunSecret: 'AliSecretValue0123456789abcd',
  privateKeyBody: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  envPassword: 'dbpassFromEnv99',
};

const LOG = `2026-11-20 02:00:00 [INFO] Reader: jdbc:mysql://etl_reader:${SECRETS.jdbcPassword}@10.12.3.45:3306/shop?useSSL=false
2026-11-20 02:00:00 [INFO] mysql://root:${SECRETS.mysqlUrlPassword}@db.internal:3306/crm
2026-11-20 02:00:00 [INFO] postgresql://admin:${SECRETS.pgUrlPassword}@pg:5432/crm?sslmode=require
2026-11-20 02:00:00 [INFO] connect with user=etl password=${SECRETS.passwordPair} host=x
2026-11-20 02:00:00 [INFO] config {"user": "etl", "password": "${SECRETS.jsonPassword}"}
2026-11-20 02:00:00 [INFO] sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="cz" password="${SECRETS.saslPassword}";
2026-11-20 02:00:00 [INFO] request headers: X-Clickzetta-Token: ${SECRETS.studioToken}
2026-11-20 02:00:00 [INFO] Authorization: Bearer ${SECRETS.bearer}
2026-11-20 02:00:00 [INFO] STUDIO_ACCESS_TOKEN=${SECRETS.pat}
2026-11-20 02:00:00 [INFO] export GITHUB_TOKEN=${SECRETS.githubToken}
2026-11-20 02:00:00 [INFO] slack token ${SECRETS.slackToken}
2026-11-20 02:00:00 [INFO] clickzetta://inst.api/ws?magic_token=${SECRETS.magicToken}&schema=public
2026-11-20 02:00:00 [INFO] s3 access_key_id=${SECRETS.awsKeyId} secret_access_key=${SECRETS.awsSecret}
2026-11-20 02:00:00 [INFO] oss accessKeyId: ${SECRETS.aliyunKeyId}, accessKeySecret: ${SECRETS.aliyunSecret}
-----BEGIN PRIVATE KEY-----
${SECRETS.privateKeyBody}
abcdefghijklmnopqrstuvwxyz0123456789
-----END PRIVATE KEY-----
2026-11-20 02:00:00 [INFO] DB_PASSWORD=${SECRETS.envPassword}
2026-11-20 02:00:01 [ERROR] com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure jdbc:mysql://etl_reader:${SECRETS.jdbcPassword}@10.12.3.45:3306/shop
2026-11-20 02:00:02 [ERROR] Access denied for user 'etl'@'10.0.0.1' (using password: YES) password=${SECRETS.passwordPair}
`;

describe('redaction', () => {
  it('removes every planted secret and keeps the rest of the line', () => {
    const out = redact(LOG);
    for (const [kind, secret] of Object.entries(SECRETS)) expect(out, kind).not.toContain(secret);
    expect(out).toContain('jdbc:mysql://etl_reader:[redacted]@10.12.3.45:3306/shop');
    expect(out).toContain('X-Clickzetta-Token: [redacted]');
    expect(out).toContain('-----BEGIN PRIVATE KEY----- [redacted] -----END PRIVATE KEY-----');
    expect(out.split('\n').length).toBeLessThan(LOG.split('\n').length); // the key body lines are gone
  });

  it('leaves ordinary text alone', () => {
    const text = 'Rows written: 1200; token count 5; passed 3 checks; the password policy changed';
    expect(redact(text)).toBe(text);
  });

  it('diagnosis evidence and salient lines are redacted', () => {
    const d = new Diagnoser(loadKnowledge().errors).diagnose(LOG);
    const shown = JSON.stringify({ f: d.findings.map((f) => f.evidence), s: d.salient });
    // The log's last error is the account's rejection (issue 31 split it from "cannot be reached").
    expect(d.findings.map((f) => f.entry.id)).toEqual(expect.arrayContaining(['sync.source_credentials_invalid', 'sync.source_connection_failed']));
    for (const [kind, secret] of Object.entries(SECRETS)) expect(shown, kind).not.toContain(secret);
  });
});

describe('redaction corpus', () => {
  it('removes every planted kind, line by line and all together', async () => {
    const { CORPUS, ORDINARY } = await import('../fixtures/secrets/corpus.js');
    for (const c of CORPUS) expect({ kind: c.kind, out: redact(c.line) }).not.toEqual({ kind: c.kind, out: expect.stringContaining(c.secret) });
    const all = redact(CORPUS.map((c) => c.line).join('\n'));
    for (const c of CORPUS) expect(all, c.kind).not.toContain(c.secret);
    for (const line of ORDINARY) expect(redact(line)).toBe(line);
  });
});
