/** The sandbox as a server: the CLI's ready line, the raw protocol, its seed and its scheduler. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/sandbox/sim.js';
import { LEGACY_DEFECTS } from '../../src/sandbox/seed.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { DEMO_NOW, type SandboxHarness, startHarness } from '../helpers/sandbox.js';

const RUN_FIELDS = [
  'taskInstanceId',
  'scheduleTaskId',
  'cycleTaskName',
  'cycleTaskType',
  'instanceType',
  'instanceStatus',
  'planTriggerTime',
  'triggerTime',
  'executeStartTime',
  'executeEndTime',
  'failType',
  'failMsg',
  'rerunStatus',
  'taskOwnerEn',
  'taskOwnerCn',
  'executorUserName',
  'vcCode',
  'showTaskParam',
  'taskPriority',
  'projectId',
  'projectName',
  'env',
  'version',
];

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('npm run sandbox', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('prints one JSON ready line, and a plain HTTP POST to taskInst/list gets the documented envelope and run fields', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/cli.ts', '--port', '0', '--db', ':memory:', '--seed', 'demo'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child!.stdout! });
      rl.once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    });
    const ready = JSON.parse(firstLine) as { url: string; accessToken: string; instance: string; workspace: string };
    expect(Object.keys(ready).sort()).toEqual(['accessToken', 'instance', 'url', 'workspace']);
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const login = await post(`${ready.url}/clickzetta-portal/user/loginSingle`, { accessToken: ready.accessToken, instanceName: ready.instance });
    expect(login.json.code).toBe(0);
    const { token, instanceId, userId } = login.json.data as { token: string; instanceId: number; userId: number };
    const headers = {
      'X-Clickzetta-Token': token,
      instanceName: ready.instance,
      instanceid: String(instanceId),
      userId: String(userId),
      accountId: '20001',
      tenantId: '20001',
      workspaceName: ready.workspace,
      env: 'prod',
    };
    const list = await post(`${ready.url}/ide-admin/v1/taskInst/list`, { projectId: 1001, pageIndex: 1, pageSize: 5, instanceStatusList: [3] }, headers);
    expect(list.status).toBe(200);
    expect(list.json.code).toBe(0);
    expect(list.json.pageIndex).toBe(1);
    expect(typeof list.json.count).toBe('number');
    const runs = list.json.data as Record<string, unknown>[];
    expect(runs).toHaveLength(5);
    for (const run of runs) {
      for (const f of RUN_FIELDS) expect(run).toHaveProperty(f);
      expect(run.instanceStatus).toBe(3);
      expect(typeof run.planTriggerTime).toBe('number');
    }

    // Like a real server: no token → 401, unknown path → 404, a method other than GET/POST → 405.
    expect((await post(`${ready.url}/ide-admin/v1/taskInst/list`, { projectId: 1001 })).status).toBe(401);
    expect((await post(`${ready.url}/ide-admin/v1/nope`, {}, headers)).status).toBe(404);
    expect((await fetch(`${ready.url}/ide-admin/v1/taskInst/list`, { method: 'DELETE' })).status).toBe(405);
  }, 30_000);

  it('refuses bad options with a message', async () => {
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/cli.ts', '--seed', 'huge'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      p.stderr!.on('data', (d) => (stderr += String(d)));
      p.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--seed must be demo or empty');
  }, 30_000);
});

describe('demo workspace', () => {
  let h: SandboxHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('has the seed-000 layout, seed 003 pipeline, streaming tasks and the legacy folder', async () => {
    h = await startHarness();
    const folders = h.sb.store.folders().map((f) => f.name);
    expect(folders).toEqual(['ecommerce_dw', 'doc_connector_demo', 'streaming_ingest', 'legacy_dw']);
    const t = (name: string) => h.sb.store.taskByName(name)!;
    expect(t('00_sync_mysql_to_ods')).toMatchObject({ file_type: 1, vc_code: 'sync_vc', cron: '0 0 2 * * ? *', task_status: 1 });
    for (const ddl of ['01_ddl_ods', '02_ddl_dwd', '03_ddl_dws_ads']) expect(t(ddl)).toMatchObject({ cron: null, deps_json: '[]', task_status: null });
    expect(JSON.parse(t('04_transform_ods_to_dwd').deps_json)).toEqual([{ taskId: t('00_sync_mysql_to_ods').id, taskName: '00_sync_mysql_to_ods', depStrategy: 0, parseType: 1 }]);
    expect(JSON.parse(t('05_dqc_check').deps_json)[0].taskName).toBe('04_transform_ods_to_dwd');
    expect(JSON.parse(t('github_clean').deps_json)[0].taskName).toBe('github_raw_fetch');
    expect(t('github_raw_fetch').file_type).toBe(5);
    expect(t('github_clean').file_type).toBe(7);
    expect(t('rt_sync_kafka_orders')).toMatchObject({ file_type: 14, cron: null });
    expect(t('sync_crm_db_full')).toMatchObject({ file_type: 291, mapping_configured: 0 });
    const legacyFolder = h.sb.store.folders().find((f) => f.name === 'legacy_dw')!.id;
    expect(
      h.sb.store
        .tasks()
        .filter((x) => x.folder_id === legacyFolder)
        .map((x) => x.name)
        .sort(),
    ).toEqual(Object.keys(LEGACY_DEFECTS).sort());
    expect(t('etl_bad_cron').cron).toBe('0 0/7 * L * ? *');
    expect(t('sync_legacy_mysql').vc_code).toBe('default');
  });

  it('has seven days of history with real error texts and UPSTREAM_FAILED cascades', async () => {
    h = await startHarness();
    const db = h.sb.store.db;
    const dates = (db.prepare('SELECT DISTINCT biz_date d FROM runs WHERE instance_type = 1 ORDER BY d').all() as { d: string }[]).map((r) => r.d);
    expect(dates.length).toBeGreaterThanOrEqual(8);
    const failMsgs = (db.prepare('SELECT fail_msg m FROM runs WHERE status = 3').all() as { m: string }[]).map((r) => r.m).join('\n');
    for (const text of [
      'CZLH-42000',
      'CZLH-57015',
      'no longer available on the server',
      'server_uuid/server_id',
      'max_allowed_packet',
      'KeyError',
      'NO_COLUMNS',
      '${bizdate}',
      '表已存在',
    ]) {
      expect(failMsgs).toContain(text);
    }
    const logs = (db.prepare("SELECT log FROM attempts WHERE finish_result = 'FAILED'").all() as { log: string }[]).map((r) => r.log).join('\n');
    expect(logs).toContain('Caused by: io.debezium.DebeziumException');
    expect(logs).toContain('Traceback (most recent call last):');
    const cascade = db.prepare("SELECT r.fail_msg FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.status = 8 AND t.name = '05_dqc_check'").all() as { fail_msg: string }[];
    expect(cascade.length).toBeGreaterThanOrEqual(2);
    expect(cascade[0]!.fail_msg).toContain('04_transform_ods_to_dwd');
  });

  it('is the same workspace every time for the same clock and seed', async () => {
    h = await startHarness();
    const a = h.sb.store.db.prepare('SELECT id, task_id, status, biz_date, fail_msg FROM runs ORDER BY id').all();
    await h.close();
    h = await startHarness();
    expect(h.sb.store.db.prepare('SELECT id, task_id, status, biz_date, fail_msg FROM runs ORDER BY id').all()).toEqual(a);
  });
});

describe('simulated scheduler', () => {
  let h: SandboxHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('creates cron runs as time passes and moves them waiting → running → success in dependency order', async () => {
    h = await startHarness();
    const sync = h.sb.store.taskByName('00_sync_mysql_to_ods')!;
    const etl = h.sb.store.taskByName('04_transform_ods_to_dwd')!;
    const before = h.sb.store.db.prepare('SELECT COUNT(*) n FROM runs WHERE task_id = ?').get(etl.id) as { n: number };
    // Tomorrow 02:00: the sync fires; make it slow so the 02:30 ETL must wait for it.
    h.clock.set(Date.parse('2026-11-22T02:00:30Z'));
    h.sb.sim.advance();
    const syncRun = h.sb.store.latestRunOfTask(sync.id)!;
    expect(syncRun.biz_date).toBe('2026-11-21');
    expect(syncRun.status).toBe(RUN_STATUS.RUNNING);
    h.sb.store.updateRun(syncRun.id, { duration_ms: 45 * 60_000 });
    h.clock.set(Date.parse('2026-11-22T02:31:00Z'));
    h.sb.sim.advance();
    const etlRun = h.sb.store.latestRunOfTask(etl.id)!;
    expect(etlRun.status).toBe(RUN_STATUS.WAITING_UPSTREAM);
    h.clock.set(Date.parse('2026-11-22T02:45:30Z'));
    h.sb.sim.advance();
    expect(h.sb.store.run(syncRun.id)!.status).toBe(RUN_STATUS.SUCCESS);
    const started = h.sb.store.run(etlRun.id)!;
    expect(started.status).toBe(RUN_STATUS.RUNNING);
    expect(started.start_time).toBe(Date.parse('2026-11-22T02:45:00Z')); // the moment its upstream finished
    h.clock.set(Date.parse('2026-11-22T04:00:00Z'));
    h.sb.sim.advance();
    expect(h.sb.store.run(etlRun.id)!.status).toBe(RUN_STATUS.SUCCESS);
    expect((h.sb.store.db.prepare('SELECT COUNT(*) n FROM runs WHERE task_id = ?').get(etl.id) as { n: number }).n).toBe(before.n + 1);
  });

  it('creates each cron run exactly once however often it is asked, and a changed schedule is not applied retroactively', async () => {
    h = await startHarness();
    const sync = h.sb.store.taskByName('00_sync_mysql_to_ods')!; // daily at 02:00
    const runsOf = () =>
      (h!.sb.store.db.prepare('SELECT plan_time FROM runs WHERE task_id = ? AND plan_time > ? ORDER BY plan_time').all(sync.id, DEMO_NOW) as { plan_time: number }[]).map((r) =>
        new Date(r.plan_time).toISOString(),
      );
    // Requests every 7 minutes for two days: two fire times, two runs.
    for (let t = DEMO_NOW; t <= Date.parse('2026-11-23T03:00:00Z'); t += 7 * 60_000) {
      h.clock.set(t);
      h.sb.sim.advance();
    }
    expect(runsOf()).toEqual(['2026-11-22T02:00:00.000Z', '2026-11-23T02:00:00.000Z']);
    // The schedule becomes hourly at 03:00 without a new fire since 02:00: nothing is backdated.
    h.sb.store.updateTask(sync.id, { cron: '0 0 * * * ? *' });
    h.clock.set(Date.parse('2026-11-23T03:30:00Z'));
    h.sb.sim.advance();
    expect(runsOf()).toHaveLength(2);
    h.clock.set(Date.parse('2026-11-23T05:10:00Z'));
    h.sb.sim.advance();
    expect(runsOf().slice(2)).toEqual(['2026-11-23T04:00:00.000Z', '2026-11-23T05:00:00.000Z']);
  });

  it("makes Studio's own retry a new attempt, which succeeds after a transient failure", async () => {
    h = await startHarness();
    const sync = h.sb.store.taskByName('00_sync_mysql_to_ods')!; // retry_count 1
    h.clock.set(Date.parse('2026-11-22T02:00:10Z'));
    h.sb.sim.advance();
    const run = h.sb.store.latestRunOfTask(sync.id)!;
    h.sb.store.updateRun(run.id, { failure_id: 'vcluster_unavailable', transient: 1 });
    h.clock.set(Date.parse('2026-11-22T03:00:00Z'));
    h.sb.sim.advance();
    const attempts = h.sb.store.attempts(run.id);
    expect(attempts.map((a) => a.finish_result)).toEqual(['FAILED', 'SUCCESS']);
    expect(attempts[0]!.log).toContain('VCluster not available');
    expect(h.sb.store.run(run.id)!.status).toBe(RUN_STATUS.SUCCESS);
  });

  it('keeps a persistent failure on rerun until the task is changed', async () => {
    h = await startHarness();
    const run = h.sb.store.db.prepare("SELECT r.* FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = 'github_clean' AND r.status = 3 AND r.instance_type = 1").get() as {
      id: number;
      task_id: number;
    };
    h.sb.sim.rerun(run.id, 'bob');
    h.clock.advance(120_000);
    h.sb.sim.advance();
    expect(h.sb.store.run(run.id)!.status).toBe(RUN_STATUS.FAILED);
    h.sb.store.updateTask(run.task_id, { updated_at: h.clock.now() }); // someone fixed the script
    h.clock.advance(1000);
    h.sb.sim.rerun(run.id, 'bob');
    h.clock.advance(120_000);
    h.sb.sim.advance();
    expect(h.sb.store.run(run.id)!.status).toBe(RUN_STATUS.SUCCESS);
  });
});

describe('file-backed state', () => {
  it('keeps folders, tasks, runs and the access token across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    try {
      const db = join(dir, 'studio.db');
      const clock = new ManualClock(DEMO_NOW);
      const first = await startSandbox({ db, clock });
      const runs = (first.store.db.prepare('SELECT COUNT(*) n FROM runs').get() as { n: number }).n;
      first.store.insertFolder({ name: 'kept', parent_id: 0, created_by: 'x', created_at: DEMO_NOW });
      const token = first.accessToken;
      await first.close();
      const second = await startSandbox({ db, clock });
      expect(second.accessToken).toBe(token);
      expect(second.store.folders().map((f) => f.name)).toContain('kept');
      expect((second.store.db.prepare('SELECT COUNT(*) n FROM runs').get() as { n: number }).n).toBe(runs);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
