/** Naming a dependency cycle from Studio's relation tree, however Studio cuts the tree short. */
import { describe, expect, it } from 'vitest';
import { findCycle } from '../../src/ops/read.js';
import type { TaskRelationNode } from '../../src/studio/models.js';

const ids: Record<string, number> = { a: 1, b: 2, c: 3, d: 4 };
function node(name: string, upstream: TaskRelationNode[] = [], downstream: TaskRelationNode[] = []): TaskRelationNode {
  return { taskId: ids[name]!, name, type: { code: 23, label: 'SQL' } as TaskRelationNode['type'], taskStatus: undefined, upstream, downstream };
}

describe('findCycle', () => {
  it('finds none in a plain chain', () => {
    expect(findCycle(node('b', [node('a')], [node('c', [], [node('d')])]))).toBeUndefined();
  });

  it('names a cycle the tree followed round (downstream), in the direction work flows', () => {
    // a → b → c → a: Studio repeated a three levels down.
    const c = findCycle(node('a', [], [node('b', [], [node('c', [], [node('a')])])]));
    expect(c?.names).toEqual(['a', 'b', 'c', 'a']);
    expect([...c!.taskIds].sort()).toEqual([1, 2, 3]);
  });

  it('reads a cycle found going upstream backwards', () => {
    // a waits for b, b waits for c, c waits for a: work flows a → c → b → a.
    expect(findCycle(node('a', [node('b', [node('c', [node('a')])])]))?.names).toEqual(['a', 'c', 'b', 'a']);
  });

  it('finds a task that is both upstream and downstream when the tree stops at tasks already shown', () => {
    // a → b → c, and c is also upstream of a (a waits for c).
    expect(findCycle(node('a', [node('c')], [node('b', [], [node('c')])]))?.names).toEqual(['a', 'b', 'c', 'a']);
  });
});
