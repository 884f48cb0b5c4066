import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckFailure, ScenarioFailed, Verifier, defineCheck, describeExchange, describeFailure, fail, notApplicable, outcome, pass, type Verdict } from '../../harness/checks';
import { Redactor } from '../../harness/trace';
import { ex } from './hand-built';

const check = (level: 'MUST' | 'SHOULD' | 'INFO', o: ReturnType<typeof pass>) => defineCheck<{ x: string }>({ kind: 'thing-holds', name: 'thingHolds', level, ensures: (a) => `the thing holds for ${a.x}`, evaluate: () => o });

test('outcome helpers', () => {
  const e = [ex({})];
  assert.deepEqual(pass('p', e), { ok: true, actual: 'p', evidence: e });
  assert.deepEqual(fail('f', e), { ok: false, actual: 'f', evidence: e });
  assert.deepEqual(outcome(false, 'o', e), { ok: false, actual: 'o', evidence: e });
  assert.deepEqual(notApplicable('why', e), { ok: true, actual: 'why', evidence: e, notApplicable: 'why' });
  assert.deepEqual([pass('p').evidence, fail('f').evidence, outcome(true, 'o').evidence, notApplicable('n').evidence], [[], [], [], []]);
});

test('a verdict is named WORKFLOW-PREFIX-STEP.kind and carries the expectation, the outcome and the context', () => {
  const seen: Verdict[] = [];
  const vf = new Verifier({ workflow: 'webapp-jwt-cookies', prefix: 'WJC', scenario: 'Login', variant: { signing: 'RS256' }, onVerdict: (v) => seen.push(v) });
  const e = ex({});
  const v = vf.verify(check('MUST', pass('it held', [e])), { x: 'X' }, [8, 9]);
  assert.deepEqual(v, {
    id: 'WJC-8.thing-holds',
    name: 'thingHolds',
    level: 'MUST',
    steps: [8, 9],
    workflow: 'webapp-jwt-cookies',
    scenario: 'Login',
    variant: { signing: 'RS256' },
    result: 'pass',
    ok: true,
    expected: 'the thing holds for X',
    actual: 'it held',
    // Evidence passes through the redactor, which spells out absent fields.
    evidence: [{ ...e, request: { ...e.request, body: undefined }, response: undefined, error: undefined }],
  });
  assert.deepEqual(seen, [v]);
  assert.deepEqual(vf.verdicts, [v]);
  assert.equal(vf.verify(check('SHOULD', pass('p')), { x: 'X' }, []).id, 'WJC.thing-holds', 'no step: the id names none (a scenario-level verdict, e.g. variant-applies)');
});

test('results: pass, fail (SHOULD does not throw), info either way, not applicable with its reason', () => {
  const vf = new Verifier({ workflow: 'w', prefix: 'P' });
  assert.equal(vf.verify(check('SHOULD', fail('no')), { x: '' }, [1]).result, 'fail');
  assert.equal(vf.verify(check('SHOULD', pass('yes')), { x: '' }, [1]).result, 'pass');
  const infoNo = vf.verify(check('INFO', fail('BLOCKED')), { x: '' }, [1]);
  assert.deepEqual([infoNo.result, infoNo.ok], ['info', false]);
  const infoYes = vf.verify(check('INFO', pass('WORKED')), { x: '' }, [1]);
  assert.deepEqual([infoYes.result, infoYes.ok], ['info', true]);
  const na = vf.verify(check('MUST', notApplicable('HTTP mode cannot see storage')), { x: '' }, [7]);
  assert.deepEqual([na.result, na.reason, na.actual, na.ok], ['na', 'HTTP mode cannot see storage', 'HTTP mode cannot see storage', true]);
  const naInfo = vf.verify(check('INFO', notApplicable('not run')), { x: '' }, [7]);
  assert.equal(naInfo.result, 'na');
  assert.ok(!('reason' in vf.verdicts[0]), 'no reason on a verdict that applied');
  // Recorded without evaluating: even a check that would throw.
  const throws = defineCheck<{ x: string }>({ kind: 'k', name: 'n', level: 'MUST', ensures: () => 'e', evaluate: () => { throw new Error('evaluated'); } });
  const skipped = vf.notApplicable(throws, { x: '' }, [3], 'no form in a JSON login');
  assert.deepEqual([skipped.id, skipped.result, skipped.ok, skipped.reason, skipped.actual, skipped.evidence, skipped.expected], ['P-3.k', 'na', true, 'no form in a JSON login', 'no form in a JSON login', [], 'e']);
  assert.equal(vf.verdicts.length, 7);
});

test('a failed MUST is recorded and the scenario goes on; with stopOnFailure it throws a CheckFailure saying step, check, expectation and evidence, unless excused', () => {
  const r = new Redactor();
  r.addToken('secret-token-1');
  const goesOn = new Verifier({ workflow: 'webapp-jwt-cookies', prefix: 'WJC', scenario: 'Login', redactor: r });
  assert.equal(goesOn.verify(check('MUST', fail('it did not')), { x: 'X' }, [8]).result, 'fail', 'recorded, not thrown');
  assert.deepEqual(goesOn.unexcusedFailures().map((v) => v.id), ['WJC-8.thing-holds']);
  const vf = new Verifier({ workflow: 'webapp-jwt-cookies', prefix: 'WJC', scenario: 'Login', redactor: r, stopOnFailure: true });
  const e = ex({ path: '/cart?t=secret-token-1' });
  let thrown: unknown;
  try {
    vf.verify(check('MUST', fail('it did not', [e])), { x: 'X' }, [8]);
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof CheckFailure);
  assert.equal(thrown.name, 'CheckFailure');
  // Its stable code (harness/errors.ts): a failed MUST is non-conformance, exit 1, never a kit error.
  assert.equal(thrown.code, 'CHECK_FAILED');
  assert.equal(thrown.verdict, vf.verdicts[0]);
  assert.equal(thrown.message, ['WJC-8.thing-holds MUST thingHolds failed at step 8 of webapp-jwt-cookies (Login)', '  expected: the thing holds for X', '  actual:   it did not', '  #' + e.seq + ' Browser -> Store: GET store.example.test/cart?t=secret…#' + thrown.verdict.evidence[0].request.path.split('#')[1]].join('\n'));
  assert.ok(!thrown.message.includes('secret-token-1'), 'evidence is redacted');
  assert.equal(e.request.path, '/cart?t=secret-token-1', 'the journal\'s exchange is not changed');
  const excused = new Verifier({ workflow: 'w', prefix: 'P', excused: (v) => v.id === 'P-8.thing-holds', stopOnFailure: true });
  assert.equal(excused.verify(check('MUST', fail('no')), { x: '' }, [8]).result, 'fail');
  assert.throws(() => excused.verify(check('MUST', fail('no')), { x: '' }, [9]), CheckFailure);
  // Without a redactor the patterns still apply.
  const plain = new Verifier({ workflow: 'w', prefix: 'P' });
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
  assert.equal(plain.verify(check('SHOULD', fail('no', [ex({ path: `/x?${jwt}` })])), { x: '' }, [1]).evidence[0].request.path, '/x?eyJhbG…#0584d4');
});

test('describeFailure: steps, no scenario, the last four exchanges', () => {
  const es = [1, 2, 3, 4, 5].map((i) => ex({ path: `/p${i}` }));
  const v: Verdict = { id: 'P-1.k', name: 'n', level: 'MUST', steps: [1, 2], workflow: 'w', result: 'fail', ok: false, expected: 'e', actual: 'a', evidence: es };
  const lines = describeFailure(v).split('\n');
  assert.deepEqual(lines.slice(0, 3), ['P-1.k MUST n failed at step 1, 2 of w', '  expected: e', '  actual:   a']);
  assert.deepEqual(lines.slice(3), es.slice(1).map((e) => `  #${e.seq} Browser -> Store: GET store.example.test${e.request.path}`));
});

test('describeExchange: cookies, bodies (truncated at 300), status, Location, every Set-Cookie, or the error', () => {
  const long = 'x'.repeat(301);
  const e = ex({ method: 'POST', path: '/login', headers: { cookie: 'sid=1' }, body: long, status: 302, resHeaders: { location: '/cart', 'set-cookie': ['a=1', 'b=2'] }, resBody: 'line one\n\n  line   two' });
  assert.deepEqual(describeExchange(e), [
    `#${e.seq} Browser -> Store: POST store.example.test/login`,
    '    > cookie: sid=1',
    `    > ${'x'.repeat(300)}… (301 chars)`,
    '    < 302',
    '    < location: /cart',
    '    < set-cookie: a=1',
    '    < set-cookie: b=2',
    '    < line one line two',
  ]);
  const exact = ex({ body: 'y'.repeat(300), status: 200, resHeaders: { 'set-cookie': 'c=3' } });
  assert.deepEqual(describeExchange(exact).slice(1), [`    > ${'y'.repeat(300)}`, '    < 200', '    < set-cookie: c=3']);
  const plain = ex({ status: 204 });
  assert.deepEqual(describeExchange(plain), [`#${plain.seq} Browser -> Store: GET store.example.test/`, '    < 204'], 'no Set-Cookie, no line for it');
  const err = ex({ error: 'ECONNREFUSED' });
  assert.deepEqual(describeExchange(err), [`#${err.seq} Browser -> Store: GET store.example.test/`, '    ! ECONNREFUSED']);
  const nothing = ex({});
  assert.deepEqual(describeExchange(nothing), [`#${nothing.seq} Browser -> Store: GET store.example.test/`]);
});

test('unexcusedFailures: failed MUSTs only; failed(kind): the last failure, by id or by kind; verifyAfter skips absent dependencies', () => {
  const vf = new Verifier({ workflow: 'w', prefix: 'W' });
  vf.verify(check('SHOULD', fail('no')), { x: 'a' }, [3]);
  vf.verify(check('INFO', fail('no')), { x: 'a' }, [3]);
  assert.deepEqual(vf.unexcusedFailures(), [], 'a failed SHOULD or INFO does not fail the scenario');
  const first = vf.verify(check('MUST', fail('first')), { x: 'a' }, [4]);
  const last = vf.verify(check('MUST', fail('last')), { x: 'a' }, [4]);
  vf.verify(check('MUST', pass('held')), { x: 'a' }, [4]);
  assert.deepEqual(vf.unexcusedFailures(), [first, last]);
  assert.equal(vf.failed('thing-holds'), last, 'the latest failure');
  assert.equal(vf.failed('W-4.thing-holds'), last, 'by its whole id');
  assert.equal(vf.failed('holds'), undefined, 'a kind is matched whole, after the dot');
  const after = vf.verifyAfter([undefined, undefined], check('MUST', pass('ran')), { x: 'a' }, [5]);
  assert.equal(after.result, 'pass', 'absent dependencies (no such check ran) do not stop it');
});

test('a verdict records the Gherkin step it was made at, and declaredBy only for a not-applicable one', () => {
  const vf = new Verifier({ workflow: 'w', prefix: 'W' });
  vf.gherkinStep = 'When the user logs in';
  const na = vf.notApplicable(check('MUST', pass('x')), { x: 'a' }, [2], 'JSON login: no form', 'store.login.mode');
  assert.deepEqual([na.result, na.reason, na.declaredBy, na.gherkinStep], ['na', 'JSON login: no form', 'store.login.mode', 'When the user logs in']);
  assert.ok(!('declaredBy' in vf.notApplicable(check('MUST', pass('x')), { x: 'a' }, [2], 'why')), 'no key when none declared');
  const declaredButRan = vf.verify(check('MUST', { ...pass('held'), declaredBy: 'store.login.mode' }), { x: 'a' }, [2]);
  assert.ok(!('declaredBy' in declaredButRan), 'a verdict that was made declares nothing');
  const failed = vf.verify(check('MUST', fail('broke')), { x: 'a' }, [2]);
  assert.match(describeFailure(failed), /\n {2}in step "When the user logs in"\n/);
  vf.gherkinStep = undefined;
  assert.ok(!('gherkinStep' in vf.verify(check('MUST', pass('x')), { x: 'a' }, [2])));
});

test('stopOnFailure throws only for a failed MUST', () => {
  const vf = new Verifier({ workflow: 'w', prefix: 'W', stopOnFailure: true });
  assert.doesNotThrow(() => vf.verify(check('SHOULD', fail('no')), { x: 'a' }, [1]));
  assert.doesNotThrow(() => vf.verify(check('MUST', pass('yes')), { x: 'a' }, [1]));
  assert.doesNotThrow(() => vf.verify(check('MUST', notApplicable('n/a')), { x: 'a' }, [1]));
  assert.throws(() => vf.verify(check('MUST', fail('no')), { x: 'a' }, [1]), CheckFailure);
});

test('ScenarioFailed: the failed ids once each on the first line, then each failure', () => {
  const vf = new Verifier({ workflow: 'w', prefix: 'W' });
  const a = vf.verify(check('MUST', fail('a broke')), { x: 'a' }, [4]);
  const b = vf.verify({ ...check('MUST', fail('b broke')), kind: 'other' }, { x: 'b' }, [6]);
  const e = new ScenarioFailed([a, b, a]);
  assert.equal(e.name, 'ScenarioFailed');
  assert.equal(e.message, ['MUST check(s) failed in this scenario: W-4.thing-holds, W-6.other', describeFailure(a), describeFailure(b), describeFailure(a)].join('\n'));
  assert.equal(e.stack, `ScenarioFailed [CHECK_FAILED]: ${e.message}`);
  assert.equal(new ScenarioFailed([a], true).message.split('\n')[0], 'MUST check(s) failed in this scenario: W-4.thing-holds (before the step that failed above, which may be a consequence)');
});

test('a call site names the id suffix one check judges under, and adds a note to what it observed but never to a reason', () => {
  const vf = new Verifier({ workflow: 'w', prefix: 'WJC' });
  const judged = vf.verify(check('MUST', pass('cookie jwt holds the JWT')), { x: '' }, [8], { kind: 'jwt-cookie-set', note: 'inside its value: j: JSON at .token' });
  assert.deepEqual([judged.id, judged.name, judged.actual], ['WJC-8.jwt-cookie-set', 'thingHolds', 'cookie jwt holds the JWT (inside its value: j: JSON at .token)']);
  assert.equal(vf.verify(check('MUST', pass('as it is')), { x: '' }, [8], {}).actual, 'as it is', 'no note: the actual as the check said it');
  assert.equal(vf.verify(check('MUST', pass('p')), { x: '' }, [], { kind: 'scenario-wide' }).id, 'WJC.scenario-wide');
  const failed = vf.verify(check('MUST', fail('no cookie')), { x: '' }, [9], { kind: 'refresh-cookie-set', note: 'looked in split cookies too' });
  assert.deepEqual([failed.id, failed.result, failed.actual], ['WJC-9.refresh-cookie-set', 'fail', 'no cookie (looked in split cookies too)']);
  assert.equal(vf.failed('refresh-cookie-set'), failed, 'failed() finds a verdict by the suffix its call site gave');
  const na = vf.verify(check('MUST', notApplicable('HTTP mode')), { x: '' }, [9], { kind: 'k-na', note: 'never said' });
  assert.deepEqual([na.id, na.actual, na.reason], ['WJC-9.k-na', 'HTTP mode', 'HTTP mode']);
  const skipped = vf.notApplicable(check('MUST', pass('p')), { x: '' }, [4], 'no form', 'store.login.mode', { kind: 'redirect-to-home', note: 'never said' });
  assert.deepEqual([skipped.id, skipped.actual, skipped.declaredBy], ['WJC-4.redirect-to-home', 'no form', 'store.login.mode']);
  const after = vf.verifyAfter([failed], check('MUST', pass('p')), { x: '' }, [10], { kind: 'cookie-httponly-after', note: 'never said' });
  assert.deepEqual([after.id, after.result, after.actual], ['WJC-10.cookie-httponly-after', 'na', 'not checked: depends on WJC-9.refresh-cookie-set, which failed']);
  const ran = vf.verifyAfter([judged], check('SHOULD', pass('p')), { x: '' }, [10], { kind: 'ran', note: 'n' });
  assert.deepEqual([ran.id, ran.result, ran.actual], ['WJC-10.ran', 'pass', 'p (n)']);
});
