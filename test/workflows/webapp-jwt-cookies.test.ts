import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { conformanceSuite } from './mutants';

const WORKFLOW = 'webapp-jwt-cookies';

conformanceSuite({
  workflow: WORKFLOW,
  references: { node: 'loginflow.json' },
  mutants: {
    // The refreshed JWT's cookie is set without HttpOnly too, and jwt-cookie-replaced demands it.
    'cookies-not-httponly': { code: 1, failing: ['WJC-8.cookie-httponly', 'WJC-14.jwt-cookie-replaced', 'WJC-27.cookie-httponly'] },
    'jwt-not-verified': { code: 1, failing: ['WJC-10.rejects-bad-signature', 'WJC-10.rejects-unsigned'] },
    'aud-not-checked': { code: 1, failing: ['WJC-10.rejects-wrong-audience'] },
    // A backend that takes an expired JWT never needs to refresh it: no refresh call at 12 nor 16.
    // On the world clock the JWT cookie runs out with the JWT, so the browser stops sending it and
    // the backend refreshes anyway: only the bad-token example (a minted expired JWT) shows the defect.
    'expired-accepted': { code: 1, failing: ['WJC-10.rejects-expired'] },
    // Neither the good refresh (12) nor the one with an expired refresh token (16) is made.
    // No refresh, so the two-user page after the refresh is not shown either.
    'no-refresh': { code: 1, failing: ['WJC-12.refresh-called', 'WJC-14.page-is-holders', 'WJC-14.page-shown', 'WJC-16.refresh-called'] },
    'refreshed-jwt-not-written': { code: 1, failing: ['WJC-14.jwt-cookie-replaced'] },
    'only-404-is-refresh-failure': { code: 1, failing: ['WJC-18.redirect-to-login'] },
    'forums-cookie-parent-domain': { code: 1, failing: ['WJC-8.cookie-host-only', 'WJC-20.no-sso-cookies', 'WJC-27.cookie-host-only', 'WJC-27.other-cookies-untouched'] },
    'rotated-refresh-token-dropped': { code: 1, failing: ['WJC-14.refresh-token-current'] },
    // The browser, not the backend, talks to FusionAuth: its form posts there, or a 307 makes
    // it re-send the password there. The backend then calls nothing, so both halves fail.
    'browser-calls-login-api': { code: 1, failing: ['WJC-6.login-called', 'WJC-6.login-server-side', 'WJC-8.redirect-to-cart', 'WJC-8.jwt-cookie-set', 'WJC-8.refresh-cookie-set'] },
    // The 307 ends the login in the browser: no cookies, no cart (their attributes are N/A, not failed again).
    'password-redirected-to-fusionauth': { code: 1, failing: ['WJC-6.login-called', 'WJC-6.login-server-side', 'WJC-8.redirect-to-cart', 'WJC-8.jwt-cookie-set', 'WJC-8.refresh-cookie-set', 'WJC-10.page-shown'] },
    // SHOULD-level defects: reported, but the run still conforms.
    'no-secure-samesite': { code: 0, failing: ['WJC-8.cookie-secure', 'WJC-8.cookie-samesite'] },
    // Found by the two-user, failed-login and URL-secret scenarios (issue #11).
    'last-user-shown': { code: 1, failing: ['WJC-10.page-is-holders', 'WJC-14.page-is-holders'] },
    'login-accepts-2xx': { code: 1, failing: ['WJC-8.failed-login-no-credential', 'WJC-8.failed-login-explained', 'WJC-10.failed-login-no-access'] },
    'token-in-redirect': { code: 1, failing: ['WJC-8.token-not-in-url'] },
    'refresh-every-request': { code: 0, failing: ['WJC-12.refresh-only-expired'] },
  },
  onReference: (r, name) => {
    const w = r.summary.workflows[0];
    const verdicts = w.scenarios.flatMap((s: any) => s.verdicts);
    const steps = new Set(verdicts.flatMap((v: any) => v.steps));
    for (const n of [2, 4, 6, 8, 9, 10, 12, 14, 16, 18, 19, 20, 21, 23, 25, 27, 28, 29, 31, 33, 35]) assert.ok(steps.has(n), `a verdict about step ${n}`);
    const info = [...new Set(verdicts.filter((v: any) => v.level === 'INFO').map((v: any) => v.id))].sort();
    // The attacks, and the JWKS fetch of the RS256 variant: a FusionAuth call the diagram does not draw.
    assert.deepEqual(info, ['WJC-31.attack-refresh', 'WJC-33.attack-page', 'WJC-35.attack-stolen-jwt', 'WJC-6.extra-fusionauth-call']);
    assert.ok(verdicts.some((v: any) => v.id === 'WJC-6.extra-fusionauth-call' && /GET \/\.well-known\/jwks\.json/.test(v.actual)), 'the extra call names its endpoint');
    // Every refresh the reference made was of an expired JWT.
    assert.ok(verdicts.some((v: any) => v.id === 'WJC-12.refresh-only-expired' && v.result === 'pass'));
    // Two users (after login and after a refresh), the query-string probe, 11 failed logins, and the URL checks in every scenario.
    const passed = (id: string) => verdicts.filter((v: any) => v.id === id && v.result === 'pass').length;
    for (const id of ['WJC-10.page-is-holders', 'WJC-14.page-is-holders', 'WJC-10.query-credential-refused']) assert.ok(passed(id) > 0, `${id} passed`);
    for (const id of ['WJC-8.failed-login-no-credential', 'WJC-8.failed-login-explained', 'WJC-10.failed-login-no-access']) assert.ok(passed(id) >= 11, `${id} passed for every failed login`);
    // Judged in every scenario (not applicable only in one skipped before its first exchange).
    for (const id of ['WJC-5.password-not-in-url', 'WJC-8.token-not-in-url']) {
      assert.equal(w.scenarios.filter((s: any) => s.verdicts.some((v: any) => v.id === id)).length, w.scenarios.length, `${id} in every scenario`);
      assert.ok(passed(id) >= w.scenarios.length - 2, `${id} passed`);
    }
    // The config declares signing x refresh endpoint: all four combinations ran, each named.
    const combos = new Set(verdicts.map((v: any) => JSON.stringify(v.variant)));
    for (const signing of ['HS256', 'RS256']) {
      for (const refreshEndpoint of ['/api/jwt/refresh', '/oauth2/token']) assert.ok(combos.has(JSON.stringify({ signing, refreshEndpoint })), `variant ${signing} ${refreshEndpoint} ran`);
    }
    const dir = path.join(__dirname, '..', '..', 'reports', 'test-runs', WORKFLOW, `reference-${name}`, WORKFLOW);
    const puml = fs.readdirSync(dir).filter((f) => f.endsWith('.puml') && !f.startsWith('_'));
    assert.ok(puml.length >= w.scenarios.length, 'an observed diagram per scenario');
  },
});
