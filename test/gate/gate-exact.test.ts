import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Verdict } from '../../harness/checks';
import { applyExpectedFailures, entryFor, ExpectedFailuresError, gate, loadExpectedFailures } from '../../harness/gate';
import type { WorkflowResult } from '../../harness/report/write';

/** The gate's exit code and every line it prints, written out. */
const v = (id: string, level: Verdict['level'], result: Verdict['result'], variant?: Record<string, string | number>): Verdict => ({
  id,
  name: `${id.split('.')[1]}Name`,
  level,
  steps: [Number(id.split('-')[1].split('.')[0])],
  workflow: 'wf',
  result,
  ok: result !== 'fail',
  expected: 'e',
  actual: 'what happened',
  evidence: [],
  ...(variant ? { variant } : {}),
});
const wf = (verdicts: Verdict[], extra: Partial<WorkflowResult> = {}, status = 'PASSED', errors: string[] = []): WorkflowResult =>
  ({ workflow: 'wf', configFile: 'c.json', exitCode: 0, undefinedSteps: [], scenarios: [{ workflow: 'wf', name: 's1', status, verdicts, exchanges: [], errors }], ...extra }) as WorkflowResult;

test('all held: exit 0, nothing to say', () => {
  assert.deepEqual(gate([wf([v('W-1.a', 'MUST', 'pass'), v('W-2.b', 'SHOULD', 'pass'), v('W-3.c', 'INFO', 'info'), v('W-4.d', 'MUST', 'na')])]), { exitCode: 0, lines: [] });
  assert.deepEqual(gate([]), { exitCode: 0, lines: [] });
});

test('MUST and SHOULD failures, each id once', () => {
  const vs = [v('W-1.a', 'MUST', 'fail'), v('W-1.a', 'MUST', 'fail', { signing: 'RS256' }), v('W-2.b', 'MUST', 'fail'), v('W-3.c', 'SHOULD', 'fail'), v('W-4.i', 'INFO', 'info')];
  assert.deepEqual(gate([wf(vs)]), { exitCode: 1, lines: ['3 MUST check(s) failed: W-1.a, W-2.b'] });
  assert.deepEqual(gate([wf(vs)], { failOnWarn: true }), { exitCode: 1, lines: ['3 MUST check(s) failed: W-1.a, W-2.b', '1 SHOULD check(s) failed and --fail-on-warn is on: W-3.c'] });
  assert.deepEqual(gate([wf([v('W-3.c', 'SHOULD', 'fail')])], { failOnWarn: true }), { exitCode: 1, lines: ['1 SHOULD check(s) failed and --fail-on-warn is on: W-3.c'] });
  assert.deepEqual(gate([wf([v('W-3.c', 'SHOULD', 'fail')])], { failOnWarn: false }), { exitCode: 0, lines: [] });
});

test('expected failures: excused, fixed, unmatched, and ready-to-paste entries for the rest', () => {
  const vs = [v('W-1.a', 'MUST', 'fail', { signing: 'RS256' }), v('W-1.a', 'MUST', 'fail', { signing: 'RS256' }), v('W-2.b', 'MUST', 'fail'), v('W-2.b', 'MUST', 'fail'), v('W-5.e', 'MUST', 'fail', {}), v('W-3.c', 'MUST', 'pass', { signing: 'HS256' })];
  const expected = [
    { check: 'W-1.a', variant: { signing: 'RS256' }, reason: 'r1' },
    { check: 'W-3.c', variant: { signing: 'HS256' }, reason: 'r3' },
    { check: 'W-3.c', reason: 'r3 any' },
    { check: 'W-9.z', variant: { signing: 'HS256' }, reason: 'typo' },
    { check: 'W-8.y', reason: 'gone' },
  ];
  assert.deepEqual(gate([wf(vs)], { expected }), {
    exitCode: 1,
    lines: [
      '3 MUST check(s) failed: W-2.b, W-5.e',
      '2 listed failure(s) excused by the expected-failures file: W-1.a',
      'expected failure W-3.c {"signing":"HS256"} no longer fails: remove it from the expected-failures file',
      'expected failure W-3.c no longer fails: remove it from the expected-failures file',
      'expected failure W-9.z {"signing":"HS256"} matches no check of this run (typo, or not run?): fix or remove it',
      'expected failure W-8.y matches no check of this run (typo, or not run?): fix or remove it',
      'to accept these failures for now, add to the expected-failures file:',
      '  {"check":"W-2.b","reason":"TODO: why bName is expected to fail (what happened)"},',
      '  {"check":"W-5.e","reason":"TODO: why eName is expected to fail (what happened)"},',
    ],
  });
  // All excused: exit 0, and only the excuse is said.
  assert.deepEqual(gate([wf([vs[0]])], { expected: [expected[0]] }), { exitCode: 0, lines: ['1 listed failure(s) excused by the expected-failures file: W-1.a'] });
  // A SHOULD entry only matters with failOnWarn: without it the SHOULD verdict is not gated, so the entry matches nothing.
  const should = [v('W-4.s', 'SHOULD', 'fail')];
  assert.deepEqual(gate([wf(should)], { expected: [{ check: 'W-4.s', reason: 'r' }], failOnWarn: true }), { exitCode: 0, lines: ['1 listed failure(s) excused by the expected-failures file: W-4.s'] });
  assert.equal(gate([wf(should)], { expected: [{ check: 'W-4.s', reason: 'r' }] }).exitCode, 1);
  // No expected-failures file given: no paste lines.
  assert.deepEqual(gate([wf([vs[2]])]).lines, ['1 MUST check(s) failed: W-2.b']);
});

test('applyExpectedFailures matches variants by value as text, and considers only failures', () => {
  const a = v('W-1.a', 'MUST', 'fail', { signing: 'RS256', status: 400 });
  const b = v('W-1.a', 'MUST', 'fail');
  const out = applyExpectedFailures([a, b, v('W-2.b', 'MUST', 'na')], [{ check: 'W-1.a', variant: { status: '400' }, reason: 'r' }, { check: 'W-2.b', reason: 'r' }]);
  assert.deepEqual(out, { excused: [a], unexpected: [b], fixed: [{ check: 'W-2.b', reason: 'r' }], unmatched: [] });
  assert.deepEqual(applyExpectedFailures([b], [{ check: 'W-1.a', variant: { signing: 'RS256' }, reason: 'r' }]), { excused: [], unexpected: [b], fixed: [], unmatched: [{ check: 'W-1.a', variant: { signing: 'RS256' }, reason: 'r' }] });
});

test('entryFor: with the variant when there is one', () => {
  assert.deepEqual(entryFor(v('W-1.a', 'MUST', 'fail', { signing: 'RS256' })), { check: 'W-1.a', variant: { signing: 'RS256' }, reason: 'TODO: why aName is expected to fail (what happened)' });
  assert.deepEqual(entryFor(v('W-1.a', 'MUST', 'fail', {})), { check: 'W-1.a', reason: 'TODO: why aName is expected to fail (what happened)' });
  assert.deepEqual(Object.keys(entryFor(v('W-1.a', 'MUST', 'fail'))), ['check', 'reason']);
});

test('coverage: each workflow\'s unexercised steps; none declared, none missing', () => {
  const a = wf([], { exercisedSteps: [1, 3] } as Partial<WorkflowResult>);
  const b = { ...wf([]), workflow: 'other' } as WorkflowResult;
  assert.deepEqual(gate([a, b], { coverage: true, arrows: { wf: [1, 2, 3, 4], other: [7] } }), {
    exitCode: 1,
    lines: ['wf: coverage gate: step(s) 2, 4 of the diagram were not exercised by any executed step', 'other: coverage gate: step(s) 7 of the diagram were not exercised by any executed step'],
  });
  assert.deepEqual(gate([a], { coverage: true }), { exitCode: 0, lines: [] });
  assert.deepEqual(gate([a], { arrows: { wf: [2] } }), { exitCode: 0, lines: [] }, 'only with --coverage');
});

test('a scenario that failed without a failed check fails the run, with the first line of its error', () => {
  assert.deepEqual(gate([wf([v('W-1.a', 'MUST', 'pass')], {}, 'FAILED', ['precondition failed: no login\n  more', 'second'])]), { exitCode: 1, lines: ['wf: "s1" failed: precondition failed: no login'] });
  assert.deepEqual(gate([wf([], {}, 'FAILED', [])]), { exitCode: 1, lines: ['wf: "s1" failed: '] });
  assert.deepEqual(gate([wf([v('W-1.a', 'MUST', 'fail')], {}, 'FAILED', ['x'])]).lines, ['1 MUST check(s) failed: W-1.a'], 'a failed check says it already');
});

test('a kit or config error: exit 2, naming each broken workflow', () => {
  const broken = wf([v('W-1.a', 'MUST', 'fail')], { exitCode: 2, kitError: 'store never started', undefinedSteps: ['When x', 'Then y'] });
  const plain = { ...wf([]), workflow: 'w2', exitCode: 2 } as WorkflowResult;
  assert.deepEqual(gate([wf([]), broken, plain]), { exitCode: 2, lines: ['wf: kit or config error: store never started; undefined steps: When x; Then y', 'w2: kit or config error'] });
});

test('loadExpectedFailures: every way a file can be wrong, named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'expected-'));
  const f = path.join(dir, 'x.json');
  const err = (content: string | undefined): string => {
    if (content === undefined) fs.rmSync(f, { force: true });
    else fs.writeFileSync(f, content);
    try {
      loadExpectedFailures(f);
    } catch (e) {
      assert.ok(e instanceof ExpectedFailuresError);
      return (e as Error).message.replace(f, 'FILE');
    }
    return 'no error';
  };
  assert.match(err(undefined), /^FILE: cannot read the expected-failures file: ENOENT/);
  assert.match(err('{'), /^FILE: cannot read the expected-failures file: /);
  assert.equal(err('{}'), 'FILE: expected a JSON array of {"check", "reason", "variant"?} entries');
  assert.equal(err('[1]'), 'FILE: entry 0 is not an object');
  assert.equal(err('[null]'), 'FILE: entry 0 is not an object');
  assert.equal(err('[{"check":"W-1.a","reason":"r"},{"check":"w-1.a","reason":"r"}]'), 'FILE: entry 1: "check" must be a check id such as "WJC-8.cookie-secure", got "w-1.a"');
  assert.equal(err('[{"check":"XW-1.a"}]'), 'FILE: entry 0 (XW-1.a): "reason" is required: say why it is expected to fail');
  assert.equal(err('[{"check":"W-1.a","reason":5}]'), 'FILE: entry 0 (W-1.a): "reason" is required: say why it is expected to fail');
  assert.equal(err('[{"check":"W-1.a","reason":"  "}]'), 'FILE: entry 0 (W-1.a): "reason" is required: say why it is expected to fail');
  assert.equal(err('[{"check":"W-1.a-b","reason":"r","variant":"RS256"}]'), 'FILE: entry 0 (W-1.a-b): "variant" must be an object such as {"signing": "RS256"}');
  assert.equal(err('[{"check":"W-1.a","reason":"r","variant":null}]'), 'FILE: entry 0 (W-1.a): "variant" must be an object such as {"signing": "RS256"}');
  assert.equal(err('[{"check":"W-1.a","reason":"r","variant":[]}]'), 'FILE: entry 0 (W-1.a): "variant" must be an object such as {"signing": "RS256"}');
  assert.equal(err('[{"check":"W-1.a","reason":"r","why":1,"who":2}]'), 'FILE: entry 0 (W-1.a): unknown key(s) why, who; allowed: check, variant, reason');
  for (const bad of ['W-1', 'W1.a', 'W-x.a', 'W-1.A', 'W-1.a b', ' W-1.a', 'W-1.a ']) assert.match(err(JSON.stringify([{ check: bad, reason: 'r' }])), /must be a check id/, bad);
  fs.writeFileSync(f, '[{"check":"W-12.a-1","reason":"r"},{"check":"AB-3.b","reason":"s","variant":{"signing":"RS256"}}]');
  assert.deepEqual(loadExpectedFailures(f), [{ check: 'W-12.a-1', reason: 'r' }, { check: 'AB-3.b', reason: 's', variant: { signing: 'RS256' } }]);
  assert.deepEqual(Object.keys(loadExpectedFailures(f)[0]), ['check', 'reason']);
  fs.rmSync(dir, { recursive: true, force: true });
});

// Added for the mutation slice of harness/gate (docs/mutation-testing.md): each assertion below
// is one a surviving mutant of gate.ts or expected-failures.ts got past.
test('a kit or config error names its code: the result\'s own, STEP_UNDEFINED for undefined steps alone, none for a plain kit error', () => {
  const coded = wf([], { exitCode: 2, kitErrorCode: 'CONFIG_INVALID', kitError: 'bad port' } as Partial<WorkflowResult>);
  assert.deepEqual(gate([coded]), { exitCode: 2, lines: ['wf: kit or config error [CONFIG_INVALID]: bad port'] });
  const undefinedOnly = wf([], { exitCode: 2, undefinedSteps: ['Given x'] });
  assert.deepEqual(gate([undefinedOnly]), { exitCode: 2, lines: ['wf: kit or config error [STEP_UNDEFINED]; undefined steps: Given x'] });
  // A kit error without a code is INTERNAL: still exit 2 (an unknown code would throw in worstExit).
  assert.deepEqual(gate([wf([], { exitCode: 2, kitError: 'boom' })]), { exitCode: 2, lines: ['wf: kit or config error: boom'] });
});

test('the SHOULD and excused lines list distinct ids joined with ", "; paste lines keep one per variant', () => {
  const should = [v('W-3.c', 'SHOULD', 'fail'), v('W-4.d', 'SHOULD', 'fail')];
  assert.deepEqual(gate([wf(should)], { failOnWarn: true }).lines, ['2 SHOULD check(s) failed and --fail-on-warn is on: W-3.c, W-4.d']);
  const must = [v('W-1.a', 'MUST', 'fail'), v('W-2.b', 'MUST', 'fail')];
  assert.deepEqual(gate([wf(must)], { expected: [{ check: 'W-1.a', reason: 'r' }, { check: 'W-2.b', reason: 'r' }] }).lines, ['2 listed failure(s) excused by the expected-failures file: W-1.a, W-2.b']);
  const variants = [v('W-2.b', 'MUST', 'fail', { signing: 'RS256' }), v('W-2.b', 'MUST', 'fail', { signing: 'HS256' })];
  assert.deepEqual(gate([wf(variants)], { expected: [] }).lines, [
    '2 MUST check(s) failed: W-2.b',
    'to accept these failures for now, add to the expected-failures file:',
    '  {"check":"W-2.b","variant":{"signing":"RS256"},"reason":"TODO: why bName is expected to fail (what happened)"},',
    '  {"check":"W-2.b","variant":{"signing":"HS256"},"reason":"TODO: why bName is expected to fail (what happened)"},',
  ]);
});

test('--fail-on-warn gates SHOULD, not INFO: an entry for an INFO check matches nothing', () => {
  assert.deepEqual(gate([wf([v('W-4.i', 'INFO', 'info')])], { failOnWarn: true, expected: [{ check: 'W-4.i', reason: 'r' }] }), {
    exitCode: 1,
    lines: ['expected failure W-4.i matches no check of this run (typo, or not run?): fix or remove it'],
  });
});

test('coverage: the declared steps and the config keys that declare them, each listed once and joined with ", "', () => {
  const na = (id: string, steps: number[], declaredBy: string): Verdict => ({ ...v(id, 'MUST', 'na'), steps, declaredBy });
  // A passing verdict, and one N/A for another reason, in the same scenario contribute no config key.
  const r = wf([na('W-2.b', [2], 'login.mode'), na('W-4.d', [4], 'forums'), na('W-5.e', [4], 'forums'), v('W-1.a', 'MUST', 'pass'), v('W-3.c', 'MUST', 'na')], { exercisedSteps: [1, 3] } as Partial<WorkflowResult>);
  assert.deepEqual(gate([r], { coverage: true, arrows: { wf: [1, 2, 3, 4] } }), { exitCode: 0, lines: ['wf: coverage gate: step(s) 2, 4 not applicable as the config declares (login.mode, forums): not counted'] });
});

test('expected failures: a file\'s error carries its code; a check id must be a string; a variant must match on every key', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'expected-'));
  const f = path.join(dir, 'x.json');
  fs.writeFileSync(f, '{}');
  assert.throws(() => loadExpectedFailures(f), (e: unknown) => e instanceof ExpectedFailuresError && e.code === 'EXPECTED_FAILURES_INVALID');
  // An array holding an id would pass the id pattern as text: it is not a string.
  fs.writeFileSync(f, '[{"check":["W-1.a"],"reason":"r"}]');
  assert.throws(() => loadExpectedFailures(f), /entry 0: "check" must be a check id such as "WJC-8.cookie-secure", got \["W-1.a"\]/);
  fs.rmSync(dir, { recursive: true, force: true });
  const a = v('W-1.a', 'MUST', 'fail', { signing: 'RS256', status: 400 });
  const entry = { check: 'W-1.a', variant: { signing: 'RS256', status: 401 }, reason: 'r' };
  assert.deepEqual(applyExpectedFailures([a], [entry]), { excused: [], unexpected: [a], fixed: [], unmatched: [entry] });
  // A check that fails under one variant and passes under another is not fixed.
  const any = { check: 'W-1.a', reason: 'r' };
  const pass = v('W-1.a', 'MUST', 'pass');
  assert.deepEqual(applyExpectedFailures([a, pass], [any]), { excused: [a], unexpected: [], fixed: [], unmatched: [] });
});
