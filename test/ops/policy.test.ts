import { describe, expect, it } from 'vitest';
import { Policy, PolicyError } from '../../src/ops/policy.js';

const YAML = `
grants:
  - role: admin
    users: [UADMIN]
    scope: ["*"]
  - role: operator
    groups: [SPLATFORM]
    scope: ["ecommerce_dw/*"]
  - role: operator
    users: [UOPS]
    scope: ["doc_connector_demo", "legacy_dw/etl_*"]
limits:
  backfill_max_days: { operator: 5 }
  allowed_channels: [CDATAENG]
`;

describe('Policy', () => {
  const p = Policy.fromYaml(YAML, 'policy.yml');

  it('gives each subject the highest matching role for a folder/task', () => {
    expect(p.roleFor({ userId: 'UADMIN' }, { folder: 'legacy_dw', task: 'x' })).toBe('admin');
    expect(p.roleFor({ userId: 'UOPS' }, { folder: 'doc_connector_demo', task: 'github_clean' })).toBe('operator');
    expect(p.roleFor({ userId: 'UOPS' }, { folder: 'legacy_dw', task: 'etl_orders_daily' })).toBe('operator');
    expect(p.roleFor({ userId: 'UOPS' }, { folder: 'legacy_dw', task: 'sync_legacy_mysql' })).toBe('viewer');
    expect(p.roleFor({ userId: 'UOPS' }, { folder: 'ecommerce_dw', task: 'x' })).toBe('viewer');
    expect(p.roleFor({ userId: 'USOMEONE', groups: ['SPLATFORM'] }, { folder: 'ecommerce_dw', task: 'x' })).toBe('operator');
    expect(p.roleFor({ userId: 'USOMEONE' }, { folder: 'ecommerce_dw', task: 'x' })).toBe('viewer');
    expect(p.usesGroups).toBe(true);
  });

  it('has backfill limits per role with defaults, and channel limits that always allow DMs', () => {
    expect(p.backfillMaxDays('operator')).toBe(5);
    expect(p.backfillMaxDays('admin')).toBe(31);
    expect(p.backfillMaxDays('viewer')).toBe(0);
    expect(p.channelAllowed('CDATAENG')).toBe(true);
    expect(p.channelAllowed('CRANDOM')).toBe(false);
    expect(p.channelAllowed('D0123')).toBe(true);
  });

  it('without a file everyone is a viewer, and the refusal explains POLICY_FILE', () => {
    const none = Policy.none();
    expect(none.roleFor({ userId: 'UADMIN' }, { folder: 'a', task: 'b' })).toBe('viewer');
    expect(none.howToGrant('U1', 'operator', { folder: 'ecommerce_dw' })).toContain('No policy file is configured (POLICY_FILE)');
    expect(none.howToGrant('U1', 'operator', { folder: 'ecommerce_dw' })).toContain('scope: ["ecommerce_dw/*"]');
  });

  it('names the field of every problem in a bad file', () => {
    const bad = () => Policy.fromYaml('grants:\n  - role: superuser\n    users: ["not an id"]\n    scope: []\nextra: 1\n', 'bad.yml');
    expect(bad).toThrow(PolicyError);
    try {
      bad();
    } catch (e) {
      const problems = (e as PolicyError).problems.join('\n');
      expect(problems).toContain('grants.0.role');
      expect(problems).toContain('grants.0.users.0: must be a Slack id');
      expect(problems).toContain('grants.0.scope: needs at least one pattern');
      expect(problems).toMatch(/Unrecognized key.*extra/);
    }
    expect(() => Policy.fromYaml('grants: [', 'broken.yml')).toThrow(/not valid YAML/);
  });
});

describe('Policy with several workspaces', () => {
  const p = Policy.fromYaml(
    `
grants:
  - role: operator
    users: [UOPS]
    scope: ["prod:legacy_dw/*", "ecommerce_dw/*"]
  - role: admin
    users: [UADMIN]
    scope: ["dev:*"]
`,
    'policy.yml',
  );

  it('a scope naming a workspace holds there only; one without holds in every workspace', () => {
    const prod = p.forWorkspace('prod', true);
    const dev = p.forWorkspace('dev', true);
    expect(prod.roleFor({ userId: 'UOPS' }, { folder: 'legacy_dw', task: 'etl_orders_daily' })).toBe('operator');
    expect(dev.roleFor({ userId: 'UOPS' }, { folder: 'legacy_dw', task: 'etl_orders_daily' })).toBe('viewer');
    expect(dev.roleFor({ userId: 'UOPS' }, { folder: 'ecommerce_dw', task: 'x' })).toBe('operator');
    expect(dev.roleFor({ userId: 'UADMIN' }, { folder: 'legacy_dw', task: 'x' })).toBe('admin');
    expect(prod.roleFor({ userId: 'UADMIN' }, { folder: 'legacy_dw', task: 'x' })).toBe('viewer');
    expect(prod.holders('operator', { folder: 'legacy_dw', task: 'x' }).users).toEqual(['UOPS']);
    expect(dev.holders('operator', { folder: 'legacy_dw', task: 'x' }).users).toEqual(['UADMIN']);
  });

  it('a refusal suggests a grant scoped to the workspace; a scope naming an unknown workspace is reported', () => {
    expect(p.forWorkspace('dev', true).howToGrant('UOPS', 'operator', { folder: 'legacy_dw' })).toContain('scope: ["dev:legacy_dw/*"]');
    expect(p.unknownWorkspaces(['prod', 'staging'])).toEqual(['grants.1.scope.0: "dev:*" names workspace dev, which is not configured (prod, staging)']);
  });
});

describe('stream lag thresholds (alerts.stream_lag)', () => {
  it('the first matching scope sets a stream’s threshold; elsewhere the 5-minute default; a bad value is refused', () => {
    const p = Policy.fromYaml(
      `${YAML}alerts:\n  stream_lag:\n    - { scope: ["streaming_ingest/cdc_*"], minutes: 30 }\n    - { scope: ["streaming_ingest"], minutes: 15 }\n`,
      'policy.yml',
    );
    expect(p.streamLagThresholdMs('streaming_ingest', 'cdc_mysql_shop')).toBe(30 * 60_000);
    expect(p.streamLagThresholdMs('streaming_ingest', 'rt_sync_kafka_orders')).toBe(15 * 60_000);
    expect(p.streamLagThresholdMs('other', 'rt_x')).toBe(5 * 60_000);
    expect(Policy.fromYaml(YAML).streamLagThresholdMs(undefined, 'x')).toBe(5 * 60_000);
    expect(() => Policy.fromYaml(`${YAML}alerts:\n  stream_lag:\n    - { scope: ["x"], minutes: -1 }\n`, 'p.yml')).toThrow(PolicyError);
  });
});
