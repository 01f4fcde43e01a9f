/**
 * Planted secrets across every surface (issue 14): the corpus goes into a failed run's failure
 * message and log, and into a task's content, description and parameters in the sandbox; then every
 * way the bot shows them is used — /cz run, runs, task, logs, the rerun confirmation, Diagnose, the
 * message shortcut, the alert card and its thread. Nothing Slack received may contain a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, USERS, startBotHarness } from '../helpers/bot.js';
import { CORPUS } from '../fixtures/secrets/corpus.js';
import { KINDS, generateCases, leakedPart } from '../fixtures/secrets/generated.js';

let b: BotHarness;
beforeAll(async () => {
  b = await startBotHarness({ alertChannels: '*=CALERTS' });
});
afterAll(async () => {
  await b.close();
});

/** Everything the stand-in for Slack received: Web API calls and response_url posts. */
function everythingSlackSaw(): string {
  return JSON.stringify([b.slack.calls.map((c) => c.args), b.slack.responses.map((r) => r.body)]);
}

describe('planted secrets never reach Slack', () => {
  it('from run logs, failure messages, task content, description and parameters, on every surface', async () => {
    const task = b.sb.store.taskByName('04_transform_ods_to_dwd')!;
    const run = b.sb.store.db.prepare('SELECT id FROM runs WHERE task_id = ? AND status = 3 ORDER BY id DESC LIMIT 1').get(task.id) as { id: number };
    const lines = CORPUS.map((c) => c.line);
    // The failure message carries secrets (one per run shown), the log all of them.
    b.sb.store.updateRun(run.id, { fail_msg: `Job failed: ${lines.slice(0, 8).join(' | ')}`, end_time: b.clock.now() - 60_000 });
    b.sb.sim.setAttemptLog(run.id, `2026-11-21 09:00:00 [INFO] start\n${lines.join('\n')}\n2026-11-21 09:00:05 [ERROR] CZLH-42000: syntax error near 'FORM'`);
    b.sb.store.updateTask(task.id, {
      description: `owner notes: ${lines[4]}`,
      content: `-- ${lines[9]}\n${task.content}`,
      params_json: JSON.stringify([{ paramKey: 'db_password', paramValue: CORPUS[2]!.secret, paramType: 'manual', encrypt: false, id: '9', ignore: false, ref: 0 }]),
    });

    const show = async (text: string, user = USERS.admin) => b.answer((await b.command(text, user)).responseId);
    await show(`run ${run.id}`);
    await show(`runs 04_transform_ods_to_dwd --status failed`);
    await show(`task 04_transform_ods_to_dwd`);
    for (const tail of [40, 1000]) await show(`logs ${run.id} --tail ${tail}`);
    const confirm = await show(`rerun ${run.id}`);
    const diag = await b.click('run_diagnose', String(run.id), USERS.admin);
    await b.answer(diag.responseId);
    await b.shortcut('diagnose_message', { text: `see ${b.sb.url}/ops/taskInst/${run.id}`, user: 'UOTHERBOT' }, USERS.viewer);
    await b.shortcut('diagnose_message', { text: `pasted: ${lines.slice(10, 20).join('\n')}`, user: 'UOTHERBOT' }, USERS.viewer);
    // The alert card for the run, and its thread (Logs, Diagnose).
    const alerts = b.bot.services.alerts!;
    await alerts.poll();
    await alerts.flush();
    const card = (await alerts.store.cards()).find((c) => c.latestRunId === run.id);
    expect(card).toBeDefined();
    for (const action of ['triage_logs', 'triage_diagnose'])
      await b.click(action, JSON.stringify({ c: card!.id, r: run.id }), USERS.admin, { channel: 'CALERTS', messageTs: card!.ts!, ephemeral: false });
    await new Promise((r) => setTimeout(r, 300));
    await alerts.flush();
    void confirm;

    const seen = everythingSlackSaw();
    const leaked = CORPUS.filter((c) => seen.includes(c.secret)).map((c) => c.kind);
    expect(leaked).toEqual([]);
    expect(seen).toContain('[redacted]'); // it was there, and was masked
    expect(b.slack.violations).toEqual([]);
  });
});

/**
 * Issue 27: 100 generated kinds × 6 embeddings planted where each embedding lives — the attempt log
 * (a log line, the SQL a SQL task echoes, an escaped JSON event, a Chinese message), the failure
 * message, the task's SQL and a task parameter — then every surface: /cz run, logs (every page),
 * runs, task, execute (the parameters it will use), Diagnose, Share in channel, the message
 * shortcut, alert cards with their Logs / Diagnose threads, and the Home tab. Nothing Slack
 * received (Web API calls, response_url posts, acks) may hold any 12 characters of a secret.
 */
describe('generated secrets (issue 27) never reach Slack', () => {
  let g: BotHarness;
  beforeAll(async () => {
    g = await startBotHarness({ alertChannels: '*=CALERTS' });
  });
  afterAll(async () => {
    await g.close();
  });

  /** Every string Slack received, decoded as a person reads it (JSON inside strings opened, mrkdwn entities decoded). */
  function everyString(): string {
    const out: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        out.push(v);
        if (/^\s*[[{]/.test(v)) {
          try {
            walk(JSON.parse(v));
          } catch {
            // not JSON
          }
        }
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(g.slack.calls.map((c) => c.args));
    walk(g.slack.responses.map((r) => r.body));
    walk(g.acks);
    return out.join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  /** Run `work` over `items`, `n` at a time. */
  async function inBatches<T>(items: T[], n: number, work: (x: T) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(work));
  }

  type Answer = Record<string, unknown>;
  const buttonValue = (m: Answer, actionId: string): string | undefined =>
    ((m.blocks as { elements?: { action_id?: string; value?: string }[] }[] | undefined) ?? []).flatMap((x) => x.elements ?? []).find((e) => e.action_id === actionId)?.value;

  it('planted in the sandbox and driven through every surface, including Share in channel', { timeout: 300_000 }, async () => {
    const cases = generateCases();
    const store = g.sb.store;
    const template = store.taskByName('04_transform_ods_to_dwd')!;
    const now = g.clock.now();
    const of = (ki: number, e: string) => cases.find((c) => c.kind === KINDS[ki]!.id && c.embedding === e)!.text;
    // Kinds in groups, one task and one failed run per group, each failure message small enough to be shown whole.
    const groups: number[][] = [];
    KINDS.forEach((_k, ki) => {
      const last = groups.at(-1);
      const size = (last ?? []).reduce((n, i) => n + of(i, 'failure message').length, 0);
      if (last && last.length < 4 && size + of(ki, 'failure message').length < 1300) last.push(ki);
      else groups.push([ki]);
    });
    const planted: { group: number; taskName: string; runId: number }[] = [];
    groups.forEach((kinds, gi) => {
      const taskName = `secret_probe_${gi}`;
      const { id: _id, name: _name, ...rest } = template;
      const taskId = store.insertTask({
        ...rest,
        name: taskName,
        cron: null,
        deps_json: '[]',
        published_json: null,
        content: kinds.map((ki) => `${of(ki, 'task SQL')}\nSELECT '\${source_conn_${ki}}' AS source_conn;`).join('\n'),
        params_json: JSON.stringify(
          kinds.map((ki) => ({ paramKey: `source_conn_${ki}`, paramValue: of(ki, 'task parameter'), paramType: 'manual', encrypt: false, id: String(ki), ignore: false, ref: 0 })),
        ),
      });
      const runId = store.insertRun({
        task_id: taskId,
        instance_type: 1,
        status: 3,
        plan_time: now - 300_000,
        ready_at: now - 300_000,
        trigger_time: now - 300_000,
        start_time: now - 280_000,
        end_time: now - 60_000,
        fail_type: 'RUNTIME_ERROR',
        fail_msg: kinds.map((ki) => of(ki, 'failure message')).join('\n'),
        executor: 'scheduler',
        vc_code: template.vc_code,
        biz_date: '2026-11-21',
        duration_ms: 220_000,
        attempts: 1,
      });
      const log = [
        `2026-11-21 09:00:00.000 [INFO] Task instance ${runId} (${taskName}) attempt 1 started by scheduler`,
        // A SQL task's log echoes the statements it runs.
        ...kinds.flatMap((ki) => [
          of(ki, 'log line'),
          `2026-11-21 09:00:01.500 [INFO] SQL: ${of(ki, 'task SQL')}`,
          of(ki, 'escaped JSON'),
          `2026-11-21 09:00:03.000 [ERROR] ${of(ki, 'Chinese context')}`,
        ]),
        "2026-11-21 09:00:04.000 [ERROR] CZLH-42000: syntax error near 'FORM'",
      ].join('\n');
      store.insertAttempt({
        run_id: runId,
        seq: 1,
        created_at: now - 280_000,
        start_time: now - 280_000,
        end_time: now - 60_000,
        finish_result: 'FAILED',
        log,
        created_by: 'scheduler',
      });
      planted.push({ group: gi, taskName, runId });
    });

    const show = async (text: string) => g.answer((await g.command(text, USERS.admin)).responseId);
    await inBatches(planted, 4, async (p) => {
      const run = await show(`run ${p.runId}`);
      expect(JSON.stringify(run)).toContain(String(p.runId));
      // Every page of the log, newest first.
      let page = await show(`logs ${p.runId} --tail 1000`);
      for (let i = 0; i < 10; i++) {
        const prev = buttonValue(page, 'logs_page_prev');
        if (!prev) break;
        page = await g.answer((await g.click('logs_page_prev', prev, USERS.admin)).responseId);
      }
      await g.answer((await g.click('run_diagnose', String(p.runId), USERS.admin)).responseId);
      await show(`execute ${p.taskName}`);
      // Share in channel: the same answer posted for everyone.
      await g.answer((await g.click('share_reply', `run ${p.runId}`, USERS.admin)).responseId);
      if (p.group % 4 === 0) {
        await show(`task ${p.taskName}`);
        await show(`runs ${p.taskName} --status failed`);
      }
    });
    // The message shortcut on pasted text (an alert from another tool), ten cases at a time.
    const pasted = cases.filter((c) => c.embedding === 'log line' || c.embedding === 'Chinese context');
    for (let i = 0; i < pasted.length; i += 20)
      await g.shortcut(
        'diagnose_message',
        {
          text: `pasted: ${pasted
            .slice(i, i + 20)
            .map((c) => c.text)
            .join('\n')}`,
          user: 'UOTHERBOT',
        },
        USERS.viewer,
      );
    // The alert cards (a storm: a digest, the cards in its thread), their Logs and Diagnose threads, the Home tab.
    const alerts = g.bot.services.alerts!;
    await alerts.poll();
    await alerts.flush();
    const cards = (await alerts.store.cards()).filter((c) => planted.some((p) => p.runId === c.latestRunId));
    expect(cards.length).toBe(planted.length);
    await inBatches(cards, 4, async (card) => {
      for (const action of ['triage_logs', 'triage_diagnose'])
        await g.click(action, JSON.stringify({ c: card.id, r: card.latestRunId }), USERS.admin, { channel: 'CALERTS', messageTs: card.ts!, ephemeral: false });
    });
    await g.event({ type: 'app_home_opened', user: USERS.admin, channel: `D${USERS.admin}`, tab: 'home' });
    await new Promise((r) => setTimeout(r, 500));
    await alerts.flush();

    const seen = everyString();
    const leaks = cases.flatMap((c) =>
      c.secrets
        .map((s) => leakedPart(seen, s))
        .filter((x) => x !== undefined)
        .map((x) => `${c.kind} / ${c.embedding}: ${x}`),
    );
    expect(leaks).toEqual([]);
    // Each secret's place was shown (the marker after it reached Slack), so a leak would have been seen;
    // a parameter is shown as its first 60 characters, so its marker is not.
    const unseen = cases.filter((c) => c.embedding !== 'task parameter' && !seen.includes(c.tag)).map((c) => `${c.kind} / ${c.embedding}`);
    expect(unseen).toEqual([]);
    expect(KINDS.filter((_k, ki) => !seen.includes(`source_conn_${ki}`))).toEqual([]);
    expect(g.slack.violations).toEqual([]);
  });
});
