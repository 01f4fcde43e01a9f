/**
 * Loads and validates knowledge/*.yml. A broken entry stops start-up with the file, the entry id
 * and the field at fault — a regular expression that can backtrack catastrophically included
 * (pattern-safety.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../paths.js';
import { TASK_KINDS } from '../studio/enums.js';
import { isUsableAnchor, requiredLiteral, topLevelAlternatives } from './anchors.js';
import { type PatternVerdict, readVerdicts, vetPatterns } from './pattern-safety.js';

export const KNOWLEDGE_DIR = join(PACKAGE_ROOT, 'knowledge');

export const BOT_ACTIONS = ['view_logs', 'rerun', 'backfill', 'open_task', 'check_standards', 'stop'] as const;
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
/** How a run was started: by the scheduler, by a person (a temporary run), or as part of a backfill. */
export const RUN_KINDS = ['scheduled', 'manual', 'backfill'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
const KIND_KEYS = TASK_KINDS.map((k) => k.key) as [string, ...string[]];

const regexString = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    try {
      new RegExp(s, 'i');
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `invalid regular expression (${(e as Error).message})` });
      return;
    }
    for (const alt of topLevelAlternatives(s)) {
      if (!isUsableAnchor(requiredLiteral(alt))) {
        ctx.addIssue({ code: 'custom', message: `"${alt}" has no literal of 3 or more characters that every match contains; the diagnosis prefilter needs one` });
      }
    }
  });

export const errorEntrySchema = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/, 'must look like area.name (lower case)'),
    title: z.string().min(3),
    area: z.enum(['scheduling', 'sync', 'realtime', 'cdc', 'engine', 'account', 'python', 'shell', 'dbt', 'runtime', 'data', 'dynamic_table']),
    severity: z.enum(SEVERITIES),
    match: z.strictObject({
      codes: z.array(z.string().min(2)).default([]),
      messages: z.array(z.string().min(3)).default([]),
      patterns: z.array(regexString).default([]),
    }),
    task_types: z.array(z.enum(KIND_KEYS)).default([]),
    /** Run types the cause can be true of (empty: any); another run type's diagnosis ranks it low. */
    run_types: z.array(z.enum(RUN_KINDS)).default([]),
    supersedes: z.array(z.string()).default([]),
    /** How a person describes the problem (English and Chinese): what `/cz explain` finds the entry by, with its title, cause and signals. */
    symptoms: z.array(z.string().min(3)).default([]),
    cause: z.string().min(10),
    remediation: z.array(z.string().min(3)).min(1),
    verify: z.array(z.strictObject({ kind: z.enum(['sql', 'cli', 'ui']), text: z.string().min(3) })).min(1),
    actions: z.array(z.enum(BOT_ACTIONS)),
    source: z.string().min(3),
  })
  .refine((e) => e.match.codes.length + e.match.messages.length + e.match.patterns.length > 0, { message: 'needs at least one code, message or pattern', path: ['match'] });

export type ErrorEntry = z.output<typeof errorEntrySchema>;

const typeMappingsSchema = z.strictObject({
  sources: z.array(
    z.strictObject({
      id: z.string().min(2),
      name: z.string(),
      aliases: z.array(z.string()).default([]),
      mappings: z.array(z.strictObject({ source: z.string(), avoid: z.string().optional(), ods: z.string(), dwd: z.string() })).min(1),
      cdc_unsupported: z.array(z.string()).default([]),
    }),
  ),
  principle: z.string(),
});
export type TypeMappings = z.output<typeof typeMappingsSchema>;

const taskTypesSchema = z.strictObject({
  task_types: z.array(
    z.strictObject({
      key: z.enum(KIND_KEYS),
      file_type: z.number().int(),
      schedule_type: z.number().int(),
      run_mode: z.enum(['scheduled', 'scheduled_or_manual', 'continuous', 'self_refreshing']),
      cron_allowed: z.boolean(),
      vcluster: z.enum(['general', 'integration']),
      use_for: z.string(),
    }),
  ),
  choose_sync: z.array(z.strictObject({ when: z.string(), use: z.enum(KIND_KEYS), note: z.string() })),
});
export type TaskTypes = z.output<typeof taskTypesSchema>;

export interface Knowledge {
  errors: ErrorEntry[];
  typeMappings: TypeMappings;
  taskTypes: TaskTypes;
}

export class KnowledgeError extends Error {
  constructor(readonly problems: string[]) {
    super(`Knowledge files are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'KnowledgeError';
  }
}

function readYaml(dir: string, file: string, problems: string[]): unknown {
  try {
    return parseYaml(readFileSync(join(dir, file), 'utf8'));
  } catch (e) {
    problems.push(`knowledge/${file}: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function issuesOf(file: string, where: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `knowledge/${file}: ${where}field ${i.path.join('.') || '(entry)'}: ${i.message}`);
}

export interface LoadOptions {
  /** Check every pattern for catastrophic backtracking again, ignoring the kept verdicts. */
  recheckAll?: boolean;
  /** Told the verdict of every pattern (as the diagnosis compiles it: each top-level alternative). */
  onVerdicts?: (verdicts: ReadonlyMap<string, PatternVerdict>) => void;
}

/**
 * Every pattern of every entry, as the diagnosis runs it (each top-level alternative alone), is
 * free of catastrophic backtracking: verdicts kept beside the knowledge (this directory's, then
 * the package's), the rest checked now.
 */
function patternProblems(errors: ErrorEntry[], dir: string, o: LoadOptions): string[] {
  const where: { id: string; field: string; source: string }[] = [];
  for (const e of errors) {
    e.match.patterns.forEach((p, i) => {
      for (const source of topLevelAlternatives(p)) where.push({ id: e.id, field: `match.patterns.${i}`, source });
    });
  }
  const verdicts = vetPatterns(
    where.map((w) => w.source),
    readVerdicts([dir, KNOWLEDGE_DIR]),
    o.recheckAll,
  );
  o.onVerdicts?.(verdicts);
  return where.flatMap((w) => {
    const v = verdicts.get(w.source)!;
    return v.safe ? [] : [`knowledge/errors.yml: entry ${w.id}: field ${w.field}: ${JSON.stringify(w.source)} ${v.problem}`];
  });
}

/** Validate the three files; entries are checked one by one so every broken one is named. */
export function loadKnowledge(dir: string = KNOWLEDGE_DIR, options: LoadOptions = {}): Knowledge {
  const problems: string[] = [];
  const rawErrors = readYaml(dir, 'errors.yml', problems);
  const errors: ErrorEntry[] = [];
  if (rawErrors !== undefined) {
    if (!Array.isArray(rawErrors)) problems.push('knowledge/errors.yml: the file must be a list of entries');
    else {
      rawErrors.forEach((raw, i) => {
        const id = raw && typeof raw === 'object' && 'id' in raw ? String((raw as { id: unknown }).id) : `#${i + 1}`;
        const r = errorEntrySchema.safeParse(raw);
        if (r.success) errors.push(r.data);
        else problems.push(...issuesOf('errors.yml', `entry ${id}: `, r.error));
      });
      const seen = new Set<string>();
      for (const e of errors) {
        if (seen.has(e.id)) problems.push(`knowledge/errors.yml: entry ${e.id}: field id: duplicate id`);
        seen.add(e.id);
      }
      for (const e of errors) {
        for (const s of e.supersedes) if (!seen.has(s)) problems.push(`knowledge/errors.yml: entry ${e.id}: field supersedes: unknown entry ${s}`);
      }
      problems.push(...patternProblems(errors, dir, options));
    }
  }
  const tm = typeMappingsSchema.safeParse(readYaml(dir, 'type-mappings.yml', problems));
  if (!tm.success) problems.push(...issuesOf('type-mappings.yml', '', tm.error));
  const tt = taskTypesSchema.safeParse(readYaml(dir, 'task-types.yml', problems));
  if (!tt.success) problems.push(...issuesOf('task-types.yml', '', tt.error));
  if (problems.length > 0) throw new KnowledgeError(problems);
  return { errors, typeMappings: tm.data!, taskTypes: tt.data! };
}
