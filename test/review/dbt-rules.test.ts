/**
 * Issue 30, item 10 (seed 004): review rules for a Studio Shell/Python task that runs dbt — the
 * adapter version (dbt-clickzetta ≥ 1.7.8), the target a scheduled run writes (prod, said
 * explicitly), `dbt debug` before building, incremental models that really are incremental, and no
 * password written in profiles.yml.
 */
import { describe, expect, it } from 'vitest';
import { type ReviewTask, reviewTasks } from '../../src/review/rules.js';
import { taskKindByKey } from '../../src/studio/enums.js';

const good = `#!/bin/bash
set -euo pipefail
python3 -m pip install --quiet "dbt-clickzetta>=1.7.8"
mkdir -p proj/models
cat > proj/profiles.yml <<'YML'
cz_dbt_project:
  target: dev
  outputs:
    prod:
      type: clickzetta
      password: "{{ env_var('CZ_PASSWORD') }}"
      schema: dbt_prod
YML
cat > proj/models/events_enriched.sql <<'SQL'
{{ config(materialized='incremental') }}
SELECT * FROM
{% if is_incremental() %} {{ source('public', 'stream_events') }} {% else %} {{ source('public', 'events') }} {% endif %}
SQL
cd proj
dbt debug --profiles-dir . --target \${dbt_target}
dbt build --profiles-dir . --target \${dbt_target}
`;

const task = (content: string, over: Partial<ReviewTask> = {}): ReviewTask => ({
  id: 1,
  name: '04_transform_dbt',
  folder: 'shop_dw',
  kind: taskKindByKey('SHELL'),
  content,
  cron: '0 0 3 * * ? *',
  deps: [],
  online: true,
  vcCode: 'default',
  ...over,
});
const rules = (t: ReviewTask) =>
  reviewTasks(undefined, [t], [t], { isIntegrationVc: () => false })
    .filter((f) => f.rule.startsWith('dbt-'))
    .map((f) => `${f.priority} ${f.rule}`);

describe('review rules for dbt tasks (seed 004)', () => {
  it('a task as the wizard writes it passes', () => {
    expect(rules(task(good))).toEqual([]);
  });

  it('an adapter older than 1.7.8, or not pinned, is flagged', () => {
    expect(rules(task(good.replace('"dbt-clickzetta>=1.7.8"', 'dbt-clickzetta==1.6.2')))).toEqual(['P1 dbt-version']);
    expect(rules(task(good.replace('"dbt-clickzetta>=1.7.8"', 'dbt-clickzetta')))).toEqual(['P2 dbt-version']);
    expect(rules(task(good.replace('python3 -m pip', 'python3.8 -m pip')))).toEqual(['P1 dbt-version']);
  });

  it('a scheduled run with no --target, or on dev, is flagged', () => {
    expect(rules(task(good.replaceAll(' --target ${dbt_target}', '')))).toEqual(['P1 dbt-target']);
    expect(rules(task(good.replaceAll('${dbt_target}', 'dev')))).toEqual(['P1 dbt-target']);
    // A draft run by hand on dev is what dev is for.
    expect(rules(task(good.replaceAll('${dbt_target}', 'dev'), { cron: undefined, online: false }))).toEqual([]);
  });

  it('building without dbt debug first is advice', () => {
    expect(rules(task(good.replace(/^dbt debug.*\n/m, '')))).toEqual(['P2 dbt-debug-first']);
  });

  it('an incremental model that reads its whole source every run is flagged', () => {
    const full = good.replace(/\{% if is_incremental\(\) %\}.*\{% endif %\}/, "{{ source('public', 'events') }}");
    expect(rules(task(full))).toEqual(['P1 dbt-incremental']);
    // Reading only a table stream is incremental by itself (seed 004's second form).
    const streamOnly = good.replace(/\{% if is_incremental\(\) %\}.*\{% endif %\}/, "{{ source('public', 'stream_events') }}");
    expect(rules(task(streamOnly))).toEqual([]);
  });

  it('a password written in profiles.yml is flagged', () => {
    expect(rules(task(good.replace(`"{{ env_var('CZ_PASSWORD') }}"`, 'S3cret!')))).toEqual(['P1 dbt-password-in-profile']);
  });

  it('tasks that do not run dbt are not looked at', () => {
    expect(rules(task('#!/bin/bash\necho dbt-clickzetta==1.0\n'))).toEqual([]);
  });
});
