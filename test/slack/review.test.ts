/** /cz check with its Fix buttons (through the operations path) and /cz cron, through the HTTP receiver. */
import { describe, expect, it } from 'vitest';
import { storedConfiguration } from '../../src/sandbox/configuration.js';
import { taskKindByKey } from '../../src/studio/enums.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness(); // closed after the file, with no Block Kit limit broken

type Blocks = { type: string; accessory?: { action_id: string; value: string }; elements?: { action_id: string; value: string }[] }[];
const fixButtons = (msg: Record<string, unknown>) =>
  (msg.blocks as Blocks)
    .map((x) => x.accessory)
    .filter((a) => a?.action_id === 'review_fix')
    .map((a) => JSON.parse(a!.value) as Record<string, unknown>);
const confirmValue = (msg: Record<string, unknown>) => (msg.blocks as Blocks).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;

describe('/cz check', () => {
  it('reports legacy_dw grouped P0/P1/P2 with evidence and fixes; the clean folder has no findings', async () => {
    const r = await b.command('check legacy_dw', USERS.viewer);
    const msg = await b.answer(r.responseId);
    const text = visibleText(msg);
    expect(text).toMatch(/1 P0 · 13 P1 · 2 P2/);
    expect(text.indexOf('P0* `etl-without-upstream`')).toBeLessThan(text.indexOf('P1* `'));
    expect(text).toContain('etl_cycle_a → etl_cycle_b → etl_cycle_a');
    expect(fixButtons(msg)).toEqual([expect.objectContaining({ kind: 'add_dependency', dependsOnName: 'sync_legacy_mysql' })]);
    const clean = visibleText(await b.answer((await b.command('check ecommerce_dw', USERS.viewer)).responseId));
    expect(clean).toContain('No findings: this folder follows the standard.');
  });

  it('Fix on an online task whose deploy pre-check fails changes nothing and names the failing parameter', async () => {
    const task = b.sb.store.taskByName('etl_orders_daily')!;
    // Someone edited the task in Studio: its SQL now uses a parameter nobody defined.
    b.sb.store.updateTask(task.id, { content: `${task.content}\n-- region: \${region_code}` });
    const since = b.sb.journal.length;
    const msg = await b.answer((await b.command('check legacy_dw', USERS.viewer)).responseId);
    const confirm = await b.answer((await b.click('review_fix', JSON.stringify(fixButtons(msg)[0]), USERS.admin)).responseId);
    const done = await b.click('op_confirm', confirmValue(confirm), USERS.admin);
    const text = visibleText(await b.answer(done.responseId));
    expect(text).toContain('parameter `region_code` (not defined in the task parameters or the workspace parameters)');
    expect(text).toContain('Nothing was deployed');
    const sent = b.sb.journal.slice(since).map((e) => e.path);
    expect(sent).toContain('/ide-admin/v1/workspaceParams/task/preCheck');
    expect(sent).not.toContain('/ide-admin/v1/dataFile/submit');
    expect(sent).not.toContain('/ide-admin/v1/dataFileConfiguration/saveDataFileConfiguration');
    expect(b.sb.store.taskByName('etl_orders_daily')).toMatchObject({ deps_json: '[]', version: task.version, flow_status: task.flow_status });
    expect((await b.bot.services.audit.query({ action: 'fix', limit: 2 })).map((x) => x.outcome)).toEqual(['failed', 'requested']);
    b.sb.store.updateTask(task.id, { content: task.content });
  });

  it('Fix adds the missing upstream through confirmation, authorised at click time, audited, and redeploys', async () => {
    const msg = await b.answer((await b.command('check legacy_dw', USERS.viewer)).responseId);
    const fix = JSON.stringify(fixButtons(msg)[0]);
    const denied = await b.click('review_fix', fix, USERS.operator); // operator, but not for legacy_dw
    expect(visibleText(await b.answer(denied.responseId))).toContain('*fix* needs *operator*');
    const asked = await b.click('review_fix', fix, USERS.admin);
    const confirm = await b.answer(asked.responseId);
    expect(visibleText(confirm)).toContain('Make `etl_orders_daily` depend on `sync_legacy_mysql`?');
    const task = b.sb.store.taskByName('etl_orders_daily')!;
    expect(JSON.parse(task.deps_json)).toEqual([]);
    const before = storedConfiguration(b.sb.store.task(task.id)!);
    const done = await b.click('op_confirm', confirmValue(confirm), USERS.admin);
    expect(visibleText(await b.answer(done.responseId))).toContain('etl_orders_daily now depends on sync_legacy_mysql and was redeployed');
    // Every other configuration field is exactly as it was (Studio resets what a save omits), and so are the parameters.
    const afterCfg = storedConfiguration(b.sb.store.task(task.id)!);
    for (const key of Object.keys(before) as (keyof typeof before)[]) expect({ key, value: afterCfg[key] }).toEqual({ key, value: before[key] });
    expect(b.sb.store.task(task.id)!.params_json).toBe(task.params_json);
    const after = b.sb.store.taskByName('etl_orders_daily')!;
    expect(JSON.parse(after.deps_json)).toEqual([{ taskId: b.sb.store.taskByName('sync_legacy_mysql')!.id, taskName: 'sync_legacy_mysql', depStrategy: 0, parseType: 1 }]);
    expect(after.cron).toBe('0 0 3 * * ? *'); // the schedule is kept
    expect(after.version).toBe(task.version + 1);
    expect((await b.bot.services.audit.query({ action: 'fix', limit: 2 })).map((x) => x.outcome)).toEqual(['succeeded', 'requested']);
    const recheck = visibleText(await b.answer((await b.command('check legacy_dw', USERS.viewer)).responseId));
    expect(recheck).not.toContain('etl-without-upstream');
  });

  it('Fix clears the schedule of a DDL draft', async () => {
    const folder = b.sb.store.folders().find((f) => f.name === 'ecommerce_dw')!.id;
    const id = await b.client.createTask({ name: '02b_ddl_extra', kind: taskKindByKey('SQL')!, folderId: folder });
    await b.client.saveTaskContent(id, 'CREATE TABLE IF NOT EXISTS ecommerce_dwd.extra (id BIGINT);');
    await b.client.updateTaskConfiguration(id, { cron: '0 0 1 * * ? *', dependencies: [], vcCode: 'default' });
    const msg = await b.answer((await b.command('check ecommerce_dw', USERS.viewer)).responseId);
    expect(visibleText(msg)).toContain('P2* `ddl-scheduled`');
    const fix = fixButtons(msg).find((f) => f.kind === 'clear_ddl_schedule')!;
    const confirm = await b.answer((await b.click('review_fix', JSON.stringify(fix), USERS.operator)).responseId);
    const done = await b.click('op_confirm', confirmValue(confirm), USERS.operator);
    expect(visibleText(await b.answer(done.responseId))).toContain('Cleared the cron and dependencies of 02b_ddl_extra');
    expect(b.sb.store.task(id)).toMatchObject({ cron: null, deps_json: '[]', content: 'CREATE TABLE IF NOT EXISTS ecommerce_dwd.extra (id BIGINT);' });
  });
});

describe('/cz cron', () => {
  it("shows Studio's form, the words, restrictions with the nearest valid expression, and next runs in the person's and the workspace's time zones", async () => {
    const ok = visibleText(await b.answer((await b.command('cron 30 2 * * *', USERS.viewer)).responseId));
    expect(ok).toContain("`0 30 2 * * ? *`* — Studio's 7-field form of your 5-field `30 2 * * *`");
    expect(ok).toContain('At 02:30, every day');
    expect(ok).toContain('Studio accepts it.');
    expect(ok).toContain('your time zone (Europe/Berlin)'); // from users.info
    expect(ok).toContain('workspace (UTC)');
    expect(ok).toMatch(/Sun, 22\/11\/2026, 03:30 CET/); // 02:30 UTC seen from Berlin
    const bad = visibleText(await b.answer((await b.command('cron 0 0/7 * L * ? *', USERS.viewer)).responseId));
    expect(bad).toContain('`L` (last day) is not supported');
    expect(bad).toContain('*Nearest valid:* `0 0/5 0-23 28 * ? *`');
    const junk = visibleText(await b.answer((await b.command('cron hello', USERS.viewer)).responseId));
    expect(junk).toContain('a cron has 5 fields');
    // The example is given once (the reader's problem names it; it was repeated below it).
    for (const text of ['cron hello', 'cron 0 61 * * *']) {
      const said = visibleText(await b.answer((await b.command(text, USERS.viewer)).responseId));
      expect(said.split('30 2 * * *').length - 1, `${text}: ${said}`).toBe(1);
    }
  });
});
