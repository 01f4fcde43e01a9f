/** The wizard's questions (knowledge/wizard.yml) and which one comes next for a set of answers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { KNOWLEDGE_DIR, KnowledgeError } from '../knowledge/load.js';

const optionSchema = z.strictObject({ id: z.string().min(1).max(40), label: z.string().min(1).max(75), description: z.string().max(150).default('') });

const questionSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z_]+$/),
    step: z.string(),
    question: z.string().min(5),
    options: z.array(optionSchema).max(10).default([]),
    input: z.literal('text').optional(),
    /** Answered from one of Studio's lists (src/wizard/studio-choices.ts), not from fixed options. */
    choose: z.enum(['data_source', 'source_tables', 'sync_vcluster']).optional(),
    multiline: z.boolean().default(false),
    validate: z.string().optional(),
    hint: z.string().optional(),
    when: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
    /** Not asked when any of these answers is given (e.g. no batch start time for a real-time sync). */
    unless: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
    /** Asked when any one of these sets of answers holds (besides `when`), e.g. every route with a Studio sync task. */
    when_any: z.array(z.record(z.string(), z.union([z.string(), z.array(z.string())]))).default([]),
  })
  .refine((q) => [q.input === 'text', q.options.length > 0, q.choose !== undefined].filter(Boolean).length === 1, {
    message: 'a question has exactly one of options, input: text, or choose',
  });

export type Question = z.output<typeof questionSchema>;
export type Answers = Record<string, string>;

export function loadWizardQuestions(dir: string = KNOWLEDGE_DIR): Question[] {
  const raw = parseYaml(readFileSync(join(dir, 'wizard.yml'), 'utf8')) as { questions?: unknown[] };
  const problems: string[] = [];
  const out: Question[] = [];
  (raw?.questions ?? []).forEach((q, i) => {
    const r = questionSchema.safeParse(q);
    const id = q && typeof q === 'object' && 'id' in q ? String((q as { id: unknown }).id) : `#${i + 1}`;
    if (r.success) out.push(r.data);
    else problems.push(...r.error.issues.map((x) => `knowledge/wizard.yml: question ${id}: field ${x.path.join('.') || '(question)'}: ${x.message}`));
  });
  if (problems.length) throw new KnowledgeError(problems);
  return out;
}

export function applies(q: Question, answers: Answers): boolean {
  const matches = ([k, v]: [string, string | string[]]) => (Array.isArray(v) ? v.includes(answers[k] ?? '') : answers[k] === v);
  return Object.entries(q.when).every(matches) && !Object.entries(q.unless).some(matches) && (q.when_any.length === 0 || q.when_any.some((w) => Object.entries(w).every(matches)));
}

/** The first question that applies and has no answer yet, or undefined when the plan can be built. */
export function nextQuestion(questions: Question[], answers: Answers): Question | undefined {
  return questions.find((q) => applies(q, answers) && answers[q.id] === undefined);
}

/** Drop answers to questions that no longer apply (after Back changed an earlier answer). */
export function pruneAnswers(questions: Question[], answers: Answers): Answers {
  const out: Answers = {};
  for (const q of questions) if (answers[q.id] !== undefined && applies(q, out)) out[q.id] = answers[q.id]!;
  return out;
}

export function optionLabel(q: Question, answer: string | undefined): string {
  return q.options.find((o) => o.id === answer)?.label ?? answer ?? '—';
}

/** Why a text answer is not acceptable, or undefined. */
export function textProblem(q: Question, value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'An answer is needed.';
  if (q.validate && !new RegExp(q.validate).test(v)) return `"${v}" is not valid here: ${q.hint ?? `it must match ${q.validate}`}.`;
  return undefined;
}
