import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const STUDIO = {
  STUDIO_URL: 'https://cn-shanghai-alicloud.api.clickzetta.com/',
  STUDIO_ACCESS_TOKEN: 'pat_0123456789abcdef',
  STUDIO_INSTANCE: 'acme',
  STUDIO_WORKSPACE: 'prod_ws',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('DATABASE_URL: PostgreSQL for replicas, with a shared AUDIT_KEY; a bad URL is named, never echoed', () => {
    const key = 'a'.repeat(64);
    const c = loadConfig({ DATABASE_URL: 'postgres://bot:s3cret@db:5432/ops', AUDIT_KEY: key, REPLICA_ID: 'pod-1', LEASE_SECONDS: '10' });
    expect(c.databaseUrl).toBe('postgres://bot:s3cret@db:5432/ops');
    expect(c.replica).toEqual({ id: 'pod-1', leaseSeconds: 10 });
    expect(c.databaseThreads).toBeUndefined();
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        return (e as { problems: string[] }).problems;
      }
    };
    const noKey = problems({ DATABASE_URL: 'postgres://bot:s3cret@db/ops' });
    expect(noKey.join('\n')).toContain('AUDIT_KEY is missing: with DATABASE_URL every replica signs the one audit chain');
    const bad = problems({ DATABASE_URL: 'mysql://bot:hunter2@db/ops', AUDIT_KEY: key, REPLICA_ID: 'no spaces', LEASE_SECONDS: '1', DATABASE_THREADS: '0' });
    expect(bad.join('\n')).toContain('DATABASE_THREADS is "0": use a whole number of store threads from 1 to 32');
    expect(bad.join('\n')).toContain('DATABASE_URL is not a postgres:// connection string');
    expect(bad.join('\n')).not.toContain('hunter2');
    expect(bad.join('\n')).toContain('REPLICA_ID is "no spaces"');
    expect(bad.join('\n')).toContain('LEASE_SECONDS is "1"');
  });

  it('uses the embedded sandbox and defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      studio: { mode: 'sandbox' },
      databasePath: './data/studio-ops.db',
      databaseUrl: undefined,
      replica: { id: hostname(), leaseSeconds: 15 },
      logLevel: 'info',
      studioTimeoutMs: 60_000,
      sandboxPort: 0,
      sandboxDbPath: 'data/sandbox.db',
      slack: { mode: 'none', port: 3000, apiUrl: undefined },
      policyFile: undefined,
      runWatchSeconds: 15,
      idempotencyWindowSeconds: 600,
      alerts: { channels: undefined, pollSeconds: 60, groupWindowHours: 24, lookbackHours: 48, stormThreshold: 10, emptyOutputDropPercent: 50 },
      integrationVClusters: undefined,
      lakehouse: { vcluster: 'default', timeoutMs: 30_000 },
      audit: { channel: undefined, anchorMinutes: 60, anchorSeconds: 10 },
      playgroundSlackMode: 'socket',
      playgroundHost: '127.0.0.1',
      diagnosisBudgetMs: 5000,
      workspaces: {
        default: 'demo_ws',
        list: [{ name: 'demo_ws', studio: { mode: 'sandbox' }, sandboxWorkspace: 'demo_ws', databasePath: './data/studio-ops.db', alertChannels: undefined }],
        channels: {},
        several: false,
      },
    });
  });

  it('listens for the playground on loopback unless PLAYGROUND_HOST says otherwise (a container), and names a bad one', () => {
    expect(loadConfig({ PLAYGROUND_HOST: '0.0.0.0' }).playgroundHost).toBe('0.0.0.0');
    expect(problems({ PLAYGROUND_HOST: 'any host/please' })).toEqual([expect.stringMatching(/^PLAYGROUND_HOST is "any host\/please"; use an address/)]);
  });

  it('uses the remote Studio when all four STUDIO_* variables are set', () => {
    const c = loadConfig({ ...STUDIO, LOG_LEVEL: 'DEBUG', DATABASE_PATH: '/var/lib/sob.db' });
    expect(c.studio).toEqual({
      mode: 'remote',
      url: 'https://cn-shanghai-alicloud.api.clickzetta.com',
      accessToken: 'pat_0123456789abcdef',
      instance: 'acme',
      workspace: 'prod_ws',
    });
    expect(c.logLevel).toBe('debug');
    expect(c.databasePath).toBe('/var/lib/sob.db');
  });

  it('names each missing variable of a half-set Studio configuration, one line each', () => {
    const p = problems({ STUDIO_URL: STUDIO.STUDIO_URL, STUDIO_INSTANCE: 'acme' });
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(/^STUDIO_ACCESS_TOKEN is missing .*personal access token/);
    expect(p[1]).toMatch(/^STUDIO_WORKSPACE is missing/);
  });

  it('reports every bad value at once, with the fix', () => {
    const p = problems({ ...STUDIO, STUDIO_URL: 'ftp://x', STUDIO_INSTANCE: 'a b', LOG_LEVEL: 'loud', DATABASE_PATH: '  ', STUDIO_TIMEOUT_MS: '5' });
    expect(p.map((x) => x.split(' ')[0])).toEqual(['STUDIO_URL', 'STUDIO_INSTANCE', 'LOG_LEVEL', 'DATABASE_PATH', 'STUDIO_TIMEOUT_MS']);
    expect(p[2]).toContain('use one of fatal, error, warn, info');
  });

  it('names LAKEHOUSE_VCLUSTER and LAKEHOUSE_SQL_TIMEOUT_SECONDS when they are not usable', () => {
    const p = problems({ LAKEHOUSE_VCLUSTER: "default'; drop", LAKEHOUSE_SQL_TIMEOUT_SECONDS: '0' });
    expect(p.map((x) => x.split(' ')[0])).toEqual(['LAKEHOUSE_VCLUSTER', 'LAKEHOUSE_SQL_TIMEOUT_SECONDS']);
  });

  it('the audit anchors: AUDIT_ANCHOR_SECONDS (1–60) and a mirror file in another folder than the database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const other = mkdtempSync(join(tmpdir(), 'mirror-'));
    const c = loadConfig({ DATABASE_PATH: join(dir, 'bot.db'), AUDIT_ANCHOR_SECONDS: '5', AUDIT_ANCHORS_MIRROR: join(other, 'audit.anchors') });
    expect(c.audit).toEqual({ channel: undefined, anchorMinutes: 60, anchorSeconds: 5, mirror: join(other, 'audit.anchors') });
    const p = problems({ DATABASE_PATH: join(dir, 'bot.db'), AUDIT_ANCHOR_SECONDS: '120', AUDIT_ANCHORS_MIRROR: join(dir, 'copy.anchors') });
    expect(p.map((x) => x.split(' ')[0])).toEqual(['AUDIT_ANCHOR_SECONDS', 'AUDIT_ANCHORS_MIRROR']);
    expect(p[1]).toContain("is in the database's folder");
    expect(problems({ AUDIT_ANCHORS_MIRROR: join(other, 'no-such-folder', 'a.anchors') })[0]).toContain('whose folder does not exist');
  });

  it('DIAGNOSIS_BUDGET_SECONDS: the time one diagnosis may read (5 s unless set), whole seconds from 1 to 60', () => {
    expect(loadConfig({}).diagnosisBudgetMs).toBe(5000);
    expect(loadConfig({ DIAGNOSIS_BUDGET_SECONDS: '12' }).diagnosisBudgetMs).toBe(12_000);
    for (const bad of ['0', '61', '2.5', 'soon'])
      expect(problems({ DIAGNOSIS_BUDGET_SECONDS: bad })).toEqual([`DIAGNOSIS_BUDGET_SECONDS is "${bad}": use a whole number of seconds from 1 to 60`]);
  });

  it('never echoes the access token in a problem', () => {
    const p = problems({ ...STUDIO, STUDIO_ACCESS_TOKEN: 'short' });
    expect(p.join('\n')).not.toContain('short"');
    expect(p[0]).toMatch(/^STUDIO_ACCESS_TOKEN looks too short/);
  });

  it('picks HTTP mode with a bot token and signing secret, Socket Mode with an app token', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_SIGNING_SECRET: 'abc', PORT: '3100', SLACK_API_URL: 'http://127.0.0.1:9/api' }).slack).toEqual({
      mode: 'http',
      botToken: 'xoxb-1-2',
      signingSecret: 'abc',
      port: 3100,
      apiUrl: 'http://127.0.0.1:9/api/',
    });
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_APP_TOKEN: 'xapp-1' }).slack.mode).toBe('socket');
  });

  it('explains a half-set Slack configuration and a missing policy file', () => {
    const p = problems({ SLACK_BOT_TOKEN: 'xoxb-1', POLICY_FILE: '/nonexistent/policy.yml' });
    expect(p).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET is missing .*Signing Secret/),
      expect.stringMatching(/^POLICY_FILE names "\/nonexistent\/policy.yml", which does not exist/),
    ]);
    expect(problems({ SLACK_SIGNING_SECRET: 's' })[0]).toMatch(/^SLACK_BOT_TOKEN is missing/);
  });
});

describe('the workspaces file (WORKSPACES_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sob-ws-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const GOOD = `default: prod
workspaces:
  prod:
    url: https://cn-shanghai-alicloud.api.clickzetta.com/
    instance: acme
    workspace: prod_ws
    token_env: STUDIO_TOKEN_PROD
    alert_channels: "*=C0PRODALERTS"
  dev:
    sandbox: true
    workspace: demo_dev
    alert_channels: "*=C0DEVALERTS"
channels:
  C0DEVTEAM1: dev
`;

  it('lists several workspaces with a default, per-channel defaults and a database each', () => {
    const c = loadConfig({ WORKSPACES_FILE: file('good.yml', GOOD), STUDIO_TOKEN_PROD: 'pat_prod_0123456789', DATABASE_PATH: '/var/lib/sob/bot.db' });
    expect(c.workspaces).toEqual({
      default: 'prod',
      several: true,
      channels: { C0DEVTEAM1: 'dev' },
      list: [
        {
          name: 'prod',
          studio: { mode: 'remote', url: 'https://cn-shanghai-alicloud.api.clickzetta.com', accessToken: 'pat_prod_0123456789', instance: 'acme', workspace: 'prod_ws' },
          databasePath: '/var/lib/sob/bot.db',
          alertChannels: '*=C0PRODALERTS',
        },
        { name: 'dev', studio: { mode: 'sandbox' }, sandboxWorkspace: 'demo_dev', databasePath: '/var/lib/sob/bot.dev.db', alertChannels: '*=C0DEVALERTS' },
      ],
    });
    expect(c.studio).toEqual(c.workspaces!.list[0]!.studio); // the default's, for what serves one workspace
  });

  it('a broken file stops start-up with every problem naming its key', () => {
    const broken = file(
      'broken.yml',
      `default: staging
workspaces:
  prod:
    url: not a url
    instance: acme
    workspace: prod_ws
    token_env: STUDIO_TOKEN_PROD
  Dev:
    sandbox: true
channels:
  general: prod
`,
    );
    const p = problems({ WORKSPACES_FILE: broken });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/broken\.yml: workspaces\.prod\.url: must be a URL/),
        expect.stringMatching(/broken\.yml: workspaces\.Dev: workspace names are lower case/),
        expect.stringMatching(/broken\.yml: channels\.general: keys are Slack channel ids/),
      ]),
    );
    expect(problems({ WORKSPACES_FILE: file('nodefault.yml', GOOD.replace('default: prod', 'default: staging')) })).toEqual([
      expect.stringMatching(/nodefault\.yml: default: is "staging", which is not one of prod, dev$/),
    ]);
    expect(problems({ WORKSPACES_FILE: file('notoken.yml', GOOD) })).toEqual([
      expect.stringMatching(/notoken\.yml: workspaces\.prod\.token_env: names STUDIO_TOKEN_PROD, which is not set/),
    ]);
    expect(problems({ WORKSPACES_FILE: join(dir, 'missing.yml') })).toEqual([expect.stringMatching(/^WORKSPACES_FILE names ".*missing\.yml", which does not exist/)]);
    expect(problems({ WORKSPACES_FILE: file('notyaml.yml', 'default: [unclosed') })).toEqual([expect.stringMatching(/notyaml\.yml: not YAML/)]);
    expect(problems({ WORKSPACES_FILE: file('good2.yml', GOOD), STUDIO_TOKEN_PROD: 'pat_x_0123456789', ...STUDIO })[0]).toMatch(
      /^WORKSPACES_FILE is set together with STUDIO_\* variables/,
    );
  });

  it('the token is never echoed in a problem', () => {
    const p = problems({ WORKSPACES_FILE: file('tok.yml', GOOD.replace('instance: acme', 'instance: "a c m e"')), STUDIO_TOKEN_PROD: 'pat_secret_0123456789' });
    expect(p.join('\n')).not.toContain('pat_secret_0123456789');
    expect(p).toEqual([expect.stringMatching(/workspaces\.prod\.instance: must be the Lakehouse instance name/)]);
  });
});
