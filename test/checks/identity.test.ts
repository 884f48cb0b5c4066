import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cookie } from 'tough-cookie';
import * as checks from '../../harness/checks';
import { Verifier } from '../../harness/checks';
import { type Exchange, Redactor } from '../../harness/trace';

/** What an app-side check says when the kit played the app (HTTP mode). */
const KIT_NA = { ok: true, actual: 'not checked in HTTP mode (use --browser chromium)', evidence: [], notApplicable: 'not checked in HTTP mode (use --browser chromium)' };

/** The identity, failed-login and URL-secret checks on hand-built exchanges: pass, fail, not applicable. */

let seq = 0;
function ex(o: { method?: string; path: string; status?: number; body?: string; type?: string; location?: string; setCookie?: string[]; from?: string; to?: string; steps?: number[] }): Exchange {
  const headers: Record<string, string | string[]> = {};
  if (o.type) headers['content-type'] = o.type;
  if (o.location) headers['location'] = o.location;
  if (o.setCookie) headers['set-cookie'] = o.setCookie;
  return {
    seq: ++seq,
    at: Date.now(),
    durationMs: 1,
    from: o.from ?? 'Browser',
    to: o.to ?? 'Store',
    steps: o.steps ?? [],
    request: { method: o.method ?? 'GET', host: 'store.example.test', path: o.path, headers: {} },
    response: o.status === undefined ? undefined : { status: o.status, headers, body: o.body },
    ...(o.status === undefined ? { error: 'ECONNRESET' } : {}),
  };
}

const html = (body: string) => `<!DOCTYPE html><html><body>${body}</body></html>`;
const cart = (user: string) => ex({ path: '/shopping-cart', status: 200, type: 'text/html', body: html(`<h1>Shopping cart of ${user}</h1>`) });
const LOGIN_FORM = '<form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Log in</button></form>';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ';
const SID = 'Zt3Qx8vKpL2mN7rS1wY4uA6cE9gI0oB5dF';
const SECRETS: checks.UrlSecrets = { passwords: ['password'], tokens: [JWT], sessionIds: [SID] };

function holder(response: Exchange | undefined, who = 'alice@example.com', other = 'bob@example.com'): checks.HolderArgs {
  return { what: 'store shopping cart page', holder: who, other, holderProof: `Shopping cart of ${who}`, otherProof: `Shopping cart of ${other}`, when: `after ${other} logged in`, response };
}

describe('identity binding', () => {
  test("pass: the holder's page, nothing of the other user's", () => {
    const o = checks.pageIsHolders.evaluate(holder(cart('alice@example.com')));
    assert.equal(o.ok, true, o.actual);
  });
  test("fail: the other user's page, and the evidence names both users", () => {
    const o = checks.pageIsHolders.evaluate(holder(cart('bob@example.com')));
    assert.equal(o.ok, false);
    assert.match(o.actual, /alice@example\.com/);
    assert.match(o.actual, /bob@example\.com/);
    assert.match(checks.pageIsHolders.ensures(holder(undefined)), /alice@example\.com.*bob@example\.com/);
  });
  test("fail: the holder's page that also shows the other user's email", () => {
    const r = ex({ path: '/shopping-cart', status: 200, type: 'text/html', body: html('<h1>Shopping cart of alice@example.com</h1><p>Recently: bob@example.com</p>') });
    assert.equal(checks.pageIsHolders.evaluate(holder(r)).ok, false);
  });
  test('fail: a redirect to the login page (the login of the other user ended this one)', () => {
    const o = checks.pageIsHolders.evaluate(holder(ex({ path: '/shopping-cart', status: 302, location: '/login' })));
    assert.equal(o.ok, false);
    assert.match(o.actual, /302 to \/login/);
  });
  test('fail: no answer at all', () => {
    assert.equal(checks.apiIsHolders.evaluate(holder(ex({ path: '/api/load-shopping-cart' }))).ok, false);
  });
  test('the verdict id says what it ensures', () => {
    const v = new Verifier({ workflow: 'webapp-jwt-cookies', prefix: 'WJC' });
    // A failed MUST is recorded, not thrown: the scenario carries on and fails at its end.
    const failed = v.verify(checks.pageIsHolders, holder(cart('bob@example.com')), [10]);
    assert.deepEqual([failed.id, failed.result], ['WJC-10.page-is-holders', 'fail']);
    assert.equal(v.verify(checks.apiIsHolders, holder(cart('alice@example.com')), [9]).id, 'WJC-9.api-is-holders');
  });
});

describe('credential offered in the query string', () => {
  const args = (response?: Exchange): checks.QueryCredentialArgs => ({ what: 'store shopping cart page', holder: 'alice@example.com', proof: 'Shopping cart of alice@example.com', params: ['sid', 'session'], response });
  test('pass: refused (redirect to login)', () => {
    assert.equal(checks.queryCredentialRefused.evaluate(args(ex({ path: `/shopping-cart?sid=${SID}`, status: 302, location: '/login' }))).ok, true);
  });
  test("fail: the holder's page was shown", () => {
    const o = checks.queryCredentialRefused.evaluate(args(cart('alice@example.com')));
    assert.equal(o.ok, false);
    assert.match(o.actual, /query string/);
  });
  test('fail: no answer', () => {
    assert.equal(checks.queryCredentialRefused.evaluate(args(undefined)).ok, false);
  });
});

function setCookie(raw: string, e: Exchange): checks.SetCookie {
  return { raw, cookie: Cookie.parse(raw)!, exchange: e };
}

describe('failed logins', () => {
  const answer = ex({ method: 'POST', path: '/login', status: 401, type: 'text/html', body: html(`<p class="error">Your account is locked.</p>${LOGIN_FORM}`) });
  const base = { attempt: 'locked@example.com with the password', fusionauth: 'answered 423' };

  test('no credential: pass with no cookie, fail with a session cookie (named in the evidence), fail when nothing was submitted', () => {
    assert.equal(checks.failedLoginNoCredential.evaluate({ ...base, answers: [answer], credentials: [] }).ok, true);
    const c = setCookie(`sid=${SID}; HttpOnly; Path=/`, answer);
    const o = checks.failedLoginNoCredential.evaluate({ ...base, answers: [answer], credentials: [{ cookie: c, why: 'a session id' }] });
    assert.equal(o.ok, false);
    assert.match(o.actual, /sid \(a session id\)/);
    assert.equal(checks.failedLoginNoCredential.evaluate({ ...base, answers: [], credentials: [] }).ok, false);
  });

  test('no access: pass when the page is refused, fail when it is shown', () => {
    const a = { attempt: base.attempt, what: 'store cart page', user: 'notregistered@example.com', proof: 'Shopping cart of notregistered@example.com' };
    assert.equal(checks.failedLoginNoAccess.evaluate({ ...a, response: ex({ path: '/shopping-cart', status: 302, location: '/login' }) }).ok, true);
    assert.equal(checks.failedLoginNoAccess.evaluate({ ...a, response: cart('notregistered@example.com') }).ok, false);
  });

  const before = html(LOGIN_FORM);
  test('explained: pass with the form and a new message; fail on 5xx, on no form, on no message', () => {
    assert.equal(checks.failedLoginExplained.evaluate({ attempt: base.attempt, response: answer, before }).ok, true);
    const e500 = ex({ method: 'POST', path: '/login', status: 502, type: 'text/html', body: html('<h1>Error 502</h1>') });
    assert.match(checks.failedLoginExplained.evaluate({ attempt: base.attempt, response: e500, before }).actual, /server error/);
    const noForm = ex({ method: 'POST', path: '/login', status: 200, type: 'text/html', body: html('<p>Welcome</p>') });
    assert.equal(checks.failedLoginExplained.evaluate({ attempt: base.attempt, response: noForm, before }).ok, false);
    const silent = ex({ method: 'POST', path: '/login', status: 200, type: 'text/html', body: before });
    assert.equal(checks.failedLoginExplained.evaluate({ attempt: base.attempt, response: silent, before }).ok, false);
    assert.equal(checks.failedLoginExplained.level, 'SHOULD');
  });
  test('explained: the JSON equivalent (4xx with an error field) passes; JSON without one fails', () => {
    const good = ex({ method: 'POST', path: '/login', status: 401, type: 'application/json', body: '{"error":"invalid credentials"}' });
    const bad = ex({ method: 'POST', path: '/login', status: 200, type: 'application/json', body: '{"ok":false}' });
    assert.equal(checks.failedLoginExplained.evaluate({ attempt: '', response: good, before: '' }).ok, true);
    assert.equal(checks.failedLoginExplained.evaluate({ attempt: '', response: bad, before: '' }).ok, false);
  });

  test('SPA: a JWT kept in local storage fails; an empty storage passes', () => {
    const a = { ...base, appRunBy: 'browser' as const, tokens: [JWT], evidence: [] };
    assert.equal(checks.spaFailedLoginStoresNothing.evaluate({ ...a, storage: {} }).ok, true);
    const o = checks.spaFailedLoginStoresNothing.evaluate({ ...a, storage: { jwt: JWT } });
    assert.equal(o.ok, false);
    assert.match(o.actual, /jwt/);
    assert.deepEqual(checks.spaFailedLoginStoresNothing.evaluate({ ...a, appRunBy: 'kit', storage: { jwt: JWT } }), KIT_NA, 'HTTP mode: the storage is the kit\'s');
  });
  test('SPA: the form again with a message passes; no form, or no message, fails; a form the browser would not send passes', () => {
    const posted = [ex({ method: 'POST', path: '/api/login', status: 401 })];
    const before = 'Shop\nLog in\n  Email  \nPassword';
    const a = { attempt: base.attempt, appRunBy: 'browser' as const, before, calls: posted };
    const ok = checks.spaFailedLoginExplained.evaluate({ ...a, formShown: true, after: `${before}\n  Your account is locked.  \n\n` });
    assert.deepEqual([ok.ok, ok.actual, ok.evidence], [true, 'the login form again, with "Your account is locked."', posted]);
    assert.deepEqual(checks.spaFailedLoginExplained.evaluate({ ...a, formShown: false, after: 'x' }), { ok: false, actual: 'the app shows no login form', evidence: posted });
    const same = checks.spaFailedLoginExplained.evaluate({ ...a, formShown: true, after: 'Log in\nShop\n   \nEmail' });
    assert.deepEqual([same.ok, same.actual], [false, 'the login form again, but with no message it did not show before'], 'lines seen before (trimmed, any order) and blank lines are no message');
    const options = [ex({ method: 'OPTIONS', path: '/api/login', status: 204 })];
    const unsent = checks.spaFailedLoginExplained.evaluate({ ...a, formShown: true, after: before, calls: options });
    assert.deepEqual([unsent.ok, unsent.actual, unsent.evidence], [true, 'the login form is still shown; the browser did not send the incomplete form', options]);
    assert.equal(checks.spaFailedLoginExplained.evaluate({ ...a, formShown: false, after: before, calls: [] }).ok, false, 'not sent, but no form either');
    assert.equal(checks.spaFailedLoginExplained.evaluate({ ...a, formShown: true, after: `${before}\n${'x'.repeat(200)}` }).actual, `the login form again, with "${'x'.repeat(120)}"`);
    assert.deepEqual(checks.spaFailedLoginExplained.evaluate({ ...a, appRunBy: 'kit', formShown: false, after: '' }), KIT_NA);
  });
  test('SPA in HTTP mode: recorded as not applicable, with the reason, never as a pass', () => {
    const v = new Verifier({ workflow: 'spa-localstorage-jwt', prefix: 'SLJ' });
    const r = v.verify(checks.spaFailedLoginStoresNothing, { ...base, appRunBy: 'kit', storage: {}, tokens: [], evidence: [] }, [7]);
    assert.equal(r.result, 'na');
    assert.equal(r.id, 'SLJ-7.failed-login-no-credential');
    assert.match(r.reason!, /use --browser chromium/);
  });
});

describe('secrets in URLs', () => {
  const leaks = (...es: Exchange[]) => checks.urlLeaks(es, SECRETS);
  const verdict = (check: typeof checks.tokenNotInUrl, es: Exchange[], what: (w: string) => boolean) =>
    check.evaluate({ secret: 'x', leaks: leaks(...es).filter((l) => what(l.what)), examined: es.length });

  test('pass: a clean login (POST form, redirect without secrets, cookies only)', () => {
    const es = [
      ex({ path: '/login', status: 200, type: 'text/html', body: html(LOGIN_FORM) }),
      ex({ method: 'POST', path: '/login', status: 302, location: '/shopping-cart', setCookie: [`sid=${SID}; HttpOnly`] }),
      cart('alice@example.com'),
    ];
    assert.deepEqual(leaks(...es), []);
    assert.equal(verdict(checks.tokenNotInUrl, es, () => true).ok, true);
  });
  test('fail: a JWT in a Location header and the request line that follows it', () => {
    const l = leaks(ex({ method: 'POST', path: '/login', status: 302, location: `/shopping-cart?token=${JWT}` }), ex({ path: `/shopping-cart?token=${JWT}`, status: 200 }));
    assert.deepEqual(l.map((x) => x.where), ['Location header', 'request line']);
    const o = checks.tokenNotInUrl.evaluate({ secret: 'a JWT', leaks: l, examined: 2 });
    assert.equal(o.ok, false);
    assert.ok(!o.actual.includes(JWT), 'the message does not repeat the secret');
    assert.match(o.actual, /\/shopping-cart\?token\)/, 'it names the parameter');
  });
  test('fail: a session id in a link, in a form action, and as a ;jsessionid path parameter', () => {
    const page = ex({ path: '/', status: 200, type: 'text/html', body: html(`<a href="/cart?sid=${SID}">cart</a><form method="post" action="/x;jsessionid=${SID}"></form>`) });
    assert.deepEqual(leaks(page).map((x) => `${x.where}:${x.what}`), ['link:session id', 'form action:session id']);
  });
  test('fail: a login form with method="get" (at the page) and the password in the request line (at the submission)', () => {
    const form = ex({ path: '/login', status: 200, type: 'text/html', body: html(LOGIN_FORM.replace('method="post"', 'method="get"')) });
    const sent = ex({ path: '/login?email=alice%40example.com&password=password', status: 302, location: '/shopping-cart' });
    const l = leaks(form, sent);
    assert.deepEqual(l.map((x) => x.what), ['password', 'password']);
    assert.equal(verdict(checks.passwordNotInUrl, [form, sent], (w) => w === 'password').ok, false);
  });
  test('a form without a method (an app sends it by script) is not judged from the page; "password" as a path or a param name is not a password', () => {
    const spa = ex({ path: '/', status: 200, type: 'text/html', body: html('<template><form id="login"><input type="password" name="password"></form></template>') });
    const reset = ex({ path: '/password-reset?field=password_hint', status: 200 });
    assert.deepEqual(leaks(spa, reset), []);
  });
  test('short cookie values count only as a whole parameter value', () => {
    const s = { passwords: [], tokens: [], sessionIds: ['s-000001'] };
    assert.equal(checks.secretInUrl('/cart?sid=s-000001', s), 'session id');
    assert.equal(checks.secretInUrl('/s-0000012/cart', s), undefined);
  });
  test('not applicable: a scenario without exchanges', () => {
    const o = checks.passwordNotInUrl.evaluate({ secret: 'the password', leaks: [], examined: 0 });
    assert.ok(o.notApplicable);
  });
  test('the session ids are the values of the credential cookies the apps set (learned names, or names that say so)', () => {
    const es = [
      ex({ method: 'POST', path: '/login', status: 302, setCookie: [`sid=${SID}; HttpOnly`, 'gone=; Max-Age=0', 'csrf=double-submit-token-value', 'app_login=opaque-login-handle'] }),
      ex({ from: 'Store', to: 'FusionAuth', path: '/api/login', status: 200, setCookie: ['access_token=abc'] }),
    ];
    assert.deepEqual(checks.cookieValuesSet(es, (p) => p === 'Store', ['app_login']), [SID, 'opaque-login-handle']);
  });
});

test('a password in a URL inside a JSON string is masked without eating the closing quote (the file stays JSON)', () => {
  const json = JSON.stringify({ actual: 'GET /login?email=a&password=hunter2', next: 1 });
  const out = new Redactor().text(json)!;
  assert.deepEqual(JSON.parse(out), { actual: 'GET /login?email=a&password=*****', next: 1 });
});

// Added for the mutation slice of identity.ts (docs/mutation-testing.md): the first full slice
// left 232 of 493 mutants unnoticed; this group pins every check's id suffix, name, level and
// `ensures` sentence, written out.
test('identity checks: kind, name, level and ensures, written out', () => {
  const a = { what: 'cart', holder: 'alice', when: 'after login', other: 'bob', params: ['token', 'jwt'], attempt: 'a wrong password', fusionauth: '404 from /api/login', secret: 'the password' } as never;
  const all = [checks.pageIsHolders, checks.apiIsHolders, checks.queryCredentialRefused, checks.failedLoginNoCredential, checks.failedLoginNoAccess, checks.failedLoginExplained, checks.spaFailedLoginStoresNothing, checks.spaFailedLoginExplained, checks.passwordNotInUrl, checks.tokenNotInUrl] as { kind: string; name: string; level: string; ensures: (a: never) => string }[];
  assert.deepEqual(all.map((k) => [k.kind, k.name, k.level, k.ensures(a)]), [
    ['page-is-holders', 'pageBelongsToCredentialHolder', 'MUST', "the cart loaded with alice's credential after login is alice's, never bob's (who is logged in in another browser)"],
    ['api-is-holders', 'apiAnswersForJwtHolder', 'MUST', "the cart loaded with alice's credential after login is alice's, never bob's (who is logged in in another browser)"],
    ['query-credential-refused', 'credentialInQueryStringRefused', 'MUST', "a request that carries alice's credential only in the query string (token, jwt) does not get the cart of alice"],
    ['failed-login-no-credential', 'failedLoginSetsNoCredential', 'MUST', 'a failed login (a wrong password; FusionAuth: 404 from /api/login) sets no JWT, refresh-token or session cookie'],
    ['failed-login-no-access', 'failedLoginOpensNothing', 'MUST', 'after a failed login (a wrong password) the cart is not shown'],
    ['failed-login-explained', 'failedLoginSaysWhy', 'SHOULD', 'a failed login (a wrong password) is answered with the login page (or its JSON equivalent) and an error message, not a server error'],
    ['failed-login-no-credential', 'failedLoginStoresNothing', 'MUST', 'after a failed login (a wrong password; FusionAuth: 404 from /api/login) the app keeps no token in local storage'],
    ['failed-login-explained', 'failedLoginFormShownWithError', 'SHOULD', 'after a failed login (a wrong password) the app shows its login form again, with an error message'],
    ['password-not-in-url', 'passwordNeverInUrl', 'MUST', 'the password never appears in a URL: a request line, a Location header, a link or a form action (URLs end up in logs, history and Referer headers)'],
    ['token-not-in-url', 'tokensAndSessionIdsNeverInUrl', 'MUST', 'the password never appears in a URL: a request line, a Location header, a link or a form action (URLs end up in logs, history and Referer headers)'],
  ]);
});

describe('identity and failed-login outcomes, written out (the second group of the identity slice\'s survivors)', () => {
  const named = new Map<Exchange, string>();
  const n = (name: string, e: Exchange): Exchange => (named.set(e, name), e);
  const out = (o: { ok: boolean; actual: string; evidence: Exchange[] }) => [o.ok, o.actual, o.evidence.map((e) => named.get(e) ?? '?')];
  const aliceCart = n('aliceCart', cart('alice@example.com'));
  const bobCart = n('bobCart', cart('bob@example.com'));
  const bobByName = n('bobByName', ex({ path: '/shopping-cart', status: 200, type: 'text/html', body: html('<p>Hello bob@example.com</p>') }));
  const toLogin = n('toLogin', ex({ path: '/shopping-cart', status: 302, location: '/login' }));
  const plain = n('plain', ex({ path: '/shopping-cart', status: 200, type: 'text/html', body: html('<p>Welcome</p>') }));
  const noBody = n('noBody', ex({ path: '/shopping-cart', status: 204 }));
  const reset = n('reset', ex({ path: '/shopping-cart' }));
  const answer401 = n('answer401', ex({ method: 'POST', path: '/login', status: 401, type: 'text/html', body: html(LOGIN_FORM) }));

  test('page-is-holders', () => {
    assert.deepEqual([aliceCart, bobCart, bobByName, toLogin, plain, noBody, reset, undefined].map((r) => out(checks.pageIsHolders.evaluate(holder(r)))), [
      [true, '200: alice@example.com\'s data ("Shopping cart of alice@example.com"), nothing of bob@example.com\'s', ['aliceCart']],
      [false, '200: the answer to alice@example.com\'s browser shows bob@example.com\'s data ("Shopping cart of bob@example.com")', ['bobCart']],
      [false, '200: the answer to alice@example.com\'s browser shows bob@example.com\'s data ("bob@example.com")', ['bobByName']],
      [false, '302 to /login: the answer to alice@example.com\'s browser does not contain "Shopping cart of alice@example.com" (bob@example.com is logged in in another browser)', ['toLogin']],
      [false, '200: the answer to alice@example.com\'s browser does not contain "Shopping cart of alice@example.com" (bob@example.com is logged in in another browser)', ['plain']],
      [false, '204: the answer to alice@example.com\'s browser does not contain "Shopping cart of alice@example.com" (bob@example.com is logged in in another browser)', ['noBody']],
      [false, 'no answer: ECONNRESET', ['reset']],
      [false, 'no answer: no request was made', []],
    ]);
  });

  test('query-credential-refused and failed-login-no-access', () => {
    const q = (response?: Exchange) => ({ what: 'store cart page', holder: 'alice@example.com', proof: 'Shopping cart of alice@example.com', params: ['sid'], response });
    assert.deepEqual([aliceCart, toLogin, reset, undefined].map((r) => out(checks.queryCredentialRefused.evaluate(q(r)))), [
      [false, '200: the store cart page of alice@example.com was shown: the backend accepted a credential from the query string', ['aliceCart']],
      [true, '302: not shown', ['toLogin']],
      [false, 'no answer: ECONNRESET', ['reset']],
      [false, 'no answer: no request was made', []],
    ]);
    const a = (response?: Exchange) => ({ attempt: 'a wrong password', what: 'store cart page', user: 'alice@example.com', proof: 'Shopping cart of alice@example.com', response });
    assert.deepEqual([aliceCart, toLogin, plain, reset, undefined].map((r) => out(checks.failedLoginNoAccess.evaluate(a(r)))), [
      [false, '200: the store cart page of alice@example.com was shown', ['aliceCart']],
      [true, '302 to /login: not shown', ['toLogin']],
      [true, '200: not shown', ['plain']],
      [false, 'no answer: ECONNRESET', ['reset']],
      [false, 'no answer: no request was made', []],
    ]);
  });

  test('failed-login-no-credential', () => {
    const base = { attempt: 'a wrong password', fusionauth: 'answered 404' };
    const c1 = setCookie(`sid=${SID}; HttpOnly`, answer401);
    const c2 = setCookie(`jwt=${JWT}`, answer401);
    assert.deepEqual(out(checks.failedLoginNoCredential.evaluate({ ...base, answers: [answer401, reset], credentials: [] })), [true, 'no credential cookie in 2 answer(s) (401, ECONNRESET)', ['answer401', 'reset']]);
    assert.deepEqual(out(checks.failedLoginNoCredential.evaluate({ ...base, answers: [answer401], credentials: [{ cookie: c1, why: 'a session id' }, { cookie: c2, why: 'a JWT' }] })), [false, 'set sid (a session id), jwt (a JWT)', ['answer401']]);
    assert.deepEqual(out(checks.failedLoginNoCredential.evaluate({ ...base, answers: [], credentials: [] })), [false, 'the login was not submitted', []]);
  });
});

describe('failed-login-explained and the SPA storage check, written out (the third group of the identity slice\'s survivors)', () => {
  const page = (status: number, body: string, type = 'text/html') => ex({ method: 'POST', path: '/login', status, type, body });
  const before = html(LOGIN_FORM);
  const said = (response?: Exchange) => {
    const o = checks.failedLoginExplained.evaluate({ attempt: 'a wrong password', response, before });
    return [o.ok, o.actual, o.evidence.length];
  };
  test('failed-login-explained: every answer', () => {
    assert.deepEqual(said(undefined), [false, 'no answer: no request was made', 0]);
    assert.deepEqual(said(ex({ method: 'POST', path: '/login' })), [false, 'no answer: ECONNRESET', 1]);
    assert.deepEqual(said(page(500, html(`<p>Wrong password</p>${LOGIN_FORM}`))), [false, 'answered 500, a server error', 1]);
    assert.deepEqual(said(page(499, html(`<p>Wrong password</p>${LOGIN_FORM}`))), [true, '499: the login form again, with "Wrong password"', 1]);
    assert.deepEqual(said(page(401, '{"error":"x","message":"y"}', 'application/json')), [true, '401 JSON with error, message', 1]);
    assert.deepEqual(said(page(400, '{"Reason":"r"}', 'application/problem+json')), [true, '400 JSON with Reason', 1]);
    assert.deepEqual(said(page(399, '{"error":"x"}', 'application/json')), [false, '399 JSON without an error field (keys: error)', 1]);
    assert.deepEqual(said(page(401, '{"code":1,"detail":"x"}', 'application/json')), [false, '401 JSON without an error field (keys: code, detail)', 1]);
    assert.deepEqual(said(page(401, 'not json', 'application/json')), [false, '401 JSON without an error field (keys: none)', 1]);
    assert.deepEqual(said(page(401, 'null', 'application/json')), [false, '401 JSON without an error field (keys: none)', 1]);
    assert.deepEqual(said(page(401, html('<p>Wrong password</p>'))), [false, '401: the answer has no login form', 1]);
    assert.deepEqual(said(page(401, html(LOGIN_FORM))), [false, '401: the login page again, but with no message the plain login page lacks', 1]);
    assert.deepEqual(said(page(401, html(`<p>Wrong password</p><p>Try again</p><p>Third</p>${LOGIN_FORM}`))), [true, '401: the login form again, with "Wrong password Try again"', 1]);
    assert.deepEqual(said(page(401, html(`<p>${'x'.repeat(130)}</p>${LOGIN_FORM}`))), [true, `401: the login form again, with "${'x'.repeat(120)}"`, 1]);
  });
  test('textLines: the visible text, a line per element, scripts, styles and templates left out', () => {
    assert.deepEqual(checks.textLines('<p>a&amp;b</p><SCRIPT>x</SCRIPT>keep<script>y</script><style>s</style><template>t</template>  <b>  c \t  d </b>'), ['a b', 'keep', 'c d']);
    assert.deepEqual(checks.textLines(''), []);
  });
  test('failed-login-no-credential (SPA): what local storage holds', () => {
    const a = { attempt: 'x', fusionauth: 'y', appRunBy: 'browser' as const, tokens: ['issued-token'], evidence: [] };
    const st = (storage: Record<string, string>) => {
      const o = checks.spaFailedLoginStoresNothing.evaluate({ ...a, storage });
      return [o.ok, o.actual];
    };
    assert.deepEqual(st({ a: 'x', b: JWT, c: 'eyJx.y.z', d: 'issued-token', e: 'xeyJa.b.c', f: 'eyJa.b' }), [false, 'local storage holds b, c, d']);
    assert.deepEqual(st({ theme: 'dark', lang: 'en' }), [true, 'local storage: theme, lang']);
    assert.deepEqual(st({}), [true, 'local storage: empty']);
  });
});

describe('secrets in URLs, written out (the fourth group of the identity slice\'s survivors)', () => {
  const S: checks.UrlSecrets = { passwords: ['password', ''], tokens: [JWT, ''], sessionIds: ['abc123xyz', 'abc12', SID, ''] };
  test('secretInUrl: a password only as a query or fragment value; a long token anywhere; a short session id only as a value', () => {
    const cases: [string, string | undefined][] = [
      ['/login?user=a&pw=password', 'password'],
      ['/login#pw=password', 'password'],
      ['/x?a=1#pw=password', 'password'],
      ['/x?pw=password#frag', 'password'],
      ['/x?pw=passwordx', undefined],
      ['/password', undefined],
      ['/x?a=password#', 'password'],
      [`/cb#access_token=${JWT}`, 'JWT or refresh token'],
      [`/x/${JWT}`, 'JWT or refresh token'],
      ['/x;sid=abc123xyz', 'session id'],
      ['/x;sid=abc123xyz;other=1', 'session id'],
      ['/x?s=abc123xyz', 'session id'],
      ['/abc123xyz', undefined],
      ['/x?s=abc12', undefined],
      [`/y/${SID}`, 'session id'],
      [`/y/${encodeURIComponent(`${SID}`).replace('Z', '%5A')}`, 'session id'],
      ['/x?a=%E0%A4%A', undefined],
      ['/', undefined],
    ];
    assert.deepEqual(cases.map(([u]) => [u, checks.secretInUrl(u, S)]), cases);
  });
  test('password-not-in-url: the first three leaks named without their values, the rest counted; evidence once per exchange', () => {
    const e1 = ex({ path: '/login?pw=password' });
    const e2 = ex({ path: '/cb' });
    const leak = (e: Exchange, where: string, url: string): checks.UrlLeak => ({ exchange: e, where, what: 'password', url });
    const four = [leak(e1, 'request line', 'GET /login?pw=password&x=1'), leak(e1, 'link', 'http://s/a#pw=password'), leak(e2, 'form action', 'http://s/b;p=password'), leak(e2, 'link', 'http://s/c?pw=password')];
    const o = checks.passwordNotInUrl.evaluate({ secret: 'the password', leaks: four, examined: 9 });
    assert.deepEqual([o.ok, o.actual, o.evidence], [false, `password in the request line of #${e1.seq} (GET /login?pw&x); password in the link of #${e1.seq} (http://s/a#pw); password in the form action of #${e2.seq} (http://s/b;p) and 1 more`, [e1, e2]]);
    const one = checks.passwordNotInUrl.evaluate({ secret: 'the password', leaks: four.slice(0, 1), examined: 9 });
    assert.deepEqual([one.ok, one.actual], [false, `password in the request line of #${e1.seq} (GET /login?pw&x)`]);
    assert.deepEqual(checks.tokenNotInUrl.evaluate({ secret: 'x', leaks: [], examined: 2 }), { ok: true, actual: 'none in the 2 exchange(s) of the scenario', evidence: [] });
    assert.equal(checks.tokenNotInUrl.evaluate({ secret: 'x', leaks: [], examined: 0 }).notApplicable, 'no exchange in this scenario');
  });
});

describe('identity: boundaries the fifth slice found unpinned', () => {
  test('a redirect is 300 to 399: its target is named; 400 is not a redirect', () => {
    const r = (status: number) => ex({ path: '/shopping-cart', status, location: '/login' });
    assert.deepEqual([300, 399, 400, 299].map((st) => checks.pageIsHolders.evaluate(holder(r(st))).actual), [
      '300 to /login: the answer to alice@example.com\'s browser does not contain "Shopping cart of alice@example.com" (bob@example.com is logged in in another browser)',
      '399 to /login: the answer to alice@example.com\'s browser does not contain "Shopping cart of alice@example.com" (bob@example.com is logged in in another browser)',
      '400: the answer to alice@example.com\'s browser does not contain "Shopping cart of alice@example.com" (bob@example.com is logged in in another browser)',
      '299: the answer to alice@example.com\'s browser does not contain "Shopping cart of alice@example.com" (bob@example.com is logged in in another browser)',
    ]);
    const a = (response: Exchange) => ({ attempt: 'x', what: 'store cart page', user: 'alice@example.com', proof: 'Shopping cart of alice@example.com', response });
    assert.deepEqual([300, 399, 400, 299].map((st) => checks.failedLoginNoAccess.evaluate(a(r(st))).actual), ['300 to /login: not shown', '399 to /login: not shown', '400: not shown', '299: not shown']);
  });
  test('secrets of exactly 16 (anywhere) and 6 (as a value) characters count; exactly three leaks have no "more"', () => {
    const S: checks.UrlSecrets = { passwords: [], tokens: ['0123456789abcdef'], sessionIds: ['abc123'] };
    assert.equal(checks.secretInUrl('/x/0123456789abcdef', S), 'JWT or refresh token');
    assert.equal(checks.secretInUrl('/x?s=abc123', S), 'session id');
    const e = ex({ path: '/x' });
    const leak = (url: string): checks.UrlLeak => ({ exchange: e, where: 'link', what: 'password', url });
    assert.equal(checks.passwordNotInUrl.evaluate({ secret: 'p', leaks: [leak('/a'), leak('/b'), leak('/c')], examined: 1 }).actual, `password in the link of #${e.seq} (/a); password in the link of #${e.seq} (/b); password in the link of #${e.seq} (/c)`);
  });
  test('failed-login-explained needs a password field; textLines drops whole scripts, with spaces, between words', () => {
    const noPassword = ex({ method: 'POST', path: '/login', status: 401, type: 'text/html', body: html('<p>Wrong password</p><form method="post" action="/login"><input type="email" name="email"><button>Go</button></form>') });
    assert.equal(checks.failedLoginExplained.evaluate({ attempt: 'x', response: noPassword, before: html(LOGIN_FORM) }).actual, '401: the answer has no login form');
    assert.deepEqual(checks.textLines('<p>a<script>var x = 1;</script>b</p>'), ['a b']);
  });
  test('SPA explained: a POST among other calls counts as the form sent', () => {
    const calls = [ex({ method: 'GET', path: '/api/me', status: 401 }), ex({ method: 'POST', path: '/api/login', status: 401 })];
    const o = checks.spaFailedLoginExplained.evaluate({ attempt: 'x', appRunBy: 'browser', before: 'Log in', after: 'Log in', formShown: true, calls });
    assert.deepEqual([o.ok, o.actual], [false, 'the login form again, but with no message it did not show before']);
  });
});

describe('urlLeaks and cookieValuesSet, written out (the last group of the identity slice\'s survivors)', () => {
  const S: checks.UrlSecrets = { passwords: ['hunter2'], tokens: [JWT], sessionIds: [SID] };
  const page = (path: string, body: string, type = 'text/html') => ex({ path, status: 200, type, body });
  test('urlLeaks: request line, Location, links, form actions and explicit GET login forms; nothing from non-HTML or unanswered exchanges', () => {
    const e1 = ex({ path: `/cb?token=${JWT}`, status: 302, location: '/next?pw=hunter2' });
    const e2 = ex({ path: '/ok' });
    const e3 = page('/p', `<a href="/a?sid=${SID}">x</a><a href="/safe">y</a><form action="/go?pw=hunter2" method="post"><input name="q"></form>`);
    const e4 = page('/j', `<a href="/a?sid=${SID}">x</a>`, 'application/json');
    const e5 = page('/f', '<form action="/login"><input type="password" name="password"></form>');
    const e6 = page('/g', '<form action="/l2" method = get><input type="password" name="password"></form>');
    const e7 = page('/s', '<form method="get" action="/search"><input name="q"></form>');
    const e8 = ex({ path: '/empty', status: 200, type: 'text/html' });
    const leaks = checks.urlLeaks([e1, e2, e3, e4, e5, e6, e7, e8], S);
    assert.deepEqual(leaks.map((l) => [l.exchange.request.path, l.where, l.what, l.url]), [
      [`/cb?token=${JWT}`, 'request line', 'JWT or refresh token', `GET /cb?token=${JWT}`],
      [`/cb?token=${JWT}`, 'Location header', 'password', '/next?pw=hunter2'],
      ['/p', 'link', 'session id', `http://store.example.test/a?sid=${SID}`],
      ['/p', 'form action', 'password', 'http://store.example.test/go?pw=hunter2'],
      ['/g', 'login form with method GET (the browser puts the password in the URL)', 'password', 'GET http://store.example.test/l2'],
    ]);
  });
  test('cookieValuesSet: values of credential cookies the apps set, unquoted and decoded', () => {
    const set = (to: string, cookies?: string[]) => ({ ...ex({ path: '/login', ...(cookies ? { status: 200, setCookie: cookies } : {}) }), to });
    const exchanges = [
      set('Store', ['sid=abc; Path=/', 'session="q%20r"; HttpOnly', 'theme=dark', 'token=', 'broken', ' jwt=j1', 'mine =v2', 'sid2=a"b']),
      set('FusionAuth', ['sid=fa']),
      set('Store'),
    ];
    const isApp = (p: string) => p === 'Store';
    assert.deepEqual(checks.cookieValuesSet(exchanges, isApp), ['abc', 'q r', 'j1', 'a"b']);
    assert.deepEqual(checks.cookieValuesSet(exchanges, isApp, ['mine', 'theme']), ['abc', 'q r', 'dark', 'j1', 'v2', 'a"b']);
  });
});

// paramValues' split of a URL into query and fragment, seen through secretInUrl with a short
// secret (a password is matched only as a whole parameter value, never as a substring).
test('secretInUrl: a password is found as a query or fragment value wherever the ? and # stand, and nowhere else', () => {
  const s = { passwords: ['hunter2'], tokens: [], sessionIds: [] };
  assert.equal(checks.secretInUrl('/login?password=hunter2', s), 'password');
  assert.equal(checks.secretInUrl('?password=hunter2', s), 'password', 'a relative URL that starts with its query');
  assert.equal(checks.secretInUrl('#password=hunter2', s), 'password', 'a URL that is only a fragment');
  assert.equal(checks.secretInUrl('/cb#password=hunter2', s), 'password', 'fragment, no query');
  assert.equal(checks.secretInUrl('/cb?a=1#password=hunter2', s), 'password', 'fragment after a query');
  assert.equal(checks.secretInUrl('/cb?password=hunter2#x=1', s), 'password', 'the query ends where the fragment starts');
  assert.equal(checks.secretInUrl('/cb#x=1?password=hunter2', s), 'password', 'a ? inside the fragment still opens parameters');
  assert.equal(checks.secretInUrl('/cb;pw=hunter2', s), 'password', 'a path parameter');
  assert.equal(checks.secretInUrl('/cb?password=hunter22', s), undefined, 'another value');
  assert.equal(checks.secretInUrl('/hunter2?x=1#y=2', s), undefined, 'in the path, not a parameter');
  assert.equal(checks.secretInUrl('/cb?x=hunter2x#hunter2', s), undefined, 'a bare word in the fragment is a name, not a value');
});

// The last survivors of the identity slice (docs/mutation-testing.md): each test pins the
// behaviour one of them broke, with the expected value written out.
describe('identity: the last survivors of the mutation slice', () => {
  test('an answer without a body holds no text: not even a one-letter proof of the other user is found in it', () => {
    const noBody = ex({ path: '/shopping-cart', status: 204 });
    const said = [...'abcdefghijklmnopqrstuvwxyz'].map((c) => checks.pageIsHolders.evaluate({ ...holder(noBody), otherProof: c }).actual);
    const expected = '204: the answer to alice@example.com\'s browser does not contain "Shopping cart of alice@example.com" (bob@example.com is logged in in another browser)';
    assert.deepEqual(said, Array(26).fill(expected));
  });
  test('SPA explained: every new line of the text is quoted, one space between them', () => {
    const calls = [ex({ method: 'POST', path: '/api/login', status: 401 })];
    const o = checks.spaFailedLoginExplained.evaluate({ attempt: 'x', appRunBy: 'browser', formShown: true, calls, before: 'Log in\nEmail', after: 'Log in\nEmail\nYour account is locked.\nContact support.' });
    assert.deepEqual([o.ok, o.actual], [true, 'the login form again, with "Your account is locked. Contact support."']);
  });
  test('failed-login-explained: an answer without a body or a content type has no login form; JSON without a body has no error field', () => {
    const bare = ex({ method: 'POST', path: '/login', status: 401 });
    assert.deepEqual(checks.failedLoginExplained.evaluate({ attempt: 'x', response: bare, before: html(LOGIN_FORM) }), { ok: false, actual: '401: the answer has no login form', evidence: [bare] });
    const emptyJson = ex({ method: 'POST', path: '/login', status: 401, type: 'application/json' });
    assert.equal(checks.failedLoginExplained.evaluate({ attempt: 'x', response: emptyJson, before: '' }).actual, '401 JSON without an error field (keys: none)');
  });
  test('urlLeaks: a GET search form beside a POST login form is no password in a URL', () => {
    const search = '<form method="get" action="/search"><input name="q"></form>';
    const page = ex({ path: '/', status: 200, type: 'text/html', body: html(`${search}${LOGIN_FORM}`) });
    assert.deepEqual(checks.urlLeaks([page], SECRETS), []);
  });
  test('urlLeaks: the explicit method="get" is read per form: a GET search form does not make a method-less login form (sent by a script) a GET one', () => {
    const search = '<form method="get" action="/search"><input name="q"></form>';
    const scripted = '<form id="login"><input type="email" name="email"><input type="password" name="password"></form>';
    const page = ex({ path: '/', status: 200, type: 'text/html', body: html(`${search}${scripted}`) });
    assert.deepEqual(checks.urlLeaks([page], SECRETS), []);
    const getLogin = '<form action="/login" method="GET"><input type="password" name="password"></form>';
    const both = ex({ path: '/', status: 200, type: 'text/html', body: html(`${scripted}${getLogin}`) });
    assert.deepEqual(checks.urlLeaks([both], SECRETS).map((l) => [l.where, l.what, l.url]), [['login form with method GET (the browser puts the password in the URL)', 'password', 'GET http://store.example.test/login']]);
  });
  test('cookieValuesSet: only the first pair of a Set-Cookie is its cookie; an attribute after a nameless cookie is not read as one', () => {
    const e = ex({ method: 'POST', path: '/login', status: 200, setCookie: ['flag; token=attribute-value', '=orphan; session=another-attribute', 'sid=kept-value; Path=/'] });
    assert.deepEqual(checks.cookieValuesSet([e], () => true), ['kept-value']);
  });
});

test('secretInUrl: an "=" in the path is no parameter (a password is only a query, fragment or ;path parameter value)', () => {
  const s = { passwords: ['hunter2'], tokens: [], sessionIds: [] };
  assert.equal(checks.secretInUrl('/reset/code=hunter2', s), undefined, 'no ? and no #');
  assert.equal(checks.secretInUrl('/reset/code=hunter2#x=1', s), undefined, 'a fragment, no ?');
  assert.equal(checks.secretInUrl('/reset/code=hunter2;pw=hunter2', s), 'password', 'the ;path parameter after it is one');
});
