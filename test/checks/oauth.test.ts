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
