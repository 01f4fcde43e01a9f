/**
 * The bot's own messages name people with Slack mentions (`<@U…>`); the builders escape everything
 * else in them. Before, the mention was escaped too, so Slack showed "Already done by <@U0OPS>"
 * literally instead of the person's name.
 */
import { describe, expect, it } from 'vitest';
import { buildOutcome, buildRefusal } from '../../src/blocks/operations.js';
import type { OpOutcome } from '../../src/ops/operations.js';
import type { OperationRecord } from '../../src/store/operations.js';

const op = { id: 'op-1', action: 'rerun', target: 'run:7', requestedBy: 'U0ADMIN', params: {} } as unknown as OperationRecord;
const sectionText = (m: { blocks: unknown[] }) => (m.blocks[0] as { text: { text: string } }).text.text;

describe('mentions in operation messages', () => {
  it('an outcome keeps the mention of who did it first, and escapes the rest', () => {
    const o = { kind: 'done', op, status: 'succeeded', message: 'Already done by <@U0OPS>: a <b> & c, <!channel> <https://x.example|y>', duplicate: true } as OpOutcome;
    const text = sectionText(buildOutcome(o, 'U0ADMIN'));
    expect(text).toContain('Already done by <@U0OPS>:');
    expect(text).toContain('a &lt;b&gt; &amp; c, &lt;!channel&gt; &lt;https://x.example|y&gt;');
  });

  it('a refusal naming the person whose write is under way shows their name', () => {
    const text = sectionText(buildRefusal({ kind: 'refused', reason: 'state', message: "<@W0ABC12>'s rerun of run:7 is still being sent to Studio." }));
    expect(text).toContain("<@W0ABC12>'s rerun");
    expect(text).not.toContain('&lt;@');
  });
});
