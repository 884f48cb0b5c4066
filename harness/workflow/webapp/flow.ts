import { Actor, type HttpResult, findLinks, guessLoginFields, parseForms } from '../../browser';
import { type TargetName, jsonLogin } from '../../backend/config';
import * as checks from '../../checks';
import { type Check, type SetCookie, type Verdict, isRefreshCall, refreshTokenOf, setCookiesOf } from '../../checks';
import { type Exchange, Journal } from '../../trace';
import { appShowing, type PageName, userPageOf } from '../apps';
import { type BadJwt, mintBadJwt } from '../bad-jwt';
import { ActorJar, type Carrier, type TokenCookies, carrierByRemoval, expireJwtCookie, expireRefreshTokenCookie, isDeletion, newTokens } from '../credentials';
import type { ActorName, Scenario } from '../scenario';
import { judgeAttackGotPage, judgeAttackRefreshed, judgeJwtCookieReplaced, judgeRefreshCalled, judgeTokenCookies } from '../cookie-login';
import { judgeJsonLoginAnswer, nextOf, postJsonLogin } from './json-login';

const BAD_JWT_CHECKS: Record<BadJwt, Check<checks.RejectedArgs>> = {
  'bad-signature': checks.rejectsBadSignature,
  unsigned: checks.rejectsUnsigned,
  'wrong-audience': checks.rejectsWrongAudience,
  expired: checks.rejectsExpired,
};

/** What the last login through the form left behind, for the session workflow's TTL and fixation proofs. */
export interface LoginRecord {
  /** When the login answer arrived (ms since epoch, world clock). */
  at: number;
  /** When the login's last request touched the session (world clock). */
  lastUseAt: number;
  /** The session id the browser held before the login. */
  sessionBefore: string | undefined;
  /** The session id the browser's jar holds after the login (what it will really send), and the login answer. */
  sessionAfter: { value?: string; login?: Exchange };
}

/**
 * The webapp workflows' actions and checks (a login form posted to the backend, which
 * calls FusionAuth and keeps the login in cookies: JWT cookies or a session), on top of
 * a Scenario's journal, actors and cookie discovery. Shared by webapp-jwt-cookies and
 * webapp-sessions; the session workflow's own proofs are in ../sessions.
 */
export class WebappFlow {
  constructor(private readonly s: Scenario) {}

  private presented: BadJwt | undefined;
  /** When the last login answer arrived (ms since epoch, world clock), for session TTL proofs. */
  private loginAt = 0;
  /** When the login's last request touched the session (world clock). */
  private lastUseAt = 0;
  private sessionBefore: string | undefined;
  /** The session id the browser's jar holds after the last login (what it will really send). */
  private sessionAfter: { value?: string; login?: Exchange } = {};
  private stolen: 'refresh' | 'jwt' | 'session' | undefined;
  /** Token values the browser held before the last load, for "replaced" / "spent" checks. */
  private remembered: TokenCookies = {};

  async rememberTokens(actor: ActorName, app: TargetName): Promise<void> {
    this.remembered = await this.s.credentials.tokensHeld(actor, app);
  }

  rememberedJwt(): string | undefined {
    return this.remembered.jwt;
  }

  rememberedRefreshToken(): string | undefined {
    return this.remembered.refresh;
  }

  followLoginLink(actor: ActorName): Promise<HttpResult> {
    const { app } = this.s.lastAction();
    const page = this.s.pageOf(actor);
    const login = this.s.url(app, 'login');
    const link = page && findLinks(page.body, page.url).find((l) => new URL(l.href).pathname === new URL(login).pathname);
    return this.s.act(actor, app, (a) => a.get(link?.href ?? login));
  }

  /** The answer to the last login POST (a JSON login is followed by a separate navigation). */
  private lastLogin: HttpResult | undefined;
  loginAnswer(): HttpResult | undefined {
    return this.s.lastAction().results.find((r) => r.exchange.request.method === 'POST') ?? this.lastLogin;
  }

  /** Whether the app logs in with a JSON POST (config `login.mode: json`). */
  jsonLogin(app: TargetName) {
    return jsonLogin(this.s.env.config[app]);
  }

  async submitLogin(actor: ActorName, app: TargetName, user: string, password = this.s.password(user), expectSuccess = true): Promise<HttpResult> {
    this.s.actAs(user);
    const json = this.jsonLogin(app);
    if (json) {
      const req = { app, host: this.s.app(app).host, login: json, loginId: user, password, page: this.s.pageOf(actor)?.url };
      const r = await this.s.act(actor, app, (a) => postJsonLogin(a, req));
      this.lastLogin = r;
      if (expectSuccess) {
        try {
          judgeJsonLoginAnswer(app, req, r);
        } catch (err) {
          if ((err as Error).name === 'ConfigError') this.s.reportConfigError((err as Error).message);
          throw err;
        }
      }
      return r;
    }
    const page = this.s.pageOf(actor);
    const form = page && parseForms(page.body, page.url).find((f) => f.fields.some((x) => x.type === 'password'));
    if (!form) throw new Error(`no login form on ${page?.url ?? 'the current page'} to submit (status ${page?.status})`);
    const fields = { ...guessLoginFields(form), ...this.s.app(app).loginFields };
    if (!fields.loginId || !fields.password) throw new Error(`cannot tell the login id and password fields of the form at ${page!.url}; set loginFields in the config`);
    const routes = this.s.app(app).routes;
    const target = routes.loginPost ? { ...form, action: `http://${this.s.app(app).host}${routes.loginPost}` } : form;
    return this.s.act(actor, app, (a) => a.submitForm(target, { [fields.loginId!]: user, [fields.password!]: password }));
  }

  followRedirect(actor: ActorName): Promise<HttpResult> {
    const { app } = this.s.lastAction();
    const prev = this.s.pageOf(actor);
    const json = this.jsonLogin(app);
    if (json && prev && prev.exchange.request.method === 'POST' && !prev.location) {
      // A front end goes where the JSON answer says, or to the logged-in page it knows.
      const next = nextOf(prev, json).url ?? this.s.url(app, userPageOf(app));
      return this.s.act(actor, app, (a) => a.navigate(next));
    }
    if (!prev?.location) throw new Error(`the last answer (${prev?.status} from ${prev?.url}) was not a redirect`);
    return this.s.act(actor, app, (a) => a.get(prev.location!));
  }

  /** Log in through the form and land on the page the backend sends the user to. */
  async logIn(actor: ActorName, app: TargetName, user: string): Promise<HttpResult> {
    const session = this.s.credentials.namesOf(app)?.session;
    this.sessionBefore = session ? await this.s.credentials.cookieValue(actor, app, session) : undefined;
    await this.s.open(actor, app, 'login');
    const answer = await this.submitLogin(actor, app, user);
    this.loginAt = this.s.time.now();
    const login = this.s.lastAction().results.find((r) => r.exchange.request.method === 'POST')?.exchange;
    const json = this.jsonLogin(app);
    const page =
      json && !answer.location
        ? await this.s.act(actor, app, (a) => a.navigate(nextOf(answer, json).url ?? this.s.url(app, userPageOf(app))))
        : await this.s.act(actor, app, (a) => a.follow(this.s.pageOf(actor)!));
    this.lastUseAt = this.s.time.now();
    // What the browser really holds now, not only what the login answer said: a backend
    // that keeps the pre-login session sets no new cookie, and its old one is still in use.
    await this.s.credentials.learnFromJar(actor, app);
    const name = this.s.credentials.namesOf(app)?.session;
    this.sessionAfter = { value: name ? await this.s.credentials.cookieValue(actor, app, name) : undefined, login };
    return page;
  }

  /** A precondition: log in and insist it worked, naming what went wrong if not. */
  async loggedIn(actor: ActorName, app: TargetName, user: string): Promise<void> {
    const startSeq = this.s.journal.lastSeq;
    const page = await this.logIn(actor, app, user);
    const cookies = this.s.credentials.credentialNames(app).length > 0;
    if (!checks.showsUser({ page: app, user, proof: this.s.proof(app, user), response: page.exchange }) || !cookies) throw this.s.loginFailed(user, app, startSeq, page, cookies ? {} : { note: 'the login set no cookie' });
  }

  /** The JWT expires (credentials/expiry.ts: the world clock moves past its exp, or an expired one takes its place). */
  expireJwt(actor: ActorName, app: TargetName): Promise<void> {
    return expireJwtCookie(this.s, actor, app);
  }

  /** The refresh token expires: the world moves past its TTL, or (real clock) the double expires it on demand. */
  expireRefreshToken(actor: ActorName, app: TargetName): Promise<void> {
    return expireRefreshTokenCookie(this.s, actor, app);
  }

  async presentBadJwt(actor: ActorName, app: TargetName, kind: BadJwt): Promise<HttpResult> {
    this.presented = kind;
    const jwt = await mintBadJwt(this.s.env.double, this.s.user, app, kind);
    const names = this.s.credentials.tokenNames(app);
    if (names.refresh) await this.s.credentials.rewriteCookie(actor, app, names.refresh, undefined);
    await this.s.credentials.putToken(actor, app, names.jwt!, jwt);
    return this.s.open(actor, app, userPageOf(app));
  }

  /** Hacker copies cookies from the browser: the refresh token with a garbage JWT, or the JWT alone. */
  async steal(what: 'refresh' | 'jwt' | 'session', app: TargetName): Promise<void> {
    this.stolen = what;
    const name = what === 'session' ? this.s.credentials.sessionName(app) : what === 'refresh' ? this.s.credentials.tokenNames(app).refresh! : this.s.credentials.tokenNames(app).jwt!;
    await this.s.credentials.copy('Browser', 'Hacker', app, [name]);
  }

  async hackerPresentsBadJwt(app: TargetName): Promise<void> {
    const bad = await this.s.env.double.mintJwt(this.s.user, app, { badSignature: true });
    // Wrapped as the browser's own cookie wraps its JWT (j: JSON, base64 JSON…), so the app reads it as a JWT.
    await this.s.credentials.plant('Hacker', app, this.s.credentials.tokenNames(app).jwt!, bad, 'Browser');
  }

  // ---- checks ------------------------------------------------------------------------

  /** The reason the login link and form checks do not apply to an app that logs in with JSON. */
  private jsonLoginReason(app: TargetName, what: string): string | undefined {
    const json = this.jsonLogin(app);
    return json && `${app}.login.mode is "json": the app's front end posts the credentials to ${json.path} itself, so there is no ${what} to judge`;
  }

  pageLinksToLogin(): Verdict {
    const { app } = this.s.lastAction();
    const res = this.s.lastResponse();
    const page = this.s.lastAction().results.at(-1)!;
    const na = this.jsonLoginReason(app, 'link to a login page');
    if (na) return this.s.verifier.notApplicable(checks.pageLinksToLogin, { page: `${app} home page`, response: res, loginPath: this.s.app(app).routes.login, found: [] }, this.s.currentSteps, na, `${app}.login.mode`);
    return this.s.verify(checks.pageLinksToLogin, { page: `${app} home page`, response: res, loginPath: this.s.app(app).routes.login, found: findLinks(page.body, page.url).map((l) => l.href) });
  }

  pageHasLoginForm(): Verdict {
    const { app } = this.s.lastAction();
    const page = this.s.lastAction().results.at(-1)!;
    const na = this.jsonLoginReason(app, 'HTML login form');
    if (na) return this.s.verifier.notApplicable(checks.pageHasLoginForm, { page: `${app} login page`, response: page.exchange, fields: {}, forms: 0 }, this.s.currentSteps, na, `${app}.login.mode`);
    const forms = parseForms(page.body, page.url);
    const form = forms.find((f) => f.fields.some((x) => x.type === 'password')) ?? forms[0];
    const fields = form ? { ...guessLoginFields(form), ...this.s.app(app).loginFields } : {};
    return this.s.verify(checks.pageHasLoginForm, { page: `${app} login page`, response: page.exchange, fields, forms: forms.length });
  }

  calledLogin(app: TargetName): void {
    const exchanges = this.s.sinceLast();
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
      this.s.verify(checks.backendCalledLogin, {
        caller: this.s.app(app).participant,
        exchanges,
        loginId: this.s.user,
        password: this.s.password(this.s.user),
        apiKey: this.s.env.double.directory.apiKey,
        applicationId: this.s.app(app).applicationId,
      }),
    );
    judge(() => this.s.verify(checks.browserDidNotCallFusionAuth, { actor: this.s.lastAction().actor, exchanges, fusionauthHost: this.s.env.fusionauthHost }));
    if (failures.length) throw failures[0];
  }

  redirectedTo(page: PageName): Verdict {
    const { app } = this.s.lastAction();
    const at = { kind: `redirect-to-${page}` };
    const json = this.jsonLogin(app);
    const last = this.s.lastResponse();
    if (json && last.request.method === 'POST' && !(last.response && last.response.status >= 300 && last.response.status < 400)) {
      const r = this.s.lastAction().results.at(-1)!;
      const next = nextOf(r, json);
      const reason = `${app}.login.mode is "json" and the login answered ${last.response?.status ?? last.error} (${next.url ? `naming ${new URL(next.url).pathname} in ${next.how}` : next.how}): the front end navigates itself, so there is no redirect to judge; the kit loads ${next.url ? new URL(next.url).pathname : this.s.app(app).routes[page === 'login' ? 'login' : userPageOf(app)]} next`;
      return this.s.verifier.notApplicable(checks.redirectsTo, { to: `the ${page} page`, toPath: this.s.app(app).routes[page], response: last }, this.s.currentSteps, reason, `${app}.login.mode`, at);
    }
    return this.s.verify(checks.redirectsTo, { to: `the ${page} page`, toPath: this.s.app(app).routes[page], response: this.s.lastResponse() }, at);
  }

  /**
   * No cookie value holds a token the kit can read: find the cookies whose removal loses the
   * login, each try on a copy of the browser's jar (a throwaway actor and journal, so the
   * scenario's own exchanges and cookies stay as they were).
   */
  private async findCarrier(app: TargetName, response: Exchange): Promise<Carrier> {
    const names = [...new Set(setCookiesOf(response).filter((c) => !isDeletion(c, this.s.time.now())).map((c) => c.cookie.key))];
    const url = this.s.url(app, 'home');
    const held = await (await this.s.jar('Browser')).cookies(url);
    const page: PageName = userPageOf(app);
    const own = this.s.env.double.journal;
    this.s.env.double.useJournal(new Journal()); // the backend's calls during the tries are not the scenario's
    try {
      return await carrierByRemoval(names, async (without) => {
        const probe = new Actor({ name: 'Browser', ...this.s.env.network('Browser'), journal: new Journal(), timeoutMs: this.s.env.config.timeouts?.requestMs });
        await new ActorJar(probe).add(url, held.filter((c) => !without.includes(c.key)));
        const r = await probe.get(this.s.url(app, page));
        return checks.showsUser({ page, user: this.s.user, proof: this.s.proof(app), response: r.exchange });
      });
    } finally {
      this.s.env.double.useJournal(own);
    }
  }

  async tokenCookiesSet(app: TargetName): Promise<void> {
    const response = this.s.lastResponse();
    const host = this.s.app(app).host;
    if (!this.s.credentials.tokenCookie('jwt', response) && !this.s.credentials.tokenCookie('refreshToken', response) && setCookiesOf(response).some((c) => !isDeletion(c, this.s.time.now()))) {
      // An opaque or encrypted cookie is a legitimate design: judge the cookies that carry the login.
      const carrier = this.s.credentials.noteOpaqueCarrier(app, await this.findCarrier(app, response));
      const set = setCookiesOf(response);
      for (const [i, name] of (carrier.cookies.length ? carrier.cookies : ['']).entries()) {
        const cookie = set.find((c) => c.cookie.key === name);
        const args = { app, host, role: `login cookie${cookie ? ` ${name}` : ''} (opaque)`, cookie, response };
        if (i === 0)
          for (const tag of ['jwt', 'refresh']) {
            const carries = carrier.cookies.length > 1 ? `cookies ${carrier.cookies.join(', ')} carry the login together` : cookie ? `cookie ${name} carries the login` : 'no cookie carries the login';
            this.s.verify(checks.tokenCookieSet, args, { kind: `${tag}-cookie-set`, note: `${carries}: ${carrier.why}` });
          }
        this.s.verify(checks.cookieIsHttpOnly, args);
        this.s.verify(checks.cookieIsHostOnly, args);
      }
      return;
    }
    judgeTokenCookies(this.s, app, response);
  }

  /** Secure and SameSite on whatever carries the login: token cookies, or the session cookie. */
  credentialCookiesHardened(app: TargetName): void {
    const response = this.s.lastResponse();
    const host = this.s.app(app).host;
    const session = this.s.credentials.sessionCookieOf(response);
    const carried = this.s.credentials.opaqueCarrier(app)?.cookies;
    const roles: [string, SetCookie | undefined][] = carried?.length
      ? carried.map((n) => [`login cookie ${n} (opaque)`, setCookiesOf(response).find((c) => c.cookie.key === n)])
      : // Token cookies when the backend set them, or when the workflow expected them (their check ran: failed or not).
      this.s.credentials.namesOf(app)?.jwt || this.s.verifier.verdicts.some((v) => v.id.endsWith('.jwt-cookie-set'))
      ? [['JWT', this.s.credentials.tokenCookie('jwt', response)], ['refresh token', this.s.credentials.tokenCookie('refreshToken', response)]]
      : [['session id', session]];
    for (const [role, cookie] of roles) {
      const args = { app, host, role, cookie, response };
      const set = this.s.verifier.failed(role === 'JWT' ? 'jwt-cookie-set' : role === 'refresh token' ? 'refresh-cookie-set' : 'session-cookie-set');
      this.s.verifyAfter([set], checks.cookieIsSecure, args);
      this.s.verifyAfter([set], checks.cookieHasSameSite, args);
    }
  }

  credentialCookiesSent(): void {
    const { app } = this.s.lastAction();
    const names = this.s.credentials.credentialNames(app);
    const args = { request: this.s.lastAction().results[0].exchange, names };
    const set = ['jwt-cookie-set', 'refresh-cookie-set', 'session-cookie-set'].map((k) => this.s.verifier.failed(k));
    if (set.some((v) => v)) {
      this.s.verifyAfter(set, checks.tokenCookiesSent, args);
      return;
    }
    if (!names.length) throw new Error(`the ${app} set no cookie at login`);
    this.s.verify(checks.tokenCookiesSent, args);
  }

  pageShown(page: PageName, user: string): void {
    const app = appShowing(page) ?? this.s.lastAction().app;
    this.s.verify(checks.pageShowsUser, { page: `${app} ${page} page`, user, proof: this.s.proof(app, user), response: this.s.lastResponse() });
  }

  pageRefused(page: PageName): void {
    const kind = this.presented;
    if (!kind) throw new Error('no bad JWT was presented in this scenario');
    const app = appShowing(page) ?? 'forums';
    const check = BAD_JWT_CHECKS[kind];
    this.s.verify(check, { kind: check.kind, presented: kind.replace('-', ' ') + ' JWT', page: `${app} ${page} page`, user: this.s.user, proof: this.s.proof(app), response: this.s.lastResponse() });
  }

  calledRefresh(app: TargetName, expectStatus: number, refreshToken: string | undefined): void {
    judgeRefreshCalled(this.s, app, expectStatus, refreshToken, this.s.env.variant.refreshEndpoint);
  }

  /** The refresh token the browser holds for an app, read before the action that spends it. */
  async refreshTokenHeld(actor: ActorName, app: TargetName): Promise<string | undefined> {
    return this.s.credentials.tokenOrValue(actor, app, 'refreshToken');
  }

  jwtCookieReplaced(oldJwt: string | undefined): void {
    judgeJwtCookieReplaced(this.s, oldJwt);
  }

  async refreshTokenCurrent(actor: ActorName, app: TargetName): Promise<void> {
    const refreshes = this.s.sinceLast().filter((e) => isRefreshCall(e) && e.response?.status === 200);
    const last = refreshes.at(-1);
    const expected = last ? newTokens(last).refresh ?? refreshTokenOf(last) : undefined;
    const held = await this.refreshTokenHeld(actor, app);
    this.s.verifyAfter([this.s.verifier.failed('refresh-called')], checks.browserHoldsCurrentToken, { role: 'refresh token', held, expected, evidence: [...refreshes, this.s.lastResponse()] });
  }

  // ---- attack vectors (INFO) ---------------------------------------------------------

  attackRefreshed(app: TargetName): void {
    judgeAttackRefreshed(this.s, app);
  }

  attackGotPage(app: TargetName, withNewJwt: boolean): void {
    judgeAttackGotPage(this.s, app, this.stolen, withNewJwt);
  }

  /** The last login through the form: when it happened and the session ids around it. */
  loginRecord(): Readonly<LoginRecord> {
    return { at: this.loginAt, lastUseAt: this.lastUseAt, sessionBefore: this.sessionBefore, sessionAfter: this.sessionAfter };
  }
}
