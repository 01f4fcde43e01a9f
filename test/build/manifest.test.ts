/** The README's install steps say what manifest.yml asks for: every bot scope and every event, none other. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '../..');
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] } };
};
const install = /## Install in Slack\n([\s\S]*?)\n## /.exec(readFileSync(join(root, 'README.md'), 'utf8'))![1]!;

describe('README and manifest agree', () => {
  it('every scope and event the manifest asks for is named in the install steps, and none it does not', () => {
    const scopes = manifest.oauth_config.scopes.bot;
    const events = manifest.settings.event_subscriptions.bot_events;
    for (const name of [...scopes, ...events]) expect({ name, named: install.includes(`\`${name}\``) }).toEqual({ name, named: true });
    const named = [...install.matchAll(/`([a-z]+(?::[a-z_]+|\.[a-z]+|_[a-z_]+))`/g)].map((m) => m[1]!).filter((x) => /^[a-z]+[:.][a-z]/.test(x) || x.includes('_'));
    const known = new Set([...scopes, ...events, 'connections:write', 'should_escape', 'manifest.yml']);
    expect(named.filter((x) => !known.has(x))).toEqual([]);
  });
});
