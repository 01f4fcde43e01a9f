/**
 * Start-up with a broken workspaces file, or a PostgreSQL that does not answer: the program stops
 * before doing anything, saying what is wrong in a line a person can act on (no stack, no password).
 */
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

  it('a DATABASE_URL that does not answer stops the program with exit code 1, naming the server and not the password', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sob-start-'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_PATH: join(dir, 'bot.db'),
        DATABASE_URL: 'postgres://ops:s3cretpw@127.0.0.1:1/studio_ops',
        AUDIT_KEY: 'c'.repeat(64),
        PORT: '0',
      },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Studio Ops Bot cannot start: PostgreSQL at 127.0.0.1:1/studio_ops (DATABASE_URL) cannot be used: connect ECONNREFUSED');
    expect(r.stderr).not.toContain('s3cretpw');
    expect(r.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    expect(r.stdout).not.toContain('Playground');
  });
});
