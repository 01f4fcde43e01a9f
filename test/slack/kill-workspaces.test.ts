/**
 * SIGKILL with several workspaces (issue 18): the bot, in a child process configured by a
 * WORKSPACES_FILE, is killed while a rerun in its second workspace (`dev`) is in flight and started
 * again on the same databases. After the restart dev's own reconciliation finds the rerun applied:
 * dev's Studio received it once, prod's never, the outcome is in dev's audit chain (which verifies)
 * and nothing of it is in prod's.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { systemClock } from '../../src/sandbox/sim.js';
import { USERS } from '../helpers/bot.js';
import { until } from '../helpers/wait.js';
import { useChildBot } from '../helpers/bot-process.js';

const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';

let prod: RunningSandbox;
let dev: RunningSandbox;
const bot = useChildBot({
  prefix: 'kill-ws-',
  studio: async () => {
    prod = await startSandbox({ clock: systemClock, seed: 'demo', runDurationMs: [60_000, 60_000], failureRate: 0 });
    dev = await startSandbox({ clock: systemClock, seed: 'demo', workspace: 'demo_dev', runDurationMs: [60_000, 60_000], failureRate: 0 });
    const ws = (name: string, sb: RunningSandbox) =>
      `  ${name}:\n    url: ${sb.url}\n    instance: ${sb.instance}\n    workspace: ${sb.workspace}\n    token_env: STUDIO_TOKEN_${name.toUpperCase()}\n`;
    writeFileSync(join(bot.dir, 'workspaces.yml'), `default: prod\nworkspaces:\n${ws('prod', prod)}${ws('dev', dev)}`);
    return async () => {
      await prod.close();
      await dev.close();
    };
  },
  env: () => ({ PATH: process.env.PATH ?? '', WORKSPACES_FILE: join(bot.dir, 'workspaces.yml'), STUDIO_TOKEN_PROD: prod.accessToken, STUDIO_TOKEN_DEV: dev.accessToken }),
});

function auditOf(db: string, opId: string): string[] {
  const d = new Database(join(bot.dir, db), { readonly: true });
  try {
    return (d.prepare('SELECT outcome FROM audit_log WHERE op_id = ? ORDER BY id').all(opId) as { outcome: string }[]).map((r) => r.outcome);
  } finally {
    d.close();
  }
}

describe('SIGKILL with several workspaces', () => {
  it('killed while a dev rerun was in flight: after the restart dev finds it applied, once, in dev’s audit only', async () => {
    const runId = (
      dev.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = 'github_clean' AND r.status = 3 ORDER BY r.id DESC LIMIT 1").get() as {
        id: number;
      }
    ).id;
    const c = bot.client();
    const asked = await c.command(`rerun ${runId} --ws dev`, USERS.admin);
    const msg = await bot.slack.waitForResponse(asked.responseId);
    const confirm = (msg.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'w~dev~op_confirm')!;
    const opId = confirm.value;
    dev.faults.add({ path: RERUN, kind: 'latency', ms: 3_000, times: 1 }); // dev's Studio takes its time, then applies it
    void c.click(confirm.action_id, opId, USERS.admin).catch(() => undefined);
    const devReruns = () => dev.journal.filter((e) => e.path === RERUN && Number((e.body as { taskInstanceId: number }).taskInstanceId) === runId);
    await until(() => devReruns().length === 1);
    await bot.kill(); // the bot dies with dev's write in flight
    expect(auditOf('bot.dev.db', opId)).toEqual(['requested']);
    await bot.start();
    const rows = await until(() => {
      const r = auditOf('bot.dev.db', opId);
      return r.at(-1) === 'succeeded' ? r : undefined;
    }, 20_000);
    expect(rows[0]).toBe('requested');
    expect(devReruns()).toHaveLength(1); // sent once, never again after the restart
    expect(prod.journal.filter((e) => e.path === RERUN)).toHaveLength(0); // prod's Studio never heard of it
    expect(auditOf('bot.db', opId)).toEqual([]); // nor prod's audit chain
    const verify = await promisify(execFile)(process.execPath, ['bin/studio-ops.mjs', 'audit', 'verify', '--db', join(bot.dir, 'bot.dev.db')]);
    expect(verify.stdout).toMatch(/audit log intact/);
  }, 60_000);
});
