/**
 * Studio's dependency parsing (`dataFileConfiguration/parseDataFileDependencyOut`), as the public
 * cz-cli sends it (`studio/task.ts` `parseTaskDependencyOut`: projectId, workspaceId, schemaName,
 * dataFileContent, dataFileId) and reads it (`commands/task.ts`: `fileOutputTableDTOS[]` with
 * `refTableName`, `dataFileId`, `dataFileName`, `ownerCnName`, `ownerEnName`, `parseType`;
 * `dataFileDependencyDTOS[]` with `dependencyFileId`, `dependencyFileName`, `projectName`,
 * `refTableNames`, `scheduleRateType`, `cronExpress`, `depStrategy`, `fileType`, `deployStatus`).
 * The tables a SQL text writes (INSERT INTO/OVERWRITE, CREATE TABLE) are its outputs; the tables
 * it reads (FROM, JOIN) are matched to the other tasks of the workspace that fill them (INSERT),
 * which are its upstream. Names without a schema take `schemaName`. How Studio parses is not in cz-cli:
 * this reading of the text is ours (docs/cz-cli-fidelity.md).
 */
import { z } from 'zod';
import { SandboxBusinessError } from './errors.js';
import type { TaskRow } from './store.js';
import { scheduleRateTypeOf } from './studio-fields.js';

/** `parseType` 1: found by parsing (cz-cli's "auto"). */
const PARSED = 1;

function tables(sql: string, pattern: RegExp, schema: string | undefined): Set<string> {
  const text = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const out = new Set<string>();
  for (const m of text.matchAll(pattern)) {
    const name = m[1]!.replace(/`/g, '').toLowerCase();
    if (name.includes('.')) out.add(name.split('.').slice(-2).join('.'));
    else if (schema) out.add(`${schema.toLowerCase()}.${name}`);
  }
  return out;
}

const NAME = '(`?\\w+`?(?:\\.`?\\w+`?){0,2})';
const WRITES = new RegExp(`\\b(?:insert\\s+(?:into|overwrite)(?:\\s+table)?|create\\s+(?:or\\s+replace\\s+)?(?:dynamic\\s+)?table(?:\\s+if\\s+not\\s+exists)?)\\s+${NAME}`, 'gi');
const INSERTS = new RegExp(`\\binsert\\s+(?:into|overwrite)(?:\\s+table)?\\s+${NAME}`, 'gi');
const READS = new RegExp(`\\b(?:from|join)\\s+${NAME}`, 'gi');

export function writtenTables(sql: string, schema?: string): Set<string> {
  return tables(sql, WRITES, schema);
}

export function readTables(sql: string, schema?: string): Set<string> {
  const written = writtenTables(sql, schema);
  return new Set([...tables(sql, READS, schema)].filter((t) => !written.has(t)));
}

export function parseDependencies(
  content: string,
  schema: string | undefined,
  self: TaskRow | undefined,
  others: TaskRow[],
  projectName: string,
): { fileOutputTableDTOS: Record<string, unknown>[]; dataFileDependencyDTOS: Record<string, unknown>[] } {
  const outputs = [...writtenTables(content, schema)].map((refTableName, k) => ({
    refTableName,
    fileShowName: refTableName,
    dataFileId: self?.id ?? null,
    dataFileName: self?.name ?? null,
    dataFileVersion: self?.version ?? null,
    ownerCnName: self?.owner ?? null,
    ownerEnName: self?.owner ?? null,
    parseType: PARSED,
    sequence: k + 1,
  }));
  const reads = readTables(content, schema);
  const dependencies: Record<string, unknown>[] = [];
  for (const t of others) {
    if (t.id === self?.id) continue;
    // An upstream task fills a table (INSERT); a DDL draft that only creates it is not one.
    const refs = [...tables(t.content ?? '', INSERTS, t.schema_name ?? undefined)].filter((w) => reads.has(w));
    if (refs.length === 0) continue;
    dependencies.push({
      dependencyFileId: t.id,
      dependencyFileName: t.name,
      dependencyFileVersion: t.version,
      projectName,
      refTableNames: refs.join(','),
      dependencyInputName: refs[0],
      scheduleRateType: scheduleRateTypeOf(t.cron),
      cronExpress: t.cron,
      depStrategy: 0,
      fileType: t.file_type,
      deployStatus: t.task_status === 1 ? 1 : 0,
      parseType: PARSED,
    });
  }
  return { fileOutputTableDTOS: outputs, dataFileDependencyDTOS: dependencies };
}

/** The request as cz-cli sends it; `dataFileId` names the task parsed (its own outputs are not its upstream). */
export function answerParseRequest(body: Record<string, unknown>, tasks: TaskRow[], projectId: number, projectName: string): ReturnType<typeof parseDependencies> {
  const b = z.looseObject({ projectId: num, dataFileContent: z.string(), schemaName: z.string().nullish(), dataFileId: num.nullish() }).safeParse(body);
  if (!b.success) throw new SandboxBusinessError('PARAM_ERROR', `参数错误 (invalid request: ${b.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  if (b.data.projectId !== projectId) throw new SandboxBusinessError('PROJECT_NOT_EXIST', `项目不存在 (project ${b.data.projectId} does not exist)`);
  const self = b.data.dataFileId == null ? undefined : tasks.find((t) => t.id === b.data.dataFileId);
  return parseDependencies(b.data.dataFileContent, b.data.schemaName ?? self?.schema_name ?? undefined, self, tasks, projectName);
}

const num = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
