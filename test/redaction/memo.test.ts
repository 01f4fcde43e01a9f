import { describe, expect, it } from 'vitest';
import { redact, redactAllWithRuleSet, redactionMemoStats } from '../../src/redaction/index.js';
import { RedactionMemo } from '../../src/redaction/memo.js';
import { cachedPrepare } from '../../src/store/statement-cache.js';

describe('remembered redactions', () => {
  it('a text met again is answered from memory with the same result, alone or among others', async () => {
    const secret = 'export DB_PASSWORD=Xk29vLq81mZ0 and token ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    const first = (await redactAllWithRuleSet([secret]))[0]!;
    expect(first).not.toContain('Xk29vLq81mZ0');
    expect(first).not.toContain('ghp_16C7e42F292c6912E7710c838347Ae178B4a');
    const before = redactionMemoStats().hits;
    const again = await redactAllWithRuleSet(['a new line about run 7000123', secret]);
    expect(again[1]).toBe(first);
    expect(redactionMemoStats().hits).toBeGreaterThan(before);
    expect(redact(secret)).toBe(redact(secret));
    expect(redact(secret)).not.toContain('Xk29vLq81mZ0');
  });

  it('keeps digests, not texts, and stays within its bounds', () => {
    const memo = new RedactionMemo({ maxEntries: 3, maxChars: 40, maxText: 20 });
    memo.set('password=hunter2', 'password=[redacted]');
    expect(JSON.stringify([...(memo as unknown as { kept: Map<string, string> }).kept.keys()])).not.toContain('hunter2');
    expect(memo.get('password=hunter2')).toBe('password=[redacted]');
    for (const t of ['a1', 'b2', 'c3', 'd4']) memo.set(t, t);
    expect(memo.get('password=hunter2')).toBeUndefined(); // the oldest went first
    expect(memo.get('d4')).toBe('d4');
    memo.set('x'.repeat(21), 'too long');
    expect(memo.get('x'.repeat(21))).toBeUndefined();
  });
});

describe('prepared statements kept by their SQL', () => {
  it('compiles a text once and forgets the least recently used past its bound', () => {
    const compiled: string[] = [];
    const prepare = cachedPrepare((sql) => {
      compiled.push(sql);
      return { sql };
    }, 2);
    prepare('A');
    prepare('B');
    prepare('A');
    prepare('C'); // B is the least recently used
    prepare('A');
    prepare('B');
    expect(compiled).toEqual(['A', 'B', 'C', 'B']);
  });
});
