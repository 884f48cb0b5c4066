import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callbackNoThirdParty,
  callbackReplayRefused,
  codeInjectionRefused,
  errorCallbackExplained,
  errorCallbackNoLogin,
  noOpenRedirect,
  stateSingleUse,
  thirdPartyUrls,
  tokensNotInPages,
} from '../../harness/checks';
import { ex } from './hand-built';

/** The RFC 9700 checks at and around the redirection endpoint, on hand-built exchanges. */

const cart = (who = 'alice@example.com') => ex({ path: '/shopping-cart', status: 200, resBody: `<h1>Shopping cart of ${who}</h1>` });
const toLogin = () => ex({ path: '/shopping-cart', status: 302, resHeaders: { location: '/login' } });
const callback = (status = 400, q = 'code=c1&state=s1') => ex({ path: `/oauth-redirect?${q}`, status, resBody: status === 302 ? '' : '<h1>Error</h1>', ...(status === 302 ? { resHeaders: { location: '/shopping-cart' } } : {}) });
const who = { app: 'store', user: 'alice@example.com', proof: 'alice@example.com' };

test('callback-replay-refused (MUST): a used callback URL in another browser logs it in as nobody; needs the original login as control', () => {
  const k = callbackReplayRefused;
  assert.deepEqual([k.kind, k.level], ['callback-replay-refused', 'MUST']);
  const args = { ...who, replay: "alice@example.com's used callback URL, opened in the hacker's browser", callback: callback(400), control: cart() };
  assert.match(k.ensures(args), /RFC 9700 §4\.2, §4\.3\.1/);
  assert.equal(k.evaluate({ ...args, after: toLogin() }).actual, "alice@example.com's used callback URL, opened in the hacker's browser: 302 to /login, not alice@example.com's page (which the ordinary login showed)");
  const bad = k.evaluate({ ...args, after: cart() });
  assert.deepEqual([bad.ok, bad.actual], [false, "alice@example.com's used callback URL, opened in the hacker's browser logged the browser in as alice@example.com: 200 with \"alice@example.com\""]);
  assert.match(k.evaluate({ ...args, control: toLogin(), after: toLogin() }).notApplicable ?? '', /no positive control/);
  assert.match(k.evaluate({ ...args, after: ex({ status: 503 }) }).notApplicable ?? '', /inconclusive: store answered 503/);
  assert.equal(k.evaluate({ ...args, callback: undefined }).ok, false);
});

test('state-single-use (SHOULD): the same callback again is refused without presenting the spent code to FusionAuth', () => {
  const k = stateSingleUse;
  assert.deepEqual([k.kind, k.level], ['state-single-use', 'SHOULD']);
  const again = ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=c1', status: 400 });
  const args = { app: 'store', caller: 'Store', code: 'c1', callback: callback(400) };
  assert.equal(k.evaluate({ ...args, exchanges: [] }).actual, 'refused without a code exchange: 400');
  assert.equal(k.evaluate({ ...args, exchanges: [again] }).actual, 'the state was accepted again: Store presented the spent code to FusionAuth once more (FusionAuth answered 400)');
  assert.equal(k.evaluate({ ...args, callback: undefined, exchanges: [] }).ok, false);
  assert.ok(k.evaluate({ ...args, code: undefined, exchanges: [] }).notApplicable);
});

test("code-injection-refused (MUST): the attacker's code with this browser's own state logs it in as nobody", () => {
  const k = codeInjectionRefused;
  assert.deepEqual([k.kind, k.level], ['code-injection-refused', 'MUST']);
  const args = { app: 'store', attacker: 'bob@example.com', attackerProof: 'bob@example.com', callback: callback(401), control: cart('bob@example.com') };
  assert.match(k.ensures(args), /RFC 9700 §2\.1\.1: clients MUST prevent code injection/);
  assert.equal(k.evaluate({ ...args, after: toLogin() }).ok, true);
  assert.deepEqual([k.evaluate({ ...args, after: cart('bob@example.com') }).ok, k.evaluate({ ...args, after: cart('bob@example.com') }).actual], [false, 'the injected code of bob@example.com logged the browser in as bob@example.com: 200 with "bob@example.com"']);
  assert.ok(k.evaluate({ ...args, control: undefined, after: toLogin() }).notApplicable);
  assert.equal(k.evaluate({ ...args, callback: undefined }).ok, false);
});

test('error-callback-no-login (MUST) and error-callback-explained (SHOULD): an error=access_denied callback never logs in, and says so', () => {
  assert.deepEqual([errorCallbackNoLogin.kind, errorCallbackNoLogin.level, errorCallbackExplained.kind, errorCallbackExplained.level], ['error-callback-no-login', 'MUST', 'error-callback-explained', 'SHOULD']);
  const plainLogin = '<h1>Store</h1><p><a href="/login">Log in</a></p>';
  const cb = ex({ path: '/oauth-redirect?error=access_denied&state=s1', status: 401, resBody: '<h1>Error 401</h1><p>FusionAuth refused the login: access_denied</p><p><a href="/login">Log in</a></p>' });
  const args = { ...who, error: 'access_denied', callback: cb, control: cart(), plainLogin };
  assert.equal(errorCallbackNoLogin.evaluate({ ...args, after: toLogin() }).ok, true);
  assert.equal(errorCallbackNoLogin.evaluate({ ...args, after: cart() }).ok, false);
  assert.ok(errorCallbackNoLogin.evaluate({ ...args, control: undefined, after: toLogin() }).notApplicable);
  assert.equal(errorCallbackNoLogin.evaluate({ ...args, callback: undefined }).ok, false);
  assert.equal(errorCallbackExplained.evaluate(args).actual, '401: "Error 401"');
  const silent = ex({ path: '/', status: 200, resBody: plainLogin });
  assert.deepEqual([errorCallbackExplained.evaluate({ ...args, landing: silent }).ok, errorCallbackExplained.evaluate({ ...args, landing: silent }).actual], [false, '200: the page says nothing about the failed login']);
  assert.equal(errorCallbackExplained.evaluate({ ...args, landing: ex({ status: 500, resBody: 'Internal error.' }) }).actual, 'answered 500, a server error');
  assert.match(errorCallbackExplained.evaluate({ ...args, landing: toLogin() }).actual, /ended on a redirect \(302 to \/login\) that was not followed/);
  assert.equal(errorCallbackExplained.evaluate({ ...args, callback: undefined }).ok, false);
});

test('no-open-redirect (MUST): a return-to parameter steers on-site only; not applicable without one, or when it is not proven to steer', () => {
  const k = noOpenRedirect;
  assert.deepEqual([k.kind, k.level], ['no-open-redirect', 'MUST']);
  const landed = ex({ path: '/shopping-cart', status: 200, resBody: 'cart' });
  const hop = (location: string) => ex({ path: '/oauth-redirect?code=c&state=s', status: 302, resHeaders: { location } });
  const args = { app: 'store', allowedHosts: ['store.example.test', 'auth.example.test'], param: 'returnTo', control: { target: '/shopping-cart', landed } };
  const safe = k.evaluate({ ...args, attempts: [{ target: 'http://evil.example.test/x', redirects: [hop('/shopping-cart')] }, { target: '//evil.example.test/x', redirects: [hop('/')] }] });
  assert.deepEqual([safe.ok, safe.actual], [true, 'returnTo steers the browser on-site (/shopping-cart); http://evil.example.test/x, //evil.example.test/x never left store.example.test, auth.example.test']);
  const open = k.evaluate({ ...args, attempts: [{ target: '//evil.example.test/x', redirects: [hop('//evil.example.test/x')] }] });
  assert.deepEqual([open.ok, open.actual], [false, 'returnTo=//evil.example.test/x sent the browser to //evil.example.test/x (store.example.test answered 302)']);
  assert.match(k.evaluate({ ...args, param: undefined, attempts: [] }).notApplicable ?? '', /no return-to parameter the kit could find/);
  assert.match(k.evaluate({ ...args, control: { target: '/shopping-cart', landed: ex({ path: '/', status: 200 }) }, attempts: [] }).notApplicable ?? '', /did not bring the browser back there after login \(it landed on \/\)/);
});

test('callback-no-third-party (SHOULD): the page at the callback URL loads nothing and links nowhere off-site, unless it suppresses the Referer', () => {
  const k = callbackNoThirdParty;
  assert.deepEqual([k.kind, k.level], ['callback-no-third-party', 'SHOULD']);
  const own = ['store.example.test', 'auth.example.test'];
  assert.equal(k.evaluate({ app: 'store', ownHosts: own, callback: callback(302) }).actual, 'answered 302 to /shopping-cart: no page is rendered at the URL with the code');
  const page = (html: string, resHeaders = {}) => ex({ path: '/oauth-redirect?code=c1&state=s1', status: 200, resHeaders, resBody: html });
  const leaky = '<h1>Logging you in…</h1><script src="https://cdn.analytics.example/a.js"></script><a href="/">home</a>';
  assert.equal(k.evaluate({ app: 'store', ownHosts: own, callback: page(leaky) }).actual, '200: the page at the callback URL (code and state in it) loads or links https://cdn.analytics.example/a.js without a Referrer-Policy');
  assert.equal(k.evaluate({ app: 'store', ownHosts: own, callback: page(leaky, { 'referrer-policy': 'no-referrer' }) }).ok, true);
  assert.equal(k.evaluate({ app: 'store', ownHosts: own, callback: page('<h1>ok</h1><img src="/logo.png">') }).actual, '200: a page with no third-party resource or link');
  assert.ok(k.evaluate({ app: 'store', ownHosts: own, callback: ex({ error: 'ECONNRESET' }) }).notApplicable);
  assert.deepEqual(thirdPartyUrls('<img src="//x.example/p.gif"><a href="mailto:a@b">m</a><link href="/s.css" rel="stylesheet">', 'http://store.example.test/cb', own), ['http://x.example/p.gif']);
});

test('tokens-not-in-pages (MUST): tokens only ever in HttpOnly cookies, never in a page, another header or a script-readable cookie', () => {
  const k = tokensNotInPages;
  assert.deepEqual([k.kind, k.level], ['tokens-not-in-pages', 'MUST']);
  const T = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig';
  const setCookie = ex({ path: '/oauth-redirect', status: 302, resHeaders: { 'set-cookie': [`app_jwt=${T}; Path=/; HttpOnly`], location: '/shopping-cart' } });
  assert.equal(k.evaluate({ actor: 'Browser', tokens: [T], exchanges: [setCookie, cart()] }).actual, 'none of 1 issued tokens outside HttpOnly cookies in 2 answers');
  const inPage = ex({ path: '/shopping-cart', status: 200, resBody: `<script>const token = "${T}";</script>` });
  assert.equal(k.evaluate({ actor: 'Browser', tokens: [T], exchanges: [setCookie, inPage] }).actual, 'a token FusionAuth issued is in the page body of GET /shopping-cart (200)');
  const readable = ex({ path: '/oauth-redirect', status: 302, resHeaders: { 'set-cookie': [`app_jwt=${T}; Path=/`] } });
  assert.equal(k.evaluate({ actor: 'Browser', tokens: [T], exchanges: [readable] }).actual, 'a token FusionAuth issued is in a cookie without HttpOnly of GET /oauth-redirect (302)');
  const inHeader = ex({ path: '/api', status: 200, resHeaders: { 'x-access-token': T } });
  assert.match(k.evaluate({ actor: 'Browser', tokens: [T], exchanges: [inHeader] }).actual, /in a response header/);
  assert.ok(k.evaluate({ actor: 'Browser', tokens: [], exchanges: [inPage] }).notApplicable);
});
