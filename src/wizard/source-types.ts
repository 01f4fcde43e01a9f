/**
 * A source column's type as the ODS layer keeps it (seed 000's type mapping, knowledge/type-mappings.yml):
 * broad enough that the sync succeeds — booleans as TINYINT, DATETIME as TIMESTAMP, ENUM/TEXT as
 * STRING, DECIMAL kept exact — and converted precisely in DWD.
 */
export function odsType(sourceType: string): string {
  const t = sourceType.trim().toLowerCase();
  const decimal = /^(?:decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(t);
  if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2] ?? '0'})`;
  if (/^(?:decimal|numeric)\b/.test(t)) return 'DECIMAL(38, 10)';
  if (/^money\b/.test(t)) return 'DECIMAL(19, 4)';
  if (/^(?:bit\s*\(\s*1\s*\)|tinyint|bool)/.test(t)) return 'TINYINT';
  if (/^smallint/.test(t)) return 'SMALLINT';
  if (/^(?:bigint|long)\b/.test(t)) return 'BIGINT';
  if (/^(?:int|integer|mediumint|serial)\b/.test(t)) return 'INT';
  if (/^(?:float|real)\b/.test(t)) return 'FLOAT';
  if (/^double/.test(t)) return 'DOUBLE';
  if (/^(?:datetime|timestamp|smalldatetime)/.test(t)) return 'TIMESTAMP';
  if (/^date\b/.test(t)) return 'DATE';
  if (/^jsonb?\b/.test(t)) return 'JSON';
  return 'STRING';
}

/** A column name safe to write unquoted in the ODS DDL (lower case; anything else becomes _). */
export function odsColumnName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[a-z_]/.test(n) ? n : `c_${n}`;
}
