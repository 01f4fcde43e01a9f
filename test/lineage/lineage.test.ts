/**
 * Table lineage of the demo workspace (seed 000's ecommerce_dw, the legacy folder), built from the
 * tasks' SQL, the sync tasks' targets, the DT definitions, Lakehouse's refresh history and Studio's
 * dependencies — and what could not be read, said.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakehouseSql } from '../../src/lakehouse/client.js';
import { type Lineage, buildLineage, describeImpact, impactOf, lookupLineage } from '../../src/lineage/index.js';
import { readSql } from '../../src/lineage/task-tables.js';
import { type SandboxHarness, startHarness } from '../helpers/sandbox.js';

let h: SandboxHarness;
let lineage: Lineage;
beforeAll(async () => {
  h = await startHarness();
  const sql = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
  lineage = await buildLineage(h.client, sql, { now: h.clock.now() });
});
afterAll(async () => {
  await h.close();
});

const readersOf = (t: string) =>
  lineage.tables
    .get(t)
    ?.readers.map((r) => `${r.kind === 'dynamic_table' ? 'DT ' : ''}${r.name}`)
    .sort();

describe('lineage of the demo workspace', () => {
  it('names the writers, definers and readers of each ecommerce table', () => {
    const expected: Record<string, { writers: string[]; definers: string[]; readers: string[] }> = {
      'ecommerce_ods.orders': { writers: ['00_sync_mysql_to_ods'], definers: ['01_ddl_ods'], readers: ['04_transform_ods_to_dwd'] },
      'ecommerce_dwd.orders_detail': {
        writers: ['04_transform_ods_to_dwd'],
        definers: ['02_ddl_dwd'],
        readers: ['05_dqc_check', 'DT ecommerce_ads.top_products', 'DT ecommerce_dws.sales_daily', 'DT ecommerce_dws.user_retention'],
      },
      'ecommerce_dws.sales_daily': { writers: [], definers: ['03_ddl_dws_ads'], readers: [] },
      'legacy_ods.orders': {
        writers: ['sync_legacy_mysql'],
        definers: ['ddl_create_tables'],
        readers: ['agg_sales_dws', 'etl_bad_cron', 'etl_before_upstream', 'etl_orders_daily'],
      },
      'legacy_dwd.orders': { writers: ['etl_orders_daily'], definers: [], readers: ['DT legacy_dws.sales_rank'] },
      'legacy_dws.sales_summary': { writers: ['agg_sales_dws'], definers: [], readers: [] },
    };
    for (const [table, want] of Object.entries(expected)) {
      const n = lineage.tables.get(table);
      expect(n, table).toBeDefined();
      expect([...n!.writers].sort(), `${table} writers`).toEqual(want.writers);
      expect([...n!.definers].sort(), `${table} definers`).toEqual(want.definers);
      expect(readersOf(table), `${table} readers`).toEqual(want.readers);
    }
    expect(lineage.tables.get('ecommerce_dws.sales_daily')!.dynamic).toBe(true);
    expect(lineage.tables.get('ecommerce_ads.top_products')!.dynamic).toBe(true);
    // The sync task's source outside Lakehouse.
    expect(lineage.tasks.find((t) => t.name === '00_sync_mysql_to_ods')!.externalSources).toEqual(['mysql_shop:shop.orders']);
    // Studio's dependencies beside the tables.
    expect(lineage.tasks.find((t) => t.name === '05_dqc_check')!.upstream).toEqual(['04_transform_ods_to_dwd']);
  });

  it('says what it could not read instead of guessing: SELECT … FROM EXTERNAL, a three-part name, Shell and Python tasks, a multi-table sync', () => {
    const byTask = new Map(lineage.unread.map((u) => [u.task, u]));
    // sql_fake_sync: INSERT INTO legacy_ods.customers SELECT * FROM EXTERNAL mysql_crm.customers — the target is read
    // exactly by the statement's head; the query is not, and no source is invented for it.
    expect(byTask.get('sql_fake_sync')!.reason).toMatch(/SQL parser stopped at .*it writes legacy_ods\.customers, what it reads is not known/);
    const fake = lineage.tasks.find((t) => t.name === 'sql_fake_sync')!;
    expect(fake.writes).toEqual(['legacy_ods.customers']);
    expect(fake.reads).toEqual([]);
    expect(lineage.tables.has('mysql_crm.customers')).toBe(false);
    // jdbc_copy_orders runs on MySQL (shop.orders is not a Lakehouse table): not read, no table guessed.
    expect(byTask.get('jdbc_copy_orders')!.reason).toMatch(/a JDBC task runs its SQL on the data source/);
    expect(lineage.tasks.find((t) => t.name === 'jdbc_copy_orders')!.reads).toEqual([]);
    expect(byTask.get('github_raw_fetch')!.reason).toMatch(/a Shell: its tables are not declared/);
    expect(byTask.get('github_clean')!.reason).toMatch(/a Python: its tables are not declared/);
    expect(byTask.get('cdc_mysql_shop')!.reason).toMatch(/multi-table sync into schema ods/);
  });

  it('gives the impact of a change to ecommerce_ods.orders: 04, the DWD table, and every DT over it', () => {
    const impact = impactOf(lineage, 'ecommerce_ods.orders');
    expect(impact.steps.map((s) => s.name)).toEqual([
      '04_transform_ods_to_dwd',
      '05_dqc_check',
      'ecommerce_ads.top_products',
      'ecommerce_dws.sales_daily',
      'ecommerce_dws.user_retention',
    ]);
    expect(describeImpact(impact)).toBe(
      '`ecommerce_ods.orders` touches 04_transform_ods_to_dwd → ecommerce_dwd.orders_detail, 05_dqc_check, DT ecommerce_ads.top_products, DT ecommerce_dws.sales_daily, DT ecommerce_dws.user_retention',
    );
  });

  it('looks up a task by name and says what is near for an unknown name', () => {
    const t = lookupLineage(lineage, '04_transform_ods_to_dwd');
    expect(t.kind).toBe('task');
    if (t.kind === 'task') expect(t.downstream).toEqual(['05_dqc_check']);
    const u = lookupLineage(lineage, 'ecommerce_ods.order');
    expect(u.kind).toBe('unknown');
  });
});

describe('readSql', () => {
  it("reads Lakehouse's INSERT OVERWRITE … PARTITION and CREATE DYNAMIC TABLE heads, and hands the query to the parser", () => {
    const r = readSql(`-- c
INSERT OVERWRITE TABLE a.b PARTITION (dt = '\${bizdate}') SELECT x FROM c.d p JOIN e.f q ON p.k = q.k;
CREATE OR REPLACE DYNAMIC TABLE g.h REFRESH INTERVAL 1 HOUR VCLUSTER default AS SELECT COUNT(*) FROM a.b;
ALTER TABLE c.d ADD COLUMN z STRING;`);
    expect(r).toMatchObject({ writes: ['a.b'], defines: ['g.h', 'c.d'], dynamicTables: ['g.h'], reads: ['c.d', 'e.f', 'a.b'], unread: [] });
  });
});
