import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Outcome,
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

/** An outcome as [result, what was said, how many exchanges it cites]: every part asserted. */
const v = (o: Outcome) => [o.notApplicable !== undefined ? 'na' : o.ok ? 'pass' : 'fail', o.actual, o.evidence.length];

const CLIENT = '85a03867-dccf-4882-adde-1a79aeec50df';
const LOGOUT_URL = `http://auth.example.test/oauth2/logout?client_id=${CLIENT}&post_logout_redirect_uri=http%3A%2F%2Fstore.example.test%2F`;
const cart = (who = 'alice@example.com') => ex({ path: '/shopping-cart', status: 200, resBody: `<h1>Shopping cart of ${who}</h1>` });
const toLogin = () => ex({ path: '/shopping-cart', status: 302, resHeaders: { location: '/login' } });
const appLogout = (location = LOGOUT_URL) => ex({ path: '/logout', status: 302, resHeaders: { location, 'set-cookie': ['sid=; Path=/; Max-Age=0'] } });
const faLogout = (q = `client_id=${CLIENT}&post_logout_redirect_uri=http%3A%2F%2Fstore.example.test%2F`, status = 302, location = 'http://store.example.test/', method = 'GET') =>
  ex({ to: 'FusionAuth', method, host: 'auth.example.test', path: method === 'GET' ? `/oauth2/logout?${q}` : '/oauth2/logout', ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: q } : {}), status, resHeaders: status === 302 ? { location } : {} });
const home = () => ex({ path: '/', status: 200, resBody: '<a href="/login">Log in</a>' });
const who = { app: 'store', user: 'alice@example.com', proof: 'alice@example.com' };

test('isFusionAuthLogout: a browser GET or POST to FusionAuth /oauth2/logout, nothing else', () => {
  assert.deepEqual(
    [faLogout(), faLogout('client_id=x', 302, '/', 'POST'), appLogout(), ex({ to: 'FusionAuth', method: 'DELETE', host: 'auth.example.test', path: '/oauth2/logout' }), ex({ to: 'FusionAuth', host: 'auth.example.test', path: '/oauth2/logoutx' })].map(isFusionAuthLogout),
    [true, true, false, false, false],
  );
});

test('logout-ends-session (MUST): after the logout the same browser gets no user page; needs the page before it as control', () => {
  const k = logoutEndsSession;
  assert.deepEqual([k.kind, k.name, k.level], ['logout-ends-session', 'logoutLogsTheBrowserOut', 'MUST']);
  const args = { ...who, before: cart(), logout: [appLogout(), faLogout(), home()] };
  assert.equal(k.ensures(args), "after store's logout the same browser no longer gets alice@example.com's page (OWASP ASVS 4.0 V3.3.1: logout invalidates the session so the back button does not resume it)");
  assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['pass', 'logged out: 302 to /login', 5]);
  assert.deepEqual(v(k.evaluate({ ...args, after: cart() })), ['fail', `after the logout (302 to ${LOGOUT_URL} → 302 to http://store.example.test/ → 200) the browser still gets alice@example.com's page`, 4]);
  assert.deepEqual(v(k.evaluate({ ...args, logout: [], after: toLogin() })), ['na', 'store offers no logout the kit could find (no "log out" link on its pages, no logout route in the config)', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, before: toLogin(), after: toLogin() })), ['na', 'not judged: the page before the logout did not show alice@example.com (no positive control)', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, before: undefined, after: toLogin() })), ['na', 'not judged: the page before the logout did not show alice@example.com (no positive control)', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ status: 500 }) })), ['na', 'inconclusive: store answered 500 after the logout (a crash is not a logged-out page)', 4]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ status: 499 }) })), ['pass', 'logged out: 499', 5]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ error: 'ECONNRESET' }) })), ['na', 'inconclusive: no answer to the page after the logout (ECONNRESET)', 4]);
  assert.deepEqual(v(k.evaluate({ ...args })), ['na', 'inconclusive: no answer to the page after the logout (no request was made)', 3]);
});

test('logout-invalidates-session (MUST): the session id held before the logout, replayed after it, opens nothing', () => {
  const k = logoutInvalidatesSession;
  assert.deepEqual([k.kind, k.name, k.level], ['logout-invalidates-session', 'loggedOutSessionIdDead', 'MUST']);
  const args = { ...who, before: cart(), logout: [appLogout()] };
  assert.equal(k.ensures(args), "the session id store gave alice@example.com's browser opens nothing once the user logged out, wherever it is replayed from (OWASP ASVS 4.0 V3.3.1: logout invalidates the session token on the server, not only in the browser)");
  assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['pass', 'the old session id is dead: 302 to /login', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: cart() })), ['fail', "the session id held before the logout, replayed after it, still opens alice@example.com's page: the server kept the session", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, logout: [], after: cart() })), ['na', 'store offers no logout the kit could find (no "log out" link on its pages, no logout route in the config)', 0]);
});

test('logout-revokes-refresh-token (SHOULD): the refresh token copied before the logout refreshes nothing after it', () => {
  const k = logoutRevokesRefreshToken;
  assert.deepEqual([k.kind, k.name, k.level], ['logout-revokes-refresh-token', 'logoutRevokesRefreshToken', 'SHOULD']);
  const refresh = (status: number) => ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=rt', status });
  const revoke = ex({ from: 'Store', to: 'FusionAuth', method: 'DELETE', host: 'auth.example.test', path: '/api/jwt/refresh?token=rt', status: 200 });
  const apiLogout = ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/api/logout', status: 200 });
  const unrelated = [
    ex({ from: 'Store', to: 'FusionAuth', method: 'GET', host: 'auth.example.test', path: '/api/jwt/refresh', status: 200 }),
    ex({ from: 'Store', to: 'FusionAuth', method: 'DELETE', host: 'auth.example.test', path: '/api/user', status: 200 }),
    ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', status: 200 }),
    ex({ from: 'Store', to: 'FusionAuth', method: 'GET', host: 'auth.example.test', path: '/api/logout', status: 200 }),
    ex({ from: 'Store', to: 'Forums', method: 'DELETE', path: '/api/jwt/refresh', status: 200 }),
    ex({ from: 'Store', to: 'Forums', method: 'POST', path: '/api/logout', status: 200 }),
  ];
  const args = { app: 'store', caller: 'Store', refreshedBefore: true, logout: [appLogout()] };
  assert.equal(k.ensures({ ...args, calls: [], replay: [] }), "store's logout revokes the refresh token at FusionAuth (DELETE /api/jwt/refresh; /oauth2/logout revokes none), so a copy taken before the logout refreshes nothing after it (OWASP ASVS 4.0 V3.3.1; RFC 9700 §4.14)");
  assert.deepEqual(v(k.evaluate({ ...args, calls: [revoke, ...unrelated], replay: [refresh(400)] })), ['pass', 'revoked: FusionAuth answered 400 to the old refresh token (DELETE /api/jwt/refresh)', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, calls: [apiLogout], replay: [refresh(401), ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', error: 'ECONNRESET' })] })), ['pass', 'revoked: FusionAuth answered 401, ECONNRESET to the old refresh token (POST /api/logout)', 3]);
  assert.deepEqual(v(k.evaluate({ ...args, calls: unrelated, replay: [refresh(400)] })), ['pass', 'revoked: FusionAuth answered 400 to the old refresh token', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, calls: [], replay: [refresh(200)] })), ['fail', 'the refresh token held before the logout still got a new JWT after it (FusionAuth answered 200); Store made no revocation call while logging out', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, calls: [revoke], replay: [refresh(200)] })), ['fail', 'the refresh token held before the logout still got a new JWT after it (FusionAuth answered 200)', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, calls: [revoke], replay: [] })), ['na', 'not judged: the old refresh token was never presented to FusionAuth after the logout (Store made no refresh call for it)', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, refreshedBefore: false, calls: [], replay: [refresh(200)] })), ['na', 'not judged: the refresh token was not seen to work before the logout (no positive control)', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, logout: [], calls: [], replay: [] })), ['na', 'store offers no logout the kit could find', 0]);
});

test('logout-ends-sso (SHOULD): after the logout the next login shows FusionAuth form; needs the SSO seen alive before it', () => {
  const k = logoutEndsSso;
  assert.deepEqual([k.kind, k.name, k.level], ['logout-ends-sso', 'logoutEndsFusionAuthSession', 'SHOULD']);
  const authorize = (status: number, location?: string) => ex({ to: 'FusionAuth', host: 'auth.example.test', path: '/oauth2/authorize?client_id=x', status, ...(location ? { resHeaders: { location } } : {}), resBody: status === 200 ? '<form><input type="password"></form>' : '' });
  const code = 'http://store.example.test/oauth-redirect?code=c9&state=s';
  const args = { app: 'store', ssoBefore: authorize(302, code), logout: [appLogout(), faLogout(), home()] };
  assert.match(k.ensures(args), /^store's logout ends FusionAuth's SSO session too .* hence SHOULD\)$/);
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: authorize(200) })), ['pass', "/oauth2/logout called (302 to http://store.example.test/); the next login showed FusionAuth's form (200)", 3]);
  const local = [ex({ path: '/logout', status: 302, resHeaders: { location: '/' } }), home()];
  assert.deepEqual(v(k.evaluate({ ...args, logout: local, nextLogin: authorize(200) })), ['pass', "the next login showed FusionAuth's form (200)", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, logout: local, nextLogin: authorize(302, code) })), ['fail', `after the logout FusionAuth still logged the browser in without a password (302 to ${code}): store never sent the browser to /oauth2/logout`, 3]);
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: authorize(302, code) })), ['fail', `after the logout FusionAuth still logged the browser in without a password (302 to ${code})`, 4]);
  // A redirect without a code (FusionAuth's error redirect, a 400 page) is no SSO login.
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: authorize(302, 'http://store.example.test/oauth-redirect?error=login_required') }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: authorize(400) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: authorize(299, code) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: authorize(400, code) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: authorize(300, code) }))[0], 'fail');
  const noControl = "not judged: FusionAuth's SSO session was not seen alive before the logout (no login came back without the form): no positive control";
  for (const ssoBefore of [authorize(200), authorize(299, code), authorize(400, code), authorize(302, 'http://store.example.test/oauth-redirect?error=x')]) assert.deepEqual(v(k.evaluate({ ...args, ssoBefore, nextLogin: authorize(200) })), ['na', noControl, 1]);
  assert.deepEqual(v(k.evaluate({ ...args, ssoBefore: authorize(300, code), nextLogin: authorize(200) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, ssoBefore: authorize(399, code), nextLogin: authorize(200) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, ssoBefore: ex({ to: 'FusionAuth', error: 'ECONNRESET' }), nextLogin: authorize(200) })), ['na', noControl, 1]);
  assert.deepEqual(v(k.evaluate({ ...args, ssoBefore: undefined, nextLogin: authorize(200) })), ['na', noControl, 0]);
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: undefined })), ['na', 'not judged: no login was started after the logout (no request was made)', 3]);
  assert.deepEqual(v(k.evaluate({ ...args, nextLogin: ex({ to: 'FusionAuth', error: 'ETIMEDOUT' }) })), ['na', 'not judged: no login was started after the logout (ETIMEDOUT)', 3]);
  assert.deepEqual(v(k.evaluate({ ...args, logout: [], nextLogin: authorize(200) })), ['na', 'store offers no logout the kit could find', 0]);
});

test('logout-returns-to-app (SHOULD): /oauth2/logout names the application and FusionAuth sends the browser back to the app', () => {
  const k = logoutReturnsToApp;
  assert.deepEqual([k.kind, k.name, k.level], ['logout-returns-to-app', 'fusionAuthLogoutReturnsToApp', 'SHOULD']);
  const args = { app: 'store', clientId: CLIENT, host: 'store.example.test' };
  assert.match(k.ensures({ ...args, logout: [] }), /^store's call to \/oauth2\/logout names the application \(client_id 85a03867-dccf-4882-adde-1a79aeec50df, or an id_token_hint\) and FusionAuth sends the browser back to store\.example\.test/);
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), faLogout(), home()] })), ['pass', 'client_id sent; 302 to http://store.example.test/; back on store.example.test/', 3]);
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), faLogout(`client_id=${CLIENT}`, 302, 'http://store.example.test/', 'POST'), home()] }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), faLogout('id_token_hint=eyJ.x.y'), home()] }))[0], 'pass');
  const anonymous = faLogout('post_logout_redirect_uri=http%3A%2F%2Fstore.example.test%2F', 302, 'http://auth.example.test/');
  const lost = ex({ to: 'FusionAuth', host: 'auth.example.test', path: '/', status: 200 });
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), anonymous, lost] })), ['fail', 'neither client_id nor id_token_hint; the browser ended on auth.example.test/, not store.example.test', 3]);
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), faLogout('client_id=other'), home()] })), ['fail', 'client_id=other', 3]);
  // The client_id in a POST is in its body: read from the query, it would be missed.
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), faLogout('post_logout_redirect_uri=x', 302, 'http://store.example.test/', 'POST'), home()] })), ['fail', 'neither client_id nor id_token_hint', 3]);
  for (const [status, said] of [
    [400, 'FusionAuth answered 400'],
    [299, 'FusionAuth answered 299'],
    [200, 'FusionAuth answered 200'],
  ] as const) {
    assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), faLogout(`client_id=${CLIENT}`, status), home()] })), ['fail', said, 3]);
  }
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), faLogout(`client_id=${CLIENT}`, 399, 'http://store.example.test/'), home()] }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), faLogout(`client_id=${CLIENT}`, 300, 'http://store.example.test/'), home()] }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout(), ex({ to: 'FusionAuth', host: 'auth.example.test', path: `/oauth2/logout?client_id=${CLIENT}`, error: 'ECONNRESET' })] })), ['fail', 'FusionAuth answered ECONNRESET; the browser ended on auth.example.test/oauth2/logout, not store.example.test', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, logout: [appLogout('/'), home()] })), ['na', 'store did not send the browser to /oauth2/logout (see logout-ends-sso)', 0]);
});

test('logout-reaches-other-app (SHOULD): FusionAuth front-channel call ends the forums session too; needs a declared logout URL', () => {
  const k = logoutReachesOtherApp;
  assert.deepEqual([k.kind, k.name, k.level], ['logout-reaches-other-app', 'frontChannelLogoutEndsOtherApp', 'SHOULD']);
  const posts = (who2 = 'alice@example.com') => ex({ host: 'forums.example.test', path: '/posts', status: 200, resBody: `<h1>Forum posts of ${who2}</h1>` });
  const front = ex({ host: 'forums.example.test', path: '/frontchannel-logout', status: 200, resBody: '' });
  const args = { app: 'store', other: 'forums', user: 'alice@example.com', proof: 'alice@example.com', logoutUrl: 'http://forums.example.test/frontchannel-logout', before: posts(), frontChannel: [front] };
  assert.match(k.ensures(args), /^logging out of store through FusionAuth also ends the forums's session: FusionAuth loads the forums's logout URL \(http:\/\/forums\.example\.test\/frontchannel-logout\) and the forums no longer shows alice@example\.com/);
  assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['pass', "the forums's logout URL answered 200; it now answers 302 to /login", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: posts() })), ['fail', "FusionAuth called the forums's logout URL (200) but the forums still shows alice@example.com", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ status: 499 }) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ status: 500 }) })), ['na', "inconclusive: the forums answered 500 after the logout", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ error: 'ECONNRESET' }) })), ['na', 'inconclusive: the forums answered ECONNRESET after the logout', 2]);
  assert.deepEqual(v(k.evaluate({ ...args })), ['na', 'inconclusive: the forums answered no answer after the logout', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, logoutUrl: undefined, after: posts() })), ['na', 'the forums declares no logout URL at FusionAuth, so FusionAuth has nothing to call', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, frontChannel: [], after: posts() })), ['na', "not judged: the browser never loaded the forums's logout URL (did store's logout reach /oauth2/logout? see logout-ends-sso)", 1]);
  assert.deepEqual(v(k.evaluate({ ...args, before: toLogin(), after: posts() })), ['na', 'not judged: the forums did not show alice@example.com before the logout (no positive control)', 1]);
});

test('session-absolute-expiry (SHOULD): a session kept busy still ends at its declared lifetime', () => {
  const k = sessionAbsoluteExpiry;
  assert.deepEqual([k.kind, k.name, k.level], ['session-absolute-expiry', 'sessionEndsAbsolutely', 'SHOULD']);
  const t0 = 1_000_000;
  const loads = (lastAt: number, last: ReturnType<typeof cart>) => [{ at: t0 + 1000, exchange: cart() }, { at: t0 + 2000, exchange: cart() }, { at: t0 + lastAt, exchange: last }];
  const args = { ...who, maxAgeSeconds: 3600, loginAt: t0 };
  assert.equal(k.ensures({ ...args, loads: [] }), "store's session ends 3600 s after login even while it is used (OWASP ASVS 4.0 V3.3.2: re-authentication periodically when actively used, 30 days at L1, 12 hours at L2)");
  assert.equal(k.ensures({ ...args, maxAgeSeconds: undefined, loads: [] }), "store's session ends (declared) s after login even while it is used (OWASP ASVS 4.0 V3.3.2: re-authentication periodically when actively used, 30 days at L1, 12 hours at L2)");
  assert.deepEqual(v(k.evaluate({ ...args, loads: loads(3_700_000, toLogin()) })), ['pass', '3700 s after login the session had ended (302 to /login)', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, loads: loads(3_700_000, cart()) })), ['fail', '3700 s after login, kept alive by use, the session still shows alice@example.com', 2]);
  // Exactly at the lifetime is not past it: nothing proven.
  assert.deepEqual(v(k.evaluate({ ...args, loads: loads(3_600_000, toLogin()) })), ['fail', 'the last load was 3600000 ms after login, not past the 3600 s lifetime: nothing proven', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, loads: loads(3_600_001, toLogin()) }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, loginAt: t0 + 10, loads: loads(3_600_005, toLogin()) }))[0], 'fail');
  assert.deepEqual(v(k.evaluate({ ...args, maxAgeSeconds: undefined, loads: loads(3_700_000, cart()) })), ['na', 'the config declares no absolute session lifetime for store', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, loads: [{ at: t0 + 1000, exchange: toLogin() }, { at: t0 + 3_700_000, exchange: toLogin() }] })), ['na', 'not judged: the first load after login did not show the user (no positive control)', 1]);
  assert.deepEqual(v(k.evaluate({ ...args, loads: [] })), ['na', 'not judged: the first load after login did not show the user (no positive control)', 0]);
});

test('cookie-host-prefix (INFO): reports whether the session cookie uses __Host-', () => {
  const k = cookieHostPrefix;
  assert.deepEqual([k.kind, k.name, k.level], ['cookie-host-prefix', 'cookieUsesHostPrefix', 'INFO']);
  const set = (name: string) => setCookiesOf(ex({ path: '/oauth-redirect', status: 302, resHeaders: { 'set-cookie': [`${name}=v; Path=/; Secure; HttpOnly`] } }))[0];
  assert.equal(k.ensures({ app: 'store', role: 'session id' }), 'report whether the session id cookie of store uses the __Host- prefix (OWASP ASVS 4.0 V3.4.4; host-only scoping itself is cookie-host-only)');
  assert.deepEqual(v(k.evaluate({ app: 'store', role: 'session id', cookie: set('__Host-sid') })), ['pass', 'YES: __Host-sid', 1]);
  assert.deepEqual(v(k.evaluate({ app: 'store', role: 'session id', cookie: set('sid') })), ['fail', 'NO: sid', 1]);
  assert.deepEqual(v(k.evaluate({ app: 'store', role: 'session id', cookie: set('sid__Host-') })), ['fail', 'NO: sid__Host-', 1]);
  assert.deepEqual(v(k.evaluate({ app: 'store', role: 'session id' })), ['na', 'no session id cookie was set', 0]);
});
