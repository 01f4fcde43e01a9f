/**
 * The playground plays Slack's part for an external select: what is typed goes to the bot as a
 * block_suggestion (over the socket in Socket Mode, signed over HTTP in HTTP mode) and the bot's
 * options come back — the wizard's table question, searched in the demo MySQL source's 165 tables.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startPlaygroundStack } from '../../src/playground/stack.js';

const ANSWERS: [string, string][] = [
  ['has_doc', 'no'],
  ['scenario', 'bi'],
  ['consumers', 'analysts'],
  ['freshness', 't1'],
  ['source', 'database'],
  ['db_engine', 'mysql'],
  ['db_freshness', 'batch'],
  ['sync_scope', 'mirror'],
  ['write_mode', 'overwrite'],
  ['source_ds', 'mysql_shop'],
];

describe.each(['socket', 'http'])('the playground in %s mode asks the bot for an external select’s options', (mode) => {
  it('sends what was typed as a block_suggestion and lists the bot’s matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-ext-'));
    const config = loadConfig({ DATABASE_PATH: join(dir, 'bot.db'), ALERT_POLL_SECONDS: '3600', LOG_LEVEL: 'silent', PORT: '0', PLAYGROUND_SLACK_MODE: mode });
    const stack = await startPlaygroundStack(config, createLogger('silent'), { port: 0, sandbox: { failureRate: 0 } });
    try {
      expect(stack.playground.mode).toBe(mode);
      const w = stack.bot.services.wizard;
      const v = await w.start('U0ADMIN', 'DU0ADMIN');
      const id = v.session.id;
      for (const [q, a] of ANSWERS) await w.answer(id, 'U0ADMIN', q, a);
      expect((await w.get(id))!.currentQuestion).toBe('source_tables');
      const ask = async (value: string, user = 'U0ADMIN') =>
        (await (
          await fetch(`${stack.url}/ui/options`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ user, channel: 'DU0ADMIN', messageTs: '1', action_id: 'wizard_choose', block_id: `wizard_choose:${id}:source_tables`, value }),
          })
        ).json()) as { ok: boolean; options: { value: string; text: { text: string } }[] };
      const ord = await ask('ord');
      expect(ord.ok).toBe(true);
      expect(ord.options.map((o) => o.value)).toEqual(['shop.order_items', 'shop.orders']);
      expect((await ask('shop')).options).toHaveLength(100);
      // Someone else's wizard: no options.
      expect((await ask('ord', 'U0OPS')).options).toEqual([]);
    } finally {
      await stack.close();
    }
  }, 60_000);
});
