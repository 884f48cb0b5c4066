import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badgeOf, failures, runBadge, tally, workflowBadge } from '../../harness/report/conformance';
import { verdict } from './fixtures';

const pass = (id: string, level: 'MUST' | 'SHOULD' | 'INFO' = 'MUST') => verdict({ id, level, result: 'pass', steps: [1] });
const fail = (id: string, level: 'MUST' | 'SHOULD') => verdict({ id, level, result: 'fail', steps: [1], ok: false, actual: `${id} failed` });
const na = (id: string) => verdict({ id, level: 'MUST', result: 'na', steps: [1], reason: 'one application declared' });
const info = (id: string, ok: boolean) => verdict({ id, level: 'INFO', result: 'info', steps: [1], ok });

test('the badge: a failed MUST does not conform; else a failed SHOULD conforms with warnings; else it conforms', () => {
  assert.equal(badgeOf([pass('T-1.a'), fail('T-2.b', 'MUST'), fail('T-3.c', 'SHOULD')]), 'DOES NOT CONFORM');
  assert.equal(badgeOf([pass('T-1.a'), fail('T-3.c', 'SHOULD')]), 'CONFORMS WITH WARNINGS');
  assert.equal(badgeOf([pass('T-1.a'), na('T-2.b')]), 'CONFORMS');
  // An attack that WORKED is an INFO outcome, not a failure of the app's conformance.
  assert.equal(badgeOf([pass('T-1.a'), info('T-5.attack', true)]), 'CONFORMS');
  assert.equal(badgeOf([]), 'CONFORMS');
});

test("a workflow's badge: exit 2 judged nothing (KIT ERROR); exit 1 without a failed check is still DOES NOT CONFORM; a run's badge is its worst workflow's", () => {
  const warned = { exitCode: 0, scenarios: [{ verdicts: [fail('T-8.new-session-id', 'SHOULD')] }] } as never;
  const broken = { exitCode: 2, scenarios: [] } as never;
  const stepFailed = { exitCode: 1, scenarios: [{ verdicts: [pass('T-1.a')] }] } as never;
  const fine = { exitCode: 0, scenarios: [{ verdicts: [pass('T-1.a')] }] } as never;
  assert.equal(workflowBadge(warned), 'CONFORMS WITH WARNINGS');
  assert.equal(workflowBadge(broken), 'KIT ERROR');
  assert.equal(workflowBadge(stepFailed), 'DOES NOT CONFORM');
  assert.equal(runBadge([fine, warned]), 'CONFORMS WITH WARNINGS');
  assert.equal(runBadge([fine, warned, stepFailed]), 'DOES NOT CONFORM');
  assert.equal(runBadge([fine, broken, stepFailed]), 'KIT ERROR');
  assert.equal(runBadge([fine]), 'CONFORMS');
});

test('the tally counts N/A apart: a skipped scenario is neither passed nor failed, an N/A check neither held nor failed', () => {
  const t = tally([
    { status: 'PASSED', verdicts: [pass('T-1.a'), pass('T-2.b', 'SHOULD'), fail('T-3.c', 'SHOULD'), info('T-5.attack', false)] },
    { status: 'FAILED', verdicts: [fail('T-8.d', 'MUST'), pass('T-1.a')] },
    { status: 'SKIPPED', verdicts: [na('T-16.second-app')] },
    { status: 'SKIPPED', verdicts: [na('T-17.second-app')] },
    { status: 'UNDEFINED', verdicts: [] },
  ]);
  assert.deepEqual(t, { scenarios: { passed: 1, failed: 2, na: 2, total: 5 }, must: { held: 2, failed: 1 }, should: { held: 1, failed: 1 }, info: 1, na: 2 });
});

test('failures lists the failed MUST checks and the failed SHOULD checks apart', () => {
  const f = failures([{ verdicts: [fail('T-3.c', 'SHOULD'), pass('T-1.a'), fail('T-8.d', 'MUST')] }, { verdicts: [fail('T-3.c', 'SHOULD')] }]);
  assert.deepEqual(f.must.map((v) => v.id), ['T-8.d']);
  assert.deepEqual(f.should.map((v) => v.id), ['T-3.c', 'T-3.c']);
});
