/**
 * What does not resolve in a manual (temporary) run: Studio resolves `$[yyyy-MM-dd]` time
 * expressions and scheduler parameters only in scheduled and backfill runs. A `${name}` the person
 * does not pass with `--param` is unresolved when it has no saved value, when it is a scheduler
 * parameter, or when its saved value is itself an expression (`bizdate = $[yyyy-MM-dd]`, seed 003);
 * a `$[…]` written in the content never resolves by hand.
 */
import { SYSTEM_PARAM_NAMES } from '../studio/enums.js';

const SCHEDULER_PARAMS = new Set([...SYSTEM_PARAM_NAMES].filter((k) => !k.startsWith('sys_task_')));
const EXPRESSION = /\$\[[^\]]*\]|\$\{[^}]*\}/;

export interface ManualRunParams {
  /** `${name}` parameters the content uses. */
  used: string[];
  /** Of those, the ones that will not resolve (with why). */
  unresolved: { name: string; why: string }[];
  /** `$[…]` expressions written in the content itself. */
  expressions: string[];
}

export function manualRunParams(content: string, saved: ReadonlyMap<string, string>, given: Readonly<Record<string, string>>): ManualRunParams {
  const used = [...new Set([...content.matchAll(/\$\{\s*([A-Za-z_][\w.]*)\s*\}/g)].map((m) => m[1]!))];
  const unresolved: ManualRunParams['unresolved'] = [];
  for (const k of used) {
    if (Object.hasOwn(given, k)) continue;
    const value = saved.get(k);
    if (SCHEDULER_PARAMS.has(k)) unresolved.push({ name: k, why: 'a scheduler parameter' });
    else if (value === undefined) unresolved.push({ name: k, why: 'no saved value' });
    else if (EXPRESSION.test(value)) unresolved.push({ name: k, why: `saved as \`${value.slice(0, 40)}\`, an expression` });
  }
  const expressions = [...new Set([...content.matchAll(/\$\[[^\]\n]{1,60}\]/g)].map((m) => m[0]))];
  return { used, unresolved, expressions };
}

/** The confirmation's warning line, or undefined when everything resolves. */
export function manualRunWarning(p: ManualRunParams): string | undefined {
  const parts: string[] = [];
  if (p.unresolved.length) {
    parts.push(
      `${p.unresolved.map((u) => `\`\${${u.name}}\` (${u.why})`).join(', ')} ${p.unresolved.length > 1 ? 'are' : 'is'} not resolved in a temporary run (only scheduled and backfill runs resolve scheduler parameters and \`$[…]\` expressions): pass ${p.unresolved.map((u) => `\`--param ${u.name}=…\``).join(' ')}.`,
    );
  }
  if (p.expressions.length)
    parts.push(
      `${p.expressions.map((e) => `\`${e}\``).join(', ')} in the content ${p.expressions.length > 1 ? 'are' : 'is'} not resolved by hand: the run sees the text as written.`,
    );
  return parts.length ? `:warning: ${parts.join(' ')}` : undefined;
}
