/** Connect to the configured Studio, or start the embedded sandbox when none is configured (the composition root's choice; src/studio/ knows nothing of the sandbox). */
import type { AppConfig } from './config.js';
import { type Logger, createLogger } from './logger.js';
import { type RunningSandbox, startSandbox } from './sandbox/server.js';
import { StudioClient } from './studio/client.js';

export interface StudioConnection {
  client: StudioClient;
  sandbox: RunningSandbox | undefined;
  close(): Promise<void>;
}

export async function connectStudio(
  config: AppConfig,
  logger: Logger = createLogger(config.logLevel),
  sandboxOptions: { runDurationMs?: [number, number]; failureRate?: number } = {},
): Promise<StudioConnection> {
  let sandbox: RunningSandbox | undefined;
  let target: { url: string; accessToken: string; instance: string; workspace: string };
  if (config.studio.mode === 'sandbox') {
    sandbox = await startSandbox({
      port: config.sandboxPort,
      db: config.sandboxDbPath,
      seed: 'demo',
      failureRate: sandboxOptions.failureRate ?? 0.05,
      runDurationMs: sandboxOptions.runDurationMs,
    });
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
