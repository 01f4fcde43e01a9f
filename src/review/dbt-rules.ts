/**
 * Review rules for a Studio Shell/Python task that runs dbt (seed 004): the adapter version
 * (dbt-clickzetta ≥ 1.7.8, which needs Python ≥ 3.10), the target a scheduled run writes, `dbt
 * debug` before building, incremental models that really are incremental, and no password
 * written in profiles.yml. Pure: the task's content and schedule only.
 */
import type { Priority } from './rules.js';

export interface DbtFinding {
  rule: 'dbt-version' | 'dbt-target' | 'dbt-debug-first' | 'dbt-incremental' | 'dbt-password-in-profile';
  priority: Priority;
  evidence: string;
  fix: string;
}

/** The oldest dbt-clickzetta seed 004 supports. */
export const DBT_CLICKZETTA_MIN = [1, 7, 8] as const;

const BUILD = /\bdbt\s+(?:run|build|seed|snapshot|test)\b[^\n]*/g;

/** Does this Shell/Python content run dbt? */
export function runsDbt(content: string): boolean {
  return /\bdbt\s+(?:run|build|debug|seed|snapshot|test)\b/.test(content) || /\bdbtRunner\s*\(/.test(content);
}

const below = (v: number[], min: readonly number[]) => {
  for (let i = 0; i < min.length; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) < min[i]!;
  return false;
};

function versionFindings(content: string): DbtFinding[] {
  const out: DbtFinding[] = [];
  const min = DBT_CLICKZETTA_MIN.join('.');
  const old = /\bpython(3\.[0-9])\b/.exec(content);
  if (old) {
    out.push({
      rule: 'dbt-version',
      priority: 'P1',
      evidence: `runs \`python${old[1]}\`; dbt-clickzetta ${min}+ needs Python 3.10 or later`,
      fix: 'Use Python 3.10+ (3.12 recommended) for the task.',
    });
    return out;
  }
  const pins = [...content.matchAll(/dbt-clickzetta\s*(?:(==|>=|~=|>)\s*(\d+(?:\.\d+){0,2}))?/g)];
  const installs = /\bpip3?\s+install\b|-m\s+pip\s+install\b/.test(content);
  if (!installs || pins.length === 0) return out;
  const pinned = pins.filter((p) => p[2] !== undefined);
  if (pinned.length === 0) {
    out.push({
      rule: 'dbt-version',
      priority: 'P2',
      evidence: 'installs dbt-clickzetta without a version',
      fix: `Pin it: pip install "dbt-clickzetta>=${min}" (a run must not pick up an untested release, nor an old one from a cache).`,
    });
    return out;
  }
  const tooOld = pinned.find((p) => below(p[2]!.split('.').map(Number), DBT_CLICKZETTA_MIN));
  if (tooOld)
    out.push({
      rule: 'dbt-version',
      priority: 'P1',
      evidence: `installs \`dbt-clickzetta${tooOld[1]}${tooOld[2]}\`, older than ${min}`,
      fix: `Install dbt-clickzetta>=${min} (seed 004: 1.7.8 or later; dbt-core 1.8+ comes with it).`,
    });
  return out;
}

export function dbtFindings(t: { content: string; cron: string | undefined }): DbtFinding[] {
  if (!runsDbt(t.content)) return [];
  const out = versionFindings(t.content);
  const builds = [...t.content.matchAll(BUILD)].map((m) => m[0]);
  if (t.cron && builds.length) {
    const untargeted = builds.find((b) => !/(?:--target|-t)\s+\S+/.test(b));
    const dev = builds.find((b) => /(?:--target|-t)\s+['"]?dev\b/.test(b));
    if (untargeted || dev)
      out.push({
        rule: 'dbt-target',
        priority: 'P1',
        evidence: untargeted
          ? `scheduled \`${t.cron}\`: \`${untargeted.trim()}\` names no target (the profile's default, dev in seed 004)`
          : `scheduled \`${t.cron}\`: \`${dev!.trim()}\` writes dev`,
        fix: 'Give the scheduled run its target explicitly — --target prod (or a task parameter set to prod) — and keep dev for runs by hand.',
      });
  }
  const firstBuild = t.content.search(/\bdbt\s+(?:run|build|seed|snapshot|test)\b/);
  const debug = t.content.search(/\bdbt\s+debug\b/);
  if (firstBuild >= 0 && (debug < 0 || debug > firstBuild))
    out.push({
      rule: 'dbt-debug-first',
      priority: 'P2',
      evidence: 'builds without `dbt debug` first',
      fix: 'Run `dbt debug` (with the same --target) before dbt run/build: a wrong profile or connection then fails in seconds, before any model.',
    });
  for (const m of t.content.matchAll(/\{\{\s*config\s*\(([^)]*materialized\s*=\s*['"]incremental['"][^)]*)\)\s*\}\}([\s\S]*?)(?:\n[A-Z]+\s*\n|$)/g)) {
    const config = m[1]!;
    const body = m[2]!;
    const incremental = /is_incremental\s*\(\s*\)/.test(body);
    const streamOnly = [...body.matchAll(/source\s*\(\s*['"][^'"]+['"]\s*,\s*['"]([^'"]+)['"]\s*\)/g)].every((s) => /stream/i.test(s[1]!)) && /source\s*\(/.test(body);
    if (!incremental && !streamOnly && !/unique_key/.test(config)) {
      out.push({
        rule: 'dbt-incremental',
        priority: 'P1',
        evidence: "a materialized='incremental' model without is_incremental(), a unique_key or a table stream",
        fix: 'Each run appends the whole source again: read the table stream under {% if is_incremental() %} (seed 004), or filter on a watermark there, or set unique_key.',
      });
      break;
    }
  }
  const password = /^\s*password:\s*(?!['"]?\{\{)(['"]?)([^\s'"]+)\1\s*$/m.exec(t.content);
  if (password && !/^<.*>$/.test(password[2]!))
    out.push({
      rule: 'dbt-password-in-profile',
      priority: 'P1',
      evidence: 'profiles.yml in the task content has a password written in it',
      fix: 'Read it from the environment: password: "{{ env_var(\'CZ_PASSWORD\') }}" (a Studio task parameter or secret), and change the password that was written.',
    });
  return out;
}
