import * as jose from 'jose';
import { Actor, type HttpResult } from '../browser';
import type { TargetName } from '../backend/config';
import { type Carrier, findToken, joinSplit, resplit } from '../checks/cookie-tokens';
import * as checks from '../checks';
import { type CallSite, type Check, type SetCookie, type Verdict, Verifier, isRefreshCall, setCookiesOf } from '../checks';
import { loadDiagram, type Diagram } from '../spec/diagram';
import { type Exchange, Journal, header } from '../trace';
import { type PageName, otherApp } from './apps';
import type { AppTarget, Environment } from './environment';

/**
 * One scenario's core, the same for every workflow: the journal window of the current
 * action, the actors (each its own cookie jar), act and observe, which cookie holds which
 * token, the verifier, and the world clock's moves. Each workflow's actions and checks are
 * a flow on top of it (webapp/, sessions/, spa/, identity/); it knows nothing of cucumber.
 */
/**
 * `Browser:<label>`: another user's own browser (its own cookie jar), for the two-user
 * scenarios; journalled as `Browser`, so its arrows match the spec's.
 */
export type ActorName = 'Browser' | 'Hacker' | `Browser:${string}`;
export type { PageName } from './apps';
export { PAGES } from './apps';

export type { BadJwt } from './bad-jwt';

export interface TokenCookies {
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
  /** Which browser each user of the scenario has (browserOf). */
  private readonly browsers = new Map<string, ActorName>();
  private last: Action | undefined;
  /** Last page each actor got, for "follows the login link" and "submits the form". */
  private readonly pages = new Map<ActorName, HttpResult>();
  /** Cookie names discovered per app: which one holds the JWT, which the refresh token. */
  private readonly cookieNames: Partial<Record<TargetName, TokenCookies>> = {};
  /** The user the scenario acts for (whose page it expects, whose tokens it mints). */
  private actingFor = 'alice@example.com';
  private snapshot: Record<string, string> | undefined;
  private steps: number[] = [];
  /** Wall-clock waits this scenario made on purpose, for the report and the bench. */
  readonly waits: DeliberateWait[] = [];
  /** World-clock moves this scenario made instead of waiting. */
  readonly advances: ClockAdvance[] = [];
  /** A config error found while running (a JSON login the app rejects as malformed): the run exits 2. */
  private configErrorFound: string | undefined;
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

  /** The user the scenario acts for: the last one who logged in, or whose page is loaded. */
  get user(): string {
    return this.actingFor;
  }

  /** From now on the scenario acts for this user (a login, another user's browser). */
  actAs(user: string): void {
    this.actingFor = user;
  }

  /** A config error found while running (a JSON login the app rejects as malformed): the run exits 2. */
  get configError(): string | undefined {
    return this.configErrorFound;
  }

  reportConfigError(message: string): void {
    this.configErrorFound = message;
  }

  /** The cookie names found so far for an app: which holds the JWT, the refresh token, the session id. */
  cookieNamesOf(app: TargetName): Readonly<TokenCookies> | undefined {
    return this.cookieNames[app];
  }

  /** The last page an actor got (for "follows the login link" and "submits the form"). */
  pageOf(actor: ActorName): HttpResult | undefined {
    return this.pages.get(actor);
  }

  /** How a cookie wraps its token ("url-encoded > j: JSON at .token"), when it does. */
  wrappingOf(cookie: string): string | undefined {
    return this.wrapping[cookie];
  }

  /** The cookies found to carry an opaque (encrypted) login, once a flow has looked for them. */
  opaqueCarrier(app: TargetName): Carrier | undefined {
    return this.opaque[app];
  }

  noteOpaqueCarrier(app: TargetName, carrier: Carrier): Carrier {
    this.opaque[app] = carrier;
    return carrier;
  }

  /** The diagram steps the current Gherkin step exercises (from its text). */
  exercise(steps: number[], phase?: string, text?: string): void {
    this.steps = steps;
    this.journal.exercise(steps, phase);
    this.verifier.gherkinStep = text;
  }

  /** The Gherkin steps are over: what is judged from now on (the end-of-scenario sweep) belongs to no one step. */
  leaveSteps(): void {
    this.verifier.gherkinStep = undefined;
  }

  /** Judge with `check` at the current steps; `at`: the id suffix and note of this call (see CallSite). */
  verify<A>(check: Check<A>, args: A, at?: CallSite): Verdict {
    return this.verifier.verify(check, args, this.steps, at);
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

  /**
   * The browser a user of a two-user scenario has: the first user the scenario names gets
   * the Browser, each next one a browser of its own (its own cookie jar). One table per
   * scenario, whichever flow (webapp, SPA, OAuth) drives the users.
   */
  browserOf(user: string): ActorName {
    let a = this.browsers.get(user);
    if (!a) {
      a = this.browsers.size === 0 ? 'Browser' : `Browser:${user}`;
      this.browsers.set(user, a);
    }
    return a;
  }

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

  async act(actor: ActorName, app: TargetName, fn: (a: Actor) => Promise<HttpResult | HttpResult[]>): Promise<HttpResult> {
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

  lastAction(): Action {
    if (!this.last) throw new Error('no request has been made yet in this scenario');
    return this.last;
  }

  sinceLast(): Exchange[] {
    return this.journal.since(this.lastAction().startSeq);
  }

  lastResponse(): Exchange {
    const r = this.lastAction().results;
    return r[r.length - 1].exchange;
  }

  /** The app the last request went to (for "submits the login form"). */
  currentApp(): TargetName {
    return this.lastAction().app;
  }

  // ---- actions -----------------------------------------------------------------------

  open(actor: ActorName, app: TargetName, page: PageName): Promise<HttpResult> {
    return this.act(actor, app, (a) => a.get(this.url(app, page)));
  }

  /** The role (JWT, refresh token) of a token FusionAuth issued found inside a cookie value, however wrapped. */
  roleOf(value: string): 'jwt' | 'refreshToken' | undefined {
    return findToken(value, (v) => this.env.double.tokenRole(v))?.role;
  }

  load(actor: ActorName, app: TargetName, page: PageName): Promise<HttpResult> {
    return this.act(actor, app, (a) => a.get(this.url(app, page)));
  }

  /** Name the token cookies from the values the actor's jar holds (whoever set them, whenever). */
  async learnFromJar(actor: ActorName, app: TargetName): Promise<void> {
    const names = (this.cookieNames[app] ??= {});
    for (const c of await this.actor(actor).cookies(this.url(app, 'home'))) {
      const role = this.env.double.tokenRole(c.value);
      if (role === 'jwt') names.jwt ??= c.key;
      else if (role === 'refreshToken') names.refresh ??= c.key;
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
  sessionCookieOf(e: Exchange): SetCookie | undefined {
    const plain = setCookiesOf(e).filter((c) => !isDeletion(c, this.now()) && !this.roleOf(c.cookie.value));
    return plain.find((c) => /sess|sid/i.test(c.cookie.key)) ?? plain[0];
  }

  /** The cookies that carry the user's login for an app: JWT and refresh token, or the session id. */
  credentialNames(app: TargetName): string[] {
    const n = this.cookieNames[app] ?? {};
    const found = [n.jwt, n.refresh, n.session].filter((x): x is string => !!x);
    return found.length ? found : this.opaque[app]?.cookies ?? [];
  }

  names(app: TargetName): TokenCookies {
    const n = this.cookieNames[app];
    if (!n?.jwt)
      throw new Error(
        `the ${app} has not set a cookie holding a JWT FusionAuth issued (looked for bare and wrapped: URL-encoded, Express-signed s:, j: JSON, base64 JSON, split name.0/.1), so the kit cannot tell which cookie to change; ` +
          `an encrypted (opaque) cookie is a legitimate design, but the kit cannot put another JWT in it, so this step cannot run against this backend`,
      );
    return n;
  }

  sessionName(app: TargetName): string {
    const n = this.cookieNames[app]?.session;
    if (!n) throw new Error(`the ${app} has not set a session cookie at login, so the kit cannot tell which cookie holds the session id`);
    return n;
  }

  async cookieValue(actor: ActorName, app: TargetName, name?: string): Promise<string | undefined> {
    if (!name) return undefined;
    const cs = await this.actor(actor).cookies(this.url(app, 'home'));
    return cs.find((c) => c.key === name)?.value ?? joinSplit(cs.map((c) => ({ key: c.key, value: c.value }))).find((c) => c.key === name)?.value;
  }

  /**
   * Put a token into the cookie that holds one, wrapped as the app wraps it (URL-encoded,
   * j: JSON, base64 JSON, split). An Express-signed cookie cannot be re-signed without the
   * app's secret: the kit says so instead of sending a cookie the app rejects for its signature.
   */
  async putToken(actor: ActorName, app: TargetName, name: string, token: string): Promise<void> {
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
  async rewriteCookie(actor: ActorName, app: TargetName, name: string, value: string | undefined): Promise<void> {
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

  /** Shared with the SPA flow: expire a refresh token the double issued, by the clock when it can. */
  async expireRefreshTokenValue(rt: string, reason: string): Promise<void> {
    const at = this.env.double.refreshTokenExpiresAt(rt);
    if (this.worldClock && at !== undefined) await this.advanceTo(at + EXPIRY_MARGIN_MS, reason);
    else this.env.double.expireRefreshToken(rt);
  }

  /** A deliberate wall-clock wait, declared as such (the bench counts these). Bounded by its caller. */
  async wait(ms: number, reason: string): Promise<void> {
    if (ms <= 0) return;
    this.waits.push({ ms: Math.round(ms), reason });
    await new Promise((r) => setTimeout(r, ms));
  }

  snapshotCookies(actor: ActorName, app: TargetName): Promise<void> {
    return this.cookieMap(actor, app).then((m) => {
      this.snapshot = m;
    });
  }

  async cookieMap(actor: ActorName, app: TargetName): Promise<Record<string, string>> {
    const cs = await this.actor(actor).cookies(this.url(app, 'home'));
    return Object.fromEntries(cs.map((c) => [c.key, c.value]));
  }

  tokenCookie(app: TargetName, role: 'jwt' | 'refreshToken', response: Exchange): SetCookie | undefined {
    const set = setCookiesOf(response);
    // A split cookie (name.0, name.1) is judged by its first chunk: the chunks share their attributes.
    const joined = joinSplit(set.map((c) => ({ key: c.cookie.key, value: c.cookie.value, c })));
    return joined.find((j) => findToken(j.value, (v) => this.env.double.tokenRole(v))?.role === role)?.parts[0].c;
  }

  /** Per app: the cookies found by trying to carry an opaque (encrypted) login, and why. */
  private readonly opaque: Partial<Record<TargetName, Carrier>> = {};

  /** `verify`, unless a check it depends on failed: then "not checked: depends on X, which failed". */
  verifyAfter<A>(deps: (Verdict | undefined)[], check: Check<A>, args: A, at?: CallSite): Verdict {
    return this.verifier.verifyAfter(deps, check, args, this.steps, at);
  }

  /** The token of this role inside a cookie value (unwrapped), if there is one. */
  tokenIn(value: string | undefined, role: 'jwt' | 'refreshToken'): string | undefined {
    if (value === undefined) return undefined;
    return findToken(value, (v) => (this.env.double.tokenRole(v) === role ? role : undefined))?.value ?? value;
  }

  noCookiesSentTo(app: TargetName): void {
    const other: TargetName = otherApp(app);
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
        // An arrow that says refresh first: in the OAuth diagrams /oauth2/token is the code exchange too.
        const refreshSteps = [firstArrow(d, peers, (a) => /refresh/.test(a.label)), firstArrow(d, peers, (a) => /oauth2\/token/.test(a.label))].find((x) => x.length) ?? [];
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
      return { value, signatureValid: false, audience: this.app(app).applicationId };
    }
    const verified = await this.env.double.verifyJwt(value).catch(() => undefined);
    return { value, signatureValid: !!verified, aud, audience: this.app(app).applicationId, exp };
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
export function newTokens(e: Exchange): { jwt?: string; refresh?: string } {
  try {
    const b = JSON.parse(e.response?.body ?? '');
    return { jwt: b.token ?? b.access_token, refresh: b.refreshToken ?? b.refresh_token };
  } catch {
    return {};
  }
}
