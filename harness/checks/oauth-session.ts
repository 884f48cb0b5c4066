import { type Exchange, header } from '../trace';
import { type Outcome, defineCheck, fail, notApplicable, outcome, pass } from './check';
import type { SetCookie } from './cookies';
import { isRefreshCall } from './fusionauth-calls';
import { queryOf, formOf } from './oauth';
import { showsUser } from './pages';

/**
 * Session management of the OAuth workflows beyond the diagrams, as OWASP ASVS 4.0 V3 and
 * FusionAuth's logout documentation ask: a logout ends the app's own session (in the browser
 * and on the server), revokes what it can, ends FusionAuth's SSO session through
 * /oauth2/logout and comes back to the app; sessions end absolutely, not only when idle. ASVS
 * states verification requirements without RFC 2119 keywords: the kit rates MUST what a
 * logout or a session must do to deserve the name, SHOULD where a legitimate alternative
 * exists (docs/oauth-security-review.md gives each reason).
 */

function evidence(...es: (Exchange | undefined)[]): Exchange[] {
  return [...new Set(es.filter((e): e is Exchange => !!e))];
}

function statusOf(e: Exchange | undefined): string {
  const st = e?.response?.status;
  const loc = header(e?.response?.headers, 'location');
  return st === undefined ? (e?.error ?? 'no answer') : `${st}${loc ? ` to ${loc}` : ''}`;
}

function pathOf(e: Exchange): string {
  return e.request.path.split('?')[0];
}

/** A browser's request to FusionAuth's /oauth2/logout (GET or POST). */
export function isFusionAuthLogout(e: Exchange): boolean {
  return e.to === 'FusionAuth' && (e.request.method === 'GET' || e.request.method === 'POST') && pathOf(e) === '/oauth2/logout';
}

export interface LogoutArgs {
  app: string;
  user: string;
  proof: string;
  /** Positive control: the user page in this browser right before the logout. */
  before?: Exchange;
  /** The logout as the browser made it: the app's logout route and every redirect after it. */
  logout: Exchange[];
  /** The user page loaded after the logout (by the same browser, or with the old credential replayed). */
  after?: Exchange;
}

/** The logout was made and the page was the user's before it; else why it cannot be judged. */
function logoutUnjudged(a: LogoutArgs): Outcome | undefined {
  if (!a.logout.length) return notApplicable(`${a.app} offers no logout the kit could find (no "log out" link on its pages, no logout route in the config)`);
  if (!showsUser({ page: 'before', user: a.user, proof: a.proof, response: a.before })) return notApplicable(`not judged: the page before the logout did not show ${a.user} (no positive control)`, evidence(a.before));
  const st = a.after?.response?.status;
  if (st === undefined) return notApplicable(`inconclusive: no answer to the page after the logout (${a.after?.error ?? 'no request was made'})`, evidence(...a.logout, a.after));
  if (st >= 500) return notApplicable(`inconclusive: ${a.app} answered ${st} after the logout (a crash is not a logged-out page)`, evidence(...a.logout, a.after));
  return undefined;
}

export const logoutEndsSession = defineCheck<LogoutArgs>({
  kind: 'logout-ends-session',
  name: 'logoutLogsTheBrowserOut',
  level: 'MUST',
  ensures: (a) => `after ${a.app}'s logout the same browser no longer gets ${a.user}'s page (OWASP ASVS 4.0 V3.3.1: logout invalidates the session so the back button does not resume it)`,
  evaluate: (a) => {
    const na = logoutUnjudged(a);
    if (na) return na;
    if (showsUser({ page: 'after', user: a.user, proof: a.proof, response: a.after })) return fail(`after the logout (${a.logout.map(statusOf).join(' → ')}) the browser still gets ${a.user}'s page`, evidence(...a.logout, a.after));
    return pass(`logged out: ${statusOf(a.after)}`, evidence(a.before, ...a.logout, a.after));
  },
});

export const logoutInvalidatesSession = defineCheck<LogoutArgs>({
  kind: 'logout-invalidates-session',
  name: 'loggedOutSessionIdDead',
  level: 'MUST',
  ensures: (a) => `the session id ${a.app} gave ${a.user}'s browser opens nothing once the user logged out, wherever it is replayed from (OWASP ASVS 4.0 V3.3.1: logout invalidates the session token on the server, not only in the browser)`,
  evaluate: (a) => {
    const na = logoutUnjudged(a);
    if (na) return na;
    if (showsUser({ page: 'after', user: a.user, proof: a.proof, response: a.after })) return fail(`the session id held before the logout, replayed after it, still opens ${a.user}'s page: the server kept the session`, evidence(...a.logout, a.after));
    return pass(`the old session id is dead: ${statusOf(a.after)}`, evidence(a.before, a.after));
  },
});

export interface RevokeArgs {
  app: string;
  caller: string;
  /** Positive control: the refresh token refreshed before the logout (a refresh with it answered 200). */
  refreshedBefore: boolean;
  logout: Exchange[];
  /** The backend's calls made while serving the logout (DELETE /api/jwt/refresh, POST /api/logout…). */
  calls: Exchange[];
  /** After the logout, the old refresh token presented again (by the hacker's browser, with a bad JWT): the refresh calls it caused. */
  replay: Exchange[];
}

export const logoutRevokesRefreshToken = defineCheck<RevokeArgs>({
  kind: 'logout-revokes-refresh-token',
  name: 'logoutRevokesRefreshToken',
  level: 'SHOULD',
  ensures: (a) => `${a.app}'s logout revokes the refresh token at FusionAuth (DELETE /api/jwt/refresh; /oauth2/logout revokes none), so a copy taken before the logout refreshes nothing after it (OWASP ASVS 4.0 V3.3.1; RFC 9700 §4.14)`,
  evaluate: (a) => {
    if (!a.logout.length) return notApplicable(`${a.app} offers no logout the kit could find`);
    if (!a.refreshedBefore) return notApplicable('not judged: the refresh token was not seen to work before the logout (no positive control)');
    const refreshed = a.replay.filter((e) => isRefreshCall(e) && e.response?.status === 200);
    const revoked = a.calls.filter((e) => e.to === 'FusionAuth' && ((e.request.method === 'DELETE' && pathOf(e) === '/api/jwt/refresh') || (e.request.method === 'POST' && pathOf(e) === '/api/logout')));
    if (refreshed.length) return fail(`the refresh token held before the logout still got a new JWT after it (FusionAuth answered 200)${revoked.length ? '' : `; ${a.caller} made no revocation call while logging out`}`, evidence(...a.calls, ...refreshed));
    if (!a.replay.length) return notApplicable(`not judged: the old refresh token was never presented to FusionAuth after the logout (${a.caller} made no refresh call for it)`, evidence(...revoked));
    return pass(`revoked: FusionAuth answered ${a.replay.map((e) => e.response?.status ?? e.error).join(', ')} to the old refresh token${revoked.length ? ` (${revoked.map((e) => `${e.request.method} ${pathOf(e)}`).join(', ')})` : ''}`, evidence(...revoked, ...a.replay));
  },
});

export interface SsoLogoutArgs {
  app: string;
  /** Positive control: before the logout, FusionAuth's SSO session was alive (a login came back without the form). */
  ssoBefore?: Exchange;
  logout: Exchange[];
  /** The browser's GET /oauth2/authorize of the next login, after the logout. */
  nextLogin?: Exchange;
}

export const logoutEndsSso = defineCheck<SsoLogoutArgs>({
  kind: 'logout-ends-sso',
  name: 'logoutEndsFusionAuthSession',
  level: 'SHOULD',
  ensures: (a) => `${a.app}'s logout ends FusionAuth's SSO session too (it sends the browser to /oauth2/logout), so the next login asks for the password again (FusionAuth docs, OAuth endpoints §Logout; OWASP ASVS 4.0 V3.3.1 "including across relying parties"; an app-only logout is a legitimate product choice, hence SHOULD)`,
  evaluate: (a) => {
    if (!a.logout.length) return notApplicable(`${a.app} offers no logout the kit could find`);
    const st = a.ssoBefore?.response?.status;
    if (!a.ssoBefore || st === undefined || st < 300 || st >= 400 || !/[?&]code=/.test(header(a.ssoBefore.response?.headers, 'location') ?? '')) {
      return notApplicable('not judged: FusionAuth\'s SSO session was not seen alive before the logout (no login came back without the form): no positive control', evidence(a.ssoBefore));
    }
    const called = a.logout.filter(isFusionAuthLogout);
    const n = a.nextLogin;
    const nst = n?.response?.status;
    if (!n || nst === undefined) return notApplicable(`not judged: no login was started after the logout (${n?.error ?? 'no request was made'})`, evidence(...a.logout));
    const code = nst >= 300 && nst < 400 && /[?&]code=/.test(header(n.response?.headers, 'location') ?? '');
    if (code) return fail(`after the logout FusionAuth still logged the browser in without a password (${statusOf(n)})${called.length ? '' : `: ${a.app} never sent the browser to /oauth2/logout`}`, evidence(...a.logout, n));
    return pass(`${called.length ? `/oauth2/logout called (${called.map(statusOf).join(', ')}); ` : ''}the next login showed FusionAuth's form (${nst})`, evidence(a.ssoBefore, ...called, n));
  },
});

export interface LogoutReturnArgs {
  app: string;
  clientId: string;
  /** The app's own host: where the browser should land. */
  host: string;
  logout: Exchange[];
}

export const logoutReturnsToApp = defineCheck<LogoutReturnArgs>({
  kind: 'logout-returns-to-app',
  name: 'fusionAuthLogoutReturnsToApp',
  level: 'SHOULD',
  ensures: (a) => `${a.app}'s call to /oauth2/logout names the application (client_id ${a.clientId}, or an id_token_hint) and FusionAuth sends the browser back to ${a.host} (FusionAuth docs, OAuth endpoints §Logout: client_id "generally speaking … required"; post_logout_redirect_uri must be an authorized URL)`,
  evaluate: (a) => {
    const call = a.logout.find(isFusionAuthLogout);
    if (!call) return notApplicable(`${a.app} did not send the browser to /oauth2/logout (see logout-ends-sso)`);
    const p = call.request.method === 'POST' ? formOf(call) : queryOf(call);
    const wrong: string[] = [];
    if (!p.get('id_token_hint') && p.get('client_id') !== a.clientId) wrong.push(p.get('client_id') ? `client_id=${p.get('client_id')}` : 'neither client_id nor id_token_hint');
    const st = call.response?.status;
    if (st === undefined || st < 300 || st >= 400) wrong.push(`FusionAuth answered ${statusOf(call)}`);
    const last = a.logout[a.logout.length - 1];
    if (last.request.host !== a.host) wrong.push(`the browser ended on ${last.request.host}${pathOf(last)}, not ${a.host}`);
    return wrong.length ? fail(wrong.join('; '), evidence(...a.logout)) : pass(`client_id sent; ${statusOf(call)}; back on ${a.host}${pathOf(last)}`, evidence(...a.logout));
  },
});

export interface OtherAppLogoutArgs {
  /** The app logged out of (store) and the other one the user was logged in to through SSO (forums). */
  app: string;
  other: string;
  user: string;
  proof: string;
  /** The other app's logout URL as FusionAuth's directory declares it, if any. */
  logoutUrl?: string;
  /** Positive control: the other app's page showed the user before the logout. */
  before?: Exchange;
  /** FusionAuth's front-channel calls to the other app's logout URL (the browser's requests). */
  frontChannel: Exchange[];
  /** The other app's page after the logout. */
  after?: Exchange;
}

export const logoutReachesOtherApp = defineCheck<OtherAppLogoutArgs>({
  kind: 'logout-reaches-other-app',
  name: 'frontChannelLogoutEndsOtherApp',
  level: 'SHOULD',
  ensures: (a) => `logging out of ${a.app} through FusionAuth also ends the ${a.other}'s session: FusionAuth loads the ${a.other}'s logout URL${a.logoutUrl ? ` (${a.logoutUrl})` : ''} and the ${a.other} no longer shows ${a.user} (FusionAuth docs §Logout: OpenID Connect Front-Channel Logout; OWASP ASVS 4.0 V3.3.1 "including across relying parties")`,
  evaluate: (a) => {
    if (!a.logoutUrl) return notApplicable(`the ${a.other} declares no logout URL at FusionAuth, so FusionAuth has nothing to call`);
    if (!showsUser({ page: 'before', user: a.user, proof: a.proof, response: a.before })) return notApplicable(`not judged: the ${a.other} did not show ${a.user} before the logout (no positive control)`, evidence(a.before));
    if (!a.frontChannel.length) return notApplicable(`not judged: the browser never loaded the ${a.other}'s logout URL (did ${a.app}'s logout reach /oauth2/logout? see logout-ends-sso)`, evidence(a.after));
    const st = a.after?.response?.status;
    if (st === undefined || st >= 500) return notApplicable(`inconclusive: the ${a.other} answered ${statusOf(a.after)} after the logout`, evidence(...a.frontChannel, a.after));
    if (showsUser({ page: 'after', user: a.user, proof: a.proof, response: a.after })) return fail(`FusionAuth called the ${a.other}'s logout URL (${a.frontChannel.map(statusOf).join(', ')}) but the ${a.other} still shows ${a.user}`, evidence(...a.frontChannel, a.after));
    return pass(`the ${a.other}'s logout URL answered ${a.frontChannel.map(statusOf).join(', ')}; it now answers ${statusOf(a.after)}`, evidence(...a.frontChannel, a.after));
  },
});

export interface AbsoluteExpiryArgs {
  app: string;
  user: string;
  proof: string;
  /** The absolute lifetime the config declares (seconds), if any. */
  maxAgeSeconds?: number;
  loginAt: number;
  /** Loads spaced under the idle TTL, the last one past the absolute lifetime (world clock, ms). */
  loads: { at: number; exchange: Exchange }[];
}

export const sessionAbsoluteExpiry = defineCheck<AbsoluteExpiryArgs>({
  kind: 'session-absolute-expiry',
  name: 'sessionEndsAbsolutely',
  level: 'SHOULD',
  ensures: (a) => `${a.app}'s session ends ${a.maxAgeSeconds ?? '(declared)'} s after login even while it is used (OWASP ASVS 4.0 V3.3.2: re-authentication periodically when actively used, 30 days at L1, 12 hours at L2)`,
  evaluate: (a) => {
    if (a.maxAgeSeconds === undefined) return notApplicable(`the config declares no absolute session lifetime for ${a.app}`);
    const first = a.loads[0];
    const last = a.loads[a.loads.length - 1];
    if (!first || !showsUser({ page: 'page', user: a.user, proof: a.proof, response: first.exchange })) return notApplicable('not judged: the first load after login did not show the user (no positive control)', evidence(first?.exchange));
    if (last.at - a.loginAt <= a.maxAgeSeconds * 1000) return fail(`the last load was ${last.at - a.loginAt} ms after login, not past the ${a.maxAgeSeconds} s lifetime: nothing proven`, evidence(last.exchange));
    const shown = showsUser({ page: 'page', user: a.user, proof: a.proof, response: last.exchange });
    return outcome(!shown, shown ? `${(last.at - a.loginAt) / 1000} s after login, kept alive by use, the session still shows ${a.user}` : `${(last.at - a.loginAt) / 1000} s after login the session had ended (${statusOf(last.exchange)})`, evidence(first.exchange, last.exchange));
  },
});

export interface HostPrefixArgs {
  app: string;
  role: string;
  cookie?: SetCookie;
}

export const cookieHostPrefix = defineCheck<HostPrefixArgs>({
  kind: 'cookie-host-prefix',
  name: 'cookieUsesHostPrefix',
  level: 'INFO',
  ensures: (a) => `report whether the ${a.role} cookie of ${a.app} uses the __Host- prefix (OWASP ASVS 4.0 V3.4.4; host-only scoping itself is cookie-host-only)`,
  evaluate: (a) => {
    if (!a.cookie) return notApplicable(`no ${a.role} cookie was set`);
    const k = a.cookie.cookie.key;
    return outcome(k.startsWith('__Host-'), `${k.startsWith('__Host-') ? 'YES' : 'NO'}: ${k}`, [a.cookie.exchange]);
  },
});
