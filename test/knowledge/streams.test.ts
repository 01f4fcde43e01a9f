/** What a stream's failure says, read by the knowledge table: seed 002's troubleshooting and the CDC prerequisites, with stream checks. */
import { describe, expect, it } from 'vitest';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { loadKnowledge } from '../../src/knowledge/load.js';
import type { TaskKindKey } from '../../src/studio/enums.js';

const diagnoser = new Diagnoser(loadKnowledge().errors);
const top = (text: string, taskType: TaskKindKey = 'MULTI_REALTIME') => diagnoser.diagnose(text, { taskType }).findings[0]?.entry;

describe('stream failures in the knowledge table', () => {
  it('a dropped replication slot, a missing publication, a non-ROW binlog and a stream out of restarts each have their entry and checks', () => {
    const slot = top('org.postgresql.util.PSQLException: ERROR: replication slot "cz_cdc_slot" does not exist')!;
    expect(slot.id).toBe('cdc.pg_slot_dropped');
    expect(slot.verify.map((v) => v.text).join('\n')).toContain('pg_replication_slots');
    expect(top('ERROR: publication "cz_pub" does not exist')?.id).toBe('cdc.pg_publication_missing');
    const binlog = top(
      'The MySQL server is not configured to use a ROW binlog_format, which is required for this connector to work properly. Change the MySQL configuration to use a binlog_format=ROW and restart the connector.',
    )!;
    expect(binlog.id).toBe('cdc.binlog_format');
    expect(binlog.verify[0]!.text).toContain("'binlog_format'");
    expect(top('org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy', 'REALTIME')?.id).toBe('realtime.stopped_unexpectedly');
  });
});
