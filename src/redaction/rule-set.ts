/**
 * The maintained rule set: secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend,
 * run by @secretlint/core). Its rules know vendors' token formats (AWS, GCP, GitHub, GitLab, Slack,
 * npm, OpenAI, Anthropic, SendGrid, Shopify, Hugging Face, Grafana, Vault, Databricks…) and are
 * kept current by the package, not by us. Its API is asynchronous, so it runs where the bot can
 * wait: the Slack boundary and whole texts read by the core (log pages, logs to diagnose).
 *
 * One rule is left out: filter-comments, which lets a `secretlint-disable` comment in the text
 * switch detection off — in a log, that would be the attacker's choice.
 *
 * The core's cost grows with the square of the findings in one source, so a long text is linted in
 * chunks of 32 KB (cut at a line end where possible, overlapping so a token on a cut is seen whole).
 */
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { rules as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { Span } from './spans.js';

type CoreConfig = Parameters<typeof lintSource>[0]['options']['config'];

// @secretlint/profiler 12 marks every rule of every lint with performance.mark() and keeps every mark
// in a list it searches on each new one: in a long-running process that is unbounded memory and
// quadratic time (secretlint issues #1633, #1653; fixed upstream by #1673, "profiling only when
// --profile is specified", in versions that need Node 22). We never read the profile: no marks.
secretLintProfiler.mark = () => undefined;

const LEFT_OUT = new Set(['@secretlint/secretlint-rule-filter-comments']);

const config: CoreConfig = {
  rules: recommended.filter((r) => !LEFT_OUT.has(r.meta.id)).map((rule) => ({ id: rule.meta.id, rule })) as CoreConfig['rules'],
};

/** The rule ids in use (for the README and the tests). */
export const RULE_SET_RULES: readonly string[] = config.rules.map((r) => r.id);

const CHUNK = 32 * 1024;
const OVERLAP = 1024;

function chunks(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + CHUNK);
    if (end < text.length) {
      const nl = text.lastIndexOf('\n', end);
      if (nl > start + CHUNK / 2) end = nl + 1;
    }
    out.push({ start, end: Math.min(text.length, end + (end < text.length ? OVERLAP : 0)) });
    start = end;
  }
  return out;
}

/**
 * A finding cut at the end of its token: a rule whose pattern runs on (a connection string matched
 * to the end of an escaped JSON document) must not swallow the text after the secret. Private keys
 * span lines and are kept whole.
 */
function clampToToken(text: string, start: number, end: number): Span {
  if (text.startsWith('-----', start)) return { start, end };
  const rest = text.slice(start, end);
  const cut = rest.search(/[\s"'`\\<>\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/);
  return { start, end: cut > 0 ? start + cut : end };
}

/** Where the maintained rules find secrets in `text`. */
export async function ruleSetSpans(text: string): Promise<Span[]> {
  const out: Span[] = [];
  for (const c of chunks(text)) {
    const content = text.slice(c.start, c.end);
    const result = await lintSource({ source: { content, filePath: 'slack-text.txt', ext: '.txt', contentType: 'text' }, options: { config, noPhysicFilePath: true } });
    for (const m of result.messages) out.push(clampToToken(text, c.start + m.range[0], c.start + m.range[1]));
  }
  return out;
}
