import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CatalogueEntry, catalogueOf, loadCatalogue, markdownTable, withTables } from '../../harness/checks/catalogue';
import type { Verdict } from '../../harness/checks/check';
import { listWorkflows } from '../../harness/spec/diagram';
import { CHECKS_PAGE } from '../../harness/cli/checks';

const ROOT = path.resolve(__dirname, '..', '..');
const kit = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'loginflow.js'), ...args], { encoding: 'utf8', cwd: ROOT });

test('the check tables in docs/checks.md are the catalogue, one per workflow (npm run checks:update regenerates both)', () => {
  const page = fs.readFileSync(path.join(ROOT, CHECKS_PAGE), 'utf8');
  assert.equal(page, withTables(page, loadCatalogue()), `${CHECKS_PAGE} check tables differ from harness/checks/check-catalogue.json: run \`npm run checks:update\``);
  // withTables would append a missing workflow's table, so the equality above already holds
  // every workflow's; the README keeps only links to them (test/structure/docs-links.test.ts).
  for (const w of Object.keys(loadCatalogue())) assert.match(page, new RegExp(`^### ${w} checks\\n\\n<!-- checks:${w} `, 'm'), w);
  assert.ok(!fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').includes('<!-- checks:'), 'README.md holds no generated table');
});

test('the catalogue covers every workflow with a reference, every id once, with a level, steps and what it ensures', () => {
  const c = loadCatalogue();
  const withReference = listWorkflows().filter((w) => fs.existsSync(path.join(ROOT, 'backends', w, 'loginflow.json')));
  assert.deepEqual(Object.keys(c).sort(), withReference);
  for (const [w, entries] of Object.entries(c)) {
    assert.ok(entries.length > 10, w);
    assert.equal(new Set(entries.map((e) => e.id)).size, entries.length, `${w}: ids are unique`);
    for (const e of entries) {
      assert.match(e.level, /^(MUST|SHOULD|INFO)$/);
      assert.ok(e.ensures.length && e.ensures.every((x) => x.length > 10), e.id);
      // A scenario-level verdict (PREFIX.variant-applies: does the scenario apply to the variant in force) names no step.
      if (/^[A-Z]+\./.test(e.id)) continue;
      assert.ok(e.steps.length, e.id);
      assert.ok(e.steps.includes(Number(/-(\d+)\./.exec(e.id)![1])), `${e.id}: its id names one of its steps`);
    }
  }
});

test('catalogueOf: ids from verdicts, steps merged, phrasings kept, browser-only ids marked', () => {
  const v = (id: string, steps: number[], expected: string, level: Verdict['level'] = 'MUST') => ({ id, steps, expected, level, name: 'n' }) as Verdict;
  const got = catalogueOf([
    { mode: 'http', verdicts: [v('X-8.b', [8, 9], 'the JWT cookie'), v('X-2.a', [2], 'a'), v('X-8.b', [8], 'the refresh cookie')] },
    { mode: 'chromium', verdicts: [v('X-2.a', [2], 'a'), v('X-8.b', [8, 9], 'the JWT cookie'), v('X-5.c', [5], 'c', 'SHOULD')] },
  ]);
  assert.deepEqual(got, [
    { id: 'X-2.a', level: 'MUST', name: 'n', steps: [2], ensures: ['a'] },
    { id: 'X-5.c', level: 'SHOULD', name: 'n', steps: [5], ensures: ['c'], mode: 'chromium' },
    { id: 'X-8.b', level: 'MUST', name: 'n', steps: [8, 9], ensures: ['the JWT cookie', 'the refresh cookie'] },
  ] satisfies CatalogueEntry[]);
  assert.match(markdownTable(got), /\| 5 \| `X-5.c` \| SHOULD \| c \(`--browser chromium` only\) \|/);
  // A workflow without markers gets its own section; running withTables again changes nothing.
  const once = withTables('# r\n', { x: got });
  assert.match(once, /### x checks\n\n<!-- checks:x /);
  assert.equal(withTables(once, { x: got }), once);
});

test('loginflow checks lists every id (table or --json); an unknown workflow is exit 2', () => {
  const json = kit('checks', '--json');
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), loadCatalogue());
  const one = kit('checks', '--workflow', 'webapp-sessions');
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /\| 14 \| `WS-14.redirect-to-login` \| MUST \| the answer is a redirect/);
  assert.ok(!one.stdout.includes('WJC-'));
  const bad = kit('checks', '--workflow', 'nope');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown workflow "nope"/);
});
