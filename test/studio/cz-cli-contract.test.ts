/**
 * The contract with Studio as the public cz-cli describes it (test/fixtures/cz-cli/contract.json,
 * written from cz-cli's sources). Two referees, one fixture:
 *  - a client that knows nothing but the fixture (cz-cli's headers, bodies and the fields it reads)
 *    drives `npm run sandbox` through every operation the bot needs: the sandbox must answer it;
 *  - our StudioClient's requests, captured in the sandbox's journal, must carry every key cz-cli
 *    sends, with compatible values, and cz-cli's headers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskKindByKey } from '../../src/studio/enums.js';
import { DEMO_NOW, type SandboxHarness, startHarness } from '../helpers/sandbox.js';

interface Endpoint {
  name: string;
  path: string;
  /** GET with the body as query parameters (cz-cli's DQC reads and deletes); POST otherwise. */
  method?: 'GET';
  write?: boolean;
  sends: Record<string, unknown>;
  reads: string[];
  nonEmpty?: string;
}

const contract = JSON.parse(readFileSync(new URL('../fixtures/cz-cli/contract.json', import.meta.url), 'utf8')) as { endpoints: Endpoint[] };
const endpoint = (name: string) => {
  const e = contract.endpoints.find((x) => x.name === name);
  if (!e) throw new Error(`no fixture named ${name}`);
  return e;
};

type Ctx = Record<string, unknown>;

/** The fixture body with `$name` placeholders taken from `ctx`. */
function fill(value: unknown, ctx: Ctx): unknown {
  if (typeof value === 'string' && value.startsWith('$')) {
    const key = value.slice(1);
    if (!(key in ctx)) throw new Error(`placeholder ${value} has no value yet`);
    return ctx[key];
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, ctx));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, ctx)]));
  return value;
}

/** The paths of `reads` that the answer lacks (`a.b[].c`: every item of list a.b has c). */
function missingReads(envelope: unknown, reads: string[]): string[] {
  const missing: string[] = [];
  for (const path of reads) {
    const walk = (node: unknown, parts: string[], at: string): void => {
      if (parts.length === 0) return;
      const [head, ...rest] = parts as [string, ...string[]];
      const list = head.endsWith('[]');
      const key = list ? head.slice(0, -2) : head;
      const child = key === '' ? node : (node as Record<string, unknown> | null)?.[key];
      if (child === undefined) {
        missing.push(`${path} (no ${at}${key})`);
        return;
      }
      if (!list) {
        walk(child, rest, `${at}${key}.`);
        return;
      }
      if (!Array.isArray(child)) {
        missing.push(`${path} (${at}${key} is not a list)`);
        return;
      }
      for (const item of child) walk(item, rest, `${at}${key}[].`);
    };
    walk(envelope, path.split('.'), '');
  }
  return [...new Set(missing)];
}

/** Whether our value could stand where cz-cli sends `theirs` (numbers and numeric strings are one). */
function compatible(theirs: unknown, ours: unknown): string | undefined {
  if (ours === undefined) return 'missing';
  if (typeof theirs === 'string' && theirs.startsWith('$')) return ours === null ? 'null' : undefined;
  const numeric = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v));
  if (numeric(theirs) && numeric(ours)) return undefined;
  if (Array.isArray(theirs)) {
    if (!Array.isArray(ours)) return `expected a list, got ${JSON.stringify(ours)}`;
    if (theirs.length > 0 && ours.length > 0 && theirs[0] && typeof theirs[0] === 'object') {
      for (const k of Object.keys(theirs[0] as object)) {
        const why = compatible((theirs[0] as Ctx)[k], (ours[0] as Ctx)[k]);
        if (why) return `item key ${k}: ${why}`;
      }
    }
    return undefined;
  }
  if (theirs !== null && typeof theirs === 'object') return ours !== null && typeof ours === 'object' ? undefined : `expected an object, got ${JSON.stringify(ours)}`;
  return typeof theirs === typeof ours ? undefined : `expected ${typeof theirs}, got ${JSON.stringify(ours)}`;
}

describe("a client written from cz-cli's shapes alone, against `npm run sandbox`", () => {
  let child: ChildProcess | undefined;
  let base = '';
  const ctx: Ctx = {};
  let headers: Record<string, string> = {};
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/cli.ts', '--port', '0', '--db', ':memory:', '--seed', 'demo'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    });
    const ready = JSON.parse(line) as { url: string; accessToken: string; instance: string; workspace: string };
    base = ready.url;
    Object.assign(ctx, { accessToken: ready.accessToken, instance: ready.instance, workspace: ready.workspace });
  });

  /** One call as cz-cli makes it: POST, JSON, its headers, a fresh request id. Returns the envelope. */
  async function call(name: string, extra: Ctx = {}): Promise<Record<string, unknown>> {
    const e = endpoint(name);
    const body = fill(e.sends, { ...ctx, ...extra });
    const requestId = `tssdk-v0.1.0-${Math.random().toString(16).slice(2, 14)}`;
    const get = e.method === 'GET';
    const query = get ? `?${new URLSearchParams(Object.entries(body as Ctx).map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
    const path = e.path.replace(/\$(\w+)/g, (m) => encodeURIComponent(String(fill(m, { ...ctx, ...extra }))));
    const res = await fetch(`${base}${path}${query}`, {
      method: get ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/plain, */*', requestId, 'X-Request-ID': requestId, ...headers },
      body: get ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${name}: HTTP status`).toBe(200);
    const env = (await res.json()) as Record<string, unknown>;
    expect([0, '0', 200, '200'], `${name}: ${String(env.code)} ${String(env.message)}`).toContain(env.code);
    expect(missingReads(env, e.reads), `${name}: fields cz-cli reads`).toEqual([]);
    if (e.nonEmpty) expect((env[e.nonEmpty] as unknown[]).length, `${name}: ${e.nonEmpty} is empty`).toBeGreaterThan(0);
    return env;
  }

  it('logs in, lists tasks, runs and attempts, reads a log, reruns, stops, backfills', async () => {
    const login = (await call('login')).data as Ctx;
    Object.assign(ctx, { instanceId: login.instanceId, userId: login.userId, userIdText: String(login.userId) });
    headers = {
      'X-Clickzetta-Token': String(login.token),
      instanceName: String(ctx.instance),
      instanceid: String(login.instanceId),
      userId: String(login.userId),
      env: 'prod',
      workspaceName: String(ctx.workspace),
    };
    const user = (await call('current user')).data as Ctx;
    Object.assign(ctx, { tenantId: user.accountId, userName: user.name });
    Object.assign(headers, { accountId: String(user.accountId), tenantId: String(user.accountId) });
    const ws = ((await call('workspaces')).data as Ctx[]).find((w) => w.workspaceName === ctx.workspace)!;
    Object.assign(ctx, {
      projectId: ws.projectId,
      workspaceId: ws.workspaceId,
      now: DEMO_NOW + 86_400_000 * 365,
      weekAgo: Date.now() - 8 * 86_400_000,
      yearAgo: Date.now() - 365 * 86_400_000,
    });
    ctx.now = Date.now();

    const tasks = ((await call('list tasks', { projectId: ctx.projectId })).data as { list: Ctx[] }).list;
    const byName = (n: string) => tasks.find((t) => t.dataFileName === n)!;
    Object.assign(ctx, { taskId: byName('04_transform_ods_to_dwd').id, upstreamTaskId: byName('00_sync_mysql_to_ods').id, upstreamTaskName: '00_sync_mysql_to_ods' });
    await call('list folders');
    const detail = (await call('task detail')).data as Ctx;
    ctx.taskVersion = detail.currentVersion;
    await call('task configuration');
    await call('schedule detail');
    await call('published version');

    // cz-cli's run lookup by task name (cycleTaskType = run type 1) finds the task's latest run.
    const latest = (await call('list runs (by task, as the name resolver)')).data as Ctx[];
    expect(latest[0]!.scheduleTaskId).toBe(ctx.taskId);
    const failed = (await call('list runs (failed)')).data as Ctx[];
    const run = failed.find((r) => r.cycleTaskName === '04_transform_ods_to_dwd') ?? failed[0]!;
    ctx.runId = run.taskInstanceId;
    await call('run detail');
    const attempts = await call('attempts');
    expect(typeof attempts.count).toBe('number');
    ctx.attemptId = (attempts.data as Ctx[])[0]!.executeLogId;
    const log = (await call('attempt log')).data;
    expect(JSON.stringify(log).length).toBeGreaterThan(20);
    await call('run relations');
    await call('downstream (flattened)');
    await call('cron preview');
    await call('instance statistics');
    await call('task statistics');
    await call('virtual clusters');

    await call('rerun');
    await call('stop');
    const stopped = (await call('run detail')).data as Ctx;
    expect(stopped.instanceStatus).toBe(3);
    const day = (n: number) => Date.parse(`${new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`);
    const backfill = (await call('backfill', { from: day(3), to: day(2) + 86_399_999 })).data as Ctx;
    expect(typeof backfill.id).toBe('number');
  });

  it('real-time and CDC tasks: lists them, reads a stream, stops and starts each kind, lists a pipeline’s tables and operates on one, lists PostgreSQL slots', async () => {
    const streams = ((await call('realtime list')).data as { list: Ctx[] }).list;
    const kafka = streams.find((x) => x.taskName === 'rt_sync_kafka_orders')!;
    const cdc = streams.find((x) => x.taskName === 'cdc_mysql_shop')!;
    expect(kafka).toBeDefined();
    expect(cdc).toBeDefined();
    // REALTIME (14): by its file id; cz-cli reads taskStatus (2 running, 4 stopped).
    ctx.timelyId = kafka.fileId;
    expect(((await call('realtime detail')).data as Ctx).taskStatus).toBe(2);
    await call('realtime stop');
    expect(((await call('realtime detail')).data as Ctx).taskStatus).toBe(4);
    await call('realtime start');
    expect(['running', 'starting']).toContain(((await call('realtime detail')).data as Ctx).taskStatusName);
    // MULTI_REALTIME (281): the stream id is the task detail's cdcTaskId; start/stop by the file id as text.
    Object.assign(ctx, { pipelineFileId: cdc.fileId, pipelineFileIdText: String(cdc.fileId) });
    const detail = (await call('task detail', { taskId: cdc.fileId })).data as Ctx;
    ctx.timelyId = detail.cdcTaskId;
    expect(((await call('realtime detail')).data as Ctx).taskName).toBe('cdc_mysql_shop');
    await call('cdc stop');
    expect(((await call('realtime detail')).data as Ctx).taskStatus).toBe(4);
    await call('cdc start');
    const tables = ((await call('cdc tables')).data as { list: Ctx[] }).list;
    expect(tables.length).toBeGreaterThan(1);
    ctx.tableIds = [tables[0]!.id];
    for (const op of ['cdc pause table', 'cdc recover table', 'cdc stop table', 'cdc start table', 'cdc resync table']) await call(op);
    const after = ((await call('cdc tables')).data as { list: Ctx[] }).list.find((t) => t.id === tables[0]!.id)!;
    expect(after.statusName).toBe('full_sync');
    const sources = (
      (await fetch(`${base}/ide-authority/v1/projectDataSources/list`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ pageIndex: 1, pageSize: 100, dsType: 7 }),
      }).then((r) => r.json())) as { data: { list: Ctx[] } }
    ).data.list;
    ctx.datasourceIds = sources.map((d) => d.id);
    const slots = (await call('pg slots')).data as { pipelineSlotMetaVos: Ctx[] }[];
    expect(slots[0]!.pipelineSlotMetaVos.map((x) => x.slotName)).toContain('cz_cdc_slot');
    const pubs = (await call('pg publications')).data as { datasourceId: number; publications: Ctx[] }[];
    expect(pubs.flatMap((p) => p.publications.map((x) => x.name))).toContain('cz_cdc_pub');
    const checked = (await call('cdc check tables')).data as Ctx[];
    expect(checked.length).toBe(tables.length);
    // task cdc offline: the pipeline stops and goes back to draft (offline, waiting to be published).
    await call('cdc offline');
    expect(((await call('realtime detail')).data as Ctx).taskStatus).toBe(4);
    expect(((await call('schedule detail', { taskId: ctx.pipelineFileId })).data as Ctx).taskStatus).toBe(2);
  });

  it('creates a folder and a task, saves content with parameters and the whole configuration, pre-checks, deploys, runs it once, deletes', async () => {
    ctx.folderId = (await call('create folder', { folderName: 'czcli_contract' })).data;
    ctx.content = "SELECT '${region}' AS region;";
    ctx.newTaskId = (await call('create task', { taskName: 'czcli_task' })).data;
    await call('save content');
    await call('save configuration');
    const cfg = (await call('task configuration', { taskId: ctx.newTaskId })).data as Ctx;
    expect(cfg).toMatchObject({ cronExpress: '0 30 3 * * ? *', retryCount: 1, rerunProperty: 3 });
    expect(cfg.dataFileDependencyDTOS).toEqual([expect.objectContaining({ dependencyFileId: ctx.upstreamTaskId, depStrategy: 0 })]);
    const params = ((await call('task detail', { taskId: ctx.newTaskId })).data as Ctx).paramValueList;
    expect(params).toEqual([{ encrypt: false, id: '1', ignore: false, paramKey: 'region', paramType: 'manual', paramValue: 'eu', ref: 0 }]);
    const check = (await call('deploy pre-check')).data as Ctx;
    expect(check.pass).toBe(true);
    await call('deploy');
    expect(((await call('schedule detail', { taskId: ctx.newTaskId })).data as Ctx).taskStatus).toBe(1);
    const temp = (await call('execute once')).data as Ctx;
    const tempRun = (await call('run detail', { runId: temp.scheduleInstanceId })).data as Ctx;
    expect(tempRun).toMatchObject({ instanceType: 3, scheduleTaskId: ctx.newTaskId });

    ctx.emptyFolderId = (await call('create folder', { folderName: 'czcli_scratch' })).data;
    ctx.draftTaskId = (await call('create task', { taskName: 'czcli_draft', folderId: ctx.emptyFolderId })).data;
    await call('delete task');
    await call('delete folder');
    const left = ((await call('list folders')).data as { list: Ctx[] }).list.map((f) => f.dataFolderName);
    expect(left).toContain('czcli_contract');
    expect(left).not.toContain('czcli_scratch');
  });

  it('workspace parameters: listed, added, updated, published (the pre-check then counts them), taken offline, deleted', async () => {
    type Param = { id: number; paramKey: string; paramValue: string; status: number };
    const listed = async () => ((await call('workspace parameters', {})).data as { list: Param[]; total: number }).list;
    expect((await listed()).map((p) => p.paramKey)).toEqual(expect.arrayContaining(['env', 'warehouse_region']));
    // A task using ${ws_bucket}, which neither it nor the workspace defines, fails the pre-check.
    ctx.content = "SELECT '${region}' AS region, '${ws_bucket}' AS bucket;";
    await call('save content');
    const invalid = async () =>
      ((await call('deploy pre-check')).data as { details: { invalidParams: { paramKey: string }[] }[] }).details[0]!.invalidParams.map((p) => p.paramKey);
    expect(await invalid()).toEqual(['ws_bucket']);
    const added = (await call('add workspace parameter', { paramKey: 'ws_bucket', paramValue: 'oss://raw' })).data as Param;
    ctx.paramId = added.id;
    expect(await invalid()).toEqual(['ws_bucket']); // added, not yet published
    await call('update workspace parameter', { paramKey: 'ws_bucket', paramValue: 'oss://raw-2' });
    await call('enable workspace parameter');
    expect(await invalid()).toEqual([]);
    expect((await listed()).find((p) => p.paramKey === 'ws_bucket')).toMatchObject({ paramValue: 'oss://raw-2', status: 1 });
    await call('disable workspace parameter');
    expect(await invalid()).toEqual(['ws_bucket']);
    await call('delete workspace parameter');
    expect((await listed()).map((p) => p.paramKey)).not.toContain('ws_bucket');
  });

  it("DQC rules: the demo's listed with the fields cz-cli prints; one added, read, run on the Lakehouse's rows, deleted; statistics", async () => {
    type Rule = { id: number; objectName: string; latestStatus: string | null; definedSql: string };
    const demo = (await call('dqc rules')).data as Rule[];
    expect(demo.map((r) => r.objectName)).toEqual(['ecommerce_dwd.orders_detail', 'ecommerce_dwd.orders_detail']);
    // The demo's failing rule fails when run: its SQL runs on the sandbox's Lakehouse.
    const unpaid = demo.find((r) => r.definedSql.includes('is_paid'))!;
    ctx.ruleId = unpaid.id;
    await call('run dqc rule');
    expect(((await call('dqc rule')).data as Rule).latestStatus).toBe('FAILED');
    ctx.ruleId = (await call('add dqc rule', { definedSql: 'SELECT COUNT(*) FROM ecommerce_ods.orders WHERE order_id IS NULL' })).data;
    expect(((await call('dqc rule')).data as Rule).latestStatus).toBeNull();
    expect(typeof (await call('run dqc rule')).data).toBe('number');
    expect(((await call('dqc rule')).data as Rule).latestStatus).toBe('SUCCESS');
    await call('delete dqc rule');
    expect(((await call('dqc rules')).data as Rule[]).map((r) => r.id)).not.toContain(ctx.ruleId);
    // `dqc stat`: the two demo rules on one table; two runs, one passed.
    expect((await call('dqc stat (rules and tables)')).data).toMatchObject({ ruleCount: 2, tableCount: 1 });
    expect((await call('dqc stat (rule runs)')).data).toEqual({ taskCount: 2, successCount: 1, failedCount: 1, errorCount: 0, passRate: 50 });
  });

  it("parses a task's SQL into its output tables and its upstream tasks (those writing what it reads)", async () => {
    ctx.content = `-- daily sales
INSERT OVERWRITE TABLE sales_by_day
SELECT d.dt, SUM(d.amount) FROM ecommerce_dwd.orders_detail d JOIN \`legacy_dwd\`.\`b\` b ON b.id = d.order_id GROUP BY d.dt;`;
    const parsed = (await call('parse dependencies')).data as { fileOutputTableDTOS: Ctx[]; dataFileDependencyDTOS: Ctx[] };
    expect(parsed.fileOutputTableDTOS.map((o) => o.refTableName)).toEqual(['ecommerce_dws.sales_by_day']);
    expect(parsed.fileOutputTableDTOS[0]).toMatchObject({ dataFileId: ctx.newTaskId, dataFileName: 'czcli_task' });
    const deps = Object.fromEntries(parsed.dataFileDependencyDTOS.map((d) => [d.dependencyFileName, d.refTableNames]));
    expect(deps).toEqual({ '04_transform_ods_to_dwd': 'ecommerce_dwd.orders_detail', etl_cycle_b: 'legacy_dwd.b' });
  });

  it('takes a task offline and online again; run statistics without a time window count every run', async () => {
    await call('offline task');
    expect(((await call('schedule detail', { taskId: ctx.newTaskId })).data as Ctx).taskStatus).toBe(2);
    await call('online task');
    expect(((await call('schedule detail', { taskId: ctx.newTaskId })).data as Ctx).taskStatus).toBe(1);
    const count = (rows: { count: number }[]) => rows.reduce((a, r) => a + r.count, 0);
    const week = (await call('instance statistics')).data as { count: number }[];
    const all = (await call('instance statistics (no window)')).data as { count: number }[];
    expect(count(all)).toBeGreaterThanOrEqual(count(week));
  });

  it('lists scheduled tasks by name; reads what a run executed (a scheduled run: its published content; a temporary run: what was sent)', async () => {
    const listed = await call('schedule tasks', { taskNameLike: 'transform_ods' });
    const rows = listed.data as Ctx[];
    expect(rows.map((r) => r.cycleTaskName)).toEqual(['04_transform_ods_to_dwd']);
    expect(rows[0]).toMatchObject({ scheduleTaskId: ctx.taskId, taskStatus: 1 });
    expect(listed.count).toBe(1);
    const all = await call('schedule tasks', { taskNameLike: '' });
    expect(all.count as number).toBeGreaterThan(5);
    // Only deployed tasks are scheduled: the draft made above is not listed.
    expect((all.data as Ctx[]).map((r) => r.cycleTaskName)).not.toContain('czcli_draft');

    const published = (await call('published version')).data as Ctx;
    const scheduled = (await call('run content', { runId: ctx.runId })).data as Ctx;
    expect(scheduled).toMatchObject({ taskInstanceId: ctx.runId, scheduleTaskId: ctx.taskId, fileContent: published.fileContent });
    ctx.content = "SELECT '${region}' AS region, 42 AS answer;";
    const temp = (await call('execute once')).data as Ctx;
    const content = (await call('run content', { runId: temp.scheduleInstanceId })).data as Ctx;
    expect(content).toMatchObject({ scheduleTaskId: ctx.newTaskId, fileContent: ctx.content, paramValueList: [expect.objectContaining({ paramKey: 'region', paramValue: 'eu' })] });
  });

  it('flows as `cz-cli task flow` drives them: nodes created, bound, unbound, removed; node content and configuration; submitted; run once; node instances', async () => {
    ctx.flowId = (await call('create flow task', { taskName: 'czcli_flow' })).data;
    type Node = { id: number; fileName: string; dependencies: { id: number; dependencyNodeId: number }[] };
    const dag = async () => (await call('flow dag')).data as Node[];
    expect(await dag()).toEqual([]);
    const extract = (await call('flow create node', { nodeName: 'extract' })).data as Node;
    const load = (await call('flow create node', { nodeName: 'load' })).data as Node;
    ctx.content = 'SELECT COUNT(*) FROM ecommerce_dwd.orders_detail;';
    const check = (await call('flow create node (after another, with content)', { nodeName: 'check', upNodeId: extract.id })).data as Node;
    const scratch = (await call('flow create node', { nodeName: 'scratch' })).data as Node;
    // resolveNodeId finds nodes by fileName; `check` was created after `extract`.
    expect((await dag()).map((n) => n.fileName)).toEqual(['extract', 'load', 'check', 'scratch']);
    expect((await dag()).find((n) => n.id === check.id)!.dependencies.map((d) => d.dependencyNodeId)).toEqual([extract.id]);
    // bind load ← extract: the DAG shows it (cz-cli verifies the edge there); binding again changes nothing.
    await call('flow bind', { downNodeId: load.id, upNodeId: extract.id });
    await call('flow bind', { downNodeId: load.id, upNodeId: extract.id });
    const loadDeps = (await dag()).find((n) => n.id === load.id)!.dependencies;
    expect(loadDeps.map((d) => d.dependencyNodeId)).toEqual([extract.id]);
    // A cycle is refused: extract cannot wait for load.
    const cycle = await fetch(`${base}/ide-admin/v1/flow/node/bind`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({
        currentFileId: ctx.flowId,
        currentNodeId: extract.id,
        currentProjectId: ctx.projectId,
        dependencyFileId: ctx.flowId,
        dependencyNodeId: load.id,
        dependencyProjectId: ctx.projectId,
      }),
    }).then((r) => r.json() as Promise<Ctx>);
    expect(cycle.code).toBe('CIRCULAR_DEPENDENCY');
    await call('flow bind', { downNodeId: check.id, upNodeId: load.id });
    const checkDep = (await dag()).find((n) => n.id === check.id)!.dependencies.find((d) => d.dependencyNodeId === load.id)!;
    await call('flow unbind', { depId: checkDep.id });
    await call('flow remove node', { nodeId: scratch.id });
    expect((await dag()).map((n) => n.fileName)).toEqual(['extract', 'load', 'check']);

    // node-save and node-save-config, then read back as node-detail and submit read them.
    for (const [n, sql] of [
      [extract, 'SELECT * FROM ecommerce_ods.orders LIMIT 10;'],
      [load, 'SELECT 1;'],
    ] as const) {
      await call('flow node save content', { nodeId: n.id, content: sql });
    }
    await call('flow node save config', { nodeId: load.id });
    const loadDetail = (await call('flow node detail', { nodeId: load.id })).data as Ctx;
    expect(loadDetail).toMatchObject({ dataFileName: 'load', fileType: 4, fileContent: 'SELECT 1;', defaultVcName: 'default', defaultSchemaName: 'ecommerce_dwd' });
    const loadConfig = (await call('flow node configuration', { nodeId: load.id })).data as Ctx;
    expect(loadConfig).toMatchObject({ etlVcCode: 'default', schemaName: 'ecommerce_dwd' });
    expect((loadConfig.dataFileDependencyDTOS as Ctx[]).map((d) => d.dependencyNodeId)).toEqual([extract.id]);

    // flow submit: the CLI saves the flow's configuration, pre-checks, submits, polls the trace, then the task detail.
    await call('save configuration', { newTaskId: ctx.flowId });
    expect(((await call('deploy pre-check', { newTaskId: ctx.flowId })).data as Ctx).pass).toBe(true);
    ctx.traceId = (await call('flow submit')).data;
    expect((await call('flow submit status')).data).toBe(2);
    expect((await call('task detail', { taskId: ctx.flowId })).data).toMatchObject({ fileFlowStatus: 100, deployStatus: 1, fileType: 500 });

    // temp-run: parameters of the flow and its nodes, a TEMP run of the flow, its node instances.
    const params = (await call('flow params')).data as { children: { id: number; name: string }[] };
    expect(params.children.map((c) => c.name)).toEqual(['extract', 'load', 'check']);
    const run = (await call('flow temp run')).data as Ctx;
    ctx.flowRunId = run.scheduleInstanceId;
    expect((await call('run detail', { runId: ctx.flowRunId })).data).toMatchObject({ scheduleTaskId: ctx.flowId, instanceType: 3 });
    const instances = (await call('flow instances')).data as Ctx[];
    expect(instances.map((i) => i.nodeName).sort()).toEqual(['check', 'extract', 'load']);
    expect(new Set(instances.map((i) => i.flowNodeInstanceId)).size).toBe(3);
  });

  it("fields cz-cli maps that were left out: a task's location (its folders, which `task list --folder` filters on), a run's wait and executor, attempts' times as text, relations' workspace and cron", async () => {
    const tasks = ((await call('list tasks', { projectId: ctx.projectId })).data as { list: Ctx[] }).list;
    const t04 = tasks.find((t) => t.dataFileName === '04_transform_ods_to_dwd')!;
    const parts = String(t04.location).split('.');
    expect(parts[0]).toBe('0');
    expect(parts.at(-1)).toBe(String(t04.id));
    expect(parts).toContain(String(t04.dataFolderId));
    const runs = (await call('list runs (failed)')).data as Ctx[];
    const run = runs.find((r) => r.executeStartTime !== null)!;
    expect(run.waitSpanTime).toBe((run.executeStartTime as number) - (run.startWaitTime as number));
    expect(run.endWaitTime).toBe(run.executeStartTime);
    ctx.runId = run.taskInstanceId;
    const attempt = ((await call('attempts')).data as Ctx[])[0]!;
    expect(attempt.startTimeStr).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const schedule = (await call('schedule detail')).data as Ctx;
    expect(schedule).toMatchObject({ scheduleRateType: expect.any(Number), createTimeStr: expect.stringMatching(/^\d{4}-/) });
    // datasource.ts passes a data source's connectionParams on to testDatasource; no password leaves.
    const sources = (
      (await fetch(`${base}/ide-authority/v1/projectDataSources/list`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ current: 1, pageSize: 20, status: 1, pageIndex: 1, projectName: ctx.workspace }),
      }).then((r) => r.json())) as { data: { list: Ctx[] } }
    ).data.list;
    for (const d of sources) expect(JSON.parse(String(d.connectionParams))).toMatchObject({ host: expect.any(String), password: '******' });
  });

  it("a multi-table CDC pipeline's configuration saved as cz-cli's pipeline create sends it: the deploy it refused before goes through", async () => {
    ctx.newTaskId = (await call('create cdc task', { taskName: 'czcli_cdc' })).data;
    const deploy = async () =>
      (await fetch(`${base}/ide-admin/v1/dataFile/submit`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ dataFileId: ctx.newTaskId, projectId: ctx.projectId, updatedBy: ctx.userIdText }),
      }).then((r) => r.json())) as Ctx;
    // cz-cli's step 9 (--vc): the pipeline's VCluster, an INTEGRATION one.
    await fetch(`${base}/ide-admin/v1/dataFileConfiguration/saveDataFileConfiguration`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ dataFileId: ctx.newTaskId, projectId: ctx.projectId, updateBy: ctx.userIdText, onlySaveContent: 0, etlVcCode: 'sync_vc' }),
    });
    expect((await deploy()).code).toBe('MAPPING_NOT_CONFIGURED');
    await call('save cdc task', { sourceId: 201, sourceType: 5, targetId: 204 });
    // A PostgreSQL source without a replication slot is refused, and changes nothing.
    const pg = (await fetch(`${base}/ide-admin/v1/ai/mcp/saveCdcTask`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({
        ...(endpoint('save cdc task').sends as Ctx),
        dataFileId: ctx.newTaskId,
        projectId: ctx.projectId,
        sourceDatasourceList: [{ datasourceId: 202, datasourceType: 7 }],
        targetDatasource: { datasourceId: 204, datasourceType: 1 },
      }),
    }).then((r) => r.json())) as Ctx;
    expect(pg.code).toBe('PG_SLOT_NOT_EXIST');
    expect((await deploy()).code).toBe(0);
  });
});

describe('our StudioClient sends what cz-cli sends', () => {
  let h: SandboxHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  /** Run `op`, then compare the body it sent on `name`'s path with cz-cli's. */
  async function sendsLikeCzCli(name: string, op: () => Promise<unknown>): Promise<void> {
    const e = endpoint(name);
    const since = h.sb.journal.length;
    await op();
    const sent = h.sb.journal.slice(since).filter((x) => x.path === e.path);
    expect(sent.length, `${name}: nothing sent on ${e.path}`).toBeGreaterThan(0);
    const body = sent.at(-1)!.body as Ctx;
    const problems = Object.entries(e.sends)
      .map(([k, v]) => [k, compatible(v, body[k])] as const)
      .filter(([, why]) => why !== undefined)
      .map(([k, why]) => `${k}: ${why}`);
    expect(problems, `${name}: ${JSON.stringify(body)}`).toEqual([]);
    const hdr = sent.at(-1)!.headers;
    for (const k of ['x-clickzetta-token', 'instancename', 'instanceid', 'userid', 'accountid', 'tenantid', 'workspacename', 'env', 'requestid', 'x-request-id', 'traceparent']) {
      expect(hdr[k], `${name}: header ${k}`).toBeTruthy();
    }
  }

  it('on every read and write the bot makes', async () => {
    const c = h.client;
    const id = (n: string) => h.sb.store.taskByName(n)!.id;
    const t04 = id('04_transform_ods_to_dwd');
    const failed = h.sb.store.db.prepare('SELECT id FROM runs WHERE task_id = ? AND status = 3 ORDER BY id DESC LIMIT 1').get(t04) as { id: number };
    await sendsLikeCzCli('workspaces', () => c.getSession());
    await sendsLikeCzCli('list tasks', () => c.listTasks());
    await sendsLikeCzCli('list folders', () => c.listFolders({ parentId: 0 }));
    await sendsLikeCzCli('task detail', () => c.getTask(t04));
    await sendsLikeCzCli('task configuration', () => c.getTaskConfiguration(t04));
    await sendsLikeCzCli('schedule detail', () => c.getScheduleDetail(t04));
    await sendsLikeCzCli('published version', () => c.getPublishedVersion(t04, h.sb.store.task(t04)!.version));
    await sendsLikeCzCli('list runs (failed)', () => c.listRuns({ statuses: [3], planFrom: DEMO_NOW - 7 * 86_400_000, planTo: DEMO_NOW }));
    await sendsLikeCzCli('run detail', () => c.getRun(failed.id));
    const attempts = await c.listAttempts(failed.id);
    await sendsLikeCzCli('attempts', () => c.listAttempts(failed.id));
    await sendsLikeCzCli('attempt log', () => c.getLogPage(failed.id, attempts[0]!.id, 'head'));
    await sendsLikeCzCli('run relations', () => c.getRunRelations(failed.id));
    await sendsLikeCzCli('downstream (flattened)', () => c.listDownstream(id('00_sync_mysql_to_ods')));
    await sendsLikeCzCli('cron preview', () => c.previewCron('0 30 2 * * ? *'));
    await sendsLikeCzCli('instance statistics', () => c.getRunStatistics({ planFrom: DEMO_NOW - 7 * 86_400_000, planTo: DEMO_NOW }));
    await sendsLikeCzCli('virtual clusters', () => c.listVClusters());
    await sendsLikeCzCli('rerun', () => c.rerunRun(failed.id));
    await sendsLikeCzCli('stop', () => c.stopRun(failed.id));
    await sendsLikeCzCli('backfill', () => c.createBackfill({ taskId: t04, from: '2026-11-18', to: '2026-11-19' }));
    let folderId = 0;
    await sendsLikeCzCli('create folder', async () => (folderId = await c.createFolder('contract_dw')));
    let taskId = 0;
    await sendsLikeCzCli('create task', async () => (taskId = await c.createTask({ name: 'contract_task', kind: taskKindByKey('SQL')!, folderId })));
    await sendsLikeCzCli('save content', () => c.saveTaskContent(taskId, "SELECT '${region}';", { params: [{ name: 'region', value: 'eu' }] }));
    await sendsLikeCzCli('save configuration', () =>
      c.updateTaskConfiguration(taskId, { cron: '0 30 3 * * ? *', dependencies: [{ taskId: id('00_sync_mysql_to_ods'), taskName: '00_sync_mysql_to_ods' }], retryCount: 1 }),
    );
    await sendsLikeCzCli('deploy pre-check', () => c.precheckDeploy([taskId]));
    await sendsLikeCzCli('deploy', () => c.deployTask(taskId));
    await sendsLikeCzCli('execute once', () => c.executeTask(taskId, { params: { region: 'us' } }));
    const scratch = await c.createFolder('contract_scratch');
    const draft = await c.createTask({ name: 'contract_draft', kind: taskKindByKey('SQL')!, folderId: scratch });
    await sendsLikeCzCli('delete task', () => c.deleteTask(draft));
    await sendsLikeCzCli('delete folder', () => c.deleteFolder(scratch));
  });

  it('on every real-time call the bot makes, with cz-cli’s field names (taskIds, tables for resync, sourceTables on pause)', async () => {
    const c = h.client;
    const kafka = await c.getTask(h.sb.store.taskByName('rt_sync_kafka_orders')!.id);
    const cdc = await c.getTask(h.sb.store.taskByName('cdc_mysql_shop')!.id);
    expect(c.streamIdOf(cdc)).toBe(cdc.cdcTaskId);
    await sendsLikeCzCli('realtime list', () => c.listStreams());
    await sendsLikeCzCli('realtime detail', () => c.getStream(c.streamIdOf(kafka)!));
    await sendsLikeCzCli('realtime stop', () => c.stopStream(kafka));
    await sendsLikeCzCli('realtime start', () => c.startStream(kafka, { startupMode: 1 }));
    await sendsLikeCzCli('cdc stop', () => c.stopStream(cdc));
    await sendsLikeCzCli('cdc start', () => c.startStream(cdc, { startupMode: 1 }));
    const tables = await c.listStreamTables(cdc.id);
    await sendsLikeCzCli('cdc tables', () => c.listStreamTables(cdc.id, { pageSize: 50 }));
    const ids = [tables.items[0]!.id];
    await sendsLikeCzCli('cdc pause table', () => c.streamTableOp(cdc.id, 'pause', ids));
    await sendsLikeCzCli('cdc recover table', () => c.streamTableOp(cdc.id, 'recover', ids));
    await sendsLikeCzCli('cdc stop table', () => c.streamTableOp(cdc.id, 'stop', ids));
    await sendsLikeCzCli('cdc start table', () => c.streamTableOp(cdc.id, 'start', ids));
    await sendsLikeCzCli('cdc resync table', () => c.streamTableOp(cdc.id, 'resync', ids));
    const pg = h.sb.store
      .dataSources()
      .filter((d) => d.ds_type === 7)
      .map((d) => d.id);
    await sendsLikeCzCli('pg slots', () => c.listReplicationSlots(pg));
    expect((await c.listReplicationSlots(pg)).map((x) => x.name)).toContain('cz_cdc_slot');
    const resync = h.sb.journal.filter((e) => e.path.endsWith('/resync/table')).at(-1)!.body as Ctx;
    expect(resync).not.toHaveProperty('taskIds');
    expect((await c.listStreamTables(cdc.id)).items.find((t) => t.id === ids[0])!.state.label).toBe('FULL_SYNC');
  });

  it("parameters round-trip in cz-cli's shape: a content save merges into the current list", async () => {
    const c = h.client;
    const folderId = await c.createFolder('params_dw');
    const id = await c.createTask({ name: 'params_task', kind: taskKindByKey('SQL')!, folderId });
    await c.saveTaskContent(id, "SELECT '${a}', '${b}';", {
      params: [
        { name: 'a', value: '1' },
        { name: 'b', value: '2' },
      ],
    });
    const first = (await c.getTask(id)).params;
    expect(first.map((p) => [p.key, p.value])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(first[0]!.raw).toEqual({ paramKey: 'a', paramValue: '1', paramType: 'manual', encrypt: false, id: expect.any(String), ignore: false, ref: 0 });
    // Change one: the other is sent back unchanged (same id), nothing dropped.
    const since = h.sb.journal.length;
    await c.saveTaskContent(id, "SELECT '${a}', '${b}', '${c}';", {
      params: [
        { name: 'b', value: '20' },
        { name: 'c', value: '3' },
      ],
    });
    const sent = (h.sb.journal.slice(since).find((e) => e.path.endsWith('/saveDataFileConfiguration'))!.body as Ctx).paramValueList as Ctx[];
    expect(sent.map((p) => [p.paramKey, p.paramValue])).toEqual([
      ['a', '1'],
      ['b', '20'],
      ['c', '3'],
    ]);
    const after = (await c.getTask(id)).params;
    expect(after.map((p) => [p.key, p.value])).toEqual([
      ['a', '1'],
      ['b', '20'],
      ['c', '3'],
    ]);
    expect(after[0]!.raw.id).toBe(first[0]!.raw.id);
    // A content save with no parameters named keeps every one; so does a configuration save.
    await c.saveTaskContent(id, "SELECT '${a}';");
    await c.updateTaskConfiguration(id, { cron: '0 0 5 * * ? *' });
    expect((await c.getTask(id)).params.map((p) => p.key)).toEqual(['a', 'b', 'c']);
  });
});
