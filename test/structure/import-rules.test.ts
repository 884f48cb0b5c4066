import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { importGraph } from './imports';
import { IMPORT_RULES, partOf, tableProblems, violations } from './import-rules';

const ROOT = path.resolve(__dirname, '..', '..');
const HARNESS = path.join(ROOT, 'harness');

test('every import in harness/, value or type, is one the import rules allow', () => {
  const graph = importGraph(ROOT, 'harness');
  assert.ok(graph.size > 50, `the graph has the kit's modules (${graph.size})`);
  assert.deepEqual(violations(graph, HARNESS), []);
});

test('the import rules are a layering: every part they name exists, and none may reach itself', () => {
  assert.deepEqual(tableProblems(), []);
  assert.deepEqual(IMPORT_RULES.errors.may, [], 'errors imports nothing');
  assert.deepEqual(IMPORT_RULES.common.may, ['errors'], 'common imports nothing but errors');
  assert.deepEqual(tableProblems({ a: { may: ['b'], why: '' }, b: { may: ['a'], why: '' }, c: { may: ['d'], why: '' } }), [
    'c may import "d", which is no part of the table',
    'a may import itself through a, b: the table is no layering',
    'b may import itself through a, b: the table is no layering',
  ]);
});

test('a module belongs to its folder, subfolders included; errors.ts, the registry and every cli.ts are parts of their own', () => {
  const parts = Object.fromEntries(
    ['errors.ts', 'common/cookie-header.ts', 'common/project-root.ts', 'fusionauth/api/login.ts', 'fusionauth/double.ts', 'fusionauth/cli.ts', 'spec/cli.ts', 'spec/diagram.ts', 'workflow/credentials/jar.ts', 'workflow/credentials.ts', 'workflow/registry.ts', 'workflow/oauth/flow.ts', 'runner/workflow.ts', 'cli/run.ts', 'report/console.ts'].map((f) => [f, partOf(f)]),
  );
  assert.deepEqual(parts, {
    'errors.ts': 'errors',
    'common/cookie-header.ts': 'common',
    'common/project-root.ts': 'common',
    'fusionauth/api/login.ts': 'fusionauth',
    'fusionauth/double.ts': 'fusionauth',
    'fusionauth/cli.ts': 'cli',
    'spec/cli.ts': 'cli',
    'spec/diagram.ts': 'spec',
    'workflow/credentials/jar.ts': 'workflow',
    'workflow/credentials.ts': 'workflow',
    'workflow/registry.ts': 'registry',
    'workflow/oauth/flow.ts': 'workflow',
    'runner/workflow.ts': 'runner',
    'cli/run.ts': 'cli',
    'report/console.ts': 'report',
  });
});

test('an upward import in a hand-built graph is named, with the rule it breaks; the planned folders importing down pass', () => {
  const h = (f: string) => path.join(HARNESS, f);
  const graph = new Map<string, string[]>([
    // Made-up upward imports: the lowest layer reaching the runner, the double reaching the flows, a check reaching the CLI.
    [h('common/project-root.ts'), [h('errors.ts'), h('runner/workflow.ts')]],
    [h('fusionauth/api/login.ts'), [h('common/cookie-header.ts'), h('fusionauth/api/tokens.ts'), h('workflow/credentials/jar.ts')]],
    [h('checks/cookies.ts'), [h('cli/run.ts')]],
    // Allowed: down the layers, within a part, a command next to its module.
    [h('workflow/credentials/jar.ts'), [h('common/cookie-header.ts'), h('browser/index.ts'), h('workflow/scenario.ts')]],
    [h('runner/workflow.ts'), [h('workflow/session.ts'), h('report/console.ts'), h('workflow/registry.ts')]],
    [h('cli/run.ts'), [h('runner/index.ts'), h('cli/command-line.ts')]],
    [h('spec/cli.ts'), [h('cli/command-line.ts'), h('workflow/registry.ts'), h('spec/traceability.ts')]],
    [h('report/write.ts'), [h('workflow/registry.ts')]],
    // A new top-level folder nobody gave a row.
    [h('plugins/x.ts'), []],
  ]);
  assert.deepEqual(violations(graph, HARNESS), [
    'harness/common/project-root.ts imports harness/runner/workflow.ts: common may not import runner (common may import errors)',
    'harness/fusionauth/api/login.ts imports harness/workflow/credentials/jar.ts: fusionauth may not import workflow (fusionauth may import backend, trace, clock, common, errors)',
    'harness/checks/cookies.ts imports harness/cli/run.ts: checks may not import cli (checks may import browser, trace, spec, common, errors)',
    'harness/plugins/x.ts: its part "plugins" is in no row of the import rules (test/structure/import-rules.ts): add one',
  ]);
  assert.deepEqual(violations(new Map([[h('report/console.ts'), [h('workflow/session.ts')]]]), HARNESS), [
    'harness/report/console.ts imports harness/workflow/session.ts: report may not import workflow (report may import registry, checks, clock, result, spec, trace, common, errors)',
  ], 'the report reads the registry, never the flows');
});
