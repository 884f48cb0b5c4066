import { type HttpResult, findLinks, guessLoginFields, parseForms } from '../../browser';
import type { TargetName } from '../../backend/config';
import * as checks from '../../checks';
import type { Verdict } from '../../checks';
import type { Exchange } from '../../trace';
import { otherApp, userPageOf } from '../apps';
import { expireJwtCookie, expireRefreshTokenCookie } from '../credentials';
import type { ActorName, PageName, Scenario } from '../scenario';
import { judgeAttackGotPage, judgeAttackRefreshed, judgeJwtCookieReplaced, judgeRefreshCalled, judgeSessionCookie, judgeTokenCookies } from '../cookie-login';
import { HttpOAuth, type OAuthDriver } from './driver';

/**
 * The OAuth authorization-code workflows (webapp-oauth-code-sessions, -jwt-cookies): the
 * browser follows the app's login redirect to FusionAuth's host, fills FusionAuth's hosted
 * form, comes back to the app's redirect URI with the code, and goes on to the page the app
 * sends it to. Built on the Scenario core: its moves are the core's actions through an
 * OAuthDriver (the kit's browser, or Chromium in browser mode), what the browser holds is the
 * core's credentials, time is the core's. What it learns about the app (the callback, the
 * tokens FusionAuth issued) it learns from the wire.
 */

/** Where the app keeps the login after the code exchange (the registry entry's `oauth.tokens`). */
export type OAuthTokens = 'session' | 'cookies';

/** What one login at one app looked like on the wire. */
export interface LoginTrace {
  app: TargetName;
  actor: ActorName;
  startSeq: number;
  /** The browser's GET /oauth2/authorize. */
  authorize?: Exchange;
  /** FusionAuth's login form page (absent under SSO). */
  form?: HttpResult;
  /** FusionAuth's 302 back to the app with the code. */
  redirect?: Exchange;
  /** Where FusionAuth sent the browser back (redirect_uri with code and state). */
  callbackUrl?: string;
  /** The browser's GET of the callback. */
  callback?: HttpResult;
}

/** A tampered token answer the double is asked for (the contract's `double.oauth.nextTokenAnswer`). */
export type IdTokenDefect = 'another nonce' | 'a bad signature' | 'another audience';

export class OAuthFlow {
  private readonly logins = new Map<string, LoginTrace>();
  private readonly drivers = new Map<ActorName, Promise<OAuthDriver>>();
  /** When the store's session was last used (world clock). */
  private lastUseAt = 0;
  /** The hacker's own login, for the CSRF scenarios. */
  private hacker: LoginTrace | undefined;
  private forged: { kind: 'forged' | 'replayed'; callback?: HttpResult; after?: HttpResult; victim?: LoginTrace } | undefined;
  private defect: IdTokenDefect | undefined;
  private stolen: 'session' | 'refresh' | 'jwt' | undefined;
  private remembered: { jwt?: string; refresh?: string } = {};
  /** The page each user's browser last loaded (two users). */
  private readonly lastLoad = new Map<string, HttpResult>();

  constructor(
    readonly s: Scenario,
    readonly tokens: OAuthTokens,
  ) {
    // The Browser's cookies are where its driver keeps them (Chromium's, in browser mode).
    s.useJar('Browser', async () => (await this.driver('Browser')).jar);
  }

  /**
   * The driver of an actor's browser: in browser mode a real Chromium plays the scenario's
   * Browser; every other browser (the hacker's, another user's) is the kit's.
   */
  private driver(actor: ActorName): Promise<OAuthDriver> {
    let d = this.drivers.get(actor);
    if (!d) {
      // Required, not imported: HTTP mode never loads playwright.
      d = actor === 'Browser' && this.s.env.browser === 'chromium' ? (require('./chromium') as typeof import('./chromium')).oauthChromium(this.s) : Promise.resolve(new HttpOAuth(this.s, actor));
      this.drivers.set(actor, d);
    }
    return d;
  }

  async close(): Promise<void> {
    for (const d of this.drivers.values()) await (await d.catch(() => undefined))?.close();
  }

  loginOf(actor: ActorName, app: TargetName): LoginTrace | undefined {
    return this.logins.get(`${actor} ${app}`);
  }

  private lastPage(actor: ActorName): HttpResult {
    const p = this.s.pageOf(actor);
    if (!p) throw new Error(`the ${actor} has loaded no page yet in this scenario`);
    return p;
  }

  private lastResults(): HttpResult[] {
    return this.s.lastAction().results;
  }

  private isFusionAuth(url: string): boolean {
    return new URL(url).host === this.s.env.fusionauthHost;
  }

  /** Reads what the last walk to FusionAuth showed: the authorize request, a form, or the SSO redirect. */
  private noteFusionAuthSide(t: LoginTrace, results: HttpResult[]): void {
    t.authorize ??= results.map((r) => r.exchange).find((e) => checks.isAuthorizeCall(e, 'GET'));
    for (const r of results) {
      if (!this.isFusionAuth(r.url)) continue;
      if (r.status === 200 && parseForms(r.body, r.url).some((f) => f.fields.some((x) => x.type === 'password'))) t.form = r;
      if (!t.callbackUrl && r.location && !this.isFusionAuth(r.location)) {
        t.redirect = r.exchange;
        t.callbackUrl = r.location;
      }
    }
  }

  /** The store's session was used now (for the idle-TTL proof). */
  private used(app: TargetName): void {
    if (app === 'store') this.lastUseAt = this.s.time.now();
  }

  // ---- actions ---------------------------------------------------------------------------

  async visitHome(actor: ActorName, app: TargetName): Promise<HttpResult> {
    return (await this.driver(actor)).goto(app, this.s.url(app, 'home'));
  }

  /** The login link of the page the actor is on (else the app's login route), followed to FusionAuth. */
  async clickLogin(actor: ActorName, app: TargetName = this.s.pageOf(actor) ? this.s.currentApp() : 'store'): Promise<HttpResult> {
    const login = this.s.url(app, 'login');
    const page = this.s.pageOf(actor);
    const link = page && new URL(page.url).host === this.s.app(app).host ? findLinks(page.body, page.url).find((l) => new URL(l.href).pathname === new URL(login).pathname) : undefined;
    const t: LoginTrace = { app, actor, startSeq: this.s.journal.lastSeq };
    this.logins.set(`${actor} ${app}`, t);
    const r = await (await this.driver(actor)).toFusionAuth(app, link?.href ?? login);
    this.noteFusionAuthSide(t, this.lastResults());
    return r;
  }

  /** Fills FusionAuth's hosted form: login id, password and "Keep me signed in" (rememberDevice=true, for SSO). */
  async signIn(actor: ActorName, user: string, password = this.s.password(user)): Promise<HttpResult> {
    this.s.actAs(user);
    const t = [...this.logins.values()].reverse().find((x) => x.actor === actor);
    if (!t) throw new Error(`the ${actor} has started no login`);
    const page = this.lastPage(actor);
    const form = parseForms(page.body, page.url).find((f) => f.fields.some((x) => x.type === 'password'));
    if (!form) throw new Error(`no login form on ${page.url} (status ${page.status}) to sign in on`);
    const { loginId, password: field } = guessLoginFields(form);
    if (!loginId || !field) throw new Error(`cannot tell the login id and password fields of FusionAuth's form at ${page.url}`);
    const r = await (await this.driver(actor)).signIn(t.app, form, { loginId, password: field }, user, password);
    this.noteFusionAuthSide(t, this.lastResults());
    return r;
  }

  /** The app's redirect URI FusionAuth sent the browser to (the callback), not further: its answer is the login's. */
  async followToApp(actor: ActorName, app: TargetName): Promise<HttpResult> {
    const t = this.loginOf(actor, app);
    if (!t?.callbackUrl) throw new Error(`FusionAuth did not send the ${actor} back to the ${app} (last answer ${this.s.pageOf(actor)?.status} from ${this.s.pageOf(actor)?.url})`);
    const r = await (await this.driver(actor)).callback(app, t.callbackUrl, t.startSeq);
    t.callback = r;
    this.s.credentials.learn(app, r.exchange, { login: true });
    return r;
  }

  /** Follow the app's redirect (after the callback) to the page it names. */
  async followRedirect(actor: ActorName, app: TargetName): Promise<HttpResult> {
    const r = await (await this.driver(actor)).next(app, this.lastPage(actor));
    this.used(app);
    return r;
  }

  /** A whole login: the login route, FusionAuth (form or SSO), the callback, the app's redirects. */
  async logIn(actor: ActorName, app: TargetName, user: string): Promise<HttpResult> {
    this.s.actAs(user);
    await this.clickLogin(actor, app);
    const t = this.loginOf(actor, app)!;
    if (!t.callbackUrl) {
      if (!t.form) throw new Error(`the ${app}'s login did not reach FusionAuth's login form or come back with a code (last answer ${this.s.pageOf(actor)?.status} from ${this.s.pageOf(actor)?.url})`);
      await this.signIn(actor, user);
    }
    await this.followToApp(actor, app);
    const r = await (await this.driver(actor)).next(app, this.lastPage(actor), { all: true });
    this.used(app);
    await this.s.credentials.learnFromJar(actor, app);
    return r;
  }

  /** A precondition: log in and insist it worked. */
  async loggedIn(actor: ActorName, app: TargetName, user: string): Promise<void> {
    const start = this.s.journal.lastSeq;
    const page = await this.logIn(actor, app, user);
    if (!checks.showsUser({ page: app, user, proof: this.s.proof(app, user), response: page.exchange })) throw this.s.loginFailed(user, app, start, page, { via: 'through FusionAuth' });
  }

  async open(actor: ActorName, app: TargetName, page: PageName): Promise<HttpResult> {
    const r = await (await this.driver(actor)).goto(app, this.s.url(app, page));
    this.used(app);
    return r;
  }

  // ---- expiry ------------------------------------------------------------------------------

  idlePastSessionTtl(): Promise<void> {
    return this.s.time.idlePast(this.s.env.sessionTtlSeconds * 1000, this.lastUseAt);
  }

  expireJwt(actor: ActorName, app: TargetName): Promise<void> {
    return expireJwtCookie(this.s, actor, app);
  }

  expireRefreshToken(actor: ActorName, app: TargetName): Promise<void> {
    return expireRefreshTokenCookie(this.s, actor, app);
  }

  async rememberTokens(actor: ActorName, app: TargetName): Promise<void> {
    this.remembered = await this.s.credentials.tokensHeld(actor, app);
  }

  // ---- the hacker and the forged callbacks -------------------------------------------------

  /** The hacker logs in as `user` in its own browser and keeps the callback URL (code and state) unused. */
  async hackerCode(app: TargetName, user: string): Promise<void> {
    const who = this.s.user;
    await this.s.actor('Hacker').clearCookies();
    await this.clickLogin('Hacker', app);
    const t = this.loginOf('Hacker', app)!;
    if (!t.callbackUrl) await this.signIn('Hacker', user);
    if (!t.callbackUrl) throw new Error(`precondition failed: FusionAuth did not send the hacker back to the ${app} with a code for ${user}`);
    this.hacker = t;
    this.s.actAs(who);
  }

  async startLoginOnly(actor: ActorName, app: TargetName): Promise<void> {
    await this.clickLogin(actor, app);
  }

  async forgedCallback(actor: ActorName, app: TargetName, state: 'forged' | 'replayed'): Promise<void> {
    if (!this.hacker?.callbackUrl) throw new Error('the hacker has no code');
    const u = new URL(this.hacker.callbackUrl);
    if (state === 'forged') u.searchParams.set('state', `forged-${Math.random().toString(36).slice(2, 14)}`);
    const victim = this.loginOf(actor, app);
    const d = await this.driver(actor);
    await d.goto(app, u.href);
    const callback = this.lastResults()[0];
    // Where the app sends the browser, and the user page after it: whose is it now?
    if (callback.location) await d.next(app, callback, { all: true });
    const after = await this.open(actor, app, userPageOf(app));
    this.forged = { kind: state, callback, after, victim };
  }

  /** The hacker takes the app's login cookies from the browser: all of them, the refresh token (with a JWT of bad signature), or the JWT. */
  async steal(what: 'session' | 'refresh' | 'jwt', app: TargetName): Promise<void> {
    this.stolen = what;
    const n = this.s.credentials.namesOf(app) ?? {};
    const names = what === 'session' ? this.s.credentials.credentialNames(app) : [what === 'refresh' ? n.refresh : n.jwt].filter((x): x is string => !!x);
    if (!names.length) throw new Error(`the ${app} set no ${what === 'session' ? 'login' : what === 'refresh' ? 'refresh-token' : 'JWT'} cookie to steal`);
    await this.s.credentials.copy('Browser', 'Hacker', app, names);
    if (what === 'refresh' && n.jwt) await this.s.credentials.plant('Hacker', app, n.jwt, await this.s.env.double.mintJwt(this.s.user, app, { badSignature: true }), 'Browser');
  }

  // ---- checks -------------------------------------------------------------------------------

  private verify<A>(check: checks.Check<A>, args: A): Verdict {
    return this.s.verify(check, args);
  }

  private after<A>(deps: (Verdict | undefined)[], check: checks.Check<A>, args: A, at?: checks.CallSite): Verdict {
    return this.s.verifyAfter(deps, check, args, at);
  }

  pageLinksToLogin(): void {
    const page = this.lastResults().at(-1)!;
    const app = this.s.currentApp();
    this.verify(checks.pageLinksToLogin, { page: `${app} home page`, response: page.exchange, loginPath: this.s.app(app).routes.login, found: findLinks(page.body, page.url).map((l) => l.href) });
  }

  private authorizeArgs(app: TargetName, actor: ActorName = 'Browser'): checks.AuthorizeArgs {
    return { app, clientId: this.s.app(app).applicationId, host: this.s.app(app).host, request: this.loginOf(actor, app)?.authorize };
  }

  authorizeRequest(app: TargetName): void {
    this.verify(checks.authorizeRequest, this.authorizeArgs(app));
  }

  pkce(app: TargetName): void {
    const args = this.authorizeArgs(app);
    this.after([this.s.verifier.failed('authorize-request')], checks.pkceS256, args);
  }

  loginFormShown(): void {
    const t = [...this.logins.values()].reverse().find((x) => x.actor === 'Browser');
    const page = t?.form ?? this.lastResults().at(-1)!;
    const forms = parseForms(page.body, page.url);
    const form = forms.find((f) => f.fields.some((x) => x.type === 'password')) ?? forms[0];
    this.verify(checks.pageHasLoginForm, { page: "FusionAuth's login page", response: page.exchange, fields: form ? guessLoginFields(form) : {}, forms: forms.length });
  }

  codeRedirect(app: TargetName): void {
    const t = this.loginOf('Browser', app);
    this.verify(checks.codeRedirect, { authorize: t?.authorize, redirect: t?.redirect });
  }

  ssoLogin(app: TargetName): void {
    this.verify(checks.ssoLogin, { app, authorize: this.loginOf('Browser', app)?.authorize });
  }

  codeExchanged(app: TargetName): void {
    const t = this.loginOf('Browser', app);
    const code = t?.callbackUrl ? new URL(t.callbackUrl).searchParams.get('code') ?? undefined : undefined;
    const exchanges = t?.callback ? this.s.journal.since(t.callback.exchange.seq - 1) : [];
    // The backend's own call happens while it answers the callback: journalled before the callback's answer.
    const all = t ? this.s.journal.since(t.startSeq) : [];
    const caller = this.s.app(app).participant;
    const args = { app, caller, code, exchanges: [...new Set([...all, ...exchanges])], clientSecret: this.s.env.double.directory.applications[app].clientSecret };
    const server = this.verify(checks.codeExchangedServerSide, args);
    this.verify(checks.codeExchangedOnce, args);
    const exchange = args.exchanges.find((e) => e.from === caller && checks.isCodeExchange(e) && checks.codeOf(e) === code);
    this.after([server.result === 'fail' && !exchange ? server : undefined], checks.tokenRequest, { app, caller, clientId: this.s.app(app).applicationId, exchange, authorize: t?.authorize });
  }

  redirectedTo(page: PageName): void {
    const app = this.s.currentApp();
    // After the callback: a backend that never exchanged the code has no login to redirect on (said once, there).
    const dep = page === 'login' ? undefined : this.s.verifier.failed('code-exchanged-server-side');
    // The answer to the request this step made (Chromium goes on by itself: what it did next is not this answer).
    this.after([dep], checks.redirectsTo, { to: `the ${page} page`, toPath: this.s.app(app).routes[page], response: this.lastResults()[0].exchange }, { kind: `redirect-to-${page}` });
  }

  /** A step about where the login is kept, in a workflow whose registry entry says it is kept elsewhere, is the feature's mistake. */
  private keeps(tokens: OAuthTokens, step: string): void {
    if (this.tokens !== tokens) throw new Error(`"${step}" is a step of an OAuth workflow that keeps the login in ${tokens === 'session' ? 'a server-side session' : 'token cookies'}, but this workflow's registry entry says oauth.tokens "${this.tokens}"`);
  }

  sessionCreated(app: TargetName): void {
    this.keeps('session', 'the app set only a session id');
    judgeSessionCookie(this.s, app, this.loginOf('Browser', app)?.callback?.exchange, [this.s.verifier.failed('code-exchanged-server-side')]);
  }

  tokensNotInBrowser(): void {
    const i = this.s.credentials.issued(this.s.env.double.issued());
    const exchanges = this.s.journal.all().filter((e) => e.from === 'Browser' && e.to !== 'FusionAuth');
    this.verify(checks.tokensNotInBrowser, { actor: 'Browser', exchanges, tokens: [...i.jwts, ...i.refresh] });
  }

  tokenCookiesSet(app: TargetName): void {
    this.keeps('cookies', 'the app keeps the JWT and the refresh token in HttpOnly cookies');
    judgeTokenCookies(this.s, app, this.loginOf('Browser', app)?.callback?.exchange, [this.s.verifier.failed('code-exchanged-server-side')]);
  }

  cookiesSent(app: TargetName): void {
    const names = this.s.credentials.credentialNames(app);
    const set = ['jwt-cookie-set', 'refresh-cookie-set', 'session-cookie-set', 'code-exchanged-server-side'].map((k) => this.s.verifier.failed(k));
    this.after(set, checks.tokenCookiesSent, { request: this.lastResults()[0].exchange, names });
  }

  pageShown(app: TargetName, page: PageName, user: string): void {
    this.verify(checks.pageShowsUser, { page: `${app} ${page} page`, user, proof: this.s.proof(app, user), response: this.lastResults().at(-1)!.exchange });
  }

  noStoreCookiesTo(app: TargetName): void {
    this.verify(checks.appCookiesSeparate, { app, request: this.s.firstRequestTo(app), foreign: this.s.credentials.credentialNames(otherApp(app)) });
  }

  stateChecked(app: TargetName, attacker: string): void {
    const f = this.forged;
    this.verify(checks.stateChecked, { app, authorize: f?.victim?.authorize, callback: f?.callback?.exchange, after: f?.after?.exchange, attacker, attackerProof: this.s.proof(app, attacker) });
  }

  stateBound(app: TargetName, attacker: string): void {
    const f = this.forged;
    const otherState = this.hacker?.callbackUrl ? new URL(this.hacker.callbackUrl).searchParams.get('state') ?? undefined : undefined;
    this.verify(checks.stateBound, { app, otherState, callback: f?.callback?.exchange, after: f?.after?.exchange, attacker, attackerProof: this.s.proof(app, attacker) });
  }

  // ---- id_token tampering (the double's knob) ------------------------------------------------

  /** Asks the double to tamper with its next token answer; says clearly when it cannot. */
  tamperNextIdToken(defect: IdTokenDefect): void {
    this.defect = defect;
    const oauth = (this.s.env.double as unknown as { oauth?: { nextTokenAnswer?: (o: unknown) => void } }).oauth;
    if (!oauth?.nextTokenAnswer) throw new Error('the FusionAuth double has no oauth.nextTokenAnswer knob (an OAuth authorization server is needed for this workflow)');
    const o = defect === 'another nonce' ? { idToken: { nonce: 'not-the-nonce-the-app-sent' } } : defect === 'a bad signature' ? { signWith: 'wrong-key' } : { idToken: { aud: 'another-client-id' } };
    oauth.nextTokenAnswer(o);
  }

  idTokenVerified(app: TargetName, user: string): void {
    const t = this.loginOf('Browser', app);
    const caller = this.s.app(app).participant;
    const exchange = t ? this.s.journal.since(t.startSeq).find((e) => e.from === caller && checks.isCodeExchange(e)) : undefined;
    this.verify(checks.idTokenVerified, { app, defect: this.defect ?? 'a defect', user, proof: this.s.proof(app, user), exchange, after: this.lastResults().at(-1)!.exchange });
  }

  /** A login whose end is judged, not insisted on (a tampered id_token must not log the user in). */
  async tryLogIn(actor: ActorName, app: TargetName, user: string): Promise<void> {
    try {
      await this.logIn(actor, app, user);
    } catch (err) {
      // A refusal may stop the walk anywhere (an error page, no redirect): what the browser last got is judged.
      if (!this.s.pageOf(actor)) throw err;
    }
  }

  // ---- two users ----------------------------------------------------------------------------------

  async userLoggedIn(app: TargetName, user: string): Promise<void> {
    await this.loggedIn(this.s.browserOf(user), app, user);
  }

  async userLoads(app: TargetName, page: PageName, user: string): Promise<void> {
    this.s.actAs(user);
    this.lastLoad.set(user, await this.open(this.s.browserOf(user), app, page));
  }

  isHolders(app: TargetName, page: PageName, holder: string, other: string): void {
    const r = this.lastLoad.get(holder);
    this.verify(checks.pageIsHolders, { what: `${app} ${page === 'cart' ? 'shopping cart' : 'forum posts'} page`, holder, other, holderProof: this.s.proof(app, holder), otherProof: this.s.proof(app, other), when: `after ${other} logged in in another browser`, response: r?.exchange });
  }

  // ---- refresh ------------------------------------------------------------------------------------

  calledRefresh(app: TargetName, expectStatus: number): void {
    judgeRefreshCalled(this.s, app, expectStatus, this.remembered.refresh);
  }

  jwtCookieReplaced(): void {
    judgeJwtCookieReplaced(this.s, this.remembered.jwt);
  }

  // ---- attacks ------------------------------------------------------------------------------------

  attackRefreshed(app: TargetName): void {
    judgeAttackRefreshed(this.s, app);
  }

  attackGotPage(app: TargetName, withNewJwt: boolean): void {
    judgeAttackGotPage(this.s, app, this.stolen, withNewJwt);
  }
}
