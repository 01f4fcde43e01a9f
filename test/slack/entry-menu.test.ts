/**
 * Seed 000's entry menu (issue 30, item 11): on Home and as the DM greeting — build new, change
 * existing (the hook issue 34 plugs into), troubleshoot, standards check — and the task-type
 * explainer from knowledge/task-types.yml (`/cz types`, and the menu's "Which task type?").
 */
import { describe, expect, it } from 'vitest';
import { ENTRY_MENU } from '../../src/blocks/entry-menu.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();
type El = { action_id: string; value?: string; text?: { text: string } };
const elementsOf = (blocks: unknown) => (blocks as { elements?: El[] }[]).flatMap((x) => x.elements ?? []);

describe('the entry menu', () => {
  it('is on Home and answers a greeting in the DM with the four choices of seed 000', async () => {
    const before = b.slack.callsOf('views.publish').length;
    await b.event({ type: 'app_home_opened', user: USERS.operator, channel: `D${USERS.operator}`, tab: 'home' });
    const view = (await b.slack.waitForCall('views.publish', before)).args.view as { blocks: unknown[] };
    expect(visibleText(view as never)).toContain('What would you like to do?');
    expect(elementsOf(view.blocks).map((e) => e.action_id)).toEqual(expect.arrayContaining(Object.values(ENTRY_MENU)));

    const posts = b.slack.callsOf('chat.postMessage').length;
    await b.event({ type: 'message', channel_type: 'im', channel: `D${USERS.operator}`, user: USERS.operator, text: 'hi', ts: '1700000001.000100' });
    const greeting = await b.slack.waitForCall('chat.postMessage', posts);
    const text = visibleText(greeting.args);
    expect(text).toContain('What would you like to do?');
    for (const label of ['Build a new pipeline from scratch', 'Change an existing pipeline', 'Troubleshoot task issues', 'Standards compliance check'])
      expect(text).toContain(label);
  });

  it('"Change an existing pipeline" asks seed 000\'s question in the DM; "Which task type?" and `/cz types` explain the task kinds', async () => {
    const posts = b.slack.callsOf('chat.postMessage').length;
    await b.click(ENTRY_MENU.change, 'menu', USERS.operator, { channel: `D${USERS.operator}`, ephemeral: false });
    const change = await b.slack.waitForCall('chat.postMessage', posts);
    expect(visibleText(change.args)).toContain('What modification do you want to make to the existing pipeline?');

    const eph2 = b.slack.callsOf('chat.postEphemeral').length;
    await b.click(ENTRY_MENU.types, 'menu', USERS.operator, { channel: `D${USERS.operator}`, ephemeral: false });
    const types = visibleText((await b.slack.waitForCall('chat.postEphemeral', eph2)).args);
    expect(types).toContain('*MULTI_DI* — scheduled (cron), on an INTEGRATION VCluster');
    expect(types).toContain('Which sync to choose');
    expect(types).toContain('CDC of a whole MySQL (binlog, 5.6+/8.x) or PostgreSQL (WAL, 14+)');

    const cz = visibleText(await b.answer((await b.command('types', USERS.viewer)).responseId));
    expect(cz).toContain('Studio task types');
    expect(cz).toContain('*REALTIME* — runs continuously, no cron');
  });
});
