/**
 * A worker thread running a module of this package: the compiled JavaScript in the build; in a
 * checkout and under the tests, the TypeScript through tsx's loader, registered inside the worker
 * before the module is imported.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `name` (without extension) beside the module whose `import.meta.url` is `beside`. */
export function moduleWorker(beside: string, name: string, options: WorkerOptions): Worker {
  // The process's Node flags, less those a worker refuses: `--input-type` (`node --input-type=module -e …`)
  // and the heap's sizes (production's `--max-old-space-size`: a worker's heap is set by its resourceLimits).
  const opts = { ...options, execArgv: process.execArgv.filter((a) => !/^--(input-type|max-old-space-size|max-semi-space-size)\b/.test(a)) };
  if (!beside.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, beside), opts);
  // tsx's ESM API, as its package exports it (resolved here: the worker's eval has no module of its own to resolve from).
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('tsx/package.json');
  const api = (require(pkg) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const tsx = pathToFileURL(join(dirname(pkg), api)).href;
  const entry = new URL(`./${name}.ts`, beside).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...opts, eval: true });
}
