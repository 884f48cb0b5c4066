import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { cycles, importGraph } from './imports';

const ROOT = path.resolve(__dirname, '..', '..');

test('no import cycle in harness/, type imports included (modules load in one order; a layer never needs the one above it)', () => {
  const graph = importGraph(ROOT, 'harness');
  assert.ok(graph.size > 50, `the graph has the kit's modules (${graph.size})`);
  const found = cycles(graph).map((c) => c.map((f) => path.relative(ROOT, f)).join(' → '));
  assert.deepEqual(found, [], `import cycles:\n  ${found.join('\n  ')}`);
});

test('the cycle search finds a cycle, and a self-import, and nothing in a tree', () => {
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
  assert.deepEqual(cycles(new Map([['a', ['a']]])), [['a']]);
  assert.deepEqual(cycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

test('the graph follows imports through index files, re-exports and require; type-only ones unless asked for values', () => {
  const deps = (g: Map<string, string[]>, f: string) => (g.get(path.join(ROOT, f)) ?? []).map((d) => path.relative(ROOT, d));
  const all = importGraph(ROOT, 'harness');
  const values = importGraph(ROOT, 'harness', { values: true });
  assert.ok(deps(values, 'harness/workflow/scenario.ts').includes('harness/trace/index.ts'), 'a value import through an index file');
  assert.ok(deps(values, 'harness/checks/index.ts').includes('harness/checks/check.ts'), 'export * from');
  assert.ok(deps(all, 'harness/workflow/sessions/flow.ts').includes('harness/workflow/webapp/flow.ts'), 'import type counts by default');
  assert.ok(!deps(values, 'harness/workflow/sessions/flow.ts').includes('harness/workflow/webapp/flow.ts'), 'import type is erased from the values graph');
  assert.ok(deps(all, 'harness/cli/checks.ts').includes('harness/runner/index.ts'), 'a require() call');
});
