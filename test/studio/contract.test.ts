/**
 * Contract tests: every StudioClient operation against the embedded sandbox, asserting what the
 * sandbox stored or returned, and what went over the wire.
 */
import { describe, expect, it } from 'vitest';
import { RUN_STATUS, RUN_TYPE, taskKindByKey } from '../../src/studio/enums.js';
import { StudioError, TaskLookupError } from '../../src/studio/errors.js';
import { runLink, taskLink } from '../../src/studio/links.js';
import { useSandboxHarness } from '../helpers/sandbox.js';

const SQL = taskKindByKey('SQL')!;

const h = useSandboxHarness();

async function taskId(name: string): Promise<number> {
  return (await h.client.resolveTask(name)).id;
}

describe('session and headers', () => {
  it('logs in with the access token, resolves the workspace to its projectId, and sends the documented headers', async () => {
    const s = await h.client.getSession();
    expect(s.projectId).toBe(1001);
    expect(s.workspaceId).toBe(501);
    expect(s.tenantId).toBe(20001);
    expect(s.userName).toBe('sandbox_admin');

    const login = h.requests('/clickzetta-portal/user/loginSingle');
    expect(login).toHaveLength(1);
    expect(login[0]!.body).toEqual({ accessToken: h.sb.accessToken, instanceName: 'sandbox' });

    await h.client.listTasks({ pageSize: 1 });
    const call = h.requests('/ide-admin/v1/ai/mcp/listFiles').at(-1)!;
    expect(call.headers['x-clickzetta-token']).toMatch(/^tok_/);
    expect(call.headers).toMatchObject({
      instancename: 'sandbox',
      instanceid: '3001',
      userid: '10001',
      accountid: '20001',
      tenantid: '20001',
      workspacename: 'demo_ws',
      env: 'prod',
      'content-type': 'application/json',
    });
    expect(call.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(call.headers['x-request-id']).toMatch(/^sob-/);
    expect(call.headers.requestid).toBe(call.headers['x-request-id']);
    // A fresh request id per request.
    const ids = h.sb.journal.map((e) => e.headers['x-request-id']);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('tasks', () => {
  it('lists tasks page by page with totals', async () => {
    const page1 = await h.client.listTasks({ page: 1, pageSize: 5 });
    const page2 = await h.client.listTasks({ page: 2, pageSize: 5 });
    const all = await h.client.listAllTasks();
    expect(page1.items).toHaveLength(5);
    expect(page1.total).toBe(h.sb.store.tasks().length);
    expect(page1.totalPages).toBe(Math.ceil(page1.total / 5));
    expect(page2.items[0]!.id).not.toBe(page1.items[0]!.id);
    expect(all.map((t) => t.id).sort()).toEqual(
      h.sb.store
        .tasks()
        .map((t) => t.id)
        .sort(),
    );
  });

  it('filters by folder, name and type', async () => {
    const folder = (await h.client.listAllFolders()).find((f) => f.name === 'ecommerce_dw')!;
    const inFolder = await h.client.listAllTasks({ folderId: folder.id });
    expect(inFolder.map((t) => t.name).sort()).toEqual(['00_sync_mysql_to_ods', '01_ddl_ods', '02_ddl_dwd', '03_ddl_dws_ads', '04_transform_ods_to_dwd', '05_dqc_check']);
    expect((await h.client.listAllTasks({ name: 'github' })).map((t) => t.name).sort()).toEqual(['github_clean', 'github_raw_fetch']);
    const di = await h.client.listAllTasks({ type: taskKindByKey('DI') });
    expect(di.map((t) => t.name).sort()).toEqual(['00_sync_mysql_to_ods', 'sync_legacy_mysql']);
    expect(di.every((t) => t.type.kind?.key === 'DI' && t.type.code === 1)).toBe(true);
  });

  it('reads task detail, configuration and schedule detail', async () => {
    const id = await taskId('04_transform_ods_to_dwd');
    const detail = await h.client.getTask(id);
    expect(detail.content).toContain('INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail');
    expect(detail.editState).toEqual({ code: 100, label: 'PUBLISHED' });
    expect(detail.owner).toBe('alice');
    expect(detail.folderName).toBe('ecommerce_dw');

    const cfg = await h.client.getTaskConfiguration(id);
    expect(cfg.cron).toBe('0 30 2 * * ? *');
    expect(cfg.vcCode).toBe('default');
    expect(cfg.dependencies).toEqual([{ taskId: await taskId('00_sync_mysql_to_ods'), taskName: '00_sync_mysql_to_ods', projectId: 1001, depStrategy: 0, parseType: 1 }]);

    const sched = await h.client.getScheduleDetail(id);
    expect(sched.cron).toBe('0 30 2 * * ? *');
    expect(sched.taskStatus).toEqual({ code: 1, label: 'ONLINE' });
    expect(sched.type.kind?.key).toBe('SQL');
    expect(sched.type.code).toBe(23);
    expect(sched.latestRunId).toBe(h.sb.store.latestRunOfTask(id)!.id);

    const ddl = await taskId('01_ddl_ods');
    expect((await h.client.getTaskConfiguration(ddl)).cron).toBeUndefined();
    await expect(h.client.getScheduleDetail(ddl)).rejects.toMatchObject({ kind: 'business', code: 'SCHEDULE_TASK_NOT_EXIST' });
  });

  it('resolves tasks by name or id, with close matches for unknown names and every match for ambiguous ones', async () => {
    const byName = await h.client.resolveTask('05_dqc_check');
    expect((await h.client.resolveTask(String(byName.id))).name).toBe('05_dqc_check');
    expect((await h.client.resolveTask('05_DQC_CHECK')).id).toBe(byName.id);

    const unknown = await h.client.resolveTask('04_transform_ods_to_dw').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(TaskLookupError);
    expect((unknown as TaskLookupError).reason).toBe('not_found');
    expect((unknown as TaskLookupError).candidates[0]!.name).toBe('04_transform_ods_to_dwd');
    expect((unknown as TaskLookupError).message).toContain('Did you mean: 04_transform_ods_to_dwd');

    await expect(h.client.resolveTask('999999')).rejects.toBeInstanceOf(TaskLookupError);

    // Same name in two folders: ambiguous, both listed with their folders.
    const other = await h.client.createFolder('ambiguity_check');
    await h.client.createTask({ name: '05_dqc_check', kind: SQL, folderId: other });
    const amb = (await h.client.resolveTask('05_dqc_check').catch((e: unknown) => e)) as TaskLookupError;
    expect(amb.reason).toBe('ambiguous');
    expect(amb.candidates.map((c) => c.folder).sort()).toEqual(['ambiguity_check', 'ecommerce_dw']);
    expect(amb.message).toContain('Name the folder (e.g. ');
    // `folder/task` picks one; a wrong folder or task gets close matches.
    expect((await h.client.resolveTask('ambiguity_check/05_dqc_check')).folderId).toBe(other);
    expect((await h.client.resolveTask('ecommerce_dw/05_dqc_check')).id).toBe(byName.id);
    const wrong = (await h.client.resolveTask('ecommerce_d/05_dqc_check').catch((e: unknown) => e)) as TaskLookupError;
    expect(wrong.message).toContain('Did you mean: ecommerce_dw/05_dqc_check');
  });
});

describe('runs', () => {
  it('lists runs by task, status, run type and plan window, newest first, paged', async () => {
    const id = await taskId('04_transform_ods_to_dwd');
    const runs = await h.client.listAllRuns({ taskId: id });
    const stored = h.sb.store.db.prepare('SELECT id FROM runs WHERE task_id = ? ORDER BY plan_time DESC').all(id) as { id: number }[];
    expect(runs.map((r) => r.id)).toEqual(stored.map((r) => r.id));
    expect(runs.every((r) => r.taskName === '04_transform_ods_to_dwd' && r.taskType.kind?.key === 'SQL')).toBe(true);

    const failed = await h.client.listAllRuns({ statuses: [RUN_STATUS.FAILED] });
    expect(failed.length).toBeGreaterThan(5);
    expect(failed.every((r) => r.status.label === 'FAILED' && r.failMsg)).toBe(true);

    const page = await h.client.listRuns({ statuses: [RUN_STATUS.FAILED], page: 2, pageSize: 3 });
    expect(page.items).toHaveLength(3);
    expect(page.total).toBe(failed.length);
    expect(page.items.map((r) => r.id)).toEqual(failed.slice(3, 6).map((r) => r.id));

    const manual = await h.client.listAllRuns({ runType: RUN_TYPE.TEMP });
    expect(manual.map((r) => r.taskName).sort()).toEqual(['github_clean', 'sync_crm_db_full']);

    const from = Date.parse('2026-11-20T00:00:00Z');
    const to = Date.parse('2026-11-20T23:59:59Z');
    const window = await h.client.listAllRuns({ planFrom: from, planTo: to });
    expect(window.length).toBeGreaterThan(0);
    expect(window.every((r) => r.planTime! >= from && r.planTime! <= to)).toBe(true);

    // Asking for NOT_STARTED also asks for the other waiting states (5, 6); UPSTREAM_FAILED (8) is over, not waiting.
    await h.client.listRuns({ statuses: [RUN_STATUS.NOT_STARTED] });
    expect(h.requests('/ide-admin/v1/taskInst/list').at(-1)!.body).toMatchObject({ instanceStatusList: [2, 5, 6] });
  });

  it('reads a run with its business date, attempts and log pages', async () => {
    const fail = (await h.client.listAllRuns({ statuses: [RUN_STATUS.FAILED] })).find((r) => r.taskName === '04_transform_ods_to_dwd')!;
    const run = await h.client.getRun(fail.id);
    expect(run.status).toEqual({ code: 3, label: 'FAILED' });
    expect(run.runType).toEqual({ code: 1, label: 'SCHEDULE' });
    expect(run.bizDate).toBe(h.sb.store.run(fail.id)!.biz_date);
    expect(run.failMsg).toContain('CZLH-57015');

    const attempts = await h.client.listAttempts(fail.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.result).toBe('FAILED');
    const tail = await h.client.getLogPage(fail.id, attempts[0]!.id, 'tail');
    expect(tail.text).toContain('CZLH-57015');
    expect(tail.text).toBe(h.sb.store.lastAttempt(fail.id)!.log);
  });

  it('pages through a long log forwards and backwards and reads it whole', async () => {
    const run = (await h.client.listAllRuns({ statuses: [RUN_STATUS.FAILED] }))[0]!;
    const big = Array.from({ length: 3000 }, (_, i) => `2026-11-20 02:30:${String(i % 60).padStart(2, '0')} [INFO] line ${i} ${'x'.repeat(40)}`).join('\n');
    h.sb.sim.setAttemptLog(run.id, big);
    const [attempt] = await h.client.listAttempts(run.id);
    const head = await h.client.getLogPage(run.id, attempt!.id, 'head');
    expect(head.startOffset).toBe(0);
    expect(head.text).toBe(big.slice(0, head.endOffset));
    expect(head.hasMoreAfter).toBe(true);
    expect(head.hasMoreBefore).toBe(false);
    const next = await h.client.getLogPage(run.id, attempt!.id, 'next', head.endOffset);
    expect(next.startOffset).toBe(head.endOffset);
    expect(next.text).toBe(big.slice(next.startOffset, next.endOffset));
    const prev = await h.client.getLogPage(run.id, attempt!.id, 'prev', next.startOffset);
    expect(prev.text).toBe(head.text);
    const tail = await h.client.getLogPage(run.id, attempt!.id, 'tail');
    expect(big.endsWith(tail.text)).toBe(true);
    expect(tail.totalLength).toBe(big.length);
    const whole = await h.client.readLog(run.id, attempt!.id);
    expect(whole.text).toBe(big);
    expect(whole.truncated).toBe(false);
  });

  it('reruns a failed run: a new attempt that succeeds when the failure was transient', async () => {
    const run = (await h.client.listAllRuns({ statuses: [RUN_STATUS.FAILED] })).find((r) => r.taskName === '04_transform_ods_to_dwd')!;
    await h.client.rerunRun(run.id, { actor: 'oncall-alice' });
    const sent = h.requests('/ide-admin/v1/taskInst/reRunTaskInstance').at(-1)!;
    expect(sent.body).toEqual({ taskInstanceId: run.id, nextType: 0, updateBy: 'oncall-alice' });
    expect((await h.client.getRun(run.id)).status.label).toBe('RUNNING');
    h.clock.advance(61_000);
    const after = await h.client.getRun(run.id);
    expect(after.status.label).toBe('SUCCESS');
    expect(after.executor).toBe('oncall-alice');
    const attempts = await h.client.listAttempts(run.id);
    expect(attempts.map((a) => a.result)).toEqual(['SUCCESS', 'FAILED']); // newest first
  });

  it('refuses to rerun a run that is still running, with Studio code and message', async () => {
    const running = (await h.client.listAllRuns({ statuses: [RUN_STATUS.RUNNING] }))[0]!;
    const err = (await h.client.rerunRun(running.id).catch((e: unknown) => e)) as StudioError;
    expect(err).toBeInstanceOf(StudioError);
    expect(err.kind).toBe('business');
    expect(err.code).toBe('INSTANCE_STATUS_NOT_ALLOW_RERUN');
    expect(err.message).toContain('only finished instances can be rerun');
    expect(err.path).toBe('/ide-admin/v1/taskInst/reRunTaskInstance');
    expect(err.requestId).toMatch(/^sob-/);
  });

  it('stops a running run', async () => {
    const running = (await h.client.listAllRuns({ statuses: [RUN_STATUS.RUNNING] })).find((r) => r.taskName === 'rt_sync_kafka_orders')!;
    await h.client.stopRun(running.id, { actor: 'oncall-bob' });
    expect(h.requests('/ide-admin/v1/taskInst/killTaskInstance').at(-1)!.body).toEqual({
      taskInstanceId: running.id,
      workspace: 'demo_ws',
      tenantId: 20001,
      updateBy: 'oncall-bob',
    });
    const row = h.sb.store.run(running.id)!;
    expect(row.status).toBe(RUN_STATUS.FAILED);
    expect(row.fail_type).toBe('KILLED');
    expect(h.sb.store.lastAttempt(running.id)!.finish_result).toBe('KILLED');
    await expect(h.client.stopRun(running.id)).rejects.toMatchObject({ code: 'INSTANCE_STATUS_NOT_ALLOW_KILL' });
  });

  it('creates a backfill: one REFILL run per business date, run one at a time, honouring upstream results', async () => {
    const id = await taskId('04_transform_ods_to_dwd');
    // 2026-11-14 is the day 00_sync failed (BIT(1) → BOOLEAN); the days around it succeeded.
    const jobId = await h.client.createBackfill({ taskId: id, from: '2026-11-13', to: '2026-11-15', vcCode: 'default', actor: 'oncall-alice' });
    const body = h.requests('/ide-admin/v1/complementTask/createComplementJob').at(-1)!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      scheduleTaskId: id,
      sqlVcCode: 'default',
      projectId: 1001,
      createBy: 'oncall-alice',
      nextType: 0,
      complementType: 1,
      isConcurrence: 2,
      concurrenceNumber: 1,
      dateList: [{ bizStartDate: Date.parse('2026-11-13T00:00:00Z'), bizEndDate: Date.parse('2026-11-15T23:59:59.999Z') }],
    });
    const runs = h.sb.store.runsOfJob(jobId);
    expect(runs.map((r) => [r.biz_date, r.instance_type])).toEqual([
      ['2026-11-13', 4],
      ['2026-11-14', 4],
      ['2026-11-15', 4],
    ]);
    // Serial: only the first date runs now.
    expect(runs.map((r) => r.status)).toEqual([RUN_STATUS.RUNNING, RUN_STATUS.WAITING_UPSTREAM, RUN_STATUS.WAITING_UPSTREAM]);
    h.clock.advance(10 * 60_000);
    const refill = await h.client.listAllRuns({ taskId: id, runType: RUN_TYPE.REFILL });
    const byDate = Object.fromEntries(refill.map((r) => [r.bizDate, r.status.label]));
    expect(byDate).toEqual({ '2026-11-13': 'SUCCESS', '2026-11-14': 'UPSTREAM_FAILED', '2026-11-15': 'SUCCESS' });
    const jobs = await h.client.listBackfills({ taskNameLike: '04_transform' });
    expect(jobs.items[0]).toMatchObject({ id: jobId, taskId: id, createdBy: 'oncall-alice' });
  });

  it('rejects a backfill over a year, and of a task that is not deployed', async () => {
    const id = await taskId('04_transform_ods_to_dwd');
    await expect(h.client.createBackfill({ taskId: id, from: '2024-01-01', to: '2025-06-01' })).rejects.toMatchObject({ kind: 'business', code: 'COMPLEMENT_RANGE_TOO_LARGE' });
    await expect(h.client.createBackfill({ taskId: await taskId('01_ddl_ods'), from: '2026-11-01', to: '2026-11-02' })).rejects.toMatchObject({ code: 'SCHEDULE_TASK_NOT_ONLINE' });
  });

  it('shows upstream and downstream of a task and of a run', async () => {
    const id = await taskId('04_transform_ods_to_dwd');
    const rel = await h.client.getTaskRelations(id, { up: 2, down: 2 });
    expect(rel.name).toBe('04_transform_ods_to_dwd');
    expect(rel.upstream.map((n) => n.name)).toEqual(['00_sync_mysql_to_ods']);
    expect(rel.downstream.map((n) => n.name)).toEqual(['05_dqc_check']);
    expect(rel.upstream[0]!.type.kind?.key).toBe('DI');

    const run = (await h.client.listAllRuns({ taskId: id })).find((r) => r.bizDate === '2026-11-14')!;
    const runRel = await h.client.getRunRelations(run.id);
    expect(runRel.upstream.map((r) => [r.taskName, r.status.label])).toEqual([['00_sync_mysql_to_ods', 'FAILED']]);
    expect(runRel.downstream.map((r) => [r.taskName, r.status.label])).toEqual([['05_dqc_check', 'UPSTREAM_FAILED']]);
  });

  it('counts runs by status over a plan window, as the sandbox holds them', async () => {
    const from = Date.parse('2026-11-14T00:00:00Z');
    const to = Date.parse('2026-11-21T23:59:59Z');
    const stats = await h.client.getRunStatistics({ planFrom: from, planTo: to });
    const stored = h.sb.store.db.prepare('SELECT COUNT(*) n FROM runs WHERE plan_time BETWEEN ? AND ?').get(from, to) as { n: number };
    expect(stats.total).toBe(stored.n);
    expect(stats.byStatus.find((s) => s.status.label === 'UPSTREAM_FAILED')!.count).toBeGreaterThan(0);
  });
});

describe('authoring: folders, tasks, content, schedule, deploy, undeploy', () => {
  it('creates a folder and tasks, saves content and schedule, deploys, and Studio holds exactly that', async () => {
    const folderId = await h.client.createFolder('shop_dw');
    expect(h.sb.store.folder(folderId)!.name).toBe('shop_dw');
    expect((await h.client.listAllFolders({ name: 'shop_dw' })).map((f) => f.id)).toEqual([folderId]);
    await expect(h.client.createFolder('shop_dw')).rejects.toMatchObject({ code: 'DATA_FOLDER_NAME_DUPLICATE' });

    const up = await h.client.createTask({ name: '00_load', kind: SQL, folderId, description: 'load' });
    const down = await h.client.createTask({ name: '04_transform', kind: SQL, folderId });
    expect(h.sb.store.task(down)!.flow_status).toBe(10);
    await h.client.saveTaskContent(down, 'INSERT OVERWRITE TABLE dwd.t SELECT * FROM ods.t;', { params: [{ name: 'bizdate', value: '$[yyyy-MM-dd-1]' }] });
    await h.client.saveTaskContent(up, 'INSERT OVERWRITE TABLE ods.t SELECT 1;');
    await h.client.updateTaskConfiguration(up, { cron: '0 0 2 * * ? *', dependencies: [], vcCode: 'default' });
    await h.client.updateTaskConfiguration(down, { cron: '0 30 2 * * ? *', dependencies: [{ taskId: up, taskName: '00_load' }], vcCode: 'default', retryCount: 2 });
    const stored = h.sb.store.task(down)!;
    expect(stored.content).toBe('INSERT OVERWRITE TABLE dwd.t SELECT * FROM ods.t;');
    expect(JSON.parse(stored.params_json)).toMatchObject([{ paramKey: 'bizdate', paramValue: '$[yyyy-MM-dd-1]', paramType: 'manual', encrypt: false, ignore: false, ref: 0 }]);
    expect(stored.cron).toBe('0 30 2 * * ? *');
    expect(stored.retry_count).toBe(2);
    expect(JSON.parse(stored.deps_json)).toEqual([{ taskId: up, taskName: '00_load', depStrategy: 0, parseType: 1 }]);
    expect(stored.flow_status).toBe(20);

    // The downstream task cannot be published before its upstream.
    await expect(h.client.deployTask(down)).rejects.toMatchObject({ code: 'UPSTREAM_NOT_PUBLISHED' });
    await h.client.deployTask(up);
    await h.client.deployTask(down);
    expect(h.sb.store.task(down)).toMatchObject({ task_status: 1, flow_status: 100, version: 1 });
    expect((await h.client.getScheduleDetail(down)).taskStatus?.label).toBe('ONLINE');

    // The scheduler now runs it: at 02:30 the next day it runs after its upstream.
    h.clock.set(Date.parse('2026-11-22T02:45:00Z'));
    const runs = await h.client.listAllRuns({ taskId: down });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status.label).toBe('SUCCESS');
    expect(runs[0]!.bizDate).toBe('2026-11-21');

    // Taking the upstream offline is refused while it has online children; with downstream it works.
    await expect(h.client.undeployTask(up)).rejects.toMatchObject({ code: 'SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION' });
    expect(h.sb.store.task(up)!.task_status).toBe(1);
    await h.client.undeployTask(up, { withDownstream: true });
    expect([h.sb.store.task(up)!.task_status, h.sb.store.task(down)!.task_status]).toEqual([2, 2]);
  });

  it('refuses to deploy an invalid Studio cron or a dependency cycle, and changes nothing', async () => {
    const badCron = await taskId('etl_bad_cron');
    await expect(h.client.deployTask(badCron)).rejects.toMatchObject({ kind: 'business', code: 'CRON_EXPRESSION_INVALID' });
    expect(h.sb.store.task(badCron)!.task_status).toBeNull();
    const cycle = (await h.client.deployTask(await taskId('etl_cycle_a')).catch((e: unknown) => e)) as StudioError;
    expect(cycle.code).toBe('CIRCULAR_DEPENDENCY');
    expect(cycle.message).toContain('etl_cycle_a → etl_cycle_b → etl_cycle_a');
    await expect(h.client.deployTask(await taskId('sync_crm_db_full'))).rejects.toMatchObject({ code: 'MAPPING_NOT_CONFIGURED' });
    // The workspace-parameter pre-check passed for all three; Studio refused each at submit.
    const refused = await Promise.all(['etl_bad_cron', 'etl_cycle_a', 'sync_crm_db_full'].map(taskId));
    for (const id of refused) expect(h.sb.store.task(id)!.task_status).toBeNull();
    const submits = h.requests('/ide-admin/v1/dataFile/submit').filter((e) => refused.includes(Number((e.body as { dataFileId: number }).dataFileId)));
    expect(submits.map((e) => e.code)).toEqual(['CRON_EXPRESSION_INVALID', 'CIRCULAR_DEPENDENCY', 'MAPPING_NOT_CONFIGURED']);
  });
});

describe('data sources and links', () => {
  it('lists data sources with their types', async () => {
    const all = await h.client.listDataSources();
    expect(all.items.map((d) => `${d.name}:${d.type.label}`)).toEqual([
      'mysql_shop:MySQL',
      'pg_crm:PostgreSQL',
      'kafka_events:Kafka',
      'lakehouse_default:Lakehouse',
      'sqlserver_erp:SQL Server',
    ]);
    expect((await h.client.listDataSources({ type: 2 })).items.map((d) => d.name)).toEqual(['kafka_events']);
  });

  it('builds Studio UI links for a region endpoint and for the sandbox', () => {
    const prod = { baseUrl: 'https://cn-shanghai-alicloud.api.clickzetta.com', instance: 'acme', workspace: 'prod ws' };
    expect(runLink(prod, 7001)).toBe('https://acme.cn-shanghai-alicloud.app.clickzetta.com/ops/taskInst/7001');
    expect(runLink(prod, 7001, 'executeLog')).toBe('https://acme.cn-shanghai-alicloud.app.clickzetta.com/ops/taskInst/7001?tab=executeLog');
    expect(taskLink(prod, 12)).toBe('https://acme.cn-shanghai-alicloud.app.clickzetta.com/ide?workspace_name=prod%20ws&fileId=12');
    expect(h.client.runLink(5)).toBe(`${h.sb.url}/ops/taskInst/5`);
  });
});
