/**
 * Fuzz (seeded, bounded): thousands of random /cz texts and malformed interaction payloads through
 * the real HTTP front. No crash, no 5xx, an answer to every command, no Studio write, every reply
 * within Block Kit's limits, and nothing a person typed becomes a ping (<!channel>) or a link.
 */
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/sandbox/sim.js';
import { SIGNING_SECRET, USERS, sign, useBotHarness } from '../helpers/bot.js';

const b = useBotHarness();
const SEED = 20261122;
const WRITES =
  /reRunTaskInstance|killTaskInstance|createComplementJob|saveDataFileConfiguration|dataFile\/submit|dataFile\/addAndReturnId|dataFolder\/add|adhoc\/execute|deleteFile|dataFolder\/delete|batchDeleteCycleTask|offlineTaskWithDownstream/;

/** A seeded generator (the sandbox's mulberry32), so a failure can be replayed. */
const rng = makeRng;

const HOSTILE = ['<!channel>', '<!here>', '<!subteam^S0EVIL>', '<http://evil.example|click me>', '<mailto:x@evil.example|mail>', '<#C0SECRET>'];
const WORDS = [
  'help',
  'tasks',
  'task',
  'runs',
  'run',
  'logs',
  'deps',
  'rerun',
  'backfill',
  'stop',
  'execute',
  'audit',
  'whoami',
  'explain',
  'types',
  'report',
  'check',
  'cron',
  'setup',
  'nope',
  '04_transform_ods_to_dwd',
  'ecommerce_dw/05_dqc_check',
  'legacy_dw',
  '7000022',
  '-1',
  '99999999999999999999',
  '2026-11-18',
  '2026-13-45',
  '--status',
  'failed',
  '--since',
  '3d',
  '999w',
  '--param',
  'k=v',
  '=',
  '--tail',
  '0',
  '--attempt',
  'x',
  '--user',
  '<@UADMIN1>',
  '"quoted name"',
  "'single'",
  '*',
  '0 30 2 * * ? *',
  '30 2 * * *',
  'L W #',
  '密码=abc',
  '连接超时',
  '😀',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\u0000',
  '\u202e',
  '`code`',
  '```block```',
  '&amp;',
  '%s%n',
  '${bizdate}',
  'x'.repeat(300),
];

function randomText(r: () => number): string {
  const n = 1 + Math.floor(r() * 6);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = r();
    parts.push(p < 0.15 ? HOSTILE[Math.floor(r() * HOSTILE.length)]! : p < 0.2 ? String.fromCodePoint(0x20 + Math.floor(r() * 0x2fff)) : WORDS[Math.floor(r() * WORDS.length)]!);
  }
  return parts.join(r() < 0.9 ? ' ' : '');
}

function randomJson(r: () => number, depth = 0): unknown {
  const p = r();
  if (depth > 3 || p < 0.2) return [null, 0, -1, 1e308, '', 'x', true, '<!channel>', 'a'.repeat(2000)][Math.floor(r() * 9)];
  if (p < 0.5) return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
  const keys = ['type', 'user', 'actions', 'view', 'value', 'action_id', 'channel', 'message', 'response_url', 'container', 'team', 'trigger_id', 'state', 'private_metadata'];
  const o: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(r() * 6); i++) o[keys[Math.floor(r() * keys.length)]!] = randomJson(r, depth + 1);
  if (r() < 0.6) o.type = ['block_actions', 'view_submission', 'message_action', 'shortcut', 'view_closed', 'x'][Math.floor(r() * 6)];
  return o;
}

async function postSigned(body: string, contentType: string): Promise<number> {
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(`${b.botUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts, SIGNING_SECRET) },
    body,
  });
  await res.text();
  return res.status;
}

async function inBatches<T>(items: T[], size: number, fn: (x: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('fuzz', () => {
  it('1,500 random /cz texts: each answered, no 5xx, no Studio write, within limits, nothing typed becomes a ping or a link', async () => {
    const r = rng(SEED);
    const texts = Array.from({ length: 1500 }, () => randomText(r));
    const journalBefore = b.sb.journal.length;
    const opens = b.slack.callsOf('views.open').length;
    const ids: { text: string; id: string; status: number }[] = [];
    const users = [USERS.admin, USERS.operator, USERS.viewer];
    await inBatches(texts, 25, async (text) => {
      const res = await b.command(text, users[text.length % 3]!);
      ids.push({ text, id: res.responseId, status: res.status });
    });
    expect(ids.filter((x) => x.status !== 200)).toEqual([]);
    // Every command is answered: a response_url post, or a modal (backfill) / a DM (setup).
    const deadline = Date.now() + 60_000;
    const answered = new Set<string>();
    const missingNow = () => {
      for (const p of b.slack.responses) answered.add(p.id);
      // A backfill opens a modal and setup a DM instead of answering on the response URL.
      return ids.filter((x) => !answered.has(x.id) && !/^\s*(backfill|setup)\b/i.test(x.text));
    };
    while (missingNow().length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
    const missing = missingNow();
    void opens;
    expect(missing.map((x) => x.text).slice(0, 5)).toEqual([]);
    expect(
      b.sb.journal
        .slice(journalBefore)
        .filter((e) => WRITES.test(e.path))
        .map((e) => e.path),
    ).toEqual([]);
    expect(b.slack.violations.slice(0, 5)).toEqual([]);
    const out = JSON.stringify([b.slack.responses.map((p) => p.body), b.slack.calls.map((c) => c.args)]);
    for (const h of HOSTILE) expect({ hostile: h, found: out.includes(JSON.stringify(h).slice(1, -1)) }).toEqual({ hostile: h, found: false });
  }, 180_000);

  it('1,000 malformed interaction payloads: 400 or 200, never 5xx, and the bot still answers', async () => {
    const r = rng(SEED + 1);
    const bodies = Array.from({ length: 1000 }, () => {
      const v = randomJson(r);
      return r() < 0.7 ? `payload=${encodeURIComponent(JSON.stringify(v))}` : JSON.stringify(v);
    });
    const statuses: number[] = [];
    await inBatches(bodies, 100, async (body) => {
      statuses.push(await postSigned(body, body.startsWith('payload=') ? 'application/x-www-form-urlencoded' : 'application/json'));
    });
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set(statuses.filter((s) => s === 200 || s === 400 || s === 401 || s === 404)));
    const alive = await b.command('help', USERS.viewer);
    expect(alive.status).toBe(200);
    await b.answer(alive.responseId);
  }, 120_000);
});
