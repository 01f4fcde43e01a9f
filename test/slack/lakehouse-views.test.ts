/** `/cz dt` and `/cz table`: what a person sees of Dynamic Tables and tables, read over Lakehouse SQL. */
import { describe, expect, it } from 'vitest';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();

const ask = async (text: string) => visibleText(await b.answer((await b.command(text, USERS.viewer)).responseId));

describe('/cz dt', () => {
  it('lists the Dynamic Tables, those needing attention first, with the error and the lag', async () => {
    const text = await ask('dt');
    expect(text).toContain('Dynamic Tables');
    expect(text).toMatch(/3 refreshed in the last 24 h; \*2\* need attention/);
    const failing = text.indexOf('ecommerce_dws.user_retention');
    const suspended = text.indexOf('ecommerce_ads.top_products');
    const fine = text.indexOf('ecommerce_dws.sales_daily');
    expect(failing).toBeGreaterThan(-1);
    expect(failing).toBeLessThan(suspended);
    expect(suspended).toBeLessThan(fine);
    expect(text).toContain('*latest refresh failed*');
    expect(text).toContain("CZLH-60015: virtual cluster 'default' queue is full");
    expect(text).toMatch(/\*suspended\*: auto-suspended after 5 consecutive refresh failures · last success \d+ h( \d+ min)? ago/);
    // One statement for the history of every table, one for the list of Dynamic Tables.
    expect(b.sb.lakehouse.statements.filter((s) => s.startsWith('SHOW DYNAMIC TABLE REFRESH HISTORY WHERE start_time >='))).toHaveLength(1);
    // `<…>` is markup in Slack's mrkdwn (a link or mention): the hint is escaped to show as typed.
    const raw = JSON.stringify(await b.answer((await b.command('dt', USERS.viewer)).responseId));
    expect(raw).toContain('`/cz dt &lt;schema.table&gt;` shows one table');
  });

  it('shows one table’s refresh history, newest first', async () => {
    const text = await ask('dt ecommerce_dws.user_retention');
    expect(text).toContain('Refresh history of ecommerce_dws.user_retention');
    expect(text).toContain('The latest refresh failed');
    expect(text).toMatch(/failed in 1\.2 s \(system scheduled, incremental\)/);
    expect(text).toMatch(/succeeded in 0\.6 s \(system scheduled, incremental\) · \d+ rows inserted/);
    expect(text).toContain('VCluster `default`');
  });

  it('says what a name is when it is not a Dynamic Table, and refuses what is not a name', async () => {
    expect(await ask('dt ecommerce_dwd.orders_detail')).toContain('is a managed table, not a Dynamic Table; `/cz table ecommerce_dwd.orders_detail` shows it');
    expect(await ask('dt ecommerce_dws.nope')).toContain('There is no table ecommerce_dws.nope');
    const before = b.sb.lakehouse.statements.length;
    expect(await ask("dt x';DROP")).toContain('is not a table name: write schema.table');
    expect(b.sb.lakehouse.statements.length).toBe(before);
  });
});

describe('/cz table', () => {
  it('columns, size, and rows by business date with the empty day flagged', async () => {
    const text = await ask('table ecommerce_dwd.orders_detail');
    expect(text).toContain('Table ecommerce_dwd.orders_detail');
    expect(text).toContain('`is_paid` boolean');
    expect(text).toContain('*Partitioned by*\n`dt`');
    expect(text).toContain('2026-11-20  0 :warning: *empty*');
    expect(text).toMatch(/2026-11-19 {2}1\d,\d{3}\n/);
  });

  it('--sample shows 5 rows of the first 8 columns, redacted, secret-named columns masked, within one Slack section', async () => {
    const names = ['customer_id', 'email', 'note', 'api_token', ...Array.from({ length: 8 }, (_, i) => `extra_${i}`)];
    b.sb.lakehouse.tables.push({
      schema: 'ecommerce_ods',
      name: 'customers',
      kind: 'MANAGED_TABLE',
      columns: names.map((name) => ({ name, type: name === 'customer_id' ? 'bigint' : 'string' })),
      rows: {},
      bytesPerRow: 80,
      createdAt: Date.parse('2026-11-01T00:00:00Z'),
      fixedRows: Array.from({ length: 7 }, (_, i) => ({
        customer_id: 1000 + i,
        email: `buyer${i}@example.com`,
        note: i === 0 ? 'retry with key AKIAZ7QW3ERTY5UIOPAS now' : i === 1 ? 'pg://app:S3cr3t-Pa55@db.internal:5432/shop' : `${'long text '.repeat(20)}`,
        api_token: `tok_${'x'.repeat(30)}${i}`,
        ...Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`extra_${k}`, `v${k}`])),
      })),
    });
    const raw = await b.answer((await b.command('table ecommerce_ods.customers --sample', USERS.viewer)).responseId);
    const text = visibleText(raw);
    const sample = /\*Sample\*\n```([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const lines = sample.split('\n');
    expect(lines).toHaveLength(6); // the header and 5 rows of 7
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['customer_id', 'email', 'note', 'api_token', 'extra_0', 'extra_1', 'extra_2', 'extra_3']);
    expect(sample).toContain('1000');
    expect(sample).toContain('buyer0@example.com');
    expect(sample).not.toContain('AKIAZ7QW3ERTY5UIOPAS');
    expect(sample).not.toContain('S3cr3t-Pa55');
    expect(sample).not.toContain('tok_');
    expect(sample).not.toContain('long text '.repeat(5)); // clipped at 40 characters
    expect(text).toContain('4 more columns not shown');
    const sent = b.sb.lakehouse.statements.filter((s) => s.includes('ecommerce_ods') && s.includes('customers') && s.startsWith('SELECT'));
    expect(sent).toEqual(['SELECT `customer_id`, `email`, `note`, `api_token`, `extra_0`, `extra_1`, `extra_2`, `extra_3` FROM `ecommerce_ods`.`customers` LIMIT 5']);
    for (const block of (raw as { blocks?: { text?: { text?: string } }[] }).blocks ?? []) expect(block.text?.text?.length ?? 0).toBeLessThanOrEqual(3000);
    // Without --sample no row is read.
    const before = b.sb.lakehouse.statements.length;
    expect(await ask('table ecommerce_ods.customers')).not.toContain('*Sample*');
    expect(b.sb.lakehouse.statements.slice(before).some((s) => s.startsWith('SELECT `customer_id`'))).toBe(false);
  });

  it('an unknown table says so', async () => {
    expect(await ask('table ecommerce_dwd.nope')).toContain('There is no table ecommerce_dwd.nope in this workspace');
  });

  it('a partition column read from DESC that is not a plain name is never spliced into a count', async () => {
    const t = b.sb.lakehouse.tables.find((x) => x.schema === 'ecommerce_dwd' && x.name === 'orders_detail')!;
    const before = b.sb.lakehouse.statements.length;
    try {
      t.partitionedBy = "dt = '1' OR 1=1 --";
      const text = await ask('table ecommerce_dwd.orders_detail');
      expect(text).toContain('Table ecommerce_dwd.orders_detail');
      expect(text).toContain('`is_paid` boolean');
      expect(text).toContain('not a plain column name');
      const sent = b.sb.lakehouse.statements.slice(before);
      expect(sent.some((s) => /^DESC EXTENDED /.test(s))).toBe(true);
      expect(sent.filter((s) => /COUNT/i.test(s))).toEqual([]);
      // Refused once (not once per date), and audited.
      const refused = await b.bot.services.audit.query({ action: 'lakehouse_sql', outcome: 'refused' });
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ source: 'system', target: 'lakehouse', error: expect.stringMatching(/^"dt = '1' OR 1=1 --" is not a plain column name/) });
    } finally {
      t.partitionedBy = 'dt';
    }
  });
});

describe('the standards review reads VCluster types from SHOW VCLUSTERS', () => {
  it("takes Lakehouse's vcluster_type over Studio's console list, and falls back to that list when SQL cannot run", async () => {
    const vcs = b.sb.lakehouse.vclusters;
    const syncVc = vcs.find((v) => v.name === 'sync_vc')!;
    try {
      // Lakehouse says sync_vc is a GENERAL cluster (the console list still says INTEGRATION).
      syncVc.type = 'GENERAL';
      await b.bot.services.vclusters.refresh(true);
      const text = await ask('check ecommerce_dw');
      expect(text).toContain('runs on VCluster `sync_vc`, not an INTEGRATION one');
      expect(b.sb.lakehouse.statements).toContain('SHOW VCLUSTERS');
      // SQL refused (no rights): the console list decides, and the folder is clean again.
      b.sb.faults.add({ path: '/lh/submitJob', kind: 'status', status: 403, times: 1 });
      await b.bot.services.vclusters.refresh(true);
      expect(await ask('check ecommerce_dw')).toContain('No findings: this folder follows the standard.');
    } finally {
      syncVc.type = 'INTEGRATION';
      b.sb.faults.clear();
      await b.bot.services.vclusters.refresh(true);
    }
  });
});
