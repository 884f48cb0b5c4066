import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Outcome,
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

/** An outcome as [result, what was said, how many exchanges it cites]: every part asserted. */
const v = (o: Outcome) => [o.notApplicable !== undefined ? 'na' : o.ok ? 'pass' : 'fail', o.actual, o.evidence.length];

const cart = (who = 'alice@example.com') => ex({ path: '/shopping-cart', status: 200, resBody: `<h1>Shopping cart of ${who}</h1>` });
const toLogin = () => ex({ path: '/shopping-cart', status: 302, resHeaders: { location: '/login' } });
const callback = (status = 400, q = 'code=c1&state=s1') => ex({ path: `/oauth-redirect?${q}`, status, resBody: status === 302 ? '' : '<h1>Error</h1>', ...(status === 302 ? { resHeaders: { location: '/shopping-cart' } } : {}) });
const who = { app: 'store', user: 'alice@example.com', proof: 'alice@example.com' };

test('callback-replay-refused (MUST): a used callback URL in another browser logs it in as nobody; needs the original login as control', () => {
  const k = callbackReplayRefused;
  assert.deepEqual([k.kind, k.name, k.level], ['callback-replay-refused', 'usedCallbackUrlLogsNobodyIn', 'MUST']);
  const replay = "alice@example.com's used callback URL, opened in the hacker's browser";
  const args = { ...who, replay, callback: callback(400), control: cart() };
  assert.equal(k.ensures(args), `${replay} does not log that browser in as alice@example.com (a callback URL leaks through Referer and history: RFC 9700 §4.2, §4.3.1; RFC 6749 §4.1.2, §10.5 single-use codes)`);
  assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['pass', `${replay}: 302 to /login, not alice@example.com's page (which the ordinary login showed)`, 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: cart() })), ['fail', `${replay} logged the browser in as alice@example.com: 200 with "alice@example.com"`, 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ status: 499 }) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, control: toLogin(), after: toLogin() })), ['na', 'not judged: no ordinary login of alice@example.com in this run showed "alice@example.com" (no positive control)', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ status: 500 }) })), ['na', `inconclusive: store answered 500 after ${replay} (a crash is not a refusal)`, 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ error: 'ECONNRESET' }) })), ['na', `inconclusive: no answer to the page after ${replay} (ECONNRESET)`, 2]);
  assert.deepEqual(v(k.evaluate({ ...args })), ['na', `inconclusive: no answer to the page after ${replay} (no request was made)`, 1]);
  assert.deepEqual(v(k.evaluate({ ...args, callback: undefined })), ['fail', `the replay (${replay}) was not made`, 0]);
});

test('state-single-use (SHOULD): the same callback again is refused without presenting the spent code to FusionAuth', () => {
  const k = stateSingleUse;
  assert.deepEqual([k.kind, k.name, k.level], ['state-single-use', 'stateInvalidatedAfterUse', 'SHOULD']);
  const token = (o: { from?: string; code?: string; grant?: string; status?: number } = {}) =>
    ex({ from: o.from ?? 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=${o.grant ?? 'authorization_code'}&code=${o.code ?? 'c1'}`, status: o.status ?? 400 });
  const args = { app: 'store', caller: 'Store', code: 'c1', callback: callback(400) };
  assert.equal(k.ensures({ ...args, exchanges: [] }), 'store invalidates a state at its first use: the same callback URL requested again is refused without a second code exchange (RFC 9700 §4.2.4)');
  assert.deepEqual(v(k.evaluate({ ...args, exchanges: [token({ from: 'Forums' }), token({ code: 'other' }), token({ grant: 'refresh_token' })] })), ['pass', 'refused without a code exchange: 400', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, exchanges: [token()] })), ['fail', 'the state was accepted again: Store presented the spent code to FusionAuth once more (FusionAuth answered 400)', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, exchanges: [ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=c1', error: 'ECONNRESET' })] }))[1], 'the state was accepted again: Store presented the spent code to FusionAuth once more (FusionAuth answered ECONNRESET)');
  assert.deepEqual(v(k.evaluate({ ...args, callback: undefined, exchanges: [] })), ['fail', 'the used callback URL was not requested again', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, code: undefined, exchanges: [token()] })), ['na', 'the callback URL carried no code', 1]);
});

test("code-injection-refused (MUST): the attacker's code with this browser's own state logs it in as nobody", () => {
  const k = codeInjectionRefused;
  assert.deepEqual([k.kind, k.name, k.level], ['code-injection-refused', 'injectedCodeRefused', 'MUST']);
  const args = { app: 'store', attacker: 'bob@example.com', attackerProof: 'bob@example.com', callback: callback(401), control: cart('bob@example.com') };
  assert.equal(k.ensures(args), "a code issued to bob@example.com's login, injected into this browser's callback with this browser's own state, does not log it in as bob@example.com (RFC 9700 §2.1.1: clients MUST prevent code injection; the PKCE challenge or nonce MUST be bound to the transaction and the user agent; §4.5)");
  assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['pass', "the injected code of bob@example.com: 302 to /login, not bob@example.com's page (which the ordinary login showed)", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: cart('bob@example.com') })), ['fail', 'the injected code of bob@example.com logged the browser in as bob@example.com: 200 with "bob@example.com"', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, control: undefined, after: toLogin() }))[0], 'na');
  assert.deepEqual(v(k.evaluate({ ...args, callback: undefined })), ['fail', 'the injected callback was not made', 0]);
});

test('error-callback-no-login (MUST): an error=access_denied callback never logs in', () => {
  const k = errorCallbackNoLogin;
  assert.deepEqual([k.kind, k.name, k.level], ['error-callback-no-login', 'errorResponseNeverLogsIn', 'MUST']);
  const cb = ex({ path: '/oauth-redirect?error=access_denied&state=s1', status: 401, resBody: '<h1>Error 401</h1>' });
  const args = { ...who, error: 'access_denied', callback: cb, control: cart() };
  assert.equal(k.ensures(args), 'a callback with error=access_denied (FusionAuth refused the login) never logs alice@example.com in (RFC 6749 §4.1.2.1; OIDC Core 3.1.2.6)');
  assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['pass', "the error=access_denied callback: 302 to /login, not alice@example.com's page (which the ordinary login showed)", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: cart() }))[0], 'fail');
  assert.deepEqual(v(k.evaluate({ ...args, control: undefined, after: toLogin() }))[0], 'na');
  assert.deepEqual(v(k.evaluate({ ...args, callback: undefined })), ['fail', 'the error callback was not made', 0]);
});

test('error-callback-explained (SHOULD): the error callback ends on a page that says the login failed, not a 5xx', () => {
  const k = errorCallbackExplained;
  assert.deepEqual([k.kind, k.name, k.level], ['error-callback-explained', 'errorResponseExplained', 'SHOULD']);
  const plainLogin = '<h1>Store</h1><p><a href="/login">Log in</a></p>';
  const cb = ex({ path: '/oauth-redirect?error=access_denied&state=s1', status: 401, resBody: '<h1>Error 401</h1><p>FusionAuth refused the login: access_denied</p><p><a href="/login">Log in</a></p>' });
  const args = { ...who, error: 'access_denied', callback: cb, plainLogin };
  assert.equal(k.ensures(args), 'a callback with error=access_denied is answered with a page that says the login failed (an error page, or the login page with a message), never a server error (RFC 6749 §4.1.2.1)');
  assert.deepEqual(v(k.evaluate(args)), ['pass', '401: "Error 401"', 1]);
  const landing = (body: string, status = 200) => ex({ path: '/', status, resBody: body });
  assert.deepEqual(v(k.evaluate({ ...args, landing: landing(`${plainLogin}<p class="alert">Login cancelled.</p>`) })), ['pass', '200: "Login cancelled."', 2]);
  // A message the plain login page has too says nothing new.
  assert.deepEqual(v(k.evaluate({ ...args, plainLogin: `${plainLogin}<p>Sorry, no refunds.</p>`, landing: landing(`${plainLogin}<p>Sorry, no refunds.</p>`) })), ['fail', '200: the page says nothing about the failed login', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, landing: landing(`${plainLogin}<p>Welcome back</p>`) })), ['fail', '200: the page says nothing about the failed login ("Welcome back")', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, landing: landing('<p>Something went wrong</p>') }))[0], 'fail');
  for (const word of ['Login failed', 'Access denied', 'We could not sign you in', 'Unable to log in']) assert.deepEqual(v(k.evaluate({ ...args, landing: landing(`<p>${word}</p>`) }))[0], 'pass', word);
  assert.deepEqual(v(k.evaluate({ ...args, plainLogin: undefined, landing: landing('<h1>Store</h1>') })), ['fail', '200: the page says nothing about the failed login ("Store")', 2]);
  // What the failure quotes: the first two new lines, cut at 100 characters; a pass quotes its message, cut at 120.
  assert.deepEqual(v(k.evaluate({ ...args, landing: landing(`${plainLogin}<p>one</p><p>two</p><p>three</p>`) }))[1], '200: the page says nothing about the failed login ("one two")');
  assert.deepEqual(v(k.evaluate({ ...args, landing: landing(`<p>${'x'.repeat(120)}</p>`) }))[1], `200: the page says nothing about the failed login ("${'x'.repeat(100)}")`);
  assert.deepEqual(v(k.evaluate({ ...args, landing: landing(`<p>Login failed ${'y'.repeat(150)}</p>`) }))[1], `200: "Login failed ${'y'.repeat(107)}"`);
  assert.deepEqual(v(k.evaluate({ ...args, landing: landing('Internal error.', 500) })), ['fail', 'answered 500, a server error', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, landing: landing('Error page', 499) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, landing: toLogin() })), ['fail', 'ended on a redirect (302 to /login) that was not followed to a page', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, landing: ex({ path: '/', status: 300, resBody: 'Error' }) }))[0], 'fail');
  assert.deepEqual(v(k.evaluate({ ...args, landing: ex({ path: '/', status: 400, resBody: 'Error' }) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, landing: ex({ path: '/', error: 'ECONNRESET' }) })), ['fail', 'no answer: ECONNRESET', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, callback: ex({ path: '/oauth-redirect' }) })), ['fail', 'no answer: no request was made', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, callback: undefined })), ['fail', 'the error callback was not made', 0]);
});

test('no-open-redirect (MUST): a return-to parameter steers on-site only; not applicable without one, or when it is not proven to steer', () => {
  const k = noOpenRedirect;
  assert.deepEqual([k.kind, k.name, k.level], ['no-open-redirect', 'noOpenRedirector', 'MUST']);
  const landed = ex({ path: '/shopping-cart?x=1', status: 200, resBody: 'cart' });
  const hop = (location: string, host = 'store.example.test') => ex({ host, path: '/oauth-redirect?code=c&state=s', status: 302, resHeaders: { location } });
  const args = { app: 'store', allowedHosts: ['store.example.test', 'auth.example.test'], param: 'returnTo', control: { target: '/shopping-cart', landed } };
  assert.equal(k.ensures({ ...args, attempts: [] }), 'store never sends the browser off-site to a URL taken from a query parameter (returnTo), before or after login (RFC 9700 §2.1 and §4.11.1: clients MUST NOT expose open redirectors; ASVS 4.0 V5.1.5)');
  assert.equal(k.ensures({ ...args, param: undefined, attempts: [] }), 'store never sends the browser off-site to a URL taken from a query parameter, before or after login (RFC 9700 §2.1 and §4.11.1: clients MUST NOT expose open redirectors; ASVS 4.0 V5.1.5)');
  const attempts = [
    { target: 'http://evil.example.test/x', redirects: [hop('/shopping-cart'), ex({ path: '/shopping-cart', status: 200 }), hop('http://auth.example.test/oauth2/authorize')] },
    { target: '//evil.example.test/x', redirects: [hop('/')] },
  ];
  assert.deepEqual(v(k.evaluate({ ...args, attempts })), ['pass', 'returnTo steers the browser on-site (/shopping-cart); http://evil.example.test/x, //evil.example.test/x never left store.example.test, auth.example.test', 5]);
  assert.deepEqual(v(k.evaluate({ ...args, attempts: [{ target: '//evil.example.test/x', redirects: [hop('/'), hop('//evil.example.test/x')] }] })), ['fail', 'returnTo=//evil.example.test/x sent the browser to //evil.example.test/x (store.example.test answered 302)', 2]);
  // A relative Location resolves against the host that sent it: on FusionAuth's host it stays there.
  assert.deepEqual(v(k.evaluate({ ...args, attempts: [{ target: 'x', redirects: [hop('/oauth2/authorize', 'auth.example.test')] }] }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, attempts: [{ target: 'x', redirects: [hop('/x', 'evil.example.test')] }] }))[0], 'fail');
  assert.deepEqual(v(k.evaluate({ ...args, attempts: [{ target: 'x', redirects: [hop('http://[::1/')] }] }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, param: undefined, attempts: [] })), ['na', 'store has no return-to parameter the kit could find (none in its login redirect, none of the common names honoured); name it in the config to have it judged', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, control: { target: '/shopping-cart', landed: ex({ path: '/', status: 200 }) }, attempts: [] })), ['na', 'not judged: returnTo=/shopping-cart did not bring the browser back there after login (it landed on /), so the parameter is not proven to steer redirects (no positive control)', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, control: { target: '/shopping-cart' }, attempts: [] })), ['na', 'not judged: returnTo=/shopping-cart did not bring the browser back there after login, so the parameter is not proven to steer redirects (no positive control)', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, control: undefined, attempts: [] })), ['na', 'not judged: returnTo=(an on-site path) did not bring the browser back there after login, so the parameter is not proven to steer redirects (no positive control)', 0]);
});

test('callback-no-third-party (SHOULD): the page at the callback URL loads nothing and links nowhere off-site, unless it suppresses the Referer', () => {
  const k = callbackNoThirdParty;
  assert.deepEqual([k.kind, k.name, k.level], ['callback-no-third-party', 'callbackPageLeaksNoCode', 'SHOULD']);
  const own = ['store.example.test', 'auth.example.test'];
  assert.equal(k.ensures({ app: 'store', ownHosts: own }), 'the page store renders at its redirection endpoint (the code and state in its URL) loads no third-party resource and links to no external site, unless it suppresses the Referer (RFC 9700 §4.2.4)');
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: callback(302) })), ['pass', 'answered 302 to /shopping-cart: no page is rendered at the URL with the code', 1]);
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: ex({ path: '/oauth-redirect?code=c', status: 300, resBody: '<img src="http://x.example/p">' }) }))[1], 'answered 300: no page is rendered at the URL with the code');
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: ex({ path: '/oauth-redirect?code=c', status: 400, resBody: '<img src="http://a.example/p"><img src="http://b.example/p"><img src="http://c.example/p">' }) }))[1], '400: the page at the callback URL (code and state in it) loads or links http://a.example/p, http://b.example/p, http://c.example/p without a Referrer-Policy');
  const page = (html: string, resHeaders = {}, status = 200) => ex({ path: '/oauth-redirect?code=c1&state=s1', status, resHeaders, resBody: html });
  const leaky = '<h1>Logging you in…</h1><script src="https://cdn.analytics.example/a.js"></script><a href="/">home</a>';
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: page(leaky) })), ['fail', '200: the page at the callback URL (code and state in it) loads or links https://cdn.analytics.example/a.js without a Referrer-Policy', 1]);
  const many = ['a', 'b', 'c', 'd'].map((h) => `<img src="http://${h}.example/p.gif">`).join('');
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: page(many, {}, 400) }))[1], '400: the page at the callback URL (code and state in it) loads or links http://a.example/p.gif, http://b.example/p.gif, http://c.example/p.gif and 1 more without a Referrer-Policy');
  for (const policy of ['no-referrer', 'same-origin', 'strict-origin', 'origin', 'unsafe-url, no-referrer']) assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: page(leaky, { 'referrer-policy': policy }) }))[0], 'pass', policy);
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: page(leaky, { 'referrer-policy': 'no-referrer' }) })), ['pass', '200: 1 third-party URL(s), but Referrer-Policy no-referrer keeps the code out of their Referer', 1]);
  for (const policy of ['unsafe-url', 'no-referrer-when-downgrade', 'strict-origin-when-cross-origin', 'no-referrer, unsafe-url']) assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: page(leaky, { 'referrer-policy': policy }) }))[0], 'fail', policy);
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: page(`<meta name="referrer" content="no-referrer">${leaky}`) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: page('<h1>ok</h1><img src="/logo.png"><a href="http://auth.example.test/x">FA</a>') })), ['pass', '200: a page with no third-party resource or link', 1]);
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own, callback: ex({ error: 'ECONNRESET' }) })), ['na', 'not judged: the callback was not answered (ECONNRESET)', 1]);
  assert.deepEqual(v(k.evaluate({ app: 'store', ownHosts: own })), ['na', 'not judged: the callback was not answered (no request was made)', 0]);
  assert.deepEqual(
    thirdPartyUrls('<script src="https://s.example/a.js"></script><iframe src="http://f.example/"></iframe><link href="https://l.example/s.css"><source src="http://m.example/v.mp4"><img src="//x.example/p.gif"><a href="mailto:a@b">m</a><a href="https://a.example/">a</a><link href="/s.css" rel="stylesheet"><img src="http://[bad"><img src="xhttp://x.example/p"><img src="ftp://f.example/p">', 'http://store.example.test/cb', own),
    ['https://s.example/a.js', 'http://x.example/p.gif', 'http://f.example/', 'https://l.example/s.css', 'https://a.example/', 'http://m.example/v.mp4'],
  );
});

test('tokens-not-in-pages (MUST): tokens only ever in HttpOnly cookies, never in a page, another header or a script-readable cookie', () => {
  const k = tokensNotInPages;
  assert.deepEqual([k.kind, k.name, k.level], ['tokens-not-in-pages', 'tokensOnlyInHttpOnlyCookies', 'MUST']);
  const T = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig';
  const U = 'refresh-token-value-0123456789';
  assert.equal(k.ensures({ actor: 'Browser', tokens: [], exchanges: [] }), 'no token FusionAuth issued reaches the Browser other than in an HttpOnly cookie: no page body, no other header, no script-readable cookie (the diagram keeps them in HttpOnly cookies, out of reach of JavaScript)');
  const setCookie = ex({ path: '/oauth-redirect', status: 302, resHeaders: { 'set-cookie': [`app_jwt=${T}; Path=/; HttpOnly`, `app_refresh=${U}; Path=/; HttpOnly`, 'theme=dark; Path=/'], location: '/shopping-cart' } });
  assert.deepEqual(v(k.evaluate({ actor: 'Browser', tokens: [T, U], exchanges: [setCookie, cart(), ex({ path: '/x', error: 'ECONNRESET' })] })), ['pass', 'none of 2 issued tokens outside HttpOnly cookies in 3 answers', 0]);
  const inPage = ex({ path: '/shopping-cart?x=1', status: 200, resBody: `<script>const token = "${U}";</script>` });
  assert.deepEqual(v(k.evaluate({ actor: 'Browser', tokens: [T, U], exchanges: [setCookie, inPage] })), ['fail', 'a token FusionAuth issued is in the page body of GET /shopping-cart (200)', 1]);
  const readable = ex({ path: '/oauth-redirect', status: 302, resHeaders: { 'set-cookie': [`app_jwt=${T}; Path=/`] } });
  assert.deepEqual(v(k.evaluate({ actor: 'Browser', tokens: [T], exchanges: [readable] })), ['fail', 'a token FusionAuth issued is in a cookie without HttpOnly of GET /oauth-redirect (302)', 1]);
  // The same token also in an HttpOnly cookie does not excuse a copy script can read.
  const both = ex({ path: '/oauth-redirect', status: 302, resHeaders: { 'set-cookie': [`app_jwt=${T}; Path=/; HttpOnly`, `copy=${T}; Path=/`] } });
  assert.deepEqual(v(k.evaluate({ actor: 'Browser', tokens: [T], exchanges: [both] }))[0], 'fail');
  const inHeader = ex({ path: '/api', status: 200, resHeaders: { 'x-access-token': T } });
  assert.deepEqual(v(k.evaluate({ actor: 'Browser', tokens: [T], exchanges: [inHeader] })), ['fail', 'a token FusionAuth issued is in a response header of GET /api (200)', 1]);
  assert.deepEqual(v(k.evaluate({ actor: 'Browser', tokens: [], exchanges: [inPage] })), ['na', 'FusionAuth issued no token in this scenario', 0]);
});
