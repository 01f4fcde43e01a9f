/** `/cz lineage` through the real receiver: what the person sees for a table, a task, an unknown name and bad input. */
import { describe, expect, it } from 'vitest';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();

async function ask(text: string, user: string = USERS.viewer) {
  const r = await b.command(text, user);
  expect(r.status).toBe(200);
  const msg = await b.answer(r.responseId);
  return { msg, text: visibleText(msg) };
}

describe('/cz lineage', () => {
  it('answers a table: its writers, definers, readers (tasks and Dynamic Tables, with where each fact came from), the impact, and what was not read', async () => {
    const { text } = await ask('lineage ecommerce_dwd.orders_detail');
    expect(text).toContain('Lineage of ecommerce_dwd.orders_detail');
    expect(text).toMatch(/Written by:\*? .*04_transform_ods_to_dwd/);
    expect(text).toMatch(/Defined by:\*? .*02_ddl_dwd/);
    expect(text).toContain('DT `ecommerce_dws.sales_daily` (its definition in a DDL draft)');
    expect(text).toContain("DT `ecommerce_ads.top_products` (Lakehouse's refresh history)");
    expect(text).toMatch(/05_dqc_check.*\(its SQL\)/);
    expect(text).toMatch(/Not read.*sql_fake_sync/s);
  });

  it('answers a task: what it writes and reads, and its Studio dependencies', async () => {
    const { text } = await ask('lineage 00_sync_mysql_to_ods');
    expect(text).toContain('Writes:* `ecommerce_ods.orders`');
    expect(text).toContain('mysql_shop:shop.orders (outside Lakehouse)');
    expect(text).toMatch(/Downstream in Studio:\*? .*04_transform_ods_to_dwd/);
  });

  it('says so for a name nobody writes or reads, with near names, and gives usage for bad input', async () => {
    expect((await ask('lineage ecommerce_ods.orderz')).text).toContain('No table or task named `ecommerce_ods.orderz`');
    const missing = await ask('lineage');
    expect(missing.text).toContain('Missing <schema.table or task>');
    expect(missing.text).toContain('/cz lineage ecommerce_ods.orders');
  });
});
