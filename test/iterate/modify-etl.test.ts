/**
 * Seed 000's "Modify ETL Logic" in the sandbox: the new SQL run once on a business date beside the
 * current results (counts, key samples, differences) with nothing saved; only then saved and
 * deployed; affected Dynamic Tables refreshed in full (the force-full-refresh setting); Undo.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildLineage } from '../../src/lineage/index.js';
import { type ModifyEtlPlan, applyModifyEtl, planModifyEtl, undoModifyEtl, verifyModifyEtl } from '../../src/iterate/modify-etl.js';
import { type IterationDeps, contentDiff } from '../../src/iterate/steps.js';
import { type SandboxHarness, iterationDeps, startHarness } from '../helpers/sandbox.js';

let h: SandboxHarness;
let deps: IterationDeps;
let audit: string[];

beforeEach(async () => {
  h = await startHarness();
  audit = [];
  deps = iterationDeps(h, async (what, fn) => {
    audit.push(`${what.action} ${what.target} requested`);
    const r = await fn();
    audit.push(`${what.action} ${what.target} succeeded`);
    return r;
  });
});
afterEach(async () => {
  await h.close();
});

const NEW_SQL = `INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail PARTITION (dt = '\${bizdate}')
SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid, o.amount, o.status, o.created_at
FROM ecommerce_ods.orders o
WHERE DATE(o.created_at) = '\${bizdate}' AND o.status <> 'cancelled';`;

async function plan(newSql = NEW_SQL): Promise<ModifyEtlPlan> {
  const lineage = await buildLineage(h.client, deps.lakehouse, { now: h.clock.now() });
  const r = await planModifyEtl(deps, lineage, { task: '04_transform_ods_to_dwd', newSql, bizDate: '2026-11-19', keyColumns: ['status'] });
  if (r.kind !== 'plan') throw new Error(r.message);
  return r.plan;
}

function writes(from: number): string[] {
  const names = new Map(h.sb.store.tasks().map((t) => [t.id, t.name]));
  return h.sb.journal
    .slice(from)
    .map((e) => {
      const b = (e.body ?? {}) as Record<string, unknown>;
      if (e.path.endsWith('/saveDataFileConfiguration')) return `save ${names.get(Number(b.dataFileId))}`;
      if (e.path.endsWith('/adhoc/execute')) return `run ${names.get(Number(b.dataFileId))}`;
      if (e.path.endsWith('/dataFile/submit')) return `deploy ${names.get(Number(b.dataFileId))}`;
      if (e.path === '/lh/submitJob') {
        const q = String(((b.jobDesc as Record<string, unknown>).sqlJob as { query: string[] }).query[0]).replace(/`/g, '');
        return /^(SELECT COUNT|SELECT status|REFRESH)/.test(q) ? `lh ${q}` : undefined;
      }
      return undefined;
    })
    .filter((x): x is string => x !== undefined);
}

describe('modify ETL', () => {
  it('runs the new SQL once beside the current results before saving, then saves, deploys and fully refreshes the affected DTs; Undo restores it', async () => {
    const p = await plan();
    expect(p.impactText).toContain('DT ecommerce_dws.sales_daily');
    expect(contentDiff(p.edit)).toContain("+WHERE DATE(o.created_at) = '${bizdate}' AND o.status <> 'cancelled';");
    const before = await h.client.getTask(p.edit.taskId);
    const start = h.sb.journal.length;

    const v = await verifyModifyEtl(deps, p);
    if (!v.ok) throw new Error(v.error);
    expect(v.comparison.before.rows).toBeGreaterThan(0);
    expect(v.comparison.differences[0]).toMatch(/^rows \d+ → \d+/);
    expect(v.comparison.differences[1]).toMatch(/^status: /);
    expect((await h.client.getTask(p.edit.taskId)).content).toBe(before.content); // nothing saved yet
    const verified = writes(start);
    expect(verified).toEqual([
      "lh SELECT COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '2026-11-19'",
      "lh SELECT status, COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '2026-11-19' GROUP BY status ORDER BY n DESC LIMIT 5",
      'run 04_transform_ods_to_dwd',
      "lh SELECT COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '2026-11-19'",
      "lh SELECT status, COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '2026-11-19' GROUP BY status ORDER BY n DESC LIMIT 5",
    ]);

    const mid = h.sb.journal.length;
    const a = await applyModifyEtl(deps, p);
    expect(a.error).toBeUndefined();
    expect(a.ok).toBe(true);
    expect(writes(mid)).toEqual([
      'save 04_transform_ods_to_dwd',
      'deploy 04_transform_ods_to_dwd',
      'lh REFRESH DYNAMIC TABLE ecommerce_dws.sales_daily',
      'lh REFRESH DYNAMIC TABLE ecommerce_dws.user_retention',
    ]);
    // The suspended DT is said, not refreshed.
    expect(a.checkpoints[1]!.detail).toContain('ecommerce_ads.top_products: suspended — not refreshed');
    expect(a.checkpoints[1]!.detail).toContain('ecommerce_dws.sales_daily: FULL refresh SUCCEED');
    // The refresh carried the seed's setting, as the SDK sends a SET: a hint and the statement.
    const refresh = h.sb.journal.slice(mid).find((e) => e.path === '/lh/submitJob' && JSON.stringify(e.body).includes('REFRESH DYNAMIC TABLE'))!;
    const job = (refresh.body as { jobDesc: { sqlJob: { sqlConfig: { hint: Record<string, string> } }; clientContext: { configStatements: string[] } } }).jobDesc;
    expect(job.sqlJob.sqlConfig.hint['cz.optimizer.incremental.force.full.refresh']).toBe('true');
    expect(job.clientContext.configStatements).toEqual(['SET cz.optimizer.incremental.force.full.refresh = true']);
    expect((await h.client.getTask(p.edit.taskId)).content).toBe(NEW_SQL);

    const u = await undoModifyEtl(deps, p, a);
    expect(u).toEqual({ ok: true, restored: ['04_transform_ods_to_dwd'], redeployed: true });
    const after = await h.client.getTask(p.edit.taskId);
    const { updatedAt: _a, version: _av, ...restored } = after;
    const { updatedAt: _b, version: _bv, ...original } = before;
    expect(restored).toEqual(original);
    expect((await h.client.getPublishedVersion(p.edit.taskId, after.version!)).content).toBe(before.content);
    expect(audit.filter((x) => x.endsWith('requested')).length).toBe(audit.filter((x) => x.endsWith('succeeded')).length);
  });

  it('refuses a new SQL that writes another table, or is the same, and writes nothing', async () => {
    const lineage = await buildLineage(h.client, deps.lakehouse, { now: h.clock.now() });
    const ask = (newSql: string) => planModifyEtl(deps, lineage, { task: '04_transform_ods_to_dwd', newSql, bizDate: '2026-11-19' });
    expect(await ask('INSERT OVERWRITE TABLE ecommerce_dwd.other SELECT 1 FROM ecommerce_ods.orders')).toMatchObject({
      kind: 'problem',
      message: expect.stringContaining('not `ecommerce_dwd.orders_detail`'),
    });
    const same = (await h.client.getTask(h.sb.store.taskByName('04_transform_ods_to_dwd')!.id)).content;
    expect(await ask(same)).toMatchObject({ kind: 'problem', message: expect.stringContaining('nothing to change') });
    expect(audit).toEqual([]);
  });

  it('a failed full refresh stops with what to do, and Undo puts the previous SQL back', async () => {
    const p = await plan();
    const v = await verifyModifyEtl(deps, p);
    expect(v.ok).toBe(true);
    h.sb.lakehouse.table('ecommerce_dws.sales_daily')!.dynamic!.failing = { code: 'CZLH-60015', message: 'queue is full', clearsOnManualRefresh: false };
    const a = await applyModifyEtl(deps, p);
    expect(a.ok).toBe(false);
    expect(a.error).toContain("ecommerce_dws.sales_daily's full refresh failed: CZLH-60015: queue is full");
    expect(a.checkpoints.map((c) => c.status)).toEqual(['passed', 'failed']);
    expect(a.error).toContain('Undo puts the previous one back');
    await undoModifyEtl(deps, p, a);
    expect((await h.client.getTask(p.edit.taskId)).content).toBe(p.edit.before);
  });
});
