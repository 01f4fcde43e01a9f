/**
 * HTTP mode's front door (src/slack/front-door.ts): Slack's requests are read, checked and — a slash
 * command, a click — acknowledged by a thread of their own, so a bot whose thread is busy still
 * answers within Slack's 3 seconds. The client here is another process: this test's thread (the
 * bot's) is held busy for three seconds while the command arrives. Modal submissions, whose acks carry
 * the bot's answer, still wait for it: test/slack/operations.test.ts reads their errors through the door.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { USERS, signedHeaders, slashCommandForm, useBotHarness } from '../helpers/bot.js';

const b = useBotHarness();

/** A client in its own process: warms up, says "ready", sends `body` 300 ms later, prints the ack's status and milliseconds. */
function clientProcess(url: string, body: string, headers: Record<string, string>) {
  // A first request warms the client's fetch (loading it takes a cold process a few hundred ms).
  const script = `
    await (await fetch(${JSON.stringify(url.replace('/slack/events', '/healthz'))})).text();
    console.log('ready');
    setTimeout(async () => {
      const t = performance.now();
      const res = await fetch(${JSON.stringify(url)}, { method: 'POST', headers: ${JSON.stringify(headers)}, body: ${JSON.stringify(body)} });
      const text = await res.text();
      console.log(JSON.stringify({ status: res.status, ms: performance.now() - t, text }));
    }, 300);`;
  const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout! });
  const next = () => once(lines, 'line').then(([l]) => l as string);
  return { next, exited: once(p, 'exit') };
}

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the bot's thread does nothing else: a storm's planning, a long reply, garbage collection
  }
}

describe('the front door', () => {
  it("acknowledges a /cz command within 500 ms while the bot's thread is busy for 3 s, and the bot then answers it", async () => {
    const r = b.slack.responseUrl();
    const body = slashCommandForm({ text: 'help', user: USERS.operator, responseUrl: r.url });
    const client = clientProcess(`${b.botUrl}/slack/events`, body, signedHeaders(body));
    expect(await client.next()).toBe('ready');
    busyFor(3000);
    const ack = JSON.parse(await client.next()) as { status: number; ms: number; text: string };
    await client.exited;
    expect(ack.status).toBe(200);
    expect(ack.text).toBe('');
    expect(ack.ms).toBeLessThan(500);
    // The bot, free again, handled the command: the help reached the response URL.
    const answer = JSON.stringify(await b.answer(r.id));
    expect(answer).toContain('/cz');
  });

  it('refuses an unsigned request and a replay at the door, and serves /healthz through it', async () => {
    const res = await fetch(`${b.botUrl}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'command=%2Fcz&text=help' });
    expect(res.status).toBe(401);
    const health = await fetch(`${b.botUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
  });
});
