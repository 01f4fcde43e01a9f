/**
 * Baselines on the alert poll, against the sandbox (four weeks of history) and the fake Slack:
 * a slow sync puts 05_dqc_check's 09:00 at risk — one card, at the margin, naming the critical
 * path, edited in place as the estimate moves, red at breach, closed on landing with the minutes;
 * a normal day posts nothing; a failure on the key path is named on the card.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../src/alerts/service.js';
import { slowDownRun } from '../../src/sandbox/history.js';
import { failureById } from '../../src/sandbox/failures.js';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { type BotHarness, POLICY, USERS, startBotHarness } from '../helpers/bot.js';
import { type ApiCall, visibleText } from '../helpers/fake-slack.js';
import { until } from '../helpers/wait.js';

const BASELINE_POLICY = `${POLICY}
alerts:
  baselines:
    - { task: 05_dqc_check, by: "09:00", margin: 30m }
`;

let b: BotHarness;
afterEach(async () => {
  expect(b.slack.violations).toEqual([]);
  await b.close();
});

const alerts = (): AlertService => b.bot.services.alerts!;
const MIN = 60_000;
const DAY2 = Date.parse('2026-11-22T00:00:00Z');
const at = (h: number, m = 0) => DAY2 + (h * 60 + m) * MIN;

async function pollAt(t: number) {
  b.clock.set(t);
  await alerts().poll();
  await alerts().flush();
}

/** The baseline card's own messages: its post and its edits (threads excluded). */
async function cardCalls(): Promise<ApiCall[]> {
  const post = b.slack.callsOf('chat.postMessage').find((c) => !c.args.thread_ts && /^(at risk|late): 05_dqc_check/.test(String(c.args.text)));
  if (!post) return [];
  const ts = (await baselineCards())[0]?.ts;
  return [post, ...b.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts)];
}
const thread = (ts: string) =>
  b.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.thread_ts === ts)
    .map((c) => visibleText(c.args) || String(c.args.text));

async function baselineCards() {
  return (await alerts().store.cards()).filter((c) => c.subject?.startsWith('baseline:'));
}

describe('baselines', () => {
  it('a slow sync: at risk inside the margin, a card once a breach is predicted twice, naming the critical path, edited as the estimate moves, red at breach, closed on landing with the minutes late', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS', policy: BASELINE_POLICY });
    await pollAt(b.clock.now());
    // Today's output landed long before 09:00: no card.
    expect(await baselineCards()).toEqual([]);
    expect((await alerts().baselineWatcher.views())[0]).toMatchObject({ task: '05_dqc_check', state: 'landed' });
    // Tomorrow the sync runs eight hours (its usual time is minutes).
    b.clock.set(at(2) + 30_000);
    b.sb.sim.advance();
    const sync = slowDownRun(b.sb.sim, '00_sync_mysql_to_ods', 480);
    expect(sync).toBeDefined();
    const states: { t: number; state: string; expected: number; breach: boolean }[] = [];
    for (let t = at(2, 15); t <= at(8, 45); t += 15 * MIN) {
      await pollAt(t);
      const v = (await alerts().baselineWatcher.views())[0]!;
      states.push({ t, state: v.state, expected: v.expectedFinish, breach: v.breachPredicted });
      if ((await baselineCards()).length) break;
      if (process.env.BASELINE_DEBUG) console.log(new Date(t).toISOString(), v.state, new Date(v.expectedFinish).toISOString(), v.headline);
    }
    const first = states.at(-1)!;
    // Inside the margin but before 09:00 it is shown at risk, without a card (outputs that land
    // there land on time); the card came once a breach was predicted on two polls in a row.
    expect(states.some((s) => s.state === 'at_risk' && !s.breach)).toBe(true);
    expect(first.expected).toBeGreaterThan(at(9));
    expect(first.breach && states.at(-2)!.breach).toBe(true);
    expect(states.slice(0, -2).every((s) => !s.breach)).toBe(true);
    expect(first.t).toBeLessThanOrEqual(at(8, 30)); // at least 30 min before the committed time
    const [card] = await baselineCards();
    expect(card).toMatchObject({ taskName: '05_dqc_check', channel: 'CALERTS', latestRunId: sync, owner: 'alice', status: 'open' });
    const posted = (await cardCalls())[0]!;
    const text = visibleText(posted.args);
    expect(text).toContain('05_dqc_check at risk for 09:00');
    expect(text).toMatch(/critical path: 00_sync_mysql_to_ods running \d+\.\d× its usual time → 04_transform_ods_to_dwd → 05_dqc_check/);
    expect(text).toContain('*Slow task*');
    expect(text).toContain('*Critical path*');
    const buttons = (posted.args.blocks as { type: string; elements?: { action_id: string; url?: string }[] }[]).find((x) => x.type === 'actions')!.elements!;
    expect(buttons.map((x) => x.action_id)).toEqual(['open_studio', 'triage_logs', 'triage_diagnose', 'triage_ack']);
    expect(buttons[0]!.url).toContain(`/ops/taskInst/${sync}`);
    // Later polls edit the same card as the estimate moves; one card in all.
    for (let t = first.t + 15 * MIN; t <= at(9, 15); t += 30 * MIN) await pollAt(t);
    expect(await baselineCards()).toHaveLength(1);
    const calls = await cardCalls();
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.slice(1).every((c) => c.method === 'chat.update')).toBe(true);
    expect(visibleText(calls.find((c) => /will miss 09:00 by/.test(visibleText(c.args)))?.args)).toContain('will miss 09:00 by ~');
    // Past 09:00 it is red.
    expect(visibleText(calls.at(-1)!.args)).toContain('🔴 05_dqc_check missed 09:00');
    // The sync ends at 10:00; the chain lands a few minutes later: the card closes, saying how late.
    for (let t = at(9, 30); t <= at(11); t += 15 * MIN) await pollAt(t);
    const [closed] = await baselineCards();
    expect(closed!.status).toBe('resolved');
    const last = visibleText((await cardCalls()).at(-1)!.args);
    expect(last).toMatch(/✅ 05_dqc_check — landed \d+ min after 09:00/);
    expect(thread(card!.ts!).join('\n')).toMatch(/`05_dqc_check` landed \d+ min after 09:00/);
  }, 180_000);

  it('a normal day posts no card', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS', policy: BASELINE_POLICY });
    for (let t = at(1, 45); t <= at(4); t += 15 * MIN) await pollAt(t);
    expect(await baselineCards()).toEqual([]);
    expect((await alerts().baselineWatcher.views())[0]).toMatchObject({ state: 'landed' });
    expect((await alerts().baselineWatcher.views())[0]!.lateByMs).toBeLessThan(-4 * 60 * MIN);
    expect(b.slack.callsOf('chat.postMessage').filter((c) => String(c.args.text).includes('05_dqc_check') && /at risk|late:/.test(String(c.args.text)))).toEqual([]);
  }, 120_000);

  it('a failure on the key path that the 04:00 commitment cannot wait for: the card names it', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS', policy: BASELINE_POLICY.replace('by: "09:00"', 'by: "04:00"') });
    b.clock.set(at(2, 30) + 10_000);
    b.sb.sim.advance();
    const transform = b.sb.store.taskByName('04_transform_ods_to_dwd')!;
    const run = b.sb.store.activeRuns().find((r) => r.task_id === transform.id)!;
    b.sb.sim.planFailure(run.id, failureById('sql_syntax')!, false);
    await pollAt(at(2, 45));
    expect(b.sb.store.run(run.id)!.status).toBe(RUN_STATUS.FAILED);
    // The rerun it needs (assumed 30 min after the failure) still lands before 04:00, inside the
    // margin: at risk, no card yet. Nobody reruns it: the estimate passes 04:00, and two polls
    // predicting the breach post the card, before 04:00.
    expect((await alerts().baselineWatcher.views())[0]).toMatchObject({ state: 'at_risk', breachPredicted: false, warn: false });
    expect(await baselineCards()).toEqual([]);
    let t = at(2, 45);
    while (!(await baselineCards()).length && t < at(4)) {
      t += 5 * MIN;
      await pollAt(t);
    }
    expect(t).toBeLessThan(at(4));
    const [card] = await baselineCards();
    expect(card).toMatchObject({ taskName: '05_dqc_check', latestRunId: run.id, status: 'open' });
    const text = visibleText((await cardCalls())[0]!.args);
    expect(text).toContain('05_dqc_check at risk for 04:00');
    expect(text).toMatch(
      /05_dqc_check (will miss 04:00 by ~\d+ min|cannot land by 04:00 until 04_transform_ods_to_dwd is rerun) — critical path: 04_transform_ods_to_dwd failed → 05_dqc_check/,
    );
    expect(text).toContain('*Failed task*');
    expect(text).toMatch(/04_transform_ods_to_dwd> — failed: CZLH-42000: Syntax error/);
    // Not a second card for the same cycle at the next poll.
    await pollAt(t + 5 * MIN);
    expect(await baselineCards()).toHaveLength(1);
  }, 120_000);

  it('/cz baseline add (operators, audited; bad input a clear error, audited), /cz baseline lists each with its state, Home shows them', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS', policy: BASELINE_POLICY });
    const say = async (text: string, user: string) => visibleText(await b.answer((await b.command(text, user)).responseId));
    const audit = async (user: string) => (await b.bot.services.audit.query({ actorId: user, limit: 1 }))[0];
    // Bad input: a clear error, nothing changed, the refusal audited.
    expect(await say('baseline add 04_transform_ods_to_dwd by 9am', USERS.operator)).toContain('is not a committed time');
    expect(await audit(USERS.operator)).toMatchObject({ action: 'baseline', outcome: 'refused' });
    expect(await say('baseline add 04_transform_ods_to_dwd by 48:00', USERS.operator)).toContain('hours go up to 47');
    expect(await say('baseline add 04_transform_ods_to_dwd by 09:00 margin soon', USERS.operator)).toContain('is not a margin');
    // A viewer may not; a task Studio does not know is refused by name.
    expect(await say('baseline add 04_transform_ods_to_dwd by 09:00', USERS.viewer)).toContain('*baseline_add* needs *operator*');
    expect(await audit(USERS.viewer)).toMatchObject({ action: 'baseline_add', outcome: 'refused', taskName: '04_transform_ods_to_dwd' });
    expect(await say('baseline add no_such_task by 09:00', USERS.operator)).toContain('no_such_task');
    expect(await audit(USERS.operator)).toMatchObject({ action: 'baseline_add', outcome: 'refused' });
    expect(await alerts().baselines()).toHaveLength(1);
    // An operator adds one past midnight, audited.
    expect(await say('baseline add 04_transform_ods_to_dwd by 25:30 margin 1h', USERS.operator)).toContain(
      'Added a baseline: `04_transform_ods_to_dwd` by 01:30 (+1 day) (daily), margin 60 min',
    );
    expect(await audit(USERS.operator)).toMatchObject({ action: 'baseline_add', outcome: 'succeeded', taskName: '04_transform_ods_to_dwd' });
    expect((await alerts().baselines()).map((x) => [x.task, x.hour, x.minute, x.marginMin])).toEqual([
      ['05_dqc_check', 9, 0, 30],
      ['04_transform_ods_to_dwd', 25, 30, 60],
    ]);
    await pollAt(b.clock.now());
    const list = await say('baseline', USERS.viewer);
    expect(list).toMatch(/✅ `05_dqc_check` by 09:00 \(margin 30 min\) — \*landed\*: landed .*, \d+ min early/);
    expect(list).toMatch(/`04_transform_ods_to_dwd` by 01:30 \(\+1 day\) \(margin 60 min\) — \*(landed|safe)\*/);
    // Home lists them.
    await b.event({ type: 'app_home_opened', user: USERS.viewer, tab: 'home', channel: 'D1' });
    const home = await until(() => b.slack.callsOf('views.publish').at(-1));
    expect(JSON.stringify(home.args.view)).toContain('*Baselines*');
    expect(JSON.stringify(home.args.view)).toContain('`05_dqc_check` by 09:00 — landed');
  }, 120_000);
});

describe('baselines: changes while a card is open, and at once', () => {
  /** A bot whose 05_dqc_check baseline (09:00) has a card open: the day's sync takes 480 × its usual time. */
  async function slowSyncCard() {
    b = await startBotHarness({ alertChannels: '*=CALERTS', policy: BASELINE_POLICY });
    b.clock.set(at(2) + 30_000);
    b.sb.sim.advance();
    expect(slowDownRun(b.sb.sim, '00_sync_mysql_to_ods', 480)).toBeDefined();
    let t = at(2, 15);
    while (!(await baselineCards()).length && t <= at(8, 45)) {
      await pollAt(t);
      t += 15 * MIN;
    }
    return (await baselineCards())[0];
  }

  it('a margin changed by /cz baseline add while its card is open: the card is edited with the new margin at the next poll (the estimate not moved)', async () => {
    const card = await slowSyncCard();
    expect(card).toBeDefined();
    const t0 = b.clock.now();
    // The same poll again: nothing moved, nothing redrawn.
    const edits = () => b.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === card!.ts);
    const before = edits().length;
    await pollAt(t0);
    expect(edits()).toHaveLength(before);
    const say = async (text: string) => visibleText(await b.answer((await b.command(text, USERS.operator)).responseId));
    expect(await say('baseline add 05_dqc_check by 09:00 margin 45m')).toContain('Changed the baseline: `05_dqc_check` by 09:00 (daily), margin 45 min');
    await pollAt(t0);
    expect(edits().length).toBeGreaterThan(before);
    const text = visibleText(edits().at(-1)!.args);
    expect(text).toContain('09:00 (margin 45 min)');
    expect((await alerts().baselineWatcher.views())[0]).toMatchObject({ task: '05_dqc_check', marginMin: 45 });
    expect(await baselineCards()).toHaveLength(1);
  }, 180_000);

  it('a committed time changed while its card is open: the old card is closed as no longer watched, saying the new time', async () => {
    const card = await slowSyncCard();
    expect(card?.status).toBe('open');
    const say = async (text: string) => visibleText(await b.answer((await b.command(text, USERS.operator)).responseId));
    expect(await say('baseline add 05_dqc_check by 23:00 margin 30m')).toContain('Changed the baseline');
    await pollAt(b.clock.now());
    const [closed] = (await baselineCards()).filter((c) => c.id === card!.id);
    expect(closed).toMatchObject({ status: 'resolved', resolvedHow: 'no longer watched: the baseline is now by 23:00' });
    const edit = b.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === card!.ts).at(-1)!;
    expect(visibleText(edit.args)).toContain('05_dqc_check — no longer watched: the baseline is now by 23:00');
    expect(thread(card!.ts!).join('\n')).toContain('no longer watched');
    // Polled again: nothing reopens the old card.
    await pollAt(b.clock.now() + 60_000);
    expect((await baselineCards()).filter((c) => c.id === card!.id && c.status === 'open')).toHaveLength(0);
  }, 180_000);

  it('two baselines added at once (two people, one stored list): neither is lost', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS', policy: BASELINE_POLICY });
    const one = { task: '04_transform_ods_to_dwd', cycle: 'daily' as const, hour: 8, minute: 0, marginMin: 30, by: USERS.operator };
    const two = { task: '00_sync_mysql_to_ods', cycle: 'daily' as const, hour: 6, minute: 0, marginMin: 20, by: USERS.admin };
    const answers = await Promise.all([alerts().addBaseline(one), alerts().addBaseline(two)]);
    expect((await alerts().baselines()).map((x) => x.task).sort()).toEqual(['00_sync_mysql_to_ods', '04_transform_ods_to_dwd', '05_dqc_check']);
    expect(answers.map((a) => a?.replaced)).toEqual([false, false]);
    // Changing one while the other is added: one entry per task, the change kept.
    const changed = await Promise.all([alerts().addBaseline({ ...one, marginMin: 45 }), alerts().addBaseline({ ...two, task: '01_sync_pg_to_ods' })]);
    const all = await alerts().baselines();
    expect(all.map((x) => [x.task, x.marginMin]).sort()).toEqual([
      ['00_sync_mysql_to_ods', 20],
      ['01_sync_pg_to_ods', 20],
      ['04_transform_ods_to_dwd', 45],
      ['05_dqc_check', 30],
    ]);
    expect(changed.map((a) => a?.replaced)).toEqual([true, false]);
  }, 60_000);
});

describe('baselines: a slow day simulated now (the sandbox control behind the playground)', () => {
  it('the chain started again with its sync slow: the watcher posts the card for a baseline committed minutes ahead, naming the sync; red once the time passes; closed on landing with the minutes late', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    b.clock.set(at(12));
    b.sb.sim.advance();
    const admin = async (path: string, body: unknown) =>
      (await (
        await fetch(`${b.sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sandbox-admin': b.sb.accessToken }, body: JSON.stringify(body) })
      ).json()) as {
        code: number | string;
        message?: string;
        data: { planTime: number; slow: { task: string; runId: number; usualMs: number; durationMs: number }; runs: { task: string; runId: number }[] };
      };
    // Bad input: a clear error, nothing started.
    expect(await admin('/__sandbox/slow-day', { task: 'no_such_task' })).toMatchObject({ code: 'PARAM_ERROR', message: 'No task named no_such_task.' });
    const day = await admin('/__sandbox/slow-day', { task: '05_dqc_check', factor: 5 });
    expect(day.code).toBe(0);
    expect(day.data.slow.task).toBe('00_sync_mysql_to_ods');
    expect(day.data.runs.map((r) => r.task)).toContain('04_transform_ods_to_dwd');
    expect(day.data.runs.at(-1)!.task).toBe('05_dqc_check');
    // The sync has been running twice its usual time; what waits on it waits.
    expect(b.sb.store.run(day.data.slow.runId)).toMatchObject({ status: RUN_STATUS.RUNNING, start_time: day.data.planTime });
    expect(b.sb.store.run(day.data.runs.at(-1)!.runId)!.status).not.toBe(RUN_STATUS.RUNNING);
    const say = async (text: string) => visibleText(await b.answer((await b.command(text, USERS.operator)).responseId));
    expect(await say('baseline add 05_dqc_check by 12:10 margin 5m')).toContain('Added a baseline');
    await pollAt(at(12));
    await pollAt(at(12, 1));
    const [card] = await baselineCards();
    expect(card).toMatchObject({ taskName: '05_dqc_check', latestRunId: day.data.slow.runId, status: 'open' });
    const posted = visibleText((await cardCalls())[0]!.args);
    expect(posted).toContain('05_dqc_check at risk for 12:10');
    expect(posted).toMatch(/critical path: 00_sync_mysql_to_ods running \d+\.\d× its usual time → .*05_dqc_check/);
    // Diagnose on it: the slow run has not failed, and says so (not "no known cause matched").
    const diagnose = ((await cardCalls())[0]!.args.blocks as { elements?: { action_id: string; value?: string }[] }[])
      .flatMap((x) => x.elements ?? [])
      .find((e) => e.action_id === 'triage_diagnose')!;
    await b.click('triage_diagnose', diagnose.value!, USERS.operator);
    const said = await until(async () => {
      await alerts().flush();
      return thread(card!.ts!).find((t) => t.includes('Diagnosis of run'));
    });
    expect(said).toContain('This run has not failed');
    expect(said).not.toContain('No known cause matched');
    // Past 12:10 the same card is red.
    await pollAt(at(12, 11));
    expect(visibleText((await cardCalls()).at(-1)!.args)).toContain('🔴 05_dqc_check missed 12:10');
    // The sync ends at 5 × its usual time; the chain lands after it: closed, saying how late.
    let t = at(12, 11);
    while ((await baselineCards())[0]!.status === 'open' && t < at(18)) {
      t += 15 * MIN;
      await pollAt(t);
    }
    expect(visibleText((await cardCalls()).at(-1)!.args)).toMatch(/✅ 05_dqc_check — landed \d+ min after 12:10/);
    expect(await baselineCards()).toHaveLength(1);
  }, 180_000);
});

describe('baselines: a slow day started while the chain’s own runs of the day exist', () => {
  // The demo chain fires at 02:00 (sync), 02:30 (transform) and 03:00 (check), UTC. A slow day
  // started inside those hours used to leave the day's own runs newer than its own, and the
  // watcher followed those instead of the slow sync (the playground's card named 04_transform).
  it.each([
    [2, 40],
    [3, 5],
    [2, 5],
  ])(
    'started at %i:%i — the card names the slow sync, and the day’s own runs of the chain are gone',
    async (h, m) => {
      b = await startBotHarness({ alertChannels: '*=CALERTS' });
      b.clock.set(at(h, m));
      b.sb.sim.advance();
      const res = (await (
        await fetch(`${b.sb.url}/__sandbox/slow-day`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sandbox-admin': b.sb.accessToken },
          body: JSON.stringify({ task: '05_dqc_check' }),
        })
      ).json()) as { code: number; data: { planTime: number; runs: { task: string; runId: number }[] } };
      expect(res.code).toBe(0);
      const ours = new Set(res.data.runs.map((r) => r.runId));
      for (const r of res.data.runs) {
        const task = b.sb.store.taskByName(r.task)!;
        const today = b.sb.store.runsOfTaskPlanned(task.id, DAY2, at(24)).filter((x) => !ours.has(x.id));
        expect(today.map((x) => x.plan_time)).toEqual([]);
      }
      const by = new Date(at(h, m) + 10 * MIN).toISOString().slice(11, 16);
      const say = async (text: string) => visibleText(await b.answer((await b.command(text, USERS.operator)).responseId));
      expect(await say(`baseline add 05_dqc_check by ${by} margin 5m`)).toContain('Added a baseline');
      await pollAt(at(h, m));
      await pollAt(at(h, m) + MIN);
      const posted = visibleText((await cardCalls())[0]!.args);
      expect(posted).toContain(`05_dqc_check at risk for ${by}`);
      expect(posted).toMatch(/critical path: 00_sync_mysql_to_ods running \d+\.\d× its usual time/);
      // The chain does not fire again today; tomorrow it fires as it always does.
      const sync = b.sb.store.taskByName('00_sync_mysql_to_ods')!;
      const day = 24 * 60 * MIN;
      b.clock.set(at(24) - MIN);
      b.sb.sim.advance();
      expect(b.sb.store.runsOfTaskPlanned(sync.id, DAY2, DAY2 + day).map((r) => r.id)).toEqual([res.data.runs[0]!.runId]);
      b.clock.set(at(3) + day);
      b.sb.sim.advance();
      expect(b.sb.store.runsOfTaskPlanned(sync.id, DAY2 + day, DAY2 + 2 * day).map((r) => r.plan_time)).toEqual([at(2) + day]);
    },
    120_000,
  );
});
