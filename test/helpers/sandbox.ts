/** Start the sandbox on loopback with a manual clock, and a real StudioClient pointed at it. */
import { ManualClock } from '../../src/sandbox/sim.js';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import { StudioClient, type StudioClientOptions } from '../../src/studio/client.js';

/** A fixed "now" for the demo workspace: Saturday 2026-11-21 10:00 UTC. */
export const DEMO_NOW = Date.parse('2026-11-21T10:00:00Z');

export interface SandboxHarness {
  sb: RunningSandbox;
  client: StudioClient;
  clock: ManualClock;
  /** Requests the sandbox received on `path`. */
  requests(path: string): RunningSandbox['journal'];
  close(): Promise<void>;
}

export async function startHarness(sandboxOpts: SandboxOptions = {}, clientOpts: Partial<StudioClientOptions> = {}): Promise<SandboxHarness> {
  const clock = new ManualClock(DEMO_NOW);
  const sb = await startSandbox({ clock, seed: 'demo', runDurationMs: [60_000, 60_000], ...sandboxOpts });
  const client = new StudioClient({
    baseUrl: sb.url,
    accessToken: sb.accessToken,
    instance: sb.instance,
    workspace: sb.workspace,
    timeoutMs: 2_000,
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 },
    now: () => clock.now(),
    ...clientOpts,
  });
  return {
    sb,
    client,
    clock,
    requests: (path) => sb.journal.filter((e) => e.path === path),
    close: async () => {
      await client.close();
      await sb.close();
    },
  };
}
