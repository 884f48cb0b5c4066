import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendCalledLogin, backendCalledRefresh, browserDidNotCallFusionAuth, isRefreshCall, refreshTokenOf } from '../../harness/checks';
import { ex } from './hand-built';

const API_KEY = 'api-key-0123456789';
const APP = '11111111-2222-3333-4444-555555555555';
const login = (o: { body?: string; auth?: string; status?: number; error?: string; from?: string; path?: string; method?: string } = {}) =>
  ex({
    from: o.from ?? 'Store',
    to: 'FusionAuth',
    method: o.method ?? 'POST',
    host: 'auth.example.test',
    path: o.path ?? '/api/login',
    headers: o.auth === undefined ? { authorization: API_KEY } : o.auth ? { authorization: o.auth } : {},
    body: o.body ?? JSON.stringify({ loginId: 'richard@example.com', password: 'pw-secret', applicationId: APP }),
    ...(o.error ? { error: o.error } : { status: o.status ?? 200 }),
  });
const args = (exchanges = [login()]) => ({ caller: 'Store', exchanges, loginId: 'richard@example.com', password: 'pw-secret', apiKey: API_KEY, applicationId: APP });

test('login-called: the expectation names the caller, the API key and the applicationId', () => {
  assert.equal(backendCalledLogin.kind, 'login-called');
  assert.equal(backendCalledLogin.name, 'backendCalledLoginApi');
  assert.equal(backendCalledLogin.level, 'MUST');
  assert.equal(backendCalledLogin.ensures(args()), 'Store calls POST /api/login on FusionAuth with the submitted loginId and password, its API key in Authorization and its applicationId');
});

test('login-called passes on the right call, judging the last one', () => {
  const first = login({ status: 404 });
  const last = login({ path: '/api/login?x=1' });
  const o = backendCalledLogin.evaluate(args([first, ex({ from: 'Browser' }), last]));
  assert.equal(o.ok, true);
  assert.equal(o.actual, "POST /api/login with the user's credentials, API key and applicationId; FusionAuth answered 200");
  assert.deepEqual(o.evidence, [last]);
  assert.equal(o.notApplicable, undefined);
});

test('login-called fails with no call, naming what FusionAuth saw', () => {
  const browser = login({ from: 'Browser' });
  const get = login({ method: 'GET', path: '/api/user' });
  const other = login({ path: '/api/login2' });
  const page = ex({ from: 'Browser', to: 'Store', path: '/login' });
  // Each condition on its own: only a POST, only to FusionAuth, only /api/login, only by the caller.
  assert.equal(backendCalledLogin.evaluate(args([login({ method: 'GET' })])).ok, false, 'a GET /api/login is no login call');
  assert.equal(backendCalledLogin.evaluate(args([{ ...login(), to: 'Forums' }])).ok, false, 'a POST /api/login to another participant');
  const o = backendCalledLogin.evaluate(args([page, browser, get, other]));
  assert.equal(o.ok, false);
  assert.equal(o.actual, 'Store made no POST /api/login call to FusionAuth (FusionAuth saw: Browser POST /api/login; Store GET /api/user; Store POST /api/login2)');
  assert.deepEqual(o.evidence, [browser, get, other]);
  const none = backendCalledLogin.evaluate(args([page]));
  assert.equal(none.actual, 'Store made no POST /api/login call to FusionAuth');
  assert.deepEqual(none.evidence, [page]);
});

test('login-called fails on each wrong detail, all named at once', () => {
  const bad = login({ body: JSON.stringify({ loginId: 'eve@example.com', password: 'nope', applicationId: 'other' }), auth: 'Bearer x', status: 401 });
  const o = backendCalledLogin.evaluate(args([bad]));
  assert.equal(o.ok, false);
  assert.equal(
    o.actual,
    'loginId was "eve@example.com", not the submitted "richard@example.com"; password was not the submitted one; applicationId was "other", not Store\'s 11111111-2222-3333-4444-555555555555; Authorization was not the API key (FusionAuth takes the bare key, no scheme); FusionAuth answered 401',
  );
  assert.deepEqual(o.evidence, [bad]);
  assert.equal(backendCalledLogin.evaluate(args([login({ body: 'loginId=a', auth: '' })])).actual, 'the body is not a JSON object; no Authorization header with the API key');
  assert.equal(backendCalledLogin.evaluate(args([login({ body: '"a string"' })])).actual, 'the body is not a JSON object');
  assert.equal(backendCalledLogin.evaluate(args([login({ body: 'null' })])).actual, 'the body is not a JSON object');
  assert.equal(backendCalledLogin.evaluate(args([login({ error: 'ECONNRESET' })])).actual, 'FusionAuth answered ECONNRESET');
  const noBody = login();
  delete noBody.request.body;
  assert.equal(backendCalledLogin.evaluate(args([noBody])).actual, 'the body is not a JSON object');
  for (const field of ['loginId', 'password', 'applicationId']) {
    const body = { loginId: 'richard@example.com', password: 'pw-secret', applicationId: APP, [field]: 'x' };
    assert.equal(backendCalledLogin.evaluate(args([login({ body: JSON.stringify(body) })])).ok, false, field);
  }
});

test('login-server-side: the browser never calls FusionAuth', () => {
  assert.equal(browserDidNotCallFusionAuth.kind, 'login-server-side');
  assert.equal(browserDidNotCallFusionAuth.name, 'browserDidNotCallFusionAuth');
  assert.equal(browserDidNotCallFusionAuth.level, 'MUST');
  assert.equal(browserDidNotCallFusionAuth.ensures({ actor: 'Browser', exchanges: [] }), 'the Browser never talks to FusionAuth itself: the backend does');
  const page = ex({ from: 'Browser', to: 'Store', method: 'POST', path: '/login' });
  const backend = login();
  const ok = browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [page, backend] });
  assert.deepEqual([ok.ok, ok.actual, ok.evidence], [true, 'no Browser → FusionAuth exchange', []]);
  // The browser posting the login form (or following a redirect) to FusionAuth: caught.
  const direct = login({ from: 'Browser' });
  const redirected = ex({ from: 'Browser', to: 'FusionAuth', method: 'GET', path: '/api/login?loginId=a&password=b', status: 404 });
  const bad = browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [page, direct, backend, redirected] });
  assert.deepEqual([bad.ok, bad.actual, bad.evidence], [false, 'the Browser called FusionAuth directly', [direct, redirected]]);
  // A backend's 307/308 to FusionAuth makes the browser re-send the form there: the same defect.
  const handOver = ex({ from: 'Browser', to: 'Store', method: 'POST', path: '/login', body: 'email=a&password=b', status: 307, resHeaders: { location: 'http://AUTH.example.test/api/login' } });
  const o = browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [page, handOver], fusionauthHost: 'auth.example.test' });
  assert.deepEqual([o.ok, o.actual, o.evidence], [false, 'Store answered 307 to FusionAuth (http://AUTH.example.test/api/login): the Browser re-sends the form, password included, to FusionAuth itself', [handOver]]);
  const handOver308 = ex({ from: 'Browser', to: 'Forums', method: 'POST', path: '/login', body: 'x', status: 308, resHeaders: { location: '//auth.example.test/api/login' } });
  assert.equal(browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [handOver308], fusionauthHost: 'auth.example.test' }).actual, 'Forums answered 308 to FusionAuth (//auth.example.test/api/login): the Browser re-sends the form, password included, to FusionAuth itself');
  const fine = (o: Parameters<typeof ex>[0]) => browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [ex({ from: 'Browser', to: 'Store', method: 'POST', path: '/login', body: 'x', status: 307, resHeaders: { location: 'http://auth.example.test/api/login' }, ...o })], fusionauthHost: 'auth.example.test' }).ok;
  assert.equal(fine({}), false, 'the baseline of the cases below is caught');
  assert.equal(browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [handOver], fusionauthHost: 'Auth.Example.TEST' }).ok, false, 'host names compare without case');
  assert.equal(fine({ status: 302 }), true, 'a 302 is followed with GET: no body reaches FusionAuth');
  assert.equal(fine({ status: 303 }), true);
  assert.equal(fine({ resHeaders: { location: '/cart' } }), true, 'a redirect to the backend itself');
  assert.equal(fine({ resHeaders: { location: 'http://store.example.test/api/login' } }), true);
  assert.equal(fine({ resHeaders: { location: 'http://[bad' } }), true, 'an unparseable Location goes nowhere');
  assert.equal(fine({ resHeaders: {} }), true);
  assert.equal(fine({ from: 'Hacker' }), true, "another actor's request");
  const noBody = ex({ from: 'Browser', to: 'Store', method: 'POST', path: '/login', status: 307, resHeaders: { location: 'http://auth.example.test/x' } });
  assert.equal(browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [noBody], fusionauthHost: 'auth.example.test' }).ok, true, 'nothing to re-send');
  assert.equal(browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [handOver] }).ok, true, 'without the host the redirect cannot be judged');
  assert.equal(browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [ex({ from: 'Browser', error: 'reset', body: 'x' })], fusionauthHost: 'auth.example.test' }).ok, true);
  // Another actor's calls are not the browser's.
  assert.equal(browserDidNotCallFusionAuth.evaluate({ actor: 'Browser', exchanges: [login({ from: 'Hacker' })] }).ok, true);
});

const refresh = (o: { path?: string; body?: string; cookie?: string; status?: number; error?: string; from?: string; method?: string; to?: string } = {}) =>
  ex({
    from: o.from ?? 'Store',
    to: o.to ?? 'FusionAuth',
    method: o.method ?? 'POST',
    path: o.path ?? '/api/jwt/refresh',
    headers: o.cookie ? { cookie: o.cookie } : {},
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.error ? { error: o.error } : { status: o.status ?? 200 }),
  });

test('isRefreshCall: /api/jwt/refresh, or /oauth2/token with the refresh_token grant, POSTed to FusionAuth', () => {
  assert.equal(isRefreshCall(refresh()), true);
  assert.equal(isRefreshCall(refresh({ path: '/api/jwt/refresh?x=1' })), true);
  assert.equal(isRefreshCall(refresh({ path: '/oauth2/token', body: 'grant_type=refresh_token&refresh_token=r' })), true);
  assert.equal(isRefreshCall(refresh({ path: '/oauth2/token', body: 'grant_type=authorization_code&code=c' })), false);
  assert.equal(isRefreshCall(refresh({ path: '/oauth2/token' })), false);
  assert.equal(isRefreshCall(refresh({ method: 'GET' })), false);
  assert.equal(isRefreshCall(refresh({ to: 'Store' })), false);
  assert.equal(isRefreshCall(refresh({ path: '/api/jwt/refresh2' })), false);
  assert.equal(isRefreshCall(refresh({ path: '/oauth2/authorize', body: 'grant_type=refresh_token' })), false, 'the grant only counts at the token endpoint');
});

test('refreshTokenOf reads the cookie, the JSON body or the form body', () => {
  assert.equal(refreshTokenOf(refresh({ cookie: 'a=1; refresh_token=rt%2Fone; b=2' })), 'rt/one');
  assert.equal(refreshTokenOf(refresh({ cookie: 'refresh_token=rt-first' })), 'rt-first');
  assert.equal(refreshTokenOf(refresh({ cookie: 'a=1;refresh_token=rt-nospace' })), 'rt-nospace', 'no space after the semicolon');
  assert.equal(refreshTokenOf(refresh({ cookie: 'my_refresh_token=no', body: '' })), undefined);
  assert.equal(refreshTokenOf(refresh({ body: JSON.stringify({ refreshToken: 'rt-json' }) })), 'rt-json');
  assert.equal(refreshTokenOf(refresh({ body: JSON.stringify({ refreshToken: 42 }) })), undefined);
  assert.equal(refreshTokenOf(refresh({ body: 'grant_type=refresh_token&refresh_token=rt-form' })), 'rt-form');
  assert.equal(refreshTokenOf(refresh()), undefined);
});

const rargs = (exchanges: ReturnType<typeof refresh>[], o: { expectStatus?: number; endpoint?: string } = {}) => ({ caller: 'Store', exchanges, refreshToken: 'rt-browser', expectStatus: o.expectStatus ?? 200, ...(o.endpoint ? { endpoint: o.endpoint } : {}) });

test('refresh-called: the expectation names the endpoint when the variant fixes one', () => {
  assert.equal(backendCalledRefresh.kind, 'refresh-called');
  assert.equal(backendCalledRefresh.name, 'backendCalledRefreshApi');
  assert.equal(backendCalledRefresh.level, 'MUST');
  assert.equal(backendCalledRefresh.ensures(rargs([])), "Store calls FusionAuth's refresh API (POST /api/jwt/refresh or /oauth2/token) with the browser's refresh token and gets 200");
  assert.equal(backendCalledRefresh.ensures(rargs([], { endpoint: '/oauth2/token', expectStatus: 400 })), "Store calls FusionAuth's refresh API (POST /oauth2/token) with the browser's refresh token and gets 400");
});

test('refresh-called passes with the browser\'s token and the expected status, on the last such call', () => {
  const other = refresh({ body: JSON.stringify({ refreshToken: 'rt-other' }), status: 400 });
  const first = refresh({ body: JSON.stringify({ refreshToken: 'rt-browser' }), status: 500 });
  const last = refresh({ path: '/oauth2/token', body: 'grant_type=refresh_token&refresh_token=rt-browser' });
  const o = backendCalledRefresh.evaluate(rargs([other, first, last], { endpoint: '/oauth2/token' }));
  assert.deepEqual([o.ok, o.actual, o.evidence], [true, 'POST /oauth2/token with the refresh token; FusionAuth answered 200', [last]]);
  const expired = refresh({ cookie: 'refresh_token=rt-browser', status: 400 });
  assert.equal(backendCalledRefresh.evaluate(rargs([expired], { expectStatus: 400 })).actual, 'POST /api/jwt/refresh with the refresh token; FusionAuth answered 400');
});

test('refresh-called fails: no call, another token, the wrong endpoint, the wrong status', () => {
  const page = ex({ from: 'Browser', to: 'Store', path: '/cart' });
  const fa = ex({ from: 'FusionAuth', to: 'Store', path: '/x' });
  const pages = [1, 2, 3].map((i) => ex({ from: 'Browser', to: 'Store', path: `/p${i}` }));
  const forums = refresh({ from: 'Forums', cookie: 'refresh_token=rt-browser' });
  const none = backendCalledRefresh.evaluate(rargs([page, ...pages, forums, fa]));
  assert.equal(none.ok, false);
  assert.equal(none.actual, 'Store made no refresh call to FusionAuth');
  assert.deepEqual(none.evidence, [pages[1], pages[2], forums], 'the last three calls that are not FusionAuth\'s');
  const other = refresh({ cookie: 'refresh_token=rt-other' });
  const o2 = backendCalledRefresh.evaluate(rargs([other]));
  assert.deepEqual([o2.ok, o2.actual, o2.evidence], [false, "Store called /api/jwt/refresh but not with the browser's refresh token", [other]]);
  const wrongEndpoint = refresh({ cookie: 'refresh_token=rt-browser' });
  const o3 = backendCalledRefresh.evaluate(rargs([wrongEndpoint], { endpoint: '/oauth2/token' }));
  assert.deepEqual([o3.ok, o3.actual, o3.evidence], [false, 'called /api/jwt/refresh, not /oauth2/token as FUSIONAUTH_REFRESH_ENDPOINT asked', [wrongEndpoint]]);
  assert.equal(backendCalledRefresh.evaluate(rargs([refresh({ path: '/api/jwt/refresh?a=b', cookie: 'refresh_token=rt-browser' })], { endpoint: '/api/jwt/refresh' })).ok, true, 'the query is not part of the endpoint');
  const wrongStatus = refresh({ cookie: 'refresh_token=rt-browser', status: 404 });
  const o4 = backendCalledRefresh.evaluate(rargs([wrongStatus], { expectStatus: 400 }));
  assert.deepEqual([o4.ok, o4.actual, o4.evidence], [false, 'FusionAuth answered 404', [wrongStatus]]);
  assert.equal(backendCalledRefresh.evaluate(rargs([refresh({ cookie: 'refresh_token=rt-browser', error: 'socket hang up' })])).actual, 'FusionAuth answered socket hang up');
});
