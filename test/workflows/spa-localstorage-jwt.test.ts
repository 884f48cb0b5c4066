import assert from 'node:assert/strict';
import { conformanceSuite } from './mutants';

/** HTTP mode: the backend's half. The app-side mutants are caught in browser mode (spa-browser.test.ts). */
conformanceSuite({
  workflow: 'spa-localstorage-jwt',
  references: { node: 'loginflow.json' },
  mutants: {
    'unsigned-jwt-accepted': { code: 1, failing: ['SLJ-9.rejects-bad-signature', 'SLJ-9.rejects-unsigned'] },
    'exp-ignored': { code: 1, failing: ['SLJ-9.rejects-expired'] },
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
  },
});
