/**
 * The production build: `npm run build` compiles to dist/, and `node dist/main.js` (with the flags
 * of `npm run start:prod`) starts on the embedded defaults, finding knowledge/ and manifest.yml
 * from the package root rather than beside the compiled files.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function startProd(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod']!;
  const [node, ...args] = script.split(/\s+/);
  expect(node).toBe('node');
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`node dist/main.js exited with ${code}: ${err}`)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^Playground: (http:\/\/\S+)/.exec(l);
      if (m) resolve({ child, url: m[1]! });
    });
  });
}

describe('the production build', () => {
  it('builds dist/ and starts node dist/main.js on the embedded defaults', { timeout: 120_000 }, async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'pipe' });
    expect(existsSync('dist/main.js')).toBe(true);
    expect(existsSync('dist/src/main.js')).toBe(true);
    expect(existsSync('dist/knowledge')).toBe(false); // read from the package root, not copied
    const { url } = await startProd({ PORT: '0', DATABASE_PATH: ':memory:', LOG_LEVEL: 'warn' });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    // The playground offers the manifest's message shortcuts: manifest.yml was found.
    const state = (await (await fetch(`${url}/ui/state?user=U0ADMIN`)).json()) as { shortcuts: { callback_id: string }[] };
    expect(state.shortcuts.length).toBeGreaterThan(0);
  });
});
