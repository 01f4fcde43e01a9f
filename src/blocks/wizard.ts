/** Block Kit for the setup wizard. Every button carries the session id and the question it answers. */
import type { Button, ModalView } from '@slack/types';
import type { BuildOutcome, ChoiceView } from '../wizard/service.js';
import type { ExecStep, PlanAssessment, TaskAssessment, UndoResult } from '../wizard/execute.js';
import type { Checkpoint, Exploration } from '../wizard/lakehouse-checks.js';
import { type Plan, type TaskFate, cliCommands } from '../wizard/plan.js';
import type { PlanReview } from '../wizard/plan-review.js';
import { type LaunchOutcome, launchSteps } from '../wizard/launch.js';
import type { Question } from '../wizard/questions.js';
import { type Block, type Message, actions, button, codeBlocks, context, divider, esc, fields, finishMessage, header, link, section } from './kit.js';
import { LIMITS, clip } from './limits.js';
import { sampleBlocks } from './lakehouse.js';
import type { LinkBuilder } from './replies.js';

export const WIZARD = {
  start: 'wizard_start',
  answer: 'wizard_answer',
  text: 'wizard_text',
  back: 'wizard_back',
  restart: 'wizard_restart',
  cancel: 'wizard_cancel',
  confirm: 'wizard_confirm',
  undo: 'wizard_undo',
  runOnce: 'wizard_run_once',
  live: 'wizard_live',
  checkAgain: 'wizard_check_again',
  launch: 'wizard_launch',
  modal: 'wizard_text_modal',
  input: { block: 'wizard_input', action: 'wizard_input_value' },
  /** A choice from one of Studio's lists (static or external select); the block id carries the session and question. */
  choose: 'wizard_choose',
  /** Done picking the tables of a multi-table sync. */
  pickDone: 'wizard_pick_done',
  /** Read Studio's list again (a question waiting for a data source or a VCluster to exist). */
  recheck: 'wizard_recheck',
} as const;

/** The block id of a choice's select: `wizard_choose:<session>:<question>` (a select carries no value of its own). */
export function chooseBlockId(sessionId: string, questionId: string): string {
  return `${WIZARD.choose}:${sessionId}:${questionId}`;
}

export function parseChooseBlockId(blockId: string | undefined): { s: string; q: string } | undefined {
  const m = /^wizard_choose:([\w-]{1,100}):([a-z_]{1,60})$/.exec(blockId ?? '');
  return m ? { s: m[1]!, q: m[2]! } : undefined;
}

/** Options as Slack takes them (text ≤ 75 characters, value ≤ 150). */
export function selectOptions(options: { value: string; label: string }[]): { text: { type: 'plain_text'; text: string }; value: string }[] {
  return options.filter((o) => o.value.length <= 150).map((o) => ({ text: { type: 'plain_text' as const, text: clip(o.label, 75) }, value: o.value }));
}

function choiceBlocks(sessionId: string, q: Question, choice: ChoiceView): Block[] {
  if (choice.kind === 'blocked')
    return [
      section(`:warning: ${choice.message}`),
      actions([button({ text: 'Check again', actionId: WIZARD.recheck, value: v(sessionId, q.id), style: 'primary' })], `wizard_q_${q.id}`),
    ];
  const out: Block[] = [];
  if (choice.multi && choice.picked.length) out.push(section(`*Picked so far (${choice.picked.length}):* ${choice.picked.map((t) => `\`${esc(t)}\``).join(', ')}`));
  const counted = `${choice.total} ${choice.total === 1 ? choice.noun.replace(/s$/, '') : choice.noun}`;
  const placeholder = choice.external ? `Type to search ${counted}…` : `Choose (${counted} in Studio)`;
  const select = choice.external
    ? { type: 'external_select', action_id: WIZARD.choose, min_query_length: 1, placeholder: { type: 'plain_text', text: clip(placeholder, 150) } }
    : { type: 'static_select', action_id: WIZARD.choose, placeholder: { type: 'plain_text', text: clip(placeholder, 150) }, options: selectOptions(choice.options) };
  const elements: unknown[] = [select];
  if (choice.multi)
    elements.push(
      button({
        text: choice.picked.length ? `Done — use ${choice.picked.length} table${choice.picked.length > 1 ? 's' : ''}` : 'Done',
        actionId: WIZARD.pickDone,
        value: v(sessionId, q.id),
        style: choice.picked.length ? 'primary' : undefined,
      }),
    );
  out.push({ type: 'actions', block_id: chooseBlockId(sessionId, q.id), elements } as Block);
  if (choice.external)
    out.push(
      context(
        `${choice.total} ${esc(choice.noun)} in Studio: type part of a name (e.g. \`${esc(choice.options[0]?.value.split('.').pop()?.slice(0, 3) ?? 'ord')}\`) to search them; at most 100 matches are shown.`,
      ),
    );
  return out;
}

const v = (sessionId: string, questionId: string, answer = '') => JSON.stringify({ s: sessionId, q: questionId, a: answer });

function controls(sessionId: string, questionId: string, canGoBack: boolean): Block {
  const buttons = [];
  if (canGoBack) buttons.push(button({ text: '◀ Back', actionId: WIZARD.back, value: v(sessionId, questionId) }));
  buttons.push(button({ text: 'Start over', actionId: WIZARD.restart, value: v(sessionId, questionId) }));
  buttons.push(
    button({
      text: 'Cancel',
      actionId: WIZARD.cancel,
      value: v(sessionId, questionId),
      confirm: { title: 'Cancel the setup?', text: 'Nothing has been created in Studio yet.', confirm: 'Cancel setup', deny: 'Keep going' },
    }),
  );
  return actions(buttons, `wizard_controls_${questionId}`);
}

function mb(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.max(0.1, bytes / 1024 ** 2).toFixed(1)} MB`;
}

/** Step 1, data exploration: what the workspace holds, shown before technical selection. */
export function explorationBlocks(e: Exploration): Block[] {
  const part = <T>(v: T[] | { error: string }, show: (xs: T[]) => string) => ('error' in v ? `_could not be read: ${esc(v.error)}_` : v.length ? show(v) : '—');
  return [
    section(':mag: *Step 1 · Data exploration* — what this workspace holds, for the choices below.'),
    section(
      clip(
        [
          `*Schemas:* ${part(e.schemas, (xs) => xs.map((x) => `\`${esc(x.name)}\` (${x.tables})`).join(', '))}`,
          `*Largest tables:* ${part(e.largest, (xs) => xs.map((x) => `\`${esc(`${x.schema}.${x.table}`)}\` ${x.rows.toLocaleString('en-US')} rows, ${mb(x.bytes)}`).join(' · '))}`,
          `*Data sources:* ${part(e.dataSources, (xs) => xs.map((x) => `\`${esc(x.name)}\` (${esc(x.type)})`).join(', '))}`,
          `*VClusters:* ${part(e.vclusters, (xs) => xs.map((x) => `\`${esc(x.name)}\` ${esc(x.type)}`).join(', '))}`,
        ].join('\n'),
        LIMITS.sectionText,
      ),
    ),
    ...e.samples.flatMap(({ table, sample }) =>
      'error' in sample ? [context(`Sample of \`${esc(table)}\` could not be read: ${esc(sample.error)}`)] : sampleBlocks(sample, `Sample of ${table}`),
    ),
    divider(),
  ];
}

/** The launch checkpoints, each ✅/❌ with what to do. */
export function checkpointBlocks(cps: Checkpoint[]): Block[] {
  if (cps.length === 0) return [];
  const lines = cps.map(
    (c) =>
      `${c.ok === true ? ':white_check_mark:' : c.ok === false ? ':x:' : ':grey_question:'} *${esc(c.label)}*: ${esc(c.detail)}${c.ok !== true && c.todo ? `\n      → ${esc(c.todo)}` : ''}`,
  );
  const bad = cps.filter((c) => c.ok === false).length;
  return [
    section(
      clip(
        `*Data checkpoints* (Lakehouse, now)${bad ? ` — ${bad} to fix; fix them in order: if ODS is wrong, DWD will be too` : ' — all passed'}\n${lines.join('\n')}`,
        LIMITS.sectionText,
      ),
    ),
  ];
}

/**
 * What to do next under the checkpoints: Launch step by step (seed 000's launch: each step run once
 * and checked, schedules and deploys last), Run once for the DDL drafts whose tables are not there
 * yet (each a temporary run, after a confirmation; all of them before the first check), and Check again.
 */
function nextStepButtons(plan: Plan, sessionId: string, taskIds: Record<string, number>, cps: Checkpoint[] | undefined): Button[] {
  const value = JSON.stringify({ s: sessionId });
  // Offered unless its tables are known to be there (a check that could not read Lakehouse leaves it offered).
  const pending = (name: string) => !cps?.some((c) => c.label === `Tables of ${name}` && c.ok === true);
  const ddl = plan.tasks.filter((t) => t.role === 'ddl' && taskIds[t.name] !== undefined && pending(t.name));
  const runOnce = ddl.slice(0, 3).map((t) => button({ text: `Run ${t.name} once`, actionId: `${WIZARD.runOnce}_${taskIds[t.name]}`, value: String(taskIds[t.name]) }));
  if (!cps) return runOnce;
  return [
    button({ text: 'Launch step by step', actionId: WIZARD.launch, value, style: 'primary' }),
    ...runOnce,
    button({ text: 'Check again', actionId: WIZARD.checkAgain, value }),
  ];
}

export function buildCheckpoints(plan: Plan, sessionId: string, cps: Checkpoint[], taskIds: Record<string, number>): Message {
  return finishMessage(`${plan.folder}: checkpoints`, [header(`Checkpoints of ${plan.folder}`), ...checkpointBlocks(cps), actions(nextStepButtons(plan, sessionId, taskIds, cps))]);
}

export function buildQuestion(
  sessionId: string,
  q: Question,
  answered: { question: Question; answer: string; fromDoc: boolean }[],
  preface: Block[] = [],
  choice?: ChoiceView,
): Message {
  const blocks: Block[] = [...preface];
  const fromDoc = answered.filter((a) => a.fromDoc);
  if (fromDoc.length) blocks.push(context(`:page_facing_up: From your document: ${fromDoc.map((a) => `${esc(a.question.step)} — ${esc(a.answer)}`).join(' · ')}`));
  blocks.push(context(`*${esc(q.step)}* · question ${answered.length + 1}`));
  blocks.push(section(`*${esc(q.question)}*${q.hint ? `\n_${esc(q.hint)}_` : ''}`));
  if (q.choose) {
    blocks.push(...choiceBlocks(sessionId, q, choice ?? { kind: 'blocked', message: "Studio's list has not been read yet." }));
  } else if (q.input) {
    blocks.push(actions([button({ text: q.id === 'doc_text' ? 'Paste it…' : 'Answer…', actionId: WIZARD.text, value: v(sessionId, q.id), style: 'primary' })], `wizard_q_${q.id}`));
  } else {
    blocks.push(context(q.options.map((o) => `*${esc(o.label)}* — ${esc(o.description)}`).join('\n')));
    blocks.push(
      actions(
        q.options.map((o) => button({ text: o.label, actionId: `${WIZARD.answer}_${o.id}`, value: v(sessionId, q.id, o.id) })),
        `wizard_q_${q.id}`,
      ),
    );
  }
  blocks.push(
    controls(
      sessionId,
      q.id,
      answered.some((a) => !a.fromDoc),
    ),
  );
  return finishMessage(q.question, blocks);
}

/** What an answered question collapses to. */
export function buildAnswered(q: Question, answer: string): Message {
  return finishMessage(`${q.step}: ${answer}`, [context(`:white_check_mark: *${esc(q.question)}* ${esc(clip(answer, 200))}`)]);
}

export function buildClosedNote(text: string): Message {
  return finishMessage(text, [context(text)]);
}

export function buildTextModal(sessionId: string, q: Question): ModalView {
  return {
    type: 'modal',
    callback_id: WIZARD.modal,
    private_metadata: JSON.stringify({ s: sessionId, q: q.id }),
    title: { type: 'plain_text', text: q.id === 'doc_text' ? 'Requirements' : 'Pipeline setup' },
    submit: { type: 'plain_text', text: 'Next' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      {
        type: 'input',
        block_id: WIZARD.input.block,
        label: { type: 'plain_text', text: clip(q.question, 2000) },
        element: { type: 'plain_text_input', action_id: WIZARD.input.action, multiline: q.multiline, max_length: q.multiline ? 3000 : 40 },
        ...(q.hint ? { hint: { type: 'plain_text', text: clip(q.hint, 2000) } } : {}),
      },
    ],
  };
}

const ASSESS_ICON: Record<TaskAssessment['status'], string> = { create: ':new:', unchanged: ':heavy_minus_sign:', change: ':pencil2:' };

/** What building does to one existing task, for a person. */
function assessmentLine(a: TaskAssessment | undefined, ticked: ReadonlySet<string>): string {
  if (!a) return '';
  if (a.status === 'create') return ` ${ASSESS_ICON.create} _create_`;
  if (a.status === 'unchanged') return ` ${ASSESS_ICON.unchanged} _already there, unchanged_`;
  const what = esc(a.changes.join('; '));
  const kind = a.online ? 'live' : 'draft';
  return ticked.has(a.name)
    ? ` :warning: _${kind}, will change (ticked; Undo puts it back): ${what}_`
    : ` :lock: _${kind}, yours, differs (${what}): left as it is unless you tick it below_`;
}

/** Per planned task: what Confirm will do with it (an existing task is left unless ticked). */
export function fatesOf(
  plan: Plan,
  assessment: PlanAssessment | undefined,
  ticked: ReadonlySet<string>,
): { folderExists: boolean; tasks: Map<string, { fate: TaskFate; changes: string[] }> } {
  const tasks = new Map<string, { fate: TaskFate; changes: string[] }>();
  for (const t of plan.tasks) {
    const a = assessment?.tasks.find((x) => x.name === t.name);
    const fate: TaskFate = !a || a.status === 'create' ? 'create' : a.status === 'change' && ticked.has(t.name) ? 'change' : 'leave';
    tasks.set(t.name, { fate, changes: a?.changes ?? [] });
  }
  return { folderExists: assessment?.folderExists ?? false, tasks };
}

export function buildPlanMessage(
  sessionId: string,
  plan: Plan,
  summary: Record<string, string>,
  assessment?: PlanAssessment,
  ticked: ReadonlySet<string> = new Set(),
  review?: PlanReview,
): Message {
  const byName = new Map((assessment?.tasks ?? []).map((a) => [a.name, a]));
  const lines = plan.tasks.map(
    (t) =>
      `• *${esc(t.name)}*${assessmentLine(byName.get(t.name), ticked)} — ${esc(t.kind)}${t.cron ? `, \`${t.cron}\`` : t.role === 'sync' ? ', runs continuously' : ', no schedule (draft)'}${t.dependsOn.length ? `, after ${t.dependsOn.map((d) => `\`${esc(d)}\``).join(', ')}` : ''}${t.deploy ? ', deployed' : t.role === 'sync' ? ', saved as a frame (never deployed as one)' : t.role === 'transform' || t.role === 'dqc' ? ', saved (deployed once the sync is configured)' : ''}${t.uiSetup ? `\n    :point_right: ${esc(t.uiSetup)}` : ''}`,
  );
  const blocks: Block[] = [header(`Plan: ${plan.folder}`)];
  if (assessment?.folderExists) {
    blocks.push(
      section(
        `:warning: *The folder \`${esc(plan.folder)}\` already exists* (${assessment.existing} task${assessment.existing === 1 ? '' : 's'}, ${assessment.online} online). Below, per task: create, already there, or what would change. *Tasks already there — drafts or live — are yours: never changed unless you tick them*, and Undo puts a ticked one back as it was. Pick another project name with *Need adjustments* to start a new folder instead.`,
      ),
    );
  }
  blocks.push(
    fields(Object.entries(summary).map(([k, val]) => `*${esc(k)}*\n${esc(val)}`)),
    section(`*Route* ${esc(plan.route.label)}\n*Tasks*\n${lines.join('\n')}`),
    section(`*DWS/ADS* as Dynamic Tables (no scheduled task): ${plan.dynamicTables.map((d) => `\`${esc(d.name)}\` refreshing every ${esc(d.refresh.toLowerCase())}`).join(', ')}`),
  );
  const differing = (assessment?.tasks ?? []).filter((a) => a.status === 'change');
  if (differing.length > 0) {
    blocks.push(
      actions(
        differing.slice(0, 10).map((a) =>
          ticked.has(a.name)
            ? button({ text: clip(`Leave ${a.name} as it is`, 75), actionId: `${WIZARD.live}_${a.name}`, value: JSON.stringify({ s: sessionId, t: a.name }) })
            : button({
                text: clip(`Also change ${a.online ? 'live' : 'draft'} ${a.name}`, 75),
                actionId: `${WIZARD.live}_${a.name}`,
                value: JSON.stringify({ s: sessionId, t: a.name }),
                style: 'danger',
              }),
        ),
      ),
    );
  }
  const blocking = review?.blocking ?? [];
  if (review) {
    blocks.push(
      section(
        clip(
          blocking.length
            ? `:no_entry: *Standards check on this plan* — it cannot be confirmed as is:\n${blocking.map((f) => `• ${f.priority} \`${esc(f.rule)}\` *${esc(f.task ?? '')}*: ${esc(f.evidence)} → ${esc(f.fix)}`).join('\n')}\nUntick the task, or change the answer with *Need adjustments*.`
            : `:white_check_mark: *Standards check on this plan*: no P0/P1 finding on what it writes${review.advice.length ? ` (${review.advice.length} other note${review.advice.length === 1 ? '' : 's'})` : ''}.`,
          LIMITS.sectionText,
        ),
      ),
    );
  }
  const shared = (assessment?.tasks ?? []).filter((a) => a.elsewhere.length > 0);
  if (shared.length > 0) {
    const first = shared[0]!;
    blocks.push(
      context(
        `:information_source: *${shared.length === 1 ? 'A name' : `${shared.length} names`} in this plan ${shared.length === 1 ? 'is' : 'are'} already used in another folder*: ${shared.map((a) => `\`${esc(a.name)}\` (${a.elsewhere.map(esc).join(', ')})`).join(', ')}. After the build, a command given only the name (\`/cz runs ${esc(first.name)}\`) asks which one you mean: name it with its folder, \`/cz runs ${esc(plan.folder)}/${esc(first.name)}\`.`,
      ),
    );
  }
  if (plan.notes.length) blocks.push(context(plan.notes.map((n) => `:information_source: ${esc(n)}`).join('\n')));
  const cli = cliCommands(plan, fatesOf(plan, assessment, ticked));
  blocks.push(
    section('*The same with cz-cli* (what Confirm will do, nothing more)'),
    ...codeBlocks(cli.length ? cli.join('\n') : '# nothing to do: every task is already there or left as it is', 1),
  );
  blocks.push(
    actions([
      ...(blocking.length ? [] : [button({ text: 'Confirmed, start building', actionId: WIZARD.confirm, value: v(sessionId, 'confirm'), style: 'primary' })]),
      button({ text: 'Need adjustments', actionId: WIZARD.back, value: v(sessionId, 'confirm') }),
      button({ text: 'Start over', actionId: WIZARD.restart, value: v(sessionId, 'confirm') }),
      button({ text: 'Cancel', actionId: WIZARD.cancel, value: v(sessionId, 'confirm') }),
    ]),
  );
  return finishMessage(`Plan for ${plan.folder}: ${plan.tasks.length} tasks`, blocks);
}

const STEP_ICON: Record<ExecStep['status'], string> = { done: ':white_check_mark:', unchanged: ':heavy_minus_sign:', failed: ':x:' };

export function buildProgress(plan: Plan, steps: ExecStep[], running: boolean): Message {
  const lines = steps.map((s) => `${STEP_ICON[s.status]} ${esc(s.label)}${s.detail ? ` — ${esc(clip(s.detail, 300))}` : ''}`);
  const left = plan.tasks.length + 1 - steps.length;
  return finishMessage(`Building ${plan.folder}`, [
    section(
      `*Building \`${esc(plan.folder)}\` in Studio*${running && left > 0 ? ` — ${left} step${left > 1 ? 's' : ''} to go` : ''}\n${lines.join('\n')}`.slice(0, LIMITS.sectionText),
    ),
  ]);
}

export function buildUndoResult(folder: string, r: UndoResult): Message {
  const lines = r.steps.map((x) => `${STEP_ICON[x.status]} ${esc(x.label)}${x.detail ? ` — ${esc(clip(x.detail, 300))}` : ''}`);
  const head = r.ok
    ? `:white_check_mark: *Undone*: what the setup created in \`${esc(folder)}\` was deleted (each step in the audit log).`
    : ':warning: *Undo stopped*; press Undo again once the cause is fixed (finished steps are skipped).';
  return finishMessage(r.ok ? `${folder}: undone` : `${folder}: undo stopped`, [
    section(`${head}\n${lines.join('\n')}`.slice(0, LIMITS.sectionText)),
    ...(r.kept.length ? [context(`Left in place: ${esc(r.kept.join('; '))}`)] : []),
  ]);
}

export function buildResult(o: BuildOutcome, links: LinkBuilder): Message {
  const r = o.result;
  const blocks: Block[] = [...buildProgress(o.plan, r.steps, false).blocks];
  if (!r.ok) {
    blocks.push(
      section(`:warning: Stopped: ${esc(r.error ?? '')}\nNothing done so far is lost. Fix the cause and press *Confirmed, start building* again: finished steps are skipped.`),
    );
    return finishMessage(`Building ${o.plan.folder} stopped`, blocks);
  }
  const created = r.steps.filter((s) => s.status === 'done').length;
  blocks.push(
    section(
      created
        ? `:tada: *${esc(o.plan.folder)}* is ready (${r.writes} Studio write${r.writes === 1 ? '' : 's'}, each in the audit log).`
        : `:white_check_mark: *${esc(o.plan.folder)}* already matches the plan: nothing new was created.`,
    ),
  );
  const ui = o.plan.tasks.filter((t) => t.uiSetup);
  for (const t of ui)
    blocks.push(section(`:point_right: *${esc(t.name)}* needs the Studio UI: ${esc(t.uiSetup!)} ${link(links.taskLink(r.taskIds[t.name]!), 'Open it in Studio')}`));
  const v = o.verification;
  if (v) {
    const all = v.review?.folders.flatMap((f) => f.findings) ?? [];
    const serious = all.filter((f) => f.priority !== 'P2');
    blocks.push(divider());
    blocks.push(
      section(
        `*Checkpoints*\n${v.missing.length || v.mismatched.length ? `:x: Re-read found ${[...v.missing.map((m) => `missing ${m}`), ...v.mismatched.map((m) => `different ${m}`)].join(', ')}` : ':white_check_mark: Re-read from Studio: every task is there with its schedule and dependencies.'}\n${serious.length ? `:warning: Standards check: ${serious.map((f) => `${f.priority} \`${f.rule}\` ${f.task ?? ''}`).join('; ')}` : `:white_check_mark: Standards check: no P0/P1 findings${all.length ? ` (${all.length} P2 advice)` : ''}.`}`,
      ),
    );
    if (o.checkpoints) blocks.push(...checkpointBlocks(o.checkpoints));
    else
      blocks.push(
        context(
          'Next: run the DDL drafts once, in order, and check `SHOW TABLES IN <schema>`; run the sync once and compare row counts; then `REFRESH DYNAMIC TABLE` and `SHOW DYNAMIC TABLE REFRESH HISTORY`.',
        ),
      );
    const next = nextStepButtons(o.plan, o.sessionId, r.taskIds, o.checkpoints);
    if (next.length > 0) blocks.push(actions(next));
  }
  const made = r.created;
  if (made.tasks.length > 0 || made.folder || r.previous.length > 0) {
    const what = [...made.tasks.map((t) => t.name), ...(made.folder ? [`folder ${made.folder.name}`] : [])];
    const restored = r.previous.map((p) => p.name);
    blocks.push(
      actions([
        button({
          text: made.tasks.length || made.folder ? 'Undo: delete what this created' : 'Undo: put the changed tasks back',
          actionId: WIZARD.undo,
          value: JSON.stringify({ s: o.sessionId }),
          style: 'danger',
          confirm: {
            title: 'Delete what the setup created?',
            text: clip(
              `${what.length ? `Takes offline and deletes ${what.join(', ')} in Studio.` : ''}${restored.length ? ` Puts back ${restored.join(', ')} as they were before the build.` : ''} Other tasks that were already there are not touched.`.trim(),
              300,
            ),
            confirm: 'Delete them',
            deny: 'Keep them',
          },
        }),
      ]),
    );
  }
  return finishMessage(created ? `${o.plan.folder} is ready` : `${o.plan.folder}: nothing new`, blocks);
}

/**
 * The launch (seed 000's procedure): every step with ✅ passed / ❌ stopped here (what to fix) /
 * ⏸ not yet. A stopped launch offers *Check again*; a UI-only sync links to its task in Studio.
 */
export function buildLaunch(plan: Plan, sessionId: string, o: LaunchOutcome, links: LinkBuilder): Message {
  const lines = launchSteps(plan).map((step) => {
    const check = o.checks.find((c) => c.step === step.id);
    if (o.stoppedAt?.step === step.id) return `:x: *${esc(step.label)}* — ${esc(clip(o.stoppedAt.detail, 300))}\n      → ${esc(clip(o.stoppedAt.todo ?? '', 600))}`;
    if (o.state.passed.includes(step.id)) return `:white_check_mark: ${esc(step.label)}${check ? ` — ${esc(clip(check.detail, 300))}` : ''}`;
    return `:double_vertical_bar: ${esc(step.label)} — _not yet_`;
  });
  const blocks: Block[] = [
    header(`Launch of ${plan.folder}`),
    section(
      clip(
        `${o.stoppedAt ? ':octagonal_sign: *Stopped at a failed check* — fix it, then *Check again* (finished steps are not run again). Fail fast: if ODS is wrong, DWD will be too.' : ':tada: *Every step passed*: the scheduled tasks are live, deployed after their checks.'}\n${lines.join('\n')}`,
        LIMITS.sectionText,
      ),
    ),
  ];
  if (o.stoppedAt) {
    const buttons = [button({ text: 'Check again', actionId: WIZARD.launch, value: JSON.stringify({ s: sessionId }), style: 'primary' })];
    if (o.stoppedAt.taskId !== undefined)
      blocks.push(section(`:point_right: ${link(links.taskLink(o.stoppedAt.taskId), 'Open it in Studio')} and configure it there; the bot watches for the frame to be replaced.`));
    blocks.push(actions(buttons));
  }
  return finishMessage(o.stoppedAt ? `${plan.folder}: launch stopped at a check` : `${plan.folder}: launched`, blocks);
}
