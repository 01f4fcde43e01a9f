/**
 * The sandbox in its own process (as Studio is remote in production) with the benchmark's alert
 * storm already in it: 5,000 failed runs about a day old. Prints the sandbox's JSON line when ready.
 */
import { startSandbox } from '../src/sandbox/server.js';
import { injectStorm } from './storm-data.js';

const sb = await startSandbox({ port: 0, seed: 'demo' });
const runs = injectStorm(sb.store, Date.now());
process.stdout.write(`${JSON.stringify({ url: sb.url, accessToken: sb.accessToken, instance: sb.instance, workspace: sb.workspace, stormRuns: runs.length })}\n`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void sb.close().finally(() => process.exit(0)));
