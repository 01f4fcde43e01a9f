/** The one statement splitter (src/review/sql.ts): review, lineage and the sandbox's runs split scripts with it. */
import { describe, expect, it } from 'vitest';
import { isDdl, statements } from '../../src/review/sql.js';

describe('statements', () => {
  it("splits on ';' outside quotes and comments, never inside a string", () => {
    const sql = `-- header; not a statement
CREATE TABLE a.t (note STRING COMMENT 'x; y');
/* a; block */ INSERT INTO a.t SELECT "q;r", \`c;d\` FROM a.s;;
`;
    expect(statements(sql)).toEqual(["CREATE TABLE a.t (note STRING COMMENT 'x; y')", 'INSERT INTO a.t SELECT "q;r", `c;d` FROM a.s']);
  });

  it('a DDL script with a ; inside a column comment is still one DDL statement', () => {
    expect(isDdl("CREATE TABLE ods.x (id INT COMMENT 'the id; from the source')")).toBe(true);
  });
});
