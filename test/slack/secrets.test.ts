/**
 * Planted secrets across every surface (issue 14): the corpus goes into a failed run's failure
 * message and log, and into a task's content, description and parameters in the sandbox; then every
 * way the bot shows them is used — /cz run, runs, task, logs, the rerun confirmation, Diagnose, the
 * message shortcut, the alert card and its thread. Nothing Slack received may contain a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, USERS, startBotHarness } from '../helpers/bot.js';
import { CORPUS } from '../fixtures/secrets/corpus.js';

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
    const card = alerts.store.cards().find((c) => c.latestRunId === run.id);
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
