/**
 * Several Studio workspaces in one bot (issue 18): `prod` (the sandbox's demo_ws) and `dev` (demo_dev),
 * each with its own Studio, database and alert channel. A command goes to the workspace `--ws`
 * names, else the channel's default, else the default; each workspace's cards carry it and their
 * buttons come back to it; a policy scope naming one workspace holds there only.
 */
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/store/audit.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';
import type { SandboxHarness } from '../helpers/sandbox.js';

const POLICY = `
grants:
  - role: admin
    users: [${USERS.admin}]
    scope: ["*"]
  - role: operator
    users: [${USERS.operator}]
    scope: ["prod:ecommerce_dw/*"]
`;

const b = useBotHarness({ policy: POLICY, alertChannels: '*=CALERTS', dev: { alertChannels: '*=CDEVALERTS', channels: { CDEVTEAM1: 'dev' } } });

const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';
const calls = (h: SandboxHarness, path: string) => h.sb.journal.filter((e) => e.path.endsWith(path) || e.path === path).length;
const dev = () => b.dev!;

async function ask(text: string, user: string = USERS.viewer, channel?: string) {
  const r = await b.command(text, user, { channel });
  const msg = await b.answer(r.responseId);
  return { msg, text: visibleText(msg) };
}

function failedRun(h: SandboxHarness, task: string): number {
  return (
    h.sb.store.db.prepare('SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = ? AND r.status = 3 AND r.instance_type = 1 ORDER BY r.id DESC').get(task) as {
      id: number;
    }
  ).id;
}

describe('several workspaces', () => {
  it('a command goes to the default workspace, to the one --ws names, or to the channel’s default', async () => {
    const taskList = (h: { sb: { journal: { path: string }[] } }) => h.sb.journal.filter((e) => /scheduleTask\/list|listFiles|dataFile\/list/.test(e.path)).length;
    const before = { prod: taskList(b), dev: taskList(dev()) };
    await ask('tasks ecommerce_dw');
    expect({ prod: taskList(b) > before.prod, dev: taskList(dev()) === before.dev }).toEqual({ prod: true, dev: true });

    const mid = { prod: taskList(b), dev: taskList(dev()) };
    const answered = await ask('tasks ecommerce_dw --ws dev');
    expect(answered.text).toContain('Workspace `dev` · another: `--ws <name>`'); // the answer says which…
    expect(JSON.stringify(answered.msg.blocks)).toContain('--ws &lt;name&gt;'); // …escaped, not read as Slack markup
    expect({ prod: taskList(b) === mid.prod, dev: taskList(dev()) > mid.dev }).toEqual({ prod: true, dev: true });

    const late = { prod: taskList(b), dev: taskList(dev()) };
    await ask('tasks ecommerce_dw', USERS.viewer, 'CDEVTEAM1');
    expect({ prod: taskList(b) === late.prod, dev: taskList(dev()) > late.dev }).toEqual({ prod: true, dev: true });
    // …and --ws wins over the channel's default.
    const last = { prod: taskList(b), dev: taskList(dev()) };
    await ask('tasks ecommerce_dw --ws prod', USERS.viewer, 'CDEVTEAM1');
    expect({ prod: taskList(b) > last.prod, dev: taskList(dev()) === last.dev }).toEqual({ prod: true, dev: true });
  });

  it('--ws naming no workspace is answered with the names, and nothing reaches either Studio', async () => {
    const before = b.sb.journal.length + dev().sb.journal.length;
    const { text } = await ask('tasks --ws staging');
    expect(text).toContain('There is no workspace staging');
    expect(text).toContain('`prod`, `dev`');
    expect(b.sb.journal.length + dev().sb.journal.length).toBe(before);
  });

  it('an operation with a --ws naming no workspace is refused and the refusal is audited', async () => {
    const { text } = await ask('rerun 7000022 --ws staging', USERS.admin);
    expect(text).toContain('There is no workspace staging');
    const rows = new AuditLog(b.bot.services.db).query({});
    expect(rows.find((r) => r.outcome === 'refused' && r.action === 'rerun' && (r.error ?? '').includes('no workspace staging'))).toBeDefined();
    expect([...b.sb.journal, ...dev().sb.journal].filter((e) => e.path === RERUN)).toHaveLength(0);
  });

  it('a policy scope naming prod holds in prod and is refused in dev, audited in dev’s own log', async () => {
    const prodRun = failedRun(b, '04_transform_ods_to_dwd');
    const devRun = failedRun(dev(), '04_transform_ods_to_dwd');
    const inProd = await ask(`rerun ${prodRun}`, USERS.operator);
    expect(inProd.text).toContain('Confirm');
    const inDev = await ask(`rerun ${devRun} --ws dev`, USERS.operator);
    expect(inDev.text).toMatch(/operator/);
    expect(inDev.text).toContain('dev:ecommerce_dw/*'); // the grant it would take, scoped to dev
    expect(calls(dev(), RERUN)).toBe(0);
    const devAudit = new AuditLog(b.bot.workspaces.get('dev')!.db).query({});
    expect(devAudit.find((r) => r.outcome === 'refused' && r.action === 'rerun' && r.target === `run:${devRun}`)).toBeDefined();
    const prodAudit = new AuditLog(b.bot.services.db).query({});
    expect(prodAudit.find((r) => r.target === `run:${devRun}` && r.outcome === 'refused')).toBeUndefined();
  });

  it('a Confirm from a dev confirmation reaches dev’s Studio, once, and prod’s not at all', async () => {
    const devRun = failedRun(dev(), '05_dqc_check');
    const ask1 = await b.command(`rerun ${devRun} --ws dev`, USERS.admin);
    const msg = await b.answer(ask1.responseId);
    const confirm = (msg.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id.endsWith('op_confirm'))!;
    expect(confirm.action_id).toBe('w~dev~op_confirm'); // dev's buttons say so
    const prodWrites = calls(b, RERUN);
    const click = await b.click(confirm.action_id, confirm.value, USERS.admin, { responseId: ask1.responseId });
    await b.click(confirm.action_id, confirm.value, USERS.admin, { responseId: ask1.responseId }); // a double click
    // Two answers to the confirmation: one says it started, the other that it is already under way.
    const answers = [visibleText(await b.answer(click.responseId, 1)), visibleText(await b.answer(click.responseId, 2))].join('\n---\n');
    expect(answers).toMatch(/Rerun of run \d+ started in Studio/);
    await new Promise((r) => setTimeout(r, 200));
    expect(dev().sb.journal.filter((e) => e.path === RERUN && JSON.stringify(e.body).includes(String(devRun)))).toHaveLength(1);
    expect(calls(b, RERUN)).toBe(prodWrites);
  });

  it('a click forged across workspaces does nothing: a prod confirmation clicked as dev’s, or a workspace that does not exist', async () => {
    const prodRun = failedRun(b, '05_dqc_check');
    const asked = await b.command(`rerun ${prodRun}`, USERS.admin);
    const msg = await b.answer(asked.responseId);
    const confirm = (msg.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!;
    const writes = calls(b, RERUN) + calls(dev(), RERUN);
    const forged = await b.click('w~dev~op_confirm', confirm.value, USERS.admin, { responseId: asked.responseId });
    expect(forged.status).toBe(200);
    expect(visibleText(await b.answer(forged.responseId, 1))).toMatch(/This confirmation is no longer known; nothing was done/);
    const nowhere = await b.click('w~nope~op_confirm', confirm.value, USERS.admin);
    expect(nowhere.status).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls(b, RERUN) + calls(dev(), RERUN)).toBe(writes);
  });

  it('each workspace posts its cards to its own channel, the card names its workspace, and its buttons come back to it', async () => {
    const alertsOf = (name: string) => b.bot.workspaces.get(name)!.alerts!;
    for (const name of ['prod', 'dev']) {
      await alertsOf(name).poll();
      await alertsOf(name).flush();
    }
    const posts = (channel: string) => b.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel && !c.args.thread_ts);
    expect(posts('CALERTS').length).toBeGreaterThan(0);
    expect(posts('CDEVALERTS').length).toBeGreaterThan(0);
    const devCardPost = posts('CDEVALERTS').find((p) => JSON.stringify(p.args.blocks).includes('04_transform_ods_to_dwd failed'))!;
    expect(visibleText(devCardPost.args)).toContain('Workspace*\n`dev`');
    expect(visibleText(posts('CALERTS')[0]!.args)).toContain('Workspace*\n`prod`');
    const ids = (JSON.stringify(devCardPost.args.blocks).match(/"action_id":"[^"]+"/g) ?? []).map((x) => x.slice(13, -1));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id.startsWith('w~dev~'))).toBe(true);
    // Logs on the dev card reads dev's Studio and answers in the dev card's thread.
    const devCard = (await alertsOf('dev').store.cards()).find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    const logsBefore = { prod: calls(b, 'execute/logs'), dev: calls(dev(), 'execute/logs') };
    const posted = b.slack.callsOf('chat.postMessage').length;
    await b.click('w~dev~triage_logs', JSON.stringify({ c: devCard.id, r: devCard.latestRunId }), USERS.viewer, {
      ephemeral: false,
      channel: 'CDEVALERTS',
      messageTs: devCard.ts!,
    });
    await alertsOf('dev').flush();
    const reply = await b.slack.waitForCall('chat.postMessage', posted);
    expect(reply.args).toMatchObject({ channel: 'CDEVALERTS', thread_ts: devCard.ts });
    expect(visibleText(reply.args)).toContain(`Log of run ${devCard.latestRunId}`);
    expect({ prod: calls(b, 'execute/logs') === logsBefore.prod, dev: calls(dev(), 'execute/logs') > logsBefore.dev }).toEqual({ prod: true, dev: true });
  });

  it('/metrics and /readyz speak of each workspace', async () => {
    const ready = (await (await fetch(`${b.botUrl}/readyz`)).json()) as { checks: Record<string, string> };
    expect(ready.checks).toEqual({ 'database:prod': 'ok', 'studio:prod': 'ok', 'alerts:prod': 'ok', 'database:dev': 'ok', 'studio:dev': 'ok', 'alerts:dev': 'ok', slack: 'ok' });
    const text = await (await fetch(`${b.botUrl}/metrics`)).text();
    expect(text).toMatch(/studio_ops_studio_calls_total\{workspace="dev",endpoint="[^"]+",outcome="ok"\} \d+/);
    expect(text).toMatch(/studio_ops_studio_calls_total\{workspace="prod",endpoint="[^"]+",outcome="ok"\} \d+/);
  });
});
