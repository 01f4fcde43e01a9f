/**
 * The playground shows Slack's emoji shortcodes as Slack does: every `:name:` the bot writes in its
 * messages (src/, handlers/) is in the page's table, so a newcomer never reads ":wave:" where Slack
 * would show 👋.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_PAGE } from '../../src/playground/page.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('playground emoji', () => {
  it("every shortcode the bot writes is drawn as its emoji (SQLite's ':memory:' is a path, not one)", () => {
    const table = /const EMOJI=\{(.*?)\};/.exec(PLAYGROUND_PAGE)?.[1] ?? '';
    const drawn = new Set([...table.matchAll(/(\w+):'/g)].map((m) => m[1]!));
    const used = new Set<string>();
    for (const file of [...sources('src'), ...sources('handlers')]) {
      if (file.startsWith(join('src', 'playground'))) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/['`" ]:([a-z0-9_+-]+):/g)) if (m[1] !== 'memory') used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((c) => !drawn.has(c)).sort()).toEqual([]);
  });
});
