import { afterEach, expect, it } from 'vitest';
import { slackPoster } from '../../src/slack/poster.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';

let slack: FakeSlack | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

it('after a failover, a card a crash left unrecorded is found in a digest thread of 250 cards (the 230th), past the first page', async () => {
  slack = await startFakeSlack();
  const poster = slackPoster('xoxb-test-token', slack.apiUrl);
  const digest = await poster.post('CALERTS', { text: 'Alert storm: 250 failures', blocks: [] });
  const posted: string[] = [];
  for (let i = 1; i <= 250; i++) posted.push(await poster.post('CALERTS', { text: `Failed: card ${i}`, blocks: [] }, digest, `outbox:${i}`));
  const found = await poster.findPosted!('CALERTS', 'outbox:230', 0, digest);
  expect(found).toBe(posted[229]);
  // Slack's pages of 200: the lookup read the second page too.
  const lookups = slack.calls.filter((c) => c.method === 'conversations.replies');
  expect(lookups.length).toBe(2);
  expect(lookups[1]!.args.cursor).toBeTruthy();
  expect(await poster.findPosted!('CALERTS', 'outbox:999', 0, digest)).toBeUndefined();
});
