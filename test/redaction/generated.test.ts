/**
 * Issue 27: generated secrets of 100 kinds × 6 embeddings (600 cases), split by source into a tuning
 * half and a held-out half; and ordinary text the bot must show, which must pass unchanged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MASK, RULE_SET_RULES, redact, redactAllWithRuleSet, redactWithRuleSet, redactedExcerpt } from '../../src/redaction/index.js';
import { isSecretName } from '../../src/redaction/names.js';
import { anchorLine, keyFromHex, signAnchor } from '../../src/store/audit-key.js';
import { createHash } from 'node:crypto';
import { EMBEDDINGS, KINDS, generateCases, leakedPart } from '../fixtures/secrets/generated.js';

const CASES = generateCases();

function failures(outs: string[]): string[] {
  return CASES.flatMap((c, i) => {
    const out = outs[i]!;
    const leaks = c.secrets.map((s) => leakedPart(out, s)).filter(Boolean);
    if (leaks.length) return [`${c.kind} / ${c.embedding}: leaked ${leaks.join(', ')}`];
    if (!out.includes(c.tag)) return [`${c.kind} / ${c.embedding}: the text after the secret was swallowed`];
    return [];
  });
}

describe('generated secrets', () => {
  it('has at least 60 kinds × 6 embeddings, split by source into two halves', () => {
    expect(KINDS.length).toBeGreaterThanOrEqual(60);
    expect(EMBEDDINGS.length).toBe(6);
    expect(CASES.length).toBe(KINDS.length * 6);
    const halves = new Map<string, Set<string>>();
    for (const k of KINDS) halves.set(k.source, (halves.get(k.source) ?? new Set()).add(k.half));
    expect([...halves].filter(([, h]) => h.size > 1).map(([s]) => s)).toEqual([]);
    expect(KINDS.filter((k) => k.half === 'held-out').length).toBe(KINDS.length / 2);
  });

  it('every case is masked, in both halves, and the text after the secret is kept', async () => {
    const outs = await Promise.all(CASES.map((c) => redactWithRuleSet(c.text)));
    expect(failures(outs)).toEqual([]);
  });

  it('the synchronous pass (structure and entropy, no vendor rules) catches at least 99 % on its own', () => {
    const missed = failures(CASES.map((c) => redact(c.text)));
    expect(missed.length / CASES.length).toBeLessThanOrEqual(0.01);
  });

  it('redacting many texts at once gives what redacting each gives', async () => {
    const texts = CASES.slice(0, 60).map((c) => c.text);
    expect(await redactAllWithRuleSet(texts)).toEqual(await Promise.all(texts.map((t) => redactWithRuleSet(t))));
  });

  it('the maintained rule set is in use, without the comment filter an attacker could write into a log', () => {
    expect(RULE_SET_RULES).toContain('@secretlint/secretlint-rule-aws');
    expect(RULE_SET_RULES).toContain('@secretlint/secretlint-rule-slack');
    expect(RULE_SET_RULES).not.toContain('@secretlint/secretlint-rule-filter-comments');
  });
});

/** Text the bot must show as it is: ids, links, class names, paths, SQL, digests, Slack ids, timestamps. */
/** An audit anchor as the bot posts it to AUDIT_CHANNEL (a second sink: it must arrive as it was signed). */
const anchor = (chain: string, rows: number) =>
  `Audit anchor: ${rows} rows, last row ${rows}\n\`${anchorLine(signAnchor({ at: 1764930000000, rows, lastId: rows, hash: createHash('sha256').update(String(rows)).digest('hex') }, chain, keyFromHex('5e'.repeat(32))))}\``;

const ORDINARY = [
  // Misread once by an independent held-out set (round 3): a path with `exports/` read as Oracle's exp, a JDBC URL given to -u as user:password.
  'oss://acme-dw-hz/exports/ads/gmv_daily/dt=2026-12-01/part-0000.parquet',
  'beeline -u "jdbc:hive2://hs2.corp:10000/default" -n etl -f /opt/etl/dwd_orders.sql',
  anchor('demo_ws', 1234),
  anchor('prod', 17),
  '<https://demo.cn-shanghai-alicloud.app.clickzetta.com/ops/taskInst/7000022?tab=executeLog|7000022> failed · business date 2026-11-20',
  'https://demo.cn-shanghai-alicloud.app.clickzetta.com/ide?workspace_name=demo_ws&fileId=1000231',
  'request sob-5f0c6a1e-8b2d-4c3e-9f1a-2b3c4d5e6f70 took 231 ms (traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01)',
  'RequestId: 5F0C6A1E-8B2D-4C3E-9F1A-2B3C4D5E6F70',
  'Exception in thread "main" com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure',
  'at org.apache.spark.sql.execution.datasources.FileFormatWriter$.write(FileFormatWriter.scala:281)',
  'Caused by: java.lang.OutOfMemoryError: Java heap space; KafkaSourceReader - 0 records polled',
  'reading /user/hive/warehouse/ods.db/orders/dt=2026-11-20/part-00000-5f0c6a1e-8b2d-4c3e-9f1a-2b3c4d5e6f70-c000.snappy.parquet',
  'oss://dw-raw/landing/orders/2026/11/20/orders_20261120_0200.csv.gz (12.4 MB)',
  "INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail PARTITION (dt = '${bizdate}') SELECT o.order_id, o.amount FROM ods.orders o",
  'CREATE TABLE IF NOT EXISTS dw.orders_2024q4 (order_id BIGINT PRIMARY KEY, customer_key STRING) PARTITIONED BY (dt STRING);',
  'application_1700000000000_0042 container_e05_1700000000000_0042_01_000001 on node-7',
  'pod etl-worker-7d9f8c6b5-x2x4q restarted; image registry.internal/etl/loader:2026.11.20-8f3a9b2',
  'channel C0ALERTS ts 1700000000.000100 user U0123ABCDEF thread p1700000000000100',
  'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 md5 d41d8cd98f00b204e9800998ecf8427e',
  '2026-11-20T02:00:00.000+08:00 [INFO] Rows written: 1200; token count 5; passed 3 checks; the password policy changed',
  "FATAL: password authentication failed for user \"etl\"; Access denied for user 'etl'@'10.0.0.1' (using password: YES)",
  '任务执行失败: 计算集群队列已满，请稍后重试（CZLH-42000）',
  'token_type=bearer expires_in=3600 password_policy=strong secret_name=db-creds key_id_count=2',
  'mysql-bin.000412:4137 currentRowNumber=0 SourceInfo [currentGtid=null]',
  'jdbc:mysql://db.internal:3306/shop?useSSL=false&serverTimezone=Asia/Shanghai',
  'ModuleNotFoundError: No module named polars; PuTTY-User-Key-File-3 format expected',
  'hive_20261120020000_5f0c6a1e-8b2d-4c3e-9f1a-2b3c4d5e6f70 finished; Stage-1 map = 100%,  reduce = 100%',
  'psql -h pg.internal -p 5432 -U etl -d crm; ssh -p 22 etl@jump; docker run -p 8080:80 nginx',
  'Log4jConfigParser UTF8MB4GeneralCi HttpURLConnection XMLHttpRequest2 S3AFileSystem',
  '/cz logs 7000022 --tail 50 · characters 0–2800 of 10240 · secrets redacted',
];

describe('ordinary text passes unchanged', () => {
  it.each(ORDINARY)('%s', async (line) => {
    expect(redact(line)).toBe(line);
    expect(await redactWithRuleSet(line)).toBe(line);
  });

  it('every labelled failure log and clean log of the diagnosis corpus', async () => {
    const root = join(import.meta.dirname, '../fixtures/logs');
    const changed: string[] = [];
    for (const dir of [root, join(root, 'real')]) {
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.log'))) {
        const text = readFileSync(join(dir, f), 'utf8');
        if ((await redactWithRuleSet(text)) !== text) changed.push(f);
      }
    }
    expect(changed).toEqual([]);
  });
});

describe('shapes an independent held-out set found missing (round 3, 533 of 570 caught before these)', () => {
  const CASES3: [string, string][] = [
    ['keytool -importkeystore -keystore truststore.jks -storepass 5jEtwbn#vFo6_. -noprompt', '5jEtwbn#vFo6_.'],
    ['ldapsearch -x -H ldap://ldap.corp -D "cn=svc_etl,ou=svc,dc=corp,dc=com" -w \'Jl1mO48jcTjEy0A\' -b "dc=corp,dc=com"', 'Jl1mO48jcTjEy0A'],
    ['ARG NEXUS_PASSWORD ^OvdA_0nxRe+Bw12', '^OvdA_0nxRe+Bw12'],
    ['admin:$apr1$WYs49.RS$kHykUJWALb.d132iwOeBpS', 'kHykUJWALb.d132iwOeBpS'],
    ['airtable_pat=patAbC123dEf456gH.3cb321a6ea3c8d53a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718', '3cb321a6ea3c8d53'],
  ];
  it.each(CASES3)('%s', async (line, secret) => {
    expect(redact(line)).not.toContain(secret);
    expect(await redactWithRuleSet(line)).not.toContain(secret);
  });
});

describe('pieces', () => {
  it('an excerpt is cut after redaction, never inside a token', () => {
    const token = 'Zq7Lm2Xc9Vb4Nt6Rk1Wp3Yh8Df5Gs0Ja';
    const text = `error while calling the service with api key ${token} and more words after it`;
    for (let max = 20; max < text.length; max += 3) {
      const e = redactedExcerpt(text, max);
      expect(e.length).toBeLessThanOrEqual(max);
      expect(leakedPart(e, token, 6)).toBeUndefined();
    }
    expect(redactedExcerpt('密码：Harbor!4821xQ7a，请尽快修改。这是一条很长的中文失败信息', 20)).toContain(MASK);
  });

  it('secret names in every spelling; names about a secret are not secrets', () => {
    for (const n of [
      'password',
      'db_password',
      'dbPassword',
      'DB_PASS',
      'spring.datasource.password',
      'accessKeySecret',
      'aws_access_key_id',
      'X-API-Key',
      '--access-key-secret',
      'TWILIO_AUTH_TOKEN',
      'client_secret',
      'AccountKey',
      '密码',
      '数据库密码',
      'Pwd',
      'sig',
    ])
      expect(isSecretName(n), n).toBe(true);
    for (const n of [
      'password_policy',
      'token_type',
      'token_count',
      'secret_name',
      'primary_key',
      'partition_key',
      'user',
      '密码策略',
      'password-file',
      'SharedAccessKeyName',
      'key',
    ])
      expect(isSecretName(n), n).toBe(false);
  });
});
