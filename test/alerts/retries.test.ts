/**
 * Issue 33, item 1: retries understood. A failed attempt with Studio's own retries left is not a
 * failure card (the sandbox shows the run FAILED between attempts, as Studio's list does); the
 * card comes on the final failure and carries the first attempt's error; "N failures in a row"
 * per folder in the policy; a run that recovers on retry leaves at most a quiet note.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../src/alerts/service.js';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { type BotHarness, POLICY, startBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

let b: BotHarness;
afterEach(async () => {
  expect(b.slack.violations).toEqual([]);
  await b.close();
});

const alerts = (): AlertService => b.bot.services.alerts!;
const TASK = '04_transform_ods_to_dwd'; // ecommerce_dw
const MINUTE = 60_000;

async function settle() {
  await alerts().poll();
  await alerts().flush();
}

/** Give the task `retries` retries, `intervalMin` minutes apart (the fields cz-cli saves), and publish it: Studio runs what is published. */
function setRetries(retries: number, intervalMin = 2) {
  const t = b.sb.store.taskByName(TASK)!;
  const extra = JSON.parse(t.config_json || '{}') as Record<string, unknown>;
  b.sb.store.updateTask(t.id, { retry_count: retries, config_json: JSON.stringify({ ...extra, retryIntervalTime: intervalMin, retryIntervalTimeUnit: 'm' }) });
  b.sb.sim.deploy(t.id, 'ada');
}

/** A scheduled run starting now whose attempts end as planned (failure ids; null = success), each a minute long. */
function scheduleRun(outcomes: (string | null)[], bizDate: string): number {
  const t = b.sb.store.taskByName(TASK)!;
  const now = b.clock.now();
  const id = b.sb.store.insertRun({
    task_id: t.id,
    instance_type: 1,
    plan_time: now,
    ready_at: now,
    trigger_time: now,
    executor: 'scheduler',
    vc_code: t.vc_code,
    biz_date: bizDate,
    duration_ms: MINUTE,
    skip_upstream: 1,
  });
  b.sb.sim.planAttempts(id, outcomes);
  return id;
}

/** The run's failure cards (a run that succeeded may have a "wrote nothing" card: not these). */
const cardsOfRun = async (runId: number) => (await alerts().store.cards()).filter((c) => c.subject === null && (c.firstRunId === runId || c.latestRunId === runId));
const threadOf = (ts: string) =>
  b.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.thread_ts === ts)
    .map((c) => visibleText(c.args))
    .join('\n');
/** Messages in the channel itself (not in threads), but the output checks' "succeeded but wrote nothing" cards. */
const topPosts = () => b.slack.callsOf('chat.postMessage').filter((c) => !c.args.thread_ts && !JSON.stringify(c.args.blocks).includes('succeeded but'));

/** Advance the clock in steps, polling at each (as the watcher would every minute). */
async function pollFor(minutes: number) {
  for (let i = 0; i < minutes * 2; i++) {
    b.clock.advance(MINUTE / 2);
    await settle();
  }
}

describe('retries', () => {
  it('a task with 2 retries failing twice then succeeding posts no card; failing three times posts one card after the third, with the first attempt’s error', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    setRetries(2);
    const before = topPosts().length;

    // Two failed attempts, then a success: Studio shows FAILED twice in between.
    const recovers = scheduleRun(['queue_full', 'table_already_exists', null], '2026-11-25');
    let sawFailed = 0;
    for (let i = 0; i < 20; i++) {
      b.clock.advance(MINUTE / 2);
      await settle();
      if (b.sb.store.run(recovers)!.status === RUN_STATUS.FAILED) sawFailed++;
      expect(await cardsOfRun(recovers)).toEqual([]);
    }
    expect(sawFailed).toBeGreaterThan(1); // the watcher polled while the run showed FAILED
    expect(b.sb.store.run(recovers)!.status).toBe(RUN_STATUS.SUCCESS);
    expect(b.sb.store.attempts(recovers).map((a) => a.finish_result)).toEqual(['FAILED', 'FAILED', 'SUCCESS']);
    expect(topPosts().length).toBe(before);

    // Three failed attempts: one card, after the third, with the first attempt's error and cause.
    const fails = scheduleRun(['sql_syntax', 'table_already_exists', 'table_already_exists'], '2026-11-26');
    for (let i = 0; i < 20; i++) {
      b.clock.advance(MINUTE / 2);
      await settle();
      const attempts = b.sb.store.attempts(fails).filter((a) => a.finish_result === 'FAILED').length;
      const cards = await cardsOfRun(fails);
      if (attempts < 3 || b.sb.store.run(fails)!.retry_at !== null) expect(cards).toEqual([]);
    }
    expect(b.sb.store.run(fails)!.status).toBe(RUN_STATUS.FAILED);
    const cards = await cardsOfRun(fails);
    expect(cards).toHaveLength(1);
    const card = cards[0]!;
    expect(card.attempts).toBe(3);
    expect(card.failMsg).toContain("Syntax error at or near 'FORM'");
    expect(card.causeId).toBe('engine.sql_syntax');
    const posted = topPosts().filter((p) => JSON.stringify(p.args.blocks).includes(`|${fails}>`));
    expect(posted).toHaveLength(1);
    const text = visibleText(posted[0]!.args);
    expect(text).toContain("Syntax error at or near 'FORM'");
    expect(text).toContain('failed on all 3 attempts');
    expect(text).not.toContain('Table already exists');
    // The thread names the last attempt's error as such.
    const thread = threadOf(card.ts!);
    expect(thread).toContain("Failed on all 3 attempts (2 by Studio's own retry)");
    expect(thread).toContain('The last attempt failed with `CZLH-42000: 表已存在 (Table already exists)');
  }, 90_000);

  it('"N failures in a row" per folder: the first final failure is recorded, the second in a row posts one card', async () => {
    b = await startBotHarness({
      alertChannels: '*=CALERTS',
      policy: `${POLICY}alerts:\n  retries:\n    - { scope: ["ecommerce_dw"], failures_in_a_row: 2 }\n`,
    });
    await settle();
    setRetries(0);
    const first = scheduleRun(['sql_syntax'], '2026-11-25');
    await pollFor(3);
    expect(b.sb.store.run(first)!.status).toBe(RUN_STATUS.FAILED);
    expect(await cardsOfRun(first)).toEqual([]);
    const second = scheduleRun(['sql_syntax'], '2026-11-26');
    await pollFor(3);
    const cards = await cardsOfRun(second);
    expect(cards).toHaveLength(1);
    const text = visibleText(topPosts().find((p) => JSON.stringify(p.args.blocks).includes(`${TASK} failed`))!.args);
    expect(text).toContain('Seen*\n2 times since');
    expect(threadOf(cards[0]!.ts!)).toContain(`2 failures in a row (runs ${first}, ${second})`);
  });

  it('a run that recovers on retry leaves a quiet note where the policy asks for one, and no card', async () => {
    b = await startBotHarness({
      alertChannels: '*=CALERTS',
      policy: `${POLICY}alerts:\n  retries:\n    - { scope: ["ecommerce_dw/*"], note_recovery: true }\n`,
    });
    await settle();
    setRetries(1);
    const before = topPosts().length;
    const run = scheduleRun(['queue_full', null], '2026-11-25');
    await pollFor(6);
    expect(b.sb.store.run(run)!.status).toBe(RUN_STATUS.SUCCESS);
    expect(await cardsOfRun(run)).toEqual([]);
    const notes = topPosts().slice(before);
    expect(notes).toHaveLength(1);
    const text = visibleText(notes[0]!.args);
    expect(text).toContain(`${TASK}`);
    expect(text).toContain('succeeded on attempt 2');
    expect(text).toContain('VCluster queue is full');
    expect(text).not.toMatch(/<@U|<!subteam/); // quiet: nobody is mentioned
    // Told once, however many polls follow.
    await pollFor(2);
    expect(topPosts().length).toBe(before + 1);
  });
});
