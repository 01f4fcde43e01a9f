/**
 * The bot in a child process, for tests that kill it (SIGKILL) between two steps of a write and
 * start it again on the same database. Configuration comes from the environment, as in production
 * (STUDIO_* or WORKSPACES_FILE, DATABASE_PATH or DATABASE_URL, SLACK_*, POLICY_FILE); prints `{"port":N}` when ready.
 */
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startBot } from '../../src/bot.js';
import { connectStudio } from '../../src/studio-connection.js';

const config = loadConfig();
const logger = createLogger('silent');
const studio = await connectStudio(config, logger);
// BOT_MIN_SEND_MS: the outbox's pacing per channel (the fake Slack has no rate limit; a burst of hundreds of cards in seconds).
const minSendIntervalMs = process.env.BOT_MIN_SEND_MS ? Number(process.env.BOT_MIN_SEND_MS) : undefined;
const bot = await startBot(config, studio.clients, logger, { autoPoll: process.env.BOT_AUTOPOLL === '1', minSendIntervalMs });
process.stdout.write(`${JSON.stringify({ port: bot.port })}\n`);
// A clean stop, as src/main.ts does it: the work in flight finishes, the lease is given up.
process.on('SIGTERM', () => void bot.stop().finally(() => process.exit(0)));
