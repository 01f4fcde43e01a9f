/**
 * Statements the Lakehouse client must refuse, each with what it tries. Kept apart from the tests
 * so the guard's test and the client's test (nothing reaches Lakehouse) share one list.
 */
export const HOSTILE_SQL: { name: string; sql: string }[] = [
  // Set operations after an allowed shape
  { name: 'UNION after COUNT(*)', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders UNION SELECT user_name FROM ecommerce_ods.users' },
  { name: 'UNION ALL after COUNT(*) AS n', sql: 'SELECT COUNT(*) AS n FROM ecommerce_ods.orders UNION ALL SELECT password FROM ecommerce_ods.users' },
  { name: 'UNION after a metadata select', sql: "SELECT table_name FROM information_schema.tables WHERE table_schema = 'x' UNION SELECT password FROM ecommerce_ods.users" },
  { name: 'INTERSECT after COUNT(*)', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders INTERSECT SELECT COUNT(*) FROM ecommerce_ods.users' },
  // Joins
  { name: 'JOIN to information_schema', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders o JOIN information_schema.columns c ON 1 = 1' },
  { name: 'information_schema JOIN a data table', sql: 'SELECT t.table_name FROM information_schema.tables t JOIN ecommerce_ods.users u ON 1 = 1' },
  { name: 'comma join of information_schema and data', sql: 'SELECT COUNT(*) FROM information_schema.tables, ecommerce_ods.users' },
  // Subqueries and boolean / time oracles
  { name: 'subquery in WHERE (IN)', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt IN (SELECT dt FROM ecommerce_ods.secrets)' },
  { name: 'EXISTS subquery', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE EXISTS (SELECT 1 FROM ecommerce_ods.users WHERE name = 'root')" },
  { name: 'subquery in FROM', sql: 'SELECT COUNT(*) FROM (SELECT * FROM ecommerce_ods.users) t' },
  {
    name: 'boolean oracle AND (SELECT …)',
    sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = '2026-01-01' AND (SELECT COUNT(*) FROM ecommerce_ods.users WHERE password = 'a') > 0",
  },
  { name: 'scalar subquery in a metadata WHERE', sql: 'SELECT table_name FROM information_schema.tables WHERE table_schema = (SELECT secret FROM ecommerce_ods.keys LIMIT 1)' },
  { name: 'OR 1 = 1 tautology', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = '2026-01-01' OR 1 = 1" },
  { name: 'literal compared with literal', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = '2026-01-01' AND 'a' = 'a'" },
  // Functions
  { name: 'read_file()', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = read_file('/etc/passwd')" },
  { name: 'load_file()', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE load_file('/etc/passwd') IS NOT NULL" },
  { name: 'sleep() time oracle', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders WHERE sleep(10) = 0' },
  { name: 'benchmark()', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE benchmark(100000000, md5('a')) = 0" },
  { name: 'if(…, sleep(), …) oracle', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = '2026-01-01' AND if(current_user() = 'admin', sleep(5), 0) = 0" },
  { name: 'a function in the select list', sql: "SELECT COUNT(*), read_file('/etc/passwd') FROM ecommerce_ods.orders" },
  // String-literal escapes (Lakehouse reads \' as a quote inside '…', as the public SDK escapes it)
  { name: "\\' escape hides a UNION", sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = 'x\\' UNION SELECT secret FROM ecommerce_ods.keys WHERE 'a' = 'a'" },
  { name: '\\\\ before the closing quote', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = 'x\\\\' OR 1 = 1" },
  { name: 'double-quoted string with \\"', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = "x\\" OR 1 = 1 OR dt = "' },
  { name: "doubled '' quote", sql: "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE dt = 'x'' OR 1 = 1 OR dt = '" },
  // Comments and hints
  { name: 'comment after a spliced column (dt = 1 OR 1=1 --)', sql: "SELECT COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '1' OR 1=1 -- = '2026-01-01'" },
  { name: 'line comment ended by \\r hides a second statement', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders --\r; DROP TABLE ecommerce_ods.orders' },
  { name: 'block comment hiding a second statement', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders /* ; */ ; TRUNCATE TABLE ecommerce_ods.orders' },
  { name: 'nested block comment', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders /* /* */ UNION SELECT secret FROM ecommerce_ods.keys /* */' },
  { name: 'hint /*+ */', sql: 'SELECT /*+ SET_VAR(cz.sql.x = 1) */ COUNT(*) FROM ecommerce_ods.orders' },
  { name: 'MySQL executable comment /*! */', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders /*! UNION SELECT secret FROM ecommerce_ods.keys */' },
  { name: '# comment', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders # comment' },
  // Stacking
  { name: '; stacking', sql: 'SHOW SCHEMAS; DROP TABLE ecommerce_ods.orders' },
  { name: '; stacking of two reads', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders; SELECT secret FROM ecommerce_ods.keys' },
  { name: 'fullwidth semicolon U+FF1B', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders\uFF1BSELECT secret FROM ecommerce_ods.keys' },
  { name: 'Greek question mark U+037E', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders\u037E SELECT secret FROM ecommerce_ods.keys' },
  { name: 'NUL byte', sql: 'SELECT COUNT(*) FROM ecommerce_ods.orders\u0000 UNION SELECT secret FROM ecommerce_ods.keys' },
  // Writes and session changes
  { name: 'INTO OUTFILE', sql: "SELECT COUNT(*) FROM ecommerce_ods.orders INTO OUTFILE '/tmp/x'" },
  { name: 'SET', sql: 'set cz.sql.x = 1' },
  { name: 'USE', sql: 'USE SCHEMA ecommerce_ods' },
  { name: 'CTE hiding a write', sql: 'WITH x AS (DELETE FROM ecommerce_ods.orders) SELECT COUNT(*) FROM x' },
  { name: 'CTE reading data', sql: 'WITH s AS (SELECT * FROM ecommerce_ods.users) SELECT COUNT(*) FROM s' },
  { name: 'EXPLAIN', sql: 'EXPLAIN SELECT COUNT(*) FROM ecommerce_ods.orders' },
  { name: 'DROP', sql: 'DROP TABLE ecommerce_dwd.orders_detail' },
  { name: 'INSERT … SELECT', sql: 'INSERT INTO ecommerce_dwd.orders_detail SELECT * FROM ecommerce_ods.orders' },
  { name: 'CREATE TABLE AS COUNT', sql: 'CREATE TABLE x AS SELECT COUNT(*) FROM ecommerce_ods.orders' },
  { name: 'REFRESH outside its own method', sql: 'REFRESH DYNAMIC TABLE ecommerce_dws.sales_daily' },
  // Reading data
  { name: 'SELECT *', sql: 'SELECT * FROM ecommerce_dwd.orders_detail' },
  { name: 'a plain column of a data table', sql: 'SELECT order_id FROM ecommerce_ods.orders LIMIT 10' },
  { name: 'a column beside COUNT(*) without GROUP BY', sql: 'SELECT COUNT(*) AS n, password FROM ecommerce_ods.users' },
  // Quoted identifiers
  { name: 'backtick identifier containing a backtick', sql: 'SELECT COUNT(*) FROM `ecommerce_ods`.`orders`` UNION SELECT secret FROM ecommerce_ods.keys --`' },
  { name: 'backtick identifier containing \\`', sql: 'SELECT COUNT(*) FROM `ecommerce_ods`.`orders\\` UNION SELECT 1 --`' },
  // SHOW / DESC forms that are not the bot's
  { name: 'refresh history WHERE with a subquery', sql: 'SHOW DYNAMIC TABLE REFRESH HISTORY WHERE name = (SELECT secret FROM ecommerce_ods.keys)' },
  { name: 'refresh history then UNION', sql: "SHOW DYNAMIC TABLE REFRESH HISTORY WHERE name = 'x' UNION SELECT secret FROM ecommerce_ods.keys" },
  { name: 'SHOW GRANTS', sql: 'SHOW GRANTS TO USER admin' },
  { name: 'DESC followed by more', sql: 'DESC EXTENDED ecommerce_ods.orders UNION SELECT 1' },
  { name: 'empty', sql: '' },
];

/** Every statement shape the bot sends today (as written before the builders), all to be accepted. */
export const BOT_SQL: string[] = [
  'SHOW SCHEMAS',
  'SHOW VCLUSTERS',
  'SHOW TABLES IN ecommerce_dws',
  'DESC ecommerce_dwd.orders_detail',
  'DESC EXTENDED ecommerce_dwd.orders_detail',
  "SHOW DYNAMIC TABLE REFRESH HISTORY WHERE start_time >= '2026-11-20 08:00:00'",
  'SHOW DYNAMIC TABLE REFRESH HISTORY ecommerce_dws.sales_daily LIMIT 1',
  'SHOW DYNAMIC TABLE REFRESH HISTORY ecommerce_dws.user_retention LIMIT 20',
  "SHOW DYNAMIC TABLE REFRESH HISTORY WHERE name = 'user_retention' LIMIT 3",
  'SELECT table_schema, table_name, table_type, row_count, bytes FROM information_schema.tables',
  "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'DYNAMIC_TABLE'",
  "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema = 'ecommerce_dws' AND table_name = 'sales_daily'",
  "SELECT table_schema, table_name, table_type, row_count, bytes FROM information_schema.tables WHERE table_type = 'MANAGED_TABLE' ORDER BY bytes DESC LIMIT 3",
  'SELECT COUNT(*) AS n FROM ecommerce_ods.orders',
  'SELECT COUNT(*) FROM ecommerce_ods.orders',
  "SELECT COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '2026-11-20'",
  "SELECT COUNT(*) FROM ecommerce_ods.orders WHERE status = 'DELETE'",
];
