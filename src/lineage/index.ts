/**
 * Table lineage from what Studio and Lakehouse know: for each table, the tasks that write it
 * (their SQL, a sync task's target), the tasks that define it (DDL drafts, Dynamic Table
 * definitions), and the tasks and Dynamic Tables that read it (tasks' SQL, Lakehouse's own record
 * of a Dynamic Table's sources in its refresh history); with Studio's task dependencies beside it,
 * and every statement that could not be read. Read-only.
 */
import type { LakehouseSql } from '../lakehouse/client.js';
import type { StudioClient } from '../studio/client.js';
import { type UnreadStatement, readTaskContent } from './task-tables.js';

export interface TaskNode {
  id: number;
  name: string;
  folder: string | undefined;
  kind: string;
  writes: string[];
  defines: string[];
  reads: string[];
  /** Dynamic Tables whose definition this task holds (its DDL draft). */
  dynamicTables: string[];
  externalSources: string[];
  /** Studio's upstream dependencies, by name. */
  upstream: string[];
  unread: UnreadStatement[];
}

export interface Reader {
  kind: 'task' | 'dynamic_table';
  name: string;
  /** Where the fact comes from: the task's SQL, or Lakehouse's record of a Dynamic Table's sources. */
  source: 'task-sql' | 'dt-definition' | 'lakehouse';
}

export interface TableNode {
  table: string;
  dynamic: boolean;
  writers: string[];
  definers: string[];
  readers: Reader[];
}

export interface Lineage {
  tasks: TaskNode[];
  tables: Map<string, TableNode>;
  /** What could not be read (a task's statement, or Lakehouse's history), said rather than guessed. */
  unread: { task: string; statement: string; reason: string }[];
}

const DAY = 86_400_000;

export async function buildLineage(studio: StudioClient, lakehouse: LakehouseSql | undefined, opts: { now?: number } = {}): Promise<Lineage> {
  const summaries = await studio.listAllTasks();
  const tasks: TaskNode[] = await Promise.all(
    summaries.map(async (s) => {
      const [detail, cfg] = await Promise.all([studio.getTask(s.id), studio.getTaskConfiguration(s.id).catch(() => undefined)]);
      const read = readTaskContent(s.type.kind, detail.content);
      return {
        id: s.id,
        name: s.name,
        folder: s.folderName,
        kind: s.type.label,
        writes: read.writes,
        defines: read.defines,
        reads: read.reads,
        externalSources: read.externalSources,
        upstream: (cfg?.dependencies ?? []).map((d) => d.taskName ?? String(d.taskId)),
        unread: read.unread,
        dynamicTables: read.dynamicTables,
      };
    }),
  );
  const tables = new Map<string, TableNode>();
  const node = (t: string): TableNode => {
    let n = tables.get(t);
    if (!n) {
      n = { table: t, dynamic: false, writers: [], definers: [], readers: [] };
      tables.set(t, n);
    }
    return n;
  };
  const addReader = (t: string, r: Reader) => {
    const n = node(t);
    if (!n.readers.some((x) => x.kind === r.kind && x.name === r.name)) n.readers.push(r);
  };
  const unread: Lineage['unread'] = [];
  for (const t of tasks) {
    for (const w of t.writes) node(w).writers.push(t.name);
    for (const d of t.defines) node(d).definers.push(t.name);
    for (const d of t.dynamicTables) node(d).dynamic = true;
    // A Dynamic Table's definition reads its sources: the DT is the reader, the task only holds its text.
    if (t.dynamicTables.length > 0) {
      for (const dt of t.dynamicTables) for (const r of t.reads) addReader(r, { kind: 'dynamic_table', name: dt, source: 'dt-definition' });
    } else {
      for (const r of t.reads) addReader(r, { kind: 'task', name: t.name, source: 'task-sql' });
    }
    for (const u of t.unread) unread.push({ task: t.name, ...u });
  }
  if (lakehouse) {
    try {
      const since = new Date((opts.now ?? Date.now()) - 7 * DAY).toISOString().slice(0, 19).replace('T', ' ');
      const [history, dts] = await Promise.all([lakehouse.refreshHistory({ since }), lakehouse.tables(['table_schema', 'table_name'], { where: { table_type: 'DYNAMIC_TABLE' } })]);
      for (const r of dts.rows) node(`${String(r.table_schema)}.${String(r.table_name)}`.toLowerCase()).dynamic = true;
      for (const r of history.rows) {
        const dt = `${String(r.schema_name)}.${String(r.name)}`.toLowerCase();
        let sources: { schema?: string; table_name?: string }[] = [];
        try {
          sources = JSON.parse(String(r.source_tables ?? '[]')) as typeof sources;
        } catch {
          continue;
        }
        node(dt).dynamic = true;
        for (const s of sources) if (s.schema && s.table_name) addReader(`${s.schema}.${s.table_name}`.toLowerCase(), { kind: 'dynamic_table', name: dt, source: 'lakehouse' });
      }
    } catch (e) {
      unread.push({ task: '(Lakehouse)', statement: 'SHOW DYNAMIC TABLE REFRESH HISTORY', reason: `Dynamic Tables' sources not read: ${(e as Error).message}` });
    }
  }
  return { tasks, tables, unread };
}

export interface Impact {
  table: string;
  /** Tasks and Dynamic Tables downstream of `table`, nearest first, with the table each one writes. */
  steps: { kind: 'task' | 'dynamic_table'; name: string; reads: string; writes: string[] }[];
}

/** Everything downstream of a table: its readers, the tables they write, their readers, … (each once). */
export function impactOf(lineage: Lineage, table: string): Impact {
  const start = table.toLowerCase();
  const steps: Impact['steps'] = [];
  const seen = new Set<string>();
  const queue = [start];
  const visited = new Set([start]);
  while (queue.length > 0) {
    const t = queue.shift()!;
    // Tasks before Dynamic Tables, each by name: the same answer whatever order Studio lists them in.
    const readers = [...(lineage.tables.get(t)?.readers ?? [])].sort((a, b) => a.kind.localeCompare(b.kind) * -1 || a.name.localeCompare(b.name));
    for (const r of readers) {
      const key = `${r.kind}:${r.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const writes = r.kind === 'dynamic_table' ? [r.name] : (lineage.tasks.find((x) => x.name === r.name)?.writes ?? []);
      steps.push({ kind: r.kind, name: r.name, reads: t, writes });
      for (const w of writes) {
        if (visited.has(w)) continue;
        visited.add(w);
        queue.push(w);
      }
    }
  }
  return { table: start, steps };
}

/** One line for a person: "adding to X touches 04_transform, ecommerce_dwd.orders_detail, DT …". */
export function describeImpact(impact: Impact): string {
  if (impact.steps.length === 0) return `Nothing known reads \`${impact.table}\`.`;
  const parts: string[] = [];
  for (const s of impact.steps) {
    if (s.kind === 'dynamic_table') parts.push(`DT ${s.name}`);
    else parts.push(s.writes.length > 0 ? `${s.name} → ${s.writes.join(', ')}` : s.name);
  }
  return `\`${impact.table}\` touches ${parts.join(', ')}`;
}

/** The lineage of a table or a task, by name (a table has a dot; a task is matched by name). */
export function lookupLineage(
  lineage: Lineage,
  ref: string,
): { kind: 'table'; node: TableNode; impact: Impact } | { kind: 'task'; node: TaskNode; downstream: string[] } | { kind: 'unknown'; near: string[] } {
  const key = ref.trim().replace(/`/g, '').toLowerCase();
  const table = lineage.tables.get(key);
  if (table) return { kind: 'table', node: table, impact: impactOf(lineage, key) };
  const task = lineage.tasks.find((t) => t.name.toLowerCase() === key || String(t.id) === key);
  if (task) return { kind: 'task', node: task, downstream: lineage.tasks.filter((t) => t.upstream.includes(task.name)).map((t) => t.name) };
  const near = [...lineage.tables.keys(), ...lineage.tasks.map((t) => t.name)].filter((n) => n.includes(key.split('.').pop() ?? key)).slice(0, 5);
  return { kind: 'unknown', near };
}
