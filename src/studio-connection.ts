/**
 * Connect to each configured Studio workspace, starting the embedded sandbox for those that are
 * sandboxes (the composition root's choice; src/studio/ knows nothing of the sandbox). With no
 * Studio configured, the one workspace is the sandbox's demo workspace.
 */
import { basename, dirname, extname, join } from 'node:path';
import { type AppConfig, workspacesOf } from './config.js';
import { type Logger, createLogger } from './logger.js';
import { type RunningSandbox, startSandbox } from './sandbox/server.js';
import { StudioClient } from './studio/client.js';

export interface StudioConnection {
  /** The default workspace's client. */
  client: StudioClient;
  /** The default workspace's sandbox, when it is one. */
  sandbox: RunningSandbox | undefined;
  /** Every workspace's client, by name. */
  clients: ReadonlyMap<string, StudioClient>;
  /** The sandboxes started, by workspace name. */
  sandboxes: ReadonlyMap<string, RunningSandbox>;
  close(): Promise<void>;
}

/** The sandbox database of a workspace other than the default: beside the default's. */
function sandboxDb(main: string, name: string): string {
  if (main === ':memory:') return ':memory:';
  return join(dirname(main), `${basename(main, extname(main))}.${name}${extname(main) || '.db'}`);
}

export async function connectStudio(
  config: AppConfig,
  logger: Logger = createLogger(config.logLevel),
  sandboxOptions: { runDurationMs?: [number, number]; failureRate?: number } = {},
): Promise<StudioConnection> {
  const wss = workspacesOf(config);
  const clients = new Map<string, StudioClient>();
  const sandboxes = new Map<string, RunningSandbox>();
  try {
    for (const w of wss.list) {
      let target: { url: string; accessToken: string; instance: string; workspace: string };
      if (w.studio.mode === 'sandbox') {
        const isDefault = w.name === wss.default;
        const sandbox = await startSandbox({
          port: isDefault ? config.sandboxPort : 0,
          db: isDefault ? config.sandboxDbPath : sandboxDb(config.sandboxDbPath, w.name),
          seed: w.sandboxSeed ?? 'demo',
          workspace: w.sandboxWorkspace,
          failureRate: sandboxOptions.failureRate ?? 0.05,
          runDurationMs: sandboxOptions.runDurationMs,
        });
        sandboxes.set(w.name, sandbox);
        target = { url: sandbox.url, accessToken: sandbox.accessToken, instance: sandbox.instance, workspace: sandbox.workspace };
      } else {
        target = w.studio;
      }
      clients.set(
        w.name,
        new StudioClient({
          baseUrl: target.url,
          accessToken: target.accessToken,
          instance: target.instance,
          workspace: target.workspace,
          timeoutMs: config.studioTimeoutMs,
          logger,
        }),
      );
    }
  } catch (e) {
    for (const c of clients.values()) await c.close();
    for (const s of sandboxes.values()) await s.close();
    throw e;
  }
  return {
    client: clients.get(wss.default)!,
    sandbox: sandboxes.get(wss.default),
    clients,
    sandboxes,
    close: async () => {
      for (const c of clients.values()) await c.close();
      for (const s of sandboxes.values()) await s.close();
    },
  };
}
