/**
 * The read-only Lakehouse SQL client against the sandbox's Lakehouse, over the job protocol of the
 * public SDK (submitJob HYBRID → getJob → cancelJob): each statement the bot uses and the shape of
 * its result, polling and cancelling, ARROW and TEXT results, and statements refused before they
 * reach Lakehouse.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LakehouseError, LakehouseSql, SqlRefused, decodeResult } from '../../src/lakehouse/client.js';
import { assertReadOnly } from '../../src/lakehouse/guard.js';
import { type SandboxHarness, startHarness } from '../helpers/sandbox.js';
import { HOSTILE_SQL } from './hostile-sql.js';

let h: SandboxHarness;
let sql: LakehouseSql;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.sb.lakehouse.jobMs = 0;
  sql = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
});

const lhCalls = () => h.sb.journal.filter((e) => e.path.startsWith('/lh/'));

describe('the statements the bot uses, and their result shapes', () => {
  it('submits the job as the SDK does: HYBRID, the query, the VCluster, the namespace, ARROW embedded', async () => {
    const r = await sql.query('SHOW SCHEMAS');
    expect(r.rows.map((x) => x.schema_name)).toEqual(expect.arrayContaining(['ecommerce_ods', 'ecommerce_dwd', 'ecommerce_dws', 'ecommerce_ads', 'legacy_ods']));
    const submit = h.requests('/lh/submitJob').at(-1)!;
    const desc = (submit.body as { jobDesc: { jobId: { id: string }; sqlJob: { sqlConfig: { hint: Record<string, string> } } } }).jobDesc;
    expect(desc).toMatchObject({ type: 'SQL_JOB', requestMode: 'HYBRID', virtualCluster: 'default', sqlJob: { query: ['SHOW SCHEMAS'], defaultNamespace: ['demo_ws', 'public'] } });
    expect(desc.sqlJob.sqlConfig.hint['cz.sql.adhoc.default.format']).toBe('ARROW');
    expect(desc.jobId.id).toMatch(/^\d{17}[0-9a-z]+$/);
    expect(submit.headers.jobid).toBe(desc.jobId.id);
    expect(submit.headers.instancename).toBe('sandbox');
    expect(submit.headers['x-clickzetta-token']).toMatch(/^tok_/);
  });

  it('SHOW TABLES IN, DESC and DESC EXTENDED', async () => {
    const tables = await sql.query('SHOW TABLES IN ecommerce_dws');
    expect(tables.columns.map((c) => c.name)).toEqual(['schema_name', 'table_name', 'is_view', 'is_materialized_view', 'is_external', 'is_dynamic']);
    expect(tables.rows).toContainEqual(expect.objectContaining({ table_name: 'sales_daily', is_dynamic: 'true' }));
    const desc = await sql.query('DESC ecommerce_dwd.orders_detail');
    expect(desc.rows.map((r) => [r.column_name, r.data_type])).toContainEqual(['is_paid', 'boolean']);
    const ext = await sql.query('DESC EXTENDED ecommerce_dwd.orders_detail');
    expect(ext.rows).toContainEqual(expect.objectContaining({ column_name: 'partitioned by', data_type: 'dt' }));
    expect(String(ext.rows.find((r) => r.column_name === 'statistics')?.data_type)).toMatch(/^\d+ rows \d+ bytes$/);
  });

  it('information_schema.tables with sizes and row counts, largest first', async () => {
    const r = await sql.query(
      "SELECT table_schema, table_name, table_type, row_count, bytes FROM information_schema.tables WHERE table_type = 'MANAGED_TABLE' ORDER BY bytes DESC LIMIT 3",
    );
    expect(r.rows).toHaveLength(3);
    expect(r.rows[0]).toMatchObject({ table_schema: 'legacy_ods', table_name: 'orders', table_type: 'MANAGED_TABLE' });
    expect(typeof r.rows[0]!.row_count).toBe('number');
    const bytes = r.rows.map((x) => x.bytes as number);
    expect([...bytes].sort((a, b) => b - a)).toEqual(bytes);
  });

  it('SELECT COUNT(*) of a partition, and of a whole table', async () => {
    const yesterday = new Date(h.clock.now() - 86_400_000).toISOString().slice(0, 10);
    const before = new Date(h.clock.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    expect((await sql.query(`SELECT COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '${yesterday}'`)).rows).toEqual([{ n: 0 }]);
    expect((await sql.query(`SELECT COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '${before}'`)).rows[0]!.n).toBeGreaterThan(10_000);
    expect((await sql.query('SELECT COUNT(*) FROM ecommerce_ods.orders')).rows).toEqual([{ 'count(*)': 84_211 }]);
  });

  it('decodes rows in their types: BIGINT a number, DECIMAL a string at its scale (as the SDK reads it), BOOLEAN, the partition value', () => {
    // The guard lets the bot count, not read rows: the sandbox's answer is decoded directly.
    const answer = h.sb.lakehouse.submit({ jobDesc: { sqlJob: { query: ['SELECT * FROM ecommerce_dwd.orders_detail LIMIT 5\n;'] } } });
    const r = decodeResult(answer as Parameters<typeof decodeResult>[0]);
    expect(r.rows).toHaveLength(5);
    expect(r.columns.map((c) => c.type)).toEqual(['INT64', 'INT64', 'BOOLEAN', 'DECIMAL', 'STRING', 'TIMESTAMP_LTZ', 'STRING']);
    for (const row of r.rows) {
      expect(typeof row.order_id).toBe('number');
      expect(String(row.amount)).toMatch(/^\d+\.\d\d$/);
      expect(typeof row.is_paid).toBe('boolean');
      expect(String(row.dt)).toMatch(/^\d{4}-\d\d-\d\d$/);
    }
  });

  it('SHOW VCLUSTERS with vcluster_type', async () => {
    const r = await sql.query('SHOW VCLUSTERS');
    expect(r.rows).toContainEqual(expect.objectContaining({ name: 'sync_vc', vcluster_type: 'INTEGRATION' }));
    expect(r.rows).toContainEqual(expect.objectContaining({ name: 'default', vcluster_type: 'GENERAL' }));
  });

  it("SHOW DYNAMIC TABLE REFRESH HISTORY with seed 004's columns: one fine, one failing, one suspended", async () => {
    const r = await sql.query("SHOW DYNAMIC TABLE REFRESH HISTORY WHERE name = 'user_retention' LIMIT 3");
    expect(r.columns.map((c) => c.name)).toEqual([
      'workspace_name',
      'schema_name',
      'name',
      'virtual_cluster',
      'start_time',
      'end_time',
      'duration',
      'state',
      'refresh_trigger',
      'suspended_reason',
      'refresh_mode',
      'error_message',
      'source_tables',
      'stats',
      'completion_target',
      'job_id',
    ]);
    expect(r.rows).toHaveLength(3);
    expect(r.rows[0]).toMatchObject({ workspace_name: 'demo_ws', schema_name: 'ecommerce_dws', state: 'FAILED', refresh_trigger: 'SYSTEM_SCHEDULED' });
    expect(String(r.rows[0]!.error_message)).toMatch(/^CZLH-60015: .*queue is full/);
    expect(String(r.rows[0]!.start_time)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const fine = await sql.query('SHOW DYNAMIC TABLE REFRESH HISTORY ecommerce_dws.sales_daily LIMIT 1');
    expect(fine.rows[0]).toMatchObject({ state: 'SUCCEED', error_message: null });
    expect(JSON.parse(String(fine.rows[0]!.stats))).toHaveProperty('rows_inserted');
    const top = await sql.query("SHOW DYNAMIC TABLE REFRESH HISTORY WHERE name = 'top_products' LIMIT 1");
    expect(top.rows[0]).toMatchObject({ state: 'SUSPENDED', suspended_reason: expect.stringMatching(/consecutive refresh failures/) });
  });

  it('decodes TEXT results too (a server may answer TEXT)', () => {
    const answer = h.sb.lakehouse.submit({
      jobDesc: {
        jobId: { id: 'text-1' },
        sqlJob: { query: ["SHOW DYNAMIC TABLE REFRESH HISTORY WHERE name = 'sales_daily' LIMIT 2"], sqlConfig: { hint: { 'cz.sql.adhoc.default.format': 'TEXT' } } },
      },
    });
    const r = decodeResult(answer as Parameters<typeof decodeResult>[0]);
    expect(r.rows).toHaveLength(2);
    expect(r.rows[0]).toMatchObject({ name: 'sales_daily', state: 'SUCCEED', suspended_reason: null });
    expect(JSON.parse(String(r.rows[0]!.source_tables))).toEqual([{ schema: 'ecommerce_dwd', table_name: 'orders_detail', workspace: 'demo_ws' }]);
  });
});

describe('jobs that take time', () => {
  it('polls getJob with back-off until the job ends', async () => {
    h.sb.lakehouse.jobMs = 900;
    const before = h.requests('/lh/getJob').length;
    const r = await sql.query('SHOW VCLUSTERS');
    expect(r.rows.length).toBeGreaterThan(0);
    const polls = h.requests('/lh/getJob').slice(before);
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.length).toBeLessThan(12); // backing off, not hammering
    expect((polls[0]!.body as { getResultRequest: { jobId: unknown } }).getResultRequest.jobId).toMatchObject({ workspace: 'demo_ws', instanceId: 3001 });
  });

  it('cancels a job that outlasts the timeout and says so', async () => {
    h.sb.lakehouse.jobMs = 120_000;
    const slow = new LakehouseSql(h.client, { vcluster: 'default', timeoutMs: 5_000, sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
    const err = await slow.query('SHOW SCHEMAS').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakehouseError);
    expect((err as LakehouseError).code).toBe('TIMEOUT');
    expect((err as Error).message).toMatch(/within 5 s; it was cancelled/);
    const cancel = h.requests('/lh/cancelJob').at(-1)!;
    expect((cancel.body as { job_id: { id: string } }).job_id.id).toBe((err as LakehouseError).jobId);
  });

  it("a failed statement reports Lakehouse's code and message", async () => {
    const err = await sql.query('DESC ecommerce_dwd.no_such_table').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakehouseError);
    expect((err as LakehouseError).code).toBe('CZLH-42000');
    expect((err as Error).message).toMatch(/Table or view not found: ecommerce_dwd.no_such_table/);
  });
});

describe('read-only: refused before reaching Lakehouse', () => {
  it.each(HOSTILE_SQL)('$name', async ({ sql: statement }) => {
    const sent = lhCalls().length;
    const statements = h.sb.lakehouse.statements.length;
    const err = await sql.query(statement).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlRefused);
    expect((err as Error).message).toMatch(/^Refused before reaching Lakehouse: /);
    expect(lhCalls().length).toBe(sent);
    expect(h.sb.lakehouse.statements.length).toBe(statements);
  });

  it('lets reads through, write words inside strings included; a comment is refused whatever it says', () => {
    expect(assertReadOnly("SELECT COUNT(*) FROM ecommerce_ods.orders WHERE status = 'DELETE'")).toContain('DELETE');
    expect(assertReadOnly('SHOW DYNAMIC TABLE REFRESH HISTORY LIMIT 3;')).toBe('SHOW DYNAMIC TABLE REFRESH HISTORY LIMIT 3');
    expect(() => assertReadOnly('-- just a note\nSHOW SCHEMAS')).toThrow(/comments \(and hints, which are comments\) are not allowed/);
  });

  it('a refusal is reported (the services audit it), whether of the statement or of a name meant for one', async () => {
    const refused: SqlRefused[] = [];
    const audited = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now(), onRefused: (e) => refused.push(e) });
    const sent = lhCalls().length;
    await expect(audited.query('SELECT COUNT(*) FROM ecommerce_ods.orders UNION SELECT 1')).rejects.toBeInstanceOf(SqlRefused);
    await expect(audited.countRows('ecommerce_dwd.orders_detail', { column: "dt = '1' OR 1=1 --", value: '2026-11-20' })).rejects.toBeInstanceOf(SqlRefused);
    await expect(audited.describe('ecommerce_dwd.orders_detail`; DROP TABLE x')).rejects.toBeInstanceOf(SqlRefused);
    await expect(audited.refreshDynamicTable('ecommerce_dws.user_retention; DROP TABLE x')).rejects.toBeInstanceOf(SqlRefused);
    expect(refused.map((e) => e.reason)).toEqual([
      'set operations (UNION) are not allowed',
      expect.stringMatching(/^"dt = '1' OR 1=1 --" is not a plain column name/),
      expect.stringMatching(/is not a table name/),
      expect.stringMatching(/is not a table name/),
    ]);
    expect(lhCalls().length).toBe(sent);
  });

  it('REFRESH DYNAMIC TABLE goes only through its own method, with a checked name', async () => {
    await expect(sql.refreshDynamicTable('ecommerce_dws.user_retention; DROP TABLE x')).rejects.toBeInstanceOf(SqlRefused);
    const before = h.sb.lakehouse.history.length;
    await sql.refreshDynamicTable('ecommerce_dws.user_retention');
    const row = h.sb.lakehouse.history.at(-1)!;
    expect(h.sb.lakehouse.history.length).toBe(before + 1);
    expect(row).toMatchObject({ name: 'user_retention', refresh_trigger: 'MANUAL', state: 'SUCCEED' });
    expect(h.sb.lakehouse.statements.at(-1)).toBe('REFRESH DYNAMIC TABLE `ecommerce_dws`.`user_retention`');
  });
});
