/** Knowledge files: the shipped ones validate; a broken entry is named by file, entry id and field; the CLI. */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_DIR, KnowledgeError, loadKnowledge } from '../../src/knowledge/load.js';

describe('knowledge files', () => {
  it('cover the catalogue: at least 40 entries, every area, every row of knowledge-sources.md that has a signal', () => {
    const k = loadKnowledge();
    expect(k.errors.length).toBeGreaterThanOrEqual(40);
    expect(new Set(k.errors.map((e) => e.area))).toEqual(
      new Set(['scheduling', 'sync', 'realtime', 'cdc', 'engine', 'account', 'python', 'shell', 'dbt', 'runtime', 'data', 'dynamic_table']),
    );
    const signals = k.errors.flatMap((e) => [...e.match.codes, ...e.match.messages, ...e.match.patterns]).join('\n');
    for (const s of [
      'SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION',
      'NO_COLUMNS',
      'CZLH-71006',
      'CZLH-57015',
      'CZLH-60015',
      'CZLH-60005',
      'CZLH-60007',
      'CZLH-60010',
      'CZLH-60022',
      'CZLH-60023',
      'CZLH-60029',
      'GATEWAY_TENANT_OVERDUE',
      'GATEWAY_TENANT_OVER_QUOTA',
      '数据文件夹存在文件',
      'max_allowed_packet',
      'EventHeaderV4',
      'server_uuid/server_id',
      'pk column different',
    ]) {
      expect(signals).toContain(s);
    }
    expect(k.typeMappings.sources.map((s) => s.id)).toEqual(['mysql', 'postgresql', 'sqlserver']);
    expect(k.taskTypes.task_types.find((t) => t.key === 'MULTI_DI')).toMatchObject({ file_type: 291, vcluster: 'integration' });
  });

  it('names the file, the entry id and the field of every broken entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'knowledge-'));
    cpSync(KNOWLEDGE_DIR, dir, { recursive: true });
    const text = readFileSync(join(dir, 'errors.yml'), 'utf8')
      .replace("patterns: ['Encoded key size \\d+ exceeds max size \\d+']", "patterns: ['Encoded key size (\\d+ exceeds']")
      .replace("  severity: critical\n  match:\n    patterns: ['is trying", "  severity: catastrophic\n  match:\n    patterns: ['is trying");
    writeFileSync(join(dir, 'errors.yml'), text);
    try {
      loadKnowledge(dir);
      throw new Error('expected a KnowledgeError');
    } catch (e) {
      expect(e).toBeInstanceOf(KnowledgeError);
      const problems = (e as KnowledgeError).problems;
      expect(problems).toContainEqual(expect.stringMatching(/^knowledge\/errors\.yml: entry cdc\.pk_encoded_key_size: field match\.patterns\.0: invalid regular expression/));
      expect(problems).toContainEqual(expect.stringMatching(/^knowledge\/errors\.yml: entry cdc\.binlog_purged: field severity:/));
    }
  });

  it('studio-ops diagnose --json and explain', () => {
    const run = (args: string[], input?: string) => spawnSync(process.execPath, ['bin/studio-ops.mjs', ...args], { encoding: 'utf8', input });
    const d = run(['diagnose', '--json', '-'], '2026-11-20 ERROR com.clickzetta.client.SqlException: CZLH-60010: Job killed by timeout\n');
    expect(d.status).toBe(0);
    const json = JSON.parse(d.stdout) as {
      findings: { id: string; title: string; confidence: number; cause: string; remediation: string[]; evidence: { line: number; text: string }[] }[];
      salient: unknown[];
    };
    expect(json.findings[0]).toMatchObject({ id: 'engine.job_timeout', evidence: [{ line: 1 }] });
    expect(Object.keys(json.findings[0]!)).toEqual(expect.arrayContaining(['id', 'title', 'confidence', 'cause', 'remediation', 'evidence']));
    expect(Array.isArray(json.salient)).toBe(true);
    expect(run(['explain', 'CZLH-42000']).stdout).toContain('engine.sql_syntax');
    expect(run(['explain', 'NOPE-1']).status).toBe(1);
  }, 30_000);
});
