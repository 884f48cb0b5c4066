import * as jose from 'jose';
import * as checks from '../../checks';
import type { Check } from '../../checks';
import type { TargetName } from '../../backend/config';
import { type Exchange, worldTimeOf } from '../../trace';
import type { Found } from '../../checks/cookie-tokens';
import { type BadJwt, mintBadJwt } from '../bad-jwt';
import type { Scenario } from '../scenario';
import { HttpSpa, type SpaApp, type SpaDriver, lastApiCall } from './driver';

/**
 * The SPA workflow's actions and checks, on top of a Scenario. Checks of the app's own
 * JavaScript run only when a real browser ran it (`mode === 'chromium'`): in HTTP mode
 * the kit is that JavaScript, and checking itself could not fail.
 */
/** `profile`: another user's browser (its own Chromium) for the two-user scenarios; default the scenario's Browser. */
export type ChromiumSpaFactory = (s: Scenario, profile?: string) => Promise<SpaDriver>;
let chromiumFactory: ChromiumSpaFactory | undefined;

/** Browser mode plugs in here (kept out of this module so HTTP mode never loads playwright). */
export function useChromiumSpa(f: ChromiumSpaFactory): void {
  chromiumFactory = f;
}

/** Why an app-side check has no verdict in HTTP mode: the kit plays the app, so it would judge itself. */
export const HTTP_MODE = 'not checked in HTTP mode (use --browser chromium)';

const API_CHECKS: Record<BadJwt, Check<checks.ApiRejectArgs>> = {
  'bad-signature': checks.apiRejectsBadSignature,
  unsigned: checks.apiRejectsUnsigned,
  'wrong-audience': checks.apiRejectsWrongAudience,
  expired: checks.apiRejectsExpired,
};

/**
 * An app driver for one browser of the scenario: `actor` undefined is the Browser the
 * SpaFlow uses; `Browser:<label>` another user's (own jar and storage in HTTP mode, its
 * own Chromium in browser mode).
 */
export function createSpaDriver(s: Scenario, actor?: `Browser:${string}`): Promise<SpaDriver> {
  if (s.env.browser === 'chromium') {
    if (!chromiumFactory) throw new Error('browser mode is not available: harness/workflow/spa/chromium was not loaded');
    return chromiumFactory(s, actor);
  }
  return Promise.resolve(new HttpSpa(s.actor(actor ?? 'Browser'), `http://${s.env.fusionauthHost}`));
}

export class SpaFlow {
  private driverP: Promise<SpaDriver> | undefined;
  private current: TargetName = 'store';
  private mark = 0;
  private stolenJwt: string | undefined;
  private storeRefreshToken: string | undefined;

  constructor(private readonly s: Scenario) {
    s.env.useSpaCors();
  }

  private driver(): Promise<SpaDriver> {
    this.driverP ??= this.s.env.browser === 'chromium'
      ? (chromiumFactory ?? ((() => { throw new Error('browser mode is not available: harness/workflow/spa/chromium was not loaded'); }) as ChromiumSpaFactory))(this.s)
      : Promise.resolve(new HttpSpa(this.s.actor('Browser'), `http://${this.s.env.fusionauthHost}`, () => this.s.time.now()));
    return this.driverP;
  }

  private get browserMode(): boolean {
    return this.s.env.browser === 'chromium';
  }

  spaApp(name: TargetName): SpaApp {
    return spaAppOf(this.s, name);
  }

  private since(): Exchange[] {
    return this.s.journal.since(this.mark);
  }

  private begin(): void {
    this.mark = this.s.journal.lastSeq;
  }

  async close(): Promise<void> {
    const d = await this.driverP?.catch(() => undefined);
    await d?.close();
  }

  // ---- actions ----------------------------------------------------------------------

  async open(app: TargetName): Promise<void> {
    this.current = app;
    if (app === 'forums') await this.s.credentials.takeSnapshot('Browser', 'store');
    this.begin();
    await (await this.driver()).open(this.spaApp(app));
  }

  async logIn(user: string): Promise<void> {
    this.s.actAs(user);
    const rt = await (await this.driver()).refreshCookie();
    if (this.current === 'forums') this.storeRefreshToken = rt?.value;
    this.begin();
    await (await this.driver()).logIn(this.spaApp(this.current), user, this.s.password(user));
  }

  async loggedIn(user: string): Promise<void> {
    const start = this.s.journal.lastSeq;
    await this.open('store');
    await this.logIn(user);
    await this.load('store');
    const api = lastApiCall(this.s.journal.since(start), 'Browser', this.spaApp('store').api);
    if (!api || !checks.showsUser({ page: 'api', user, proof: this.s.proof('store', user), response: api })) {
      throw new Error(`precondition failed: ${user} could not log in through the store app and load the cart (last API answer: ${api?.response?.status ?? 'none'})`);
    }
  }

  async load(app: TargetName, again = false): Promise<void> {
    this.current = app;
    // A real app loads its data by itself right after login: what it did since the login
    // step is this step's too. The kit's own app (HTTP mode) loads when told.
    if (!this.browserMode || again) this.begin();
    await (await this.driver()).loadData(this.spaApp(app), { again });
  }

  /** The local-storage key holding a JWT FusionAuth issued, bare or inside a JSON value, and where in it. */
  private async jwtKey(app: TargetName): Promise<{ key: string; found: Found }> {
    const storage = await (await this.driver()).storage(this.spaApp(app));
    const held = this.s.credentials.jwtInStorage(storage);
    if (held) return held;
    throw new Error(`the ${app} app keeps no JWT FusionAuth issued in local storage (keys: ${Object.keys(storage).join(', ') || 'none'})`);
  }

  /** The JWT expires: the world clock moves past its exp (the page clock too), or (real clock) a minted expired one replaces it. */
  async expireJwt(): Promise<void> {
    const { key, found } = await this.jwtKey('store');
    if (this.s.time.world) {
      await this.s.time.advancePastExp(found.value, "past the exp of the store app's JWT");
      return;
    }
    const expired = await this.s.env.double.mintJwt(this.s.user, 'store', { expired: true });
    // Put back as the app keeps it: the JSON value with its token replaced.
    await (await this.driver()).setStorage(this.spaApp('store'), key, found.replace ? found.replace(expired) : expired);
  }

  async expireRefreshToken(): Promise<void> {
    const c = await (await this.driver()).refreshCookie();
    if (!c) throw new Error("the browser holds no FusionAuth refresh_token cookie to expire");
    // Not by the clock, even on the world clock: FusionAuth's refresh_token cookie lives exactly
    // as long as the token, so past its TTL the browser would drop the cookie and the refresh
    // would carry no token at all. FusionAuth expires (or revokes) it on its side instead.
    this.s.env.double.expireRefreshToken(c.value);
  }

  async callApiWith(kind: BadJwt): Promise<void> {
    const jwt = await mintBadJwt(this.s.env.double, this.s.user, 'store', kind);
    this.presented = kind;
    this.begin();
    const app = this.spaApp('store');
    await this.s.actor('Browser').get(`${app.origin}${app.api}`, { headers: { authorization: `Bearer ${jwt}`, accept: 'application/json' } });
  }

  private presented: BadJwt | undefined;

  async crossOriginCall(): Promise<void> {
    const app = this.spaApp('store');
    const jwt = await this.s.env.double.mintJwt(this.s.user, 'store');
    this.begin();
    const a = this.s.actor('Browser');
    const url = `${app.origin}${app.api}`;
    await a.request('OPTIONS', url, { headers: { origin: EVIL, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    await a.get(url, { headers: { origin: EVIL, authorization: `Bearer ${jwt}` } });
  }

  async stealRefreshCookie(): Promise<void> {
    const fa = `http://${this.s.env.fusionauthHost}/`;
    const c = await (await this.driver()).refreshCookie();
    if (!c) throw new Error('the browser holds no FusionAuth refresh_token cookie to steal');
    await this.s.actor('Hacker').setCookie(`refresh_token=${c.value}; Path=/; HttpOnly`, fa);
  }

  async stealJwt(): Promise<void> {
    this.stolenJwt = (await this.jwtKey('store')).found.value;
  }

  async hackerRefreshes(): Promise<void> {
    this.begin();
    await this.s.actor('Hacker').request('POST', `http://${this.s.env.fusionauthHost}/api/jwt/refresh`, { json: {} });
  }

  async hackerCallsApi(stolen: boolean): Promise<void> {
    let jwt = this.stolenJwt;
    if (!stolen) {
      const r = this.s.journal.all().filter((e) => e.from === 'Hacker' && e.to === 'FusionAuth' && e.response?.status === 200).at(-1);
      jwt = r ? JSON.parse(r.response!.body ?? '{}').token : undefined;
    } else this.begin();
    const app = this.spaApp('store');
    await this.s.actor('Hacker').get(`${app.origin}${app.api}`, { headers: jwt ? { authorization: `Bearer ${jwt}` } : {} });
  }

  private screenshotTaken = false;

  /** The first time a real browser shows the user's data: a PNG of it, for the report. */
  async screenshotOnce(): Promise<Buffer | undefined> {
    if (this.screenshotTaken || !this.browserMode) return undefined;
    this.screenshotTaken = true;
    return (await this.driver()).screenshot?.();
  }

  // ---- checks -----------------------------------------------------------------------

  /** Who ran the app's JavaScript: the app-side checks judge whether they apply from it. */
  private get appRunBy(): checks.AppRunBy {
    return this.browserMode ? 'browser' : 'kit';
  }

  /** In HTTP mode: the app-side check, told the kit ran the app, says it does not apply (never a ✓, not coverage). */
  private notInHttpMode<A extends checks.AppRun>(check: Check<A>, args: A): boolean {
    if (this.browserMode) return false;
    this.s.verifier.verify(check, args, this.s.currentSteps);
    return true;
  }

  async noJwtAndLoginForm(when: 'start' | 'refresh failed'): Promise<void> {
    const text = when === 'start' ? 'on start' : 'when the refresh fails';
    if (this.notInHttpMode(checks.loginFormShownAgain, { when: text, appRunBy: this.appRunBy, formShown: false, storage: {}, jwts: [], evidence: [] })) return;
    const d = await this.driver();
    const app = this.spaApp(this.current);
    const storage = await d.storage(app);
    const formShown = (await d.showsLoginForm()) ?? false;
    const deps = when === 'start' ? [] : [this.s.verifier.failed('spa-refresh-called'), this.s.verifier.failed('rejects-expired')];
    this.s.verifyAfter(deps, checks.loginFormShownAgain, { when: text, appRunBy: this.appRunBy, formShown, storage, jwts: this.s.env.double.issued().jwts, evidence: this.since().slice(-1) });
  }

  calledLogin(app: TargetName): void {
    const args: checks.SpaCallArgs = { actor: 'Browser', exchanges: this.since(), path: '/api/login', applicationId: this.s.app(app).applicationId, expectStatus: 200, appRunBy: this.appRunBy };
    if (this.notInHttpMode(checks.spaCalledLogin, args)) return;
    this.s.verify(checks.spaCalledLogin, args);
  }

  async refreshCookieHeld(): Promise<void> {
    if (this.notInHttpMode(checks.refreshCookieHeld, { host: this.s.env.fusionauthHost, appRunBy: this.appRunBy, refreshTokens: [] })) return;
    const c = await (await this.driver()).refreshCookie();
    // No login call, no cookie from it: that failure is the login check's, not said again here.
    this.s.verifyAfter([this.s.verifier.failed('spa-login-called')], checks.refreshCookieHeld, { host: this.s.env.fusionauthHost, appRunBy: this.appRunBy, cookie: c, refreshTokens: this.s.env.double.issued().refreshTokens });
  }

  async jwtInStorage(newest = false): Promise<void> {
    const app = this.spaApp(this.current);
    const what = newest ? 'the JWT FusionAuth just issued' : 'a JWT FusionAuth issued';
    if (this.notInHttpMode(checks.jwtInLocalStorage, { origin: app.origin, appRunBy: this.appRunBy, storage: {}, tokens: [], what, evidence: [] })) return;
    const storage = await (await this.driver()).storage(app);
    const issued = this.s.env.double.issued().jwts;
    const fromThisStep = this.since().filter((e) => e.to === 'FusionAuth' && e.response?.status === 200).map((e) => tokenOf(e)).filter((t): t is string => !!t);
    const tokens = newest ? fromThisStep.slice(-1) : issued;
    // The newest JWT only exists if the app refreshed: if that failed, this cannot apply.
    this.s.verifyAfter(newest ? [this.s.verifier.failed('spa-refresh-called'), this.s.verifier.failed('rejects-expired')] : [this.s.verifier.failed('spa-login-called')], checks.jwtInLocalStorage, { origin: app.origin, appRunBy: this.appRunBy, storage, tokens, what: newest ? 'the JWT FusionAuth just issued' : 'a JWT FusionAuth issued', evidence: this.since().filter((e) => e.to === 'FusionAuth').slice(-1) });
  }

  async noRefreshTokenInStorage(): Promise<void> {
    const app = this.spaApp(this.current);
    if (this.notInHttpMode(checks.noRefreshTokenInStorage, { origin: app.origin, appRunBy: this.appRunBy, storage: {}, tokens: [], what: 'a refresh token', evidence: [] })) return;
    const storage = await (await this.driver()).storage(app);
    this.s.verify(checks.noRefreshTokenInStorage, { origin: app.origin, appRunBy: this.appRunBy, storage, tokens: this.s.env.double.issued().refreshTokens, what: 'a refresh token', evidence: [] });
  }

  apiReturns(app: TargetName): void {
    const api = lastApiCall(this.since(), 'Browser', this.spaApp(app).api);
    this.s.verify(checks.pageShowsUser, { page: `${app} API`, user: this.s.user, proof: this.s.proof(app), response: api });
  }

  apiRefused(): void {
    if (!this.presented) throw new Error('no bad JWT was presented in this scenario');
    const api = lastApiCall(this.since(), 'Browser', this.spaApp('store').api);
    const check = API_CHECKS[this.presented];
    this.s.verify(check, { presented: `${this.presented.replace('-', ' ')} JWT`, response: api });
  }

  corsKept(): void {
    this.s.verify(checks.corsNoCredentialsForOthers, { origin: EVIL, responses: this.since().filter((e) => e.from === 'Browser') });
  }

  /**
   * The refresh of an expired JWT, and whose fault it is when none happens. An app calls its
   * API with the JWT it holds and refreshes on the 401 (HTTP mode plays exactly that; a real
   * app may also refresh first when it sees `exp` has passed). An API that answers 200 to the
   * expired JWT gives the app no reason to refresh: that fails the API's expiry check, and the
   * app's refresh check says it depends on it rather than blaming the app.
   */
  calledRefresh(status: number): void {
    const app = this.spaApp('store');
    const api = this.since().find((e) => e.from === 'Browser' && e.request.path.split('?')[0] === app.api && bearerExpired(e));
    const expiredArgs = { presented: 'the expired JWT the app held', response: api };
    const apiVerdict = api
      ? this.s.verify(checks.apiRejectsExpired, expiredArgs)
      : this.s.verifier.notApplicable(checks.apiRejectsExpired, expiredArgs, this.s.currentSteps, "the app refreshed before calling its API with the expired JWT, so the API's expiry check was not exercised here");
    const args: checks.SpaCallArgs = { actor: 'Browser', exchanges: this.since(), path: '/api/jwt/refresh', withCookie: true, expectStatus: status, appRunBy: this.appRunBy };
    if (this.notInHttpMode(checks.spaCalledRefresh, args)) return;
    this.s.verifyAfter([apiVerdict], checks.spaCalledRefresh, args);
  }

  storeCookieSent(): void {
    this.s.verify(checks.storeCookieSentToFusionAuth, { what: "the browser sent the store's refresh token cookie along with the forums' login", exchanges: this.since(), storeRefreshToken: this.storeRefreshToken });
  }

  async cookieClobbered(): Promise<void> {
    const now = (await (await this.driver()).refreshCookie())?.value;
    this.s.verify(checks.refreshCookieClobbered, { what: "the forums' refresh token cookie replaced the store's on the FusionAuth host", before: this.storeRefreshToken, now, evidence: this.since().filter((e) => e.to === 'FusionAuth') });
  }

  attackRefresh(): void {
    const refresh = this.s.journal.all().filter((e) => e.from === 'Hacker' && e.to === 'FusionAuth').at(-1);
    const api = lastApiCall(this.s.journal.all(), 'Hacker', this.spaApp('store').api);
    this.s.verify(checks.stolenRefreshCookieWorks, { what: 'the stolen refresh token cookie got the hacker a JWT and the cart', refresh, api, user: this.s.user, proof: this.s.proof('store') });
  }

  attackJwt(): void {
    const api = lastApiCall(this.since(), 'Hacker', this.spaApp('store').api);
    this.s.verify(checks.stolenLocalStorageJwtWorks, { what: 'the JWT stolen from local storage opened the cart API', api, user: this.s.user, proof: this.s.proof('store') });
  }
}

const EVIL = 'http://evil.example.net';

/** Whether an API call carried a Bearer JWT whose `exp` had passed when it was sent. */
function bearerExpired(e: Exchange): boolean {
  const jwt = /^Bearer\s+(\S+)/i.exec(String(e.request.headers['authorization'] ?? ''))?.[1];
  if (!jwt) return false;
  try {
    const { exp } = jose.decodeJwt(jwt);
    // On the API's clock: the world clock's time when the call was made.
    return typeof exp === 'number' && exp * 1000 <= worldTimeOf(e);
  } catch {
    return false;
  }
}

function tokenOf(e: Exchange): string | undefined {
  try {
    return JSON.parse(e.response?.body ?? '').token;
  } catch {
    return undefined;
  }
}

/** An app as the SPA drivers see it: where it starts, its API, what reveals its login form, whose data proves the login. */
export function spaAppOf(s: Scenario, name: TargetName, user = s.user): SpaApp {
  const a = s.app(name);
  const t = s.env.config[name];
  return {
    origin: `http://${a.host}`,
    api: name === 'store' ? a.routes.apiCart : a.routes.apiPosts,
    applicationId: a.applicationId,
    proof: s.proof(name, user),
    home: a.routes.home,
    ...(t?.routes?.login ? { loginRoute: t.routes.login } : {}),
    ...(t?.login?.reveal ? { reveal: t.login.reveal } : {}),
  };
}
