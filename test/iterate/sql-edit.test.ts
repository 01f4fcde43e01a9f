/** The text edits of a pipeline change keep the person's formatting and comments, and refuse shapes they do not know. */
import { describe, expect, it } from 'vitest';
import { addSelectColumn, aliasOf, appendStatement, replaceDynamicTableQuery } from '../../src/iterate/sql-edit.js';

const ETL = `INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail PARTITION (dt = '\${bizdate}')
SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid, o.amount, o.status, o.created_at
FROM ecommerce_ods.orders o
WHERE DATE(o.created_at) = '\${bizdate}';`;

describe('sql edits', () => {
  it('appends a statement to a DDL draft, after its comments, terminated', () => {
    expect(appendStatement('CREATE TABLE a.b (x INT);\n-- end\n', 'ALTER TABLE a.b ADD COLUMN y STRING')).toBe(
      'CREATE TABLE a.b (x INT);\n-- end\n\nALTER TABLE a.b ADD COLUMN y STRING;\n',
    );
    expect(appendStatement('CREATE TABLE a.b (x INT)', 'ALTER TABLE a.b ADD COLUMN y STRING;')).toBe('CREATE TABLE a.b (x INT);\n\nALTER TABLE a.b ADD COLUMN y STRING;\n');
  });

  it('adds a column at the end of the SELECT list of the one INSERT, the rest as it was', () => {
    expect(aliasOf(ETL, 'ecommerce_ods.orders')).toBe('o');
    expect(addSelectColumn(ETL, 'o.coupon_code', 'coupon_code')).toBe(`INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail PARTITION (dt = '\${bizdate}')
SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid, o.amount, o.status, o.created_at,
o.coupon_code AS coupon_code
FROM ecommerce_ods.orders o
WHERE DATE(o.created_at) = '\${bizdate}';`);
    // A comment after the last item stays on its line; a FROM inside a subquery or a string is not the list's end.
    const commented = "INSERT INTO a.b SELECT x, (SELECT max(y) FROM c.d) AS m, 'from' AS f -- last\nFROM a.src";
    expect(addSelectColumn(commented, 'z', 'z')).toBe("INSERT INTO a.b SELECT x, (SELECT max(y) FROM c.d) AS m, 'from' AS f, -- last\nz AS z\nFROM a.src");
    expect(addSelectColumn('SELECT 1', 'x', 'x')).toBeUndefined();
    expect(addSelectColumn('INSERT INTO a.b SELECT 1 FROM c; INSERT INTO a.c SELECT 2 FROM d', 'x', 'x')).toBeUndefined();
    expect(addSelectColumn(ETL, 'x', 'not a name')).toBeUndefined();
  });

  it("replaces one Dynamic Table's query and makes its head CREATE OR REPLACE", () => {
    const ddl = `CREATE SCHEMA IF NOT EXISTS s;
CREATE DYNAMIC TABLE s.a
  REFRESH INTERVAL 1 HOUR VCLUSTER default
AS SELECT dt, COUNT(*) AS orders FROM d.t GROUP BY dt;
CREATE OR REPLACE DYNAMIC TABLE s.b AS SELECT 1 FROM d.t;`;
    const r = replaceDynamicTableQuery(ddl, 's.a', 'SELECT dt, COUNT(*) AS orders, COUNT(DISTINCT c) AS cs FROM d.t GROUP BY dt;');
    expect(r!.statement).toBe(
      'CREATE OR REPLACE DYNAMIC TABLE s.a\n  REFRESH INTERVAL 1 HOUR VCLUSTER default\nAS SELECT dt, COUNT(*) AS orders, COUNT(DISTINCT c) AS cs FROM d.t GROUP BY dt;',
    );
    expect(r!.content).toBe(`CREATE SCHEMA IF NOT EXISTS s;
CREATE OR REPLACE DYNAMIC TABLE s.a
  REFRESH INTERVAL 1 HOUR VCLUSTER default
AS SELECT dt, COUNT(*) AS orders, COUNT(DISTINCT c) AS cs FROM d.t GROUP BY dt;
CREATE OR REPLACE DYNAMIC TABLE s.b AS SELECT 1 FROM d.t;`);
    expect(replaceDynamicTableQuery(ddl, 's.zz', 'SELECT 1')).toBeUndefined();
  });
});
