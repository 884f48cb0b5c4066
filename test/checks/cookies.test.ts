import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cookie } from 'tough-cookie';
import {
  browserHoldsCurrentToken,
  cookieHasSameSite,
  cookieIsHostOnly,
  cookieIsHttpOnly,
  cookieIsSecure,
  noCookiesFromOtherApp,
  otherAppCookiesUntouched,
  setCookiesOf,
  tokenCookieReplaced,
  tokenCookieSet,
  tokenCookiesSent,
} from '../../harness/checks';
import { ex } from './hand-built';

const login = (...setCookie: string[]) => ex({ method: 'POST', path: '/login', status: 302, resHeaders: { 'set-cookie': setCookie, location: '/cart' } });
const GOOD = 'app_jwt=eyJ.a.b; Path=/; HttpOnly; Secure; SameSite=Lax';

test('setCookiesOf parses every Set-Cookie of the response, with tough-cookie', () => {
  const e = login(GOOD, 'app_rt=rt; Domain=.example.test', '\u0001');
  const cs = setCookiesOf(e);
  assert.deepEqual(cs.map((c) => [c.cookie.key, c.cookie.value, c.cookie.httpOnly, c.cookie.domain]), [
    ['app_jwt', 'eyJ.a.b', true, null],
    ['app_rt', 'rt', false, 'example.test'],
  ]);
  assert.equal(cs[0].raw, GOOD);
  assert.equal(cs[0].exchange, e);
  assert.deepEqual(setCookiesOf(undefined), []);
  // Loose parsing, as browsers do: a Set-Cookie without "=" is a cookie with an empty name.
  assert.deepEqual(setCookiesOf(ex({ status: 200, resHeaders: { 'set-cookie': 'bare-value' } })).map((c) => [c.cookie.key, c.cookie.value]), [['', 'bare-value']]);
  assert.deepEqual(setCookiesOf(ex({ error: 'refused' })), []);
  assert.equal(setCookiesOf(ex({ status: 200, resHeaders: { 'set-cookie': 'one=1' } })).length, 1, 'a single header, not an array');
});

const targs = (raw?: string, response = raw ? login(raw) : login()) => ({ app: 'the store', host: 'store.example.test', role: 'JWT', cookie: raw ? setCookiesOf(response)[0] : undefined, response });

test('every token-cookie check fails the same way when no cookie holds the token', () => {
  const a = targs();
  for (const c of [tokenCookieSet, cookieIsHttpOnly, cookieIsHostOnly, cookieIsSecure, cookieHasSameSite]) {
    const o = c.evaluate(a);
    assert.deepEqual([o.ok, o.actual, o.evidence], [false, 'no cookie holding the JWT FusionAuth issued was set', [a.response]], c.kind);
    assert.deepEqual(c.evaluate({ ...a, response: undefined }).evidence, [], c.kind);
  }
});

test('cookie-set', () => {
  assert.deepEqual([tokenCookieSet.kind, tokenCookieSet.name, tokenCookieSet.level], ['cookie-set', 'tokenKeptInCookie', 'MUST']);
  const a = targs(GOOD);
  assert.equal(tokenCookieSet.ensures(a), 'the store writes the JWT FusionAuth issued into a cookie');
  const o = tokenCookieSet.evaluate(a);
  assert.deepEqual([o.ok, o.actual, o.evidence], [true, 'cookie app_jwt holds the JWT', [a.response]]);
});

test('cookie-httponly: passes HttpOnly, fails without it, and never shows the value', () => {
  assert.deepEqual([cookieIsHttpOnly.kind, cookieIsHttpOnly.name, cookieIsHttpOnly.level], ['cookie-httponly', 'cookieIsHttpOnly', 'MUST']);
  assert.equal(cookieIsHttpOnly.ensures(targs(GOOD)), 'the JWT cookie is HttpOnly, out of reach of JavaScript');
  const ok = cookieIsHttpOnly.evaluate(targs(GOOD));
  assert.deepEqual([ok.ok, ok.actual], [true, 'app_jwt is HttpOnly: app_jwt=…; Path=/; HttpOnly; Secure; SameSite=Lax']);
  const a = targs('app_jwt=eyJ.a.b; Path=/');
  const bad = cookieIsHttpOnly.evaluate(a);
  assert.deepEqual([bad.ok, bad.actual, bad.evidence], [false, 'app_jwt is not HttpOnly: app_jwt=…; Path=/', [a.response]]);
});

test('cookie-host-only: no Domain, or Domain naming the host itself', () => {
  assert.deepEqual([cookieIsHostOnly.kind, cookieIsHostOnly.name, cookieIsHostOnly.level], ['cookie-host-only', 'cookieScopedToOwnHost', 'MUST']);
  assert.equal(cookieIsHostOnly.ensures(targs(GOOD)), 'the JWT cookie is scoped to store.example.test (no Domain attribute, or Domain=store.example.test), so no other host receives it');
  const hostOnly = cookieIsHostOnly.evaluate(targs(GOOD));
  assert.deepEqual([hostOnly.ok, hostOnly.actual, hostOnly.evidence.length], [true, 'host-only (no Domain attribute)', 1]);
  assert.deepEqual(Object.values(pick(cookieIsHostOnly.evaluate(targs('a=1; Domain=.Store.Example.Test')))), [true, 'Domain=store.example.test']);
  // A SetCookie not from tough-cookie's parser (which drops the dot) keeps its leading dot: still the host.
  const dotted = { ...targs(GOOD).cookie!, cookie: new Cookie({ key: 'a', value: '1', domain: '.Store.Example.Test' }) };
  assert.deepEqual(Object.values(pick(cookieIsHostOnly.evaluate({ ...targs(GOOD), cookie: dotted }))), [true, 'Domain=store.example.test']);
  assert.deepEqual(Object.values(pick(cookieIsHostOnly.evaluate({ ...targs('a=1; Domain=store.example.test'), host: 'STORE.example.test' }))), [true, 'Domain=store.example.test']);
  const parent = targs('a=1; Domain=example.test');
  const o = cookieIsHostOnly.evaluate(parent);
  assert.deepEqual([o.ok, o.actual, o.evidence], [false, 'Domain=example.test', [parent.response]]);
});

function pick(o: { ok: boolean; actual: string }) {
  return { ok: o.ok, actual: o.actual };
}

test('cookie-secure (SHOULD)', () => {
  assert.deepEqual([cookieIsSecure.kind, cookieIsSecure.name, cookieIsSecure.level], ['cookie-secure', 'cookieIsSecure', 'SHOULD']);
  assert.equal(cookieIsSecure.ensures(targs(GOOD)), 'the JWT cookie is Secure (sent over TLS only)');
  assert.deepEqual(pick(cookieIsSecure.evaluate(targs(GOOD))), { ok: true, actual: 'app_jwt is Secure' });
  const a = targs('app_jwt=x; HttpOnly');
  const o = cookieIsSecure.evaluate(a);
  assert.deepEqual([o.ok, o.actual, o.evidence], [false, 'app_jwt is not Secure', [a.response]]);
});

test('cookie-samesite (SHOULD): Lax or Strict, any case; None or absent fails', () => {
  assert.deepEqual([cookieHasSameSite.kind, cookieHasSameSite.name, cookieHasSameSite.level], ['cookie-samesite', 'cookieHasSameSite', 'SHOULD']);
  assert.equal(cookieHasSameSite.ensures(targs(GOOD)), 'the JWT cookie has SameSite=Lax or Strict');
  const lax = cookieHasSameSite.evaluate(targs(GOOD));
  assert.deepEqual([lax.ok, lax.actual, lax.evidence.length], [true, 'SameSite=Lax', 1]);
  assert.deepEqual(pick(cookieHasSameSite.evaluate(targs('a=1;samesite=strict'))), { ok: true, actual: 'SameSite=strict' });
  assert.deepEqual(pick(cookieHasSameSite.evaluate(targs('a=1; SameSite=None; Secure'))), { ok: false, actual: 'SameSite=None' });
  assert.deepEqual(pick(cookieHasSameSite.evaluate(targs('a=1; SameSite=Laxer'))), { ok: false, actual: 'SameSite=Laxer' });
  assert.deepEqual(pick(cookieHasSameSite.evaluate(targs('a=1; SameSite=XLax'))), { ok: false, actual: 'SameSite=XLax' });
  assert.deepEqual(pick(cookieHasSameSite.evaluate(targs('a=1; Path=/'))), { ok: false, actual: 'no SameSite attribute' });
  assert.deepEqual(pick(cookieHasSameSite.evaluate(targs('a=samesite=lax'))), { ok: false, actual: 'no SameSite attribute' }, 'in the value, not an attribute');
});

const req = (cookie?: string) => ex({ path: '/cart', headers: cookie === undefined ? {} : { cookie } });

test('cookies-sent: every named cookie comes back', () => {
  assert.deepEqual([tokenCookiesSent.kind, tokenCookiesSent.name, tokenCookiesSent.level], ['cookies-sent', 'browserSendsTokenCookies', 'MUST']);
  assert.equal(tokenCookiesSent.ensures({ names: ['app_jwt', 'app_rt'] }), 'the browser sends the cookies app_jwt and app_rt back (their Path and Domain cover the page)');
  const r = req('other=1; app_jwt=j;app_rt=r');
  assert.deepEqual(Object.values(tokenCookiesSent.evaluate({ request: r, names: ['app_jwt', 'app_rt'] })).slice(0, 3), [true, 'sent: app_jwt, app_rt', [r]]);
  const r2 = req('app_jwt=j; xapp_rt=r');
  assert.deepEqual(Object.values(tokenCookiesSent.evaluate({ request: r2, names: ['app_jwt', 'app_rt'] })).slice(0, 3), [false, 'not sent: app_rt', [r2]]);
  const none = tokenCookiesSent.evaluate({ request: undefined, names: ['app_jwt', 'app_rt'] });
  assert.deepEqual([none.ok, none.actual, none.evidence], [false, 'not sent: app_jwt, app_rt', []]);
  assert.deepEqual(tokenCookiesSent.evaluate({ request: undefined, names: [] }).evidence, []);
  assert.equal(tokenCookiesSent.evaluate({ request: req('app_jwt=app_rt'), names: ['app_rt'] }).ok, false, 'a value is not a name');
});

test('no-sso-cookies: none of the other app\'s cookie names arrive', () => {
  assert.deepEqual([noCookiesFromOtherApp.kind, noCookiesFromOtherApp.name, noCookiesFromOtherApp.level], ['no-sso-cookies', 'otherAppCookiesNotSent', 'MUST']);
  assert.equal(noCookiesFromOtherApp.ensures({ app: 'the forums', foreign: [] }), "the browser sends the forums none of the other application's cookies (no SSO in this workflow)");
  const r = req('forums_jwt=f; app_jwt=j;app_rt=r');
  const bad = noCookiesFromOtherApp.evaluate({ app: 'the forums', request: r, foreign: ['app_jwt', 'app_rt'] });
  assert.deepEqual([bad.ok, bad.actual, bad.evidence], [false, 'the forums received app_jwt, app_rt', [r]]);
  const own = req('forums_jwt=app_jwt');
  const ok = noCookiesFromOtherApp.evaluate({ app: 'the forums', request: own, foreign: ['app_jwt'] });
  assert.deepEqual([ok.ok, ok.actual, ok.evidence], [true, "cookies sent: forums_jwt (none of the other app's)", [own]]);
  assert.equal(noCookiesFromOtherApp.evaluate({ app: 'the forums', request: req('forums_jwt=f; theme=dark'), foreign: ['app_jwt'] }).actual, "cookies sent: forums_jwt, theme (none of the other app's)");
  const empty = noCookiesFromOtherApp.evaluate({ app: 'the forums', request: req(''), foreign: ['app_jwt'] });
  assert.deepEqual([empty.ok, empty.actual], [true, 'no cookies sent']);
  const absent = noCookiesFromOtherApp.evaluate({ app: 'the forums', request: undefined, foreign: [''] });
  assert.deepEqual([absent.ok, absent.actual, absent.evidence], [true, 'no cookies sent', []]);
  assert.deepEqual(noCookiesFromOtherApp.evaluate({ app: 'x', request: undefined, foreign: [] }).evidence, []);
});

test('other-cookies-untouched: values compared one by one', () => {
  assert.deepEqual([otherAppCookiesUntouched.kind, otherAppCookiesUntouched.name, otherAppCookiesUntouched.level], ['other-cookies-untouched', 'otherAppCookiesUntouched', 'MUST']);
  const e = [req()];
  assert.equal(otherAppCookiesUntouched.ensures({ app: 'the store', before: {}, after: {}, evidence: e }), "logging in elsewhere leaves the store's cookies as they were");
  const ok = otherAppCookiesUntouched.evaluate({ app: 'the store', before: { a: '1', b: '2' }, after: { a: '1', b: '2', c: '3' }, evidence: e });
  assert.deepEqual([ok.ok, ok.actual, ok.evidence], [true, "the store's cookies unchanged (a, b)", []]);
  const bad = otherAppCookiesUntouched.evaluate({ app: 'the store', before: { a: '1', b: '2', c: '3' }, after: { a: '1', b: 'x' }, evidence: e });
  assert.deepEqual([bad.ok, bad.actual, bad.evidence], [false, "the store's cookies changed: b, c", e]);
});

test('jwt-cookie-replaced: a new value, HttpOnly', () => {
  assert.deepEqual([tokenCookieReplaced.kind, tokenCookieReplaced.name, tokenCookieReplaced.level], ['jwt-cookie-replaced', 'refreshedJwtWrittenBack', 'MUST']);
  assert.equal(tokenCookieReplaced.ensures({ role: 'JWT' }), 'the response sets the new JWT FusionAuth issued, HttpOnly, in place of the old one');
  const r = login('app_jwt=new; HttpOnly');
  const ok = tokenCookieReplaced.evaluate({ role: 'JWT', response: r, cookie: setCookiesOf(r)[0], oldValue: 'old' });
  assert.deepEqual([ok.ok, ok.actual, ok.evidence], [true, 'app_jwt set to the new JWT, HttpOnly', [r]]);
  const none = tokenCookieReplaced.evaluate({ role: 'JWT', response: r, oldValue: 'old' });
  assert.deepEqual([none.ok, none.actual, none.evidence], [false, 'no Set-Cookie carries a newly issued JWT', [r]]);
  assert.deepEqual(tokenCookieReplaced.evaluate({ role: 'JWT' }).evidence, []);
  const same = login('app_jwt=old; HttpOnly');
  const o2 = tokenCookieReplaced.evaluate({ role: 'JWT', response: same, cookie: setCookiesOf(same)[0], oldValue: 'old' });
  assert.deepEqual([o2.ok, o2.actual, o2.evidence], [false, 'the cookie was set to the old JWT again', [same]]);
  const plain = login('app_jwt=new');
  const o3 = tokenCookieReplaced.evaluate({ role: 'JWT', response: plain, cookie: setCookiesOf(plain)[0], oldValue: 'old' });
  assert.deepEqual([o3.ok, o3.actual, o3.evidence], [false, 'app_jwt carries the new JWT but is not HttpOnly', [plain]]);
});

test('refresh-token-current: the browser holds the latest issued token', () => {
  const k = browserHoldsCurrentToken;
  assert.deepEqual([k.kind, k.name, k.level], ['refresh-token-current', 'rotatedRefreshTokenStored', 'MUST']);
  const e = [req()];
  assert.equal(k.ensures({ role: 'refresh token', evidence: e }), "the browser's refresh token cookie holds the refresh token FusionAuth issued last (a OneTimeUse policy rotates it)");
  assert.deepEqual(Object.values(k.evaluate({ role: 'refresh token', held: 'rt2', expected: 'rt2', evidence: e })), [true, 'holds the latest refresh token', e]);
  assert.deepEqual(Object.values(k.evaluate({ role: 'refresh token', held: 'rt1', expected: 'rt2', evidence: e })), [false, 'holds an older refresh token, revoked by FusionAuth', e]);
  assert.deepEqual(Object.values(k.evaluate({ role: 'refresh token', held: 'rt1', evidence: e })), [false, 'FusionAuth issued no refresh token in this step', e]);
  assert.deepEqual(Object.values(k.evaluate({ role: 'refresh token', expected: 'rt2', evidence: e })), [false, 'the browser holds no refresh token cookie any more', e]);
});
