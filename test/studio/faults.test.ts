/**
 * The client under failure: reads recover, writes are never sent twice, 401 means one re-login,
 * business errors reach the caller with Studio's code and message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { StudioError } from '../../src/studio/errors.js';
import { StudioClient } from '../../src/studio/client.js';
import { type SandboxHarness, startHarness } from '../helpers/sandbox.js';

const LIST_FILES = '/ide-admin/v1/ai/mcp/listFiles';
const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';
const LOGIN = '/clickzetta-portal/user/loginSingle';

let h: SandboxHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function failedRunId(harness: SandboxHarness): Promise<number> {
  const runs = await harness.client.listAllRuns({ statuses: [RUN_STATUS.FAILED] });
  return runs.find((r) => r.taskName === '04_transform_ods_to_dwd')!.id;
}

describe('reads recover from transient faults', () => {
  it('retries HTTP 500 with backoff and returns the answer', async () => {
    const delays: number[] = [];
    h = await startHarness({}, { sleep: async (ms) => void delays.push(ms) });
    await h.client.getSession();
    h.sb.faults.add({ path: LIST_FILES, kind: 'status', status: 500, times: 2 });
    const page = await h.client.listTasks({ pageSize: 3 });
    expect(page.items).toHaveLength(3);
    expect(h.requests(LIST_FILES).map((e) => e.status)).toEqual([500, 500, 200]);
    // Exponential with jitter: attempt 0 in [2.5, 5], attempt 1 in [5, 10] (base 5 ms).
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(2);
    expect(delays[0]).toBeLessThanOrEqual(5);
    expect(delays[1]).toBeGreaterThanOrEqual(5);
    expect(delays[1]).toBeLessThanOrEqual(10);
  });

  it('retries a timeout, a dropped connection and a malformed answer', async () => {
    h = await startHarness({}, { timeoutMs: 200 });
    await h.client.getSession();
    h.sb.faults.add({ path: LIST_FILES, kind: 'latency', ms: 600 });
    expect((await h.client.listTasks({ pageSize: 2 })).items).toHaveLength(2);
    h.sb.faults.add({ path: LIST_FILES, kind: 'drop' });
    expect((await h.client.listTasks({ pageSize: 2 })).items).toHaveLength(2);
    h.sb.faults.add({ path: LIST_FILES, kind: 'malformed' });
    expect((await h.client.listTasks({ pageSize: 2 })).items).toHaveLength(2);
    expect(h.requests(LIST_FILES).length).toBe(6);
  });

  it('honours Retry-After on 429', async () => {
    const delays: number[] = [];
    h = await startHarness({}, { sleep: async (ms) => void delays.push(ms), retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 5000 } });
    await h.client.getSession();
    h.sb.faults.add({ path: LIST_FILES, kind: 'status', status: 429, retryAfterSec: 2 });
    await h.client.listTasks();
    expect(delays).toEqual([2000]);
  });

  it('gives up after the bounded number of retries with one StudioError carrying status, path and request id', async () => {
    h = await startHarness();
    await h.client.getSession();
    h.sb.faults.add({ path: LIST_FILES, kind: 'status', status: 503, times: 100 });
    const err = (await h.client.listTasks().catch((e: unknown) => e)) as StudioError;
    expect(err).toBeInstanceOf(StudioError);
    expect(err).toMatchObject({ kind: 'http', code: 'HTTP_503', httpStatus: 503, path: LIST_FILES });
    expect(err.requestId).toBe(h.requests(LIST_FILES).at(-1)!.headers['x-request-id']);
    expect(h.requests(LIST_FILES)).toHaveLength(4); // 1 + 3 retries
    expect(err.describe()).toContain('HTTP_503');
  });

  it('does not retry final statuses (400, 403, 404, 409, 422)', async () => {
    h = await startHarness();
    await h.client.getSession();
    h.sb.faults.add({ path: LIST_FILES, kind: 'status', status: 422, times: 10 });
    await expect(h.client.listTasks()).rejects.toMatchObject({ httpStatus: 422 });
    expect(h.requests(LIST_FILES)).toHaveLength(1);
  });
});

describe('writes are never retried blindly', () => {
  it('a rerun that times out is sent once, reported as outcome unknown, and did take effect on the server', async () => {
    h = await startHarness({}, { timeoutMs: 200 });
    const runId = await failedRunId(h);
    h.sb.faults.add({ path: RERUN, kind: 'latency', ms: 500 });
    const err = (await h.client.rerunRun(runId).catch((e: unknown) => e)) as StudioError;
    expect(err).toBeInstanceOf(StudioError);
    expect(err.kind).toBe('timeout');
    expect(err.outcomeUnknown).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // let the server finish the slow request
    expect(h.requests(RERUN)).toHaveLength(1);
    // Re-reading state shows the first attempt took effect: this is why a write is never resent.
    expect((await h.client.getRun(runId)).status.label).toBe('RUNNING');
  });

  it('a rerun answered with HTTP 500 or a dropped connection is sent once', async () => {
    h = await startHarness();
    const runId = await failedRunId(h);
    h.sb.faults.add({ path: RERUN, kind: 'status', status: 500 });
    await expect(h.client.rerunRun(runId)).rejects.toMatchObject({ kind: 'http', httpStatus: 500, outcomeUnknown: true });
    h.sb.faults.add({ path: RERUN, kind: 'drop', afterHandling: true });
    await expect(h.client.rerunRun(runId)).rejects.toMatchObject({ kind: 'network', outcomeUnknown: true });
    expect(h.requests(RERUN)).toHaveLength(2);
    // The dropped one was applied before the connection broke.
    expect(h.sb.store.run(runId)!.status).toBe(RUN_STATUS.RUNNING);
  });

  it('a business error on a write proves a refusal only when its code names a precondition', async () => {
    h = await startHarness();
    const runId = await failedRunId(h);
    h.sb.faults.add({ path: RERUN, kind: 'business', code: 'RERUN_NOT_ALLOWED', message: '任务不允许重跑' });
    const refused = (await h.client.rerunRun(runId).catch((e: unknown) => e)) as StudioError;
    expect(refused).toMatchObject({ kind: 'business', code: 'RERUN_NOT_ALLOWED', outcomeUnknown: false });
    // A code Studio does not define as "not done" (an internal error, a code never seen) proves nothing.
    for (const code of ['SYSTEM_ERROR', 'CZ-IDE-50013', '500']) {
      h.sb.faults.add({ path: RERUN, kind: 'business', code, message: 'something went wrong' });
      const err = (await h.client.rerunRun(runId).catch((e: unknown) => e)) as StudioError;
      expect(err).toMatchObject({ kind: 'business', code, outcomeUnknown: true });
    }
    expect(h.sb.store.run(runId)!.status).toBe(RUN_STATUS.FAILED);
    // Reads are never "unknown": nothing was written.
    h.sb.faults.add({ path: '/ide-admin/v1/taskInst/getDetail', kind: 'business', code: 'SYSTEM_ERROR', message: 'internal' });
    const read = (await h.client.getRun(runId).catch((e: unknown) => e)) as StudioError;
    expect(read).toMatchObject({ kind: 'business', outcomeUnknown: false });
  });
});

describe('session: login, 401, refresh', () => {
  it('on 401 logs in again exactly once and repeats the call', async () => {
    h = await startHarness();
    await h.client.listTasks({ pageSize: 1 });
    expect(h.requests(LOGIN)).toHaveLength(1);
    h.sb.expireTokens();
    const page = await h.client.listTasks({ pageSize: 1 });
    expect(page.items).toHaveLength(1);
    expect(h.requests(LOGIN)).toHaveLength(2);
    expect(h.requests(LIST_FILES).map((e) => e.status)).toEqual([200, 401, 200]);
    expect(h.client.loginCount).toBe(2);
  });

  it('a 401 on a write re-logs in once and sends the write once more (Studio did not act on it)', async () => {
    h = await startHarness();
    const runId = await failedRunId(h);
    h.sb.expireTokens();
    await h.client.rerunRun(runId);
    expect(h.requests(RERUN).map((e) => e.status)).toEqual([401, 200]);
    expect(h.requests(LOGIN)).toHaveLength(2);
  });

  it('a second 401 after re-login is an auth error, not a loop', async () => {
    h = await startHarness();
    await h.client.getSession();
    h.sb.faults.add({ path: LIST_FILES, kind: 'status', status: 401, times: 10 });
    await expect(h.client.listTasks()).rejects.toMatchObject({ kind: 'auth', code: 'UNAUTHORIZED', httpStatus: 401 });
    expect(h.requests(LOGIN)).toHaveLength(2);
    expect(h.requests(LIST_FILES)).toHaveLength(2);
  });

  it('refreshes the token before it expires, without waiting for a 401', async () => {
    h = await startHarness({ tokenTtlMs: 10_000 });
    await h.client.listTasks({ pageSize: 1 });
    h.clock.advance(8_500); // past 80 % of the token's life
    await h.client.listTasks({ pageSize: 1 });
    expect(h.requests(LOGIN)).toHaveLength(2);
    expect(h.requests(LIST_FILES).every((e) => e.status === 200)).toBe(true);
  });

  it('many calls at once share one login', async () => {
    h = await startHarness();
    await Promise.all(Array.from({ length: 10 }, () => h!.client.listTasks({ pageSize: 1 })));
    expect(h.requests(LOGIN)).toHaveLength(1);
  });

  it('explains a wrong instance, token or workspace', async () => {
    h = await startHarness();
    const base = { baseUrl: h.sb.url, accessToken: h.sb.accessToken, instance: h.sb.instance, workspace: h.sb.workspace, retry: { retries: 0 } };
    const wrongInstance = new StudioClient({ ...base, instance: 'nope' });
    await expect(wrongInstance.getSession()).rejects.toMatchObject({ kind: 'auth', code: 'INSTANCE_NOT_FOUND' });
    const wrongToken = new StudioClient({ ...base, accessToken: 'pat_wrong_wrong' });
    await expect(wrongToken.getSession()).rejects.toMatchObject({ kind: 'auth', code: 'AUTH_FAILED' });
    const wrongWs = new StudioClient({ ...base, workspace: 'prod' });
    const err = (await wrongWs.getSession().catch((e: unknown) => e)) as StudioError;
    expect(err.code).toBe('WORKSPACE_NOT_FOUND');
    expect(err.message).toContain('demo_ws');
    await Promise.all([wrongInstance.close(), wrongToken.close(), wrongWs.close()]);
  });

  it('reports a refused connection as a network error, known not to have reached Studio', async () => {
    h = await startHarness();
    const url = h.sb.url;
    await h.close();
    h = undefined;
    const c = new StudioClient({ baseUrl: url, accessToken: 'pat_x_x_x_x', instance: 'sandbox', workspace: 'demo_ws', retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(c.getSession()).rejects.toMatchObject({ kind: 'network', code: 'ECONNREFUSED', outcomeUnknown: false });
    await c.close();
  });
});

describe('both documented response shapes', () => {
  it('reads run detail, configuration and schedule wrapped in taskDetail / taskConfigurationDetail / scheduleTaskDetail', async () => {
    h = await startHarness({ wrappedShapes: true });
    const runId = await failedRunId(h);
    const body = h.sb.journal.length;
    const run = await h.client.getRun(runId);
    expect(run.id).toBe(runId);
    expect(run.status.label).toBe('FAILED');
    const task = await h.client.resolveTask('04_transform_ods_to_dwd');
    expect((await h.client.getTaskConfiguration(task.id)).cron).toBe('0 30 2 * * ? *');
    expect((await h.client.getScheduleDetail(task.id)).cron).toBe('0 30 2 * * ? *');
    expect(h.sb.journal.length).toBeGreaterThan(body);
  });
});
