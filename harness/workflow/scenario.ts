import * as jose from 'jose';
import { Actor, type HttpResult, findLinks, guessLoginFields, parseForms } from '../browser';
import { type TargetName, jsonLogin } from '../backend/config';
import { type Carrier, carrierByRemoval, findToken, joinSplit, resplit, unwrapSessionId } from '../checks/cookie-tokens';
import * as checks from '../checks';
import { type Check, type SetCookie, type Verdict, Verifier, isRefreshCall, refreshTokenOf, setCookiesOf } from '../checks';
import { loadDiagram, type Diagram } from '../spec/diagram';
import { type Exchange, Journal, header } from '../trace';
import { type BadJwt, mintBadJwt } from './bad-jwt';
import type { AppTarget, Environment } from './environment';
import { judgeJsonLoginAnswer, nextOf, postJsonLogin } from './json-login';

/**
 * One scenario's state and every action and check its steps need. Step definitions are
 * one-liners onto this class; it knows nothing of cucumber either, so a workflow is a
 * diagram, a feature and a backend, never new harness code.
 */
/**
 * `Browser:<label>`: another user's own browser (its own cookie jar), for the two-user
 * scenarios; journalled as `Browser`, so its arrows match the spec's.
 */
export type ActorName = 'Browser' | 'Hacker' | `Browser:${string}`;
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

/** A wait the workflow needs on the wall clock (only server-side session TTL proofs, and only on the real clock). */
export interface DeliberateWait {
  ms: number;
  reason: string;
}

/** A move of the world clock instead of a wait (harness/clock): how far and why. */
export interface ClockAdvance {
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
  /** World-clock moves this scenario made instead of waiting. */
  readonly advances: ClockAdvance[] = [];
  /** When the last login answer arrived (ms since epoch, world clock), for session TTL proofs. */
  private loginAt = 0;
  /** When the login's last request touched the session (world clock). */
  private lastUseAt = 0;
  /** Session ids seen by `logInTimes`, and before/after a re-login. */
  private sessionSamples: { value: string; exchange: Exchange }[] = [];
  private sessionBefore: string | undefined;
  /** The session id the browser's jar holds after the last login (what it will really send). */
  private sessionAfter: { value?: string; login?: Exchange } = {};
  private slidingLoads: { at: number; exchange: Exchange }[] = [];
  private stolen: 'refresh' | 'jwt' | 'session' | undefined;
  /** Token values the browser held before the last load, for "replaced" / "spent" checks. */
  private remembered: TokenCookies = {};
  /** A config error found while running (a JSON login the app rejects as malformed): the run exits 2. */
  configError: string | undefined;
  /** How each token cookie wraps its token ("url-encoded > j: JSON at .token"), said in the cookie-set verdicts. */
  private readonly wrapping: Record<string, string> = {};

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
    this.journal.clock = () => env.clock.now();
    env.double.useJournal(this.journal);
    // Secrets redacted everywhere: every cookie value a backend sets (session ids included)
    // is fingerprinted like a token wherever the journal, a verdict or a message is printed.
    this.journal.on('exchange', (e: Exchange) => {
      if (e.to === 'FusionAuth') return;
      for (const c of setCookiesOf(e)) env.double.redactor.addToken(c.cookie.value);
    });
  }

  /** The diagram steps the current Gherkin step exercises (from its text). */
  exercise(steps: number[], phase?: string, text?: string): void {
    this.steps = steps;
    this.journal.exercise(steps, phase);
    this.verifier.gherkinStep = text;
  }

  verify<A>(check: Check<A>, args: A): Verdict {
    return this.verifier.verify(check, args, this.steps);
  }

  /**
   * This scenario cannot apply to the variant in force: record why (a not-applicable verdict,
   * which the reports show as the reason the scenario was skipped) and return cucumber's 'skipped'.
   */
  notApplicableHere(needs: string, reason: string): 'skipped' {
    this.verifier.notApplicable(checks.scenarioApplies, { needs }, [], reason);
    return 'skipped';
  }

  /** The diagram steps the current Gherkin step exercises. */
  get currentSteps(): number[] {
    return [...this.steps];
  }

  // ---- actors ----------------------------------------------------------------------

  actor(name: ActorName): Actor {
    let a = this.actors.get(name);
    if (!a) {
      const role = name.startsWith('Browser:') ? 'Browser' : (name as 'Browser' | 'Hacker');
      a = new Actor({ name: role, ...this.env.network(role), journal: this.journal, timeoutMs: this.env.config.timeouts?.requestMs, now: () => this.env.clock.now() });
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
    // Masked wherever it appears, not only in password fields; a plain lower-case word
    // (the seeded "password") would mask field names and prose too, so those keep to the patterns.
    if (!/^[a-z]*$/.test(u.password)) this.env.double.redactor.addPassword(u.password);
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
    this.remembered = { jwt: this.tokenIn(await this.cookieValue(actor, app, n.jwt), 'jwt'), refresh: this.tokenIn(await this.cookieValue(actor, app, n.refresh), 'refreshToken') };
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

  /** The answer to the last login POST (a JSON login is followed by a separate navigation). */
  private lastLogin: HttpResult | undefined;
  private loginAnswer(): HttpResult | undefined {
    return this.lastAction().results.find((r) => r.exchange.request.method === 'POST') ?? this.lastLogin;
  }

  /** Whether the app logs in with a JSON POST (config `login.mode: json`). */
  jsonLogin(app: TargetName) {
    return jsonLogin(this.env.config[app]);
  }

  /** The role (JWT, refresh token) of a token FusionAuth issued found inside a cookie value, however wrapped. */
  private roleOf(value: string): 'jwt' | 'refreshToken' | undefined {
    return findToken(value, (v) => this.env.double.tokenRole(v))?.role;
  }

  async submitLogin(actor: ActorName, app: TargetName, user: string, password = this.password(user), expectSuccess = true): Promise<HttpResult> {
    this.user = user;
    const json = this.jsonLogin(app);
    if (json) {
      const req = { app, host: this.app(app).host, login: json, loginId: user, password, page: this.pages.get(actor)?.url };
      const r = await this.act(actor, app, (a) => postJsonLogin(a, req));
      this.lastLogin = r;
      if (expectSuccess) {
        try {
          judgeJsonLoginAnswer(app, req, r);
        } catch (err) {
          if ((err as Error).name === 'ConfigError') this.configError = (err as Error).message;
          throw err;
        }
      }
      return r;
    }
    const page = this.pages.get(actor);
    const form = page && parseForms(page.body, page.url).find((f) => f.fields.some((x) => x.type === 'password'));
    if (!form) throw new Error(`no login form on ${page?.url ?? 'the current page'} to submit (status ${page?.status})`);
    const fields = { ...guessLoginFields(form), ...this.app(app).loginFields };
    if (!fields.loginId || !fields.password) throw new Error(`cannot tell the login id and password fields of the form at ${page!.url}; set loginFields in the config`);
    const routes = this.app(app).routes;
    const target = routes.loginPost ? { ...form, action: `http://${this.app(app).host}${routes.loginPost}` } : form;
    return this.act(actor, app, (a) => a.submitForm(target, { [fields.loginId!]: user, [fields.password!]: password }));
  }

  followRedirect(actor: ActorName): Promise<HttpResult> {
    const { app } = this.lastAction();
    const prev = this.pages.get(actor);
    const json = this.jsonLogin(app);
    if (json && prev && prev.exchange.request.method === 'POST' && !prev.location) {
      // A front end goes where the JSON answer says, or to the logged-in page it knows.
      const next = nextOf(prev, json).url ?? this.url(app, app === 'store' ? 'cart' : 'posts');
      return this.act(actor, app, (a) => a.navigate(next));
    }
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
    const answer = await this.submitLogin(actor, app, user);
    this.loginAt = this.now();
    const login = this.lastAction().results.find((r) => r.exchange.request.method === 'POST')?.exchange;
    const json = this.jsonLogin(app);
    const page =
      json && !answer.location
        ? await this.act(actor, app, (a) => a.navigate(nextOf(answer, json).url ?? this.url(app, app === 'store' ? 'cart' : 'posts')))
        : await this.act(actor, app, (a) => a.follow(this.pages.get(actor)!));
    this.lastUseAt = this.now();
    // What the browser really holds now, not only what the login answer said: a backend
    // that keeps the pre-login session sets no new cookie, and its old one is still in use.
    await this.learnFromJar(actor, app);
    const name = this.cookieNames[app]?.session;
    this.sessionAfter = { value: name ? await this.cookieValue(actor, app, name) : undefined, login };
    return page;
  }

  /** Name the token cookies from the values the actor's jar holds (whoever set them, whenever). */
  private async learnFromJar(actor: ActorName, app: TargetName): Promise<void> {
    const names = (this.cookieNames[app] ??= {});
    for (const c of await this.actor(actor).cookies(this.url(app, 'home'))) {
      const role = this.env.double.tokenRole(c.value);
      if (role === 'jwt') names.jwt ??= c.key;
      else if (role === 'refreshToken') names.refresh ??= c.key;
    }
  }

  /** A precondition: log in and insist it worked, naming what went wrong if not. */
  async loggedIn(actor: ActorName, app: TargetName, user: string): Promise<void> {
    const startSeq = this.journal.lastSeq;
    const page = await this.logIn(actor, app, user);
    if (!checks.showsUser({ page: app, user, proof: this.proof(app, user), response: page.exchange }) || !this.credentialNames(app).length) {
      const seen = this.journal.since(startSeq).map((e) => `${e.from}->${e.to} ${e.request.method} ${e.request.path} ${e.response?.status ?? e.error}`);
      // Redacted: a path or URL may carry a token or a session id (a defect the kit reports elsewhere).
      const text = `precondition failed: ${user} could not log in to ${app} (final answer ${page.status} from ${page.url}${this.credentialNames(app).length ? '' : '; the login set no cookie'}).\n  exchanges: ${seen.join('\n             ')}`;
      throw new Error(this.env.double.redactor.text(text));
    }
  }

  private learnCookieNames(app: TargetName, results: HttpResult[]): void {
    for (const r of results) {
      const set = setCookiesOf(r.exchange).filter((c) => !isDeletion(c, this.now()));
      const names = (this.cookieNames[app] ??= {});
      // Split cookies (name.0, name.1) are read joined, as the app reads them.
      for (const c of joinSplit(set.map((x) => ({ key: x.cookie.key, value: x.cookie.value })))) {
        const found = findToken(c.value, (v) => this.env.double.tokenRole(v));
        if (found?.via.length) this.wrapping[c.key] = found.via.join(' > ');
        if (found?.role === 'jwt') names.jwt = c.key;
        else if (found?.role === 'refreshToken') names.refresh = c.key;
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
    const plain = setCookiesOf(e).filter((c) => !isDeletion(c, this.now()) && !this.roleOf(c.cookie.value));
    return plain.find((c) => /sess|sid/i.test(c.cookie.key)) ?? plain[0];
  }

  /** The cookies that carry the user's login for an app: JWT and refresh token, or the session id. */
  credentialNames(app: TargetName): string[] {
    const n = this.cookieNames[app] ?? {};
    const found = [n.jwt, n.refresh, n.session].filter((x): x is string => !!x);
    return found.length ? found : this.opaque[app]?.cookies ?? [];
  }

  private names(app: TargetName): TokenCookies {
    const n = this.cookieNames[app];
    if (!n?.jwt)
      throw new Error(
        `the ${app} has not set a cookie holding a JWT FusionAuth issued (looked for bare and wrapped: URL-encoded, Express-signed s:, j: JSON, base64 JSON, split name.0/.1), so the kit cannot tell which cookie to change; ` +
          `an encrypted (opaque) cookie is a legitimate design, but the kit cannot put another JWT in it, so this step cannot run against this backend`,
      );
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
    return cs.find((c) => c.key === name)?.value ?? joinSplit(cs.map((c) => ({ key: c.key, value: c.value }))).find((c) => c.key === name)?.value;
  }

  /**
   * Put a token into the cookie that holds one, wrapped as the app wraps it (URL-encoded,
   * j: JSON, base64 JSON, split). An Express-signed cookie cannot be re-signed without the
   * app's secret: the kit says so instead of sending a cookie the app rejects for its signature.
   */
  private async putToken(actor: ActorName, app: TargetName, name: string, token: string): Promise<void> {
    const a = this.actor(actor);
    const url = this.url(app, 'home');
    const jar = await a.cookies(url);
    const whole = jar.find((c) => c.key === name) ? { key: name, value: jar.find((c) => c.key === name)!.value, parts: [jar.find((c) => c.key === name)!] } : joinSplit(jar).find((c) => c.key === name);
    if (!whole) throw new Error(`${actor} holds no ${name} cookie for ${app}`);
    const found = findToken(whole.value, (v) => (this.env.double.tokenRole(v) ? 'token' : undefined));
    if (!found) return this.rewriteCookie(actor, app, name, token);
    if (!found.replace)
      throw new Error(`the ${app}'s ${name} cookie holds the token inside an Express-signed value (${found.via.join(' > ')}): the kit cannot re-sign it without the app's cookie secret, so it cannot present another token in it`);
    const value = found.replace(token);
    const chunks = resplit(value, whole.parts);
    for (const [i, part] of whole.parts.entries()) await this.rewriteCookie(actor, app, part.key, chunks[i]);
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

  /** Now on the world clock (real time when the run is on the real clock). */
  now(): number {
    return this.env.clock.now();
  }

  /** Is the run on the world clock, so that expiry is reached by moving it? */
  get worldClock(): boolean {
    return this.env.clock.kind === 'world';
  }

  /** Moves the world clock past a JWT's `exp`, beyond any library's leeway: it expires as FusionAuth's token would. */
  advancePastExp(jwt: string, reason: string): Promise<void> {
    return this.advanceTo(jwtExpiry(jwt) + JWT_LEEWAY_MS, reason);
  }

  /** Moves the world clock (double, backends, cookie jars, Chromium's page clock) to `t`, and records it. */
  async advanceTo(t: number, reason: string): Promise<void> {
    const ms = t - this.now();
    if (ms <= 0) return;
    await this.env.clock.advance(ms);
    this.advances.push({ ms: Math.round(ms), reason });
  }

  /**
   * The JWT expires: on the world clock the world moves past the `exp` of the JWT FusionAuth
   * issued (the backend's own clock says it has expired; a cookie whose Max-Age followed the
   * JWT runs out with it); on the real clock the browser's JWT is replaced by a minted one
   * whose `exp` is past.
   */
  async expireJwt(actor: ActorName, app: TargetName): Promise<void> {
    const name = this.names(app).jwt!;
    if (this.worldClock) {
      // The cookie may wrap the token (signed, JSON, base64): its exp is the token's.
      const held = await this.cookieValue(actor, app, name);
      const jwt = held && findToken(held, (v) => (this.env.double.tokenRole(v) === 'jwt' ? 'jwt' : undefined))?.value;
      if (!jwt) throw new Error(`${actor} holds no JWT cookie (${name}) for ${app} to let expire`);
      await this.advancePastExp(jwt, `past the exp of the ${app}'s JWT`);
      return;
    }
    const jwt = await this.env.double.mintJwt(this.user, app, { expired: true });
    await this.putToken(actor, app, name, jwt);
  }

  /** The refresh token expires: the world moves past its TTL, or (real clock) the double expires it on demand. */
  async expireRefreshToken(actor: ActorName, app: TargetName): Promise<void> {
    const name = this.names(app).refresh;
    const held = await this.cookieValue(actor, app, name);
    const rt = held && findToken(held, (v) => (this.env.double.tokenRole(v) === 'refreshToken' ? 'refreshToken' : undefined))?.value;
    if (!rt) throw new Error(`${actor} holds no refresh-token cookie for ${app}`);
    await this.expireRefreshTokenValue(rt, `past the TTL of the ${app}'s refresh token`);
  }

  /** Shared with the SPA flow: expire a refresh token the double issued, by the clock when it can. */
  async expireRefreshTokenValue(rt: string, reason: string): Promise<void> {
    const at = this.env.double.refreshTokenExpiresAt(rt);
    if (this.worldClock && at !== undefined) await this.advanceTo(at + EXPIRY_MARGIN_MS, reason);
    else this.env.double.expireRefreshToken(rt);
  }

  async presentBadJwt(actor: ActorName, app: TargetName, kind: BadJwt): Promise<HttpResult> {
    this.presented = kind;
    const jwt = await mintBadJwt(this.env.double, this.user, app, kind);
    const names = this.names(app);
    if (names.refresh) await this.rewriteCookie(actor, app, names.refresh, undefined);
    await this.putToken(actor, app, names.jwt!, jwt);
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

  /**
   * How close to the TTL the proofs step (TTL-ε with a request between, TTL+ε idle). On the
   * world clock only the real time a request takes separates the kit's clock from the
   * backend's, so ε is small next to a realistic TTL; on the real clock it absorbs
   * scheduling jitter (0.3 TTL, as before).
   */
  private ttlMarginMs(): number {
    const ttl = this.ttlMs();
    return this.worldClock ? Math.min(10_000, 0.3 * ttl) : 0.3 * ttl;
  }

  /** Let the session sit unused past its TTL: the world clock moves past it, or (real clock) the kit waits. */
  async idlePastTtl(): Promise<void> {
    const ttl = this.ttlMs();
    if (this.worldClock) return this.advanceTo(this.lastUseAt + ttl + this.ttlMarginMs(), `session idle past its ${ttl / 1000} s TTL`);
    const due = this.loginAt + ttl * 1.3 + 50;
    await this.wait(due - Date.now(), `session idle past its ${ttl} ms TTL`);
  }

  /**
   * Load the page at TTL-ε after login and again TTL-ε after that load: each load is within
   * the TTL of the previous use, the last is past the TTL counted from login, so only a
   * sliding expiry keeps it open. On the world clock the clock is moved there; on the real
   * clock the kit waits (0.65 and 1.3 TTLs after login: margins of 0.35 and 0.3 TTL).
   */
  async keepUsing(actor: ActorName, app: TargetName, page: PageName): Promise<void> {
    const ttl = this.ttlMs();
    this.slidingLoads = [];
    let prev = this.lastUseAt;
    for (const k of [1, 2]) {
      if (this.worldClock) await this.advanceTo(prev + ttl - this.ttlMarginMs(), `use of the session ${(ttl - this.ttlMarginMs()) / 1000} s after its previous use (TTL ${ttl / 1000} s)`);
      else await this.wait(this.loginAt + 0.65 * ttl * k - Date.now(), `use of the session ${0.65 * k} TTL after login`);
      const r = await this.load(actor, app, page);
      prev = this.now();
      this.slidingLoads.push({ at: prev, exchange: r.exchange });
    }
  }

  /** Log in n times, each on a fresh cookie jar, keeping the session ids issued. */
  async logInTimes(actor: ActorName, app: TargetName, n: number, user: string): Promise<void> {
    this.sessionSamples = [];
    for (let i = 0; i < n; i++) {
      await this.actor(actor).clearCookies();
      await this.logIn(actor, app, user);
      const login = this.loginAnswer();
      const c = login && this.sessionCookieOf(login.exchange);
      // Express's s:<id>.<signature>: the signature is derived from the id, not randomness.
      if (c) this.sessionSamples.push({ value: unwrapSessionId(c.cookie.value).id, exchange: login!.exchange });
      // A login the kit did not see as a POST (a GET form): the session id the jar holds now.
      else if (this.sessionAfter?.value) this.sessionSamples.push({ value: unwrapSessionId(this.sessionAfter.value).id, exchange: this.sessionAfter.login ?? this.lastResponse() });
    }
  }

  async hackerPresentsBadJwt(app: TargetName): Promise<void> {
    const bad = await this.env.double.mintJwt(this.user, app, { badSignature: true });
    // Wrapped as the browser's own cookie wraps its JWT (j: JSON, base64 JSON…), so the app reads it as a JWT.
    const name = this.names(app).jwt!;
    const held = await this.cookieValue('Browser', app, name);
    const found = held === undefined ? undefined : findToken(held, (v) => (this.env.double.tokenRole(v) === 'jwt' ? 'jwt' : undefined));
    await this.actor('Hacker').setCookie(`${name}=${found?.replace ? found.replace(bad) : bad}; Path=/`, this.url(app, 'home'));
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

  /** The reason the login link and form checks do not apply to an app that logs in with JSON. */
  private jsonLoginReason(app: TargetName, what: string): string | undefined {
    const json = this.jsonLogin(app);
    return json && `${app}.login.mode is "json": the app's front end posts the credentials to ${json.path} itself, so there is no ${what} to judge`;
  }

  pageLinksToLogin(): Verdict {
    const { app } = this.lastAction();
    const res = this.lastResponse();
    const page = this.lastAction().results.at(-1)!;
    const na = this.jsonLoginReason(app, 'link to a login page');
    if (na) return this.verifier.notApplicable(checks.pageLinksToLogin, { page: `${app} home page`, response: res, loginPath: this.app(app).routes.login, found: [] }, this.steps, na, `${app}.login.mode`);
    return this.verify(checks.pageLinksToLogin, { page: `${app} home page`, response: res, loginPath: this.app(app).routes.login, found: findLinks(page.body, page.url).map((l) => l.href) });
  }

  pageHasLoginForm(): Verdict {
    const { app } = this.lastAction();
    const page = this.lastAction().results.at(-1)!;
    const na = this.jsonLoginReason(app, 'HTML login form');
    if (na) return this.verifier.notApplicable(checks.pageHasLoginForm, { page: `${app} login page`, response: page.exchange, fields: {}, forms: 0 }, this.steps, na, `${app}.login.mode`);
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
    const json = this.jsonLogin(app);
    const last = this.lastResponse();
    if (json && last.request.method === 'POST' && !(last.response && last.response.status >= 300 && last.response.status < 400)) {
      const r = this.lastAction().results.at(-1)!;
      const next = nextOf(r, json);
      const reason = `${app}.login.mode is "json" and the login answered ${last.response?.status ?? last.error} (${next.url ? `naming ${new URL(next.url).pathname} in ${next.how}` : next.how}): the front end navigates itself, so there is no redirect to judge; the kit loads ${next.url ? new URL(next.url).pathname : this.app(app).routes[page === 'login' ? 'login' : app === 'store' ? 'cart' : 'posts']} next`;
      return this.verifier.notApplicable(check, { to: `the ${page} page`, toPath: this.app(app).routes[page], response: last }, this.steps, reason, `${app}.login.mode`);
    }
    return this.verify(check, { to: `the ${page} page`, toPath: this.app(app).routes[page], response: this.lastResponse() });
  }

  private tokenCookie(app: TargetName, role: 'jwt' | 'refreshToken', response: Exchange): SetCookie | undefined {
    const set = setCookiesOf(response);
    // A split cookie (name.0, name.1) is judged by its first chunk: the chunks share their attributes.
    const joined = joinSplit(set.map((c) => ({ key: c.cookie.key, value: c.cookie.value, c })));
    return joined.find((j) => findToken(j.value, (v) => this.env.double.tokenRole(v))?.role === role)?.parts[0].c;
  }

  /** Per app: the cookies found by trying to carry an opaque (encrypted) login, and why. */
  private readonly opaque: Partial<Record<TargetName, Carrier>> = {};

  /**
   * No cookie value holds a token the kit can read: find the cookies whose removal loses the
   * login, each try on a copy of the browser's jar (a throwaway actor and journal, so the
   * scenario's own exchanges and cookies stay as they were).
   */
  private async findCarrier(app: TargetName, response: Exchange): Promise<Carrier> {
    const names = [...new Set(setCookiesOf(response).filter((c) => !isDeletion(c, this.now())).map((c) => c.cookie.key))];
    const url = this.url(app, 'home');
    const jar = await this.actor('Browser').cookies(url);
    const page: PageName = app === 'store' ? 'cart' : 'posts';
    const own = this.env.double.journal;
    this.env.double.useJournal(new Journal()); // the backend's calls during the tries are not the scenario's
    try {
      return await carrierByRemoval(names, async (without) => {
        const probe = new Actor({ name: 'Browser', ...this.env.network('Browser'), journal: new Journal(), timeoutMs: this.env.config.timeouts?.requestMs });
        for (const c of jar) if (!without.includes(c.key)) await probe.setCookie(c.clone()!, url);
        const r = await probe.get(this.url(app, page));
        return checks.showsUser({ page, user: this.user, proof: this.proof(app), response: r.exchange });
      });
    } finally {
      this.env.double.useJournal(own);
    }
  }

  async tokenCookiesSet(app: TargetName): Promise<void> {
    const response = this.lastResponse();
    const host = this.app(app).host;
    if (!this.tokenCookie(app, 'jwt', response) && !this.tokenCookie(app, 'refreshToken', response) && setCookiesOf(response).some((c) => !isDeletion(c, this.now()))) {
      // An opaque or encrypted cookie is a legitimate design: judge the cookies that carry the login.
      const carrier = (this.opaque[app] = await this.findCarrier(app, response));
      const set = setCookiesOf(response);
      for (const [i, name] of (carrier.cookies.length ? carrier.cookies : ['']).entries()) {
        const cookie = set.find((c) => c.cookie.key === name);
        const args = { app, host, role: `login cookie${cookie ? ` ${name}` : ''} (opaque)`, cookie, response };
        if (i === 0)
          for (const tag of ['jwt', 'refresh'])
            this.verify({ ...checks.tokenCookieSet, kind: `${tag}-cookie-set`, evaluate: (a) => ({ ...checks.tokenCookieSet.evaluate(a), actual: `${carrier.cookies.length > 1 ? `cookies ${carrier.cookies.join(', ')} carry the login together` : cookie ? `cookie ${name} carries the login` : 'no cookie carries the login'}: ${carrier.why}` }) }, args);
        this.verify(checks.cookieIsHttpOnly, args);
        this.verify(checks.cookieIsHostOnly, args);
      }
      return;
    }
    for (const [role, label] of [['jwt', 'JWT'], ['refreshToken', 'refresh token']] as const) {
      const cookie = this.tokenCookie(app, role, response);
      const args = { app, host, role: label, cookie, response };
      const tag = role === 'jwt' ? 'jwt' : 'refresh';
      // Say where in the value the token was found, when the app wraps it (j: JSON, s: signed…).
      const via = cookie && (this.wrapping[cookie.cookie.key] ?? this.wrapping[cookie.cookie.key.replace(/\.\d+$/, '')]);
      const set = this.verify({ ...checks.tokenCookieSet, kind: `${tag}-cookie-set`, ...(via ? { evaluate: (a: typeof args) => { const o = checks.tokenCookieSet.evaluate(a); return { ...o, actual: `${o.actual} (inside its value: ${via})` }; } } : {}) }, args);
      // A cookie that was never set has no attributes to judge: one failure, not three.
      this.verifyAfter([set], checks.cookieIsHttpOnly, args);
      this.verifyAfter([set], checks.cookieIsHostOnly, args);
    }
  }

  /** `verify`, unless a check it depends on failed: then "not checked: depends on X, which failed". */
  verifyAfter<A>(deps: (Verdict | undefined)[], check: Check<A>, args: A): Verdict {
    return this.verifier.verifyAfter(deps, check, args, this.steps);
  }

  /** Secure and SameSite on whatever carries the login: token cookies, or the session cookie. */
  credentialCookiesHardened(app: TargetName): void {
    const response = this.lastResponse();
    const host = this.app(app).host;
    const session = this.sessionCookieOf(response);
    const carried = this.opaque[app]?.cookies;
    const roles: [string, SetCookie | undefined][] = carried?.length
      ? carried.map((n) => [`login cookie ${n} (opaque)`, setCookiesOf(response).find((c) => c.cookie.key === n)])
      : // Token cookies when the backend set them, or when the workflow expected them (their check ran: failed or not).
      this.cookieNames[app]?.jwt || this.verifier.verdicts.some((v) => v.id.endsWith('.jwt-cookie-set'))
      ? [['JWT', this.tokenCookie(app, 'jwt', response)], ['refresh token', this.tokenCookie(app, 'refreshToken', response)]]
      : [['session id', session]];
    for (const [role, cookie] of roles) {
      const args = { app, host, role, cookie, response };
      const set = this.verifier.failed(role === 'JWT' ? 'jwt-cookie-set' : role === 'refresh token' ? 'refresh-cookie-set' : 'session-cookie-set');
      this.verifyAfter([set], checks.cookieIsSecure, args);
      this.verifyAfter([set], checks.cookieHasSameSite, args);
    }
  }

  credentialCookiesSent(): void {
    const { app } = this.lastAction();
    const names = this.credentialNames(app);
    const args = { request: this.lastAction().results[0].exchange, names };
    const set = ['jwt-cookie-set', 'refresh-cookie-set', 'session-cookie-set'].map((k) => this.verifier.failed(k));
    if (set.some((v) => v)) {
      this.verifyAfter(set, checks.tokenCookiesSent, args);
      return;
    }
    if (!names.length) throw new Error(`the ${app} set no cookie at login`);
    this.verify(checks.tokenCookiesSent, args);
  }

  sessionCreated(app: TargetName): void {
    const response = this.lastResponse();
    const session = this.sessionCookieOf(response);
    const others = setCookiesOf(response).filter((c) => c !== session && !isDeletion(c, this.now()));
    const set = this.verify(checks.sessionCookieSet, { app, response, session, others });
    const args = { app, host: this.app(app).host, role: 'session id', cookie: session, response };
    this.verifyAfter([set], checks.cookieIsHttpOnly, args);
    this.verifyAfter([set], checks.cookieIsHostOnly, args);
  }

  tokensNotInBrowser(actor: ActorName): void {
    const issued = this.env.double.issued();
    const exchanges = this.journal.all().filter((e) => e.from === actor);
    this.verify(checks.tokensNotInBrowser, { actor, exchanges, tokens: [...issued.jwts, ...issued.refreshTokens] });
  }

  newSessionId(app: TargetName): void {
    // The id the browser's jar holds after login is the one in use, whether or not the login answer set one.
    const { value: after, login } = this.sessionAfter;
    this.verifyAfter([this.verifier.failed('session-cookie-set')], checks.newSessionIdAtLogin, { app, before: this.sessionBefore, after, evidence: login ? [login] : [] });
  }

  sessionIdEntropy(app: TargetName, minBits = 128): void {
    const args = { app, samples: this.sessionSamples.map((s) => s.value), minBits, evidence: this.sessionSamples.map((s) => s.exchange) };
    // No session id seen at login (the login failed, or went a way the kit could not follow):
    // nothing to estimate, which is not a weak id; the login's own checks say what went wrong.
    if (args.samples.length < 2) {
      this.verifier.notApplicable(checks.sessionIdEntropy, args, this.currentSteps, `not checked: the kit saw ${args.samples.length ? 'one session id' : 'no session id'} issued over the logins, so there is nothing to estimate`);
      return;
    }
    this.verify(checks.sessionIdEntropy, args);
  }

  sessionExtended(app: TargetName, page: PageName): void {
    this.verify(checks.sessionExtendedOnUse, { app, page, user: this.user, proof: this.proof(app), ttlMs: this.ttlMs(), loginAt: this.loginAt, loads: this.slidingLoads });
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
  async refreshTokenHeld(actor: ActorName, app: TargetName): Promise<string | undefined> {
    const held = await this.cookieValue(actor, app, this.cookieNames[app]?.refresh);
    return this.tokenIn(held, 'refreshToken') ?? held;
  }

  /** The token of this role inside a cookie value (unwrapped), if there is one. */
  private tokenIn(value: string | undefined, role: 'jwt' | 'refreshToken'): string | undefined {
    if (value === undefined) return undefined;
    return findToken(value, (v) => (this.env.double.tokenRole(v) === role ? role : undefined))?.value ?? value;
  }

  jwtCookieReplaced(app: TargetName, oldJwt: string | undefined): void {
    const response = this.lastResponse();
    const refreshes = this.sinceLast().filter((e) => isRefreshCall(e) && e.response?.status === 200);
    const issued = new Set(refreshes.flatMap((e) => newTokens(e).jwt ?? []));
    const cookie = setCookiesOf(response).find((c) => findToken(c.cookie.value, (v) => (issued.has(v) ? 'jwt' : undefined)));
    // No refresh, no new JWT to write: the refresh check already failed for it.
    this.verifyAfter([this.verifier.failed('refresh-called')], checks.tokenCookieReplaced, { role: 'JWT', response, cookie, oldValue: oldJwt });
  }

  async refreshTokenCurrent(actor: ActorName, app: TargetName): Promise<void> {
    const refreshes = this.sinceLast().filter((e) => isRefreshCall(e) && e.response?.status === 200);
    const last = refreshes.at(-1);
    const expected = last ? newTokens(last).refresh ?? refreshTokenOf(last) : undefined;
    const held = await this.refreshTokenHeld(actor, app);
    this.verifyAfter([this.verifier.failed('refresh-called')], checks.browserHoldsCurrentToken, { role: 'refresh token', held, expected, evidence: [...refreshes, this.lastResponse()] });
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

  // ---- every exchange gets a verdict ---------------------------------------------------

  /**
   * At the end of the scenario, judge the exchanges no Gherkin step asked about: each call
   * to FusionAuth the diagram does not draw for its caller (INFO, naming the endpoint), and
   * each refresh a backend made while the JWT it was sent was still valid (SHOULD). Each
   * verdict cites its exchange, so the report can draw it on that arrow. A browser calling
   * FusionAuth where only the backend may is the MUST `login-server-side` (at login).
   */
  async sweep(): Promise<void> {
    const d = diagramOf(this.workflow);
    if (!d) return;
    const all = this.journal.all();
    const backends = new Set(Object.values(this.env.apps).map((a) => a.participant));
    for (const e of all.filter((x) => x.to === 'FusionAuth' && x.request.method !== 'OPTIONS')) {
      // The store and the forums play the same role: what the diagram draws for one, it allows the other.
      const peers = backends.has(e.from) ? [...backends] : [e.from];
      const drawn = [...new Set(peers.flatMap((p) => checks.drawnEndpoints(d.arrows, p)))];
      const steps = firstArrow(d, peers, () => true);
      // Actors with no FusionAuth arrow at all (the browser in a webapp workflow) are the MUST's.
      if (!drawn.length && !backends.has(e.from)) continue;
      const endpoint = checks.endpointOf(e);
      if (!drawn.includes(endpoint) && !(isRefreshCall(e) && drawn.some((x) => /refresh|\/oauth2\/token/.test(x)))) {
        this.verifier.verify(checks.extraFusionAuthCall, { caller: e.from, exchange: e, endpoint, drawn }, steps);
      }
      if (isRefreshCall(e) && backends.has(e.from)) {
        const trigger = all.find((t) => t.seq > e.seq && t.to === e.from && t.from !== 'FusionAuth' && t.at <= e.at);
        const app = Object.values(this.env.apps).find((a) => a.participant === e.from)!;
        const refreshSteps = firstArrow(d, peers, (a) => /refresh|oauth2\/token/.test(a.label));
        this.verifier.verify(checks.refreshOnlyExpiredJwt, { caller: e.from, refresh: e, trigger, jwt: trigger && (await this.sentJwt(trigger, app.name)) }, refreshSteps.length ? refreshSteps : steps);
      }
    }
  }

  /** The JWT a browser request carried (the app's JWT cookie, else any cookie or Bearer token holding one). */
  private async sentJwt(e: Exchange, app: TargetName): Promise<checks.SentJwt | undefined> {
    const cookies = Object.fromEntries(String(header(e.request.headers, 'cookie') ?? '').split(/;\s*/).filter(Boolean).map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]));
    const name = this.cookieNames[app]?.jwt;
    const bearer = /^Bearer\s+(\S+)/i.exec(header(e.request.headers, 'authorization') ?? '')?.[1];
    const value = (name && cookies[name]) || Object.values(cookies).find((v) => /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(v)) || bearer;
    if (!value) return undefined;
    let exp: number | undefined;
    let aud: unknown;
    try {
      ({ exp, aud } = jose.decodeJwt(value));
    } catch {
      return { value, genuine: false };
    }
    const verified = await this.env.double.verifyJwt(value).catch(() => undefined);
    const appId = this.app(app).applicationId;
    const genuine = !!verified && (Array.isArray(aud) ? aud.includes(appId) : aud === appId);
    return { value, genuine, exp };
  }

  // ---- attack vectors (INFO) ---------------------------------------------------------

  attackRefreshed(app: TargetName): void {
    this.verify(checks.stolenRefreshTokenRefreshed, { attack: `${app} refreshed the JWT with the stolen refresh token`, caller: this.app(app).participant, exchanges: this.sinceLast() });
  }

  attackGotPage(app: TargetName, withNewJwt: boolean): void {
    const check = withNewJwt ? checks.stolenRefreshTokenOpensPage : this.stolen === 'session' ? checks.stolenSessionOpensPage : checks.stolenJwtOpensPage;
    const page = app === 'store' ? 'cart' : 'posts';
    this.verify(check, {
      attack: `the hacker got ${this.user}'s ${page}${withNewJwt ? ' and a new JWT' : ''}`,
      page,
      user: this.user,
      proof: this.proof(app),
      response: this.lastResponse(),
      ...(withNewJwt ? { newJwtAmong: this.env.double.issued().jwts } : {}),
    });
  }
}

const diagrams = new Map<string, Diagram | undefined>();
function diagramOf(workflow: string): Diagram | undefined {
  if (!diagrams.has(workflow)) {
    try {
      diagrams.set(workflow, loadDiagram(workflow));
    } catch {
      diagrams.set(workflow, undefined); // a workflow without a diagram: nothing to compare with
    }
  }
  return diagrams.get(workflow);
}

/** The step of the first arrow from `caller` to FusionAuth that `pick` accepts (for stable check ids). */
function firstArrow(d: Diagram, callers: string[], pick: (a: Diagram['arrows'][number]) => boolean): number[] {
  for (const caller of callers) {
    const a = d.arrows.find((x) => x.from === caller && x.to === 'FusionAuth' && pick(x));
    if (a) return [a.n];
  }
  return [];
}

/** Past a refresh token's expiry by this much (the double's check is exact). */
const EXPIRY_MARGIN_MS = 1000;
/** Past a JWT's `exp` by this much: JWT libraries commonly allow up to a minute of clock leeway. */
export const JWT_LEEWAY_MS = 120_000;

/** A JWT's `exp` in ms since epoch (FusionAuth's JWTs always carry one). */
export function jwtExpiry(jwt: string): number {
  let exp: unknown;
  try {
    exp = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')).exp;
  } catch {
    exp = undefined;
  }
  if (typeof exp !== 'number') throw new Error('the JWT the browser holds has no readable exp claim, so the kit cannot tell when it expires');
  return exp * 1000;
}

/** A Set-Cookie that removes the cookie; `now` on the world clock, which the backend that set it reads. */
export function isDeletion(c: SetCookie, now: number): boolean {
  const exp = c.cookie.expires;
  return c.cookie.maxAge === 0 || (typeof c.cookie.maxAge === 'number' && c.cookie.maxAge < 0) || (exp instanceof Date && exp.getTime() <= now);
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
