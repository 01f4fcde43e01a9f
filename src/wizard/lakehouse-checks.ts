/**
 * What the wizard reads from Lakehouse (read-only SQL): Step 1's exploration of the workspace
 * before technical selection (schemas, the largest tables, configured data sources, VClusters),
 * and the launch process's checkpoints after building (seed 000: know within 30 seconds whether
 * each step worked): the tables exist, the sync has run and filled ODS, DWD against ODS, the
 * Dynamic Tables' first refresh. Each part that cannot be read says so; none stops the wizard.
 */
import type { LakehouseSql } from '../lakehouse/client.js';
import { type TableSample, refreshEntry, sampleOf } from '../ops/lakehouse-read.js';
import type { StudioClient } from '../studio/client.js';
import { RUN_STATUS, isStreamKind, taskKindByKey } from '../studio/enums.js';
import { type Plan, manualRunCommand } from './plan.js';

export interface Exploration {
  schemas: { name: string; tables: number }[] | { error: string };
  largest: { schema: string; table: string; rows: number; bytes: number }[] | { error: string };
  /** A few redacted rows of the largest tables (seed 000, step 1: "the largest 20 tables and samples"). */
  samples: { table: string; sample: TableSample | { error: string } }[];
  dataSources: { name: string; type: string }[] | { error: string };
  vclusters: { name: string; type: string }[] | { error: string };
}

const failed = (e: unknown) => ({ error: (e as Error).message.slice(0, 200) });

/** Seed 000, step 1: the largest 20 tables, and samples (of the first three that hold rows). */
const EXPLORED_TABLES = 20;
const SAMPLED_TABLES = 3;

export async function exploreWorkspace(sql: LakehouseSql, studio: StudioClient): Promise<Exploration> {
  const [schemas, tables, sources, vcs] = await Promise.allSettled([
    sql.showSchemas(),
    sql.tables(['table_schema', 'table_name', 'table_type', 'row_count', 'bytes']),
    studio.listDataSources({ pageSize: 50 }),
    sql.showVClusters(),
  ]);
  const perSchema = new Map<string, number>();
  if (tables.status === 'fulfilled') for (const r of tables.value.rows) perSchema.set(String(r.table_schema), (perSchema.get(String(r.table_schema)) ?? 0) + 1);
  const largest =
    tables.status === 'fulfilled'
      ? tables.value.rows
          .filter((r) => r.table_type === 'MANAGED_TABLE')
          .map((r) => ({ schema: String(r.table_schema), table: String(r.table_name), rows: Number(r.row_count ?? 0), bytes: Number(r.bytes ?? 0) }))
          .sort((a, b) => b.bytes - a.bytes)
          .slice(0, EXPLORED_TABLES)
      : failed(tables.reason);
  const sampled = 'error' in largest ? [] : largest.filter((t) => t.rows > 0).slice(0, SAMPLED_TABLES);
  const samples = await Promise.all(
    sampled.map(async (t) => {
      const table = `${t.schema}.${t.table}`;
      return { table, sample: await sampleOf(sql, table).catch(failed) };
    }),
  );
  return {
    schemas:
      schemas.status === 'fulfilled' ? schemas.value.rows.map((r) => ({ name: String(r.schema_name), tables: perSchema.get(String(r.schema_name)) ?? 0 })) : failed(schemas.reason),
    largest,
    samples,
    dataSources: sources.status === 'fulfilled' ? sources.value.items.map((d) => ({ name: d.name, type: d.type.label })) : failed(sources.reason),
    vclusters: vcs.status === 'fulfilled' ? vcs.value.rows.map((r) => ({ name: String(r.name), type: String(r.vcluster_type ?? '') })) : failed(vcs.reason),
  };
}

export interface Checkpoint {
  label: string;
  /** undefined: could not be checked. */
  ok: boolean | undefined;
  detail: string;
  /** What to do when it is not ok. */
  todo?: string;
}

/** The tables a task's DDL creates (schema.table, lower case), Dynamic Tables apart. */
export function tablesCreatedBy(content: string): { tables: string[]; dynamic: string[] } {
  const tables: string[] = [];
  const dynamic: string[] = [];
  for (const m of content.matchAll(/create\s+(?:or\s+replace\s+)?(dynamic\s+)?table\s+(?:if\s+not\s+exists\s+)?`?([A-Za-z_]\w*\.[A-Za-z_]\w*)`?/gi)) {
    (m[1] ? dynamic : tables).push(m[2]!.toLowerCase());
  }
  return { tables, dynamic };
}

function count(sql: LakehouseSql, table: string): Promise<number> {
  return sql.countRows(table);
}

export async function launchCheckpoints(sql: LakehouseSql, studio: StudioClient, plan: Plan, taskIds: Record<string, number>): Promise<Checkpoint[]> {
  const out: Checkpoint[] = [];
  const ddl = plan.tasks.filter((t) => t.role === 'ddl');
  const created = ddl.map((t) => ({ task: t.name, ...tablesCreatedBy(t.content) }));
  const layerTables = (schema: string) => created.flatMap((c) => c.tables.filter((x) => x.startsWith(`${schema}.`)));
  let existing: Set<string> | undefined;
  try {
    existing = new Set((await sql.tables(['table_schema', 'table_name'])).rows.map((r) => `${String(r.table_schema)}.${String(r.table_name)}`.toLowerCase()));
  } catch (e) {
    out.push({ label: 'Tables exist', ok: undefined, detail: `Lakehouse could not be read: ${(e as Error).message.slice(0, 160)}` });
  }
  if (existing) {
    for (const c of created.filter((x) => x.tables.length)) {
      const missing = c.tables.filter((t) => !existing!.has(t));
      out.push(
        missing.length === 0
          ? {
              label: `Tables of ${c.task}`,
              ok: true,
              detail: `${c.tables.length} table${c.tables.length > 1 ? 's' : ''} exist (${c.tables.slice(0, 4).join(', ')}${c.tables.length > 4 ? ', …' : ''})`,
            }
          : {
              label: `Tables of ${c.task}`,
              ok: false,
              detail: `not created yet: ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', …' : ''}`,
              todo: `Run ${c.task} once (the button below, or \`${manualRunCommand(plan.folder, ddl.find((t) => t.name === c.task) ?? { name: c.task, params: [] })}\`), then check again.`,
            },
      );
    }
  }
  const [ods] = layerTables(plan.schemas.raw);
  const [dwd] = layerTables(plan.schemas.clean);
  const sync = plan.tasks.find((t) => t.role === 'sync' || t.role === 'pipe');
  if (sync) {
    const id = taskIds[sync.name];
    const runs =
      id !== undefined
        ? await studio.listRuns({ taskId: id, pageSize: 20 }).then(
            (p) => p.items,
            () => undefined,
          )
        : undefined;
    const ok = runs?.find((r) => r.status.code === RUN_STATUS.SUCCESS);
    if (!runs) out.push({ label: `First run of ${sync.name}`, ok: undefined, detail: 'its runs could not be read from Studio' });
    else if (!ok) {
      const lastFail = runs.find((r) => r.status.code === RUN_STATUS.FAILED);
      out.push({
        label: `First run of ${sync.name}`,
        ok: false,
        detail: lastFail ? `run ${lastFail.id} failed: ${(lastFail.failMsg ?? '').slice(0, 160)}` : 'it has not run yet',
        // A stream is started, never run once (`/cz execute` refuses it).
        todo: isStreamKind(taskKindByKey(sync.kind))
          ? `${sync.uiSetup ? `Finish its set-up in the Studio UI (${sync.uiSetup}), then start` : 'Start'} the stream: \`/cz stream start ${plan.folder}/${sync.name}\` (a stream is started, not run once; \`/cz task ${plan.folder}/${sync.name}\` shows its state).`
          : sync.uiSetup
            ? `Finish its set-up in the Studio UI (${sync.uiSetup}), then run it once: \`${manualRunCommand(plan.folder, sync)}\`.`
            : `Run it once: \`${manualRunCommand(plan.folder, sync)}\`.`,
      });
    } else {
      const rows = ods && existing?.has(ods) ? await count(sql, ods).catch(() => undefined) : undefined;
      out.push({
        label: `First run of ${sync.name}`,
        ok: rows === undefined ? true : rows > 0,
        detail: `run ${ok.id} succeeded${rows !== undefined ? `; ${ods} holds ${rows.toLocaleString('en-US')} rows` : ''}`,
        todo: rows === 0 ? `It wrote nothing: check the source table and the sync's filter, compare with \`SELECT COUNT(*)\` at the source.` : undefined,
      });
    }
  }
  const transform = plan.tasks.find((t) => t.role === 'transform');
  if (ods && dwd && existing?.has(ods) && existing.has(dwd)) {
    try {
      const [o, d] = await Promise.all([count(sql, ods), count(sql, dwd)]);
      out.push(
        d === 0
          ? {
              label: `${dwd} against ${ods}`,
              ok: false,
              detail: `${dwd} is empty (${ods}: ${o.toLocaleString('en-US')} rows)`,
              todo: `Run the ODS→DWD transform once by hand (\`${transform ? manualRunCommand(plan.folder, transform, '<a date with data>') : `/cz execute ${plan.folder}/<transform>`}\`), then check again.`,
            }
          : {
              // Seed 000, step 5: "LEFT JOIN result rows ≥ left table rows" — fewer rows than the left (ODS) table means rows were lost.
              label: `${dwd} against ${ods}`,
              ok: d >= o,
              detail: `${d.toLocaleString('en-US')} rows against ${o.toLocaleString('en-US')} in ODS${d < o ? ' — fewer than ODS: the transform lost rows' : ''}`,
              todo:
                d < o
                  ? `A LEFT JOIN keeps every left (ODS) row: check for an INNER JOIN, or a right-table filter in WHERE instead of ON; if the transform loads one business date, run it for each date ODS holds (\`${transform ? manualRunCommand(plan.folder, transform) : `/cz execute ${plan.folder}/<transform>`}\`).`
                  : undefined,
            },
      );
    } catch (e) {
      out.push({ label: `${dwd} against ${ods}`, ok: undefined, detail: `could not count: ${(e as Error).message.slice(0, 160)}` });
    }
  }
  for (const dt of created.flatMap((c) => c.dynamic.map((name) => ({ name, task: c.task })))) {
    try {
      const r = await sql.refreshHistory({ table: dt.name, limit: 3 });
      const latest = r.rows[0] ? refreshEntry(r.rows[0]) : undefined;
      out.push(
        !latest
          ? {
              label: `First refresh of ${dt.name}`,
              ok: false,
              detail: existing?.has(dt.name) ? 'it has not refreshed yet' : 'it does not exist yet',
              todo: existing?.has(dt.name) ? `Refresh it now: \`REFRESH DYNAMIC TABLE ${dt.name}\`.` : `Run ${dt.task} once, then \`REFRESH DYNAMIC TABLE ${dt.name}\`.`,
            }
          : latest.state === 'SUCCEED' || latest.state === 'SUCCEEDED'
            ? {
                label: `First refresh of ${dt.name}`,
                ok: true,
                detail: `refresh job ${latest.jobId} succeeded${latest.rowsInserted !== undefined ? ` (${latest.rowsInserted.toLocaleString('en-US')} rows)` : ''}`,
              }
            : {
                label: `First refresh of ${dt.name}`,
                ok: false,
                detail: `latest refresh ${latest.state.toLowerCase()}: ${(latest.error ?? latest.suspendedReason ?? '').slice(0, 160)}`,
                todo: `\`/cz dt ${dt.name}\` shows its history; fix the cause and refresh it.`,
              },
      );
    } catch (e) {
      out.push({ label: `First refresh of ${dt.name}`, ok: undefined, detail: `could not read its history: ${(e as Error).message.slice(0, 160)}` });
    }
  }
  return out;
}
