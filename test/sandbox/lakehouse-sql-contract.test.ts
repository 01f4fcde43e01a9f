/**
 * The sandbox's Lakehouse against the public SDK's SQL client, as its sources send and read
 * (cz-cli `packages/clickzetta-sdk/src/sql/`: session.ts appends "\n;" to every statement,
 * submit.ts puts the session's schema in `defaultNamespace` and the format in the hints, poll.ts
 * reads `resultSet.metadata.fields[].type.category` and decodes base64 Arrow IPC; cz-cli's `sql`
 * command asks `LIMIT n+1`, its `sql status` sends the getJob body in snake case, and it looks for
 * /Table.*?not found/ to add its table-list hint). Nothing here is our own client: each statement
 * goes over HTTP in the SDK's shapes, and each answer is checked as Lakehouse would give it.
 */
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOW, type SandboxHarness, startHarness } from '../helpers/sandbox.js';

let h: SandboxHarness;
let headers: Record<string, string> = {};
let seq = 0;
beforeAll(async () => {
  h = await startHarness();
  const res = await fetch(`${h.sb.url}/clickzetta-portal/user/loginSingle`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ accessToken: h.sb.accessToken, instanceName: h.sb.instance }),
  });
  const login = ((await res.json()) as { data: { token: string; instanceId: number } }).data;
  headers = { 'Content-Type': 'application/json', 'X-Clickzetta-Token': login.token, instanceName: h.sb.instance, instanceId: String(login.instanceId) };
});
afterAll(async () => {
  await h.close();
});

interface Answer {
  state: string;
  errorCode?: string;
  errorMessage?: string;
  columns: { name: string; type: string }[];
  /** The Arrow column types, when the result came as Arrow. */
  arrowTypes: string[];
  rows: unknown[][];
}

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${h.sb.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** poll.ts's reading of an answer: metadata types, Arrow IPC (bigint as number when safe) or TEXT lines. */
function read(raw: Record<string, unknown>): Answer {
  const status = raw.status as { state: string; errorCode?: string; errorMessage?: string };
  const rs = raw.resultSet as { metadata?: { format?: string; fields?: { name: string; type: { category: string } }[] }; data?: { data?: string[] } } | undefined;
  const columns = (rs?.metadata?.fields ?? []).map((f) => ({ name: f.name, type: f.type.category }));
  const answer: Answer = { state: status.state, errorCode: status.errorCode, errorMessage: status.errorMessage, columns, arrowTypes: [], rows: [] };
  for (const chunk of rs?.data?.data ?? []) {
    if ((rs?.metadata?.format ?? 'ARROW') === 'ARROW') {
      const table = tableFromIPC(Buffer.from(chunk, 'base64'));
      answer.arrowTypes = table.schema.fields.map((f) => String(f.type));
      for (let r = 0; r < table.numRows; r++)
        answer.rows.push(
          table.schema.fields.map((_, c) => {
            const v = table.getChildAt(c)?.get(r);
            return typeof v === 'bigint' ? Number(v) : (v ?? null);
          }),
        );
    } else {
      for (const line of Buffer.from(chunk, 'base64').toString('utf8').split('\n')) answer.rows.push(line.split(','));
    }
  }
  return answer;
}

/**
 * One statement as SqlSession.execute sends it: "\n;" appended, the session schema in
 * defaultNamespace, ARROW (or TEXT) in the hints; then getJob until it ends, in the SDK's camel case
 * or cz-cli `sql status`'s snake case.
 */
async function sdk(sql: string, o: { schema?: string; format?: 'ARROW' | 'TEXT'; casing?: 'camel' | 'snake'; waitMs?: number } = {}): Promise<Answer> {
  const id = `2026112110000000${String(++seq).padStart(4, '0')}sdk`;
  const hint = {
    'cz.sql.adhoc.result.type': 'embedded',
    'cz.sql.adhoc.default.format': o.format ?? 'ARROW',
    'cz.sql.job.result.file.presigned.url.enabled': 'true',
    'cz.sql.job.result.file.presigned.url.ttl': '3600',
  };
  h.sb.lakehouse.jobMs = o.waitMs ?? 0;
  const submitted = await post('/lh/submitJob', {
    jobDesc: {
      virtualCluster: 'default',
      type: 'SQL_JOB',
      jobId: { id, workspace: h.sb.workspace },
      requestMode: 'HYBRID',
      hybridPollingTimeout: 30,
      sqlJob: { query: [`${sql}\n;`], defaultNamespace: [h.sb.workspace, o.schema ?? 'public'], sqlConfig: { hint } },
      priorityString: 'NORMAL',
      userAgent: '',
      clientContext: { configStatements: [], contextJson: JSON.stringify({ schema: o.schema ?? 'public', configs: hint }) },
    },
  });
  let raw = submitted;
  for (let i = 0; i < 5 && ['RUNNING', 'SUBMITTED', 'QUEUEING'].includes((raw.status as { state: string }).state); i++) {
    h.clock.advance(1_000);
    raw = await post(
      '/lh/getJob',
      o.casing === 'snake'
        ? { get_result_request: { account: { user_id: 0 }, job_id: { id, workspace: h.sb.workspace, instance_id: 1 }, offset: 0, user_agent: '' }, user_agent: '' }
        : { getResultRequest: { jobId: { id, workspace: h.sb.workspace, instanceId: 1 }, userAgent: '' }, userAgent: '' },
    );
  }
  return read(raw);
}

const ok = (a: Answer) => {
  expect(a.errorMessage ?? '', a.errorMessage).toBe('');
  expect(a.state).toBe('SUCCEED');
  return a;
};
const col = (a: Answer, name: string) => a.rows.map((r) => r[a.columns.findIndex((c) => c.name === name)]);
const day = (offset: number) => new Date(DEMO_NOW - offset * 86_400_000).toISOString().slice(0, 10);

describe("the SDK's SQL client against the sandbox's Lakehouse", () => {
  it('SELECT 1: one INT64 row, Arrow Int64; the same in TEXT', async () => {
    const a = ok(await sdk('SELECT 1'));
    expect(a.rows).toEqual([[1]]);
    expect(a.columns[0]!.type).toBe('INT64');
    expect(a.arrowTypes).toEqual(['Int64']);
    const t = ok(await sdk('SELECT 1 AS one', { format: 'TEXT' }));
    expect(t.columns).toEqual([{ name: 'one', type: 'INT64' }]);
    expect(t.rows).toEqual([['1']]);
  });

  it("SHOW TABLES lists the session's schema (defaultNamespace); SHOW TABLES IN another; cz-cli's LIMIT n+1", async () => {
    const dws = ok(await sdk('SHOW TABLES', { schema: 'ecommerce_dws' }));
    expect(new Set(col(dws, 'schema_name'))).toEqual(new Set(['ecommerce_dws']));
    expect(col(dws, 'table_name')).toEqual(expect.arrayContaining(['sales_daily', 'user_retention']));
    expect(ok(await sdk('SHOW TABLES')).rows).toEqual([]); // the empty public schema
    const ods = ok(await sdk('SHOW TABLES IN ecommerce_ods LIMIT 101'));
    expect(col(ods, 'table_name')).toEqual(['orders']);
    const like = ok(await sdk("SHOW TABLES IN ecommerce_dws LIKE 'sales%' LIMIT 101"));
    expect(col(like, 'table_name')).toEqual(['sales_daily']);
  });

  it('DESC and DESC EXTENDED', async () => {
    const d = ok(await sdk('DESC ecommerce_dwd.orders_detail'));
    expect(col(d, 'column_name')).toEqual(['order_id', 'user_id', 'is_paid', 'amount', 'status', 'created_at', 'dt']);
    const x = ok(await sdk('DESC EXTENDED `ecommerce_dwd`.`orders_detail`'));
    expect(x.rows).toContainEqual(['partitioned by', 'dt', '']);
    expect(x.rows.length).toBeGreaterThan(d.rows.length);
  });

  it('COUNT(*) with and without WHERE: typed INT64 in the metadata and in Arrow, the real number of rows', async () => {
    const all = ok(await sdk('SELECT COUNT(*) as row_count FROM ecommerce_ods.orders'));
    expect(all.rows).toEqual([[84_211]]);
    expect(all.columns).toEqual([{ name: 'row_count', type: 'INT64' }]);
    expect(all.arrowTypes).toEqual(['Int64']);
    const part = ok(await sdk(`SELECT COUNT(*) FROM ecommerce_dwd.orders_detail WHERE dt = '${day(2)}'`));
    expect(part.rows[0]![0]).toBeGreaterThan(10_000);
    expect(ok(await sdk(`SELECT COUNT(*) FROM ecommerce_dwd.orders_detail WHERE dt = '${day(1)}'`)).rows).toEqual([[0]]);
    // Any condition, not only a partition: the rows are real.
    const paid = ok(await sdk("SELECT COUNT(*) AS n FROM ecommerce_ods.orders WHERE status = 'paid' AND amount > 100"));
    expect(paid.rows[0]![0]).toBeGreaterThan(0);
    expect(paid.rows[0]![0]).toBeLessThan(84_211);
  });

  it("SELECT * … LIMIT 5 as cz-cli asks it (LIMIT 6), by the session's schema too", async () => {
    const a = ok(await sdk('SELECT * FROM ecommerce_ods.orders LIMIT 6'));
    expect(a.rows).toHaveLength(6);
    expect(a.columns.map((c) => c.name)).toEqual(['order_id', 'user_id', 'is_paid', 'amount', 'status', 'created_at']);
    expect(a.columns.map((c) => c.type)).toEqual(['INT64', 'INT64', 'INT8', 'DECIMAL', 'STRING', 'TIMESTAMP_LTZ']);
    const bare = ok(await sdk('SELECT order_id FROM orders ORDER BY order_id LIMIT 2', { schema: 'ecommerce_ods' }));
    expect(bare.rows).toHaveLength(2);
  });

  it('a join with GROUP BY across schemas', async () => {
    const a = ok(
      await sdk(
        'SELECT d.dt, COUNT(*) AS n, SUM(o.amount) AS gmv FROM ecommerce_dwd.orders_detail d JOIN ecommerce_ods.orders o ON o.order_id = d.order_id GROUP BY d.dt ORDER BY d.dt',
      ),
    );
    expect(a.rows.length).toBeGreaterThan(1);
    expect(a.columns.map((c) => c.type)).toEqual(['STRING', 'INT64', 'DOUBLE']);
  });

  it('SHOW VCLUSTERS', async () => {
    const a = ok(await sdk('SHOW VCLUSTERS'));
    expect(col(a, 'name')).toEqual(expect.arrayContaining(['default', 'sync_vc']));
  });

  it('SHOW DYNAMIC TABLE REFRESH HISTORY: all, of one table, with WHERE and LIMIT; getJob in both casings', async () => {
    const all = ok(await sdk('SHOW DYNAMIC TABLE REFRESH HISTORY', { waitMs: 500 }));
    expect(new Set(col(all, 'name'))).toEqual(new Set(['sales_daily', 'user_retention', 'top_products']));
    const one = ok(await sdk('SHOW DYNAMIC TABLE REFRESH HISTORY ecommerce_dws.user_retention LIMIT 3', { waitMs: 500, casing: 'snake' }));
    expect(one.rows).toHaveLength(3);
    expect(col(one, 'state')[0]).toBe('FAILED');
    const since = ok(await sdk("SHOW DYNAMIC TABLE REFRESH HISTORY WHERE state = 'SUSPENDED' LIMIT 10"));
    expect(col(since, 'name')).toEqual(['top_products']);
  });

  it('information_schema.tables answers any SELECT the engine can run', async () => {
    const a = ok(await sdk("SELECT table_name, row_count FROM information_schema.tables WHERE table_schema = 'ecommerce_ods'"));
    expect(a.rows).toEqual([['orders', 84_211]]);
  });

  it('a missing table: "Table or view not found", which cz-cli recognises', async () => {
    const a = await sdk('SELECT * FROM ecommerce_ods.no_such_table LIMIT 6');
    expect(a.state).toBe('FAILED');
    expect(a.errorCode).toBe('CZLH-42000');
    expect(a.errorMessage).toMatch(/Table.*?not found/i);
    expect(a.errorMessage).toContain('ecommerce_ods.no_such_table');
    expect((await sdk('DESC ecommerce_ods.nope')).errorMessage).toMatch(/Table or view not found/);
  });

  it('a syntax error is a syntax error', async () => {
    const a = await sdk('SELEC 1 FORM dual');
    expect(a.state).toBe('FAILED');
    expect(a.errorCode).toBe('CZLH-42000');
    expect(a.errorMessage).toMatch(/Syntax error/i);
  });

  it("INSERT and DROP are a read-only user's permission error, and change nothing", async () => {
    const ins = await sdk("INSERT INTO ecommerce_ods.orders VALUES (1, 2, 1, 3.5, 'paid', '2026-11-21 00:00:00')");
    expect(ins.state).toBe('FAILED');
    expect(ins.errorCode).toBe('CZLH-42501');
    expect(ins.errorMessage).toMatch(/permission/i);
    expect(ins.errorMessage).not.toMatch(/syntax/i);
    const drop = await sdk('DROP TABLE ecommerce_ods.orders');
    expect(drop.errorCode).toBe('CZLH-42501');
    expect(ok(await sdk('SELECT COUNT(*) FROM ecommerce_ods.orders')).rows).toEqual([[84_211]]);
  });
});
