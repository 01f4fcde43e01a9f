/**
 * A bot for the benchmarks, in its own process: the sandbox as Studio, a minimal Slack Web API
 * that answers ok, and the real bot (HTTP receiver). Prints one JSON line when ready.
 * `--bare` starts a bare Bolt app with a trivial /cz handler instead (the baseline).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startBot } from '../src/main.js';
import { connectStudio } from '../src/studio/connect.js';

const started = Date.now();
const bare = process.argv.includes('--bare');
const signingSecret = randomBytes(16).toString('hex');

// A Slack stand-in that accepts everything (auth.test, chat.*, response_url).
const slack = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', ts: '1.1', channel: 'C1', view: { id: 'V1', hash: 'h' } }));
  });
});
await new Promise<void>((r) => slack.listen(0, '127.0.0.1', r));
const slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}`;

let port: number;
if (bare) {
  const app = new App({ token: 'xoxb-bench', signingSecret, clientOptions: { slackApiUrl: `${slackUrl}/api/` } });
  app.command('/cz', async ({ ack }) => {
    await ack();
  });
  app.action(/.*/, async ({ ack }) => {
    await ack();
  });
  const server = (await app.start(0)) as unknown as { address(): AddressInfo };
  port = server.address().port;
} else {
  const config = loadConfig({ DATABASE_PATH: ':memory:', LOG_LEVEL: 'silent', SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: signingSecret, SLACK_API_URL: `${slackUrl}/api/`, PORT: '0' });
  const studio = await connectStudio(config, createLogger('silent'));
  const bot = await startBot(config, studio.client, createLogger('silent'), { autoPoll: false });
  port = bot.port;
}
process.stdout.write(`${JSON.stringify({ port, signingSecret, slackUrl, readyMs: Date.now() - started })}\n`);
setInterval(() => {
  if (process.argv.includes('--report-rss')) process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss })}\n`);
}, 1000).unref();
process.stdin.on('data', (d) => {
  if (String(d).includes('rss')) process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss })}\n`);
});
process.stdin.on('end', () => process.exit(0));
