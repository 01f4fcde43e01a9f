/** Block Kit for the standards review and the cron explainer. */
import type { StudioPreviewCheck } from '../ops/read.js';
import type { CronAnalysis } from '../cron/explain.js';
import type { ReviewReport } from '../review/index.js';
import type { Priority, ReviewFinding } from '../review/rules.js';
import { type Block, type Message, button, context, divider, esc, finishMessage, header, link, section } from './kit.js';
import type { LinkBuilder } from './replies.js';

export const REVIEW_FIX = 'review_fix';

const ICON: Record<Priority, string> = { P0: ':red_circle:', P1: ':large_orange_circle:', P2: ':white_circle:' };
const MEANING: Record<Priority, string> = { P0: 'breaks the pipeline', P1: 'against the standard', P2: 'advice' };

function findingBlock(f: ReviewFinding, links: LinkBuilder): Block[] {
  const who = f.task && f.taskId !== undefined ? link(links.taskLink(f.taskId), f.task) : 'folder';
  const text = `${ICON[f.priority]} *${esc(f.priority)}* \`${f.rule}\` · ${who}\n${esc(f.evidence)}\n*Fix:* ${esc(f.fix)}`;
  if (!f.autoFix) return [section(text)];
  return [section(text, button({ text: 'Fix', actionId: REVIEW_FIX, value: JSON.stringify(f.autoFix), style: 'primary' }))];
}

export function buildReviewReport(r: ReviewReport, links: LinkBuilder): Message {
  const all = r.folders.flatMap((f) => f.findings);
  const count = (p: Priority) => all.filter((f) => f.priority === p).length;
  const title = r.folders.length === 1 ? `Standards check: ${r.folders[0]!.folder}` : `Standards check: ${r.folders.length} folders`;
  const blocks: Block[] = [
    header(title),
    context(
      `${count('P0')} P0 · ${count('P1')} P1 · ${count('P2')} P2 over ${r.folders.reduce((s, f) => s + f.tasks, 0)} tasks — P0 ${MEANING.P0}, P1 ${MEANING.P1}, P2 ${MEANING.P2}`,
    ),
  ];
  for (const f of r.folders) {
    if (r.folders.length > 1)
      blocks.push(
        section(
          `*${esc(f.folder)}* (${f.tasks} tasks): ${f.findings.length ? `${f.findings.length} finding${f.findings.length > 1 ? 's' : ''}` : ':white_check_mark: no findings'}`,
        ),
      );
    else if (f.findings.length === 0) blocks.push(section(':white_check_mark: No findings: this folder follows the standard.'));
    for (const p of ['P0', 'P1', 'P2'] as Priority[]) {
      for (const finding of f.findings.filter((x) => x.priority === p)) blocks.push(...findingBlock(finding, links));
    }
    if (r.folders.length > 1) blocks.push(divider());
  }
  return finishMessage(`${title}: ${count('P0')} P0, ${count('P1')} P1, ${count('P2')} P2`, blocks, 'check one folder at a time: /cz check <folder>');
}

export function buildCronAnswer(a: CronAnalysis, zones: { label: string; tz: string; times: number[] }[], preview: StudioPreviewCheck = { kind: 'unavailable' }): Message {
  if (!a.studio) {
    const problem = a.problems[0]?.message ?? 'not a cron expression';
    return finishMessage('Not a cron expression', [
      section(`:warning: \`${esc(a.input)}\`: ${esc(problem)}`),
      // The problem names the example already when the reader wrote one (said once, not twice).
      ...(problem.includes('`30 2 * * *`') ? [] : [context('Example: `/cz cron 30 2 * * *` (daily 02:30) or `/cz cron 0 30 2 * * ? *`')]),
    ]);
  }
  const fmt = (t: number, tz: string) =>
    new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    }).format(new Date(t));
  const blocks: Block[] = [
    section(`*\`${esc(a.studio)}\`* — Studio's 7-field form${a.inputFields !== 7 ? ` of your ${a.inputFields}-field \`${esc(a.input)}\`` : ''}\n${esc(a.description ?? '')}`),
  ];
  if (a.problems.length) {
    blocks.push(
      section(
        `${a.problems.map((p) => `${p.severity === 'error' ? ':x:' : ':warning:'} ${esc(p.message)}`).join('\n')}${a.nearestValid ? `\n*Nearest valid:* \`${esc(a.nearestValid)}\`${a.nearestDescription ? ` — ${esc(a.nearestDescription)}` : ''}` : ''}`,
      ),
    );
  } else blocks.push(context(':white_check_mark: Studio accepts it.'));
  for (const z of zones)
    blocks.push(
      section(
        `*Next ${z.times.length} runs — ${esc(z.label)} (${esc(z.tz)})*${a.nearestValid ? ' of the nearest valid expression' : ''}\n${z.times.map((t) => `• ${fmt(t, z.tz)}`).join('\n')}`,
      ),
    );
  if (preview.kind === 'agrees') blocks.push(context(`:white_check_mark: Studio's own preview gives the same next ${preview.count} runs.`));
  if (preview.kind === 'differs') {
    blocks.push(
      section(
        `:warning: *Studio's own preview differs* — trust Studio's:\n${preview.studio.map((t, i) => `• Studio \`${esc(t)}\` · ours \`${esc(preview.ours[i] ?? '—')}\``).join('\n')}`,
      ),
    );
  }
  return finishMessage(`${a.studio}: ${a.description ?? ''}`, blocks);
}
