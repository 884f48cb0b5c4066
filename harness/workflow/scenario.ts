import { Actor, type HttpResult, TransportError, closeBrowserAgent } from '../browser';
import type { TargetName } from '../backend/config';
import * as checks from '../checks';
import { type CallSite, type Check, type Verdict, Verifier, setCookiesOf } from '../checks';
import { type Exchange, Journal } from '../trace';
import { type ActorName, type PageName, otherApp } from './apps';
import { ActorJar, type CookieJar, Credentials } from './credentials';
import { documentsSince } from './documents';
import type { AppTarget, Environment } from './environment';
import { sweep } from './sweep';
import { ScenarioTime } from './time';

/**
 * One scenario's core, the same for every workflow: the journal window of the current
 * action, the actors (each its own cookie jar) and how they act, the verifier, what the
 * browser holds (`credentials`, harness/workflow/credentials) and the scenario's time
 * (`time`, harness/workflow/time.ts). Each workflow's actions and checks are a flow on top of
 * it (webapp/, sessions/, spa/, identity/, oauth/); it knows nothing of cucumber.
 */
export type { ActorName, PageName } from './apps';
export { PAGES } from './apps';
export type { BadJwt } from './bad-jwt';

interface Action {
  actor: ActorName;
  app: TargetName;
  startSeq: number;
  results: HttpResult[];
}

/** Transport errors of a reused connection the server had closed. */
const STALE_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

export class Scenario {
  readonly journal = new Journal();
  readonly verifier: Verifier;
  /** What the browsers hold: which cookie holds which token, and the kit's moves on them. */
  readonly credentials: Credentials;
  /** Now, and the one way to make time pass (world-clock moves, or declared waits). */
  readonly time: ScenarioTime;
  private readonly actors = new Map<ActorName, Actor>();
  /** Jars other than an actor's own: a browser a real Chromium plays (browser mode). */
  private readonly jars = new Map<ActorName, () => Promise<CookieJar>>();
  /** Which browser each user of the scenario has (browserOf). */
  private readonly browsers = new Map<string, ActorName>();
  private last: Action | undefined;
  /** Last page each actor got, for "follows the login link" and "submits the form". */
  private readonly pages = new Map<ActorName, HttpResult>();
  /** The user the scenario acts for (whose page it expects, whose tokens it mints). */
  private actingFor = 'alice@example.com';
  private steps: number[] = [];
  /** A config error found while running (a JSON login the app rejects as malformed): the run exits 2. */
  private configErrorFound: string | undefined;

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
    this.time = new ScenarioTime(env);
    this.credentials = new Credentials({ home: (app) => this.url(app, 'home'), jar: (actor) => this.jar(actor), now: () => this.time.now(), tokenRole: (v) => env.double.tokenRole(v) });
    this.journal.clock = () => env.clock.now();
    env.double.useJournal(this.journal);
    this.journal.on('exchange', (e: Exchange) => {
      this.credentials.noteExchange(e);
      if (e.to === 'FusionAuth') return;
      // Secrets redacted everywhere: every cookie value a backend sets (session ids included)
      // is fingerprinted like a token wherever the journal, a verdict or a message is printed.
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

  /** The last page an actor got (for "follows the login link" and "submits the form"). */
  pageOf(actor: ActorName): HttpResult | undefined {
    return this.pages.get(actor);
  }

  // ---- verdicts ----------------------------------------------------------------------

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

  /** `verify`, unless a check it depends on failed: then "not checked: depends on X, which failed". */
  verifyAfter<A>(deps: (Verdict | undefined)[], check: Check<A>, args: A, at?: CallSite): Verdict {
    return this.verifier.verifyAfter(deps, check, args, this.steps, at);
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

  /** The cookie jar of an actor's browser: its own, or the one a driver put in its place (Chromium's). */
  jar(actor: ActorName): Promise<CookieJar> {
    return this.jars.get(actor)?.() ?? Promise.resolve(new ActorJar(this.actor(actor)));
  }

  /** From now on the actor's cookies are in this jar (browser mode: the Chromium that plays it). */
  useJar(actor: ActorName, jar: () => Promise<CookieJar>): void {
    this.jars.set(actor, jar);
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

  // ---- acting ------------------------------------------------------------------------

  /**
   * One action of an actor at an app, and what it loaded: requests of the kit's browser (and
   * their hops), whose results `fn` returns; or, in browser mode, what a real Chromium did,
   * read back from the journal as the documents it loaded (`fn` returns nothing). The app's
   * answers name its cookies (credentials.learn; a POST answer is a login's). `retry`: a
   * navigation that met a kept-alive connection the backend had closed is sent again, once,
   * as a browser does (never a form post). `since`: where in the journal an action Chromium
   * already made began.
   */
  async act(actor: ActorName, app: TargetName, fn: (a: Actor) => Promise<HttpResult | HttpResult[] | void>, o: { retry?: boolean; since?: number } = {}): Promise<HttpResult> {
    const startSeq = o.since ?? this.journal.lastSeq;
    let r: HttpResult | HttpResult[] | void;
    try {
      r = await this.attempt(actor, fn, !!o.retry);
    } catch (err) {
      throw (await this.env.explain(err)) ?? err; // a backend that died says so, with its exit code and output
    }
    const results = r === undefined ? documentsSince(this.journal, startSeq) : Array.isArray(r) ? r : [r];
    if (!results.length) throw new Error(`the ${actor} loaded no page at the ${app}`);
    this.last = { actor, app, startSeq, results };
    const final = results[results.length - 1];
    this.pages.set(actor, final);
    // The app's own answers name its cookies (not FusionAuth's pages on the way, in an OAuth login).
    const participant = this.env.apps[app]?.participant;
    for (const x of results) if (x.exchange.to === participant) this.credentials.learn(app, x.exchange, { login: x.exchange.request.method === 'POST' });
    return final;
  }

  private async attempt<R>(actor: ActorName, fn: (a: Actor) => Promise<R>, retry: boolean): Promise<R> {
    try {
      return await fn(this.actor(actor));
    } catch (err) {
      // A kept-alive connection the backend closed as the kit reused it (its keep-alive timer
      // fires late on a clock libfaketime moved): a browser sends such a navigation again, on
      // a new connection; so does the kit, once.
      if (!retry || !(err instanceof TransportError) || !STALE_CONNECTION.has(err.code) || (await this.env.explain(err))) throw err;
      await closeBrowserAgent();
      return fn(this.actor(actor));
    }
  }

  /** The actor loads one of the app's pages (a navigation: retried once on a stale connection). */
  open(actor: ActorName, app: TargetName, page: PageName): Promise<HttpResult> {
    return this.act(actor, app, (a) => a.get(this.url(app, page)), { retry: true });
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

  /**
   * The error of a precondition login that did not show the user's page: every exchange since
   * `start`, redacted (a path may carry a token or a session id, a defect reported elsewhere).
   */
  loginFailed(user: string, app: TargetName, start: number, page: HttpResult, o: { via?: string; note?: string } = {}): Error {
    const seen = this.journal.since(start).map((e) => `${e.from}->${e.to} ${e.request.method} ${e.request.path.split('?')[0]} ${e.response?.status ?? e.error}`);
    return new Error(this.env.double.redactor.text(`precondition failed: ${user} could not log in to the ${app}${o.via ? ` ${o.via}` : ''} (final answer ${page.status} from ${page.url}${o.note ? `; ${o.note}` : ''}).\n  exchanges: ${seen.join('\n             ')}`));
  }

  /** The browser's first request to the app in this scenario, whoever made it (the kit's actor or a real browser). */
  firstRequestTo(app: TargetName): Exchange | undefined {
    return this.journal.all().find((e) => e.from === 'Browser' && e.to === this.app(app).participant);
  }

  // ---- the two apps' cookies ----------------------------------------------------------

  noCookiesSentTo(app: TargetName): void {
    this.verify(checks.noCookiesFromOtherApp, { app, request: this.firstRequestTo(app), foreign: this.credentials.credentialNames(otherApp(app)) });
  }

  /** The cookies the snapshot kept for `app` are still the actor's, after the other app's login. */
  async otherCookiesUntouched(actor: ActorName, app: TargetName): Promise<void> {
    const before = this.credentials.snapshotOf(app);
    const after = await this.credentials.cookieMap(actor, app);
    this.verify(checks.otherAppCookiesUntouched, { app, before, after, evidence: this.sinceLast().slice(-2) });
  }

  /** Every exchange gets a verdict: the end-of-scenario sweep (harness/workflow/sweep.ts). */
  sweep(): Promise<void> {
    return sweep({ workflow: this.workflow, journal: this.journal, verifier: this.verifier, apps: this.env.apps, double: this.env.double, jwtCookie: (app) => this.credentials.namesOf(app)?.jwt });
  }
}
