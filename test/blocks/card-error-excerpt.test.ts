/**
 * Issue 33, item 5: a long error on a card keeps its head and its tail — the cause of a wrapped
 * error is usually at its end (`Caused by: …`), and a cut that kept only the head dropped it.
 */
import { describe, expect, it } from 'vitest';
import { buildTriageCard } from '../../src/blocks/triage.js';
import { clipHeadTail } from '../../src/redaction/clip.js';
import { newCard, openCard } from '../../src/alerts/card-plan.js';

const links = { runLink: (id: number) => `https://studio.example/run/${id}`, taskLink: (id: number) => `https://studio.example/task/${id}` };

describe('error excerpts keep head and tail', () => {
  it('a card quoting a long error shows its beginning and its cause at the end', () => {
    const failMsg = `java.lang.RuntimeException: Job failed ${'at org.apache.flink.Stage.run(Stage.java:42) '.repeat(20)}Caused by: java.sql.SQLException: Access denied for user 'etl'@'10.0.0.5'`;
    const card = openCard(
      newCard({ channel: 'C1', groupKey: 'g', taskId: 7, taskName: 'etl', folder: 'f', taskType: 'SQL', failMsg, runId: 9, bizDate: '2026-11-22', failedAt: 0, now: 0 }),
      1,
    );
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
