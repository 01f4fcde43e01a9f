/**
 * Issue 31: `/cz explain` finds by meaning. Every troubleshooting row of seeds 000, 001 and 002,
 * typed as a person would type the symptom, finds its entry.
 */
import { describe, expect, it } from 'vitest';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { explain } from '../../src/ops/diagnosis.js';

const diagnoser = new Diagnoser(loadKnowledge().errors);

async function answer(q: string): Promise<string | undefined> {
  const r = await explain(diagnoser, q);
  return r.kind === 'entry' ? r.entry.id : r.diagnosis.findings[0]?.entry.id;
}

/** [seed, the row as the seed names it, as a person types it, the entry] */
const ROWS: [string, string, string, string][] = [
  ['000', 'SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION', 'SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION', 'schedule.ddl_has_children'],
  ['000', 'Task publish failed, circular dependency', 'publish failed: circular dependency between tasks', 'schedule.circular_dependency'],
  ['000', 'Sync task keeps failing, no clear error', 'sync task keeps failing with no clear error', 'sync.type_incompatible'],
  ['000', 'Full database sync task cannot run after creation', 'full database sync cannot run after creation', 'sync.multi_di_mapping_missing'],
  ['000', 'ETL task not triggered on time', 'my ETL task was not triggered on time', 'schedule.upstream_failed'],
  ['000', 'DWS layer data not updated', 'DWS not updated', 'schedule.dws_task_instead_of_dynamic_table'],
  ['000', 'Task run succeeded but data is empty', 'run succeeded but the table is empty', 'data.empty_result_left_join'],
  ['001', 'Task creation failed', 'task creation failed', 'studio.task_creation_failed'],
  ['001', 'Source connection failed', 'source connection failed', 'sync.source_connection_failed'],
  ['001', 'Column mapping failed', 'column mapping failed', 'sync.type_incompatible'],
  ['001', 'Slow sync speed', 'sync speed is slow', 'sync.slow'],
  ['001', 'Schema Evolution failed', 'schema evolution failed', 'sync.schema_evolution'],
  ['001', 'Partial table failure in multi-table sync', 'some tables failed in a multi-table sync', 'sync.partial_table_failure'],
  ['001', 'Data inconsistency in upsert mode', 'upsert data inconsistent', 'sync.upsert_primary_key'],
  ['001', 'Wrong VCluster type', 'wrong vcluster type for the sync', 'sync.vcluster_wrong_type'],
  ['002', 'Task creation failed', 'creating the real-time task failed', 'studio.task_creation_failed'],
  ['002', 'Source connection failed', 'cannot connect to the source database', 'sync.source_connection_failed'],
  ['002', 'No data consumed from Kafka', 'no data consumed from kafka', 'kafka.no_data'],
  ['002', 'JSON parsing failed', 'json parsing failed', 'kafka.json_parse'],
  ['002', 'Increasing sync latency', 'sync latency keeps increasing', 'realtime.latency'],
  ['002', 'Target table write failed', 'target table write failed', 'sync.target_write_failed'],
  ['002', 'Task stopped unexpectedly', 'the task stopped unexpectedly', 'realtime.task_stopped'],
];

describe('/cz explain by meaning: the seeds’ troubleshooting rows', () => {
  for (const [seed, row, typed, id] of ROWS) {
    it(`seed ${seed}: “${row}” typed as “${typed}” finds ${id}`, async () => {
      expect(await answer(typed)).toBe(id);
    });
  }

  it('an entry’s own title finds it', async () => {
    for (const e of diagnoser.entries.filter((x) => x.symptoms.length > 0)) expect(await answer(e.title), e.title).toBe(e.id);
  });

  it('Chinese symptoms find their entries', async () => {
    expect(await answer('DWS 层数据没有更新')).toBe('schedule.dws_task_instead_of_dynamic_table');
    expect(await answer('整库同步创建后无法运行')).toBe('sync.multi_di_mapping_missing');
    expect(await answer('实时同步延迟越来越大')).toBe('realtime.latency');
  });

  it('words that describe nothing in particular find no entry', async () => {
    const r = await explain(diagnoser, 'the quarterly pipeline looks sad today');
    expect(r.kind).toBe('diagnosis');
  });
});
