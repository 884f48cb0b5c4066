import { guessLoginFields, parseForms } from '../../browser';
import type { TargetName } from '../../backend/config';
import * as checks from '../../checks';
import { type SetCookie, setCookiesOf } from '../../checks';
import type { Exchange } from '../../trace';
import type { Found } from '../../checks/cookie-tokens';
import { isDeletion } from '../credentials';
import type { PageName, Scenario } from '../scenario';
import { type SpaApp, type SpaDriver, lastApiCall } from '../spa/driver';
import { createSpaDriver, spaAppOf } from '../spa/flow';
import type { WebappFlow } from '../webapp/flow';

/**
 * The scenarios a security reviewer adds to the diagram's one-user happy path, for every
 * workflow (issue #11, items 1-3):
 * - two users in two browsers, interleaved: every answer is the credential holder's;
 * - a failed login (each non-success answer FusionAuth can give) creates nothing;
 * - no secret in any URL of any scenario, and none accepted from the query string.
 * Built on the Scenario's public actions; the URL checks run over the whole journal when
 * the scenario ends (armed by the features' Background).
 */
export const HTTP_MODE_REASON = 'not checked in HTTP mode (use --browser chromium)';

/** How the Examples name the password typed. */
export type PasswordKind = 'the password' | 'a wrong password' | 'a blank password';

/** Who ran the SPA's JavaScript, for the app-side checks to judge whether they apply: the kit plays it in HTTP mode. */
const appRunBy = (d: { mode: string }): checks.AppRunBy => (d.mode === 'http' ? 'kit' : 'browser');
const WRONG_PASSWORD = 'not-the-password-7f3a';

interface Load {
  user: string;
  app: TargetName;
  what: string;
  /** An SPA's API answer (judged as `api-is-holders`), not a page. */
  api: boolean;
  response?: Exchange;
}

interface Attempt {
  app: TargetName;
  user: string;
  attempt: string;
  status: number;
  start: number;
  answers: Exchange[];
  /** The login page's HTML (webapp) or text (SPA) before the attempt. */
  before: string;
  driver?: SpaDriver;
}

export class IdentityFlow {
  /** Each user's SPA driver (in the browser Scenario.browserOf gives the user). */
  private readonly spaDrivers = new Map<string, Promise<SpaDriver>>();
  /** Exchanges that put a credential in a URL on purpose (the query-string probe). */
  private readonly probes = new Set<number>();
  private readonly armed: { kind: 'password' | 'token'; step: number }[] = [];
  private last: Load | undefined;
  private attempt: Attempt | undefined;
  private probed: checks.QueryCredentialArgs | undefined;

  constructor(
    private readonly s: Scenario,
    private readonly web: WebappFlow,
  ) {}

  // ---- two users, webapp -------------------------------------------------------------

  loggedIn(app: TargetName, user: string): Promise<void> {
    return this.web.loggedIn(this.s.browserOf(user), app, user);
  }

  async load(app: TargetName, page: PageName, user: string): Promise<void> {
    this.s.actAs(user);
    const r = await this.s.open(this.s.browserOf(user), app, page);
    this.last = { user, app, what: `${app} ${page === 'cart' ? 'shopping cart' : page === 'posts' ? 'forum posts' : page} page`, api: false, response: r.exchange };
  }

  expireJwt(app: TargetName, user: string): Promise<void> {
    this.s.actAs(user);
    return this.web.expireJwt(this.s.browserOf(user), app);
  }

  /** The last answer to `holder`'s browser is `holder`'s, never `other`'s. */
  isHolders(holder: string, other: string, when: string): void {
    const l = this.last;
    if (!l || l.user !== holder) throw new Error(`${holder}'s browser has loaded nothing to judge yet`);
    const check = l.api ? checks.apiIsHolders : checks.pageIsHolders;
    this.s.verify(check, { what: l.what, holder, other, holderProof: this.s.proof(l.app, holder), otherProof: this.s.proof(l.app, other), when, response: l.response });
  }

  /**
   * A browser with no cookies (and no JWT) asks for the page with `holder`'s credential in
   * the query string, under the credential cookie's own name and the names frameworks use.
   */
  async probeQuery(app: TargetName, page: PageName, holder: string): Promise<void> {
    const names = this.s.credentials.credentialNames(app);
    const held = (await (await this.s.jar(this.s.browserOf(holder))).cookies(this.s.url(app, 'home'))).filter((c) => names.includes(c.key));
    if (!held.length) throw new Error(`${holder}'s browser holds no credential cookie for the ${app} to offer in the query string`);
    const params = new URLSearchParams();
    for (const c of held) {
      params.append(c.key, c.value);
      const role = this.s.env.double.tokenRole(c.value);
      const aliases = role === 'jwt' ? ['token', 'access_token', 'jwt'] : role === 'refreshToken' ? [] : ['sid', 'session', 'sessionid', 'session_id', 'JSESSIONID'];
      for (const n of aliases) if (!params.has(n)) params.append(n, c.value);
    }
    await this.probe(app, `${this.s.url(app, page)}?${params}`, {}, holder, `${app} ${page === 'cart' ? 'shopping cart' : page} page`);
  }

  private async probe(app: TargetName, url: string, headers: Record<string, string>, holder: string, what: string): Promise<void> {
    const actor = this.s.actor('Browser:no-cookies');
    await actor.clearCookies();
    const r = await actor.get(url, { headers });
    this.probes.add(r.exchange.seq);
    this.probed = { what, holder, proof: this.s.proof(app, holder), params: [...new URL(url).searchParams.keys()], response: r.exchange };
  }

  /** The probe's answer did not open the holder's page or data. */
  queryCredentialRefused(): void {
    if (!this.probed) throw new Error('no credential was offered in the query string in this scenario');
    this.s.verify(checks.queryCredentialRefused, this.probed);
  }

  // ---- two users, single-page app ----------------------------------------------------

  private spaDriver(user: string): Promise<SpaDriver> {
    let d = this.spaDrivers.get(user);
    if (!d) {
      const actor = this.s.browserOf(user);
      d = createSpaDriver(this.s, actor === 'Browser' ? undefined : (actor as `Browser:${string}`));
      this.spaDrivers.set(user, d);
    }
    return d;
  }

  spaApp(app: TargetName, user: string): SpaApp {
    return spaAppOf(this.s, app, user);
  }

  async spaLoggedIn(app: TargetName, user: string): Promise<void> {
    const d = await this.spaDriver(user);
    const start = this.s.journal.lastSeq;
    const spa = this.spaApp(app, user);
    this.s.actAs(user);
    await d.open(spa);
    await d.logIn(spa, user, this.s.password(user));
    await d.loadData(spa);
    const api = lastApiCall(this.s.journal.since(start), 'Browser', spa.api);
    // Only that the login worked: whose data came back is what the scenario's checks judge.
    const st = api?.response?.status ?? 0;
    if (st < 200 || st >= 300) {
      throw new Error(`precondition failed: ${user} could not log in through the ${app} app and load its data (last API answer: ${api?.response?.status ?? 'none'})`);
    }
  }

  async spaLoad(app: TargetName, user: string): Promise<void> {
    const d = await this.spaDriver(user);
    const spa = this.spaApp(app, user);
    this.s.actAs(user);
    const start = this.s.journal.lastSeq;
    await d.loadData(spa, { again: true });
    this.last = { user, app, what: `${app} API`, api: true, response: lastApiCall(this.s.journal.since(start), 'Browser', spa.api) };
  }

  /** The local-storage entry holding a JWT FusionAuth issued: bare, or inside a JSON value under any key. */
  private async spaJwt(app: TargetName, user: string): Promise<{ key: string; value: string; found: Found }> {
    const held = this.s.credentials.jwtInStorage(await (await this.spaDriver(user)).storage(this.spaApp(app, user)));
    if (held) return { key: held.key, value: held.found.value, found: held.found };
    throw new Error(`the ${app} app in ${user}'s browser keeps no JWT FusionAuth issued in local storage`);
  }

  /** The JWT expires: the world clock moves past its exp, or (real clock) a minted expired one replaces it, wrapped as the app keeps it. */
  async spaExpireJwt(app: TargetName, user: string): Promise<void> {
    const { key, value, found } = await this.spaJwt(app, user);
    if (this.s.time.world) {
      await this.s.time.advancePastExp(value, `past the exp of ${user}'s JWT in the ${app} app`);
      return;
    }
    const expired = await this.s.env.double.mintJwt(user, app, { expired: true });
    await (await this.spaDriver(user)).setStorage(this.spaApp(app, user), key, found.replace ? found.replace(expired) : expired);
  }

  /** The API called with no Authorization header, `holder`'s JWT in the query string instead. */
  async spaProbeQuery(app: TargetName, holder: string): Promise<void> {
    const { value } = await this.spaJwt(app, holder);
    const spa = this.spaApp(app, holder);
    const q = new URLSearchParams({ access_token: value, token: value, jwt: value });
    await this.probe(app, `${spa.origin}${spa.api}?${q}`, { accept: 'application/json' }, holder, `${app} API`);
  }

  // ---- failed logins -------------------------------------------------------------------

  private passwordFor(user: string, kind: PasswordKind): string {
    if (kind === 'a blank password') return '';
    if (kind === 'a wrong password') return WRONG_PASSWORD;
    return this.s.env.double.findUser(user)?.password ?? 'password';
  }

  private describe(user: string, kind: PasswordKind, status: number): string {
    const known = !!this.s.env.double.findUser(user);
    return `${user}${known ? '' : ' (no such user)'} with ${kind}, FusionAuth's answer ${status}`;
  }

  /** Open the login page and submit it with credentials that must not log anyone in. */
  async attemptLogin(app: TargetName, user: string, kind: PasswordKind, status: number): Promise<void> {
    const actor = this.s.actor('Browser');
    const page = await this.s.open('Browser', app, 'login');
    if (this.web.jsonLogin(app)) {
      // An app that logs in with JSON: post as its front end would, and judge what comes back.
      const start = this.s.journal.lastSeq;
      const first = await this.web.submitLogin('Browser', app, user, this.passwordFor(user, kind), false);
      const chain = first.location ? await actor.follow(first) : [first];
      this.attempt = { app, user, attempt: this.describe(user, kind, status), status, start, answers: chain.map((r) => r.exchange), before: page.body };
      this.assertDoubleAnswered(status);
      return;
    }
    const form = parseForms(page.body, page.url).find((f) => f.fields.some((x) => x.type === 'password'));
    if (!form) throw new Error(`no login form on ${page.url} (status ${page.status}) to submit`);
    const fields = { ...guessLoginFields(form), ...this.s.app(app).loginFields };
    if (!fields.loginId || !fields.password) throw new Error(`cannot tell the login id and password fields of the form at ${page.url}; set loginFields in the config`);
    const loginPost = this.s.app(app).routes.loginPost;
    const target = loginPost ? { ...form, action: `http://${this.s.app(app).host}${loginPost}` } : form;
    const start = this.s.journal.lastSeq;
    const first = await actor.submitForm(target, { [fields.loginId]: user, [fields.password]: this.passwordFor(user, kind) });
    const chain = await actor.follow(first);
    this.attempt = { app, user, attempt: this.describe(user, kind, status), status, start, answers: chain.map((r) => r.exchange), before: page.body };
    this.assertDoubleAnswered(status);
  }

  /** What FusionAuth answered during the attempt; a double that answers otherwise than the example says is a kit defect. */
  private fusionauthAnswer(): string {
    const a = this.attempt!;
    const call = this.s.journal.since(a.start).find((e) => e.to === 'FusionAuth' && e.request.path.split('?')[0] === '/api/login' && e.request.method === 'POST');
    return call ? `answered ${call.response?.status ?? call.error}` : 'not asked';
  }

  private assertDoubleAnswered(status: number): void {
    const call = this.s.journal.since(this.attempt!.start).find((e) => e.to === 'FusionAuth' && e.request.path.split('?')[0] === '/api/login' && e.request.method === 'POST');
    const got = call?.response?.status;
    // Only a call with the login id the example names says anything about the double.
    const sentUser = call?.request.body?.includes(JSON.stringify(this.attempt!.user).slice(1, -1));
    if (call && sentUser && got !== undefined && got !== status && !(status === 400 && got === 404)) {
      throw new Error(`kit defect: the FusionAuth double answered ${got} to the login of ${this.attempt!.attempt}, where FusionAuth answers ${status}`);
    }
  }

  private credentialsSet(answers: Exchange[]): { cookie: SetCookie; why: string }[] {
    const out: { cookie: SetCookie; why: string }[] = [];
    for (const c of answers.flatMap((e) => setCookiesOf(e))) {
      // An emptied cookie holds no credential either.
      if (c.cookie.value === '' || isDeletion(c, this.s.time.now())) continue;
      const role = this.s.env.double.tokenRole(c.cookie.value);
      const why = role === 'jwt' ? 'a JWT FusionAuth issued' : role === 'refreshToken' ? 'a refresh token FusionAuth issued' : /^eyJ[\w-]*\.[\w-]*\./.test(c.cookie.value) ? 'a JWT' : /sess|sid|auth|token|jwt/i.test(c.cookie.key) ? 'a session id' : undefined;
      if (why) out.push({ cookie: c, why });
    }
    return out;
  }

  noCredentialAfterFailedLogin(): void {
    const a = this.requireAttempt();
    this.s.verify(checks.failedLoginNoCredential, { attempt: a.attempt, fusionauth: this.fusionauthAnswer(), answers: a.answers, credentials: this.credentialsSet(a.answers) });
  }

  failedLoginExplained(): void {
    const a = this.requireAttempt();
    this.s.verify(checks.failedLoginExplained, { attempt: a.attempt, response: a.answers.at(-1), before: a.before });
  }

  async noAccessAfterFailedLogin(page: PageName): Promise<void> {
    const a = this.requireAttempt();
    const r = await this.s.open('Browser', a.app, page);
    this.s.verify(checks.failedLoginNoAccess, { attempt: a.attempt, what: `${a.app} ${page} page`, user: a.user, proof: this.s.proof(a.app, a.user), response: r.exchange });
  }

  async spaAttemptLogin(app: TargetName, user: string, kind: PasswordKind, status: number): Promise<void> {
    const d = await this.spaDriver(user);
    const spa = this.spaApp(app, user);
    await d.open(spa);
    const before = (await d.text?.()) ?? '';
    const start = this.s.journal.lastSeq;
    await d.logIn(spa, user, this.passwordFor(user, kind));
    this.attempt = { app, user, attempt: this.describe(user, kind, status), status, start, answers: this.s.journal.since(start), before, driver: d };
    this.assertDoubleAnswered(status);
  }

  async spaNothingStored(): Promise<void> {
    const a = this.requireAttempt();
    const d = a.driver!;
    const noCred = { attempt: a.attempt, fusionauth: this.fusionauthAnswer(), appRunBy: appRunBy(d), storage: {}, tokens: [] as string[], evidence: [] as Exchange[] };
    if (d.mode === 'http') {
      // The kit plays the app: what it stores and shows is the kit's, not evidence about the app (the check says so).
      this.s.verifier.verify(checks.spaFailedLoginStoresNothing, noCred, this.s.journal.steps);
      return;
    }
    const spa = this.spaApp(a.app, a.user);
    const issued = this.s.env.double.issued();
    const calls = this.s.journal.since(a.start).filter((e) => e.to === 'FusionAuth');
    this.s.verify(checks.spaFailedLoginStoresNothing, { ...noCred, storage: await d.storage(spa), tokens: [...issued.jwts, ...issued.refreshTokens], evidence: calls });
  }

  async spaFormAgain(): Promise<void> {
    const a = this.requireAttempt();
    const d = a.driver!;
    const args = { attempt: a.attempt, appRunBy: appRunBy(d), formShown: false, before: a.before, after: '', calls: [] as Exchange[] };
    if (d.mode === 'http') {
      this.s.verifier.verify(checks.spaFailedLoginExplained, args, this.s.journal.steps);
      return;
    }
    this.s.verify(checks.spaFailedLoginExplained, {
      ...args,
      formShown: (await d.showsLoginForm()) ?? false,
      after: (await d.text?.()) ?? '',
      calls: this.s.journal.since(a.start).filter((e) => e.to === 'FusionAuth'),
    });
  }

  private requireAttempt(): Attempt {
    if (!this.attempt) throw new Error('no failed login was attempted in this scenario');
    return this.attempt;
  }

  // ---- secrets in URLs ----------------------------------------------------------------

  /** A Background step arms the check; `finish` makes it over every exchange of the scenario. */
  arm(kind: 'password' | 'token', step: number): void {
    this.armed.push({ kind, step });
  }

  /** At the end of the scenario: one verdict per armed check, over the whole journal. */
  finish(): void {
    if (!this.armed.length) return;
    const exchanges = this.s.journal.all().filter((e) => !this.probes.has(e.seq));
    const apps = new Set(Object.values(this.s.env.apps).map((a) => a.participant));
    const issued = this.s.env.double.issued();
    const secrets: checks.UrlSecrets = {
      passwords: [...new Set([...this.s.env.double.directory.users.map((u) => u.password), WRONG_PASSWORD])],
      tokens: [...issued.jwts, ...issued.refreshTokens],
      sessionIds: checks.cookieValuesSet(exchanges, (p) => apps.has(p), (['store', 'forums'] as TargetName[]).flatMap((a) => this.s.credentials.credentialNames(a))),
    };
    const leaks = checks.urlLeaks(exchanges, secrets);
    const failures: unknown[] = [];
    for (const { kind, step } of this.armed) {
      const mine = leaks.filter((l) => (kind === 'password') === (l.what === 'password'));
      const check = kind === 'password' ? checks.passwordNotInUrl : checks.tokenNotInUrl;
      const secret = kind === 'password' ? 'the password' : 'a JWT, refresh token or session id';
      try {
        this.s.verifier.verify(check, { secret, leaks: mine, examined: exchanges.length }, [step]);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length) throw failures[0];
  }
}

