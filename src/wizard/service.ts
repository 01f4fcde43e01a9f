/**
 * The setup wizard's state machine over stored sessions (Slack-free): start, answer, back,
 * start over, cancel, and confirm (authorised, audited, idempotent execution + verification).
 */
import type { Knowledge } from '../knowledge/load.js';
import type { Actor, OperationsService } from '../ops/operations.js';
import { type ReviewReport, reviewWorkspace } from '../review/index.js';
import type { VClusterDirectory } from '../studio/vclusters.js';
import type { WizardSession, WizardStore } from '../store/wizard.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import { extractFromDocument } from './document.js';
import {
  type Created,
  type ExecResult,
  type ExecStep,
  type PlanAssessment,
  type Previous,
  type UndoResult,
  type Verification,
  assessPlan,
  executePlan,
  undoBuild,
  verifyPlan,
} from './execute.js';
import { type Checkpoint, type Exploration, exploreWorkspace, launchCheckpoints } from './lakehouse-checks.js';
import { type Plan, buildPlan } from './plan.js';
import { type LaunchOutcome, type LaunchState, runLaunch } from './launch.js';
import { type PlanReview, reviewPlan } from './plan-review.js';
import type { LakehouseSql } from '../lakehouse/client.js';
import { type Question, nextQuestion, optionLabel, pruneAnswers, textProblem } from './questions.js';
import { type ChoiceList, type ChoiceOption, MAX_OPTIONS, StudioChoices, searchOptions, syncVClusterChoices } from './studio-choices.js';
import { type ChosenSourceTable, FRAME_MARK, routeOf } from './plan.js';

/** A question answered from one of Studio's lists: the options (or how to search them), or what must exist first. */
export type ChoiceView =
  | {
      kind: 'list';
      /** The options shown at once (a short list), or the first matches of an empty search (a long one). */
      options: ChoiceOption[];
      total: number;
      noun: string;
      /** More than Slack's 100 options: searched as the person types (an external select). */
      external: boolean;
      /** Several may be picked, one at a time, then Done. */
      multi: boolean;
      picked: string[];
    }
  | { kind: 'blocked'; message: string };

export type WizardView =
  | { kind: 'question'; session: WizardSession; question: Question; answered: { question: Question; answer: string; fromDoc: boolean }[]; choice?: ChoiceView }
  | { kind: 'plan'; session: WizardSession; plan: Plan }
  | { kind: 'cancelled'; session: WizardSession };

export type AnswerResult = WizardView | { kind: 'invalid'; message: string } | { kind: 'stale'; message: string };

export interface BuildOutcome {
  kind: 'built';
  sessionId: string;
  plan: Plan;
  result: ExecResult;
  verification: Verification | undefined;
  /** The launch checkpoints read from Lakehouse (tables, first sync, DWD vs ODS, first refresh). */
  checkpoints?: Checkpoint[];
}

/** The existing tasks (draft or live) the person ticked to be changed by the build. */
function ticked(s: WizardSession): string[] {
  const p = s.progress as { allowChange?: string[]; allowLive?: string[] } | null;
  return p?.allowChange ?? p?.allowLive ?? [];
}

function previousOf(s: WizardSession): Previous[] {
  return (s.progress as { previous?: Previous[] } | null)?.previous ?? [];
}

function createdOf(s: WizardSession): Created {
  const c = (s.progress as { created?: Created } | null)?.created;
  return { folder: c?.folder, tasks: c?.tasks ?? [] };
}

/** The tables picked so far for a multi-table sync (one at a time, then Done), for the data source they belong to. */
function picksOf(s: WizardSession): string[] {
  const p = (s.progress as { picks?: { ds?: string; tables?: string[] } } | null)?.picks;
  return p && p.ds === s.answers.source_ds ? (p.tables ?? []) : [];
}

function sourceTablesOf(s: WizardSession): ChosenSourceTable[] | undefined {
  return (s.progress as { sourceTables?: ChosenSourceTable[] } | null)?.sourceTables;
}

/** A route that syncs several tables: its table question takes several picks. */
function takesSeveralTables(answers: Record<string, string>): boolean {
  const r = routeOf(answers).id;
  return r === 'batch_multi' || r === 'cdc_multi';
}

export class WizardService {
  get questions(): Question[] {
    return this.d.questions;
  }

  private readonly choices: StudioChoices;

  constructor(
    private readonly d: {
      store: Remote<WizardStore>;
      questions: Question[];
      knowledge: Knowledge;
      studio: StudioClient;
      operations: OperationsService;
      vclusters: VClusterDirectory;
      etlVc: string;
      /** Lakehouse SQL for Step 1's exploration and the launch checkpoints. */
      lakehouse?: LakehouseSql;
      /** The launch's wait between polls of a run (tests advance a manual clock). */
      sleep?: (ms: number) => Promise<void>;
      now?: () => number;
      /** Studio's lists the wizard's choices come from (default: read through `studio`). */
      choices?: StudioChoices;
    },
  ) {
    this.choices = d.choices ?? new StudioChoices(d.studio, { now: d.now });
  }

  /** The list a `choose` question is answered from, read from Studio now (tables cached a few minutes). */
  private async choiceList(q: Question, answers: Record<string, string>, fresh = false): Promise<ChoiceList> {
    switch (q.choose) {
      case 'data_source':
        return this.choices.dataSources(answers.db_engine);
      case 'source_tables':
        return this.choices.tables(answers.source_ds ?? '', answers.db_engine);
      default:
        await this.d.vclusters.refresh(fresh);
        return syncVClusterChoices(this.d.vclusters.integrationClusters());
    }
  }

  private async choiceView(q: Question, s: WizardSession, fresh = false): Promise<ChoiceView> {
    const list = await this.choiceList(q, s.answers, fresh).catch(
      (e: Error): ChoiceList => ({ kind: 'blocked', message: `Studio's list could not be read (${e.message.slice(0, 160)}). *Check again* in a moment.` }),
    );
    if (list.kind === 'blocked') return list;
    const external = list.total > MAX_OPTIONS;
    const multi = q.choose === 'source_tables' && takesSeveralTables(s.answers);
    return { kind: 'list', options: list.options.slice(0, MAX_OPTIONS), total: list.total, noun: list.noun, external, multi, picked: multi ? picksOf(s) : [] };
  }

  /**
   * What a search in a long list offers (Slack's block_suggestion): the matches of what was typed,
   * at most 100. Only for the person's own current question; anything else gets no options.
   */
  async suggest(sessionId: string, userId: string, questionId: string, query: string): Promise<ChoiceOption[]> {
    const s = await this.d.store.get(sessionId);
    const q = this.d.questions.find((x) => x.id === questionId);
    if (!s || s.userId !== userId || s.status !== 'asking' || s.currentQuestion !== questionId || !q?.choose) return [];
    const list = await this.choiceList(q, s.answers);
    if (list.kind !== 'list') return [];
    const picked = new Set(picksOf(s));
    return searchOptions(
      list.options.filter((o) => !picked.has(o.value)),
      query.slice(0, 100),
    );
  }

  /** The current question again, its Studio list read afresh ("Check again" on a question that waits for Studio). */
  async recheck(sessionId: string, userId: string): Promise<AnswerResult> {
    const s = await this.live(sessionId, userId);
    if ('kind' in s) return s;
    return await this.view(s, true);
  }

  /**
   * Step 1, data exploration: what the workspace holds, read once per session (kept with it) and
   * shown before technical selection.
   */
  async exploration(sessionId: string): Promise<Exploration | undefined> {
    const s = await this.d.store.get(sessionId);
    if (!s || !this.d.lakehouse) return undefined;
    const kept = (s.progress as { explored?: Exploration } | null)?.explored;
    if (kept) return kept;
    const explored = await exploreWorkspace(this.d.lakehouse, this.d.studio);
    await this.d.store.update(s.id, { progress: { ...((s.progress as object | null) ?? {}), explored } });
    return explored;
  }

  /** The launch checkpoints of a built session's plan, read now ("Check again"). */
  async checkpoints(
    sessionId: string,
    userId: string,
  ): Promise<{ kind: 'checked'; plan: Plan; checkpoints: Checkpoint[]; taskIds: Record<string, number> } | { kind: 'stale'; message: string }> {
    const s = await this.d.store.get(sessionId);
    if (!s || s.userId !== userId) return { kind: 'stale', message: 'This setup belongs to someone else, or is no longer known.' };
    if (!this.d.lakehouse) return { kind: 'stale', message: 'Lakehouse SQL is not configured for this bot.' };
    const plan = this.plan(s);
    const ids: Record<string, number> = {};
    for (const t of plan.tasks) {
      const found = await this.d.studio.resolveTask(`${plan.folder}/${t.name}`).catch(() => undefined);
      if (found) ids[t.name] = found.id;
    }
    return { kind: 'checked', plan, checkpoints: await launchCheckpoints(this.d.lakehouse, this.d.studio, plan, ids), taskIds: ids };
  }

  private async view(s: WizardSession, fresh = false): Promise<WizardView> {
    if (s.status === 'cancelled') return { kind: 'cancelled', session: s };
    const q = nextQuestion(this.d.questions, s.answers);
    const choice = q?.choose ? await this.choiceView(q, s, fresh) : undefined;
    if (q && q.choose === 'sync_vcluster' && choice?.kind === 'list' && choice.total === 1) {
      // The workspace's only INTEGRATION VCluster (Studio says so): nothing to ask.
      return this.view(await this.d.store.update(s.id, { answers: { ...s.answers, [q.id]: choice.options[0]!.value } }));
    }
    if (!q) {
      const session = s.status === 'confirming' ? s : await this.d.store.update(s.id, { status: 'confirming', currentQuestion: null });
      return { kind: 'plan', session, plan: this.plan(session) };
    }
    const session = s.currentQuestion === q.id && s.status === 'asking' ? s : await this.d.store.update(s.id, { status: 'asking', currentQuestion: q.id });
    const answered = s.history
      .map((id) => this.d.questions.find((x) => x.id === id))
      .filter((x): x is Question => x !== undefined && s.answers[x.id] !== undefined)
      .map((x) => ({ question: x, answer: x.input ? s.answers[x.id]!.slice(0, 80) : optionLabel(x, s.answers[x.id]), fromDoc: s.fromDoc.includes(x.id) }));
    return { kind: 'question', session, question: q, answered, choice };
  }

  plan(s: WizardSession): Plan {
    return buildPlan(s.answers, { typeMappings: this.d.knowledge.typeMappings, etlVc: this.d.etlVc, sourceTables: sourceTablesOf(s) });
  }

  /**
   * Building needs operator rights on the new folder, which is named only later: someone with no
   * operator grant anywhere is told at the start (and the refusal audited) rather than after every
   * question. Confirm checks the folder itself, at that moment.
   */
  async mayStart(actor: Actor): Promise<{ ok: true } | { ok: false; message: string }> {
    const g = await this.d.operations.grantsOf(actor);
    if (g.grants.some((x) => x.role === 'operator' || x.role === 'admin')) return { ok: true };
    const r = await this.d.operations.refuse(
      actor,
      'setup',
      'wizard',
      {},
      {
        kind: 'refused',
        reason: 'permission',
        message:
          'Setting up a pipeline builds tasks in Studio, which needs *operator* rights on its folder; you are a viewer everywhere. Ask an admin to grant you operator on the folder you want to build.',
      },
    );
    return { ok: false, message: r.message };
  }

  async start(userId: string, channelId: string): Promise<WizardView> {
    // Learn the workspace's INTEGRATION cluster while the questions are answered (the plan names it).
    void this.d.vclusters.refresh();
    return await this.view(await this.d.store.start(userId, channelId));
  }

  async get(sessionId: string): Promise<WizardSession | undefined> {
    return await this.d.store.get(sessionId);
  }

  async setMessage(sessionId: string, ts: string): Promise<void> {
    await this.d.store.update(sessionId, { messageTs: ts });
  }

  private async live(sessionId: string, userId: string): Promise<WizardSession | { kind: 'stale'; message: string }> {
    const s = await this.d.store.get(sessionId);
    if (!s || s.userId !== userId) return { kind: 'stale', message: 'This wizard belongs to someone else, or is gone. Start your own with `/cz setup`.' };
    if (s.status === 'expired') return { kind: 'stale', message: 'This wizard expired after a day without answers. Start again with `/cz setup`.' };
    if (s.status === 'cancelled') return { kind: 'stale', message: 'This wizard was cancelled. Start again with `/cz setup`.' };
    return s;
  }

  /** Answer the current question (a stale click on an older question is refused). */
  async answer(sessionId: string, userId: string, questionId: string, value: string): Promise<AnswerResult> {
    const s = await this.live(sessionId, userId);
    if ('kind' in s) return s;
    if (s.status !== 'asking' || s.currentQuestion !== questionId)
      return { kind: 'stale', message: 'That question was already answered. Use *Back* on the current question to change an answer.' };
    const q = this.d.questions.find((x) => x.id === questionId)!;
    let progress = s.progress as Record<string, unknown> | null;
    if (q.choose) {
      const chosen = await this.choose(s, q, value.trim());
      if ('kind' in chosen) return chosen;
      value = chosen.value;
      progress = { ...(progress ?? {}), ...chosen.progress };
    } else if (q.input) {
      const problem = textProblem(q, value);
      if (problem) return { kind: 'invalid', message: problem };
    } else if (!q.options.some((o) => o.id === value)) return { kind: 'invalid', message: `"${value}" is not one of the options.` };
    let answers = { ...s.answers, [questionId]: value.trim() };
    const history = [...s.history, questionId];
    const fromDoc = [...s.fromDoc];
    if (questionId === 'doc_text') {
      // Step 0: whatever the document answers is skipped (and shown as "from your document").
      for (const [k, v] of Object.entries(extractFromDocument(value))) {
        if (answers[k] === undefined) {
          answers[k] = v;
          fromDoc.push(k);
          history.push(k);
        }
      }
    }
    answers = pruneAnswers(this.d.questions, answers);
    return await this.view(await this.d.store.update(s.id, { answers, history: history.filter((h) => answers[h] !== undefined), fromDoc, progress }));
  }

  /**
   * A choice from one of Studio's lists: only what the list holds (anything else refused with what
   * it does hold); a multi-table sync takes one table per pick and the empty answer (Done) ends it.
   * The chosen tables' columns are read from Studio for the ODS DDL.
   */
  private async choose(
    s: WizardSession,
    q: Question,
    value: string,
  ): Promise<{ value: string; progress: Record<string, unknown> } | { kind: 'invalid'; message: string } | WizardView> {
    const list = await this.choiceList(q, s.answers);
    if (list.kind === 'blocked') return { kind: 'invalid', message: list.message.replace(/\*Check again\*/, 'try again') };
    const multi = q.choose === 'source_tables' && takesSeveralTables(s.answers);
    const picked = multi ? picksOf(s) : [];
    if (multi && value === '') {
      if (picked.length === 0) return { kind: 'invalid', message: 'Pick at least one table first.' };
    } else if (!list.options.some((o) => o.value === value)) {
      const what =
        q.choose === 'source_tables'
          ? `a table of \`${s.answers.source_ds}\``
          : q.choose === 'data_source'
            ? 'one of the data sources Studio lists for this type'
            : "one of the workspace's INTEGRATION VClusters";
      return {
        kind: 'invalid',
        message: `\`${value.slice(0, 120)}\` is not ${what}: Studio lists ${list.total} ${list.noun}${
          list.total > MAX_OPTIONS
            ? ' (type part of a name to search them)'
            : ` (${list.options
                .map((o) => o.value)
                .join(', ')
                .slice(0, 300)})`
        }. Nothing was changed.`,
      };
    } else if (multi) {
      // One more table picked: kept with the session, and the same question shown again with it.
      const tables = picked.includes(value) ? picked : [...picked, value];
      const session = await this.d.store.update(s.id, { progress: { ...((s.progress as object | null) ?? {}), picks: { ds: s.answers.source_ds, tables } } });
      return this.view(session);
    }
    const tables = q.choose !== 'source_tables' ? [] : multi ? picked : [value];
    if (tables.length === 0) return { value, progress: {} };
    const sourceTables = await this.choices.columns(s.answers.source_ds ?? '', s.answers.db_engine, tables);
    return { value: tables.join(','), progress: { sourceTables, picks: undefined } };
  }

  /** Undo the last answer (and everything the document filled with it). */
  async back(sessionId: string, userId: string): Promise<AnswerResult> {
    const s = await this.live(sessionId, userId);
    if ('kind' in s) return s;
    if (s.status === 'executing') return { kind: 'stale', message: 'The pipeline is being built; wait for it to finish.' };
    const history = [...s.history];
    let last = history.pop();
    while (last && s.fromDoc.includes(last)) last = history.pop(); // skip what the document answered
    if (!last) return await this.view(await this.d.store.update(s.id, { status: 'asking' }));
    const answers = { ...s.answers };
    delete answers[last];
    if (last === 'doc_text') for (const k of s.fromDoc) delete answers[k];
    const kept = pruneAnswers(this.d.questions, answers);
    return await this.view(
      await this.d.store.update(s.id, { status: 'asking', answers: kept, history: history.filter((h) => kept[h] !== undefined), fromDoc: last === 'doc_text' ? [] : s.fromDoc }),
    );
  }

  async restart(sessionId: string, userId: string): Promise<AnswerResult> {
    const s = await this.live(sessionId, userId);
    if ('kind' in s) return s;
    return await this.view(await this.d.store.update(s.id, { status: 'asking', answers: {}, history: [], fromDoc: [], currentQuestion: null }));
  }

  async cancel(sessionId: string, userId: string): Promise<AnswerResult> {
    const s = await this.live(sessionId, userId);
    if ('kind' in s) return s;
    return await this.view(await this.d.store.update(s.id, { status: 'cancelled' }));
  }

  /**
   * Confirm: the clicking user needs operator rights on the new folder. Building is idempotent;
   * a second Confirm re-checks and creates nothing new. Concurrent clicks build once.
   */
  async confirm(
    sessionId: string,
    actor: Actor,
    onProgress: (plan: Plan, steps: ExecStep[]) => void | Promise<void>,
  ): Promise<BuildOutcome | { kind: 'refused'; message: string } | { kind: 'stale'; message: string }> {
    const s = await this.live(sessionId, actor.userId);
    if ('kind' in s) return s;
    if (s.status === 'asking') return { kind: 'stale', message: 'Answer the remaining questions first.' };
    if (s.status === 'executing') return { kind: 'stale', message: 'The pipeline is already being built; progress is shown above.' };
    await this.d.vclusters.refresh();
    const plan = this.plan(s);
    const role = await this.d.operations.roleOf(actor, { folder: plan.folder });
    if (role === 'viewer') {
      const r = await this.d.operations.refuse(
        actor,
        'setup',
        `folder:${plan.folder}`,
        { route: plan.route.id },
        { kind: 'refused', reason: 'permission', message: `Creating \`${plan.folder}\` in Studio needs *operator*; you are a viewer there.` },
      );
      return { kind: 'refused', message: r.message };
    }
    const noVc = plan.tasks.find((t) => t.role === 'sync' && t.vcCode === FRAME_MARK.syncVc);
    if (noVc) {
      const r = await this.d.operations.refuse(
        actor,
        'setup',
        `folder:${plan.folder}`,
        { route: plan.route.id, task: noVc.name },
        {
          kind: 'refused',
          reason: 'invalid',
          message: `${noVc.name} needs an INTEGRATION VCluster and none is chosen, so nothing was written. ${syncVClusterChoices(this.d.vclusters.integrationClusters()).kind === 'blocked' ? 'This workspace has none: create one (`CREATE VCLUSTER IF NOT EXISTS sync_vc VCLUSTER_SIZE = 1 VCLUSTER_TYPE = INTEGRATION;`), then' : ''} Start the setup again to choose it.`,
        },
      );
      return { kind: 'refused', message: r.message };
    }
    // Every standards rule runs on the plan before anything is written: a P0/P1 finding on a task the build writes blocks it.
    const allowChange = new Set(ticked(s));
    const planReview = await this.reviewPlan(plan, allowChange);
    if (planReview.blocking.length) {
      const r = await this.d.operations.refuse(
        actor,
        'setup',
        `folder:${plan.folder}`,
        { route: plan.route.id, rules: planReview.blocking.map((f) => `${f.priority} ${f.rule} ${f.task ?? ''}`.trim()) },
        {
          kind: 'refused',
          reason: 'invalid',
          message: `The plan breaks ${planReview.blocking.length === 1 ? 'a standards rule' : 'standards rules'}, so nothing was written: ${planReview.blocking
            .map((f) => `${f.priority} \`${f.rule}\` on ${f.task}: ${f.evidence}. ${f.fix}`)
            .join(' ')} Untick the task, or change the answer with *Need adjustments*.`,
        },
      );
      return { kind: 'refused', message: r.message };
    }
    const previous = s.status;
    // One build at a time, whichever replica the clicks reach: only one of them moves it to executing.
    if (!(await this.d.store.transition(s.id, [previous], 'executing'))) return { kind: 'stale', message: 'The pipeline is already being built; progress is shown above.' };
    try {
      const result = await executePlan(this.d.studio, plan, {
        allowChange,
        write: (what, fn) => this.d.operations.auditedWrite({ ...actor, source: 'wizard' }, what, fn),
        onProgress: (steps) => onProgress(plan, steps),
      });
      const verification = result.ok ? await verifyPlan(this.d.studio, plan, (folder) => this.review(folder)) : undefined;
      const checkpoints = result.ok && this.d.lakehouse ? await launchCheckpoints(this.d.lakehouse, this.d.studio, plan, result.taskIds).catch(() => undefined) : undefined;
      // What this session created, over every Confirm (a build that stopped and resumed): what an undo may delete.
      const before = createdOf(s);
      const created: Created = { folder: before.folder ?? result.created.folder, tasks: [...before.tasks, ...result.created.tasks] };
      result.created = created;
      // The rest of the session's progress is kept: the picked tables and their columns are part of
      // its plan (Check again, Launch and Undo make it again from the session).
      await this.d.store.update(s.id, {
        status: result.ok ? 'done' : 'confirming',
        progress: {
          ...((s.progress as object | null) ?? {}),
          steps: result.steps,
          ok: result.ok,
          created,
          previous: [...previousOf(s), ...result.previous],
          allowChange: [...allowChange],
        },
      });
      return { kind: 'built', sessionId: s.id, plan, result, verification, checkpoints };
    } catch (e) {
      await this.d.store.update(s.id, { status: previous === 'done' ? 'done' : 'confirming' });
      throw e;
    }
  }

  private readonly launching = new Set<string>();

  /**
   * Seed 000's launch process over a built session: each step run once and checked before the
   * next; schedules and deploys last. Stops at the first check that fails (kept with the session);
   * pressing it again re-checks that step and goes on.
   */
  async launch(
    sessionId: string,
    actor: Actor,
  ): Promise<
    { kind: 'launched'; plan: Plan; outcome: LaunchOutcome; taskIds: Record<string, number> } | { kind: 'refused'; message: string } | { kind: 'stale'; message: string }
  > {
    const s = await this.d.store.get(sessionId);
    if (!s || s.userId !== actor.userId) return { kind: 'stale', message: 'This setup belongs to someone else, or is no longer known.' };
    if (s.status !== 'done') return { kind: 'stale', message: 'Only a finished build can be launched.' };
    if (!this.d.lakehouse) return { kind: 'stale', message: 'Lakehouse SQL is not configured for this bot: the launch checks read it.' };
    const plan = this.plan(s);
    const role = await this.d.operations.roleOf(actor, { folder: plan.folder });
    if (role === 'viewer') {
      const r = await this.d.operations.refuse(
        actor,
        'launch',
        `folder:${plan.folder}`,
        { session: s.id },
        { kind: 'refused', reason: 'permission', message: `Launching \`${plan.folder}\` runs and deploys its tasks, which needs *operator*; you are a viewer there.` },
      );
      return { kind: 'refused', message: r.message };
    }
    if (this.launching.has(s.id)) return { kind: 'stale', message: 'The launch is already running; its steps are shown above.' };
    this.launching.add(s.id);
    try {
      const taskIds: Record<string, number> = {};
      for (const t of plan.tasks) {
        const found = await this.d.studio.resolveTask(`${plan.folder}/${t.name}`).catch(() => undefined);
        if (found) taskIds[t.name] = found.id;
      }
      const state = (s.progress as { launch?: LaunchState } | null)?.launch ?? { passed: [] };
      const now = this.d.now?.() ?? Date.now();
      const outcome = await runLaunch(
        {
          studio: this.d.studio,
          sql: this.d.lakehouse,
          write: (what, fn) => this.d.operations.auditedWrite({ ...actor, source: 'wizard' }, what, fn),
          sleep: this.d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
          bizdate: new Date(now - 86_400_000).toISOString().slice(0, 10),
        },
        plan,
        taskIds,
        state,
      );
      const fresh = await this.d.store.get(s.id);
      await this.d.store.update(s.id, { progress: { ...((fresh?.progress as object | null) ?? {}), launch: outcome.state } });
      return { kind: 'launched', plan, outcome, taskIds };
    } finally {
      this.launching.delete(s.id);
    }
  }

  /** The plan against what Studio holds (read-only): per task, create / unchanged / would change. */
  assess(plan: Plan): Promise<PlanAssessment> {
    return assessPlan(this.d.studio, plan);
  }

  /** The existing tasks (draft or live) the person ticked to be changed by the build. */
  async ticked(sessionId: string): Promise<string[]> {
    const s = await this.d.store.get(sessionId);
    return s ? ticked(s) : [];
  }

  /** The standards rules on the plan as it would be built (read-only). */
  async reviewPlan(plan: Plan, allowChange: ReadonlySet<string>, assessment?: PlanAssessment): Promise<PlanReview> {
    return reviewPlan(this.d.studio, plan, assessment ?? (await this.assess(plan)), allowChange, await this.d.vclusters.predicate());
  }

  /** Tick or untick one existing task to be changed by the build (only the session's owner, before building). */
  async toggleExisting(sessionId: string, userId: string, taskName: string): Promise<{ kind: 'ok'; session: WizardSession; plan: Plan } | { kind: 'stale'; message: string }> {
    const s = await this.d.store.get(sessionId);
    if (!s || s.userId !== userId) return { kind: 'stale', message: 'This setup belongs to someone else, or is no longer known.' };
    if (s.status !== 'confirming') return { kind: 'stale', message: 'The plan can only be changed before building.' };
    const now = new Set(ticked(s));
    if (now.has(taskName)) now.delete(taskName);
    else now.add(taskName);
    const session = await this.d.store.update(s.id, { progress: { ...((s.progress as object | null) ?? {}), allowChange: [...now] } });
    return { kind: 'ok', session, plan: this.plan(session) };
  }

  /**
   * Undo a finished build: delete what it created (and nothing it found), confirmed in Slack and
   * authorised now; each write audited. One click runs it; a second one is told it is under way.
   */
  async undo(
    sessionId: string,
    actor: Actor,
  ): Promise<{ kind: 'undone'; folder: string; result: UndoResult } | { kind: 'refused'; message: string } | { kind: 'stale'; message: string }> {
    const s = await this.d.store.get(sessionId);
    if (!s) return { kind: 'stale', message: 'This setup is no longer known; nothing was deleted.' };
    const created = createdOf(s);
    const folder = created.folder?.name ?? this.plan(s).folder;
    const role = await this.d.operations.roleOf(actor, { folder });
    if (role === 'viewer') {
      const r = await this.d.operations.refuse(
        actor,
        'undo_setup',
        `folder:${folder}`,
        { session: s.id },
        { kind: 'refused', reason: 'permission', message: `Deleting from \`${folder}\` in Studio needs *operator*; you are a viewer there.` },
      );
      return { kind: 'refused', message: r.message };
    }
    if (s.status === 'undone') return { kind: 'stale', message: 'This setup was already undone.' };
    if (!(await this.d.store.transition(s.id, ['done'], 'undoing'))) {
      return { kind: 'stale', message: s.status === 'undoing' ? 'This setup is already being undone.' : 'Only a finished build can be undone.' };
    }
    try {
      const result = await undoBuild(this.d.studio, created, (what, fn) => this.d.operations.auditedWrite({ ...actor, source: 'wizard' }, what, fn), previousOf(s));
      await this.d.store.update(s.id, { status: result.ok ? 'undone' : 'done', progress: { ...(s.progress as object), undo: result } });
      return { kind: 'undone', folder, result };
    } catch (e) {
      await this.d.store.update(s.id, { status: 'done' });
      throw e;
    }
  }

  /**
   * At start-up: a build or an undo that a stopped process left running is not running any more.
   * The session goes back to where Confirm (or Undo) can be pressed again; both re-read Studio and
   * do only what is missing.
   */
  async recover(scope: (owner: string | null) => boolean = () => true): Promise<number> {
    let n = 0;
    for (const { session: s, owner } of await this.d.store.builds()) {
      if (!scope(owner)) continue; // a live replica is building it
      const ok = (s.progress as { ok?: boolean } | null)?.ok === true;
      if (await this.d.store.transition(s.id, [s.status], s.status === 'undoing' || ok ? 'done' : 'confirming')) n++;
    }
    return n;
  }

  async review(folder: string): Promise<ReviewReport> {
    return reviewWorkspace(this.d.studio, folder, { isIntegrationVc: await this.d.vclusters.predicate() });
  }
}
