import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { conformanceSuite } from './mutants';
import { runKit } from './kit-run';

/** HTTP mode: the backend's half. The app-side mutants are caught in browser mode (spa-browser.test.ts). */
const APP_SIDE = ['SLJ-3.login-form-shown', 'SLJ-5.spa-login-called', 'SLJ-6.refresh-cookie-held', 'SLJ-7.jwt-in-local-storage', 'SLJ-7.no-refresh-token-in-storage', 'SLJ-10.spa-refresh-called', 'SLJ-12.jwt-in-local-storage', 'SLJ-17.login-form-shown'];

conformanceSuite({
  workflow: 'spa-localstorage-jwt',
  references: { node: 'loginflow.json' },
  mutants: {
    'unsigned-jwt-accepted': { code: 1, failing: ['SLJ-9.rejects-bad-signature', 'SLJ-9.rejects-unsigned'] },
    // The kit's app calls the API with the expired JWT and refreshes on the 401: an API that
    // answers 200 is blamed for the missing refresh (SLJ-10/15.rejects-expired), not the app.
    'exp-ignored': { code: 1, failing: ['SLJ-9.rejects-expired', 'SLJ-10.rejects-expired', 'SLJ-15.rejects-expired'] },
    'aud-ignored': { code: 1, failing: ['SLJ-9.rejects-wrong-audience'] },
    'cors-wildcard-credentials': { code: 1, failing: ['SLJ-9.cors-credentials'] },
    // Found by the two-user scenario and its query-string probe (issue #11).
    'cached-api-answer': { code: 1, failing: ['SLJ-9.api-is-holders'] },
    'jwt-in-query-accepted': { code: 1, failing: ['SLJ-9.query-credential-refused'] },
  },
  coveredElsewhere: ['spa-never-refreshes', 'refresh-token-in-localstorage', 'token-stored-before-status-check', 'spa-disallowed-header'],
  onReference: (r) => {
    const verdicts = r.summary.workflows[0].scenarios.flatMap((s: any) => s.verdicts);
    for (const id of ['SLJ-9.api-is-holders', 'SLJ-14.api-is-holders', 'SLJ-9.query-credential-refused']) assert.ok(verdicts.some((v: any) => v.id === id && v.result === 'pass'), `${id} passed`);
    // The kit plays the app in HTTP mode: what it stores after a failed login is not evidence.
    const na = verdicts.filter((v: any) => v.id === 'SLJ-7.failed-login-no-credential');
    assert.equal(na.length, 11);
    assert.ok(na.every((v: any) => v.result === 'na' && v.reason === 'not checked in HTTP mode (use --browser chromium)'));
    // HTTP mode says what it cannot check: the app-side checks are N/A with the reason, never a pass.
    for (const id of APP_SIDE) {
      const vs = verdicts.filter((v: any) => v.id === id);
      assert.ok(vs.length && vs.every((v: any) => v.result === 'na' && v.reason === 'not checked in HTTP mode (use --browser chromium)'), `${id} is N/A in HTTP mode`);
    }
    // The API's own expiry check is exercised on the refresh path (the app refreshes on its 401).
    assert.ok(verdicts.some((v: any) => v.id === 'SLJ-10.rejects-expired' && v.result === 'pass'));
  },
});

test('HTTP mode: app-side steps are not counted as exercised by --coverage', async () => {
  const dir = path.resolve(__dirname, '..', '..', 'backends', 'spa-localstorage-jwt');
  const r = await runKit('spa-localstorage-jwt', path.join(dir, 'loginflow.json'), 'http-coverage', ['--coverage', '--tags', 'not @attack']);
  assert.equal(r.code, 1, r.output);
  const missing = /coverage gate: step\(s\) ([\d, ]+) of the diagram/.exec(r.output)?.[1].split(', ').map(Number);
  assert.ok(missing, r.output);
  // (Steps 3-4 are exercised in HTTP mode too: the failed-login outline opens the app's form.)
  for (const n of [7, 20, 21, 25]) assert.ok(missing.includes(n), `step ${n} (app-side, N/A in HTTP mode) not exercised: ${missing}`);
  for (const n of [8, 9, 10, 15]) assert.ok(!missing.includes(n), `step ${n} was exercised`);
});
