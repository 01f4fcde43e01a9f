/**
 * The standards review: pure rules over a folder's tasks, their configurations and dependencies
 * (seed 000's "separation of DDL and pipeline", and the pipeline review guide).
 */
import { analyseCron } from '../cron/explain.js';
import { nextStudioFireTimes } from '../cron/studio-cron.js';
import type { TaskKind } from '../studio/enums.js';
import { dbtFindings } from './dbt-rules.js';
import { isDdl, isPipe, layerOf, tablesRead, tablesWritten } from './sql.js';

export type Priority = 'P0' | 'P1' | 'P2';

export interface ReviewTask {
  id: number;
  name: string;
  folder: string | undefined;
  kind: TaskKind | undefined;
  content: string;
  cron: string | undefined;
  deps: { taskId: number; taskName: string }[];
  online: boolean;
  vcCode: string | undefined;
}

/** A safe, mechanical fix the bot can apply (through the operations path). */
export type AutoFix = { kind: 'clear_ddl_schedule'; taskId: number } | { kind: 'add_dependency'; taskId: number; dependsOnTaskId: number; dependsOnName: string };

export interface ReviewFinding {
  rule: string;
  priority: Priority;
  /** The task at fault (undefined for folder-level advice). */
  task: string | undefined;
  taskId: number | undefined;
  evidence: string;
  fix: string;
  autoFix?: AutoFix;
}

export interface ReviewOptions {
  /** Is this VCluster an INTEGRATION (sync) one? */
  isIntegrationVc: (name: string) => boolean;
}

const SYNC_KEYS = new Set(['DI', 'MULTI_DI', 'REALTIME', 'MULTI_REALTIME', 'FULL_INCREMENTAL_SYNC']);
const CONTINUOUS = new Set(['REALTIME', 'MULTI_REALTIME', 'FULL_INCREMENTAL_SYNC', 'STREAMING']);

const isSync = (t: ReviewTask) => SYNC_KEYS.has(t.kind?.key ?? '');
const isDdlTask = (t: ReviewTask) => t.kind?.key === 'SQL' && isDdl(t.content);
const isDynamicTableDdl = (t: ReviewTask) => t.kind?.key === 'DYNAMIC_TABLE' || /create\s+(?:or\s+replace\s+)?dynamic\s+table/i.test(t.content);
const usesExternal = (t: ReviewTask) => /\bfrom\s+external\b/i.test(t.content);
const jdbcLoadsLakehouse = (t: ReviewTask) => t.kind?.key === 'JDBC' && /\binsert\s+(?:into|overwrite)\b/i.test(t.content);

/** Minutes after midnight of a cron's first fire on a day (UTC), for ordering daily schedules. */
function firstFireMinute(cron: string): number | undefined {
  try {
    const day = Date.UTC(2026, 0, 5); // any Monday
    const t = nextStudioFireTimes(cron, day - 1, 1, 'UTC')[0];
    return t === undefined || t - day >= 86_400_000 ? undefined : (t - day) / 60_000;
  } catch {
    return undefined;
  }
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function reviewTasks(folder: string | undefined, tasks: ReviewTask[], all: ReviewTask[], opts: ReviewOptions): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  const add = (t: ReviewTask | undefined, f: Omit<ReviewFinding, 'task' | 'taskId'>) => out.push({ task: t?.name, taskId: t?.id, ...f });
  const byId = new Map(all.map((t) => [t.id, t]));
  const children = (id: number) => all.filter((t) => t.deps.some((d) => d.taskId === id));
  const writers = new Map<string, ReviewTask[]>();
  for (const t of all) for (const table of tablesWritten(t.content)) writers.set(table, [...(writers.get(table) ?? []), t]);

  for (const t of tasks) {
    const ddl = isDdlTask(t);
    const sqlSync = usesExternal(t) || jdbcLoadsLakehouse(t);
    // DDL tasks: no cron, no dependencies, not inside a chain.
    if (ddl) {
      if (t.cron || t.deps.length) {
        add(t, {
          rule: 'ddl-scheduled',
          priority: t.online ? 'P1' : 'P2',
          evidence: `DDL content (${t.content.trim().split(/\s+/).slice(0, 3).join(' ')} …) with ${[t.cron ? `cron \`${t.cron}\`` : '', t.deps.length ? `dependencies on ${t.deps.map((d) => d.taskName).join(', ')}` : ''].filter(Boolean).join(' and ')}${t.online ? ', deployed' : ', draft'}`,
          fix: t.online
            ? 'Take the task offline (with its downstream), clear its cron and dependencies, keep it as a draft run by hand.'
            : 'Clear its cron and dependencies; DDL drafts run once by hand.',
          ...(t.online ? {} : { autoFix: { kind: 'clear_ddl_schedule' as const, taskId: t.id } }),
        });
      }
      const kids = children(t.id);
      if (kids.length) {
        add(t, {
          rule: 'ddl-in-chain',
          priority: 'P1',
          evidence: `${kids.map((k) => k.name).join(', ')} depend${kids.length === 1 ? 's' : ''} on this DDL task`,
          fix: 'Remove the DDL task from the dependency chain: make the dependants depend on the sync or ETL that fills their inputs.',
        });
      }
    }
    // SQL used as a sync.
    if (sqlSync) {
      add(t, {
        rule: 'sql-as-sync',
        priority: 'P1',
        evidence: usesExternal(t) ? '`SELECT … FROM EXTERNAL` in a SQL task' : 'a JDBC task inserting into Lakehouse',
        fix: 'Move data with a sync task (DI / MULTI_DI / REALTIME); SQL tasks cannot read EXTERNAL sources and JDBC tasks cannot load Lakehouse.',
      });
    }
    // Transforms without an upstream.
    const reads = tablesRead(t.content);
    const fedByPipe = reads.length > 0 && reads.every((r) => (writers.get(r) ?? []).some((w) => isPipe(w.content)));
    if ((t.kind?.key === 'SQL' || t.kind?.key === 'PYTHON') && !ddl && !sqlSync && t.cron && t.deps.length === 0 && reads.length > 0 && !fedByPipe) {
      // The task that fills an input table (not the DDL that creates it).
      const producer = reads.flatMap((r) => writers.get(r) ?? []).find((w) => w.id !== t.id && !isDdlTask(w));
      add(t, {
        rule: 'etl-without-upstream',
        priority: 'P0',
        evidence: `scheduled \`${t.cron}\` with no upstream dependency; reads ${reads.join(', ')}${producer ? `, which \`${producer.name}\` writes` : ''}`,
        fix: producer ? `Add \`${producer.name}\` as its upstream dependency and redeploy.` : 'Add the task that fills its input tables as its upstream dependency and redeploy.',
        ...(producer ? { autoFix: { kind: 'add_dependency' as const, taskId: t.id, dependsOnTaskId: producer.id, dependsOnName: producer.name } } : {}),
      });
    }
    // Aggregates belong in Dynamic Tables.
    const writesAgg = tablesWritten(t.content).filter((w) => layerOf(w) === 'dws' || layerOf(w) === 'ads');
    if (t.cron && !isDynamicTableDdl(t) && !ddl && writesAgg.length) {
      add(t, {
        rule: 'scheduled-dws',
        priority: 'P1',
        evidence: `scheduled \`${t.cron}\`, writes ${writesAgg.join(', ')}`,
        fix: 'Replace the scheduled task with a Dynamic Table (CREATE OR REPLACE DYNAMIC TABLE … REFRESH INTERVAL …) and delete the task.',
      });
    }
    if (writesAgg.length) {
      const ods = tablesRead(t.content).filter((r) => layerOf(r) === 'ods');
      if (ods.length)
        add(t, { rule: 'dws-reads-ods', priority: 'P1', evidence: `writes ${writesAgg.join(', ')} from ${ods.join(', ')}`, fix: 'Read from the DWD tables instead of ODS.' });
    }
    if (isDynamicTableDdl(t)) {
      if (/\border\s+by\b/i.test(t.content))
        add(t, { rule: 'dt-order-by', priority: 'P1', evidence: 'ORDER BY in a Dynamic Table definition', fix: 'Remove ORDER BY: it is a wasted sort on every refresh.' });
      if (/\bdrop\s+table\b/i.test(t.content) && !/create\s+or\s+replace\s+dynamic\s+table/i.test(t.content)) {
        add(t, {
          rule: 'dt-drop-create',
          priority: 'P1',
          evidence: 'DROP TABLE then CREATE DYNAMIC TABLE',
          fix: 'Use CREATE OR REPLACE DYNAMIC TABLE (no DROP): it avoids the race and the "already exists" failures.',
        });
      }
    }
    // Sync tasks.
    if (isSync(t)) {
      const vc = t.vcCode ?? 'default';
      if (!opts.isIntegrationVc(vc))
        add(t, {
          rule: 'sync-vcluster',
          priority: 'P1',
          evidence: `runs on VCluster \`${vc}\`, not an INTEGRATION one`,
          fix: 'Choose an INTEGRATION (Sync) VCluster for the task and redeploy.',
        });
      if (t.kind?.key === 'MULTI_DI' && !/"(?:mapping|mappings|syncObjects|tableMappings)"/i.test(t.content)) {
        add(t, {
          rule: 'multi-di-mapping',
          priority: 'P1',
          evidence: 'the task content has no source/target column mapping',
          fix: 'Configure the mapping in the Studio UI (Sync Objects), then publish.',
        });
      }
    }
    if (CONTINUOUS.has(t.kind?.key ?? '') && t.cron) {
      add(t, {
        rule: 'realtime-with-cron',
        priority: 'P1',
        evidence: `a continuously running task with cron \`${t.cron}\``,
        fix: 'Clear the cron: real-time tasks run continuously once submitted.',
      });
    }
    // Shell/Python tasks that run dbt (seed 004).
    if (t.kind?.key === 'SHELL' || t.kind?.key === 'PYTHON') for (const f of dbtFindings(t)) add(t, f);
    // Cron validity and order.
    if (t.cron) {
      const a = analyseCron(t.cron);
      const errors = a.problems.filter((p) => p.severity === 'error');
      if (errors.length) {
        add(t, {
          rule: 'cron-invalid',
          priority: 'P1',
          evidence: `\`${t.cron}\`: ${errors.map((p) => p.message).join('; ')}`,
          fix: a.nearestValid ? `Use \`${a.nearestValid}\` (nearest valid).` : 'Write a 7-field Studio cron.',
        });
      } else if (a.problems.some((p) => p.code === 'hour_star')) {
        add(t, { rule: 'cron-hour-star', priority: 'P2', evidence: `\`${t.cron}\` has \`*\` in the hour field`, fix: `Some instances reject it; use \`${a.nearestValid}\`.` });
      }
      const mine = errors.length ? undefined : firstFireMinute(t.cron);
      for (const d of t.deps) {
        const up = byId.get(d.taskId);
        const theirs = up?.cron ? firstFireMinute(up.cron) : undefined;
        if (mine !== undefined && theirs !== undefined && mine < theirs) {
          add(t, {
            rule: 'cron-order',
            priority: 'P1',
            evidence: `scheduled ${hhmm(mine)}, before its upstream \`${up!.name}\` at ${hhmm(theirs)}`,
            fix: `Schedule it after ${hhmm(theirs)} plus the upstream's usual run time (e.g. ${hhmm(theirs + 30)}).`,
          });
        }
      }
    }
  }

  // Dependency cycles through the folder's tasks (each cycle once).
  const reported = new Set<string>();
  for (const t of tasks) {
    const path = findCycle(t.id, byId);
    if (!path) continue;
    const key = [...new Set(path)].sort((a, b) => a - b).join(',');
    if (reported.has(key)) continue;
    reported.add(key);
    add(t, {
      rule: 'dependency-cycle',
      priority: 'P1',
      evidence: path.map((id) => byId.get(id)?.name ?? id).join(' → '),
      fix: 'Remove one dependency of the cycle (usually the one pointing from a lower layer back up).',
    });
  }

  // Folder layout of seed 000, as advice.
  if (folder !== undefined) out.push(...layoutAdvice(folder, tasks));
  return out;
}

function findCycle(start: number, byId: Map<number, ReviewTask>): number[] | undefined {
  const visit = (id: number, path: number[]): number[] | undefined => {
    for (const d of byId.get(id)?.deps ?? []) {
      if (d.taskId === start) return [...path, start];
      if (path.includes(d.taskId)) continue;
      const found = visit(d.taskId, [...path, d.taskId]);
      if (found) return found;
    }
    return undefined;
  };
  return visit(start, [start]);
}

const LAYOUT = [/^00_(?:sync|pipe)_\w+_to_(?:ods|bronze)$/, /^01_ddl_(?:ods|bronze)$/, /^02_ddl_(?:dwd|silver)$/, /^03_ddl_dws_ads$/, /^04_transform_\w+$/, /^05_dqc_\w+$/];

function layoutAdvice(folder: string, tasks: ReviewTask[]): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  if (!/^[a-z][a-z0-9_]*_dw$/.test(folder)) {
    out.push({
      rule: 'layout-folder-name',
      priority: 'P2',
      task: undefined,
      taskId: undefined,
      evidence: `folder \`${folder}\``,
      fix: 'Name project folders <business_domain>_dw (e.g. ecommerce_dw).',
    });
  }
  const off = tasks.filter((t) => !LAYOUT.some((re) => re.test(t.name)));
  if (off.length) {
    out.push({
      rule: 'layout-task-names',
      priority: 'P2',
      task: undefined,
      taskId: undefined,
      evidence: `${off.length} task${off.length > 1 ? 's' : ''} outside the 00_sync … 05_dqc layout: ${off.map((t) => t.name).join(', ')}`,
      fix: 'Follow the seed-000 layout: 00_sync_<source>_to_ods, 01_ddl_ods, 02_ddl_dwd, 03_ddl_dws_ads, 04_transform_ods_to_dwd, 05_dqc_check.',
    });
  }
  return out;
}
