/**
 * Owners and routing (issue 33, item 4): a task's Studio owner is found in Slack (the policy's
 * map, or by e-mail) and mentioned on the card's first post only; routes by folder, owner and
 * task type send cards to their channel and mention the route's user groups once; the card's
 * edits and thread replies name people without pinging them again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../src/alerts/service.js';
import { Policy } from '../../src/ops/policy.js';
import { type BotHarness, POLICY, USERS, startBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

let b: BotHarness | undefined;
afterEach(async () => {
  if (!b) return;
  expect(b.slack.violations).toEqual([]);
  await b.close();
  b = undefined;
});

const alerts = (): AlertService => b!.bot.services.alerts!;

/** Every `<@U…>` and `<!subteam^S…>` in a Slack call's text and blocks. */
function mentionsIn(args: Record<string, unknown>): string[] {
  return [...JSON.stringify({ text: args.text, blocks: args.blocks }).matchAll(/<@[A-Z0-9]+>|<!subteam\^[A-Z0-9]+>/g)].map((m) => m[0]);
}

const ROUTED = `${POLICY}
alerts:
  owner_email_domain: example.com
  owners: { bob: UBOB1 }
  routes:
    - { scope: ["legacy_dw"], task_types: [DI], channel: CLEGACYSYNC, mention: [S0ONCALL] }
    - { owners: [alice], channel: CALICE }
    - { scope: ["*"], channel: CALERTS }
`;

describe('owners and routing', () => {
  it('routes by owner and task type, mentions the owner and the route group on the first post only, and never again', async () => {
    const h = await startBotHarness({ policy: ROUTED });
    b = h;
    h.slack.emails['alice@example.com'] = 'UALICE1';
    h.slack.groups.S0ONCALL = ['UADMIN1'];
    await alerts().poll();
    await alerts().flush();
    const cards = await alerts().store.cards();
    expect(cards.length).toBeGreaterThan(2);
    for (const c of cards) {
      if (c.folder === 'ecommerce_dw') expect(c.channel, c.taskName).toBe('CALICE');
      else if (c.folder === 'legacy_dw' && c.taskType === 'Batch sync (single table)') expect(c.channel, c.taskName).toBe('CLEGACYSYNC');
      else expect(c.channel, c.taskName).toBe('CALERTS');
    }
    // The first post of an ecommerce_dw card pings alice, found by e-mail (alice@example.com).
    const alice = cards.find((c) => c.channel === 'CALICE')!;
    const firstPost = h.slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'CALICE' && !c.args.thread_ts && JSON.stringify(c.args.blocks).includes(alice.taskName))!;
    expect(mentionsIn(firstPost.args)).toContain('<@UALICE1>');
    expect(h.slack.callsOf('users.lookupByEmail').map((c) => c.args.email)).toContain('alice@example.com');
    // A bob card (policy map) pings UBOB1 without asking Slack.
    // Both conditions of a route must hold: legacy_dw's SQL task is not a sync, so it goes on to `*`.
    expect(
      cards
        .filter((c) => c.folder === 'legacy_dw')
        .map((c) => c.channel)
        .sort(),
    ).toEqual(['CALERTS', 'CLEGACYSYNC']);
    const bob = cards.find((c) => c.folder === 'doc_connector_demo')!;
    {
      const post = h.slack.callsOf('chat.postMessage').find((c) => c.args.channel === bob.channel && JSON.stringify(c.args.blocks).includes(bob.taskName))!;
      expect(mentionsIn(post.args)).toContain('<@UBOB1>');
      expect(h.slack.callsOf('users.lookupByEmail').map((c) => c.args.email)).not.toContain('bob@example.com');
    }
    {
      const post = h.slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'CLEGACYSYNC' && !c.args.thread_ts)!;
      expect(mentionsIn(post.args)).toContain('<!subteam^S0ONCALL>');
    }

    // Someone acknowledges alice's card: the card is edited and a note goes to its thread; neither pings anyone.
    const before = h.slack.calls.length;
    await h.click('triage_ack', JSON.stringify({ c: alice.id }), USERS.operator, { ephemeral: false, channel: 'CALICE', messageTs: alice.ts! });
    await new Promise((r) => setTimeout(r, 150));
    await alerts().flush();
    const later = h.slack.calls
      .slice(before)
      .filter((c) => (c.method === 'chat.update' && c.args.ts === alice.ts) || (c.method === 'chat.postMessage' && c.args.thread_ts === alice.ts));
    expect(later.map((c) => c.method).sort()).toEqual(['chat.postMessage', 'chat.update']);
    for (const c of later) {
      expect(mentionsIn(c.args), c.method).toEqual([]);
      // …and the people are still named: the owner on the card, the person who acknowledged in both.
      expect(visibleText(c.args)).toContain(`@${USERS.operator.toLowerCase()}`);
    }
    const edit = later.find((c) => c.method === 'chat.update')!;
    expect(visibleText(edit.args)).toContain('@ualice1');
  });

  it('refuses a route that names an unknown task type or a bad mail domain, saying what is allowed', () => {
    expect(() => Policy.fromYaml(`${POLICY}\nalerts:\n  routes:\n    - { task_types: [SHEL], channel: C1 }\n`)).toThrow(/must be a task type: SQL, SHELL, PYTHON/);
    expect(() => Policy.fromYaml(`${POLICY}\nalerts:\n  owner_email_domain: "not a domain"\n`)).toThrow(/mail domain such as example.com/);
  });
});
