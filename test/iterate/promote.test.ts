/**
 * dev → prod promotion's pieces (issue 34, item 4): the workspaces file's `names` and `protected`
 * (validated, each problem naming its key), the name mapping from one workspace to another, the
 * dependency order, and the diff message within Block Kit's limits whatever the contents' size.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROMOTE, buildPromotionDiff } from '../../src/blocks/promote.js';
import { checkMessage } from '../../src/blocks/limits.js';
import { nameMapper } from '../../src/promote/names.js';
import { type FolderSide, type TaskState, dependencyOrder, planPromotion } from '../../src/promote/plan.js';
import { type WorkspaceNames, loadWorkspacesFile } from '../../src/workspaces.js';

const dir = mkdtempSync(join(tmpdir(), 'sob-promote-'));
const load = (text: string) => {
  const p = join(dir, `${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(p, text);
  return loadWorkspacesFile(p, {}, { databasePath: '/tmp/x.db', alertChannels: undefined });
};

const PROD: WorkspaceNames = {
  schemaPrefix: '',
  schemaSuffix: '_prod',
  schemas: ['ecommerce_ods', 'ecommerce_dwd'],
  vclusters: { default: 'etl_vc' },
  dataSources: { mysql_shop: 'mysql_shop_prod' },
};
const DEV: WorkspaceNames = { schemaPrefix: 'dev_', schemaSuffix: '', schemas: ['ecommerce_ods', 'ecommerce_dwd'], vclusters: {}, dataSources: { mysql_shop: 'mysql_shop_dev' } };

describe('the workspaces file: names and protected', () => {
  it('reads names and protected into the workspace', () => {
    const r = load(`default: dev
workspaces:
  dev: { sandbox: true, workspace: demo_dev }
  prod:
    sandbox: true
    workspace: demo_prod
    seed: demo_prod
    protected: true
    names:
      schema_suffix: _prod
      schemas: [ecommerce_ods, ecommerce_dwd]
      vclusters: { default: etl_vc }
      data_sources: { mysql_shop: mysql_shop_prod }
`);
    expect(r.problems).toEqual([]);
    const prod = r.config!.list.find((w) => w.name === 'prod')!;
    expect(prod).toMatchObject({ protected: true, sandboxSeed: 'demo_prod', names: PROD });
    expect(r.config!.list.find((w) => w.name === 'dev')!.names).toBeUndefined();
  });

  it('every wrong value is a problem naming its key', () => {
    const r = load(`default: dev
workspaces:
  dev: { sandbox: true, protected: "yes" }
  prod:
    sandbox: true
    seed: production
    names:
      schema_suffix: "-prod!"
      vclusters: { default: etl_vc, analytics: etl_vc }
      data_sources: { "mysql shop": x }
      colours: blue
  stage:
    sandbox: true
    names: { schema_prefix: stage_ }
`);
    const text = r.problems.join('\n');
    expect(text).toContain('workspaces.dev.protected: must be true or false');
    expect(text).toContain('workspaces.prod.seed: must be demo, demo_prod or empty');
    expect(text).toContain('workspaces.prod.names.schema_suffix: must be letters, digits and "_"');
    expect(text).toContain('workspaces.prod.names.data_sources.mysql shop: keys are data source names');
    expect(text).toMatch(/workspaces\.prod\.names: .*colours/);
    expect(text).toContain('workspaces.stage.names.schemas: must list the common schema names');
    expect(r.config).toBeUndefined();
  });

  it('two common names mapped to one name is refused, naming the second', () => {
    const r = load(`default: prod
workspaces:
  prod: { sandbox: true, names: { vclusters: { default: etl_vc, analytics: etl_vc } } }
`);
    expect(r.problems.join('\n')).toContain('workspaces.prod.names.vclusters.analytics: maps to etl_vc, as default does');
  });
});

describe('names from one workspace to another', () => {
  it('maps schemas as whole identifiers, VClusters in DDL and data sources in a sync’s JSON; nothing else', () => {
    const m = nameMapper(DEV, PROD);
    const sql = `INSERT OVERWRITE TABLE dev_ecommerce_dwd.orders_detail
SELECT o.amount, dev_ecommerce_ods_archive.x FROM dev_ecommerce_ods.orders o JOIN finance.rates r;
CREATE DYNAMIC TABLE t REFRESH INTERVAL 1 HOUR VCLUSTER default AS SELECT 1;`;
    expect(m.content(sql)).toBe(`INSERT OVERWRITE TABLE ecommerce_dwd_prod.orders_detail
SELECT o.amount, dev_ecommerce_ods_archive.x FROM ecommerce_ods_prod.orders o JOIN finance.rates r;
CREATE DYNAMIC TABLE t REFRESH INTERVAL 1 HOUR VCLUSTER etl_vc AS SELECT 1;`);
    const sync = JSON.stringify({ reader: { datasource: 'mysql_shop_dev', table: 'mysql_shop_dev' }, writer: { schema: 'dev_ecommerce_ods' } });
    expect(JSON.parse(m.content(sync))).toEqual({ reader: { datasource: 'mysql_shop_prod', table: 'mysql_shop_dev' }, writer: { schema: 'ecommerce_ods_prod' } });
    expect(m.vcluster('default')).toBe('etl_vc');
    expect(m.vcluster('sync_vc')).toBe('sync_vc');
    expect(m.renamings()).toEqual(expect.arrayContaining(['dev_ecommerce_ods → ecommerce_ods_prod', 'default → etl_vc', 'mysql_shop_dev → mysql_shop_prod']));
  });

  it('goes back the other way, and is the identity between workspaces with no names', () => {
    const back = nameMapper(PROD, DEV);
    expect(back.content('FROM ecommerce_ods_prod.orders VCLUSTER etl_vc')).toBe('FROM dev_ecommerce_ods.orders VCLUSTER default');
    const none = nameMapper(undefined, undefined);
    expect(none.content('FROM ecommerce_ods.orders')).toBe('FROM ecommerce_ods.orders');
    expect(none.renamings()).toEqual([]);
  });
});

const task = (name: string, over: Partial<TaskState> = {}): TaskState => ({
  id: 1,
  name,
  kind: 'SQL',
  content: `SELECT 1 -- ${name}`,
  cron: '0 0 2 * * ? *',
  vcCode: 'default',
  deps: [],
  deployed: true,
  description: '',
  params: {},
  ...over,
});
const side = (workspace: string, tasks: TaskState[]): FolderSide => ({
  workspace,
  folder: 'f',
  folderId: 1,
  tasks,
  vclusters: ['default', 'etl_vc'],
  dataSources: ['mysql_shop'],
  allTasks: Object.fromEntries(tasks.map((t) => [t.name, t.id])),
});

describe('the plan', () => {
  it('orders tasks upstream first, whatever their names', () => {
    const order = dependencyOrder([task('a_load', { deps: ['z_extract'] }), task('z_extract'), task('m_report', { deps: ['a_load', 'z_extract'] })]);
    expect(order.map((t) => t.name)).toEqual(['z_extract', 'a_load', 'm_report']);
  });

  it('blocks on a VCluster or data source the target lacks, a type that differs, and an upstream task outside the folder it does not have', () => {
    const source = side('dev', [task('s1', { kind: 'DI', content: '{"reader":{"datasource":"pg_crm"}}' }), task('s2', { vcCode: 'big_vc' }), task('s3', { deps: ['elsewhere'] })]);
    source.allTasks.elsewhere = 99;
    const target = side('prod', [task('s1', { kind: 'SQL' })]);
    const plan = planPromotion(source, target, nameMapper(undefined, undefined));
    expect(plan.blockers.join('\n')).toContain('`s1` reads data source `pg_crm`, which `prod` does not have');
    expect(plan.blockers.join('\n')).toContain('`s1` is a DI task in `dev` and a SQL task in `prod`');
    expect(plan.blockers.join('\n')).toContain('`s2` runs on VCluster `big_vc`, which `prod` does not have');
    expect(plan.blockers.join('\n')).toContain('`s3` depends on `elsewhere`, outside the folder');
    // A blocked diff offers no Confirm.
    expect(JSON.stringify(buildPromotionDiff(plan, 'prod|00000000-0000').blocks)).not.toContain(PROMOTE.confirm);
  });

  it('a changed content is a whole unified diff (both file lines, then the hunks); a new task’s content is all added', () => {
    const source = side('dev', [task('t1', { content: 'SELECT 2;' }), task('t2', { content: 'SELECT 3;\nSELECT 4;' })]);
    const target = side('prod', [task('t1', { content: 'SELECT 1;' })]);
    const text = JSON.stringify(buildPromotionDiff(planPromotion(source, target, nameMapper(undefined, undefined)), 'prod|00000000-0000').blocks);
    expect(text).toContain('--- prod/t1 (now)\\n+++ prod/t1 (after)\\n@@ -1,1 +1,1 @@\\n-SELECT 1;\\n+SELECT 2;');
    expect(text).toContain('+++ prod/t2 (new)\\n@@ -0,0 +1,2 @@\\n+SELECT 3;\\n+SELECT 4;');
  });

  it('a diff too large for one message is truncated by the builder, within Slack’s limits, and keeps its Confirm', () => {
    const big = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `SELECT ${i} AS c${i}, '${tag}' AS v FROM ecommerce_ods.orders_${i};`).join('\n');
    const names = Array.from({ length: 30 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const source = side(
      'dev',
      names.map((n) => task(n, { content: big(200, 'new'), cron: '0 0 4 * * ? *' })),
    );
    const target = side(
      'prod',
      names.map((n) => task(n, { content: big(200, 'old') })),
    );
    const plan = planPromotion(source, target, nameMapper(undefined, undefined));
    expect(plan.changes).toHaveLength(30);
    const m = buildPromotionDiff(plan, 'prod|00000000-0000');
    expect(checkMessage(m)).toEqual([]);
    const json = JSON.stringify(m.blocks);
    expect(json).toContain(PROMOTE.confirm);
    expect(json).toMatch(/more diff lines|more blocks? of the diff not shown/);
  });
});
