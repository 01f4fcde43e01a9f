/** What a task's content reads and writes, and which warehouse layer a table belongs to. */

export type Layer = 'ods' | 'dwd' | 'dws' | 'ads';

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

/** A script's statements, comments removed, split on `;` outside quotes ('…', "…", `…`). The one splitter (review, lineage, the sandbox's runs). */
export function statements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const ch of stripComments(sql)) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** A DDL script: every statement creates, alters or drops an object (or sets session state). */
export function isDdl(sql: string): boolean {
  const st = statements(sql);
  return st.length > 0 && st.every((s) => /^(create|alter|drop|comment|use|set)\b/i.test(s)) && st.some((s) => /^(create|alter|drop)\b/i.test(s));
}

const NAME = '([A-Za-z_][\\w]*(?:\\.[A-Za-z_][\\w]*){0,2})';

export function tablesWritten(content: string): string[] {
  const out = new Set<string>();
  const sql = stripComments(content);
  for (const re of [
    new RegExp(`insert\\s+(?:overwrite|into)\\s+(?:table\\s+)?${NAME}`, 'gi'),
    new RegExp(`create\\s+(?:or\\s+replace\\s+)?(?:dynamic\\s+)?table\\s+(?:if\\s+not\\s+exists\\s+)?${NAME}`, 'gi'),
    new RegExp(`copy\\s+into\\s+${NAME}`, 'gi'),
  ]) {
    for (const m of sql.matchAll(re)) out.add(m[1]!.toLowerCase());
  }
  // Sync tasks: JSON with a writer/sink schema and table.
  try {
    const j = JSON.parse(content) as Record<string, { schema?: string; table?: string } | undefined>;
    for (const side of [j.writer, j.sink]) if (side?.schema && side.table) out.add(`${side.schema}.${side.table}`.toLowerCase());
  } catch {
    /* not JSON */
  }
  return [...out];
}

export function tablesRead(content: string): string[] {
  const out = new Set<string>();
  for (const m of stripComments(content).matchAll(new RegExp(`\\b(?:from|join)\\s+(?!external\\b)${NAME}`, 'gi'))) out.add(m[1]!.toLowerCase());
  return [...out];
}

/** The layer a table name belongs to, from its schema or name (ecommerce_dws.x, ods.orders, dwd_orders). */
export function layerOf(table: string): Layer | undefined {
  const m = /(?:^|[._])(ods|dwd|dws|ads)(?:[._]|$)/i.exec(table);
  return m ? (m[1]!.toLowerCase() as Layer) : undefined;
}

/** A SQL Pipe definition: it loads its target continuously once created. */
export function isPipe(sql: string): boolean {
  return /create\s+(?:or\s+replace\s+)?pipe\b/i.test(sql);
}
