/** Start-up with a broken workspaces file: the program stops before doing anything, naming the file and the key. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('start-up with WORKSPACES_FILE', () => {
  it('a broken file stops the program with exit code 1 and names the key at fault', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sob-start-'));
    const file = join(dir, 'workspaces.yml');
    writeFileSync(
      file,
      'default: prod\nworkspaces:\n  prod:\n    url: https://studio.example.com\n    instance: acme\n    workspace: prod_ws\n    token_env: STUDIO_TOKEN_PROD\n    alert_chanels: "*=C0123"\n',
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', WORKSPACES_FILE: file, DATABASE_PATH: join(dir, 'bot.db'), STUDIO_TOKEN_PROD: 'pat_0123456789abcdef' },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Studio Ops Bot cannot start');
    expect(r.stderr).toMatch(/workspaces\.yml: workspaces\.prod/);
    expect(r.stderr).toContain('alert_chanels');
    expect(r.stdout).not.toContain('Playground');
  });
});
