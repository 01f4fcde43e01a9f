/**
 * Requests an attacker or a broken client would send, against the real HTTP front (issue 14):
 * nothing crashes the process, nothing malformed reaches a listener, a request dated outside five
 * minutes either way or replayed is refused, and the bot keeps answering afterwards.
 */
import { describe, expect, it } from 'vitest';
import { SIGNING_SECRET, USERS, sign, slashCommandForm, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();

async function raw(body: string, contentType: string, o: { ts?: number; signature?: string } = {}): Promise<number> {
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  const res = await fetch(`${b.botUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': o.signature ?? sign(body, ts, SIGNING_SECRET) },
    body,
  });
  await res.text();
  return res.status;
}

const FORM = 'application/x-www-form-urlencoded';

async function stillServing(): Promise<void> {
  const r = await b.command('help', USERS.viewer);
  expect(r.status).toBe(200);
  expect(visibleText(await b.answer(r.responseId))).toContain('/cz');
}

describe('malformed but signed requests', () => {
  it('payload=null, a JSON body null, and other shapes Slack never sends: 400, no listener runs, the process keeps serving', async () => {
    const cases: [string, string][] = [
      ['payload=null', FORM],
      ['null', 'application/json'],
      ['payload=%7B%7D', FORM], // {}
      ['payload=%5B1%2C2%5D', FORM], // [1,2]
      ['payload=not-json', FORM],
      [`payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U1' } }))}`, FORM], // no actions
      [`payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [] }))}`, FORM], // no user
      [`payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission', user: { id: 'U1' } }))}`, FORM], // no view
      ['text=hello', FORM], // neither a command nor an interaction
      ['command=%2Fcz&text=help', FORM], // a command without a user
      ['[]', 'application/json'],
      ['{"event_id":"Ev1"}', 'application/json'], // no type
      ['{', 'application/json'],
      ['hello', 'text/plain'],
    ];
    for (const [body, type] of cases) expect({ body, status: await raw(body, type) }).toEqual({ body, status: 400 });
    await stillServing();
    expect(b.slack.violations).toEqual([]);
  });
});

describe('a listener that fails after its ack', () => {
  it('tells the person what went wrong instead of leaving them without an answer', async () => {
    const r = b.slack.responseUrl();
    // A select whose option Slack would always send is missing: refused after the ack, with what was wrong (not a stack).
    const payload = {
      type: 'block_actions',
      user: { id: USERS.operator },
      team: { id: 'T1' },
      channel: { id: 'CALERTS' },
      response_url: r.url,
      trigger_id: 't',
      container: { type: 'message', message_ts: '1.1' },
      actions: [{ type: 'static_select', action_id: 'triage_mute', block_id: 'x', action_ts: '1' }],
    };
    expect(await raw(`payload=${encodeURIComponent(JSON.stringify(payload))}`, FORM)).toBe(200);
    const told = visibleText(await b.slack.waitForResponse(r.id));
    expect(told).toContain('No option was chosen in that menu; nothing was done.');
    expect(told).not.toContain('Cannot read properties');
    await stillServing();
  });
});

describe('timestamps and replays', () => {
  const help = () =>
    new URLSearchParams({
      team_id: 'T1',
      channel_id: 'CDATAENG',
      user_id: USERS.viewer,
      user_name: 'v',
      command: '/cz',
      text: 'help',
      response_url: b.slack.responseUrl().url,
      trigger_id: 't',
    }).toString();

  it('refuses requests dated more than five minutes in the future or the past', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const skew of [301, 3600, 365 * 86_400, -301, -3600]) expect({ skew, status: await raw(help(), FORM, { ts: now + skew }) }).toEqual({ skew, status: 401 });
    expect(await raw(help(), FORM, { ts: now + 60 })).toBe(200); // clock drift within the window is fine
  });

  it('a byte-identical replay of a signed /cz rerun is refused: one pending operation, not four', async () => {
    const runId = (
      b.sb.store.db
        .prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '04_transform_ods_to_dwd' AND r.status = 3 ORDER BY r.id DESC LIMIT 1")
        .get() as { id: number }
    ).id;
    const body = slashCommandForm({ text: `rerun ${runId}`, user: USERS.operator, responseUrl: b.slack.responseUrl().url });
    const ts = Math.floor(Date.now() / 1000);
    const signature = sign(body, ts, SIGNING_SECRET);
    const pending = async () => (await b.bot.services.ops.withStatus('awaiting_confirmation')).filter((o) => o.target === `run:${runId}`).length;
    const before = await pending();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await raw(body, FORM, { ts, signature }));
    expect(statuses).toEqual([200, 401, 401, 401]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await pending()).toBe(before + 1);
    // …also after a restart: the signatures seen are kept in the database.
    await b.restart();
    expect(await raw(body, FORM, { ts, signature })).toBe(401);
    await stillServing();
  });
});
