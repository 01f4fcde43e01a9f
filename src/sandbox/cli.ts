/**
 * `npm run sandbox -- [--port N] [--db FILE|:memory:] [--seed demo|empty] [--failure-rate R] [--run-seconds MIN-MAX]`
 *
 * Starts the embedded Studio sandbox standalone. When ready it prints one JSON line on stdout:
 * {"url":…,"accessToken":…,"instance":…,"workspace":…}
 */
import { parseArgs } from 'node:util';
import { startSandbox } from './server.js';

const USAGE = `usage: npm run sandbox -- [--port N] [--db FILE|:memory:] [--seed demo|empty] [--failure-rate 0..1] [--run-seconds MIN-MAX]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const OPTIONS = {
  port: { type: 'string', default: '0' },
  db: { type: 'string', default: ':memory:' },
  seed: { type: 'string', default: 'demo' },
  'failure-rate': { type: 'string', default: '0.05' },
  'run-seconds': { type: 'string', default: '5-15' },
  help: { type: 'boolean', default: false },
} as const;

function parseOptions() {
  try {
    return parseArgs({ options: OPTIONS, strict: true }).values;
  } catch (e) {
    return fail((e as Error).message);
  }
}

async function main(): Promise<void> {
  const values = parseOptions();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a whole number from 0 to 65535 (0 = any free port), got ${values.port}`);
  if (values.seed !== 'demo' && values.seed !== 'empty') fail(`--seed must be demo or empty, got ${values.seed}`);
  const rate = Number(values['failure-rate']);
  if (!(rate >= 0 && rate <= 1)) fail(`--failure-rate must be between 0 and 1, got ${values['failure-rate']}`);
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(values['run-seconds']!);
  if (!m || Number(m[1]) > Number(m[2])) fail(`--run-seconds must look like 5-15 (min-max seconds), got ${values['run-seconds']}`);

  const sandbox = await startSandbox({
    port,
    db: values.db!,
    seed: values.seed,
    failureRate: rate,
    runDurationMs: [Number(m[1]) * 1000, Number(m[2]) * 1000],
  });
  process.stdout.write(`${JSON.stringify({ url: sandbox.url, accessToken: sandbox.accessToken, instance: sandbox.instance, workspace: sandbox.workspace })}\n`);
  const stop = () => {
    void sandbox.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write(`sandbox failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
