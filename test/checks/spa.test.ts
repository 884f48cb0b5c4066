import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiRefused,
  apiRejectsBadSignature,
  apiRejectsExpired,
  apiRejectsUnsigned,
  apiRejectsWrongAudience,
  corsNoCredentialsForOthers,
  jwtInLocalStorage,
  loginFormShownAgain,
  KIT_PLAYED_APP,
  noRefreshTokenInStorage,
  playedByKit,
  refreshCookieClobbered,
  refreshCookieHeld,
  spaCalledFusionAuth,
  spaCalledLogin,
  spaCalledRefresh,
  stolenLocalStorageJwtWorks,
  stolenRefreshCookieWorks,
  storeCookieSentToFusionAuth,
} from '../../harness/checks';
import { ex } from './hand-built';

const v = (o: { ok: boolean; actual: string; evidence: unknown[] }) => [o.ok, o.actual, o.evidence];
/** What every app-side check says when the kit played the app (HTTP mode): not applicable, with the reason the report shows. */
const KIT_NA = { ok: true, actual: 'not checked in HTTP mode (use --browser chromium)', evidence: [], notApplicable: 'not checked in HTTP mode (use --browser chromium)' };

test('app-side checks in HTTP mode: not applicable, with the reason', () => {
  assert.equal(KIT_PLAYED_APP, KIT_NA.notApplicable);
  assert.deepEqual(playedByKit({ appRunBy: 'kit' }), KIT_NA);
  assert.equal(playedByKit({ appRunBy: 'browser' }), undefined);
});
const APP = 'app-1111';
const call = (o: { from?: string; to?: string; method?: string; path?: string; body?: string; cookie?: string; status?: number; error?: string } = {}) =>
  ex({
    from: o.from ?? 'Browser',
    to: o.to ?? 'FusionAuth',
    method: o.method ?? 'POST',
    path: o.path ?? '/api/login',
    headers: o.cookie ? { cookie: o.cookie } : {},
    body: o.body ?? JSON.stringify({ loginId: 'a', password: 'b', applicationId: APP }),
    ...(o.error ? { error: o.error } : { status: o.status ?? 200 }),
  });

test('spa-login-called / spa-refresh-called: the app itself calls FusionAuth', () => {
  assert.deepEqual([spaCalledLogin.kind, spaCalledLogin.name, spaCalledLogin.level], ['spa-login-called', 'appCallsLoginApi', 'MUST']);
  assert.deepEqual([spaCalledRefresh.kind, spaCalledRefresh.name], ['spa-refresh-called', 'appRefreshesWithCookie']);
  const k = spaCalledFusionAuth('k', 'n');
  const login = { actor: 'Browser', path: '/api/login' as const, applicationId: APP, expectStatus: 200, appRunBy: 'browser' as const };
  assert.equal(k.ensures({ ...login, exchanges: [] }), `the app's JavaScript calls POST /api/login on FusionAuth from the Browser with applicationId ${APP}, and FusionAuth answers 200`);
  const refresh = { actor: 'Browser', path: '/api/jwt/refresh' as const, withCookie: true, expectStatus: 400, appRunBy: 'browser' as const };
  assert.equal(k.ensures({ ...refresh, exchanges: [] }), "the app's JavaScript calls POST /api/jwt/refresh on FusionAuth from the Browser, sending the refresh_token cookie, and FusionAuth answers 400");

  const first = call({ status: 404 });
  const last = call({ path: '/api/login?x=1' });
  assert.deepEqual(v(k.evaluate({ ...login, exchanges: [first, last] })), [true, 'POST /api/login, FusionAuth answered 200', [last]]);
  const page = ex({ from: 'Browser', to: 'Store', path: '/' });
  const others = [page, call({ from: 'Store' }), call({ method: 'GET' }), call({ to: 'Store' }), call({ path: '/api/login/x' }), call({ from: 'Store' })];
  const none = k.evaluate({ ...login, exchanges: others });
  assert.deepEqual(v(none).slice(0, 2), [false, 'the Browser made no POST /api/login call to FusionAuth']);
  assert.deepEqual(none.evidence, [others[2], others[3], others[4]], 'the last three of the actor\'s exchanges (not the Store\'s)');
  const wrongApp = call({ body: JSON.stringify({ applicationId: 'other' }), status: 401 });
  assert.deepEqual(v(k.evaluate({ ...login, exchanges: [wrongApp] })), [false, 'applicationId was "other"; FusionAuth answered 401', [wrongApp]]);
  assert.equal(k.evaluate({ ...login, exchanges: [call({ body: 'not json' })] }).actual, 'applicationId was undefined');
  const noBody = call();
  delete noBody.request.body;
  assert.equal(k.evaluate({ ...login, exchanges: [noBody] }).actual, 'applicationId was undefined');
  assert.equal(k.evaluate({ ...login, applicationId: undefined, exchanges: [call({ body: 'not json' })] }).ok, true, 'no applicationId asked: the body is not read');
  assert.equal(k.evaluate({ ...login, applicationId: undefined, exchanges: [call({ body: JSON.stringify({ applicationId: 'any' }) })] }).ok, true, 'no applicationId asked: any is fine');

  const withCookie = call({ path: '/api/jwt/refresh', body: '', cookie: 'x=1; refresh_token=rt', status: 400 });
  assert.deepEqual(v(k.evaluate({ ...refresh, exchanges: [withCookie] })), [true, 'POST /api/jwt/refresh, FusionAuth answered 400', [withCookie]]);
  assert.equal(k.evaluate({ ...refresh, exchanges: [call({ path: '/api/jwt/refresh', body: '', cookie: 'refresh_token=rt', status: 400 })] }).ok, true, 'the first cookie');
  assert.equal(k.evaluate({ ...refresh, exchanges: [call({ path: '/api/jwt/refresh', body: '', cookie: 'x=1;refresh_token=rt', status: 400 })] }).ok, true, 'after a ; with no space');
  const noCookie = call({ path: '/api/jwt/refresh', body: '', cookie: 'my_refresh_token=rt', error: 'ECONNRESET' });
  assert.deepEqual(v(k.evaluate({ ...refresh, exchanges: [noCookie] })), [false, 'the refresh_token cookie was not sent (fetch without credentials: "include"?); FusionAuth answered ECONNRESET', [noCookie]]);
  assert.equal(k.evaluate({ ...refresh, exchanges: [call({ path: '/api/jwt/refresh', body: '', status: 400 })] }).ok, false, 'no cookie header at all');
  assert.equal(k.evaluate({ ...refresh, withCookie: false, exchanges: [call({ path: '/api/jwt/refresh', body: '', status: 400 })] }).ok, true);
  // HTTP mode: the kit made the call, so it proves nothing about the app, even with the right call on the wire.
  assert.deepEqual(k.evaluate({ ...login, appRunBy: 'kit', exchanges: [last] }), KIT_NA);
  assert.deepEqual(k.evaluate({ ...refresh, appRunBy: 'kit', exchanges: [] }), KIT_NA);
});

test('refresh-cookie-held: FusionAuth\'s refresh_token cookie, holding a refresh token it issued, HttpOnly', () => {
  const k = refreshCookieHeld;
  assert.deepEqual([k.kind, k.name, k.level], ['refresh-cookie-held', 'refreshTokenInFusionAuthCookie', 'MUST']);
  const cookie = { name: 'refresh_token', value: 'rt-2', httpOnly: true, domain: 'auth.example.test' };
  const a = { host: 'auth.example.test', appRunBy: 'browser' as const, refreshTokens: ['rt-1', 'rt-2'] };
  assert.equal(k.ensures(a), 'after login the browser holds FusionAuth\'s refresh_token cookie, HttpOnly, for auth.example.test only (the app\'s fetch used credentials: "include")');
  assert.deepEqual(v(k.evaluate({ ...a, cookie })), [true, 'refresh_token for auth.example.test, HttpOnly', []]);
  assert.equal(k.evaluate({ ...a, host: 'h', cookie: { ...cookie, domain: undefined } }).actual, 'refresh_token for h, HttpOnly');
  assert.deepEqual(v(k.evaluate({ ...a, host: 'h' })), [false, 'the browser holds no refresh_token cookie for h', []]);
  assert.deepEqual(v(k.evaluate({ ...a, cookie: { ...cookie, value: 'eyJ.a-jwt.x' } })), [false, 'the refresh_token cookie does not hold a refresh token FusionAuth issued', []]);
  assert.deepEqual(v(k.evaluate({ ...a, cookie, refreshTokens: [] })), [false, 'the refresh_token cookie does not hold a refresh token FusionAuth issued', []]);
  assert.deepEqual(v(k.evaluate({ ...a, cookie: { ...cookie, httpOnly: false } })), [false, 'the refresh_token cookie is not HttpOnly', []]);
  assert.deepEqual(k.evaluate({ ...a, appRunBy: 'kit', cookie }), KIT_NA);
});

test('jwt-in-local-storage / no-refresh-token-in-storage', () => {
  assert.deepEqual([jwtInLocalStorage.kind, jwtInLocalStorage.name, jwtInLocalStorage.level], ['jwt-in-local-storage', 'jwtMovedToLocalStorage', 'MUST']);
  assert.deepEqual([noRefreshTokenInStorage.kind, noRefreshTokenInStorage.name, noRefreshTokenInStorage.level], ['no-refresh-token-in-storage', 'refreshTokenKeptOutOfJavaScript', 'MUST']);
  const e = [ex({})];
  const a = { origin: 'http://app.example.test', appRunBy: 'browser' as const, storage: { theme: 'dark', jwt: 'eyJ-new' }, tokens: ['eyJ-old', 'eyJ-new'], what: 'the JWT FusionAuth issued', evidence: e };
  assert.equal(jwtInLocalStorage.ensures(a), "the app keeps the JWT FusionAuth issued in http://app.example.test's local storage");
  assert.deepEqual(v(jwtInLocalStorage.evaluate(a)), [true, 'local storage key "jwt" holds it', e]);
  assert.deepEqual(v(jwtInLocalStorage.evaluate({ ...a, storage: { theme: 'dark', jwt: 'xeyJ-new' } })), [false, 'local storage keys: theme, jwt; none holds the JWT FusionAuth issued', e], 'the whole value, not a part');
  assert.deepEqual(v(jwtInLocalStorage.evaluate({ ...a, storage: {} })), [false, 'local storage keys: (none); none holds the JWT FusionAuth issued', e]);

  const r = { origin: 'http://app.example.test', appRunBy: 'browser' as const, storage: { theme: 'dark', auth: '{"jwt":"eyJ","rt":"rt-1"}' }, tokens: ['rt-0', 'rt-1'], what: 'a refresh token', evidence: e };
  assert.equal(noRefreshTokenInStorage.ensures(r), "the app keeps no refresh token in http://app.example.test's local storage (it belongs in FusionAuth's HttpOnly cookie)");
  assert.deepEqual(v(noRefreshTokenInStorage.evaluate(r)), [false, 'local storage key "auth" holds a refresh token', e], 'inside a value counts');
  assert.deepEqual(v(noRefreshTokenInStorage.evaluate({ ...r, storage: { theme: 'dark', jwt: 'eyJ' } })), [true, '2 local storage keys, none holds a refresh token', e]);
  assert.deepEqual(v(noRefreshTokenInStorage.evaluate({ ...r, storage: {} })), [true, '0 local storage keys, none holds a refresh token', e]);
  assert.deepEqual(v(jwtInLocalStorage.evaluate({ ...a, storage: { auth: '{"user":"r","token":"eyJ-old"}' } })), [true, 'local storage key "auth" holds it', e], 'inside a JSON value');
  assert.deepEqual(jwtInLocalStorage.evaluate({ ...a, appRunBy: 'kit' }), KIT_NA, 'even with the JWT in the storage the kit keeps');
  assert.deepEqual(noRefreshTokenInStorage.evaluate({ ...r, appRunBy: 'kit' }), KIT_NA);
});

test('login-form-shown: the form is shown and no JWT FusionAuth issued is left in storage, both', () => {
  const k = loginFormShownAgain;
  assert.deepEqual([k.kind, k.name, k.level], ['login-form-shown', 'appFallsBackToLogin', 'MUST']);
  const e = [ex({})];
  const a = { when: 'w', appRunBy: 'browser' as const, formShown: true, storage: { theme: 'dark', jwt: 'eyJ-other' }, jwts: ['eyJ-1', 'eyJ-2'], evidence: e };
  assert.equal(k.ensures({ ...a, when: 'when the refresh fails' }), 'when the refresh fails, the app holds no JWT in local storage and shows its login form');
  assert.deepEqual(v(k.evaluate(a)), [true, 'login form shown; expired JWT dropped', e]);
  assert.deepEqual(v(k.evaluate({ ...a, storage: {} })), [true, 'login form shown; expired JWT dropped', e]);
  assert.deepEqual(v(k.evaluate({ ...a, formShown: false })), [false, 'login form not shown; expired JWT dropped', e]);
  assert.deepEqual(v(k.evaluate({ ...a, storage: { jwt: 'eyJ-1' } })), [false, 'login form shown; expired JWT still in local storage', e]);
  assert.deepEqual(v(k.evaluate({ ...a, storage: { theme: 'dark', auth: '{"token":"eyJ-2"}' } })), [false, 'login form shown; expired JWT still in local storage', e], 'inside a JSON value too');
  assert.deepEqual(k.evaluate({ ...a, appRunBy: 'kit', formShown: false, storage: { jwt: 'eyJ-1' } }), KIT_NA);
});

test('rejects-* on the API: exactly 401', () => {
  const k = apiRefused('rejects-x', 'xRejected');
  assert.deepEqual([k.kind, k.name, k.level], ['rejects-x', 'xRejected', 'MUST']);
  assert.equal(k.ensures({ presented: 'an unsigned JWT' }), 'presented an unsigned JWT as Bearer token, the API answers 401');
  const r401 = ex({ status: 401 });
  assert.deepEqual(v(k.evaluate({ presented: 'x', response: r401 })), [true, '401', [r401]]);
  const r403 = ex({ status: 403 });
  assert.deepEqual(v(k.evaluate({ presented: 'x', response: r403 })), [false, '403', [r403]]);
  assert.deepEqual(v(k.evaluate({ presented: 'x', response: ex({ error: 'reset' }) })).slice(0, 2), [false, 'reset']);
  assert.deepEqual(v(k.evaluate({ presented: 'x' })), [false, 'undefined', []]);
  assert.deepEqual(
    [apiRejectsBadSignature, apiRejectsUnsigned, apiRejectsWrongAudience, apiRejectsExpired].map((c) => [c.kind, c.name]),
    [
      ['rejects-bad-signature', 'jwtSignatureEnforced'],
      ['rejects-unsigned', 'jwtAlgNoneRejected'],
      ['rejects-wrong-audience', 'jwtAudienceEnforced'],
      ['rejects-expired', 'jwtExpiryEnforced'],
    ],
  );
});

test('cors-credentials: no credentialed grant to "*" or the other origin', () => {
  const k = corsNoCredentialsForOthers;
  assert.deepEqual([k.kind, k.name, k.level], ['cors-credentials', 'apiKeepsCredentialedAnswersSameOrigin', 'MUST']);
  const O = 'http://evil.example.test';
  assert.equal(k.ensures({ origin: O, responses: [] }), `the API lets no other origin (${O}) read credentialed answers: never Access-Control-Allow-Origin "*" or "${O}" with Access-Control-Allow-Credentials: true`);
  const r = (acao?: string, acac?: string) => ex({ path: '/api/cart', status: 200, resHeaders: { ...(acao ? { 'access-control-allow-origin': acao } : {}), ...(acac ? { 'access-control-allow-credentials': acac } : {}) } });
  const fine = [r('http://app.example.test', 'true'), r('*'), r(O), r(O, 'false'), ex({ error: 'x' })];
  assert.deepEqual(v(k.evaluate({ origin: O, responses: fine })), [true, 'no CORS grant to the other origin', fine]);
  const wild = r('*', 'true');
  assert.deepEqual(v(k.evaluate({ origin: O, responses: [fine[0], wild] })), [false, 'GET /api/cart: Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true', [wild]]);
  const echo = r(O, 'true');
  assert.deepEqual(v(k.evaluate({ origin: O, responses: [echo] })), [false, `GET /api/cart: Access-Control-Allow-Origin: ${O} with Access-Control-Allow-Credentials: true`, [echo]]);
});

test('INFO outcomes of the SPA workflow say YES or NO', () => {
  assert.deepEqual(
    [storeCookieSentToFusionAuth, refreshCookieClobbered, stolenRefreshCookieWorks, stolenLocalStorageJwtWorks].map((c) => [c.kind, c.name, c.level]),
    [
      ['store-cookie-sent', 'storeRefreshCookieSentOnForumsLogin', 'INFO'],
      ['refresh-cookie-clobbered', 'forumsLoginClobbersStoreRefreshCookie', 'INFO'],
      ['attack-refresh-cookie', 'stolenRefreshCookieGetsJwtAndData', 'INFO'],
      ['attack-stolen-jwt', 'stolenJwtOpensApi', 'INFO'],
    ],
  );
  const RT = 'rt-store';
  const preflight = call({ method: 'OPTIONS', body: '' });
  const login = (cookie?: string) => call({ cookie, status: 200 });
  const sent = login(`other=1; refresh_token=${RT}`);
  const w = 'the cookie went along';
  assert.equal(storeCookieSentToFusionAuth.ensures({ what: w, exchanges: [] }), 'report whether the cookie went along');
  assert.deepEqual(v(storeCookieSentToFusionAuth.evaluate({ what: w, exchanges: [preflight, sent], storeRefreshToken: RT })), [true, 'YES: the login request carried it', [sent]]);
  const other = login('refresh_token=rt-forums');
  assert.deepEqual(v(storeCookieSentToFusionAuth.evaluate({ what: w, exchanges: [other], storeRefreshToken: RT })), [false, 'NO: the login request did not carry it', [other]]);
  assert.deepEqual(v(storeCookieSentToFusionAuth.evaluate({ what: w, exchanges: [sent] })), [false, 'NO: the login request did not carry it', [sent]], 'no store token held: nothing to send');
  assert.deepEqual(v(storeCookieSentToFusionAuth.evaluate({ what: w, exchanges: [login()], storeRefreshToken: RT })).slice(0, 2), [false, 'NO: the login request did not carry it']);
  const withQuery = call({ path: '/api/login?locale=en', cookie: `refresh_token=${RT}` });
  assert.deepEqual(v(storeCookieSentToFusionAuth.evaluate({ what: w, exchanges: [withQuery], storeRefreshToken: RT })), [true, 'YES: the login request carried it', [withQuery]], 'a login with a query string');
  const notLogin = [preflight, call({ from: 'Forums', cookie: `refresh_token=${RT}` }), call({ to: 'Forums', cookie: `refresh_token=${RT}` }), call({ path: '/api/jwt/refresh', cookie: `refresh_token=${RT}` })];
  assert.deepEqual(v(storeCookieSentToFusionAuth.evaluate({ what: w, exchanges: notLogin, storeRefreshToken: RT })), [false, 'NO: no login request was seen', []]);

  const fa = [call({})];
  const c = { what: 'the cookie was replaced', evidence: fa };
  assert.equal(refreshCookieClobbered.ensures(c), 'report whether the cookie was replaced');
  assert.deepEqual(v(refreshCookieClobbered.evaluate({ ...c, before: 'rt-store', now: 'rt-forums' })), [true, 'YES: refresh_token now holds the forums token; the store app can no longer refresh', fa]);
  assert.deepEqual(v(refreshCookieClobbered.evaluate({ ...c, before: 'rt-store', now: 'rt-store' })), [false, 'NO: the store refresh token is still the one held', fa]);
  assert.equal(refreshCookieClobbered.evaluate({ ...c, before: 'rt-store' }).ok, false, 'no cookie now: not replaced by the forums one');
  assert.equal(refreshCookieClobbered.evaluate({ ...c, now: 'rt-forums' }).ok, false, 'no store cookie before: nothing to clobber');

  const user = 'richard', proof = 'richard@example.test';
  const api = (status: number, body = `{"user":"${proof}"}`) => ex({ from: 'Hacker', path: '/api/cart', status, resBody: body });
  const refreshed = call({ from: 'Hacker', path: '/api/jwt/refresh', body: '', status: 200 });
  const s = { what: 'the stolen cookie worked', user, proof };
  assert.equal(stolenRefreshCookieWorks.ensures(s), 'report whether the stolen cookie worked');
  const cart = api(200);
  assert.deepEqual(v(stolenRefreshCookieWorks.evaluate({ ...s, refresh: refreshed, api: cart })), [true, 'YES: refresh 200, API 200', [refreshed, cart]]);
  const refused = call({ from: 'Hacker', path: '/api/jwt/refresh', body: '', status: 401 });
  assert.deepEqual(v(stolenRefreshCookieWorks.evaluate({ ...s, refresh: refused, api: cart })), [false, 'NO: refresh 401, API 200', [refused, cart]]);
  const denied = api(401, '{}');
  assert.deepEqual(v(stolenRefreshCookieWorks.evaluate({ ...s, refresh: refreshed, api: denied })), [false, 'NO: refresh 200, API 401', [refreshed, denied]]);
  assert.equal(stolenRefreshCookieWorks.evaluate({ ...s, refresh: refreshed, api: api(200, '{"user":"someone-else"}') }).ok, false, "another user's data is not the attack working");
  assert.deepEqual(v(stolenRefreshCookieWorks.evaluate(s)), [false, 'NO: refresh not called, API not called', []]);
  const reset = ex({ from: 'Hacker', to: 'FusionAuth', method: 'POST', path: '/api/jwt/refresh', error: 'ECONNRESET' });
  const apiReset = ex({ from: 'Hacker', path: '/api/cart', error: 'ECONNRESET' });
  assert.deepEqual(v(stolenRefreshCookieWorks.evaluate({ ...s, refresh: reset, api: apiReset })), [false, 'NO: refresh not called, API not called', [reset, apiReset]], 'no answer at all');

  assert.equal(stolenLocalStorageJwtWorks.ensures(s), 'report whether the stolen cookie worked');
  assert.deepEqual(v(stolenLocalStorageJwtWorks.evaluate({ ...s, api: cart })), [true, 'YES: API 200', [cart]]);
  assert.deepEqual(v(stolenLocalStorageJwtWorks.evaluate({ ...s, api: denied })), [false, 'NO: API 401', [denied]]);
  assert.deepEqual(v(stolenLocalStorageJwtWorks.evaluate(s)), [false, 'NO: API not called', []]);
  assert.deepEqual(v(stolenLocalStorageJwtWorks.evaluate({ ...s, api: apiReset })), [false, 'NO: API not called', [apiReset]]);
});
