/** Block Kit for diagnoses, explanations and type mappings. */
import type { Diagnosis, Finding } from '../knowledge/diagnose.js';
import type { ErrorEntry, Knowledge } from '../knowledge/load.js';
import type { RunDiagnosis, TypeMappingSource } from '../ops/diagnosis.js';
import type { CauseHistory } from '../store/memory.js';
import { humanDuration } from '../studio/dates.js';
import type { Run } from '../studio/models.js';
import { RUN_STATUS_GROUPS, isStreamKind } from '../studio/enums.js';
import { type Block, type Message, actions, button, context, divider, esc, finishMessage, header, inlineCode, link, section } from './kit.js';
import { redactedExcerpt } from '../redaction/index.js';
import { ACTION, type LinkBuilder, lineSections, statusText, when } from './replies.js';

const SEVERITY_ICON: Record<string, string> = { critical: ':red_circle:', high: ':large_orange_circle:', medium: ':large_yellow_circle:', low: ':white_circle:' };

/** What a diagnosis knows of its run, for the suggested checks. */
export interface CheckFacts {
  run?: Pick<Run, 'bizDate' | 'taskName' | 'vcCode'>;
  /** `schema.table` the task's SQL writes. */
  outputTable?: string;
}

/**
 * A suggested check with the run's own values in place of `<bizdate>`, `<task>`, `<vcluster>` and
 * the output table (`<schema>.<table>`, `<target>`, `<table>`); what is not known stays for the reader.
 */
export function fillCheck(text: string, facts: CheckFacts = {}): string {
  const { run, outputTable } = facts;
  let out = text;
  if (run) out = out.replaceAll('<task>', run.taskName);
  if (run?.bizDate) out = out.replaceAll('<bizdate>', run.bizDate);
  if (run?.vcCode) out = out.replaceAll('<vcluster>', run.vcCode);
  if (outputTable) {
    const [schema, table] = outputTable.split('.') as [string, string];
    out = out.replaceAll('<schema>.<table>', outputTable).replaceAll('<target>', outputTable).replaceAll('<schema>', schema).replaceAll('<table>', table);
  }
  return out;
}

/** "Seen 3 times in this workspace; last fixed by a rerun from the card in 12 min." */
export function historyLine(h: CauseHistory): string {
  const seen = `Seen ${h.seen} time${h.seen === 1 ? '' : 's'} in this workspace`;
  return h.last ? `${seen}; last fixed by ${h.last.how} in ${humanDuration(Math.max(60_000, h.last.ms))}.` : `${seen}; not resolved here yet.`;
}

function entryBlocks(e: ErrorEntry, f?: Finding, facts?: CheckFacts, history?: CauseHistory): Block[] {
  const conf = f ? ` · confidence ${Math.round(f.confidence * 100)} %` : '';
  const blocks: Block[] = [
    section(`${SEVERITY_ICON[e.severity]} *${esc(e.title)}* \`${e.id}\`${conf}\n*Cause* ${esc(e.cause)}`),
    section(`*Fix*\n${e.remediation.map((r, i) => `${i + 1}. ${esc(r)}`).join('\n')}\n*Check* ${e.verify.map((v) => `\`${esc(fillCheck(v.text, facts))}\``).join(' · ')}`),
  ];
  if (f?.evidence.length)
    blocks.push(context(f.evidence.map((ev) => `${ev.line === 0 ? 'failure message' : `line ${ev.line}`}: ${inlineCode(redactedExcerpt(ev.text, 240))}`).join('\n')));
  if (history) blocks.push(context(`:brain: ${esc(historyLine(history))}`));
  return blocks;
}

/** The action buttons an entry suggests, for a run. */
function helpButtons(entries: ErrorEntry[], run: Run | undefined, links: LinkBuilder) {
  if (!run) return [];
  const wanted = new Set(entries.flatMap((e) => e.actions));
  const out = [];
  if (wanted.has('view_logs')) out.push(button({ text: 'Logs', actionId: ACTION.logs, value: String(run.id) }));
  const stream = isStreamKind(run.taskType.kind);
  if (wanted.has('rerun') && !stream && [1, 3, 8].includes(run.status.code)) out.push(button({ text: 'Rerun', actionId: ACTION.rerun, value: String(run.id), style: 'primary' }));
  if (wanted.has('backfill') && !stream && run.bizDate)
    out.push(button({ text: 'Backfill…', actionId: ACTION.backfill, value: JSON.stringify({ taskId: run.taskId, task: run.taskName, date: run.bizDate }) }));
  out.push(button({ text: 'Open task', actionId: ACTION.openStudio, url: links.taskLink(run.taskId) }));
  return out;
}

export function buildDiagnosis(
  d: Diagnosis,
  opts: {
    title: string;
    run?: Run;
    outputTable?: string;
    links: LinkBuilder;
    truncated?: boolean;
    history?: ReadonlyMap<string, CauseHistory>;
    /** The reply to `/cz explain` itself: it does not suggest `/cz explain`. */
    isExplain?: boolean;
  },
): Message {
  const blocks: Block[] = [header(opts.title)];
  if (opts.run) {
    const r = opts.run;
    blocks.push(
      context(
        `${statusText(r.status.label)} run ${link(opts.links.runLink(r.id), String(r.id))} of \`${esc(r.taskName)}\` (${esc(r.taskType.label)}), business date ${esc(r.bizDate ?? '—')}`,
      ),
    );
  }
  const c = d.coverage;
  if (!c.complete) {
    const budget = c.budgetMs === undefined ? '' : c.budgetMs >= 1000 ? ` (${Math.round(c.budgetMs / 100) / 10} s)` : ` (${c.budgetMs} ms)`;
    blocks.push(
      context(
        `:warning: *Stopped early:* the diagnosis used up its time budget${budget} after reading ${c.linesRead.toLocaleString('en-US')} of ${c.totalLines.toLocaleString('en-US')} lines; what follows is from those lines only.`,
      ),
    );
  }
  const f = d.failure;
  const decisive = f ? f.lines.map((l) => `${l.line === 0 ? 'failure message' : `line ${l.line}`}: ${inlineCode(redactedExcerpt(l.text, 280))}`) : [];
  const named = f
    ? [f.errorClass, f.errorCode]
        .filter(Boolean)
        .map((x) => `\`${esc(x)}\``)
        .join(' · ')
    : '';
  if (d.findings.length === 0 && f) {
    // No entry matched, but the log says how the run ended: the kind of failure when its words say,
    // always the decisive line, the component and what to check first.
    blocks.push(
      section(
        f.category
          ? `:mag: *${esc(f.category.title)}* — ${esc(f.componentLabel)}${named ? ` · ${named}` : ''}`
          : `:mag: *The run failed in the ${esc(f.componentLabel)}*${named ? ` · ${named}` : ''}`,
      ),
    );
    blocks.push(...lineSections(decisive));
    blocks.push(section(`*Check first* ${esc(f.checkFirst)}`));
  } else if (d.findings.length === 0 && opts.run && !(RUN_STATUS_GROUPS.failed as readonly number[]).includes(Number(opts.run.status.code))) {
    // Not a failure (a baseline card's slow run, one still waiting): there is no error to explain.
    const r = opts.run;
    const since = r.startTime ? `, running since ${when(r.startTime)}` : r.planTime ? `, planned for ${when(r.planTime)}` : '';
    blocks.push(
      section(
        `:hourglass_flowing_sand: *This run has not failed*: it is ${esc(r.status.label)}${since}, and nothing in its log so far names a cause. If it is slower than usual: \`/cz runs ${esc(r.taskName)}\` shows how long its runs took, and its log (*Logs*) where it is now.`,
      ),
    );
  } else if (d.findings.length === 0) {
    blocks.push(section(d.salient.length ? '*No known cause matched.* The most telling lines:' : '*No known cause matched.*'));
    if (d.salient.length) blocks.push(...lineSections(d.salient.map((s) => `\`${s.line}\` ${inlineCode(redactedExcerpt(s.text, 280))}`)));
    blocks.push(section(`*Next steps*\n${d.nextSteps.map((s) => `• ${esc(s)}`).join('\n')}`));
  } else {
    d.findings.slice(0, 4).forEach((f, i) => {
      if (i > 0) blocks.push(divider());
      blocks.push(...entryBlocks(f.entry, f, { run: opts.run, outputTable: opts.outputTable }, opts.history?.get(f.entry.id)));
    });
    if (f)
      blocks.push(
        // The entries above are the answer; the kind the taxonomy read is not said again beside them (it could name another).
        context(`Decisive ${decisive.length > 1 ? 'lines' : 'line'} (${esc(f.componentLabel)}): ${decisive.join(' · ')}`),
      );
    if (d.findings.length > 4)
      blocks.push(
        context(
          `${d.findings.length - 4} less likely cause(s) not shown: ${d.findings
            .slice(4)
            .map((f) => f.entry.id)
            .join(', ')}`,
        ),
      );
  }
  const buttons = helpButtons(
    d.findings.map((f) => f.entry),
    opts.run,
    opts.links,
  );
  if (buttons.length) blocks.push(actions(buttons));
  if (opts.truncated) blocks.push(context('The log was longer than the bot reads (20 MB); only its beginning was diagnosed.'));
  const top = d.findings[0];
  blocks.push(
    context(
      top
        ? `Excerpts are redacted. More on this cause: \`/cz explain ${top.entry.id}\`.`
        : opts.isExplain
          ? 'Excerpts are redacted.'
          : 'Excerpts are redacted. To look up an error line or code, paste it after `/cz explain`.',
    ),
  );
  const partial = c.complete ? '' : ` (stopped early: ${c.linesRead} of ${c.totalLines} lines read)`;
  const summary = top ? top.entry.title : f ? (f.category?.title ?? `failed in the ${f.componentLabel}`) : 'no known cause';
  return finishMessage(`${opts.title}: ${summary}${partial}`, blocks);
}

/** A run's diagnosis as every surface shows it (button, card thread, shortcut, alert from another tool). */
export function buildRunDiagnosis(r: RunDiagnosis, opts: { title: string; links: LinkBuilder }): Message {
  return buildDiagnosis(r.diagnosis, { ...opts, run: r.run, outputTable: r.outputTable, truncated: r.truncated, history: r.history });
}

export function buildExplainEntry(e: ErrorEntry, history?: CauseHistory): Message {
  const signals = [...e.match.codes, ...e.match.messages].map((s) => `\`${esc(s)}\``).join(', ');
  return finishMessage(`${e.id}: ${e.title}`, [
    header(e.title),
    ...entryBlocks(e, undefined, undefined, history),
    context(`Matches ${signals || 'patterns'} · applies to ${e.task_types.length ? e.task_types.join(', ') : 'any task type'} · source: ${esc(e.source)}`),
  ]);
}

export function buildTypeMappings(src: TypeMappingSource, k: Knowledge): Message {
  const lines = src.mappings.map((m) => `• \`${esc(m.source)}\` → ODS \`${esc(m.ods)}\`${m.avoid ? ` (not ${esc(m.avoid)})` : ''} → DWD ${esc(m.dwd)}`);
  const blocks: Block[] = [header(`${src.name} → Lakehouse types`), ...lineSections(lines)];
  if (src.cdc_unsupported.length) blocks.push(section(`*CDC cannot sync:* ${src.cdc_unsupported.map((c) => `\`${esc(c)}\``).join(', ')}`));
  blocks.push(context(esc(k.typeMappings.principle)));
  return finishMessage(`${src.name} type mappings`, blocks);
}

export function buildTypeSources(k: Knowledge, asked: string): Message {
  return finishMessage('Unknown source type', [
    section(`:warning: No type mappings for \`${esc(asked)}\`. Known sources: ${k.typeMappings.sources.map((s) => `\`${s.id}\``).join(', ')}.`),
    context('Example: `/cz types mysql`'),
  ]);
}
