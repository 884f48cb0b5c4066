import { type Actor, type HttpResult, TransportError, closeBrowserAgent, findLinks, guessLoginFields, parseForms } from '../../browser';
import type { TargetName } from '../../backend/config';
import * as checks from '../../checks';
import { type SetCookie, type Verdict, isRefreshCall, setCookiesOf } from '../../checks';
import { findToken } from '../../checks/cookie-tokens';
import { type Exchange, header, headerAll } from '../../trace';
import type { OAuthChromium } from './chromium';
import { type ActorName, type PageName, type Scenario, isDeletion } from '../scenario';

/**
 * The OAuth authorization-code workflows (webapp-oauth-code-sessions, -jwt-cookies), HTTP
 * mode: the kit's browser follows the app's login redirect to FusionAuth's host, fills
 * FusionAuth's hosted form, comes back to the app's redirect URI with the code, and goes on
 * to the page the app sends it to. Built on the generic parts of the Scenario only (actors,
 * journal, verifier, clock, the double); what it learns about the app (the callback, its
 * cookies, the tokens FusionAuth issued) it learns from the wire.
 */
export type OAuthKind = 'sessions' | 'jwt-cookies';

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

interface AppCookies {
  session?: string;
  jwt?: string;
  refresh?: string;
}

/** A tampered token answer the double is asked for (the contract's `double.oauth.nextTokenAnswer`). */
export type IdTokenDefect = 'another nonce' | 'a bad signature' | 'another audience';

const MAX_HOPS = 10;
/** Transport errors of a reused connection the server had closed. */
const STALE_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

export class OAuthFlow {
  /** Last page each actor got. */
  private readonly pages = new Map<ActorName, HttpResult>();
  /** The app the last request went to, and the results of the last action. */
  private last: { actor: ActorName; app: TargetName; startSeq: number; results: HttpResult[] } | undefined;
  private readonly logins = new Map<string, LoginTrace>();
  private readonly cookies: Partial<Record<TargetName, AppCookies>> = {};
  /** The browser's cookies for the store before the forums login. */
  private snapshot: Record<string, string> | undefined;
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
    readonly kind: OAuthKind,
  ) {}

  // ---- wire helpers --------------------------------------------------------------------

  private get fusionauthHost(): string {
    return this.s.env.fusionauthHost;
  }

  private key(actor: ActorName, app: TargetName): string {
    return `${actor} ${app}`;
  }

  loginOf(actor: ActorName, app: TargetName): LoginTrace | undefined {
    return this.logins.get(this.key(actor, app));
  }

  /** Whether this actor is a real Chromium (browser mode: only the scenario's first browser). */
  private inChromium(actor: ActorName): boolean {
    return actor === 'Browser' && this.s.env.browser === 'chromium';
  }

  private chromiumP: Promise<OAuthChromium> | undefined;
  private chromium(): Promise<OAuthChromium> {
    // Required here, not imported: HTTP mode never loads playwright.
    return (this.chromiumP ??= (require('./chromium') as typeof import('./chromium')).oauthChromium(this.s));
  }

  async close(): Promise<void> {
    await (await this.chromiumP?.catch(() => undefined))?.close();
  }

  /**
   * One action of an actor: an HTTP request (and its hops) of the kit's browser, or, in
   * browser mode, what Chromium did, read back from the journal as the documents it loaded.
   */
  private async go(actor: ActorName, app: TargetName, fn: (a: Actor) => Promise<HttpResult | HttpResult[]>, inChromium?: (c: OAuthChromium) => Promise<void>, retry = true): Promise<HttpResult> {
    const startSeq = this.s.journal.lastSeq;
    let results: HttpResult[];
    try {
      if (this.inChromium(actor) && inChromium) {
        await inChromium(await this.chromium());
        results = this.documentsSince(startSeq);
        if (!results.length) throw new Error(`Chromium loaded no page (${actor} at the ${app})`);
      } else {
        let r: HttpResult | HttpResult[];
        try {
          r = await fn(this.s.actor(actor));
        } catch (err) {
          // A kept-alive connection the backend closed as the kit reused it (its keep-alive timer
          // fires late on a clock libfaketime moved): a browser sends such a navigation again, on
          // a new connection; so does the kit, once, for a navigation (never for a form post).
          if (!retry || !(err instanceof TransportError) || !STALE_CONNECTION.has(err.code) || (await this.s.env.explain(err))) throw err;
          await closeBrowserAgent();
          r = await fn(this.s.actor(actor));
        }
        results = Array.isArray(r) ? r : [r];
      }
    } catch (err) {
      throw (await this.s.env.explain(err)) ?? err;
    }
    this.last = { actor, app, startSeq, results };
    const final = results[results.length - 1];
    this.pages.set(actor, final);
    return final;
  }

  /** The documents Chromium loaded since `seq` (navigations and form posts: they accept HTML), as results. */
  private documentsSince(seq: number): HttpResult[] {
    return this.s.journal
      .since(seq)
      .filter((e) => e.from === 'Browser' && /text\/html/.test(header(e.request.headers, 'accept') ?? '') && !/\.(ico|png|css|js)$/.test(e.request.path.split('?')[0]))
      .map(resultOf);
  }

  private lastResults(): HttpResult[] {
    if (!this.last) throw new Error('no request has been made yet in this scenario');
    return this.last.results;
  }

  private lastPage(actor: ActorName): HttpResult {
    const p = this.pages.get(actor);
    if (!p) throw new Error(`the ${actor} has loaded no page yet in this scenario`);
    return p;
  }

  private hostOf(url: string): string {
    return new URL(url).host;
  }

  /**
   * Follows redirects from `first` while they stay on the app or go to FusionAuth; stops
   * when FusionAuth sends the browser back to an app (the callback is its own step).
   */
  private async toFusionAuth(a: Actor, first: HttpResult): Promise<HttpResult[]> {
    const chain = [first];
    let cur = first;
    for (let i = 0; i < MAX_HOPS && cur.location && cur.status >= 300 && cur.status < 400; i++) {
      const fromFa = this.hostOf(cur.url) === this.fusionauthHost;
      if (fromFa && this.hostOf(cur.location) !== this.fusionauthHost) break;
      cur = await a.get(cur.location);
      chain.push(cur);
    }
    return chain;
  }

  private startLogin(actor: ActorName, app: TargetName): LoginTrace {
    const t: LoginTrace = { app, actor, startSeq: this.s.journal.lastSeq };
    this.logins.set(this.key(actor, app), t);
    return t;
  }

  /** Reads what the last walk to FusionAuth showed: the authorize request, a form, or the SSO redirect. */
  private noteFusionAuthSide(t: LoginTrace, results: HttpResult[]): void {
    t.authorize ??= results.map((r) => r.exchange).find((e) => checks.isAuthorizeCall(e, 'GET'));
    for (const r of results) {
      if (this.hostOf(r.url) !== this.fusionauthHost) continue;
      if (r.status === 200 && parseForms(r.body, r.url).some((f) => f.fields.some((x) => x.type === 'password'))) t.form = r;
      if (!t.callbackUrl && r.location && this.hostOf(r.location) !== this.fusionauthHost) {
        t.redirect = r.exchange;
        t.callbackUrl = r.location;
      }
    }
  }

  /** Browser mode: the callback Chromium already followed, and the documents after it. */
  private chromiumAfterCallback(t: LoginTrace): HttpResult[] {
    const docs = this.documentsSince(t.startSeq);
    if (!t.callbackUrl) return [];
    // By host, path and code: Chromium may spell the query's escapes otherwise than the Location did.
    const want = new URL(t.callbackUrl);
    const i = docs.findIndex((r) => {
      const u = new URL(r.url);
      return u.host === want.host && u.pathname === want.pathname && u.searchParams.get('code') === want.searchParams.get('code');
    });
    return i < 0 ? [] : docs.slice(i);
  }

  // ---- actions ---------------------------------------------------------------------------

  visitHome(actor: ActorName, app: TargetName): Promise<HttpResult> {
    return this.go(actor, app, (a) => a.get(this.s.url(app, 'home')), (c) => c.goto(this.s.url(app, 'home')));
  }

  /** The login link of the page the actor is on (else the app's login route), followed to FusionAuth. */
  async clickLogin(actor: ActorName, app: TargetName = this.last?.app ?? 'store'): Promise<HttpResult> {
    const login = this.s.url(app, 'login');
    const page = this.pages.get(actor);
    const link = page && this.hostOf(page.url) === this.s.app(app).host ? findLinks(page.body, page.url).find((l) => new URL(l.href).pathname === new URL(login).pathname) : undefined;
    const t = this.startLogin(actor, app);
    const r = await this.go(actor, app, async (a) => this.toFusionAuth(a, await a.get(link?.href ?? login)), (c) => c.goto(link?.href ?? login));
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
    const fields = guessLoginFields(form);
    if (!fields.loginId || !fields.password) throw new Error(`cannot tell the login id and password fields of FusionAuth's form at ${page.url}`);
    const r = await this.go(actor, t.app, (a) => a.submitForm(form, { [fields.loginId!]: user, [fields.password!]: password, rememberDevice: 'true' }, { allowExtra: true }), (c) => c.signIn(user, password), false);
    this.noteFusionAuthSide(t, this.lastResults());
    return r;
  }

  /** GET the app's redirect URI FusionAuth sent the browser to (the callback), not further. */
  async followToApp(actor: ActorName, app: TargetName): Promise<HttpResult> {
    const t = this.loginOf(actor, app);
    if (!t?.callbackUrl) throw new Error(`FusionAuth did not send the ${actor} back to the ${app} (last answer ${this.pages.get(actor)?.status} from ${this.pages.get(actor)?.url})`);
    if (this.inChromium(actor)) {
      // Chromium followed FusionAuth's redirect by itself: this step reads the callback it made.
      const [cb] = this.chromiumAfterCallback(t);
      if (!cb) throw new Error(`Chromium did not come back to the ${app}'s redirect URI (${t.callbackUrl})`);
      this.last = { actor, app, startSeq: cb.exchange.seq - 1, results: [cb] };
      this.pages.set(actor, cb);
      t.callback = cb;
      this.learnCookies(app, cb.exchange);
      return cb;
    }
    const r = await this.go(actor, app, (a) => a.get(t.callbackUrl!));
    t.callback = r;
    this.learnCookies(app, r.exchange);
    return r;
  }

  /** Follow the app's redirect (after the callback) to the page it names. */
  async followRedirect(actor: ActorName, app: TargetName): Promise<HttpResult> {
    const prev = this.lastPage(actor);
    if (this.inChromium(actor)) {
      // Where Chromium went next: the redirect, or wherever the page's own JavaScript took it.
      // A page that moves on by script does so after its load: wait for it, bounded.
      let next = this.documentsSince(prev.exchange.seq);
      for (const until = Date.now() + 5000; !next.length && Date.now() < until; next = this.documentsSince(prev.exchange.seq)) await new Promise((r) => setTimeout(r, 100));
      if (!next.length) throw new Error(`Chromium went nowhere after ${prev.url} (${prev.status}${prev.location ? `, a redirect to ${prev.location}` : ''})`);
      this.last = { actor, app, startSeq: prev.exchange.seq, results: next };
      this.pages.set(actor, next[next.length - 1]);
      this.used(app);
      return next[next.length - 1];
    }
    if (!prev.location) throw new Error(`the last answer (${prev.status} from ${prev.url}) was not a redirect`);
    const r = await this.go(actor, app, (a) => a.get(prev.location!));
    this.used(app);
    return r;
  }

  /** A whole login: the login route, FusionAuth (form or SSO), the callback, the app's redirects. */
  async logIn(actor: ActorName, app: TargetName, user: string): Promise<HttpResult> {
    this.s.actAs(user);
    await this.clickLogin(actor, app);
    const t = this.loginOf(actor, app)!;
    if (!t.callbackUrl) {
      if (!t.form) throw new Error(`the ${app}'s login did not reach FusionAuth's login form or come back with a code (last answer ${this.pages.get(actor)?.status} from ${this.pages.get(actor)?.url})`);
      await this.signIn(actor, user);
    }
    await this.followToApp(actor, app);
    const r = this.inChromium(actor) ? await this.followRedirect(actor, app) : await this.go(actor, app, (a) => a.follow(this.lastPage(actor)));
    this.used(app);
    await this.learnFromJar(actor, app);
    return r;
  }

  /** A precondition: log in and insist it worked. */
  async loggedIn(actor: ActorName, app: TargetName, user: string): Promise<void> {
    const start = this.s.journal.lastSeq;
    const page = await this.logIn(actor, app, user);
    if (!checks.showsUser({ page: app, user, proof: this.s.proof(app, user), response: page.exchange })) {
      const seen = this.s.journal.since(start).map((e) => `${e.from}->${e.to} ${e.request.method} ${e.request.path.split('?')[0]} ${e.response?.status ?? e.error}`);
      throw new Error(this.s.env.double.redactor.text(`precondition failed: ${user} could not log in to the ${app} through FusionAuth (final answer ${page.status} from ${page.url}).\n  exchanges: ${seen.join('\n             ')}`));
    }
    if (app === 'store' && actor === 'Browser') this.snapshot = undefined;
  }

  open(actor: ActorName, app: TargetName, page: PageName): Promise<HttpResult> {
    return this.go(actor, app, (a) => a.get(this.s.url(app, page)), (c) => c.goto(this.s.url(app, page))).then((r) => {
      this.used(app);
      return r;
    });
  }

  private used(app: TargetName): void {
    if (app === 'store') this.lastUseAt = this.s.now();
  }

  // ---- cookies and tokens ----------------------------------------------------------------

  /** Every token FusionAuth issued in this scenario (from its answers on the wire, and the double's own record). */
  private issued(): { jwts: Set<string>; refresh: Set<string> } {
    const jwts = new Set<string>();
    const refresh = new Set<string>();
    for (const e of this.s.journal.all()) {
      if (e.from === 'FusionAuth' || e.to !== 'FusionAuth' || e.response?.status !== 200) continue;
      const p = e.request.path.split('?')[0];
      if (p !== '/oauth2/token' && p !== '/api/jwt/refresh' && p !== '/api/login') continue;
      try {
        const b = JSON.parse(e.response.body ?? '');
        for (const k of ['access_token', 'id_token', 'token']) if (typeof b[k] === 'string') jwts.add(b[k]);
        for (const k of ['refresh_token', 'refreshToken']) if (typeof b[k] === 'string') refresh.add(b[k]);
      } catch {
        // not JSON: nothing issued
      }
    }
    const d = this.s.env.double.issued();
    for (const j of d.jwts) jwts.add(j);
    for (const r of d.refreshTokens) refresh.add(r);
    return { jwts, refresh };
  }

  private roleOf(value: string): 'jwt' | 'refreshToken' | undefined {
    const i = this.issued();
    return findToken(value, (v) => (i.jwts.has(v) ? 'jwt' : i.refresh.has(v) ? 'refreshToken' : this.s.env.double.tokenRole(v)))?.role;
  }

  /** Names the app's cookies from what its callback answer set. */
  private learnCookies(app: TargetName, e: Exchange): void {
    const set = setCookiesOf(e).filter((c) => !isDeletion(c, this.s.now()));
    const n = (this.cookies[app] ??= {});
    for (const c of set) {
      const role = this.roleOf(c.cookie.value);
      if (role === 'jwt') n.jwt = c.cookie.key;
      else if (role === 'refreshToken') n.refresh = c.cookie.key;
    }
    const session = this.sessionCookieOf(e);
    if (session && (!n.jwt || /sess|sid/i.test(session.cookie.key))) n.session = session.cookie.key;
  }

  /** The cookies the actor would send to the app: the kit's jar, or Chromium's. */
  private async jar(actor: ActorName, app: TargetName): Promise<{ key: string; value: string; httpOnly: boolean; path: string }[]> {
    const url = this.s.url(app, 'home');
    if (this.inChromium(actor)) return (await (await this.chromium()).cookies(url)).map((c) => ({ key: c.name, value: c.value, httpOnly: c.httpOnly, path: c.path }));
    return (await this.s.actor(actor).cookies(url)).map((c) => ({ key: c.key, value: c.value, httpOnly: c.httpOnly, path: c.path ?? '/' }));
  }

  private async learnFromJar(actor: ActorName, app: TargetName): Promise<void> {
    const n = (this.cookies[app] ??= {});
    const jar = await this.jar(actor, app);
    for (const c of jar) {
      const role = this.roleOf(c.value);
      if (role === 'jwt') n.jwt ??= c.key;
      else if (role === 'refreshToken') n.refresh ??= c.key;
    }
    // A session set by a later request than the callback (a page's script handing the login
    // over): the token-free cookie the browser now holds, a session-like name first.
    if (!n.jwt && !n.session) n.session = (jar.find((c) => /sess|sid/i.test(c.key)) ?? jar.find((c) => c.httpOnly))?.key;
  }

  private sessionCookieOf(e: Exchange | undefined): SetCookie | undefined {
    const plain = setCookiesOf(e).filter((c) => !isDeletion(c, this.s.now()) && !this.roleOf(c.cookie.value));
    return plain.find((c) => /sess|sid/i.test(c.cookie.key)) ?? plain[0];
  }

  private tokenCookie(role: 'jwt' | 'refreshToken', e: Exchange | undefined): SetCookie | undefined {
    return setCookiesOf(e).find((c) => !isDeletion(c, this.s.now()) && this.roleOf(c.cookie.value) === role);
  }

  /** The cookies that carry the user's login at an app. */
  credentialNames(app: TargetName): string[] {
    const n = this.cookies[app] ?? {};
    return [n.jwt, n.refresh, n.session].filter((x): x is string => !!x);
  }

  private async cookieValue(actor: ActorName, app: TargetName, name?: string): Promise<string | undefined> {
    if (!name) return undefined;
    return (await this.jar(actor, app)).find((c) => c.key === name)?.value;
  }

  private async heldToken(actor: ActorName, app: TargetName, role: 'jwt' | 'refreshToken'): Promise<string | undefined> {
    const n = this.cookies[app] ?? {};
    const v = await this.cookieValue(actor, app, role === 'jwt' ? n.jwt : n.refresh);
    return v === undefined ? undefined : findToken(v, (x) => (this.roleOf(x) === role ? role : undefined))?.value ?? v;
  }

  private async cookieMap(actor: ActorName, app: TargetName): Promise<Record<string, string>> {
    return Object.fromEntries((await this.jar(actor, app)).map((c) => [c.key, c.value]));
  }

  async snapshotStoreCookies(actor: ActorName): Promise<void> {
    this.snapshot = await this.cookieMap(actor, 'store');
  }

  // ---- expiry ------------------------------------------------------------------------------

  /**
   * After the world clock jumped: the backends' keep-alive timers (libfaketime moves their
   * monotonic clock too) close the sockets the kit's browser keeps idle, and a request that
   * takes one of them meets "other side closed". A browser retries such a request; the kit
   * drops the idle connections instead, so the next request opens a fresh one.
   */
  private async clockMoved(): Promise<void> {
    if (this.s.worldClock) await closeBrowserAgent();
  }

  async idlePastSessionTtl(): Promise<void> {
    const ttl = this.s.env.sessionTtlSeconds * 1000;
    if (this.s.worldClock) {
      await this.s.advanceTo(this.lastUseAt + ttl + Math.min(10_000, 0.3 * ttl), `session idle past its ${ttl / 1000} s TTL`);
      return this.clockMoved();
    }
    const ms = ttl * 1.3 + 50;
    this.s.waits.push({ ms: Math.round(ms), reason: `session idle past its ${ttl} ms TTL` });
    await new Promise((r) => setTimeout(r, ms));
  }

  async expireJwt(actor: ActorName, app: TargetName): Promise<void> {
    const jwt = await this.heldToken(actor, app, 'jwt');
    if (!jwt) throw new Error(`the ${actor} holds no JWT cookie for the ${app} to let expire`);
    if (this.s.worldClock) {
      await this.s.advancePastExp(jwt, `past the exp of the ${app}'s JWT`);
      return this.clockMoved();
    }
    await this.putToken(actor, app, this.cookies[app]!.jwt!, await this.s.env.double.mintJwt(this.s.user, app, { expired: true }));
  }

  async expireRefreshToken(actor: ActorName, app: TargetName): Promise<void> {
    const rt = await this.heldToken(actor, app, 'refreshToken');
    if (!rt) throw new Error(`the ${actor} holds no refresh-token cookie for the ${app}`);
    // Past the refresh token's TTL the JWT (shorter-lived) has expired too: the world clock gets
    // there by moving; on the real clock the browser's JWT is swapped for an expired one.
    if (!this.s.worldClock) await this.expireJwt(actor, app);
    await this.s.expireRefreshTokenValue(rt, `past the TTL of the ${app}'s refresh token`);
    await this.clockMoved();
  }

  private async putToken(actor: ActorName, app: TargetName, name: string, token: string): Promise<void> {
    const url = this.s.url(app, 'home');
    const held = (await this.jar(actor, app)).find((x) => x.key === name);
    if (!held) throw new Error(`${actor} holds no ${name} cookie for ${app}`);
    const found = findToken(held.value, (v) => (this.roleOf(v) ? 'token' : undefined));
    const value = found?.replace ? found.replace(token) : token;
    if (this.inChromium(actor)) return (await this.chromium()).setCookie(url, { name, value, httpOnly: held.httpOnly, path: held.path });
    const a = this.s.actor(actor);
    const c = (await a.cookies(url)).find((x) => x.key === name)?.clone();
    if (!c) throw new Error(`${actor} holds no ${name} cookie for ${app}`);
    c.value = value;
    await a.setCookie(c, url);
  }

  /** The hacker takes these cookies from the browser (the kit's jar or Chromium's). */
  private async copyToHacker(app: TargetName, names: string[]): Promise<void> {
    const url = this.s.url(app, 'home');
    if (!this.inChromium('Browser')) return this.s.actor('Hacker').copyCookiesFrom(this.s.actor('Browser'), url, names);
    for (const c of (await this.jar('Browser', app)).filter((x) => names.includes(x.key))) await this.s.actor('Hacker').setCookie(`${c.key}=${c.value}; Path=${c.path}${c.httpOnly ? '; HttpOnly' : ''}`, url);
  }

  async rememberTokens(actor: ActorName, app: TargetName): Promise<void> {
    this.remembered = { jwt: await this.heldToken(actor, app, 'jwt'), refresh: await this.heldToken(actor, app, 'refreshToken') };
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
    await this.go(actor, app, (a) => a.get(u.href), (c) => c.goto(u.href));
    const callback = this.lastResults()[0];
    // Where the app sends the browser, and the user page after it: whose is it now?
    if (callback.location && !this.inChromium(actor)) await this.go(actor, app, (a) => a.follow(callback));
    const after = await this.open(actor, app, app === 'store' ? 'cart' : 'posts');
    this.forged = { kind: state, callback, after, victim };
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
    const app = this.last!.app;
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
    const app = this.last!.app;
    // After the callback: a backend that never exchanged the code has no login to redirect on (said once, there).
    const dep = page === 'login' ? undefined : this.s.verifier.failed('code-exchanged-server-side');
    // The answer to the request this step made (Chromium goes on by itself: what it did next is not this answer).
    this.after([dep], checks.redirectsTo, { to: `the ${page} page`, toPath: this.s.app(app).routes[page], response: this.lastResults()[0].exchange }, { kind: `redirect-to-${page}` });
  }

  sessionCreated(app: TargetName): void {
    const response = this.loginOf('Browser', app)?.callback?.exchange;
    const session = this.sessionCookieOf(response);
    const others = setCookiesOf(response).filter((c) => c !== session && !isDeletion(c, this.s.now()));
    const dep = this.s.verifier.failed('code-exchanged-server-side');
    const set = this.after([dep], checks.sessionCookieSet, { app, response, session, others });
    const args = { app, host: this.s.app(app).host, role: 'session id', cookie: session, response };
    this.after([set, dep], checks.cookieIsHttpOnly, args);
    this.after([set, dep], checks.cookieIsHostOnly, args);
  }

  tokensNotInBrowser(): void {
    const i = this.issued();
    const exchanges = this.s.journal.all().filter((e) => e.from === 'Browser' && e.to !== 'FusionAuth');
    this.verify(checks.tokensNotInBrowser, { actor: 'Browser', exchanges, tokens: [...i.jwts, ...i.refresh] });
  }

  tokenCookiesSet(app: TargetName): void {
    const response = this.loginOf('Browser', app)?.callback?.exchange;
    const host = this.s.app(app).host;
    for (const [role, key, kind] of [
      ['JWT', 'jwt', 'jwt-cookie-set'],
      ['refresh token', 'refreshToken', 'refresh-cookie-set'],
    ] as const) {
      const cookie = this.tokenCookie(key, response);
      const args = { app, host, role, cookie, response };
      const dep = this.s.verifier.failed('code-exchanged-server-side');
      const set = this.after([dep], checks.tokenCookieSet, args, { kind });
      this.after([set, dep], checks.cookieIsHttpOnly, args);
      this.after([set, dep], checks.cookieIsHostOnly, args);
    }
  }

  cookiesSent(app: TargetName): void {
    const names = this.credentialNames(app);
    const set = ['jwt-cookie-set', 'refresh-cookie-set', 'session-cookie-set', 'code-exchanged-server-side'].map((k) => this.s.verifier.failed(k));
    this.after(set, checks.tokenCookiesSent, { request: this.lastResults()[0].exchange, names });
  }

  pageShown(app: TargetName, page: PageName, user: string): void {
    this.verify(checks.pageShowsUser, { page: `${app} ${page} page`, user, proof: this.s.proof(app, user), response: this.lastResults().at(-1)!.exchange });
  }

  noStoreCookiesTo(app: TargetName): void {
    const request = this.s.journal.all().find((e) => e.from === 'Browser' && e.to === this.s.app(app).participant);
    const other: TargetName = app === 'store' ? 'forums' : 'store';
    this.verify(checks.appCookiesSeparate, { app, request, foreign: this.credentialNames(other) });
  }

  async storeCookiesUntouched(): Promise<void> {
    if (!this.snapshot) throw new Error("no snapshot of the store's cookies was taken");
    const after = await this.cookieMap('Browser', 'store');
    this.verify(checks.otherAppCookiesUntouched, { app: 'store', before: this.snapshot, after, evidence: this.lastResults().map((r) => r.exchange) });
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
      if (!this.pages.get(actor)) throw err;
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
    this.verify(checks.backendCalledRefresh, { caller: this.s.app(app).participant, exchanges: this.s.journal.since(this.last!.startSeq), refreshToken: this.remembered.refresh ?? '(none held)', expectStatus });
  }

  jwtCookieReplaced(): void {
    const since = this.s.journal.since(this.last!.startSeq);
    const refreshes = since.filter((e) => isRefreshCall(e) && e.response?.status === 200);
    // Either refresh API's answer: access_token (/oauth2/token) or token (/api/jwt/refresh).
    const issued = new Set(refreshes.flatMap((e) => [checks.tokensOf(e).accessToken, jsonField(e, 'token')].filter((x): x is string => !!x)));
    const response = this.lastResults().at(-1)!.exchange;
    const cookie = setCookiesOf(response).find((c) => findToken(c.cookie.value, (v) => (issued.has(v) ? 'jwt' : undefined)));
    this.after([this.s.verifier.failed('refresh-called')], checks.tokenCookieReplaced, { role: 'JWT', response, cookie, oldValue: this.remembered.jwt });
  }

  // ---- attacks ------------------------------------------------------------------------------------

  async steal(what: 'session' | 'refresh' | 'jwt', app: TargetName): Promise<void> {
    this.stolen = what;
    const n = this.cookies[app] ?? {};
    const url = this.s.url(app, 'home');
    if (what === 'session') {
      const names = this.credentialNames(app);
      if (!names.length) throw new Error(`the ${app} set no login cookie to steal`);
      await this.copyToHacker(app, names);
      return;
    }
    const name = what === 'refresh' ? n.refresh : n.jwt;
    if (!name) throw new Error(`the ${app} set no ${what === 'refresh' ? 'refresh-token' : 'JWT'} cookie to steal`);
    await this.copyToHacker(app, [name]);
    if (what === 'refresh' && n.jwt) {
      const bad = await this.s.env.double.mintJwt(this.s.user, app, { badSignature: true });
      await this.s.actor('Hacker').setCookie(`${n.jwt}=${bad}; Path=/`, url);
    }
  }

  attackRefreshed(app: TargetName): void {
    this.verify(checks.stolenRefreshTokenRefreshed, { attack: `${app} refreshed the JWT with the stolen refresh token`, caller: this.s.app(app).participant, exchanges: this.s.journal.since(this.last!.startSeq) });
  }

  attackGotPage(app: TargetName, withNewJwt: boolean): void {
    const check = withNewJwt ? checks.stolenRefreshTokenOpensPage : this.stolen === 'session' ? checks.stolenSessionOpensPage : checks.stolenJwtOpensPage;
    const page = app === 'store' ? 'cart' : 'posts';
    this.verify(check, {
      attack: `the hacker got ${this.s.user}'s ${page}${withNewJwt ? ' and a new JWT' : ''}`,
      page,
      user: this.s.user,
      proof: this.s.proof(app),
      response: this.lastResults().at(-1)!.exchange,
      ...(withNewJwt ? { newJwtAmong: this.s.env.double.issued().jwts } : {}),
    });
  }
}

/** A journalled exchange seen as the result of a request (browser mode: Chromium made it). */
export function resultOf(e: Exchange): HttpResult {
  const loc = header(e.response?.headers, 'location');
  const url = `http://${e.request.host}${e.request.path}`;
  let location: string | undefined;
  try {
    location = loc ? new URL(loc, url).href : undefined;
  } catch {
    location = loc;
  }
  const headers = Object.fromEntries(Object.entries(e.response?.headers ?? {}).filter((x): x is [string, string | string[]] => x[1] !== undefined));
  return { url, status: e.response?.status ?? 0, headers, body: e.response?.body ?? '', truncated: false, setCookies: headerAll(e.response?.headers, 'set-cookie'), rejectedCookies: [], ...(location ? { location } : {}), exchange: e };
}

function jsonField(e: Exchange, key: string): string | undefined {
  try {
    const v = JSON.parse(e.response?.body ?? '')[key];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
