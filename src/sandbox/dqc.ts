/**
 * Data-quality (DQC) rules as the public cz-cli sends and reads them
 * (`packages/clickzetta-sdk/src/studio/dqc.ts`, `packages/cz-cli/src/commands/dqc.ts`): custom-SQL
 * rules on a table, listed (`data` a list, `total` beside it), read and deleted by
 * `GET …?ruleId=`, added (answering the new id), run (answering a task id). A run executes the
 * rule's SQL on the sandbox's Lakehouse and compares its single number with the rule's
 * `checkerInfo` (`{checker: 'FIXED', operator, value}`, cz-cli's own). The fields cz-cli prints
 * are served; `latestStatus` (`SUCCESS` / `FAILED` / `ERROR`) and the rest of the shape are our
 * assumption (docs/cz-cli-fidelity.md). Kept in memory.
 */
import { z } from 'zod';
import { SandboxBusinessError } from './errors.js';

export interface DqcRule {
  id: number;
  name: string;
  objectName: string;
  objectType: 'TABLE';
  tagType: number;
  tagCode: string;
  properties: string | null;
  definedSql: string;
  checkerInfo: string;
  triggerType: string;
  triggerCron: string | null;
  mainSchedulerTaskId: number | null;
  level: number | null;
  vcluster: string;
  timeout: number;
  desc: string;
  ownerName: string;
  latestStatus: string | null;
  latestStartTime: number | null;
  createTime: number;
  updateTime: number;
}

const OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  EQUAL: (a, b) => a === b,
  NOT_EQUAL: (a, b) => a !== b,
  LESS_THAN: (a, b) => a < b,
  LESS_EQUAL: (a, b) => a <= b,
  GREATER_THAN: (a, b) => a > b,
  GREATER_EQUAL: (a, b) => a >= b,
};

const checker = z.object({ checker: z.literal('FIXED'), operator: z.enum(Object.keys(OPERATORS) as [string, ...string[]]), value: z.number() });

export class DqcRules {
  private readonly rules: DqcRule[] = [];
  private seq = 0;
  private runs = 9_000;
  /** Every run's outcome, for the statistics (`dqc/stat/statRuleTask`). */
  private readonly history: { ruleId: number; status: string; at: number }[] = [];

  /** `runSql` runs one statement on the Lakehouse and answers its first cell (or throws its error). */
  constructor(
    private readonly now: () => number,
    private readonly runSql: (sql: string) => unknown,
  ) {}

  list(fuzzyObjectName: string | undefined): DqcRule[] {
    const like = fuzzyObjectName?.toLowerCase();
    return this.rules.filter((r) => !like || r.objectName.toLowerCase().includes(like)).sort((a, b) => b.createTime - a.createTime);
  }

  add(r: Omit<DqcRule, 'id' | 'latestStatus' | 'latestStartTime' | 'createTime' | 'updateTime' | 'name' | 'objectType'> & { name?: string }): DqcRule {
    if (!checker.safeParse(safeJson(r.checkerInfo)).success)
      throw new SandboxBusinessError('DQC_PARAM_ERROR', `checkerInfo 不合法 (invalid checkerInfo ${r.checkerInfo.slice(0, 80)})`);
    if (!/^\w+\.\w+$/.test(r.objectName)) throw new SandboxBusinessError('DQC_PARAM_ERROR', `objectName 不合法 (write schema.table, not "${r.objectName.slice(0, 80)}")`);
    const at = this.now();
    const rule: DqcRule = { ...r, name: r.name ?? 'rule', objectType: 'TABLE', id: ++this.seq, latestStatus: null, latestStartTime: null, createTime: at, updateTime: at };
    this.rules.push(rule);
    return rule;
  }

  get(id: number): DqcRule {
    const r = this.rules.find((x) => x.id === id);
    if (!r) throw new SandboxBusinessError('DQC_RULE_NOT_EXIST', `规则不存在 (DQC rule ${id} does not exist)`);
    return r;
  }

  update(id: number, changes: Partial<DqcRule>): DqcRule {
    const r = this.get(id);
    const { id: _id, createTime: _c, ...rest } = changes;
    Object.assign(r, rest, { updateTime: this.now() });
    return r;
  }

  delete(id: number): void {
    this.get(id);
    this.rules.splice(
      this.rules.findIndex((x) => x.id === id),
      1,
    );
  }

  /** Run the rule now: its SQL's number against its threshold. Answers the run's task id. */
  run(id: number): number {
    const r = this.get(id);
    r.latestStartTime = this.now();
    try {
      const value = Number(this.runSql(r.definedSql));
      const c = checker.parse(safeJson(r.checkerInfo));
      r.latestStatus = Number.isFinite(value) && OPERATORS[c.operator]!(value, c.value) ? 'SUCCESS' : 'FAILED';
    } catch {
      r.latestStatus = 'ERROR';
    }
    this.history.push({ ruleId: r.id, status: r.latestStatus, at: r.latestStartTime });
    return ++this.runs;
  }

  /** `statRuleAndTable`: how many rules watch how many tables. */
  ruleTableStats(): { ruleCount: number; tableCount: number; tables: { objectName: string; ruleCount: number }[] } {
    const byTable = new Map<string, number>();
    for (const r of this.rules) byTable.set(r.objectName, (byTable.get(r.objectName) ?? 0) + 1);
    const tables = [...byTable].map(([objectName, ruleCount]) => ({ objectName, ruleCount })).sort((a, b) => a.objectName.localeCompare(b.objectName));
    return { ruleCount: this.rules.length, tableCount: byTable.size, tables };
  }

  /** `statRuleTask`: the runs so far by outcome, and the share that passed (percent, one decimal; null before any run). */
  ruleTaskStats(): { taskCount: number; successCount: number; failedCount: number; errorCount: number; passRate: number | null } {
    const count = (s: string) => this.history.filter((h) => h.status === s).length;
    const n = this.history.length;
    return {
      taskCount: n,
      successCount: count('SUCCESS'),
      failedCount: count('FAILED'),
      errorCount: count('ERROR'),
      passRate: n === 0 ? null : Math.round((1000 * count('SUCCESS')) / n) / 10,
    };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The demo's rules on the DWD orders table: one that passes, one that fails when run. */
export function seedDqcRules(rules: DqcRules, owner: string, vcluster: string): void {
  const base = {
    tagType: 2,
    tagCode: 'defined_sql',
    properties: null,
    triggerType: 'REST',
    triggerCron: null,
    mainSchedulerTaskId: null,
    level: null,
    vcluster,
    timeout: 10,
    ownerName: owner,
  };
  rules.add({
    ...base,
    objectName: 'ecommerce_dwd.orders_detail',
    definedSql: 'SELECT COUNT(*) FROM ecommerce_dwd.orders_detail WHERE user_id IS NULL',
    checkerInfo: JSON.stringify({ checker: 'FIXED', operator: 'EQUAL', value: 0 }),
    desc: 'no order without a user',
  });
  rules.add({
    ...base,
    objectName: 'ecommerce_dwd.orders_detail',
    definedSql: 'SELECT 100.0 * SUM(CASE WHEN is_paid THEN 0 ELSE 1 END) / COUNT(*) FROM ecommerce_dwd.orders_detail',
    checkerInfo: JSON.stringify({ checker: 'FIXED', operator: 'LESS_EQUAL', value: 5 }),
    desc: 'at most 5 % of orders unpaid (the demo has 10 %: this rule fails)',
  });
}

const num = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new SandboxBusinessError('DQC_PARAM_ERROR', `参数错误 (invalid request: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return r.data;
}

const A = '/clickzetta-dqc/api/v1/rule';
type Handler = (body: Record<string, unknown>, rules: DqcRules) => { data: unknown; total?: number };

export const DQC_ROUTES: Record<string, Handler> = {
  [`${A}/list`]: (body, rules) => {
    const b = parse(z.looseObject({ projectId: num, pageNum: num.optional(), pageSize: num.optional(), fuzzyObjectName: z.string().optional() }), body);
    const size = Math.max(1, Math.min(b.pageSize ?? 10, 1000));
    const all = rules.list(b.fuzzyObjectName);
    const page = Math.max(1, b.pageNum ?? 1);
    return { data: all.slice((page - 1) * size, page * size), total: all.length };
  },
  [`${A}/get`]: (body, rules) => ({ data: rules.get(parse(z.looseObject({ ruleId: num }), body).ruleId) }),
  [`${A}/add`]: (body, rules) => {
    const b = parse(
      z.looseObject({
        objectName: z.string(),
        definedSql: z.string().min(1),
        checkerInfo: z.string(),
        vcluster: z.string(),
        owner: z.string(),
        desc: z.string().nullish(),
        timeout: num.optional(),
        triggerType: z.string(),
        triggerCron: z.string().nullish(),
        mainSchedulerTaskId: num.nullish(),
        level: num.nullish(),
        tagCode: z.string().optional(),
      }),
      body,
    );
    const rule = rules.add({
      objectName: b.objectName,
      definedSql: b.definedSql,
      checkerInfo: b.checkerInfo,
      vcluster: b.vcluster,
      ownerName: b.owner,
      desc: b.desc ?? '',
      timeout: b.timeout ?? 10,
      triggerType: b.triggerType,
      triggerCron: b.triggerCron ?? null,
      mainSchedulerTaskId: b.mainSchedulerTaskId ?? null,
      level: b.level ?? null,
      tagType: 2,
      tagCode: b.tagCode ?? 'defined_sql',
      properties: null,
    });
    return { data: rule.id };
  },
  [`${A}/update`]: (body, rules) => {
    const b = parse(z.looseObject({ id: num }), body);
    return { data: rules.update(b.id, body as Partial<DqcRule>).id };
  },
  [`${A}/run`]: (body, rules) => ({ data: rules.run(parse(z.looseObject({ ruleId: num }), body).ruleId) }),
  [`${A}/del`]: (body, rules) => {
    rules.delete(parse(z.looseObject({ ruleId: num }), body).ruleId);
    return { data: true };
  },
  // GET, no arguments (cz-cli's `dqc stat --type rule_table|rule_task` prints data as it comes: the shape is ours).
  '/clickzetta-dqc/api/v1/dqc/stat/statRuleAndTable': (_body, rules) => ({ data: rules.ruleTableStats() }),
  '/clickzetta-dqc/api/v1/dqc/stat/statRuleTask': (_body, rules) => ({ data: rules.ruleTaskStats() }),
};
