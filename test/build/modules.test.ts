/** The module graph's house rules: no import cycles, and only the composition root knows the sandbox. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports that load code at run time (`import type` and `export type` are erased). */
function valueImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [
    ...[...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+'(\.[^']+)'/g)].map((m) => m[1]!),
    ...[...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => m[1]!),
  ];
  return specs.map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const files = [...sources('src'), ...sources('handlers')];
const graph = new Map(files.map((f) => [f, valueImports(f).filter((d) => files.includes(d))]));

function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    path.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') found.push([...path.slice(path.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe('module graph', () => {
  it('reads the imports it checks (a sanity check of the parser)', () => {
    expect(graph.get('src/main.ts')).toEqual(expect.arrayContaining(['src/bot.ts', 'src/studio-connection.ts']));
    expect(graph.get('src/playground/stack.ts')).toContain('src/bot.ts');
  });

  it('has no import cycles (main ↔ playground among them)', () => {
    expect(cycles().map((c) => c.join(' → '))).toEqual([]);
  });

  it('src/studio/ does not depend on the sandbox; only the composition root and the sandbox’s own tools load it', () => {
    const sandboxUsers = files.filter((f) => !f.startsWith('src/sandbox/') && (graph.get(f) ?? []).some((d) => d.startsWith('src/sandbox/')));
    expect(sandboxUsers.filter((f) => f.startsWith('src/studio/'))).toEqual([]);
    expect(sandboxUsers.sort()).toEqual(['src/studio-connection.ts']);
  });

  it('keeps modules to a size a reader can hold (no source file over 900 lines)', () => {
    const big = files.map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length })).filter((x) => x.lines > 900);
    expect(big.map((x) => `${relative(ROOT, join(ROOT, x.f))}: ${x.lines}`)).toEqual([]);
  });
});
