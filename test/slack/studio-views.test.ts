/** What the bot shows from Studio's own endpoints: draft vs published, flattened downstream, Studio's cron preview. */
import { describe, expect, it } from 'vitest';
import { crossCheckCron } from '../../src/ops/read.js';
import type { StudioClient } from '../../src/studio/client.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();

describe('/cz task: draft against what is published', () => {
  it('says when the draft is what is published, and names what a draft changes', async () => {
    const same = visibleText(await b.answer((await b.command('task 05_dqc_check', USERS.viewer)).responseId));
    expect(same).toContain('The draft is what is published (version 3)');
    const id = b.sb.store.taskByName('05_dqc_check')!.id;
    await b.client.updateTaskConfiguration(id, { cron: '0 15 3 * * ? *' });
    await b.client.saveTaskContent(id, `${b.sb.store.task(id)!.content}\n-- tightened threshold`);
    const text = visibleText(await b.answer((await b.command('task 05_dqc_check', USERS.viewer)).responseId));
    expect(text).toContain('The draft differs from what is published* (version 3): content; schedule `0 0 3 * * ? *` → `0 15 3 * * ? *`');
    expect(text).toContain('The scheduler runs the published version until the draft is deployed');
    // The schedule shown is the published one: the scheduler has not seen the draft.
    expect(text).toContain('*Schedule* `0 0 3 * * ? *`');
    expect(b.requests('/ide-admin/v1/fileVersion/getFileDetailByVersion').length).toBeGreaterThan(0);
  });
});

describe("/cz deps and the backfill preview use Studio's flattened downstream", () => {
  it('counts every task downstream at any depth', async () => {
    const text = visibleText(await b.answer((await b.command('deps 00_sync_mysql_to_ods', USERS.viewer)).responseId));
    expect(text).toContain('In all, *2* tasks downstream at any depth (2 online)');
    expect(text).toContain('04_transform_ods_to_dwd');
    expect(text).toContain('05_dqc_check');
    expect(b.requests('/ide-admin/v1/scheduleTask/flatAllDownstream').length).toBeGreaterThan(0);
  });

  it('keeps its indentation where whitespace is collapsed, and names a cycle', async () => {
    const deep = JSON.stringify((await b.answer((await b.command('deps 05_dqc_check', USERS.viewer)).responseId)).blocks);
    // Indentation that survives renderers which collapse ASCII spaces: em spaces and a tree guide.
    expect(deep).toMatch(/\u2003\u2003└ ↑ <[^|]+\|00_sync_mysql_to_ods>/);
    const text = visibleText(await b.answer((await b.command('deps etl_cycle_a', USERS.viewer)).responseId));
    expect(text).toContain('Dependency cycle: `etl_cycle_a` → `etl_cycle_b` → `etl_cycle_a`');
    expect(text).toContain('Studio will not deploy a task in a cycle');
    expect(text).toMatch(/etl_cycle_b> \(SQL\) ↻ in the cycle/);
  });
});

describe("/cz cron: Studio's own preview", () => {
  it("says when Studio's preview agrees", async () => {
    const text = visibleText(await b.answer((await b.command('cron 30 2 * * *', USERS.viewer)).responseId));
    expect(text).toContain("Studio's own preview gives the same next 5 runs");
    expect(b.requests('/ide-admin/v1/dataFileConfiguration/generateInstanceTimeList').at(-1)!.body).toMatchObject({
      cron: '0 30 2 * * ? *',
      scheduleStartTime: '00:00',
      scheduleEndTime: '23:59',
    });
  });

  it('shows both lists when Studio disagrees, and stays quiet when Studio cannot say', async () => {
    const fake = (answer: string[] | Error) =>
      ({ timeZone: 'UTC', previewCron: async () => (answer instanceof Error ? Promise.reject(answer) : answer) }) as unknown as StudioClient;
    const t = [Date.parse('2026-11-22T02:30:00Z'), Date.parse('2026-11-23T02:30:00Z')];
    expect(await crossCheckCron(fake(['2026-11-22 02:30:00', '2026-11-23 02:30:00']), '0 30 2 * * ? *', t)).toBeUndefined();
    expect(await crossCheckCron(fake(['2026-11-22 03:30:00', '2026-11-23 03:30:00']), '0 30 2 * * ? *', t)).toEqual({
      ours: ['2026-11-22 02:30:00', '2026-11-23 02:30:00'],
      studio: ['2026-11-22 03:30:00', '2026-11-23 03:30:00'],
    });
    expect(await crossCheckCron(fake(new Error('down')), '0 30 2 * * ? *', t)).toBeUndefined();
  });
});
