/**
 * The read-only guard, tested directly: the hostile statements (and their kin) are refused with a
 * reason, and every statement shape the bot sends is accepted.
 */
import { describe, expect, it } from 'vitest';
import { SqlRefused, assertReadOnly, assertSample } from '../../src/lakehouse/guard.js';
import * as statement from '../../src/lakehouse/statements.js';
import { BOT_SQL, HOSTILE_SQL } from './hostile-sql.js';

describe('hostile statements are refused', () => {
  it.each(HOSTILE_SQL)('$name', ({ sql }) => {
    let err: unknown;
    try {
      assertReadOnly(sql);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SqlRefused);
    expect((err as SqlRefused).reason.length).toBeGreaterThan(5);
  });
});

describe("the bot's own statements are accepted", () => {
  it.each(BOT_SQL)('%s', (sql) => {
    expect(assertReadOnly(sql)).toBe(sql);
  });

  /** Every statement the builders make, as the bot's callers make them. */
  const built = [
    statement.showSchemas(),
    statement.showVClusters(),
    statement.describeTable('ecommerce_dwd.orders_detail'),
    statement.describeTable('ecommerce_dwd.orders_detail', true),
    statement.refreshHistory({ since: '2026-11-20 08:00:00' }),
    statement.refreshHistory({ table: 'ecommerce_dws.sales_daily', limit: 1 }),
    statement.refreshHistory({ table: 'ecommerce_dws.user_retention', limit: 20 }),
    statement.informationSchemaTables(['table_schema', 'table_name', 'table_type', 'row_count', 'bytes']),
    statement.informationSchemaTables(['table_schema', 'table_name'], { where: { table_type: 'DYNAMIC_TABLE' } }),
    statement.informationSchemaTables(['table_schema', 'table_name', 'table_type'], { where: { table_schema: 'ecommerce_dws', table_name: 'sales_daily' } }),
    statement.informationSchemaTables(['table_schema', 'table_name', 'row_count', 'bytes'], { where: { table_type: 'MANAGED_TABLE' }, orderByDesc: 'bytes', limit: 3 }),
    statement.countRows('ecommerce_ods.orders'),
    statement.countRows('ecommerce_dwd.orders_detail', { column: 'dt', value: '2026-11-20' }),
  ];
  it.each(built)('built: %s', (sql) => {
    expect(assertReadOnly(sql)).toBe(sql);
  });

  it('builders quote names and write values as plain strings', () => {
    expect(statement.countRows('ecommerce_dwd.orders_detail', { column: 'dt', value: '2026-11-20' })).toBe(
      "SELECT COUNT(*) AS n FROM `ecommerce_dwd`.`orders_detail` WHERE `dt` = '2026-11-20'",
    );
    expect(statement.describeTable('ecommerce_dwd.orders_detail', true)).toBe('DESC EXTENDED `ecommerce_dwd`.`orders_detail`');
    expect(statement.refreshHistory({ since: '2026-11-20 08:00:00' })).toBe("SHOW DYNAMIC TABLE REFRESH HISTORY WHERE start_time >= '2026-11-20 08:00:00'");
    expect(statement.refreshDynamicTable('ecommerce_dws.user_retention')).toBe('REFRESH DYNAMIC TABLE `ecommerce_dws`.`user_retention`');
  });

  it('other allowed shapes: quoted names, aggregates grouped by a column, information_schema.columns, a final ;', () => {
    for (const sql of [
      "SELECT COUNT(*) AS n FROM `ecommerce_dwd`.`orders_detail` WHERE `dt` >= '2026-11-01' AND `dt` <= '2026-11-20'",
      'SELECT dt, COUNT(*) AS n, SUM(amount), MIN(amount), MAX(amount), AVG(amount) FROM ecommerce_dwd.orders_detail GROUP BY dt ORDER BY dt DESC LIMIT 7',
      'SELECT COUNT(DISTINCT user_id) FROM ecommerce_dwd.orders_detail WHERE is_paid = 1',
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'ecommerce_dwd' AND table_name = 'orders_detail'",
      'SHOW DYNAMIC TABLES IN ecommerce_dws',
      'DESCRIBE TABLE EXTENDED `ecommerce_dwd`.`orders_detail`',
    ]) {
      expect(assertReadOnly(`${sql};`)).toBe(sql);
    }
  });
});

describe('builders refuse what is not a plain name or value, and send nothing spliced', () => {
  const refused = (f: () => string) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SqlRefused);
    return (err as SqlRefused).reason;
  };

  it.each(["dt = '1' OR 1=1 --", 'dt` = 1 OR `x', 'dt; DROP TABLE x', 'dt) UNION SELECT 1 --', 'd\\u0074', '`dt`', 'dt\n', 'dt\u037e', '', '1dt', 'a'.repeat(129)])(
    'a partition column named %j (from DESC output or task SQL)',
    (column) => {
      expect(refused(() => statement.countRows('ecommerce_dwd.orders_detail', { column, value: '2026-11-20' }))).toMatch(/is not a plain column name/);
    },
  );

  it.each([
    'ecommerce_dwd.orders_detail WHERE 1=1 --',
    'ecommerce_dwd.orders_detail; DROP TABLE x',
    'ecommerce_dwd.`orders_detail`',
    'ecommerce_dwd.orders_detail` UNION SELECT 1 --',
    'a.b.c.d',
    'ecommerce_dwd..orders_detail',
    '(SELECT 1)',
  ])('a table named %j', (table) => {
    expect(refused(() => statement.countRows(table))).toMatch(/is not a table name/);
    expect(refused(() => statement.describeTable(table, true))).toMatch(/is not a table name/);
    expect(refused(() => statement.refreshHistory({ table, limit: 1 }))).toMatch(/is not a table name/);
    expect(refused(() => statement.refreshDynamicTable(table))).toMatch(/is not a table name/);
  });

  it.each(["2026-11-20' OR '1' = '1", "2026-11-20\\' OR 1=1 --", '2026-11-20\\', 'x\ny', '2026\uff1b'])('a value %j', (value) => {
    expect(refused(() => statement.countRows('ecommerce_dwd.orders_detail', { column: 'dt', value }))).toMatch(/holds a character the bot never sends/);
    expect(refused(() => statement.informationSchemaTables(['table_name'], { where: { table_schema: value } }))).toMatch(/holds a character/);
  });

  it('a time that is not a time, a LIMIT that is not a count, a column the builder does not know', () => {
    expect(refused(() => statement.refreshHistory({ since: "2026-11-20' OR 1=1" }))).toMatch(/is not a time/);
    expect(refused(() => statement.refreshHistory({ limit: 0 }))).toMatch(/LIMIT 0/);
    expect(refused(() => statement.refreshHistory({ limit: 1.5 }))).toMatch(/LIMIT 1.5/);
    expect(refused(() => statement.informationSchemaTables(['password' as statement.TablesColumn]))).toMatch(/not a column of information_schema.tables/);
  });
});

describe('a sample (/cz table --sample) is the one read of rows, and only in its exact shape', () => {
  const sample = statement.sampleRows('ecommerce_dwd.orders_detail', ['order_id', 'amount'], 5);

  it('the built sample passes assertSample, and still not assertReadOnly (queries never read rows)', () => {
    expect(sample).toBe('SELECT `order_id`, `amount` FROM `ecommerce_dwd`.`orders_detail` LIMIT 5');
    expect(assertSample(sample)).toBe(sample);
    expect(() => assertReadOnly(sample)).toThrow(SqlRefused);
  });

  it.each([
    'SELECT * FROM `ecommerce_dwd`.`orders_detail` LIMIT 5',
    'SELECT `order_id` FROM `ecommerce_dwd`.`orders_detail` LIMIT 6',
    'SELECT `order_id` FROM `ecommerce_dwd`.`orders_detail` LIMIT 50',
    'SELECT `order_id` FROM `ecommerce_dwd`.`orders_detail`',
    "SELECT `order_id` FROM `ecommerce_dwd`.`orders_detail` WHERE `dt` = '2026-11-20' LIMIT 5",
    'SELECT `order_id` FROM `ecommerce_dwd`.`orders_detail` LIMIT 5; DROP TABLE `x`.`y`',
    'SELECT `order_id` FROM `ecommerce_dwd`.`orders_detail` LIMIT 5 -- x',
    'SELECT `a`, `b`, `c`, `d`, `e`, `f`, `g`, `h`, `i` FROM `s`.`t` LIMIT 5',
    'SELECT `order_id` FROM `ecommerce_dwd`.`orders_detail` JOIN `x`.`y` LIMIT 5',
    'SELECT order_id FROM ecommerce_dwd.orders_detail LIMIT 5',
    'SELECT `a` FROM `s`.`t` UNION SELECT `b` FROM `s`.`u` LIMIT 5',
  ])('%s', (sql) => {
    expect(() => assertSample(sql)).toThrow(SqlRefused);
  });

  it('the builder refuses too many columns or rows and names that are not plain', () => {
    const refused = (f: () => string) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(SqlRefused);
        return (e as SqlRefused).reason;
      }
      return 'accepted';
    };
    expect(refused(() => statement.sampleRows('s.t', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']))).toMatch(/1 to 8 columns/);
    expect(refused(() => statement.sampleRows('s.t', ['a'], 6))).toMatch(/1 to 5 rows/);
    expect(refused(() => statement.sampleRows('s.t', ['a`b']))).toMatch(/not a plain column name/);
    expect(refused(() => statement.sampleRows("s.t'--", ['a']))).toMatch(/is not a table name/);
  });
});
