/** The sandbox's flows on a manual clock: what a flow run's node instances say over its life, submit's checks, a scheduled flow run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURES } from '../../src/sandbox/failures.js';
import { ManualClock } from '../../src/sandbox/sim.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { DEMO_NOW } from '../helpers/sandbox.js';

type Ctx = Record<string, unknown>;
const A = '/ide-admin/v1';

describe('sandbox flows', () => {
  let sb: RunningSandbox;
  const clock = new ManualClock(DEMO_NOW);
  let headers: Record<string, string> = {};
  let flowId = 0;
  const ids: Record<string, number> = {};

  async function call(path: string, body: Ctx = {}): Promise<Ctx> {
    const res = await fetch(`${sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return (await res.json()) as Ctx;
  }
  async function ok(path: string, body: Ctx = {}): Promise<unknown> {
    const env = await call(path, body);
    expect(env.code, `${path}: ${String(env.message)}`).toBe(0);
    return env.data;
  }
  const instances = async (runId: number) =>
    Object.fromEntries(((await ok(`${A}/flow/inst/listWithExtraInfo`, { flowId, flowInstanceId: runId })) as Ctx[]).map((i) => [i.nodeName, i.instanceStatus]));

  beforeAll(async () => {
    sb = await startSandbox({ clock, seed: 'demo', runDurationMs: [60_000, 60_000], tokenTtlMs: 30 * 86_400_000 });
    const login = (await call('/clickzetta-portal/user/loginSingle', { accessToken: sb.accessToken, instanceName: sb.instance })).data as Ctx;
    headers = { 'X-Clickzetta-Token': String(login.token), workspaceName: sb.workspace };
    const folderId = (await ok(`${A}/dataFolder/add`, { createdBy: 'tester', projectId: 1001, dataFolderName: 'flows' })) as number;
    flowId = (await ok(`${A}/dataFile/addAndReturnId`, { fileType: 500, createdBy: 'tester', projectId: 1001, dataFileName: 'nightly_flow', dataFolderId: folderId })) as number;
    for (const name of ['extract', 'load', 'check']) {
      ids[name] = ((await ok(`${A}/flow/node/create`, { dataFileId: flowId, projectId: 1001, nodeName: name, fileType: '4', env: 'prod' })) as Ctx).id as number;
    }
    await ok(`${A}/flow/node/bind`, { currentFileId: flowId, currentNodeId: ids.load, dependencyFileId: flowId, dependencyNodeId: ids.extract });
    await ok(`${A}/flow/node/bind`, { currentFileId: flowId, currentNodeId: ids.check, dependencyFileId: flowId, dependencyNodeId: ids.load });
  });
  afterAll(async () => {
    await sb.close();
  });

  it('refuses a node of a kind a flow cannot hold, a task that is not a flow, and a submit with a node without content (status 3, nothing deployed)', async () => {
    expect((await call(`${A}/flow/node/create`, { dataFileId: flowId, projectId: 1001, nodeName: 'stream', fileType: '281', env: 'prod' })).code).toBe('FILE_TYPE_NOT_SUPPORT');
    const sql = sb.store.taskByName('04_transform_ods_to_dwd')!.id;
    expect((await call(`${A}/flow/getDag`, { dataFileId: sql })).code).toBe('NOT_FLOW_FILE');
    const trace = (await ok(`${A}/flow/submit`, { fileId: flowId, projectId: 1001 })) as string;
    expect(await ok(`${A}/flow/checkSubmitStatus?submitTraceId=${encodeURIComponent(trace)}`)).toBe(3);
    expect(sb.store.task(flowId)!.task_status).toBeNull();
  });

  it("a temporary run's node instances go level by level: extract runs, then load, then check; all succeed at the end", async () => {
    for (const [name, sql] of Object.entries({ extract: 'SELECT 1;', load: 'SELECT 2;', check: 'SELECT 3;' })) {
      await ok(`${A}/dataFileConfiguration/saveDataFileConfiguration`, {
        dataFileId: flowId,
        nodeId: ids[name],
        dataFileContent: sql,
        projectId: 1001,
        collectType: 2,
        onlySaveContent: 1,
        updateBy: 'tester',
        paramValueList: [],
      });
    }
    const run = (
      (await ok(`${A}/adhoc/flow/execute`, {
        dataFileId: flowId,
        updateBy: 'tester',
        sqlVcCode: 'DEFAULT',
        flowParamValuesDto: { id: flowId, paramValueList: [], children: [] },
      })) as Ctx
    ).scheduleInstanceId as number;
    const { RUNNING: R, SUCCESS: S, NOT_STARTED: N } = RUN_STATUS;
    clock.advance(10_000);
    expect(await instances(run)).toEqual({ extract: R, load: N, check: N });
    clock.advance(20_000);
    expect(await instances(run)).toEqual({ extract: S, load: R, check: N });
    clock.advance(35_000);
    expect(await instances(run)).toEqual({ extract: S, load: S, check: S });
    const content = (await ok(`${A}/taskInst/getTaskInstanceContent`, { taskInstanceId: run })) as Ctx;
    expect(content.fileContent).toContain('-- node load\nSELECT 2;');
  });

  it("a failed run fails in its last node, with the run's message; one node can be asked for by its instance id", async () => {
    const run = ((await ok(`${A}/adhoc/flow/execute`, { dataFileId: flowId, updateBy: 'tester' })) as Ctx).scheduleInstanceId as number;
    const failure = FAILURES.find((f) => !f.transient)!;
    sb.sim.planFailure(run, failure, false);
    clock.advance(10 * 60_000);
    expect((await ok(`${A}/taskInst/getDetail`, { taskInstanceId: run })) as Ctx).toMatchObject({ instanceStatus: RUN_STATUS.FAILED });
    const rows = (await ok(`${A}/flow/inst/listWithExtraInfo`, { flowId, flowInstanceId: run })) as Ctx[];
    expect(Object.fromEntries(rows.map((i) => [i.nodeName, i.instanceStatus]))).toEqual({ extract: RUN_STATUS.SUCCESS, load: RUN_STATUS.SUCCESS, check: RUN_STATUS.FAILED });
    const failed = rows.find((r) => r.nodeName === 'check')!;
    expect(failed.failMsg).toBeTruthy();
    const one = (await ok(`${A}/flow/inst/listWithExtraInfo`, { flowId, flowInstanceId: run, flowNodeInstanceId: failed.flowNodeInstanceId })) as Ctx[];
    expect(one.map((r) => r.nodeName)).toEqual(['check']);
  });

  it('once submitted, the scheduler runs the flow on its cron; a scheduled run has the published nodes, not later edits', async () => {
    await ok(`${A}/dataFileConfiguration/saveDataFileConfiguration`, { dataFileId: flowId, projectId: 1001, onlySaveContent: 0, updateBy: 'tester', cronExpress: '0 0 * * * ? *' });
    const trace = (await ok(`${A}/flow/submit`, { fileId: flowId, projectId: 1001 })) as string;
    expect(await ok(`${A}/flow/checkSubmitStatus?submitTraceId=${encodeURIComponent(trace)}`)).toBe(2);
    // An edit after the submit: a fourth node in the draft.
    await ok(`${A}/flow/node/create`, { dataFileId: flowId, projectId: 1001, nodeName: 'draft_only', fileType: '4', env: 'prod', content: 'SELECT 4;' });
    expect(sb.store.task(flowId)!.flow_status).toBe(80);
    clock.advance(2 * 3_600_000);
    const runs = (await ok(`${A}/taskInst/list`, { projectId: 1001, scheduleTaskId: flowId, instanceType: 1 })) as Ctx[];
    expect(runs.length).toBeGreaterThan(0);
    expect(Object.keys(await instances(runs[0]!.taskInstanceId as number)).sort()).toEqual(['check', 'extract', 'load']);
  });
});
