/**
 * Composition root: read configuration, connect to Studio (starting the embedded sandbox when no
 * Studio credentials are set), and run.
 *
 * At this stage the product is the Studio client and the sandbox; the Slack app is wired here by
 * the next issue.
 */
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { createLogger } from './logger.js';
import { type RunningSandbox, startSandbox } from './sandbox/server.js';
import { StudioClient } from './studio/client.js';
import { StudioError } from './studio/errors.js';

export interface StudioConnection {
  client: StudioClient;
  sandbox: RunningSandbox | undefined;
  close(): Promise<void>;
}

/** Connect to the configured Studio, starting the embedded sandbox when none is configured. */
export async function connectStudio(config: AppConfig, logger = createLogger(config.logLevel)): Promise<StudioConnection> {
  let sandbox: RunningSandbox | undefined;
  let target: { url: string; accessToken: string; instance: string; workspace: string };
  if (config.studio.mode === 'sandbox') {
    sandbox = await startSandbox({ port: config.sandboxPort, db: config.sandboxDbPath, seed: 'demo', failureRate: 0.05 });
    target = { url: sandbox.url, accessToken: sandbox.accessToken, instance: sandbox.instance, workspace: sandbox.workspace };
  } else {
    target = config.studio;
  }
  const client = new StudioClient({
    baseUrl: target.url,
    accessToken: target.accessToken,
    instance: target.instance,
    workspace: target.workspace,
    timeoutMs: config.studioTimeoutMs,
    logger,
  });
  return {
    client,
    sandbox,
    close: async () => {
      await client.close();
      await sandbox?.close();
    },
  };
}

async function main(): Promise<void> {
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
  const conn = await connectStudio(config, logger);
  try {
    const session = await conn.client.getSession();
    const tasks = await conn.client.listTasks({ pageSize: 1 });
    const where = conn.sandbox ? `embedded Studio sandbox at ${conn.sandbox.url} (demo workspace "${conn.sandbox.workspace}")` : `Studio at ${conn.client.linkContext.baseUrl}`;
    process.stdout.write(
      [
        `Studio Ops Bot: connected to the ${where}`,
        `  workspace project ${session.projectId}, ${tasks.total} tasks`,
        conn.sandbox ? `  sandbox state is kept in ${config.sandboxDbPath}; delete it to start from the demo seed again` : '',
        '  The Slack app is not wired in yet: this build serves the Studio client and the sandbox only. Ctrl-C stops.',
      ]
        .filter(Boolean)
        .join('\n') + '\n',
    );
  } catch (e) {
    const text = e instanceof StudioError ? e.describe() : (e as Error).message;
    process.stderr.write(`Studio Ops Bot cannot reach Studio: ${text}\n`);
    await conn.close();
    process.exit(1);
  }
  const stop = () => {
    conn.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (!conn.sandbox) await conn.close(); // nothing long-running yet against a remote Studio
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main().catch((e) => {
    process.stderr.write(`Studio Ops Bot failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
