import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictRows } from '../../harness/report/verdict-rows';
import { loginAndCart, verdict } from './fixtures';

const url = (actual: string, result: 'pass' | 'fail' = 'pass') => verdict({ id: 'T-1.password-not-in-url', level: 'MUST', result, steps: [1], ok: result === 'pass', actual });

test("rows follow the diagram's step order, not the order the checks ran in", () => {
  const { verdicts } = loginAndCart(); // recorded at steps 2, 4, 8, 4, 5
  assert.deepEqual(
    verdictRows([{ verdicts }]).map((r) => `${r.first.steps[0]} ${r.first.id}`),
    ['2 T-2.login-called', '4 T-4.cookie-httponly', '4 T-4.cookie-secure', '5 T-5.attack-page', '8 T-8.page-shown'],
  );
});

test('a check that came out the same in several scenarios is one row with the count, each observation kept', () => {
  const rows = verdictRows([
    { verdicts: [url('none in the 5 exchange(s) of the scenario'), verdict({ id: 'T-2.login-called', level: 'MUST', result: 'pass', steps: [2] })] },
    { verdicts: [url('none in the 8 exchange(s) of the scenario')] },
    { verdicts: [url('none in the 5 exchange(s) of the scenario')] },
  ]);
  assert.equal(rows.length, 2);
  const [folded, single] = rows;
  assert.equal(folded.first.id, 'T-1.password-not-in-url');
  assert.deepEqual(folded.members.map((m) => m.k), [0, 1, 2], 'three scenarios, in order');
  assert.equal(folded.varied, true, 'the observations differ (5 vs 8 exchanges)');
  assert.deepEqual([single.first.id, single.members.length, single.varied], ['T-2.login-called', 1, false]);
});

test('failures fold only when they observed the same thing, and sit first among their check', () => {
  const rows = verdictRows([
    { verdicts: [url('none')] },
    { verdicts: [url('the password in GET /login?password=*****', 'fail')] },
    { verdicts: [url('the password in GET /login?password=*****', 'fail')] },
    { verdicts: [url('the password in a Location header', 'fail')] },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.first.result, r.first.actual, r.members.map((m) => m.k)]),
    [
      ['fail', 'the password in GET /login?password=*****', [1, 2]],
      ['fail', 'the password in a Location header', [3]],
      ['pass', 'none', [0]],
    ],
  );
});

test('N/A verdicts of one check fold together, apart from its passes; a verdict without steps goes last', () => {
  const rows = verdictRows([
    { verdicts: [verdict({ id: 'T-3.x', level: 'MUST', result: 'na', steps: [3], reason: 'one application declared' }), verdict({ id: 'T-0.loose', level: 'INFO', result: 'info', steps: [] })] },
    { verdicts: [verdict({ id: 'T-3.x', level: 'MUST', result: 'na', steps: [3], reason: 'one application declared' }), verdict({ id: 'T-3.x', level: 'MUST', result: 'pass', steps: [3] })] },
  ]);
  assert.deepEqual(rows.map((r) => [r.first.id, r.first.result, r.members.length]), [['T-3.x', 'pass', 1], ['T-3.x', 'na', 2], ['T-0.loose', 'info', 1]]);
});
