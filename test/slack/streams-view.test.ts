/** Seeing streams: `/cz streams [--state failed|lagging]` and `/cz task` on a real-time or CDC task. */
import { describe, expect, it } from 'vitest';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();
const ask = async (text: string) => visibleText(await b.answer((await b.command(text, USERS.viewer)).responseId));
const id = (name: string) => b.sb.store.taskByName(name)!.id;

describe('seeing streams', () => {
  it('`/cz task` on a real-time task: runs continuously, its state, lag, throughput and position — no schedule', async () => {
    const text = await ask('task rt_sync_kafka_orders');
    expect(text).toContain('*Runs continuously*');
    expect(text).toContain('running since');
    expect(text).toMatch(/\*Lag\*\n\d+ s/);
    expect(text).toMatch(/\*Throughput\*\n[\d,]+ records\/s/);
    expect(text).toMatch(/\*Position\*\n`orders_events` p0@\d+, p1@\d+, p2@\d+/);
    expect(text).not.toContain('*Schedule*');
  });

  it('`/cz task` on a CDC pipeline lists its tables, failed first with the error, and the stream’s last error', async () => {
    b.sb.streams.failTable(id('cdc_mysql_shop'), 'order_items', "Data truncation: Data too long for column 'note' at row 1");
    const text = await ask('task cdc_mysql_shop');
    expect(text).toContain('*Tables* (4): 1 failed');
    expect(text.indexOf('`shop.order_items`')).toBeLessThan(text.indexOf('`shop.customers`'));
    expect(text).toContain("Data too long for column 'note'");
    expect(text).toMatch(/\*Position\*\n`mysql-bin\.\d{6}`:\d+/);
    b.sb.streams.kill(id('cdc_mysql_shop'), 'The connector is trying to read binlog starting at mysql-bin.000511, but this is no longer available on the server.');
    b.clock.advance(3 * 60_000);
    const dead = await ask('task cdc_mysql_shop');
    expect(dead).toContain(':x: failed since');
    expect(dead).toContain('*Last error*');
    expect(dead).toContain('no longer available on the server');
    expect(dead).toContain('*Throughput*\n0 records/s');
  });

  it('`/cz streams` lists every stream; `--state failed` and `--state lagging` narrow it; a bad state is a usage error', async () => {
    const all = await ask('streams');
    expect(all).toContain('rt_sync_kafka_orders');
    expect(all).toContain('cdc_mysql_shop');
    expect(all.indexOf('cdc_mysql_shop')).toBeLessThan(all.indexOf('rt_sync_kafka_orders')); // failed first
    const failed = await ask('streams --state failed');
    expect(failed).toContain('cdc_mysql_shop');
    expect(failed).not.toContain('rt_sync_kafka_orders');
    expect(failed).toContain('no longer available on the server');
    expect(await ask('streams --state lagging')).toContain('None of the');
    b.sb.streams.growLag(id('rt_sync_kafka_orders'), 1_000);
    b.clock.advance(10 * 60_000);
    const lagging = await ask('streams --state lagging');
    expect(lagging).toContain('rt_sync_kafka_orders');
    expect(lagging).toMatch(/lag :warning: \d+ min \(over 5 min\)/);
    expect(lagging).not.toContain('cdc_mysql_shop');
    expect(await ask('streams --state slow')).toContain('--state "slow" must be failed or lagging');
  });
});
