import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJUnit } from '../../harness/report/junit';
import { arrowStatus } from '../../harness/report/observed';
import type { WorkflowResult } from '../../harness/report/write';
import { loginAndCart, verdict } from './fixtures';

/** Not applicable is never a pass: in JUnit a whole N/A testcase is <skipped>, and an arrow judged only N/A is not green. */
test('JUnit: a skipped scenario is <skipped message=reason>; N/A verdicts of a scenario that ran are properties', () => {
  const na = verdict({ id: 'T.variant-applies', level: 'MUST', result: 'na', steps: [], reason: 'a 404 refresh failure is an /api/jwt/refresh behaviour' });
  const ran = verdict({ id: 'T-3.login-form-shown', level: 'MUST', result: 'na', steps: [3], reason: 'not checked in HTTP mode (use --browser chromium)' });
  const ok = verdict({ id: 'T-2.login-called', level: 'MUST', result: 'pass', steps: [2] });
  const r: WorkflowResult = {
    workflow: 't',
    configFile: 'x.json',
    undefinedSteps: [],
    exitCode: 0,
    scenarios: [
      { workflow: 't', name: 'skipped one', status: 'SKIPPED', verdicts: [na], exchanges: [], errors: [] },
      { workflow: 't', name: 'ran', status: 'PASSED', verdicts: [ok, ran], exchanges: [], errors: [] },
    ],
  };
  const xml = renderJUnit([r]);
  assert.match(xml, /<testcase classname="t" name="skipped one" assertions="1">\n {6}<skipped message="a 404 refresh failure is an \/api\/jwt\/refresh behaviour"\/>/);
  assert.match(xml, /skipped="1"/);
  assert.match(xml, /<property name="N\/A T-3.login-form-shown" value="not checked in HTTP mode \(use --browser chromium\)"\/>/);
  assert.equal((xml.match(/<skipped/g) ?? []).length, 1, 'the scenario that ran is not skipped');
});

test('observed diagram: an arrow whose only verdict is N/A is not drawn as a pass', () => {
  const { login } = loginAndCart();
  void login;
  const role = 'spec' as const; // the arrow a login exchange realises
  const na = verdict({ id: 'T-4.cookie-httponly', level: 'MUST', result: 'na', steps: [4], reason: 'not checked: depends on T-4.jwt-cookie-set, which failed' });
  assert.notEqual(arrowStatus({ role, verdicts: [na] }), 'pass');
  assert.equal(arrowStatus({ role, verdicts: [na, verdict({ id: 'T-4.x', level: 'MUST', result: 'pass', steps: [4] })] }), 'pass');
});
