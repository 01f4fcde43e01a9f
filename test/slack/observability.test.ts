/**
 * The operator's endpoints on the running bot (issue 18): /healthz says the process is alive,
 * /readyz says whether it can do its work (database writable, Studio answering, Slack accepting the
 * token) and names what is wrong, /metrics is Prometheus text whose counters follow what happened.
 */
import { describe, expect, it } from 'vitest';
import { USERS, useBotHarness } from '../helpers/bot.js';

const b = useBotHarness();

/** The sum of the samples `name{labels} value` whose labels include those given (undefined when none). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

const metrics = async () => {
  const res = await fetch(`${b.botUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

const ready = async () => {
  const res = await fetch(`${b.botUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; checks: Record<string, string> } };
};

// First in the file: Slack's answer to auth.test is trusted for a minute once it was good.
describe('/readyz and Slack', () => {
  it('is 503 while Slack refuses the bot token (HTTP mode: auth.test), naming Slack’s error', async () => {
    // Bolt checks the token once after start-up; the refusal is for the readiness check's own call.
    await expect.poll(() => b.slack.callsOf('auth.test').length).toBeGreaterThanOrEqual(1);
    b.slack.refuse('auth.test', 1, 'invalid_auth');
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ database: 'ok', alerts: 'ok', studio: 'ok', slack: expect.stringMatching(/^Slack did not accept the bot token: .*invalid_auth/) });
    expect(await ready()).toEqual({ status: 200, body: { ok: true, checks: { database: 'ok', alerts: 'ok', studio: 'ok', slack: 'ok' } } });
  });
});

describe('/metrics', () => {
  it('is Prometheus text: every sample line parses, every metric has HELP and TYPE', async () => {
    const text = await metrics();
    const names = new Set<string>();
    for (const line of text.split('\n').filter(Boolean)) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
        names.add(line.split(' ')[2]!);
        continue;
      }
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? -?(\d+(\.\d+)?(e[+-]?\d+)?|NaN|[+-]Inf)$/);
    }
    for (const n of [
      'studio_ops_interactions_total',
      'studio_ops_ack_seconds',
      'studio_ops_reply_seconds',
      'studio_ops_studio_calls_total',
      'studio_ops_studio_call_seconds',
      'studio_ops_studio_retries_total',
      'studio_ops_outbox_depth',
      'studio_ops_outbox_oldest_age_seconds',
      'studio_ops_alert_cards_open',
      'studio_ops_operations',
      'studio_ops_alert_poll_seconds',
      'studio_ops_database_bytes',
      'studio_ops_lease_held',
      'studio_ops_process_resident_memory_bytes',
    ])
      expect(names).toContain(n);
    expect(sample(text, 'studio_ops_database_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^studio_ops_lease_held\{workspace="demo_ws"\} 1$/m); // alone, it holds the lease
  });

  it('counts a command by subcommand and outcome, its ack and reply latency, and the Studio calls it made', async () => {
    const before = await metrics();
    const r = await b.command('runs 04_transform_ods_to_dwd', USERS.viewer);
    await b.answer(r.responseId);
    await b.command('no-such-thing --please', USERS.viewer).then((x) => b.answer(x.responseId));
    // The observer runs as the listener returns, just after the answer was posted.
    await expect
      .poll(async () => sample(await metrics(), 'studio_ops_interactions_total', { kind: 'command', name: 'runs', outcome: 'ok' }) ?? 0)
      .toBe((sample(before, 'studio_ops_interactions_total', { kind: 'command', name: 'runs', outcome: 'ok' }) ?? 0) + 1);
    const after = await metrics();
    // An unknown subcommand is counted under one bounded name, not under what was typed.
    expect(sample(after, 'studio_ops_interactions_total', { kind: 'command', name: 'unknown', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain('no-such-thing');
    expect(sample(after, 'studio_ops_ack_seconds_count', { kind: 'command' })).toBeGreaterThanOrEqual(
      (sample(before, 'studio_ops_ack_seconds_count', { kind: 'command' }) ?? 0) + 2,
    );
    expect(sample(after, 'studio_ops_reply_seconds_count', { kind: 'command' })).toBeGreaterThanOrEqual(
      (sample(before, 'studio_ops_reply_seconds_count', { kind: 'command' }) ?? 0) + 2,
    );
    // `runs <task>` lists the runs in Studio: taskInst/list was called and answered.
    expect(sample(after, 'studio_ops_studio_calls_total', { endpoint: 'taskInst/list', outcome: 'ok' })).toBeGreaterThan(
      sample(before, 'studio_ops_studio_calls_total', { endpoint: 'taskInst/list', outcome: 'ok' }) ?? 0,
    );
  });

  it('counts a click and the operation it made, by state', async () => {
    const runId = (
      b.sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '05_dqc_check' AND r.status = 3 ORDER BY r.id DESC LIMIT 1").get() as {
        id: number;
      }
    ).id;
    const before = await metrics();
    const ask = await b.command(`rerun ${runId}`, USERS.admin);
    const msg = await b.answer(ask.responseId);
    const opId = (msg.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
    const click = await b.click('op_confirm', opId, USERS.admin, { responseId: ask.responseId });
    await b.answer(click.responseId, 1);
    await expect
      .poll(async () => sample(await metrics(), 'studio_ops_interactions_total', { kind: 'action', name: 'op_confirm', outcome: 'ok' }) ?? 0)
      .toBe((sample(before, 'studio_ops_interactions_total', { kind: 'action', name: 'op_confirm', outcome: 'ok' }) ?? 0) + 1);
    const after = await metrics();
    expect(sample(after, 'studio_ops_operations', { status: 'succeeded' })).toBe((sample(before, 'studio_ops_operations', { status: 'succeeded' }) ?? 0) + 1);
    expect(sample(after, 'studio_ops_studio_calls_total', { endpoint: 'taskInst/reRunTaskInstance', outcome: 'ok' })).toBe(1);
  });

  it('times the alert poll', async () => {
    const before = sample(await metrics(), 'studio_ops_alert_poll_seconds_count', { outcome: 'ok' }) ?? 0;
    await b.bot.services.alerts!.poll();
    expect(sample(await metrics(), 'studio_ops_alert_poll_seconds_count', { outcome: 'ok' })).toBe(before + 1);
  });
});

describe('/healthz and /readyz', () => {
  it('both answer 200 when the bot can work; /readyz names each check', async () => {
    expect((await fetch(`${b.botUrl}/healthz`)).status).toBe(200);
    expect(await ready()).toEqual({ status: 200, body: { ok: true, checks: { database: 'ok', alerts: 'ok', studio: 'ok', slack: 'ok' } } });
  });

  it('/readyz is 503 while Studio does not answer, says so, and recovers; /healthz stays 200', async () => {
    b.sb.faults.add({ path: '*', kind: 'drop', times: Number.POSITIVE_INFINITY });
    try {
      // A command fails to reach Studio: the latest call got no answer, so readiness probes Studio now.
      const r = await b.command('runs 04_transform_ods_to_dwd', USERS.viewer);
      await b.answer(r.responseId);
      const down = await ready();
      expect(down.status).toBe(503);
      expect(down.body.checks).toEqual({ database: 'ok', alerts: 'ok', studio: expect.stringMatching(/^Studio did not answer/), slack: 'ok' });
      expect((await fetch(`${b.botUrl}/healthz`)).status).toBe(200);
      const text = await metrics();
      // The attempts that got no answer and the retries they caused (reads only) are counted.
      expect(sample(text, 'studio_ops_studio_retries_total')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'studio_ops_studio_calls_total', { outcome: 'network' })).toBeGreaterThanOrEqual(2);
    } finally {
      b.sb.faults.clear();
    }
    expect((await ready()).status).toBe(200);
  });

  it('/readyz is 503 when the database does not take writes', async () => {
    await b.bot.services.host.setReadOnly(true);
    try {
      const down = await ready();
      expect(down.status).toBe(503);
      expect(down.body.checks.database).toMatch(/^the database does not take writes: .*read-?only/); // SQLite: "readonly database"; PostgreSQL: "read-only transaction"
    } finally {
      await b.bot.services.host.setReadOnly(false);
    }
    expect((await ready()).status).toBe(200);
  });
});
