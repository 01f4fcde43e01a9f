/** `/cz execute <task> [--param k=v]`: a temporary run through confirmation, policy, idempotency and audit. */
import { describe, expect, it } from 'vitest';
import { RUN_TYPE } from '../../src/studio/enums.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();
const EXECUTE = '/ide-admin/v1/adhoc/execute';

type Blocks = { type: string; elements?: { action_id: string; value: string }[] }[];
const confirmValue = (msg: Record<string, unknown>) => (msg.blocks as Blocks).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;

describe('/cz execute', () => {
  it('warns of every parameter a manual run will not resolve: a saved `biz_date = $[yyyy-MM-dd]` (seed 003) and a `$[…]` in the content; --param resolves it', async () => {
    const folder = b.sb.store.folders().find((f) => f.name === 'ecommerce_dw')!;
    b.sb.store.insertTask({
      name: 'seed003_clean_py',
      file_type: 4,
      folder_id: folder.id,
      owner: 'alice',
      created_at: b.clock.now(),
      content: "INSERT OVERWRITE TABLE api_clean.events SELECT * FROM api_raw.events WHERE dt = '${biz_date}' AND loaded < '$[yyyy-MM-dd HH:mm:ss]';",
      params_json: JSON.stringify([{ paramKey: 'biz_date', paramValue: '$[yyyy-MM-dd]', paramType: 'manual', encrypt: false, id: '1', ignore: false, ref: 0 }]),
    });
    const text = visibleText(await b.answer((await b.command('execute ecommerce_dw/seed003_clean_py')).responseId));
    expect(text).toContain('`biz_date` = `$[yyyy-MM-dd]` (saved)');
    expect(text).toContain('`${biz_date}` (saved as `$[yyyy-MM-dd]`, an expression) is not resolved in a temporary run');
    expect(text).toContain('`--param biz_date=…`');
    expect(text).toContain('`$[yyyy-MM-dd HH:mm:ss]` in the content is not resolved by hand');
    const given = visibleText(await b.answer((await b.command('execute ecommerce_dw/seed003_clean_py --param biz_date=2026-11-20')).responseId));
    expect(given).toContain('`biz_date` = `2026-11-20`');
    expect(given).not.toContain('`${biz_date}`');
    expect(b.requests(EXECUTE)).toHaveLength(0);
  });

  it('bad input and a viewer are refused, nothing reaches Studio, and the refusals are audited', async () => {
    const bad = visibleText(await b.answer((await b.command('execute 04_transform_ods_to_dwd --param =x')).responseId));
    expect(bad).toContain('is not key=value');
    const unknown = visibleText(await b.answer((await b.command('execute no_such_task')).responseId));
    expect(unknown).toContain('No task named "no_such_task"');
    const viewer = visibleText(await b.answer((await b.command('execute 04_transform_ods_to_dwd', USERS.viewer)).responseId));
    expect(viewer).toContain('*execute* needs *operator*');
    const realtime = visibleText(await b.answer((await b.command('execute rt_sync_kafka_orders', USERS.admin)).responseId));
    expect(realtime).toContain('runs continuously once deployed');
    expect(b.requests(EXECUTE)).toHaveLength(0);
    const refused = (await b.bot.services.audit.query({ action: 'execute', limit: 10 })).filter((r) => r.outcome === 'refused');
    expect(refused.length).toBeGreaterThanOrEqual(2);
  });

  it('asks to confirm with the parameters it will use, warns of ${bizdate}, runs once on two clicks, and reports the end', async () => {
    const r = await b.command('execute 04_transform_ods_to_dwd');
    const ask = await b.answer(r.responseId);
    const text = visibleText(ask);
    expect(text).toContain('Run 04_transform_ods_to_dwd once now?');
    expect(text).toContain('`bizdate` = `$[yyyy-MM-dd-1]` (saved)');
    expect(text).toContain('not resolved in a temporary run');
    expect(text).toContain('`--param bizdate=…`');

    // With the parameter given, the warning goes; two people click Confirm at once: one run.
    const ok = await b.answer((await b.command('execute 04_transform_ods_to_dwd --param bizdate=2026-11-20')).responseId);
    expect(visibleText(ok)).toContain('`bizdate` = `2026-11-20`');
    expect(visibleText(ok)).not.toContain('not resolved');
    const opId = confirmValue(ok);
    const [c1, c2] = await Promise.all([b.click('op_confirm', opId, USERS.operator), b.click('op_confirm', opId, USERS.admin)]);
    const answers = [visibleText(await b.answer(c1.responseId)), visibleText(await b.answer(c2.responseId))];
    expect(b.requests(EXECUTE)).toHaveLength(1);
    const sent = b.requests(EXECUTE)[0]!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ dataFileId: b.sb.store.taskByName('04_transform_ods_to_dwd')!.id, params: { bizdate: '2026-11-20' }, collectType: 0, maxRowSize: 5000 });
    expect(String(sent.dataFileContent)).toContain('INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail');
    const started = answers.find((a) => a.includes('started in Studio'))!;
    const runId = Number(/Temporary run (\d+)/.exec(started)![1]);
    expect(b.sb.store.run(runId)).toMatchObject({ instance_type: RUN_TYPE.TEMP, task_id: b.sb.store.taskByName('04_transform_ods_to_dwd')!.id });
    const rows = await b.bot.services.audit.byOp(opId);
    expect(rows.map((x) => x.outcome)).toEqual(['requested', 'succeeded']);
    expect(rows[1]!.studioRequestId).toBe(b.requests(EXECUTE)[0]!.headers['x-request-id']);

    // The run is watched: the reply says how it ended.
    b.clock.advance(2 * 60_000);
    expect(await b.bot.watcher.tick()).toBe(1);
    const finished = b.slack.responses.map((x) => visibleText(x.body)).find((t) => t.includes(`the temporary run`));
    expect(finished).toContain(`finished: *${b.sb.store.run(runId)!.status === 1 ? 'SUCCESS' : 'FAILED'}*`);
  });

  it('secret-looking parameters reach Studio as given but never the audit log', async () => {
    const ok = await b.answer((await b.command('execute 04_transform_ods_to_dwd --param db_password=hunter2 --param api_token=abc123xyz --param threshold=0.01')).responseId);
    const opId = confirmValue(ok);
    await b.answer((await b.click('op_confirm', opId, USERS.operator)).responseId);
    expect((b.requests(EXECUTE).at(-1)!.body as { params: Record<string, string> }).params).toMatchObject({ db_password: 'hunter2', api_token: 'abc123xyz', threshold: '0.01' });
    const rows = await b.bot.services.audit.byOp(opId);
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) {
      expect(r.params).toMatchObject({ params: { db_password: '[redacted]', api_token: '[redacted]', threshold: '0.01' } });
      expect(JSON.stringify(r)).not.toMatch(/hunter2|abc123xyz/);
    }
    expect((await b.bot.services.audit.verify()).ok).toBe(true);
  });

  it('the connection drops after Studio started the run: the run is found, reported once, and not started again', async () => {
    b.sb.faults.add({ path: EXECUTE, kind: 'drop', afterHandling: true, times: 1 });
    const before = b.requests(EXECUTE).length;
    const ok = await b.answer((await b.command('execute 05_dqc_check')).responseId);
    const done = visibleText(await b.answer((await b.click('op_confirm', confirmValue(ok), USERS.operator)).responseId));
    expect(b.requests(EXECUTE)).toHaveLength(before + 1);
    expect(done).toContain('re-reading shows it took effect');
    expect(done).toMatch(/Temporary run \d+ exists/);
    const temps = b.sb.store.db.prepare('SELECT COUNT(*) n FROM runs WHERE task_id = ? AND instance_type = 3').get(b.sb.store.taskByName('05_dqc_check')!.id) as { n: number };
    expect(temps.n).toBe(1);
  });
});
