/**
 * Issue 30, item 10 (seed 004): dbt on Lakehouse fails in ways of its own — the adapter not
 * installed, a Python older than 3.10, the profile or target missing, `dbt debug`'s connection
 * test failing. Each log is diagnosed to its entry, with the seed's fix.
 */
import { describe, expect, it } from 'vitest';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { loadKnowledge } from '../../src/knowledge/load.js';

const knowledge = loadKnowledge();
const diagnoser = new Diagnoser(knowledge.errors);
const first = (log: string) => diagnoser.diagnose(log, { taskType: 'SHELL', runType: 'manual' }).findings[0]?.entry;

describe('dbt on Lakehouse: knowledge entries (seed 004)', () => {
  it.each([
    ['dbt.adapter_not_installed', '02:21:55  Running with dbt=1.8.7\n02:21:55  Encountered an error:\nRuntime Error\n  Could not find adapter type clickzetta!\n'],
    ['dbt.adapter_not_installed', '+ dbt debug --target dev\n/tmp/run.sh: line 12: dbt: command not found\n'],
    [
      'dbt.python_too_old',
      'ERROR: Ignored the following versions that require a different python version: 1.7.8 Requires-Python >=3.10\nERROR: Could not find a version that satisfies the requirement dbt-clickzetta>=1.7.8 (from versions: 0.1.0)\n',
    ],
    ['dbt.profile_missing', "02:22:03  Encountered an error:\nRuntime Error\n  Could not find profile named 'cz_dbt_project'\n"],
    ['dbt.target_missing', "Runtime Error\n  The profile 'cz_dbt_project' does not have a target named 'prod'. The valid target names for this profile are:\n   - dev\n"],
    ['dbt.connection_test_failed', '02:22:03  Connection test: [ERROR]\n\n02:22:03  1 check failed:\n02:22:03  dbt was unable to connect to the specified database.\n'],
  ])('%s', (id, log) => {
    const f = first(log);
    expect(f?.id).toBe(id);
    const entry = knowledge.errors.find((e) => e.id === id)!;
    expect(entry.area).toBe('dbt');
    expect(entry.remediation.length).toBeGreaterThan(0);
  });

  it('the version fix names the seed versions', () => {
    const e = knowledge.errors.find((x) => x.id === 'dbt.python_too_old')!;
    expect(e.remediation.join(' ')).toMatch(/Python 3\.10/);
    expect(e.remediation.join(' ')).toContain('dbt-clickzetta>=1.7.8');
  });
});
