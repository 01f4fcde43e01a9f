/** What a task's SQL says about itself: the table (and business-date partition) it writes. */

export interface OutputTarget {
  table: string;
  /** The partition column and the parameter its value comes from (`dt = '${bizdate}'`). */
  partition?: { column: string; param: string };
}

/** The table (and business-date partition) a task's SQL writes, when it says so plainly. */
export function outputOf(sql: string): OutputTarget | undefined {
  const text = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const m = /\binsert\s+(?:overwrite|into)\s+(?:table\s+)?`?([A-Za-z_]\w*\.[A-Za-z_]\w*)`?(?:\s+partition\s*\(\s*(\w+)\s*=\s*'\$\{(\w+)\}'\s*\))?/i.exec(text);
  if (!m) return undefined;
  return { table: m[1]!.toLowerCase(), partition: m[2] ? { column: m[2].toLowerCase(), param: m[3]! } : undefined };
}
