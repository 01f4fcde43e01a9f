/**
 * A result set as Lakehouse embeds it in a job's answer (`resultSet.metadata` and
 * `resultSet.data.data[]`, base64): an Arrow IPC stream whose column types are those the metadata
 * names (INT64 → Int64, INT32/16/8 → Int32/16/8, DOUBLE/FLOAT → Float64/32, DECIMAL(p,s) →
 * Decimal128 with its scale, BOOLEAN → Bool, the rest → Utf8), or TEXT lines (comma-separated,
 * `"…"` when needed, `null` for NULL) when the hints ask for TEXT.
 */
import {
  Bool,
  type DataType,
  Decimal,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  Table,
  Utf8,
  type Vector,
  makeData,
  makeVector,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import type { Cell, Result, ResultField } from './engine.js';

export function encodeResult(result: Result, text: boolean): Record<string, unknown> {
  const metadata = {
    format: text ? 'TEXT' : 'ARROW',
    fields: result.fields.map((f) => ({
      name: f.name,
      type: { category: f.category, nullable: true, ...(f.category === 'DECIMAL' ? { decimalTypeInfo: { precision: String(f.precision), scale: String(f.scale) } } : {}) },
    })),
  };
  if (result.fields.length === 0) return { metadata };
  if (text) {
    const quote = (v: Cell) => (v === null ? 'null' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const body = result.rows.map((r) => r.map(quote).join(',')).join('\n');
    return { metadata, data: { data: result.rows.length ? [Buffer.from(body, 'utf8').toString('base64')] : [] } };
  }
  const columns: Record<string, Vector> = {};
  result.fields.forEach((f, k) => {
    columns[uniqueName(columns, f.name)] = arrowColumn(
      f,
      result.rows.map((r) => r[k] ?? null),
    );
  });
  const ipc = tableToIPC(new Table(columns), 'stream');
  return { metadata, data: { data: [Buffer.from(ipc).toString('base64')] } };
}

function uniqueName(columns: Record<string, Vector>, name: string): string {
  let n = name;
  for (let i = 1; n in columns; i++) n = `${name}_${i}`;
  return n;
}

function arrowColumn(f: ResultField, values: Cell[]): Vector {
  const ints: Record<string, DataType> = { INT32: new Int32(), INT16: new Int16(), INT8: new Int8() };
  switch (f.category) {
    case 'INT64':
      return vectorFromArray(
        values.map((v) => (v === null ? null : BigInt(v as bigint))),
        new Int64(),
      );
    case 'INT32':
    case 'INT16':
    case 'INT8':
      return vectorFromArray(
        values.map((v) => (v === null ? null : Number(v))),
        ints[f.category] as DataType,
      );
    case 'DOUBLE':
      return vectorFromArray(
        values.map((v) => (v === null ? null : Number(v))),
        new Float64(),
      );
    case 'FLOAT':
      return vectorFromArray(
        values.map((v) => (v === null ? null : Number(v))),
        new Float32(),
      );
    case 'BOOLEAN':
      return vectorFromArray(
        values.map((v) => (v === null ? null : Boolean(v))),
        new Bool(),
      );
    case 'DECIMAL':
      return decimalColumn(values, f.precision ?? 38, f.scale ?? 0);
    default:
      return vectorFromArray(
        values.map((v) => (v === null ? null : String(v))),
        new Utf8(),
      );
  }
}

/** Decimal128: each value as its unscaled integer, four little-endian 32-bit words. */
function decimalColumn(values: Cell[], precision: number, scale: number): Vector {
  const words = new Uint32Array(values.length * 4);
  const nulls = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) {
      nullCount++;
      return;
    }
    nulls[i >> 3]! |= 1 << (i & 7);
    const unscaled = BigInt.asUintN(128, BigInt(Math.round(Number(v) * 10 ** scale)));
    for (let k = 0; k < 4; k++) words[i * 4 + k] = Number((unscaled >> BigInt(32 * k)) & 0xffffffffn);
  });
  return makeVector(makeData({ type: new Decimal(scale, precision, 128), length: values.length, nullCount, nullBitmap: nulls, data: words }));
}
