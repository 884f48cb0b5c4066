import type { TargetName } from '../backend/config';
import * as checks from '../checks';
import { type Verdict, isRefreshCall, setCookiesOf } from '../checks';
import type { Exchange } from '../trace';
import { userPageOf } from './apps';
import { isDeletion, newTokens } from './credentials';
import type { Scenario } from './scenario';

/**
 * The judgements every flow makes alike whose backend keeps the login in cookies it sets
 * (webapp/, sessions/, oauth/): the session cookie of a login answer, the refresh a backend
 * made and the new JWT it wrote back, and what the hacker got with stolen cookies. Each flow
 * gathers its own subject (which answer was the login, which tokens were held before, what
 * was stolen); the judging is here once.
 */

/** The login answer set a session cookie, HttpOnly and for the app's own host (`deps`: what must have worked first). */
export function judgeSessionCookie(s: Scenario, app: TargetName, response: Exchange | undefined, deps: (Verdict | undefined)[] = []): void {
  const session = s.credentials.sessionCookieOf(response);
  const others = setCookiesOf(response).filter((c) => c !== session && !isDeletion(c, s.time.now()));
  const set = s.verifyAfter(deps, checks.sessionCookieSet, { app, response, session, others });
  const args = { app, host: s.app(app).host, role: 'session id', cookie: session, response };
  s.verifyAfter([set, ...deps], checks.cookieIsHttpOnly, args);
  s.verifyAfter([set, ...deps], checks.cookieIsHostOnly, args);
}

/**
 * The answer set the JWT and the refresh token each in a cookie, HttpOnly and for the app's
 * own host, saying where inside a wrapped value the token was found (j: JSON, s: signed…).
 * A cookie that was never set has no attributes to judge: one failure, not three.
 */
export function judgeTokenCookies(s: Scenario, app: TargetName, response: Exchange | undefined, deps: (Verdict | undefined)[] = []): void {
  for (const [role, label, tag] of [['jwt', 'JWT', 'jwt'], ['refreshToken', 'refresh token', 'refresh']] as const) {
    const cookie = s.credentials.tokenCookie(role, response);
    const args = { app, host: s.app(app).host, role: label, cookie, response };
    const via = cookie && s.credentials.wrappingOf(cookie.cookie.key);
    const set = s.verifyAfter(deps, checks.tokenCookieSet, args, { kind: `${tag}-cookie-set`, ...(via ? { note: `inside its value: ${via}` } : {}) });
    s.verifyAfter([set, ...deps], checks.cookieIsHttpOnly, args);
    s.verifyAfter([set, ...deps], checks.cookieIsHostOnly, args);
  }
}

/** The backend called FusionAuth's refresh API with the refresh token the browser held (`endpoint`: the one the variant asks for). */
export function judgeRefreshCalled(s: Scenario, app: TargetName, expectStatus: number, refreshToken: string | undefined, endpoint?: string): void {
  s.verify(checks.backendCalledRefresh, { caller: s.app(app).participant, exchanges: s.sinceLast(), refreshToken: refreshToken ?? '(none held)', expectStatus, ...(endpoint ? { endpoint } : {}) });
}

/** The last answer wrote the JWT the refresh just issued (either refresh API's answer) into a cookie, in place of `oldJwt`. */
export function judgeJwtCookieReplaced(s: Scenario, oldJwt: string | undefined): void {
  const response = s.lastResponse();
  const refreshes = s.sinceLast().filter((e) => isRefreshCall(e) && e.response?.status === 200);
  const issued = new Set(refreshes.flatMap((e) => newTokens(e).jwt ?? []));
  const cookie = setCookiesOf(response).find((c) => s.credentials.holdsAny(c.cookie.value, issued));
  // No refresh, no new JWT to write: the refresh check already failed for it.
  s.verifyAfter([s.verifier.failed('refresh-called')], checks.tokenCookieReplaced, { role: 'JWT', response, cookie, oldValue: oldJwt });
}

/** INFO: whether the app refreshed the JWT for the hacker's stolen refresh token. */
export function judgeAttackRefreshed(s: Scenario, app: TargetName): void {
  s.verify(checks.stolenRefreshTokenRefreshed, { attack: `${app} refreshed the JWT with the stolen refresh token`, caller: s.app(app).participant, exchanges: s.sinceLast() });
}

/** INFO: whether the hacker got the user's page with what it stole (and, `withNewJwt`, a new JWT). */
export function judgeAttackGotPage(s: Scenario, app: TargetName, stolen: 'session' | 'refresh' | 'jwt' | undefined, withNewJwt: boolean): void {
  const check = withNewJwt ? checks.stolenRefreshTokenOpensPage : stolen === 'session' ? checks.stolenSessionOpensPage : checks.stolenJwtOpensPage;
  const page = userPageOf(app);
  s.verify(check, {
    attack: `the hacker got ${s.user}'s ${page}${withNewJwt ? ' and a new JWT' : ''}`,
    page,
    user: s.user,
    proof: s.proof(app),
    response: s.lastResponse(),
    ...(withNewJwt ? { newJwtAmong: s.env.double.issued().jwts } : {}),
  });
}
