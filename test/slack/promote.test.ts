/**
 * dev → prod promotion from Slack (issue 34, item 4): `/cz promote ecommerce_dw --from dev --to
 * prod` between the sandbox's `demo` (dev) and `demo_prod` (prod: schemas `…_prod`, VCluster
 * `etl_vc` for `default`, data source `mysql_shop_prod`). The diff (expected items named); Confirm
 * authorised at the click, applied once in dependency order in prod's Studio with nothing written in
 * dev's; Undo restoring prod field by field; a protected prod needing a second admin; unknown
 * workspaces and folders refused, audited, nothing written.
 */
import { describe, expect, it } from 'vitest';
import { PROMOTE } from '../../src/blocks/promote.js';
import { AuditLog } from '../../src/store/audit.js';
import type { StudioClient } from '../../src/studio/client.js';
import type { WorkspaceNames } from '../../src/workspaces.js';
import { type BotHarness, USERS, useBotHarness } from '../helpers/bot.js';
import { type ApiCall, visibleText } from '../helpers/fake-slack.js';
import type { SandboxHarness } from '../helpers/sandbox.js';

const PROD_NAMES: WorkspaceNames = {
  schemaPrefix: '',
  schemaSuffix: '_prod',
  schemas: ['ecommerce_ods', 'ecommerce_dwd', 'ecommerce_dws'],
  vclusters: { default: 'etl_vc' },
  dataSources: { mysql_shop: 'mysql_shop_prod' },
};
const WRITE = /dataFolder\/(add|delete)|saveDataFileConfiguration|dataFile\/submit|addAndReturnId|batchDeleteCycleTask|offlineTask|dataFile\/delete|deleteFile|adhoc\/execute/i;
const writes = (h: SandboxHarness, from = 0) => h.sb.journal.slice(from).filter((e) => WRITE.test(e.path));

type El = { action_id: string; value?: string };
const buttons = (m: { blocks?: unknown }) => ((m.blocks ?? []) as { elements?: El[] }[]).flatMap((x) => x.elements ?? []);
const buttonOf = (m: { blocks?: unknown }, id: string) => buttons(m).find((e) => e.action_id === id || e.action_id?.endsWith(`~${id}`));

/** A task as Studio has it, field by field (what Undo must give back). */
async function fields(client: StudioClient, name: string) {
  const t = (await client.listAllTasks()).find((x) => x.name === name);
  if (!t) return undefined;
  const [d, c] = await Promise.all([client.getTask(t.id), client.getTaskConfiguration(t.id)]);
  return {
    content: d.content,
    params: d.params.map((p) => [p.key, p.value]),
    cron: c.cron,
    vcCode: c.vcCode,
    deps: c.dependencies.map((x) => x.taskName).sort(),
    deployed: (d.version ?? 0) > 0,
  };
}

async function promote(b: BotHarness, text: string, user: string) {
  const r = await b.command(text, user);
  const msg = await b.answer(r.responseId);
  return { msg, text: visibleText(msg), responseId: r.responseId };
}

/** The last posted-or-updated message whose text matches. */
async function lastMessage(b: BotHarness, re: RegExp, after: { posts: number; updates: number }): Promise<ApiCall> {
  for (let i = 0; i < 300; i++) {
    const calls = [...b.slack.callsOf('chat.postMessage').slice(after.posts), ...b.slack.callsOf('chat.update').slice(after.updates)];
    const hit = calls.filter((c) => re.test(visibleText(c.args))).at(-1);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no message matching ${re}`);
}
const marks = (b: BotHarness) => ({ posts: b.slack.callsOf('chat.postMessage').length, updates: b.slack.callsOf('chat.update').length });

describe('promotion between the sandbox workspaces (dev → prod)', () => {
  const b = useBotHarness({ prodSeed: 'demo_prod', dev: {}, workspaceExtras: { prod: { names: PROD_NAMES } } });
  const dev = () => b.dev!;

  it('shows the diff: new tasks, changed content as a unified diff, schedules and dependencies, tasks only in prod; nothing written', async () => {
    const j = { prod: b.sb.journal.length, dev: dev().sb.journal.length };
    const { msg, text } = await promote(b, 'promote ecommerce_dw --from dev --to prod', USERS.operator);
    expect(text).toContain('Promote ecommerce_dw: dev → prod');
    expect(text).toContain('1 new · 1 changed · 4 the same · 1 only in `prod`');
    // 04: content (the CAST dev added, under prod's schema names), schedule, dependencies.
    expect(text).toContain('04_transform_ods_to_dwd — content, schedule, dependencies');
    expect(text).toContain('-SELECT o.order_id, o.user_id, o.is_paid, o.amount, o.status, o.created_at');
    expect(text).toContain('+SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid, o.amount, o.status, o.created_at');
    expect(text).toContain('FROM ecommerce_ods_prod.orders o');
    expect(text).not.toContain('FROM ecommerce_ods.orders o');
    expect(text).toContain('schedule `0 0 3 * * ? *` → `0 30 2 * * ? *`');
    expect(text).toContain('after _nothing_ → `00_sync_mysql_to_ods`');
    // 05: new, deployed in dev, on prod's VCluster.
    expect(text).toContain('05_dqc_check — new SQL task, deployed');
    expect(text).toContain('VCluster `etl_vc`');
    expect(text).toContain('+FROM ecommerce_dwd_prod.orders_detail');
    expect(text).toMatch(/Only in `prod`\* \(listed, never deleted\): `06_export_finance`/);
    expect(text).toContain('ecommerce_ods → ecommerce_ods_prod');
    expect(text).toContain('mysql_shop → mysql_shop_prod');
    expect(buttonOf(msg, PROMOTE.confirm)).toBeDefined();
    expect(writes(b, j.prod)).toEqual([]);
    expect(writes(dev(), j.dev)).toEqual([]);
  });

  it('an unknown workspace or folder is a clear ephemeral refusal, audited, and nothing is written', async () => {
    const j = { prod: b.sb.journal.length, dev: dev().sb.journal.length };
    const ws = await promote(b, 'promote ecommerce_dw --from dev --to staging', USERS.operator);
    expect(ws.msg.response_type).toBe('ephemeral');
    expect(ws.text).toContain('There is no workspace `staging`. The workspaces are `prod`, `dev`');
    const folder = await promote(b, 'promote no_such_folder --from dev --to prod', USERS.operator);
    expect(folder.text).toContain('`dev` has no folder `no_such_folder`: nothing to promote');
    const missingTo = await promote(b, 'promote ecommerce_dw --from dev', USERS.operator);
    expect(missingTo.text).toContain('--from <workspace> --to <workspace>');
    const audit = new AuditLog(b.bot.services.db).query({ action: 'promote' });
    expect(audit.filter((r) => r.outcome === 'refused').map((r) => r.error)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('no workspace `staging`'),
        expect.stringContaining('no folder `no_such_folder`'),
        expect.stringContaining('--to <workspace>'),
      ]),
    );
    expect(writes(b, j.prod)).toEqual([]);
    expect(writes(dev(), j.dev)).toEqual([]);
  });

  it('Confirm: a viewer is refused; two clicks apply once, upstream first, in prod only; Undo restores prod field by field', async () => {
    const before = {
      t04: await fields(b.client, '04_transform_ods_to_dwd'),
      t06: await fields(b.client, '06_export_finance'),
      t05: await fields(b.client, '05_dqc_check'),
    };
    expect(before.t05).toBeUndefined();
    const devBefore = await fields(dev().client, '04_transform_ods_to_dwd');
    const { msg } = await promote(b, 'promote ecommerce_dw --from dev --to prod', USERS.operator);
    const confirm = buttonOf(msg, PROMOTE.confirm)!;
    const j = { prod: b.sb.journal.length, dev: dev().sb.journal.length };

    const viewer = await b.click(confirm.action_id, confirm.value!, USERS.viewer);
    expect(visibleText(await b.answer(viewer.responseId))).toContain('needs *operator*');
    expect(new AuditLog(b.bot.services.db).query({ actorId: USERS.viewer, action: 'promote' })[0]!.outcome).toBe('refused');
    expect(writes(b, j.prod)).toEqual([]);

    const m = marks(b);
    const [c1, c2] = await Promise.all([b.click(confirm.action_id, confirm.value!, USERS.operator), b.click(confirm.action_id, confirm.value!, USERS.operator)]);
    const done = await lastMessage(b, /Done: \d+ writes? to `prod`/, m);
    const answers = [visibleText(await b.answer(c1.responseId)), visibleText(await b.answer(c2.responseId))].join('\n');
    expect(answers).toContain('already being carried out by an earlier click');
    expect(visibleText(done.args)).toMatch(/04_transform_ods_to_dwd[\s\S]*05_dqc_check/);

    // Prod's journal: 04 (content, schedule, deploy), then 05 created, saved, scheduled, deployed — once.
    const byId = (id: unknown) => b.sb.store.task(Number(id))?.name;
    const order = writes(b, j.prod).map((e) => {
      const body = e.body as Record<string, unknown>;
      const what = /addAndReturnId/.test(e.path) ? 'create' : /submit/.test(e.path) ? 'deploy' : body.onlySaveContent === 1 ? 'content' : 'schedule';
      return `${/addAndReturnId/.test(e.path) ? body.dataFileName : byId(body.dataFileId)}:${what}`;
    });
    expect(order).toEqual([
      '04_transform_ods_to_dwd:content',
      '04_transform_ods_to_dwd:schedule',
      '04_transform_ods_to_dwd:deploy',
      '05_dqc_check:create',
      '05_dqc_check:content',
      '05_dqc_check:schedule',
      '05_dqc_check:deploy',
    ]);
    expect(writes(dev(), j.dev)).toEqual([]); // the source is only read
    expect(await fields(dev().client, '04_transform_ods_to_dwd')).toEqual(devBefore);
    const after04 = await fields(b.client, '04_transform_ods_to_dwd');
    expect(after04).toMatchObject({ cron: '0 30 2 * * ? *', deps: ['00_sync_mysql_to_ods'], deployed: true });
    expect(after04!.content).toContain('CAST(o.is_paid AS BOOLEAN)');
    expect(after04!.content).toContain('ecommerce_dwd_prod.orders_detail');
    expect(await fields(b.client, '05_dqc_check')).toMatchObject({ vcCode: 'etl_vc', deps: ['04_transform_ods_to_dwd'], deployed: true });
    expect(await fields(b.client, '06_export_finance')).toEqual(before.t06); // listed, never touched

    // Undo: 05 offline and deleted, 04 back field by field (content, parameters, cron, VCluster, dependencies, deployed).
    const undo = buttonOf(done.args, PROMOTE.undo)!;
    const n = b.slack.callsOf('chat.postMessage').length;
    await b.click(undo.action_id, undo.value!, USERS.operator, { ephemeral: false });
    const undone = await b.slack.waitForCall('chat.postMessage', n, 15_000);
    expect(visibleText(undone.args)).toContain('Promotion undone in `prod`: `04_transform_ods_to_dwd` back as they were; `05_dqc_check` taken offline and deleted');
    expect(await fields(b.client, '04_transform_ods_to_dwd')).toEqual(before.t04);
    expect(await fields(b.client, '05_dqc_check')).toBeUndefined();
    expect(await fields(b.client, '06_export_finance')).toEqual(before.t06);
    expect(writes(dev(), j.dev)).toEqual([]);
    // A second Undo does nothing.
    const again = await b.click(undo.action_id, undo.value!, USERS.operator, { ephemeral: false });
    expect(visibleText(await b.answer(again.responseId))).toContain('already undone');
  });

  it('a plan made stale by a change in prod is refused with a new diff, nothing written', async () => {
    const { msg } = await promote(b, 'promote ecommerce_dw --from dev --to prod', USERS.operator);
    const confirm = buttonOf(msg, PROMOTE.confirm)!;
    const t04 = b.sb.store.taskByName('04_transform_ods_to_dwd')!;
    b.sb.store.updateTask(t04.id, { content: `${t04.content}\n-- hotfix in prod` });
    const j = b.sb.journal.length;
    const click = await b.click(confirm.action_id, confirm.value!, USERS.operator);
    const answer = visibleText(await b.answer(click.responseId));
    expect(answer).toContain('changed in `dev` or `prod` since the diff was made: nothing was written');
    expect(answer).toContain('-- hotfix in prod');
    expect(writes(b, j)).toEqual([]);
  });

  it('a folder prod does not have is created first, its tasks in it upstream first; Undo deletes them and the folder', async () => {
    expect((await b.client.listAllFolders()).map((f) => f.name)).not.toContain('doc_connector_demo');
    const { msg, text } = await promote(b, 'promote doc_connector_demo --from dev --to prod', USERS.operator);
    expect(text).toContain('*New folder:* `prod` has no folder `doc_connector_demo`: it is created first');
    expect(text).toContain('*2 new · 0 changed');
    const confirm = buttonOf(msg, PROMOTE.confirm)!;
    const j = { prod: b.sb.journal.length, dev: dev().sb.journal.length };
    const m = marks(b);
    await b.click(confirm.action_id, confirm.value!, USERS.operator);
    const done = await lastMessage(b, /Done: \d+ writes? to `prod`|Stopped/, m);
    expect(visibleText(done.args)).toContain('Done');
    const created = writes(b, j.prod)
      .filter((e) => /dataFolder\/add|addAndReturnId/.test(e.path))
      .map((e) => String((e.body as Record<string, unknown>).dataFolderName ?? (e.body as Record<string, unknown>).dataFileName));
    expect(created).toEqual(['doc_connector_demo', 'github_raw_fetch', 'github_clean']);
    const folder = (await b.client.listAllFolders()).find((f) => f.name === 'doc_connector_demo')!;
    expect((await b.client.listAllTasks({ folderId: folder.id })).map((t) => t.name).sort()).toEqual(['github_clean', 'github_raw_fetch']);
    expect(await fields(b.client, 'github_clean')).toMatchObject({ deps: ['github_raw_fetch'], deployed: true, params: [['biz_date', '$[yyyy-MM-dd]']] });
    expect(writes(dev(), j.dev)).toEqual([]);

    const undo = buttonOf(done.args, PROMOTE.undo)!;
    const n = b.slack.callsOf('chat.postMessage').length;
    await b.click(undo.action_id, undo.value!, USERS.operator, { ephemeral: false });
    expect(visibleText((await b.slack.waitForCall('chat.postMessage', n, 15_000)).args)).toContain(
      '`github_clean`, `github_raw_fetch`, `doc_connector_demo/` taken offline and deleted',
    );
    expect((await b.client.listAllFolders()).map((f) => f.name)).not.toContain('doc_connector_demo');
    expect(await fields(b.client, 'github_clean')).toBeUndefined();
  });

  it('a folder prod refuses to create stops before any task: nothing written, every step skipped', async () => {
    const { msg } = await promote(b, 'promote doc_connector_demo --from dev --to prod', USERS.operator);
    const confirm = buttonOf(msg, PROMOTE.confirm)!;
    b.sb.faults.add({ path: '/ide-admin/v1/dataFolder/add', kind: 'business', code: 'PARAM_ERROR', message: 'folder name is taken' });
    const j = b.sb.journal.length;
    const m = marks(b);
    await b.click(confirm.action_id, confirm.value!, USERS.operator);
    const stopped = await lastMessage(b, /Stopped before any task/, m);
    const shown = visibleText(stopped.args);
    expect(shown).toContain('the folder doc_connector_demo could not be created in prod');
    expect(shown).toContain('folder name is taken');
    expect(shown).toContain('Nothing was written');
    // Both tasks' steps are shown skipped (:heavy_minus_sign:), none passed or failed.
    expect(shown).toMatch(/:heavy_minus_sign: `github_raw_fetch`[\s\S]*:heavy_minus_sign: `github_clean`/);
    expect(shown).not.toMatch(/:white_check_mark:/);
    expect(writes(b, j).filter((e) => /addAndReturnId|saveDataFileConfiguration|submit/.test(e.path))).toEqual([]);
    expect((await b.client.listAllFolders()).map((f) => f.name)).not.toContain('doc_connector_demo');
  });

  it('a failed write stops there, says what was written before it, writes nothing after it; Undo puts back what was written', async () => {
    const before04 = await fields(b.client, '04_transform_ods_to_dwd');
    const { msg } = await promote(b, 'promote ecommerce_dw --from dev --to prod', USERS.operator);
    const confirm = buttonOf(msg, PROMOTE.confirm)!;
    b.sb.faults.add({ path: '/ide-admin/v1/dataFile/addAndReturnId', kind: 'business', code: 'PARAM_ERROR', message: 'dataFileName is invalid' });
    const j = b.sb.journal.length;
    const m = marks(b);
    await b.click(confirm.action_id, confirm.value!, USERS.operator);
    const stopped = await lastMessage(b, /Stopped at `05_dqc_check`/, m);
    const shown = visibleText(stopped.args);
    expect(shown).toContain(
      'Written before it: 04_transform_ods_to_dwd: content saved; 04_transform_ods_to_dwd: schedule saved (schedule, dependencies); 04_transform_ods_to_dwd: deployed',
    );
    expect(shown).toContain('dataFileName is invalid');
    expect(b.sb.store.taskByName('05_dqc_check')).toBeUndefined();
    expect(writes(b, j).filter((e) => /addAndReturnId/.test(e.path))).toHaveLength(1); // tried once, refused, nothing after it
    const audit = new AuditLog(b.bot.services.db).query({ action: 'create_task' });
    expect(audit.filter((r) => r.taskName === '05_dqc_check').map((r) => r.outcome)).toEqual(expect.arrayContaining(['requested', 'failed']));
    const undo = buttonOf(stopped.args, PROMOTE.undo)!;
    const n = b.slack.callsOf('chat.postMessage').length;
    await b.click(undo.action_id, undo.value!, USERS.operator, { ephemeral: false });
    expect(visibleText((await b.slack.waitForCall('chat.postMessage', n, 15_000)).args)).toContain('`04_transform_ods_to_dwd` back as they were');
    expect(await fields(b.client, '04_transform_ods_to_dwd')).toEqual(before04);
  });
});

describe('promotion into a protected workspace', () => {
  const b = useBotHarness({ prodSeed: 'demo_prod', dev: {}, workspaceExtras: { prod: { names: PROD_NAMES, protected: true } } });

  it('an operator cannot confirm; an admin’s Confirm waits for a second admin; the requester cannot approve (audited); the second admin’s approval applies', async () => {
    const j = b.sb.journal.length;
    const asked = await promote(b, 'promote ecommerce_dw --from dev --to prod', USERS.admin);
    expect(asked.text).toContain('is protected: after your Confirm a second admin approves');
    const confirm = buttonOf(asked.msg, PROMOTE.confirm)!;

    const op = await b.click(confirm.action_id, confirm.value!, USERS.operator);
    expect(visibleText(await b.answer(op.responseId))).toMatch(/`prod` is protected: .*needs \*admin\*/s);

    const m = marks(b);
    const c = await b.click(confirm.action_id, confirm.value!, USERS.admin);
    expect(visibleText(await b.answer(c.responseId))).toContain('posted here for a second admin to approve');
    const request = await lastMessage(b, /Approval needed: Promote ecommerce_dw: dev → prod/, m);
    expect(visibleText(request.args)).toContain(`<@${USERS.admin2}>`);
    expect(writes(b, j)).toEqual([]);

    // Waiting a day, on the second admin's Home.
    const waiting = (await b.bot.services.ops.withStatus('awaiting_approval')).find((o) => o.action === 'promote')!;
    expect(waiting.expiresAt).toBe(b.clock.now() + 24 * 3_600_000);
    const homes = b.slack.callsOf('views.publish').length;
    await b.event({ type: 'app_home_opened', user: USERS.admin2, tab: 'home', channel: `D${USERS.admin2}` });
    expect(visibleText((await b.slack.waitForCall('views.publish', homes)).args.view as never)).toContain(
      `<@${USERS.admin}> asks to promote \`ecommerce_dw\` from \`dev\` to \`prod\` · *You can approve it*`,
    );
    const approve = buttonOf(request.args, PROMOTE.approve)!;
    const self = await b.click(approve.action_id, approve.value!, USERS.admin, { ephemeral: false });
    expect(visibleText(await b.answer(self.responseId))).toContain('a different admin must approve it (two-person rule)');
    const refusal = new AuditLog(b.bot.services.db).query({ actorId: USERS.admin, action: 'approve' })[0]!;
    expect(refusal).toMatchObject({ outcome: 'refused' });
    expect(writes(b, j)).toEqual([]);

    const m2 = marks(b);
    await b.click(approve.action_id, approve.value!, USERS.admin2, { ephemeral: false });
    await lastMessage(b, /Done: \d+ writes? to `prod`/, m2);
    expect(new AuditLog(b.bot.services.db).query({ actorId: USERS.admin2, action: 'approve' })[0]).toMatchObject({ outcome: 'approved' });
    expect(writes(b, j).some((e) => /addAndReturnId/.test(e.path))).toBe(true);
    expect(b.sb.store.taskByName('05_dqc_check')).toBeDefined();
  });
});
