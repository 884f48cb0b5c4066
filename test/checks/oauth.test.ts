import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appCookiesSeparate,
  authorizeRequest,
  clientAuthOf,
  codeExchangedOnce,
  codeExchangedServerSide,
  codeRedirect,
  idTokenVerified,
  pkceS256,
  ssoLogin,
  stateBound,
  stateChecked,
  tokenRequest,
  tokensOf,
} from '../../harness/checks';
import { ex } from './hand-built';
import type { Exchange } from '../../harness/trace';
import { codeOf, cookieNamesSet, formOf, isAuthorizeCall, isCodeExchange, queryOf } from '../../harness/checks';

/** The OAuth checks on hand-built exchanges: pass, fail and not applicable for each. */

const CLIENT = '85a03867-dccf-4882-adde-1a79aeec50df';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const RU = 'http://store.example.test/oauth-redirect';
const authorizeQuery = (o: Record<string, string | undefined> = {}) => {
  const p = { response_type: 'code', client_id: CLIENT, redirect_uri: RU, scope: 'openid offline_access', state: 'st-123', nonce: 'n-1', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...o };
  return new URLSearchParams(Object.entries(p).filter((x): x is [string, string] => x[1] !== undefined)).toString();
};
const authorize = (o: Record<string, string | undefined> = {}) => ex({ to: 'FusionAuth', host: 'auth.example.test', path: `/oauth2/authorize?${authorizeQuery(o)}`, status: 200, resBody: '<form>' });
const page = (body: string, status = 200) => ex({ path: '/cart', status, resBody: body });
const tokenCall = (o: { from?: string; body?: Record<string, string>; headers?: Record<string, string>; status?: number } = {}) =>
  ex({
    from: o.from ?? 'Store',
    to: 'FusionAuth',
    method: 'POST',
    host: 'auth.example.test',
    path: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(o.headers ?? {}) },
    body: new URLSearchParams(o.body ?? { grant_type: 'authorization_code', code: 'c1', redirect_uri: RU, code_verifier: 'v'.repeat(43), client_id: CLIENT, client_secret: 's3cret' }).toString(),
    status: o.status ?? 200,
    resBody: JSON.stringify({ access_token: 'at', id_token: 'idt', refresh_token: 'rt', token_type: 'Bearer' }),
  });

test('authorize-request: response_type=code, client_id, redirect_uri on the app host, openid', () => {
  const k = authorizeRequest;
  assert.deepEqual([k.kind, k.level], ['authorize-request', 'MUST']);
  const args = { app: 'store', clientId: CLIENT, host: 'store.example.test' };
  assert.equal(k.evaluate({ ...args, request: authorize() }).ok, true);
  assert.match(k.evaluate({ ...args, request: authorize({ response_type: 'token' }) }).actual, /response_type=token/);
  assert.match(k.evaluate({ ...args, request: authorize({ client_id: 'other' }) }).actual, /client_id=other/);
  assert.match(k.evaluate({ ...args, request: authorize({ redirect_uri: 'http://evil.example.test/cb' }) }).actual, /redirect_uri=http:\/\/evil/);
  assert.match(k.evaluate({ ...args, request: authorize({ scope: 'offline_access' }) }).actual, /scope=offline_access/);
  assert.equal(k.evaluate(args).ok, false);
});

test('pkce-s256 (SHOULD): a 43-character S256 challenge; not applicable without an authorization request', () => {
  const k = pkceS256;
  assert.deepEqual([k.kind, k.level], ['pkce-s256', 'SHOULD']);
  const args = { app: 'store', clientId: CLIENT, host: 'store.example.test' };
  assert.equal(k.evaluate({ ...args, request: authorize() }).ok, true);
  assert.deepEqual([k.evaluate({ ...args, request: authorize({ code_challenge: undefined, code_challenge_method: undefined }) }).ok, k.evaluate({ ...args, request: authorize({ code_challenge: undefined }) }).actual], [false, 'no code_challenge in the authorization request']);
  assert.match(k.evaluate({ ...args, request: authorize({ code_challenge_method: 'plain' }) }).actual, /plain/);
  assert.match(k.evaluate({ ...args, request: authorize({ code_challenge_method: undefined }) }).actual, /none, i.e. plain/);
  assert.match(k.evaluate({ ...args, request: authorize({ code_challenge: 'short' }) }).actual, /5 characters/);
  assert.ok(k.evaluate(args).notApplicable);
});

test('state-checked: a state sent, and a forged callback does not log the browser in', () => {
  const k = stateChecked;
  assert.deepEqual([k.kind, k.level], ['state-checked', 'MUST']);
  const cb = ex({ path: '/oauth-redirect?code=c&state=forged', status: 400, resBody: 'bad state' });
  const args = { app: 'store', attacker: 'bob@example.com', attackerProof: 'bob@example.com' };
  assert.equal(k.evaluate({ ...args, authorize: authorize(), callback: cb, after: ex({ path: '/cart', status: 302, resHeaders: { location: '/login' } }) }).ok, true);
  const noState = k.evaluate({ ...args, authorize: authorize({ state: undefined }), callback: cb, after: page('cart of bob@example.com') });
  assert.deepEqual([noState.ok, noState.actual], [false, 'store sent no state to FusionAuth: it cannot tell its own callbacks from forged ones']);
  const accepted = k.evaluate({ ...args, authorize: authorize(), callback: cb, after: page('cart of bob@example.com') });
  assert.match(accepted.actual, /logged the browser in as bob@example.com/);
  assert.equal(accepted.ok, false);
  assert.equal(k.evaluate({ ...args, authorize: authorize(), after: page('x') }).ok, false);
  assert.equal(k.evaluate(args).ok, false);
});

test('state-bound: another browser\'s state does not log this one in; not applicable when no state was issued', () => {
  const k = stateBound;
  assert.deepEqual([k.kind, k.level], ['state-bound', 'MUST']);
  const args = { app: 'store', attacker: 'bob@example.com', attackerProof: 'bob@example.com' };
  const cb = ex({ path: '/oauth-redirect?code=c&state=s-h', status: 400 });
  assert.equal(k.evaluate({ ...args, otherState: 's-h', callback: cb, after: page('please log in', 200) }).ok, true);
  assert.equal(k.evaluate({ ...args, otherState: 's-h', callback: cb, after: page('cart of bob@example.com') }).ok, false);
  assert.equal(k.evaluate({ ...args, otherState: 's-h' }).ok, false);
  assert.match(k.evaluate({ ...args, callback: cb }).notApplicable ?? '', /issued no state/);
});

test('code-exchanged-server-side: the backend exchanges the code; no secret and no token call in the browser', () => {
  const k = codeExchangedServerSide;
  assert.deepEqual([k.kind, k.level], ['code-exchanged-server-side', 'MUST']);
  const cb = ex({ path: '/oauth-redirect?code=c1&state=s', status: 302, resHeaders: { location: '/cart' } });
  const t = tokenCall();
  const args = { app: 'store', caller: 'Store', code: 'c1', clientSecret: 's3cret' };
  assert.equal(k.evaluate({ ...args, exchanges: [cb, t] }).ok, true);
  const leaky = ex({ path: '/oauth-redirect?code=c1', status: 200, resBody: '<script>fetch(t, {body: "client_secret=s3cret"})</script>' });
  assert.match(k.evaluate({ ...args, exchanges: [leaky] }).actual, /client secret is in its answer/);
  const inBrowser = tokenCall({ from: 'Browser' });
  assert.match(k.evaluate({ ...args, exchanges: [cb, inBrowser] }).actual, /browser exchanged the code/);
  assert.match(k.evaluate({ ...args, exchanges: [cb] }).actual, /never exchanged the code/);
  assert.match(k.evaluate({ ...args, code: undefined, exchanges: [cb] }).actual, /no code/);
  assert.equal(k.evaluate({ ...args, code: 'other', exchanges: [cb, t] }).ok, false);
});

test('code-exchanged-once: a second exchange of the same code fails; none is not applicable', () => {
  const k = codeExchangedOnce;
  assert.deepEqual([k.kind, k.level], ['code-exchanged-once', 'MUST']);
  const args = { app: 'store', caller: 'Store', code: 'c1', clientSecret: 's3cret' };
  assert.equal(k.evaluate({ ...args, exchanges: [tokenCall()] }).ok, true);
  const twice = k.evaluate({ ...args, exchanges: [tokenCall(), tokenCall({ status: 400 })] });
  assert.deepEqual([twice.ok, twice.actual], [false, 'the code was exchanged 2 times (FusionAuth answered 200, 400)']);
  assert.ok(k.evaluate({ ...args, exchanges: [] }).notApplicable);
  assert.ok(k.evaluate({ ...args, code: undefined, exchanges: [tokenCall()] }).notApplicable);
});

test('token-request: grant type, redirect_uri, client authentication, code_verifier, 200', () => {
  const k = tokenRequest;
  assert.deepEqual([k.kind, k.level], ['token-request', 'MUST']);
  const args = { app: 'store', caller: 'Store', clientId: CLIENT, authorize: authorize() };
  assert.equal(k.evaluate({ ...args, exchange: tokenCall() }).ok, true);
  const basic = tokenCall({ body: { grant_type: 'authorization_code', code: 'c1', redirect_uri: RU, code_verifier: 'v' }, headers: { authorization: `Basic ${Buffer.from(`${CLIENT}:s3cret`).toString('base64')}` } });
  assert.equal(k.evaluate({ ...args, exchange: basic }).ok, true);
  assert.deepEqual(clientAuthOf(basic), { method: 'client_secret_basic', clientId: CLIENT, secret: 's3cret' });
  const bad = tokenCall({ body: { grant_type: 'password', code: 'c1', redirect_uri: 'http://store.example.test/other' }, status: 400 });
  assert.equal(k.evaluate({ ...args, exchange: bad }).actual, `grant_type=password; redirect_uri=http://store.example.test/other (the authorization request said ${RU}); no client authentication; no code_verifier, though a code_challenge was sent; FusionAuth answered 400`);
  const otherClient = tokenCall({ body: { grant_type: 'authorization_code', code: 'c1', redirect_uri: RU, client_id: 'x', client_secret: 's', code_verifier: 'v' } });
  assert.match(k.evaluate({ ...args, exchange: otherClient }).actual, /client_id=x/);
  assert.ok(k.evaluate(args).notApplicable);
  assert.deepEqual(tokensOf(tokenCall()), { accessToken: 'at', idToken: 'idt', refreshToken: 'rt' });
});

test('id-token-verified: a tampered id_token logs nobody in; no code exchange is not applicable', () => {
  const k = idTokenVerified;
  assert.deepEqual([k.kind, k.level], ['id-token-verified', 'MUST']);
  const args = { app: 'store', defect: 'another nonce', user: 'alice@example.com', proof: 'alice@example.com' };
  assert.equal(k.evaluate({ ...args, exchange: tokenCall(), after: ex({ path: '/oauth-redirect', status: 401, resBody: 'login failed' }) }).ok, true);
  const accepted = k.evaluate({ ...args, exchange: tokenCall(), after: page('cart of alice@example.com') });
  assert.deepEqual([accepted.ok, accepted.actual], [false, 'an id_token with another nonce was accepted: the browser is logged in as alice@example.com']);
  assert.ok(k.evaluate({ ...args, after: page('cart of alice@example.com') }).notApplicable);
});

test('code-redirect: back to the redirect_uri with a code and the same state', () => {
  const k = codeRedirect;
  assert.deepEqual([k.kind, k.level], ['code-redirect', 'MUST']);
  const a = authorize();
  const r = (loc: string | undefined) => ex({ from: 'Browser', to: 'FusionAuth', method: 'POST', path: '/oauth2/authorize', status: 302, resHeaders: loc ? { location: loc } : {} });
  assert.equal(k.evaluate({ authorize: a, redirect: r(`${RU}?code=c1&state=st-123&userState=Authenticated`) }).ok, true);
  assert.match(k.evaluate({ authorize: a, redirect: r(`${RU}?code=c1&state=other`) }).actual, /state came back different/);
  assert.match(k.evaluate({ authorize: a, redirect: r(`http://store.example.test/x?code=c1&state=st-123`) }).actual, /not the redirect_uri/);
  assert.match(k.evaluate({ authorize: a, redirect: r(`${RU}?error=access_denied&state=st-123`) }).actual, /no code in the redirect \(access_denied\)/);
  assert.match(k.evaluate({ authorize: a, redirect: r(undefined) }).actual, /without a Location/);
  assert.equal(k.evaluate({ authorize: a }).ok, false);
});

test('sso-login: fusionauth.sso sent, a redirect with a code and no form', () => {
  const k = ssoLogin;
  assert.deepEqual([k.kind, k.level], ['sso-login', 'MUST']);
  const call = (cookie: string | undefined, status: number, loc?: string) => ex({ to: 'FusionAuth', path: '/oauth2/authorize?x=1', headers: cookie ? { cookie } : {}, status, resHeaders: loc ? { location: loc } : {} });
  assert.equal(k.evaluate({ app: 'forums', authorize: call('fusionauth.sso=abc; fusionauth.locale=en', 302, 'http://forums.example.test/oauth-redirect?code=c') }).ok, true);
  assert.match(k.evaluate({ app: 'forums', authorize: call('fusionauth.locale=en', 200) }).actual, /no fusionauth\.sso cookie to FusionAuth \(cookies: fusionauth\.locale\)/);
  assert.match(k.evaluate({ app: 'forums', authorize: call('fusionauth.sso=abc', 200) }).actual, /200 \(its login form\)/);
  assert.equal(k.evaluate({ app: 'forums' }).ok, false);
});

test('own-cookies: none of the other app\'s cookies are sent', () => {
  const k = appCookiesSeparate;
  assert.deepEqual([k.kind, k.level], ['own-cookies', 'MUST']);
  assert.equal(k.evaluate({ app: 'forums', request: ex({ host: 'forums.example.test' }), foreign: ['sid'] }).actual, 'no cookies sent');
  assert.equal(k.evaluate({ app: 'forums', request: ex({ headers: { cookie: 'sid=1' } }), foreign: ['sid'] }).ok, false);
  assert.equal(k.evaluate({ app: 'forums', request: ex({ headers: { cookie: 'fsid=1' } }), foreign: ['sid'] }).ok, true);
  assert.equal(k.evaluate({ app: 'forums', foreign: [] }).ok, false);
});

// Added for the mutation slice of oauth.ts (docs/mutation-testing.md): every outcome written
// out (ok, the sentence, which exchanges are evidence, the not-applicable reason), and the
// name and `ensures` of each check, so an emptied message or a dropped evidence list is noticed.

const named = new Map<Exchange, string>();
const n = <E extends Exchange>(name: string, e: E): E => (named.set(e, name), e);
const outcome = (o: { ok: boolean; actual: string; evidence: Exchange[]; notApplicable?: string }) => [o.ok, o.actual, o.evidence.map((e) => named.get(e) ?? '?'), ...(o.notApplicable !== undefined ? ['N/A'] : [])];

const X = {
  auth: n('auth', authorize()),
  authNone: n('authNone', authorize({ response_type: undefined, client_id: undefined, redirect_uri: undefined, scope: undefined, state: undefined, code_challenge: undefined, code_challenge_method: undefined })),
  authBadRu: n('authBadRu', authorize({ redirect_uri: 'not a url' })),
  authErr: n('authErr', ex({ to: 'FusionAuth', path: `/oauth2/authorize?${authorizeQuery()}`, error: 'ECONNRESET' })),
  authShort: n('authShort', authorize({ code_challenge: `${CHALLENGE}x` })),
  authLoose: n('authLoose', authorize({ code_challenge: `!${CHALLENGE.slice(1)}` })),
  cb: n('cb', ex({ path: '/oauth-redirect?code=c1&state=s', status: 302, resHeaders: { location: '/cart' } })),
  cbErr: n('cbErr', ex({ path: '/oauth-redirect?code=c&state=forged', error: 'socket hang up' })),
  after: n('after', page('please log in')),
  bobPage: n('bobPage', page('cart of bob@example.com')),
  token: n('token', tokenCall()),
  token400: n('token400', tokenCall({ status: 400 })),
  tokenErr: n('tokenErr', ex({ from: 'Store', to: 'FusionAuth', method: 'POST', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=c1', error: 'ETIMEDOUT' })),
  storeEcho: n('storeEcho', ex({ from: 'Store', to: 'FusionAuth', path: '/api/user', status: 200, resBody: 'client_secret=s3cret' })),
  storeCodeGet: n('storeCodeGet', ex({ from: 'Store', to: 'FusionAuth', path: '/api/x?code=c1', status: 200 })),
  browserNoAnswer: n('browserNoAnswer', ex({ path: '/oauth-redirect?code=c1', error: 'ECONNREFUSED' })),
  hackerLeak: n('hackerLeak', ex({ from: 'Hacker', method: 'POST', path: '/debug?x=1', status: 200, resHeaders: { 'x-secret': 's3cret' } })),
  browserToken1: n('browserToken1', tokenCall({ from: 'Browser' })),
  browserToken2: n('browserToken2', tokenCall({ from: 'Hacker' })),
  toStore1: n('toStore1', ex({ path: '/a' })),
  toStore2: n('toStore2', ex({ path: '/b' })),
  toStore3: n('toStore3', ex({ path: '/c' })),
};

test('oauth checks: names and ensures, written out', () => {
  const a = { app: 'store', clientId: 'cid', host: 'store.example.test', caller: 'Store', user: 'alice@example.com', attacker: 'bob@example.com', defect: 'another nonce' } as never;
  assert.deepEqual(
    [authorizeRequest, pkceS256, stateChecked, stateBound, codeExchangedServerSide, codeExchangedOnce, tokenRequest, idTokenVerified, codeRedirect, ssoLogin, appCookiesSeparate].map((k) => [k.name, k.ensures(a)]),
    [
      ["authorizationRequestWellFormed", "store sends the browser to FusionAuth's GET /oauth2/authorize with response_type=code, its client_id (cid), a redirect_uri on its own host (store.example.test) and a scope with openid"],
      ["usesPkceS256", "store protects the code with PKCE (RFC 7636): a code_challenge with code_challenge_method=S256 (RFC 9700 §2.1.1 recommends it for confidential clients too)"],
      ["callbackStateChecked", "store sends a state with its authorization request and refuses a callback whose state it did not issue (login CSRF, RFC 6749 §10.12): a code for bob@example.com with a forged state does not log the browser in"],
      ["callbackStateBoundToBrowser", "store binds the state to the browser that started the login (a cookie or a pre-login session): a callback carrying the state and code of bob@example.com's login, made in another browser, does not log this browser in"],
      ["codeExchangedByBackend", "Store exchanges the code itself, server to server (POST /oauth2/token), and its client secret never reaches the browser"],
      ["codeExchangedOnce", "Store exchanges each code once (RFC 6749 §4.1.2: a code is single-use; FusionAuth revokes what was issued for a code used twice)"],
      ["tokenRequestComplete", "Store's code exchange is what FusionAuth requires: a form body with grant_type=authorization_code, the code, the redirect_uri of the authorization request, client authentication as cid (Basic or client_secret), and the code_verifier when a code_challenge was sent; FusionAuth answers 200"],
      ["idTokenVerified", "store verifies the id_token of the code exchange (signature, iss, aud, nonce: OIDC Core 3.1.3.7) and does not log alice@example.com in on one with another nonce"],
      ["codeReturnedToRedirectUri", "FusionAuth sends the browser back to the redirect_uri of the authorization request with a code and the same state"],
      ["ssoLoginWithoutPassword", "while FusionAuth's SSO session lives, the browser's visit to /oauth2/authorize for store carries the fusionauth.sso cookie and comes straight back with a code, no login form"],
      ["appsKeepTheirOwnCookies", "single sign-on goes through FusionAuth, not shared cookies: the browser sends store none of the other application's cookies"],
    ],
  );
});

test('oauth checks: every outcome written out', () => {
  const app = { app: 'store', clientId: CLIENT, host: 'store.example.test' };
  const bob = { app: 'store', attacker: 'bob@example.com', attackerProof: 'bob@example.com' };
  const code = { app: 'store', caller: 'Store', code: 'c1', clientSecret: 's3cret' };
  const tok = { app: 'store', caller: 'Store', clientId: CLIENT, authorize: X.auth };
  const idt = { app: 'store', defect: 'another nonce', user: 'alice@example.com', proof: 'alice@example.com' };
  const redirect = (loc: string | undefined, o: { error?: string } = {}) => n(`redirect ${loc}`, ex({ from: 'Browser', to: 'FusionAuth', method: 'POST', path: '/oauth2/authorize', ...(o.error ? { error: o.error } : { status: 302 }), resHeaders: loc ? { location: loc } : {} }));
  const sso = (cookie: string | undefined, status: number | undefined, loc?: string) => n(`sso ${cookie} ${status} ${loc}`, ex({ to: 'FusionAuth', path: '/oauth2/authorize?x=1', headers: cookie ? { cookie } : {}, ...(status ? { status } : { error: 'EPIPE' }), resHeaders: loc ? { location: loc } : {} }));
  const req = (cookie: string | undefined) => n(`req ${cookie}`, ex({ host: 'forums.example.test', headers: cookie ? { cookie } : {} }));
  const cases: [string, ReturnType<typeof outcome>][] = [
    ['authorize ok', outcome(authorizeRequest.evaluate({ ...app, request: X.auth }))],
    ['authorize none', outcome(authorizeRequest.evaluate({ ...app, request: X.authNone }))],
    ['authorize bad ru', outcome(authorizeRequest.evaluate({ ...app, request: X.authBadRu }))],
    ['authorize no answer', outcome(authorizeRequest.evaluate({ ...app, request: X.authErr }))],
    ['authorize missing', outcome(authorizeRequest.evaluate(app))],
    ['pkce ok', outcome(pkceS256.evaluate({ ...app, request: X.auth }))],
    ['pkce none', outcome(pkceS256.evaluate({ ...app, request: X.authNone }))],
    ['pkce 44', outcome(pkceS256.evaluate({ ...app, request: X.authShort }))],
    ['pkce bad char', outcome(pkceS256.evaluate({ ...app, request: X.authLoose }))],
    ['pkce missing', outcome(pkceS256.evaluate(app))],
    ['state ok', outcome(stateChecked.evaluate({ ...bob, authorize: X.auth, callback: X.cbErr, after: X.after }))],
    ['state no authorize', outcome(stateChecked.evaluate({ ...bob, callback: X.cbErr, after: X.after }))],
    ['state none sent', outcome(stateChecked.evaluate({ ...bob, authorize: X.authNone, callback: X.cbErr, after: X.after }))],
    ['state no callback', outcome(stateChecked.evaluate({ ...bob, authorize: X.auth, after: X.after }))],
    ['state accepted', outcome(stateChecked.evaluate({ ...bob, authorize: X.auth, callback: X.cb, after: X.bobPage }))],
    ['bound ok', outcome(stateBound.evaluate({ ...bob, otherState: 's', callback: X.cbErr, after: X.after }))],
    ['bound ok 302', outcome(stateBound.evaluate({ ...bob, otherState: 's', callback: X.cb }))],
    ['bound accepted', outcome(stateBound.evaluate({ ...bob, otherState: 's', callback: X.cb, after: X.bobPage }))],
    ['bound no callback', outcome(stateBound.evaluate({ ...bob, otherState: 's' }))],
    ['bound na', outcome(stateBound.evaluate({ ...bob, callback: X.cb }))],
    ['server ok', outcome(codeExchangedServerSide.evaluate({ ...code, exchanges: [X.cb, X.storeEcho, X.browserNoAnswer, X.storeCodeGet, X.token] }))],
    ['server leak', outcome(codeExchangedServerSide.evaluate({ ...code, exchanges: [X.cb, X.hackerLeak, X.token] }))],
    ['server browser 1', outcome(codeExchangedServerSide.evaluate({ ...code, exchanges: [X.cb, X.browserToken1] }))],
    ['server browser 2', outcome(codeExchangedServerSide.evaluate({ ...code, exchanges: [X.browserToken1, X.browserToken2, X.token] }))],
    ['server never', outcome(codeExchangedServerSide.evaluate({ ...code, exchanges: [X.toStore1, X.storeCodeGet, X.toStore2, X.toStore3, X.token400] .map((e) => e) , code: 'c9' }))],
    ['server never, a GET with the code', outcome(codeExchangedServerSide.evaluate({ ...code, exchanges: [X.toStore1, X.storeCodeGet] }))],
    ['server no code', outcome(codeExchangedServerSide.evaluate({ ...code, code: undefined, exchanges: [X.token] }))],
    ['once ok', outcome(codeExchangedOnce.evaluate({ ...code, exchanges: [X.storeCodeGet, X.token] }))],
    ['once twice', outcome(codeExchangedOnce.evaluate({ ...code, exchanges: [X.token, X.tokenErr] }))],
    ['once no answer', outcome(codeExchangedOnce.evaluate({ ...code, exchanges: [X.tokenErr] }))],
    ['once na', outcome(codeExchangedOnce.evaluate({ ...code, exchanges: [X.storeCodeGet] }))],
    ['once no code', outcome(codeExchangedOnce.evaluate({ ...code, code: undefined, exchanges: [X.token] }))],
    ['token ok', outcome(tokenRequest.evaluate({ ...tok, exchange: X.token }))],
    ['token no verifier asked', outcome(tokenRequest.evaluate({ ...tok, authorize: X.authNone, exchange: n('noVerifier', tokenCall({ body: { grant_type: 'authorization_code', code: 'c1', client_id: CLIENT, client_secret: 's' } })) }))],
    ['token query', outcome(tokenRequest.evaluate({ ...tok, exchange: n('query', ex({ from: 'Store', to: 'FusionAuth', method: 'POST', path: '/oauth2/token?code=c1', status: 200 })) }))],
    ['token query secret', outcome(tokenRequest.evaluate({ ...tok, authorize: X.authNone, exchange: n('querySecret', ex({ from: 'Store', to: 'FusionAuth', method: 'POST', path: '/oauth2/token?client_secret=s', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=authorization_code&client_id=${CLIENT}&client_secret=s`, status: 200 })) }))],
    ['token post no id', outcome(tokenRequest.evaluate({ ...tok, authorize: X.authNone, exchange: n('postNoId', tokenCall({ body: { grant_type: 'authorization_code', client_secret: 's' } })) }))],
    ['token no answer', outcome(tokenRequest.evaluate({ ...tok, exchange: X.tokenErr }))],
    ['token na', outcome(tokenRequest.evaluate(tok))],
    ['id ok', outcome(idTokenVerified.evaluate({ ...idt, exchange: X.token, after: X.after }))],
    ['id ok no answer', outcome(idTokenVerified.evaluate({ ...idt, exchange: X.token, after: X.cbErr }))],
    ['id ok no page', outcome(idTokenVerified.evaluate({ ...idt, exchange: X.token }))],
    ['id accepted', outcome(idTokenVerified.evaluate({ ...idt, exchange: X.token, after: n('alicePage', page('cart of alice@example.com')) }))],
    ['id na', outcome(idTokenVerified.evaluate({ ...idt, after: X.after }))],
    ['redirect ok', outcome(codeRedirect.evaluate({ authorize: X.auth, redirect: redirect(`${RU}?code=c1&state=st-123`) }))],
    ['redirect ok no state', outcome(codeRedirect.evaluate({ authorize: X.authNone, redirect: redirect('http://a.example.test/x?code=c1') }))],
    ['redirect none', outcome(codeRedirect.evaluate({ authorize: X.auth }))],
    ['redirect none at all', outcome(codeRedirect.evaluate({}))],
    ['redirect no location', outcome(codeRedirect.evaluate({ authorize: X.auth, redirect: redirect(undefined) }))],
    ['redirect no answer', outcome(codeRedirect.evaluate({ authorize: X.auth, redirect: redirect(undefined, { error: 'EPIPE' }) }))],
    ['redirect relative', outcome(codeRedirect.evaluate({ authorize: X.auth, redirect: redirect('/oauth-redirect?code=c1') }))],
    ['redirect elsewhere', outcome(codeRedirect.evaluate({ authorize: X.auth, redirect: redirect('http://evil.example.test/cb?code=c1&state=st-123') }))],
    ['redirect no code', outcome(codeRedirect.evaluate({ authorize: X.auth, redirect: redirect(`${RU}?state=st-123`) }))],
    ['redirect error', outcome(codeRedirect.evaluate({ authorize: X.auth, redirect: redirect(`${RU}?error=access_denied`) }))],
    ['redirect state', outcome(codeRedirect.evaluate({ authorize: X.auth, redirect: redirect(`${RU}?code=c1`) }))],
    ['sso ok', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('a=1;fusionauth.sso=x', 302, 'http://f/cb?code=c') }))],
    ['sso ok 2', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('a=1;  fusionauth.sso=x', 303, 'http://f/cb?x=1&code=c') }))],
    ['sso no cookie', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('a=1;b=2', 302, 'http://f/cb?code=c') }))],
    ['sso no cookies', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso(undefined, 302, 'http://f/cb?code=c') }))],
    ['sso not the name', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('xfusionauth.sso=1', 302, 'http://f/cb?code=c') }))],
    ['sso form', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('fusionauth.sso=x', 200) }))],
    ['sso 300', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('fusionauth.sso=x', 300, 'http://f/cb?code=c') }))],
    ['sso 399', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('fusionauth.sso=x', 399, 'http://f/cb?code=c') }))],
    ['sso 299', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('fusionauth.sso=x', 299, 'http://f/cb?code=c') }))],
    ['sso 400', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('fusionauth.sso=x', 400, 'http://f/cb?code=c') }))],
    ['sso no code', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('fusionauth.sso=x', 302, 'http://f/cb?xcode=c') }))],
    ['sso no answer', outcome(ssoLogin.evaluate({ app: 'forums', authorize: sso('fusionauth.sso=x', undefined) }))],
    ['sso missing', outcome(ssoLogin.evaluate({ app: 'forums' }))],
    ['own none', outcome(appCookiesSeparate.evaluate({ app: 'forums', request: req(undefined), foreign: ['sid'] }))],
    ['own some', outcome(appCookiesSeparate.evaluate({ app: 'forums', request: req('a=1;b=2'), foreign: ['sid'] }))],
    ['own leaked', outcome(appCookiesSeparate.evaluate({ app: 'forums', request: req('sid=1;  store=2'), foreign: ['sid', 'store'] }))],
    ['own missing', outcome(appCookiesSeparate.evaluate({ app: 'forums', foreign: ['sid'] }))],
  ];
  assert.deepEqual(Object.fromEntries(cases), {
    "authorize ok": [true, "response_type=code, client_id, redirect_uri http://store.example.test/oauth-redirect, scope \"openid offline_access\"; FusionAuth answered 200", ["auth"]],
    "authorize none": [false, "the authorization request has response_type=(none), client_id=(none), redirect_uri=(none), scope=(none)", ["authNone"]],
    "authorize bad ru": [false, "the authorization request has redirect_uri=not a url", ["authBadRu"]],
    "authorize no answer": [true, "response_type=code, client_id, redirect_uri http://store.example.test/oauth-redirect, scope \"openid offline_access\"; FusionAuth answered ECONNRESET", ["authErr"]],
    "authorize missing": [false, "the browser never reached FusionAuth's /oauth2/authorize: store's login did not send it there", []],
    "pkce ok": [true, "code_challenge with S256", ["auth"]],
    "pkce none": [false, "no code_challenge in the authorization request", ["authNone"]],
    "pkce 44": [false, "the code_challenge is not a base64url SHA-256 (44 characters)", ["authShort"]],
    "pkce bad char": [false, "the code_challenge is not a base64url SHA-256 (43 characters)", ["authLoose"]],
    "pkce missing": [true, "not checked: the browser never reached /oauth2/authorize (see authorize-request)", [], "N/A"],
    "state ok": [true, "state sent; the forged callback answered socket hang up and the browser is not logged in as bob@example.com", ["auth", "cbErr", "after"]],
    "state no authorize": [false, "the browser never reached /oauth2/authorize, so no login was started to protect", []],
    "state none sent": [false, "store sent no state to FusionAuth: it cannot tell its own callbacks from forged ones", ["authNone"]],
    "state no callback": [false, "the forged callback was not made", []],
    "state accepted": [false, "the callback with bob@example.com's code and a forged state logged the browser in as bob@example.com", ["cb", "bobPage"]],
    "bound ok": [true, "the replayed callback answered socket hang up; the browser is not logged in as bob@example.com", ["cbErr", "after"]],
    "bound ok 302": [true, "the replayed callback answered 302; the browser is not logged in as bob@example.com", ["cb"]],
    "bound accepted": [false, "the callback with bob@example.com's code and the state issued to bob@example.com's browser logged this browser in as bob@example.com: the state is not bound to the browser", ["cb", "bobPage"]],
    "bound no callback": [false, "the replayed callback was not made", []],
    "bound na": [true, "not checked: store issued no state to the other browser, so there is no state to replay (see state-checked)", [], "N/A"],
    "server ok": [true, "Store → FusionAuth POST /oauth2/token with the code; no secret in the browser", ["token"]],
    "server leak": [false, "Store's client secret is in its answer to the browser (POST /debug)", ["hackerLeak"]],
    "server browser 1": [false, "the browser exchanged the code at FusionAuth itself (1 call)", ["browserToken1"]],
    "server browser 2": [false, "the browser exchanged the code at FusionAuth itself (2 calls)", ["browserToken1", "browserToken2"]],
    "server never": [false, "Store never exchanged the code at FusionAuth's /oauth2/token", ["toStore1", "toStore2"]],
    "server never, a GET with the code": [false, "Store never exchanged the code at FusionAuth's /oauth2/token", ["toStore1"]],
    "server no code": [false, "FusionAuth handed the browser no code to exchange", []],
    "once ok": [true, "exchanged once (FusionAuth answered 200)", ["token"]],
    "once twice": [false, "the code was exchanged 2 times (FusionAuth answered 200, ETIMEDOUT)", ["token", "tokenErr"]],
    "once no answer": [true, "exchanged once (FusionAuth answered ETIMEDOUT)", ["tokenErr"]],
    "once na": [true, "not checked: the code was not exchanged (see code-exchanged-server-side)", [], "N/A"],
    "once no code": [true, "not checked: the code was not exchanged (see code-exchanged-server-side)", [], "N/A"],
    "token ok": [true, "grant_type=authorization_code, redirect_uri, client_secret_post, code_verifier; 200", ["token"]],
    "token no verifier asked": [true, "grant_type=authorization_code, redirect_uri, client_secret_post; 200", ["noVerifier"]],
    "token query": [false, "parameters in the query string; grant_type=(none in the body); redirect_uri=(none) (the authorization request said http://store.example.test/oauth-redirect); no client authentication; no code_verifier, though a code_challenge was sent", ["query"]],
    "token query secret": [false, "parameters in the query string", ["querySecret"]],
    "token post no id": [false, "client_id=(none)", ["postNoId"]],
    "token no answer": [false, "redirect_uri=(none) (the authorization request said http://store.example.test/oauth-redirect); no client authentication; no code_verifier, though a code_challenge was sent; FusionAuth answered ETIMEDOUT", ["tokenErr"]],
    "token na": [true, "not checked: the backend made no code exchange (see code-exchanged-server-side)", [], "N/A"],
    "id ok": [true, "refused: the browser got 200, not alice@example.com's page", ["token", "after"]],
    "id ok no answer": [true, "refused: the browser got socket hang up, not alice@example.com's page", ["token", "cbErr"]],
    "id ok no page": [true, "refused: the browser got no page, not alice@example.com's page", ["token"]],
    "id accepted": [false, "an id_token with another nonce was accepted: the browser is logged in as alice@example.com", ["token", "alicePage"]],
    "id na": [true, "not checked: the backend made no code exchange, so it got no id_token to verify (see code-exchanged-server-side)", [], "N/A"],
    "redirect ok": [true, "302 to http://store.example.test/oauth-redirect with a code and the state", ["auth", "redirect http://store.example.test/oauth-redirect?code=c1&state=st-123"]],
    "redirect ok no state": [true, "302 to http://a.example.test/x with a code", ["authNone", "redirect http://a.example.test/x?code=c1"]],
    "redirect none": [false, "FusionAuth did not redirect the browser back with a code", ["auth"]],
    "redirect none at all": [false, "FusionAuth did not redirect the browser back with a code", []],
    "redirect no location": [false, "FusionAuth answered 302 without a Location", ["redirect undefined"]],
    "redirect no answer": [false, "FusionAuth answered EPIPE without a Location", ["redirect undefined"]],
    "redirect relative": [false, "Location /oauth-redirect?code=c1 is not an absolute URL", ["redirect /oauth-redirect?code=c1"]],
    "redirect elsewhere": [false, "redirected to http://evil.example.test/cb, not the redirect_uri http://store.example.test/oauth-redirect", ["redirect http://evil.example.test/cb?code=c1&state=st-123"]],
    "redirect no code": [false, "no code in the redirect (no error either)", ["redirect http://store.example.test/oauth-redirect?state=st-123"]],
    "redirect error": [false, "no code in the redirect (access_denied)", ["redirect http://store.example.test/oauth-redirect?error=access_denied"]],
    "redirect state": [false, "the state came back different", ["redirect http://store.example.test/oauth-redirect?code=c1"]],
    "sso ok": [true, "fusionauth.sso sent; 302 back with a code, no form", ["sso a=1;fusionauth.sso=x 302 http://f/cb?code=c"]],
    "sso ok 2": [true, "fusionauth.sso sent; 303 back with a code, no form", ["sso a=1;  fusionauth.sso=x 303 http://f/cb?x=1&code=c"]],
    "sso no cookie": [false, "the browser sent no fusionauth.sso cookie to FusionAuth (cookies: a, b)", ["sso a=1;b=2 302 http://f/cb?code=c"]],
    "sso no cookies": [false, "the browser sent no fusionauth.sso cookie to FusionAuth (cookies: none)", ["sso undefined 302 http://f/cb?code=c"]],
    "sso not the name": [false, "the browser sent no fusionauth.sso cookie to FusionAuth (cookies: xfusionauth.sso)", ["sso xfusionauth.sso=1 302 http://f/cb?code=c"]],
    "sso form": [false, "FusionAuth answered 200 (its login form) instead of a redirect with a code", ["sso fusionauth.sso=x 200 undefined"]],
    "sso 300": [true, "fusionauth.sso sent; 300 back with a code, no form", ["sso fusionauth.sso=x 300 http://f/cb?code=c"]],
    "sso 399": [true, "fusionauth.sso sent; 399 back with a code, no form", ["sso fusionauth.sso=x 399 http://f/cb?code=c"]],
    "sso 299": [false, "FusionAuth answered 299 instead of a redirect with a code", ["sso fusionauth.sso=x 299 http://f/cb?code=c"]],
    "sso 400": [false, "FusionAuth answered 400 instead of a redirect with a code", ["sso fusionauth.sso=x 400 http://f/cb?code=c"]],
    "sso no code": [false, "FusionAuth answered 302 instead of a redirect with a code", ["sso fusionauth.sso=x 302 http://f/cb?xcode=c"]],
    "sso no answer": [false, "FusionAuth answered EPIPE instead of a redirect with a code", ["sso fusionauth.sso=x undefined undefined"]],
    "sso missing": [false, "the browser never reached FusionAuth's /oauth2/authorize for forums", []],
    "own none": [true, "no cookies sent", ["req undefined"]],
    "own some": [true, "cookies sent: a, b (none of the other app's)", ["req a=1;b=2"]],
    "own leaked": [false, "forums received sid, store", ["req sid=1;  store=2"]],
    "own missing": [false, "the browser made no request to forums", []],
  });
});

test('oauth helpers exactly: query, form, authorize and code-exchange calls, client authentication, tokens, Set-Cookie names', () => {
  const e = (o: Parameters<typeof ex>[0]) => ex({ to: 'FusionAuth', ...o });
  assert.deepEqual([...queryOf(e({ path: '/x?a=1&b=2' }))], [['a', '1'], ['b', '2']]);
  assert.deepEqual([...queryOf(e({ path: '?a=1' }))], [['a', '1']]);
  assert.deepEqual([...queryOf(e({ path: '/x' }))], []);
  assert.deepEqual([...queryOf(undefined)], []);
  assert.deepEqual([...formOf(e({ method: 'POST', body: 'a=1' }))], [['a', '1']], 'no content type: read as a form');
  assert.deepEqual([...formOf(e({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: 'a=1' }))], [['a', '1']]);
  assert.deepEqual([...formOf(e({ method: 'POST', headers: { 'content-type': 'application/json' }, body: 'a=1' }))], []);
  assert.deepEqual([...formOf(e({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }))], []);
  assert.deepEqual([...formOf(undefined)], []);
  assert.deepEqual(
    [e({ path: '/oauth2/authorize?x=1' }), e({ method: 'POST', path: '/oauth2/authorize' }), ex({ to: 'Store', path: '/oauth2/authorize' }), e({ path: '/oauth2/authorized' })].map((x) => [isAuthorizeCall(x), isAuthorizeCall(x, 'POST')]),
    [[true, false], [false, true], [false, false], [false, false]],
  );
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const calls = [
    e({ method: 'POST', path: '/oauth2/token', headers: form, body: 'grant_type=authorization_code&code=c1' }),
    e({ method: 'POST', path: '/oauth2/token?grant_type=authorization_code&code=c2' }),
    e({ method: 'POST', path: '/oauth2/token', headers: form, body: 'grant_type=refresh_token&code=c3' }),
    e({ method: 'GET', path: '/oauth2/token?grant_type=authorization_code&code=c4' }),
    ex({ to: 'Store', method: 'POST', path: '/oauth2/token', headers: form, body: 'grant_type=authorization_code&code=c5' }),
    e({ method: 'POST', path: '/oauth2/tokens', headers: form, body: 'grant_type=authorization_code&code=c6' }),
    e({ method: 'POST', path: '/oauth2/token', headers: form, body: 'code=c7' }),
  ];
  assert.deepEqual(calls.map((x) => [isCodeExchange(x), codeOf(x)]), [[true, 'c1'], [true, 'c2'], [false, 'c3'], [false, 'c4'], [false, 'c5'], [false, 'c6'], [false, 'c7']]);
  assert.equal(codeOf(e({ path: '/x' })), undefined);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  assert.deepEqual(clientAuthOf(e({ headers: { authorization: `Basic   ${b64('a%3Ab:s:t%25')}` } })), { method: 'client_secret_basic', clientId: 'a:b', secret: 's:t%' });
  assert.deepEqual(clientAuthOf(e({ headers: { authorization: `xBasic ${b64('a:b')}` }, body: 'client_id=p' })), { method: 'none', clientId: 'p' });
  assert.deepEqual(clientAuthOf(e({ headers: { authorization: `Basic` }, body: 'client_id=p&client_secret=q' })), { method: 'client_secret_post', clientId: 'p', secret: 'q' });
  assert.deepEqual(clientAuthOf(e({ body: 'client_secret=q' })), { method: 'client_secret_post', clientId: undefined, secret: 'q' });
  assert.deepEqual(clientAuthOf(e({})), { method: 'none', clientId: undefined });
  const answer = (status: number | undefined, body?: string) => e({ ...(status ? { status } : { error: 'x' }), ...(body !== undefined ? { resBody: body } : {}) });
  assert.deepEqual(tokensOf(answer(200, '{"access_token":"a","id_token":"i","refresh_token":"r","x":1}')), { accessToken: 'a', idToken: 'i', refreshToken: 'r' });
  assert.deepEqual(tokensOf(answer(400, '{"access_token":"a"}')), {});
  assert.deepEqual(tokensOf(answer(undefined)), {});
  assert.deepEqual(tokensOf(answer(200, 'not json')), {});
  assert.deepEqual(tokensOf(answer(200)), {});
  assert.deepEqual(tokensOf(undefined), {});
  assert.deepEqual(cookieNamesSet(e({ status: 200, resHeaders: { 'set-cookie': [' a=1; Path=/', 'b=2'] } })), ['a', 'b']);
  assert.deepEqual(cookieNamesSet(e({ status: 200 })), []);
  assert.deepEqual(cookieNamesSet(e({ error: 'x' })), []);
  assert.deepEqual(cookieNamesSet(undefined), []);
});

test('oauth checks: the survivors of the second slice (evidence of a plain PKCE method, whose code exchange counts)', () => {
  const args = { app: 'store', clientId: CLIENT, host: 'store.example.test' };
  const plain = authorize({ code_challenge_method: 'plain' });
  assert.deepEqual(pkceS256.evaluate({ ...args, request: plain }), { ok: false, actual: 'code_challenge_method=plain', evidence: [plain] });
  const code = { app: 'store', caller: 'Store', code: 'c1', clientSecret: 's3cret' };
  // Another app exchanging this code is not the caller exchanging it.
  const forums = tokenCall({ from: 'Forums' });
  assert.deepEqual(codeExchangedServerSide.evaluate({ ...code, exchanges: [forums] }), { ok: false, actual: "Store never exchanged the code at FusionAuth's /oauth2/token", evidence: [] });
  // Only exchanges of this code count; with no code known, none does.
  const c1 = tokenCall();
  const c2 = tokenCall({ body: { grant_type: 'authorization_code', code: 'c2' } });
  assert.deepEqual(codeExchangedOnce.evaluate({ ...code, exchanges: [c1, c2] }), { ok: true, actual: 'exchanged once (FusionAuth answered 200)', evidence: [c1] });
  const noCode = tokenCall({ body: { grant_type: 'authorization_code' } });
  assert.equal(codeExchangedOnce.evaluate({ ...code, code: undefined, exchanges: [noCode] }).notApplicable, 'not checked: the code was not exchanged (see code-exchanged-server-side)');
});
