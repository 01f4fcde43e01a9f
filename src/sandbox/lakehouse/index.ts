/**
 * The sandbox's Lakehouse: the model (model.ts) with its SQL engine (engine.ts), answering the SQL
 * job protocol as the public SDK speaks it — `/lh/submitJob` (HYBRID: the answer may hold the
 * result), `/lh/getJob` (its body in the SDK's camel case or cz-cli `sql status`'s snake case),
 * `/lh/cancelJob`; raw JSON, no envelope; results embedded as ARROW, or TEXT when the hints ask.
 * Every statement received is kept in `statements` so tests can see what reached it.
 */
import { applyTemporaryRun } from './temporary-run.js';
import type { Clock } from '../sim.js';
import { SqlFailure, SqliteEngine } from './engine.js';
import { LakehouseModel } from './model.js';
import { encodeResult } from './result-format.js';
import { type Session, runStatement, statementText } from './statements.js';

export { lhTime, type LhColumn, type LhTable, type DynamicSpec, type RefreshRow } from './model.js';
export { seedLakehouse } from './seed.js';
export type { Result } from './engine.js';

interface Job {
  id: string;
  sql: string;
  doneAt: number;
  answer: Record<string, unknown>;
  cancelled?: boolean;
  /** Still generating the rows of the tables it reads (the job runs once they are there). */
  generating?: boolean;
}

/** Rows generated per turn of the event loop for a statement over a large table (about 5 ms: a bot embedding the sandbox keeps acking). */
const GENERATE_SLICE = 10_000;

type IdRef = { id?: string } | undefined;

/** A change to the model that the sandbox keeps, to rebuild the same Lakehouse after a restart. */
export type LakehouseChange =
  | { kind: 'sql'; text: string; schema: string; user: string; hints?: Record<string, string> }
  | { kind: 'run'; text: string; params: Record<string, string> };

/** Statements through the SQL client that change the model (everything else it runs only reads). */
const CHANGES_MODEL = /^\s*refresh\s+dynamic\s+table\b/i;

export class SandboxLakehouse extends LakehouseModel {
  /** Every statement received, in order. */
  readonly statements: string[] = [];
  /** Told of each change to the model as it happens (not while {@link replay} applies old ones). */
  onChange?: (change: LakehouseChange) => void;
  private replaying = false;
  /** How long a job runs before its result is ready, ms (0: at once). */
  jobMs = 0;
  private readonly jobs = new Map<string, Job>();
  readonly engine = new SqliteEngine(this);

  constructor(clock: Clock, workspace: string, vclusters: Record<string, string>) {
    super(clock, workspace, vclusters);
  }

  close(): void {
    this.engine.close();
  }

  /** One statement in a session (the demo's `public` schema unless said), as a job would run it. */
  execute(sql: string, session: Partial<Session> = {}) {
    const full = { schema: session.schema ?? 'public', user: session.user ?? 'ops_bot', hints: session.hints };
    if (!this.replaying && CHANGES_MODEL.test(sql)) this.onChange?.({ kind: 'sql', text: sql, ...full });
    return runStatement(this, this.engine, sql, full);
  }

  /** A task run's effects on the model (src/sandbox/lakehouse/temporary-run.ts), kept like a statement. */
  applyRun(text: string, params: Record<string, string>): void {
    if (!this.replaying) this.onChange?.({ kind: 'run', text, params });
    applyTemporaryRun(this, text, params);
  }

  /**
   * Apply the changes kept by an earlier run of this sandbox, each at its own time (`setTime`
   * moves the model's clock), the scheduled refreshes between them included: the same history.
   */
  replay(changes: { at: number; change: unknown }[], setTime: (at: number | undefined) => void): void {
    this.replaying = true;
    try {
      for (const { at, change } of changes) {
        setTime(at);
        this.advance(at);
        const c = change as LakehouseChange;
        try {
          if (c.kind === 'run') applyTemporaryRun(this, c.text, c.params);
          else this.execute(c.text, c);
        } catch {
          // a change that failed then (a refresh that failed) fails again: its history row is what counts
        }
      }
    } finally {
      this.replaying = false;
      setTime(undefined);
    }
  }

  submit(body: Record<string, unknown>): Record<string, unknown> {
    const desc = (body.jobDesc ?? {}) as {
      jobId?: { id?: string };
      sqlJob?: { query?: string[]; defaultNamespace?: string[]; sqlConfig?: { hint?: Record<string, string> } };
      clientContext?: { contextJson?: string };
    };
    const id = String(desc.jobId?.id ?? `job${++this.seq}`);
    const sql = String(desc.sqlJob?.query?.[0] ?? '');
    if (!statementText(sql)) return { status: { state: 'FAILED', errorCode: 'CZLH-42000', errorMessage: 'CZLH-42000: Syntax error: empty query' } };
    this.statements.push(sql);
    const text = (desc.sqlJob?.sqlConfig?.hint?.['cz.sql.adhoc.default.format'] ?? 'ARROW').toUpperCase() === 'TEXT';
    const schema = String(desc.sqlJob?.defaultNamespace?.[1] ?? 'public').toLowerCase();
    let user = 'ops_bot';
    try {
      user = String((JSON.parse(desc.clientContext?.contextJson ?? '{}') as { user?: string }).user ?? user);
    } catch {
      // an unreadable context leaves the default user
    }
    const run = (): Record<string, unknown> => {
      try {
        this.advance();
        return { status: { state: 'SUCCEED' }, resultSet: encodeResult(this.execute(sql, { schema, user, hints: desc.sqlJob?.sqlConfig?.hint }), text) };
      } catch (e) {
        const f = e instanceof SqlFailure ? e : new SqlFailure('CZLH-50000', (e as Error).message);
        return { status: { state: 'FAILED', errorCode: f.code, errorMessage: `${f.code}: ${f.message}` } };
      }
    };
    // A statement over millions of rows not generated yet waits for them, a slice a turn, so the
    // sandbox (and a bot embedding it) keeps answering meanwhile; the job says RUNNING until then.
    const big = this.engine.backlog(sql, schema) > GENERATE_SLICE;
    const job: Job = { id, sql, doneAt: this.now() + this.jobMs, answer: big ? {} : run(), generating: big };
    if (big) {
      const step = () => {
        if (job.cancelled) return;
        if (!this.engine.generateSome(sql, schema, GENERATE_SLICE)) return void setImmediate(step);
        job.answer = run();
        job.doneAt = this.now() + this.jobMs;
        job.generating = false;
      };
      setImmediate(step);
    }
    this.jobs.set(id, job);
    if (this.jobs.size > 1000) this.jobs.delete(this.jobs.keys().next().value!);
    return this.view(job);
  }

  getJob(body: Record<string, unknown>): Record<string, unknown> {
    const camel = body.getResultRequest as { jobId?: IdRef } | undefined;
    const snake = body.get_result_request as { job_id?: IdRef } | undefined;
    const id = String(camel?.jobId?.id ?? snake?.job_id?.id ?? '');
    const job = this.jobs.get(id);
    if (!job) return { status: { state: 'FAILED', errorCode: 'CZLH-60005', errorMessage: `CZLH-60005: job ${id} not found` } };
    return this.view(job);
  }

  cancel(body: Record<string, unknown>): Record<string, unknown> {
    const job = this.jobs.get(String((body.job_id as IdRef)?.id ?? (body.jobId as IdRef)?.id ?? ''));
    if (job && (job.generating || this.now() < job.doneAt)) job.cancelled = true;
    return { status: { state: job?.cancelled ? 'CANCELLED' : 'SUCCEED' } };
  }

  private view(job: Job): Record<string, unknown> {
    if (job.cancelled) return { status: { state: 'CANCELLED', errorMessage: 'cancelled by user' } };
    if (job.generating || this.now() < job.doneAt) return { status: { state: 'RUNNING' } };
    return job.answer;
  }
}
