/**
 * A real process kill (SIGKILL) between two steps of a write, and a restart on the same database
 * (issue 13, cases 1 and 2). The bot runs in a child process; Studio (the sandbox) and Slack (the
 * fake) run here and outlive it. Studio's journal must hold exactly one write per intended
 * operation, the audit log must end each operation with its true outcome, and
 * `studio-ops audit verify` must pass.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { systemClock } from '../../src/sandbox/sim.js';
import { POLICY, SIGNING_SECRET, USERS, signedSlackClient } from '../helpers/bot.js';
import { type FakeSlack, startFakeSlack, visibleText } from '../helpers/fake-slack.js';

const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';
const DETAIL = '/ide-admin/v1/taskInst/getDetail';

let sb: RunningSandbox;
let slack: FakeSlack;
let dir: string;
let child: ChildProcess | undefined;
let port = 0;

async function startChild(): Promise<void> {
  child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/bot-child.ts'], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      STUDIO_URL: sb.url,
      STUDIO_ACCESS_TOKEN: sb.accessToken,
      STUDIO_INSTANCE: sb.instance,
      STUDIO_WORKSPACE: sb.workspace,
      STUDIO_TIMEOUT_MS: '2000',
      DATABASE_PATH: join(dir, 'bot.db'),
      POLICY_FILE: join(dir, 'policy.yml'),
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      RUN_WATCH_SECONDS: '1',
      LOG_LEVEL: 'silent',
    },
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child!.stdout! }).once('line', resolve);
    child!.once('exit', (code) => reject(new Error(`bot exited with ${code}`)));
  });
  port = (JSON.parse(line) as { port: number }).port;
}

function kill(): Promise<void> {
  const c = child!;
  return new Promise((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

async function until<T>(f: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const slackClient = () => signedSlackClient(() => `http://127.0.0.1:${port}`, slack);
type Blocks = { elements?: { action_id: string; value: string }[] }[];
const confirmValue = (msg: Record<string, unknown>) => (msg.blocks as Blocks).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
const failedRun = (task: string) => (sb.store.db.prepare('SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = ? AND r.status = 3 ORDER BY r.id DESC LIMIT 1').get(task) as { id: number }).id;
const reruns = (runId: number) => sb.journal.filter((e) => e.path === RERUN && Number((e.body as { taskInstanceId: number }).taskInstanceId) === runId);

function auditOf(opId: string): { outcome: string; error: string | null }[] {
  const db = new Database(join(dir, 'bot.db'), { readonly: true });
  try {
    return db.prepare('SELECT outcome, error FROM audit_log WHERE op_id = ? ORDER BY id').all(opId) as { outcome: string; error: string | null }[];
  } finally {
    db.close();
  }
}

async function auditVerify(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/studio-ops.mjs', 'audit', 'verify'], { env: { ...process.env, DATABASE_PATH: join(dir, 'bot.db') } });
    return { code: 0, out: stdout };
  } catch (e) {
    return { code: (e as { code: number }).code, out: String((e as { stdout?: string }).stdout) };
  }
}

async function askRerun(runId: number, user: string): Promise<string> {
  const c = slackClient();
  const r = await c.command(`rerun ${runId}`, user);
  return confirmValue(await slack.waitForResponse(r.responseId));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kill-'));
  writeFileSync(join(dir, 'policy.yml'), POLICY);
  sb = await startSandbox({ clock: systemClock, seed: 'demo', runDurationMs: [60_000, 60_000], failureRate: 0 });
  slack = await startFakeSlack();
  await startChild();
}, 60_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await slack?.close();
  await sb?.close();
});

describe('SIGKILL between two steps of a write', () => {
  it('killed while the rerun was in flight: after the restart the rerun is found applied, once, and audited so', async () => {
    const runId = failedRun('github_clean');
    const opId = await askRerun(runId, USERS.admin);
    sb.faults.add({ path: RERUN, kind: 'latency', ms: 4_000, times: 1 }); // Studio takes its time, then applies it
    void slackClient().click('op_confirm', opId, USERS.admin).catch(() => undefined);
    await until(() => reruns(runId).length === 1);
    await kill(); // the bot dies with the write in flight
    expect(auditOf(opId).map((r) => r.outcome)).toEqual(['requested']);
    await startChild(); // back before Studio has applied it
    const first = await until(() => (auditOf(opId).length >= 2 ? auditOf(opId) : undefined));
    expect(sb.store.run(runId)!.status).toBe(3); // not applied yet when the bot looked
    expect(first.map((r) => r.outcome)).toEqual(['requested', 'unknown']); // …which proves nothing
    await until(() => sb.store.run(runId)!.status !== 3, 8_000); // Studio applies it now
    const rows = await until(() => (auditOf(opId).length >= 3 ? auditOf(opId) : undefined));
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'unknown', 'succeeded']);
    expect(rows[2]!.error).toContain('Studio shows it took effect');
    expect(reruns(runId)).toHaveLength(1);
    const v = await auditVerify();
    expect(v.code).toBe(0);
  }, 60_000);

  it('killed during the re-read before the write: nothing was sent, the operation is not left executing, and asking again works', async () => {
    const runId = failedRun('05_dqc_check');
    const opId = await askRerun(runId, USERS.admin);
    const since = sb.journal.length;
    sb.faults.add({ path: DETAIL, kind: 'latency', ms: 5_000, times: 1 });
    void slackClient().click('op_confirm', opId, USERS.admin).catch(() => undefined);
    await until(() => sb.journal.slice(since).some((e) => e.path === DETAIL));
    await kill();
    await startChild();
    const rows = await until(() => (auditOf(opId).length >= 1 ? auditOf(opId) : undefined));
    expect(rows.map((r) => r.outcome)).toEqual(['failed']);
    expect(rows[0]!.error).toContain('Interrupted before it was sent to Studio');
    expect(reruns(runId)).toHaveLength(0);
    // The same person asks again at once (inside the idempotency window): it is sent, once.
    const again = await askRerun(runId, USERS.admin);
    const c = slackClient();
    const done = await c.click('op_confirm', again, USERS.admin);
    expect(visibleText(await slack.waitForResponse(done.responseId))).toContain(`Rerun of run ${runId} started in Studio`);
    expect(reruns(runId)).toHaveLength(1);
    expect((await auditVerify()).code).toBe(0);
  }, 60_000);
});
