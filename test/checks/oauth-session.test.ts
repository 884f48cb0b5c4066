import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cookieHostPrefix,
  isFusionAuthLogout,
  logoutEndsSession,
  logoutEndsSso,
  logoutInvalidatesSession,
  logoutReachesOtherApp,
  logoutReturnsToApp,
  logoutRevokesRefreshToken,
  sessionAbsoluteExpiry,
  setCookiesOf,
} from '../../harness/checks';
import { ex } from './hand-built';

/** The ASVS V3 session checks of the OAuth workflows (logout, lifetime, cookie prefix), on hand-built exchanges. */

const CLIENT = '85a03867-dccf-4882-adde-1a79aeec50df';
const cart = (who = 'alice@example.com') => ex({ path: '/shopping-cart', status: 200, resBody: `<h1>Shopping cart of ${who}</h1>` });
const toLogin = () => ex({ path: '/shopping-cart', status: 302, resHeaders: { location: '/login' } });
const appLogout = (location = `http://auth.example.test/oauth2/logout?client_id=${CLIENT}&post_logout_redirect_uri=http%3A%2F%2Fstore.example.test%2F`) => ex({ path: '/logout', status: 302, resHeaders: { location, 'set-cookie': ['sid=; Path=/; Max-Age=0'] } });
const faLogout = (q = `client_id=${CLIENT}&post_logout_redirect_uri=http%3A%2F%2Fstore.example.test%2F`, status = 302, location = 'http://store.example.test/') => ex({ to: 'FusionAuth', host: 'auth.example.test', path: `/oauth2/logout?${q}`, status, resHeaders: status === 302 ? { location } : {} });
const home = () => ex({ path: '/', status: 200, resBody: '<a href="/login">Log in</a>' });
const who = { app: 'store', user: 'alice@example.com', proof: 'alice@example.com' };

test('isFusionAuthLogout tells a browser request to /oauth2/logout from the app own /logout', () => {
  assert.equal(isFusionAuthLogout(faLogout()), true);
  assert.equal(isFusionAuthLogout(appLogout()), false);
});

test('logout-ends-session (MUST): after the logout the same browser gets no user page; needs the page before it as control', () => {
  const k = logoutEndsSession;
  assert.deepEqual([k.kind, k.level], ['logout-ends-session', 'MUST']);
  const args = { ...who, before: cart(), logout: [appLogout(), faLogout(), home()] };
  assert.match(k.ensures(args), /ASVS 4\.0 V3\.3\.1/);
  assert.equal(k.evaluate({ ...args, after: toLogin() }).actual, 'logged out: 302 to /login');
  const still = k.evaluate({ ...args, after: cart() });
  assert.deepEqual([still.ok, still.actual], [false, `after the logout (302 to http://auth.example.test/oauth2/logout?client_id=${CLIENT}&post_logout_redirect_uri=http%3A%2F%2Fstore.example.test%2F → 302 to http://store.example.test/ → 200) the browser still gets alice@example.com's page`]);
  assert.match(k.evaluate({ ...args, logout: [], after: toLogin() }).notApplicable ?? '', /offers no logout the kit could find/);
  assert.match(k.evaluate({ ...args, before: toLogin(), after: toLogin() }).notApplicable ?? '', /no positive control/);
  assert.match(k.evaluate({ ...args, after: ex({ status: 500 }) }).notApplicable ?? '', /inconclusive: store answered 500/);
});

test('logout-invalidates-session (MUST): the session id held before the logout, replayed after it, opens nothing', () => {
  const k = logoutInvalidatesSession;
  assert.deepEqual([k.kind, k.level], ['logout-invalidates-session', 'MUST']);
  const args = { ...who, before: cart(), logout: [appLogout()] };
  assert.equal(k.evaluate({ ...args, after: toLogin() }).actual, 'the old session id is dead: 302 to /login');
  assert.deepEqual([k.evaluate({ ...args, after: cart() }).ok, k.evaluate({ ...args, after: cart() }).actual], [false, "the session id held before the logout, replayed after it, still opens alice@example.com's page: the server kept the session"]);
  assert.ok(k.evaluate({ ...args, logout: [], after: cart() }).notApplicable);
});

test('logout-revokes-refresh-token (SHOULD): the refresh token copied before the logout refreshes nothing after it', () => {
  const k = logoutRevokesRefreshToken;
  assert.deepEqual([k.kind, k.level], ['logout-revokes-refresh-token', 'SHOULD']);
  const refresh = (status: number) => ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=rt', status });
  const revoke = ex({ from: 'Store', to: 'FusionAuth', method: 'DELETE', host: 'auth.example.test', path: '/api/jwt/refresh?token=rt', status: 200 });
  const args = { app: 'store', caller: 'Store', refreshedBefore: true, logout: [appLogout()] };
  assert.equal(k.evaluate({ ...args, calls: [revoke], replay: [refresh(400)] }).actual, 'revoked: FusionAuth answered 400 to the old refresh token (DELETE /api/jwt/refresh)');
  assert.equal(k.evaluate({ ...args, calls: [], replay: [refresh(200)] }).actual, 'the refresh token held before the logout still got a new JWT after it (FusionAuth answered 200); Store made no revocation call while logging out');
  assert.match(k.evaluate({ ...args, calls: [revoke], replay: [] }).notApplicable ?? '', /never presented to FusionAuth after the logout/);
  assert.match(k.evaluate({ ...args, refreshedBefore: false, calls: [], replay: [refresh(200)] }).notApplicable ?? '', /no positive control/);
  assert.ok(k.evaluate({ ...args, logout: [], calls: [], replay: [] }).notApplicable);
});

test('logout-ends-sso (SHOULD): after the logout the next login shows FusionAuth form; needs the SSO seen alive before it', () => {
  const k = logoutEndsSso;
  assert.deepEqual([k.kind, k.level], ['logout-ends-sso', 'SHOULD']);
  const ssoCode = () => ex({ to: 'FusionAuth', host: 'auth.example.test', path: '/oauth2/authorize?client_id=x', status: 302, resHeaders: { location: 'http://store.example.test/oauth-redirect?code=c9&state=s' } });
  const form = ex({ to: 'FusionAuth', host: 'auth.example.test', path: '/oauth2/authorize?client_id=x', status: 200, resBody: '<form><input type="password"></form>' });
  const args = { app: 'store', ssoBefore: ssoCode(), logout: [appLogout(), faLogout(), home()] };
  assert.equal(k.evaluate({ ...args, nextLogin: form }).actual, '/oauth2/logout called (302 to http://store.example.test/); the next login showed FusionAuth\'s form (200)');
  const local = k.evaluate({ ...args, logout: [ex({ path: '/logout', status: 302, resHeaders: { location: '/' } }), home()], nextLogin: ssoCode() });
  assert.deepEqual([local.ok, local.actual], [false, 'after the logout FusionAuth still logged the browser in without a password (302 to http://store.example.test/oauth-redirect?code=c9&state=s): store never sent the browser to /oauth2/logout']);
  assert.match(k.evaluate({ ...args, ssoBefore: form, nextLogin: form }).notApplicable ?? '', /SSO session was not seen alive before the logout/);
  assert.match(k.evaluate({ ...args, nextLogin: undefined }).notApplicable ?? '', /no login was started after the logout/);
  assert.ok(k.evaluate({ ...args, logout: [], nextLogin: form }).notApplicable);
});

test('logout-returns-to-app (SHOULD): /oauth2/logout names the application and FusionAuth sends the browser back to the app', () => {
  const k = logoutReturnsToApp;
  assert.deepEqual([k.kind, k.level], ['logout-returns-to-app', 'SHOULD']);
  const args = { app: 'store', clientId: CLIENT, host: 'store.example.test' };
  assert.equal(k.evaluate({ ...args, logout: [appLogout(), faLogout(), home()] }).actual, 'client_id sent; 302 to http://store.example.test/; back on store.example.test/');
  const anonymous = faLogout('post_logout_redirect_uri=http%3A%2F%2Fstore.example.test%2F', 302, 'http://auth.example.test/');
  const lost = ex({ to: 'FusionAuth', host: 'auth.example.test', path: '/', status: 200 });
  assert.equal(k.evaluate({ ...args, logout: [appLogout(), anonymous, lost] }).actual, 'neither client_id nor id_token_hint; the browser ended on auth.example.test/, not store.example.test');
  assert.match(k.evaluate({ ...args, logout: [appLogout(), faLogout(`client_id=${CLIENT}&post_logout_redirect_uri=http%3A%2F%2Fevil.example.test%2F`, 400)] }).actual, /FusionAuth answered 400/);
  assert.equal(k.evaluate({ ...args, logout: [appLogout(), faLogout(`id_token_hint=eyJ.x.y`), home()] }).ok, true);
  assert.ok(k.evaluate({ ...args, logout: [appLogout('/'), home()] }).notApplicable);
});

test('logout-reaches-other-app (SHOULD): FusionAuth front-channel call ends the forums session too; needs a declared logout URL', () => {
  const k = logoutReachesOtherApp;
  assert.deepEqual([k.kind, k.level], ['logout-reaches-other-app', 'SHOULD']);
  const posts = (who2 = 'alice@example.com') => ex({ host: 'forums.example.test', path: '/posts', status: 200, resBody: `<h1>Forum posts of ${who2}</h1>` });
  const front = ex({ host: 'forums.example.test', path: '/frontchannel-logout', status: 200, resBody: '' });
  const args = { app: 'store', other: 'forums', user: 'alice@example.com', proof: 'alice@example.com', logoutUrl: 'http://forums.example.test/frontchannel-logout', before: posts(), frontChannel: [front] };
  assert.equal(k.evaluate({ ...args, after: toLogin() }).actual, "the forums's logout URL answered 200; it now answers 302 to /login");
  assert.equal(k.evaluate({ ...args, after: posts() }).ok, false);
  assert.match(k.evaluate({ ...args, logoutUrl: undefined, after: posts() }).notApplicable ?? '', /declares no logout URL/);
  assert.match(k.evaluate({ ...args, frontChannel: [], after: posts() }).notApplicable ?? '', /never loaded the forums's logout URL/);
  assert.ok(k.evaluate({ ...args, before: toLogin(), after: posts() }).notApplicable);
});

test('session-absolute-expiry (SHOULD): a session kept busy still ends at its declared lifetime', () => {
  const k = sessionAbsoluteExpiry;
  assert.deepEqual([k.kind, k.level], ['session-absolute-expiry', 'SHOULD']);
  const t0 = 1_000_000;
  const loads = (last: ReturnType<typeof cart>) => [{ at: t0 + 1000, exchange: cart() }, { at: t0 + 3_700_000, exchange: last }];
  const args = { ...who, maxAgeSeconds: 3600, loginAt: t0 };
  assert.equal(k.evaluate({ ...args, loads: loads(toLogin()) }).actual, '3700 s after login the session had ended (302 to /login)');
  assert.equal(k.evaluate({ ...args, loads: loads(cart()) }).actual, '3700 s after login, kept alive by use, the session still shows alice@example.com');
  assert.equal(k.evaluate({ ...args, loads: [{ at: t0 + 1000, exchange: cart() }] }).ok, false);
  assert.ok(k.evaluate({ ...args, maxAgeSeconds: undefined, loads: loads(cart()) }).notApplicable);
  assert.ok(k.evaluate({ ...args, loads: [{ at: t0 + 1000, exchange: toLogin() }] }).notApplicable);
});

test('cookie-host-prefix (INFO): reports whether the session cookie uses __Host-', () => {
  const k = cookieHostPrefix;
  assert.deepEqual([k.kind, k.level], ['cookie-host-prefix', 'INFO']);
  const set = (name: string) => setCookiesOf(ex({ path: '/oauth-redirect', status: 302, resHeaders: { 'set-cookie': [`${name}=v; Path=/; Secure; HttpOnly`] } }))[0];
  assert.deepEqual([k.evaluate({ app: 'store', role: 'session id', cookie: set('__Host-sid') }).ok, k.evaluate({ app: 'store', role: 'session id', cookie: set('sid') }).actual], [true, 'NO: sid']);
  assert.equal(k.evaluate({ app: 'store', role: 'session id', cookie: set('sid') }).ok, false);
  assert.ok(k.evaluate({ app: 'store', role: 'session id' }).notApplicable);
});
