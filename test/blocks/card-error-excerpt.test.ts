/**
 * Issue 33, item 5: a long error on a card keeps its head and its tail — the cause of a wrapped
 * error is usually at its end (`Caused by: …`), and a cut that kept only the head dropped it.
 */
import { describe, expect, it } from 'vitest';
import { buildTriageCard } from '../../src/blocks/triage.js';
import { clipHeadTail } from '../../src/redaction/clip.js';
import type { AlertCard } from '../../src/store/alerts.js';

const links = { runLink: (id: number) => `https://studio.example/run/${id}`, taskLink: (id: number) => `https://studio.example/task/${id}` };

describe('error excerpts keep head and tail', () => {
  it('a card quoting a long error shows its beginning and its cause at the end', () => {
    const failMsg = `java.lang.RuntimeException: Job failed ${'at org.apache.flink.Stage.run(Stage.java:42) '.repeat(20)}Caused by: java.sql.SQLException: Access denied for user 'etl'@'10.0.0.5'`;
    const card = {
      id: 1,
      channel: 'C1',
      ts: null,
      groupKey: 'g',
      taskId: 7,
      taskName: 'etl',
      folder: 'f',
      taskType: 'SQL',
      owner: null,
      causeId: null,
      causeTitle: null,
      causeFix: null,
      failMsg,
      firstRunId: 9,
      latestRunId: 9,
      bizDate: '2026-11-22',
      attempts: 1,
      count: 1,
      failedAt: 0,
      lastFailedAt: 0,
      firstSeen: 0,
      lastSeen: 0,
      blocked: [],
      digestId: null,
      rootFixedAt: null,
      rootFixRunId: null,
      rootFixedBy: null,
      rootFixedHow: null,
      status: 'open',
      ackBy: null,
      ackAt: null,
      resolvedBy: null,
      resolvedHow: null,
      resolvedAt: null,
      resolvedRunId: null,
      subject: null,
      latestJob: null,
    } as AlertCard;
    const text = JSON.stringify(buildTriageCard(card, { links: links as never, mention: (o) => o ?? 'no owner' }).blocks);
    expect(text).toContain('java.lang.RuntimeException: Job failed');
    expect(text).toContain("Access denied for user 'etl'");
    expect(text).toContain(' … ');
  });

  it('cuts neither inside a token nor past the limit', () => {
    const text = `${'head '.repeat(40)}${'x'.repeat(30)} ${'tail '.repeat(40)}end`;
    for (const max of [40, 77, 120, 200]) {
      const cut = clipHeadTail(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut.startsWith('head')).toBe(true);
      expect(cut.endsWith('end')).toBe(true);
    }
    expect(clipHeadTail('short', 10)).toBe('short');
  });
});
