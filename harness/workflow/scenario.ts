import { Actor, type HttpResult, findLinks, guessLoginFields, parseForms } from '../browser';
import type { TargetName } from '../backend/config';
import * as checks from '../checks';
import { type Check, type SetCookie, type Verdict, Verifier, isRefreshCall, refreshTokenOf, setCookiesOf } from '../checks';
import { type Exchange, Journal } from '../trace';
import { type BadJwt, mintBadJwt } from './bad-jwt';
import type { AppTarget, Environment } from './environment';

/**
 * One scenario's state and every action and check its steps need. Step definitions are
 * one-liners onto this class; it knows nothing of cucumber either, so a workflow is a
 * diagram, a feature and a backend, never new harness code.
 */
export type ActorName = 'Browser' | 'Hacker';
export type PageName = 'home' | 'login' | 'cart' | 'posts';

/** "the shopping cart" → store's cart; "the forum posts" → forums' posts. */
export const PAGES: Record<string, { app: TargetName; page: PageName }> = {
  'shopping cart': { app: 'store', page: 'cart' },
  'forum posts': { app: 'forums', page: 'posts' },
};

export type { BadJwt } from './bad-jwt';

const BAD_JWT_CHECKS: Record<BadJwt, Check<checks.RejectedArgs>> = {
  'bad-signature': checks.rejectsBadSignature,
  unsigned: checks.rejectsUnsigned,
  'wrong-audience': checks.rejectsWrongAudience,
  expired: checks.rejectsExpired,
};

interface TokenCookies {
  jwt?: string;
  refresh?: string;
  /** A cookie set by the login answer that holds no token: a server-side session's id. */
  session?: string;
}

/** A wait the workflow needs on the wall clock (only server-side session TTL proofs). */
export interface DeliberateWait {
  ms: number;
  reason: string;
}

interface Action {
  actor: ActorName;
  app: TargetName;
  startSeq: number;
  results: HttpResult[];
}

export class Scenario {
  readonly journal = new Journal();
  readonly verifier: Verifier;
  private readonly actors = new Map<ActorName, Actor>();
  private last: Action | undefined;
  /** Last page each actor got, for "follows the login link" and "submits the form". */
  private readonly pages = new Map<ActorName, HttpResult>();
  /** Cookie names discovered per app: which one holds the JWT, which the refresh token. */
  private readonly cookieNames: Partial<Record<TargetName, TokenCookies>> = {};
  user = 'alice@example.com';
  private presented: BadJwt | undefined;
  private snapshot: Record<string, string> | undefined;
  private steps: number[] = [];
  /** Wall-clock waits this scenario made on purpose, for the report and the bench. */
  readonly waits: DeliberateWait[] = [];
  /** When the last login answer arrived (ms since epoch), for session TTL proofs. */
  private loginAt = 0;
  /** Session ids seen by `logInTimes`, and before/after a re-login. */
  private sessionSamples: { value: string; exchange: Exchange }[] = [];
  private sessionBefore: string | undefined;
  private slidingLoads: { at: number; shown: boolean; exchange: Exchange }[] = [];
  private stolen: 'refresh' | 'jwt' | 'session' | undefined;
  /** Token values the browser held before the last load, for "replaced" / "spent" checks. */
  private remembered: TokenCookies = {};

  constructor(
    readonly env: Environment,
    readonly workflow: string,
    prefix: string,
    name: string,
    onVerdict?: (v: Verdict) => void,
    excused?: (v: Verdict) => boolean,
  ) {
    const variant = Object.keys(env.variant).length ? { ...env.variant } : undefined;
    this.verifier = new Verifier({ workflow, prefix, scenario: name, redactor: env.double.redactor, onVerdict, excused, variant });
    env.double.useJournal(this.journal);
  }

  /** The diagram steps the current Gherkin step exercises (from its text). */
  exercise(steps: number[], phase?: string): void {
    this.steps = steps;
    this.journal.exercise(steps, phase);
  }

  verify<A>(check: Check<A>, args: A): Verdict {
    return this.verifier.verify(check, args, this.steps);
  }

  // ---- actors ----------------------------------------------------------------------

  actor(name: ActorName): Actor {
    let a = this.actors.get(name);
    if (!a) {
      a = new Actor({ name, ...this.env.network(name), journal: this.journal, timeoutMs: this.env.config.timeouts?.requestMs });
      this.actors.set(name, a);
    }
    return a;
  }

  app(name: TargetName): AppTarget {
    return this.env.apps[name];
  }

  url(app: TargetName, page: PageName): string {
    const a = this.app(app);
    return `http://${a.host}${a.routes[page]}`;
  }

  proof(app: TargetName, user = this.user): string {
    return this.app(app).proof.replace('{email}', user);
  }

  password(user: string): string {
    const u = this.env.double.findUser(user);
    if (!u) throw new Error(`no user ${user} in the FusionAuth double's directory`);
    return u.password;
  }

  private async act(actor: ActorName, app: TargetName, fn: (a: Actor) => Promise<HttpResult | HttpResult[]>): Promise<HttpResult> {
    const startSeq = this.journal.lastSeq;
    let r: HttpResult | HttpResult[];
    try {
      r = await fn(this.actor(actor));
    } catch (err) {
      throw (await this.env.explain(err)) ?? err; // a backend that died says so, with its exit code and output
    }
    const results = Array.isArray(r) ? r : [r];
    this.last = { actor, app, startSeq, results };
    const final = results[results.length - 1];
    this.pages.set(actor, final);
    this.learnCookieNames(app, results);
    return final;
  }

  private lastAction(): Action {
    if (!this.last) throw new Error('no request has been made yet in this scenario');
    return this.last;
  }

  private sinceLast(): Exchange[] {
    return this.journal.since(this.lastAction().startSeq);
  }

  private lastResponse(): Exchange {
    const r = this.lastAction().results;
    return r[r.length - 1].exchange;
  }

  /** The app the last request went to (for "submits the login form"). */
  currentApp(): TargetName {
    return this.lastAction().app;
  }

  async rememberTokens(actor: ActorName, app: TargetName): Promise<void> {
    const n = this.cookieNames[app] ?? {};
    this.remembered = { jwt: await this.cookieValue(actor, app, n.jwt), refresh: await this.cookieValue(actor, app, n.refresh) };
  }

  rememberedJwt(): string | undefined {
    return this.remembered.jwt;
  }

  rememberedRefreshToken(): string | undefined {
    return this.remembered.refresh;
  }

  // ---- actions -----------------------------------------------------------------------

  open(actor: ActorName, app: TargetName, page: PageName): Promise<HttpResult> {
    return this.act(actor, app, (a) => a.get(this.url(app, page)));
  }

  followLoginLink(actor: ActorName): Promise<HttpResult> {
    const { app } = this.lastAction();
    const page = this.pages.get(actor);
    const login = this.url(app, 'login');
    const link = page && findLinks(page.body, page.url).find((l) => new URL(l.href).pathname === new URL(login).pathname);
    return this.act(actor, app, (a) => a.get(link?.href ?? login));
  }

  async submitLogin(actor: ActorName, app: TargetName, user: string): Promise<HttpResult> {
    this.user = user;
    const page = this.pages.get(actor);
    const form = page && parseForms(page.body, page.url).find((f) => f.fields.some((x) => x.type === 'password'));
    if (!form) throw new Error(`no login form on ${page?.url ?? 'the current page'} to submit (status ${page?.status})`);
    const fields = { ...guessLoginFields(form), ...this.app(app).loginFields };
    if (!fields.loginId || !fields.password) throw new Error(`cannot tell the login id and password fields of the form at ${page!.url}; set loginFields in the config`);
    const routes = this.app(app).routes;
    const target = routes.loginPost ? { ...form, action: `http://${this.app(app).host}${routes.loginPost}` } : form;
    return this.act(actor, app, (a) => a.submitForm(target, { [fields.loginId!]: user, [fields.password!]: this.password(user) }));
  }

  followRedirect(actor: ActorName): Promise<HttpResult> {
    const { app } = this.lastAction();
    const prev = this.pages.get(actor);
    if (!prev?.location) throw new Error(`the last answer (${prev?.status} from ${prev?.url}) was not a redirect`);
    return this.act(actor, app, (a) => a.get(prev.location!));
  }

  load(actor: ActorName, app: TargetName, page: PageName): Promise<HttpResult> {
    return this.act(actor, app, (a) => a.get(this.url(app, page)));
  }

  /** Log in through the form and land on the page the backend sends the user to. */
  async logIn(actor: ActorName, app: TargetName, user: string): Promise<HttpResult> {
    const session = this.cookieNames[app]?.session;
    this.sessionBefore = session ? await this.cookieValue(actor, app, session) : undefined;
    await this.open(actor, app, 'login');
    await this.submitLogin(actor, app, user);
    this.loginAt = Date.now();
    const page = await this.act(actor, app, (a) => a.follow(this.pages.get(actor)!));
    return page;
  }

  /** A precondition: log in and insist it worked, naming what went wrong if not. */
  async loggedIn(actor: ActorName, app: TargetName, user: string): Promise<void> {
    const startSeq = this.journal.lastSeq;
    const page = await this.logIn(actor, app, user);
    if (!checks.showsUser({ page: app, user, proof: this.proof(app, user), response: page.exchange }) || !this.credentialNames(app).length) {
      const seen = this.journal.since(startSeq).map((e) => `${e.from}->${e.to} ${e.request.method} ${e.request.path} ${e.response?.status ?? e.error}`);
      throw new Error(`precondition failed: ${user} could not log in to ${app} (final answer ${page.status} from ${page.url}${this.credentialNames(app).length ? '' : '; the login set no cookie'}).\n  exchanges: ${seen.join('\n             ')}`);
    }
  }

  private learnCookieNames(app: TargetName, results: HttpResult[]): void {
    for (const r of results) {
      const set = setCookiesOf(r.exchange).filter((c) => !isDeletion(c));
      const names = (this.cookieNames[app] ??= {});
      for (const c of set) {
        // Any cookie value a backend sets (a session id above all) is a credential: the
        // reports show it fingerprinted, as the double's tokens are.
        this.env.double.redactor.addToken(c.cookie.value);
        const role = this.env.double.tokenRole(c.cookie.value);
        if (role === 'jwt') names.jwt = c.cookie.key;
        else if (role === 'refreshToken') names.refresh = c.cookie.key;
      }
      // The login answer's token-free cookie is the session id; when tokens are in cookies
      // too (a backend that leaks them), only a session-like name counts, so a JWT-cookie
      // backend's other cookies (CSRF and the like) are not taken for a session.
      if (r.exchange.request.method === 'POST') {
        const session = this.sessionCookieOf(r.exchange);
        if (session && (!names.jwt || /sess|sid/i.test(session.cookie.key))) names.session = session.cookie.key;
      }
    }
  }

  /** The session cookie a login answer set: the token-free cookie, preferring a session-like name. */
  private sessionCookieOf(e: Exchange): SetCookie | undefined {
    const plain = setCookiesOf(e).filter((c) => !isDeletion(c) && !this.env.double.tokenRole(c.cookie.value));
    return plain.find((c) => /sess|sid/i.test(c.cookie.key)) ?? plain[0];
  }

  /** The cookies that carry the user's login for an app: JWT and refresh token, or the session id. */
  credentialNames(app: TargetName): string[] {
    const n = this.cookieNames[app] ?? {};
    return [n.jwt, n.refresh, n.session].filter((x): x is string => !!x);
  }

  private names(app: TargetName): TokenCookies {
    const n = this.cookieNames[app];
    if (!n?.jwt) throw new Error(`the ${app} has not set a cookie holding a JWT FusionAuth issued, so the kit cannot tell which cookie to change`);
    return n;
  }

  private sessionName(app: TargetName): string {
    const n = this.cookieNames[app]?.session;
    if (!n) throw new Error(`the ${app} has not set a session cookie at login, so the kit cannot tell which cookie holds the session id`);
    return n;
  }

  private async cookieValue(actor: ActorName, app: TargetName, name?: string): Promise<string | undefined> {
    if (!name) return undefined;
    const cs = await this.actor(actor).cookies(this.url(app, 'home'));
    return cs.find((c) => c.key === name)?.value;
  }

  /** Replace the value of a cookie the backend set, keeping its attributes. */
  private async rewriteCookie(actor: ActorName, app: TargetName, name: string, value: string | undefined): Promise<void> {
    const a = this.actor(actor);
    const url = this.url(app, 'home');
    const existing = (await a.cookies(url)).find((c) => c.key === name);
    const c = existing ? existing.clone() : undefined;
    if (!c) throw new Error(`${actor} holds no ${name} cookie for ${app}`);
    if (value === undefined) {
      // Max-Age wins over Expires, so both must say "gone" for the jar to drop it.
      c.maxAge = 0;
      c.expires = new Date(0);
    } else c.value = value;
    await a.setCookie(c, url);
  }

  async expireJwt(actor: ActorName, app: TargetName): Promise<void> {
    const jwt = await this.env.double.mintJwt(this.user, app, { expired: true });
    await this.rewriteCookie(actor, app, this.names(app).jwt!, jwt);
  }

  async expireRefreshToken(actor: ActorName, app: TargetName): Promise<void> {
    const name = this.names(app).refresh;
    const rt = await this.cookieValue(actor, app, name);
    if (!rt) throw new Error(`${actor} holds no refresh-token cookie for ${app}`);
    this.env.double.expireRefreshToken(rt);
  }

  async presentBadJwt(actor: ActorName, app: TargetName, kind: BadJwt): Promise<HttpResult> {
    this.presented = kind;
    const jwt = await mintBadJwt(this.env.double, this.user, app, kind);
    const names = this.names(app);
    if (names.refresh) await this.rewriteCookie(actor, app, names.refresh, undefined);
    await this.rewriteCookie(actor, app, names.jwt!, jwt);
    return this.load(actor, app, app === 'store' ? 'cart' : 'posts');
  }

  /** Hacker copies cookies from the browser: the refresh token with a garbage JWT, or the JWT alone. */
  async steal(what: 'refresh' | 'jwt' | 'session', app: TargetName): Promise<void> {
    this.stolen = what;
    const name = what === 'session' ? this.sessionName(app) : what === 'refresh' ? this.names(app).refresh! : this.names(app).jwt!;
    await this.actor('Hacker').copyCookiesFrom(this.actor('Browser'), this.url(app, 'home'), [name]);
  }

  /** A deliberate wall-clock wait, declared as such (the bench counts these). Bounded by its caller. */
  private async wait(ms: number, reason: string): Promise<void> {
    if (ms <= 0) return;
    this.waits.push({ ms: Math.round(ms), reason });
    await new Promise((r) => setTimeout(r, ms));
  }

  private ttlMs(): number {
    return this.env.sessionTtlSeconds * 1000;
  }

  /** Let the session sit unused past its TTL (plus a margin for clock and scheduling jitter). */
  async idlePastTtl(): Promise<void> {
    const due = this.loginAt + this.ttlMs() * 1.3 + 50;
    await this.wait(due - Date.now(), `session idle past its ${this.ttlMs()} ms TTL`);
  }

  /**
   * Load the page at 0.65 and 1.3 TTLs after login: each load is within the TTL of the
   * previous use, the last is past the TTL counted from login, so only a sliding expiry
   * keeps it open. The margins (0.35 and 0.3 TTL) absorb scheduling jitter.
   */
  async keepUsing(actor: ActorName, app: TargetName, page: PageName): Promise<void> {
    const ttl = this.ttlMs();
    this.slidingLoads = [];
    for (const k of [1, 2]) {
      await this.wait(this.loginAt + 0.65 * ttl * k - Date.now(), `use of the session ${0.65 * k} TTL after login`);
      const r = await this.load(actor, app, page);
      this.slidingLoads.push({ at: r.exchange.at, shown: checks.showsUser({ page, user: this.user, proof: this.proof(app), response: r.exchange }), exchange: r.exchange });
    }
  }

  /** Log in n times, each on a fresh cookie jar, keeping the session ids issued. */
  async logInTimes(actor: ActorName, app: TargetName, n: number, user: string): Promise<void> {
    this.sessionSamples = [];
    for (let i = 0; i < n; i++) {
      await this.actor(actor).clearCookies();
      await this.logIn(actor, app, user);
      const login = this.lastAction().results.find((r) => r.exchange.request.method === 'POST');
      const c = login && this.sessionCookieOf(login.exchange);
      if (c) this.sessionSamples.push({ value: c.cookie.value, exchange: login!.exchange });
    }
  }

  async hackerPresentsBadJwt(app: TargetName): Promise<void> {
    const bad = await this.env.double.mintJwt(this.user, app, { badSignature: true });
    await this.actor('Hacker').setCookie(`${this.names(app).jwt}=${bad}; Path=/`, this.url(app, 'home'));
  }

  snapshotCookies(actor: ActorName, app: TargetName): Promise<void> {
    return this.cookieMap(actor, app).then((m) => {
      this.snapshot = m;
    });
  }

  private async cookieMap(actor: ActorName, app: TargetName): Promise<Record<string, string>> {
    const cs = await this.actor(actor).cookies(this.url(app, 'home'));
    return Object.fromEntries(cs.map((c) => [c.key, c.value]));
  }

  // ---- checks ------------------------------------------------------------------------

  pageLinksToLogin(): Verdict {
    const { app } = this.lastAction();
    const res = this.lastResponse();
    const page = this.lastAction().results.at(-1)!;
    return this.verify(checks.pageLinksToLogin, { page: `${app} home page`, response: res, loginPath: this.app(app).routes.login, found: findLinks(page.body, page.url).map((l) => l.href) });
  }

  pageHasLoginForm(): Verdict {
    const { app } = this.lastAction();
    const page = this.lastAction().results.at(-1)!;
    const forms = parseForms(page.body, page.url);
    const form = forms.find((f) => f.fields.some((x) => x.type === 'password')) ?? forms[0];
    const fields = form ? { ...guessLoginFields(form), ...this.app(app).loginFields } : {};
    return this.verify(checks.pageHasLoginForm, { page: `${app} login page`, response: page.exchange, fields, forms: forms.length });
  }

  calledLogin(app: TargetName): void {
    const exchanges = this.sinceLast();
    // Both halves are judged before a failure stops the scenario: a browser that called
    // FusionAuth itself is why the backend did not, and neither may hide the other.
    const failures: unknown[] = [];
    const judge = (f: () => void) => {
      try {
        f();
      } catch (e) {
        failures.push(e);
      }
    };
    judge(() =>
      this.verify(checks.backendCalledLogin, {
        caller: this.app(app).participant,
        exchanges,
        loginId: this.user,
        password: this.password(this.user),
        apiKey: this.env.double.directory.apiKey,
        applicationId: this.app(app).applicationId,
      }),
    );
    judge(() => this.verify(checks.browserDidNotCallFusionAuth, { actor: this.lastAction().actor, exchanges, fusionauthHost: this.env.fusionauthHost }));
    if (failures.length) throw failures[0];
  }

  redirectedTo(page: PageName): Verdict {
    const { app } = this.lastAction();
    const check = { ...checks.redirectsTo, kind: `redirect-to-${page}` };
    return this.verify(check, { to: `the ${page} page`, toPath: this.app(app).routes[page], response: this.lastResponse() });
  }

  private tokenCookie(app: TargetName, role: 'jwt' | 'refreshToken', response: Exchange): SetCookie | undefined {
    return setCookiesOf(response).find((c) => this.env.double.tokenRole(c.cookie.value) === role);
  }

  tokenCookiesSet(app: TargetName): void {
    const response = this.lastResponse();
    const host = this.app(app).host;
    for (const [role, label] of [['jwt', 'JWT'], ['refreshToken', 'refresh token']] as const) {
      const cookie = this.tokenCookie(app, role, response);
      const args = { app, host, role: label, cookie, response };
      const tag = role === 'jwt' ? 'jwt' : 'refresh';
      this.verify({ ...checks.tokenCookieSet, kind: `${tag}-cookie-set` }, args);
      this.verify(checks.cookieIsHttpOnly, args);
      this.verify(checks.cookieIsHostOnly, args);
    }
  }

  /** Secure and SameSite on whatever carries the login: token cookies, or the session cookie. */
  credentialCookiesHardened(app: TargetName): void {
    const response = this.lastResponse();
    const host = this.app(app).host;
    const session = this.sessionCookieOf(response);
    const roles: [string, SetCookie | undefined][] = this.cookieNames[app]?.jwt
      ? [['JWT', this.tokenCookie(app, 'jwt', response)], ['refresh token', this.tokenCookie(app, 'refreshToken', response)]]
      : [['session id', session]];
    for (const [role, cookie] of roles) {
      const args = { app, host, role, cookie, response };
      this.verify(checks.cookieIsSecure, args);
      this.verify(checks.cookieHasSameSite, args);
    }
  }

  credentialCookiesSent(): void {
    const { app } = this.lastAction();
    const names = this.credentialNames(app);
    if (!names.length) throw new Error(`the ${app} set no cookie at login`);
    this.verify(checks.tokenCookiesSent, { request: this.lastAction().results[0].exchange, names });
  }

  sessionCreated(app: TargetName): void {
    const response = this.lastResponse();
    const session = this.sessionCookieOf(response);
    const others = setCookiesOf(response).filter((c) => c !== session && !isDeletion(c));
    this.verify(checks.sessionCookieSet, { app, response, session, others });
    const args = { app, host: this.app(app).host, role: 'session id', cookie: session, response };
    this.verify(checks.cookieIsHttpOnly, args);
    this.verify(checks.cookieIsHostOnly, args);
  }

  tokensNotInBrowser(actor: ActorName): void {
    const issued = this.env.double.issued();
    const exchanges = this.journal.all().filter((e) => e.from === actor);
    this.verify(checks.tokensNotInBrowser, { actor, exchanges, tokens: [...issued.jwts, ...issued.refreshTokens] });
  }

  newSessionId(app: TargetName): void {
    const login = this.lastAction().results.find((r) => r.exchange.request.method === 'POST');
    const after = login && this.sessionCookieOf(login.exchange)?.cookie.value;
    this.verify(checks.newSessionIdAtLogin, { app, before: this.sessionBefore, after, evidence: login ? [login.exchange] : [] });
  }

  sessionIdEntropy(app: TargetName, minBits = 128): void {
    this.verify(checks.sessionIdEntropy, { app, samples: this.sessionSamples.map((s) => s.value), minBits, evidence: this.sessionSamples.map((s) => s.exchange) });
  }

  sessionExtended(app: TargetName, page: PageName): void {
    this.verify(checks.sessionExtendedOnUse, { app, page, user: this.user, ttlMs: this.ttlMs(), loginAt: this.loginAt, loads: this.slidingLoads });
  }

  pageShown(page: PageName, user: string): void {
    const app = page === 'cart' ? 'store' : page === 'posts' ? 'forums' : this.lastAction().app;
    this.verify(checks.pageShowsUser, { page: `${app} ${page} page`, user, proof: this.proof(app, user), response: this.lastResponse() });
  }

  pageRefused(page: PageName): void {
    const kind = this.presented;
    if (!kind) throw new Error('no bad JWT was presented in this scenario');
    const app = page === 'cart' ? 'store' : 'forums';
    const check = BAD_JWT_CHECKS[kind];
    this.verify(check, { kind: check.kind, presented: kind.replace('-', ' ') + ' JWT', page: `${app} ${page} page`, user: this.user, proof: this.proof(app), response: this.lastResponse() });
  }

  calledRefresh(app: TargetName, expectStatus: number, refreshToken: string | undefined): void {
    this.verify(checks.backendCalledRefresh, { caller: this.app(app).participant, exchanges: this.sinceLast(), refreshToken: refreshToken ?? '(none held)', expectStatus, endpoint: this.env.variant.refreshEndpoint });
  }

  /** The refresh token the browser holds for an app, read before the action that spends it. */
  refreshTokenHeld(actor: ActorName, app: TargetName): Promise<string | undefined> {
    return this.cookieValue(actor, app, this.cookieNames[app]?.refresh);
  }

  jwtCookieReplaced(app: TargetName, oldJwt: string | undefined): void {
    const response = this.lastResponse();
    const refreshes = this.sinceLast().filter((e) => isRefreshCall(e) && e.response?.status === 200);
    const issued = new Set(refreshes.flatMap((e) => newTokens(e).jwt ?? []));
    const cookie = setCookiesOf(response).find((c) => issued.has(c.cookie.value));
    this.verify(checks.tokenCookieReplaced, { role: 'JWT', response, cookie, oldValue: oldJwt });
  }

  async refreshTokenCurrent(actor: ActorName, app: TargetName): Promise<void> {
    const refreshes = this.sinceLast().filter((e) => isRefreshCall(e) && e.response?.status === 200);
    const last = refreshes.at(-1);
    const expected = last ? newTokens(last).refresh ?? refreshTokenOf(last) : undefined;
    const held = await this.refreshTokenHeld(actor, app);
    this.verify(checks.browserHoldsCurrentToken, { role: 'refresh token', held, expected, evidence: [...refreshes, this.lastResponse()] });
  }

  noCookiesSentTo(app: TargetName): void {
    const other: TargetName = app === 'store' ? 'forums' : 'store';
    // The browser's first request to the app in this scenario, whoever made it (actor or real browser).
    const request = this.journal.all().filter((e) => e.from === 'Browser' && e.to === this.app(app).participant).at(0);
    this.verify(checks.noCookiesFromOtherApp, { app, request, foreign: this.credentialNames(other) });
  }

  async otherCookiesUntouched(actor: ActorName, app: TargetName): Promise<void> {
    if (!this.snapshot) throw new Error(`no snapshot of ${app}'s cookies was taken`);
    const after = await this.cookieMap(actor, app);
    this.verify(checks.otherAppCookiesUntouched, { app, before: this.snapshot, after, evidence: this.sinceLast().slice(-2) });
  }

  // ---- attack vectors (INFO) ---------------------------------------------------------

  attackRefreshed(app: TargetName): void {
    const calls = this.sinceLast().filter((e) => e.from === this.app(app).participant && isRefreshCall(e));
    const ok = calls.some((e) => e.response?.status === 200);
    this.verify(checks.stolenRefreshTokenRefreshed, { attack: `${app} refreshed the JWT with the stolen refresh token`, worked: ok, how: ok ? 'FusionAuth issued a new JWT for the stolen refresh token' : calls.length ? `the refresh answered ${calls.map((e) => e.response?.status).join(', ')}` : `${app} made no refresh call`, evidence: calls });
  }

  attackGotPage(app: TargetName, withNewJwt: boolean): void {
    const check = withNewJwt ? checks.stolenRefreshTokenOpensPage : this.stolen === 'session' ? checks.stolenSessionOpensPage : checks.stolenJwtOpensPage;
    const res = this.lastResponse();
    const page = app === 'store' ? 'cart' : 'posts';
    const shown = checks.showsUser({ page, user: this.user, proof: this.proof(app), response: res });
    const newJwt = setCookiesOf(res).some((c) => this.env.double.tokenRole(c.cookie.value) === 'jwt');
    const worked = shown && (!withNewJwt || newJwt);
    this.verify(check, {
      attack: `the hacker got ${this.user}'s ${page}${withNewJwt ? ' and a new JWT' : ''}`,
      worked,
      how: `${res.response?.status ?? res.error}: page ${shown ? 'shown' : 'not shown'}${withNewJwt ? `, new JWT cookie ${newJwt ? 'set' : 'not set'}` : ''}`,
      evidence: [res],
    });
  }
}

function isDeletion(c: SetCookie): boolean {
  const exp = c.cookie.expires;
  return c.cookie.maxAge === 0 || (typeof c.cookie.maxAge === 'number' && c.cookie.maxAge < 0) || (exp instanceof Date && exp.getTime() <= Date.now());
}

/** Tokens a successful refresh answer carried (either endpoint's shape). */
function newTokens(e: Exchange): { jwt?: string; refresh?: string } {
  try {
    const b = JSON.parse(e.response?.body ?? '');
    return { jwt: b.token ?? b.access_token, refresh: b.refreshToken ?? b.refresh_token };
  } catch {
    return {};
  }
}
