/**
 * The program: read configuration, then either the playground stack (no Slack tokens: the playground
 * plays Slack, the sandbox plays Studio unless STUDIO_* are set) or the bot on Slack (HTTP or Socket
 * Mode) with Studio (the sandbox is chosen here, the composition root, when no Studio is configured).
 */
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { createLogger } from './logger.js';
import { startBot } from './bot.js';
import { connectStudio } from './studio-connection.js';
import { DatabaseUnavailableError } from './store/database.js';

async function main(): Promise<void> {
  // No request may end the process: a stray error is logged and the bot keeps serving.
  process.on('uncaughtException', (e) => process.stderr.write(`Studio Ops Bot: uncaught error (still running): ${e.stack ?? e.message}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`Studio Ops Bot: unhandled rejection (still running): ${(e as Error)?.stack ?? String(e)}\n`));
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`Studio Ops Bot cannot start:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  if (config.slack.mode === 'none') {
    // No Slack tokens: the playground plays Slack's part.
    const { startPlaygroundStack } = await import('./playground/stack.js');
    const stack = await startPlaygroundStack(config, logger);
    const where = [...stack.studio.clients.keys()]
      .map((name) => {
        const sandbox = stack.studio.sandboxes.get(name);
        const w = config.workspaces?.list.find((x) => x.name === name);
        const at = sandbox
          ? `the embedded Studio sandbox at ${sandbox.url} (${sandbox.workspace})`
          : `Studio at ${w?.studio.mode === 'remote' ? w.studio.url : config.studio.mode === 'remote' ? config.studio.url : ''}`;
        return stack.studio.clients.size > 1 ? `${name}: ${at}` : at;
      })
      .join('; ');
    process.stdout.write(`Studio Ops Bot is running against ${where}.\nPlayground: ${stack.url}\n`);
    const stopAll = () => {
      void stack.close().finally(() => process.exit(0));
    };
    process.on('SIGINT', stopAll);
    process.on('SIGTERM', stopAll);
    return;
  }
  const conn = await connectStudio(config, logger);
  const bot = await startBot(config, conn.clients, logger);
  process.stdout.write(
    config.slack.mode === 'http'
      ? `Studio Ops Bot: Slack HTTP mode on port ${bot.port} (events at /slack/events, health at /healthz)\n`
      : `Studio Ops Bot: Slack Socket Mode connected (health at :${bot.port}/healthz)\n`,
  );
  const stopAll = () => {
    void bot
      .stop()
      .then(() => conn.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
}

/** Runs the bot as a program: `tsx src/main.ts` (npm start) and `node dist/main.js` (the build). */
export function runMain(): void {
  main().catch((e) => {
    // A database that cannot be used is a start-up problem to fix, not a crash: one line, no stack.
    if (e instanceof DatabaseUnavailableError) {
      process.stderr.write(`Studio Ops Bot cannot start: ${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`Studio Ops Bot failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) runMain();
