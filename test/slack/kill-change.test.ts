/**
 * A real SIGKILL between two checkpoints of a pipeline change (issue 34), and a restart on the same
 * database. Before: the start-up reconciliation closed the change with its generic "Interrupted
 * before it was sent to Studio" (wrong: steps were written) and the person's message stayed "In
 * progress" with no way back. Now the message says which steps were written (from the audit rows
 * the change's writes carry), nothing is run again, and Undo puts every content back.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ADD_FIELD_FIELDS, CHANGE, buildAddFieldModal } from '../../src/blocks/pipeline-change.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { systemClock } from '../../src/sandbox/sim.js';
import { sandboxStudioEnv, useChildBot } from '../helpers/bot-process.js';
import { USERS } from '../helpers/bot.js';
import { type ApiCall, visibleText } from '../helpers/fake-slack.js';
import { until } from '../helpers/wait.js';

let sb: RunningSandbox;
const bot = useChildBot({
  prefix: 'kill-change-',
  studio: async () => {
    sb = await startSandbox({ clock: systemClock, seed: 'demo', runDurationMs: [1_000, 1_000], failureRate: 0 });
    return () => sb.close();
  },
  env: () => ({ ...process.env, ...sandboxStudioEnv(sb) }),
  // The test holds one read in Studio until after the kill: with the shared 2 s timeout the bot
  // would give up on it, read again, and go a step further before the kill.
  overrides: { STUDIO_TIMEOUT_MS: '60000' },
});

const DM = `D${USERS.admin}`;
const TS = '1700000900.000100';
const DETAIL = '/ide-admin/v1/dataFile/getDetail';
const WRITE = /saveDataFileConfiguration|adhoc\/execute|dataFile\/submit|addAndReturnId/;
type El = { action_id: string; value?: string };
const elements = (c: ApiCall) => (c.args.blocks as { elements?: El[] }[]).flatMap((x) => x.elements ?? []);
const content = (name: string) => sb.store.taskByName(name)!.content;

function operation(action: string): { status: string; result: string | null } | undefined {
  const db = new Database(join(bot.dir, 'bot.db'), { readonly: true });
  try {
    return db.prepare('SELECT status, result FROM operations WHERE action = ? ORDER BY created_at DESC LIMIT 1').get(action) as
      | { status: string; result: string | null }
      | undefined;
  } finally {
    db.close();
  }
}

describe('SIGKILL between two checkpoints of a pipeline change', () => {
  it('after the restart the message says which steps were written, nothing is run again, and Undo puts every content back', async () => {
    const before = { ods: content('01_ddl_ods'), dwd: content('02_ddl_dwd'), etl: content('04_transform_ods_to_dwd') };
    const F = ADD_FIELD_FIELDS;
    const view = buildAddFieldModal({ folder: 'ecommerce_dw', channelId: DM });
    const posts = bot.slack.callsOf('chat.postMessage').length;
    // Two days back: the demo's yesterday has no rows yet.
    const bizDate = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    await bot.client().submitView(
      {
        ...view,
        id: 'VK',
        hash: 'h',
        state: {
          values: {
            [F.table.block]: { [F.table.action]: { type: 'plain_text_input', value: 'ecommerce_ods.orders' } },
            [F.column.block]: { [F.column.action]: { type: 'plain_text_input', value: 'coupon_code' } },
            [F.type.block]: { [F.type.action]: { type: 'plain_text_input', value: 'STRING' } },
            [F.bizDate.block]: { [F.bizDate.action]: { type: 'datepicker', selected_date: bizDate } },
          },
        },
      },
      USERS.admin,
    );
    const plan = await bot.slack.waitForCall('chat.postMessage', posts, 20_000);
    const confirm = elements(plan).find((e) => e.action_id === CHANGE.confirm)!.value!;

    const since = sb.journal.length;
    const updates = bot.slack.callsOf('chat.update').length;
    void bot
      .client()
      .click(CHANGE.confirm, confirm, USERS.admin, { channel: DM, ephemeral: false, messageTs: TS })
      .catch(() => undefined);
    // Once the ODS ALTER is sent, Studio holds the next read of a task (the sync's, just before
    // its run is asked for), so the bot cannot get a step further before the kill, however slow
    // the machine (it used to, under CI's load). Released after the kill.
    await until(() => sb.journal.slice(since).some((e) => e.path.endsWith('/adhoc/execute')) || undefined, 30_000);
    let release = () => {};
    sb.faults.add({ path: DETAIL, kind: 'latency', gate: new Promise<void>((r) => (release = r)), times: 1 });
    // The first checkpoint passed (the ODS draft saved, its ALTER run): the bot dies before the second.
    await until(
      () =>
        bot.slack
          .callsOf('chat.update')
          .slice(updates)
          .some((c) => visibleText(c.args).includes(':white_check_mark: ODS: ALTER')) || undefined,
      30_000,
    );
    await until(() => sb.faults.pending === 0 || undefined, 30_000); // the bot waits on the held read
    await bot.kill();
    release();
    expect(operation('change_pipeline')?.status).toBe('executing');
    const writtenBefore = sb.journal.slice(since).filter((e) => WRITE.test(e.path)).length;
    expect(content('01_ddl_ods')).toContain('ADD COLUMN coupon_code STRING');

    const restartUpdates = bot.slack.callsOf('chat.update').length;
    await bot.start();
    const told = await until(
      () =>
        bot.slack
          .callsOf('chat.update')
          .slice(restartUpdates)
          .find((c) => c.args.ts === TS),
      15_000,
    );
    const text = visibleText(told.args);
    expect(text).toContain('Interrupted part-way');
    expect(text).toContain('Written to Studio: save content 01_ddl_ods, execute 01_ddl_ods');
    expect(text).not.toContain('Interrupted before it was sent to Studio');
    expect(text).toContain(':white_check_mark: ODS: ALTER');
    expect(text).toContain('not reached: the bot stopped');
    const op = operation('change_pipeline')!;
    expect(op.status).toBe('failed');
    expect(JSON.parse(op.result!).written).toEqual(['save content 01_ddl_ods', 'execute 01_ddl_ods']);
    // Nothing run again by the restart: no write after the kill but what was in flight.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sb.journal.slice(since).filter((e) => WRITE.test(e.path)).length).toBe(writtenBefore);

    // Undo: every content back as it was before the change.
    const undo = elements(told).find((e) => e.action_id === CHANGE.undo)!.value!;
    const p0 = bot.slack.callsOf('chat.postMessage').length;
    await bot.client().click(CHANGE.undo, undo, USERS.admin, { channel: DM, ephemeral: false, messageTs: TS });
    expect(visibleText((await bot.slack.waitForCall('chat.postMessage', p0, 15_000)).args)).toContain('Undone');
    expect(content('01_ddl_ods')).toBe(before.ods);
    expect(content('02_ddl_dwd')).toBe(before.dwd);
    expect(content('04_transform_ods_to_dwd')).toBe(before.etl);
  }, 90_000);
});
