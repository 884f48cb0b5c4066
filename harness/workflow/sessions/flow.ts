import * as checks from '../../checks';
import { unwrapSessionId } from '../../checks/cookie-tokens';
import type { TargetName } from '../../backend/config';
import type { Exchange } from '../../trace';
import type { PageName } from '../apps';
import { judgeSessionCookie } from '../cookie-login';
import type { ActorName, Scenario } from '../scenario';
import type { WebappFlow } from '../webapp/flow';

/**
 * The server-side session workflow's own proofs (webapp-sessions): the session cookie, a
 * new id at login, the ids' entropy, sliding expiry and idle expiry on the session TTL.
 * The login itself is the webapp flow's.
 */
export class SessionsFlow {
  constructor(
    private readonly s: Scenario,
    private readonly web: WebappFlow,
  ) {}

  /** Session ids seen by `logInTimes`, and before/after a re-login. */
  private sessionSamples: { value: string; exchange: Exchange }[] = [];
  private slidingLoads: { at: number; exchange: Exchange }[] = [];

  private ttlMs(): number {
    return this.s.env.sessionTtlSeconds * 1000;
  }

  /** Let the session sit unused past its TTL: the world clock moves past it, or (real clock) the kit waits. */
  idlePastTtl(): Promise<void> {
    return this.s.time.idlePast(this.ttlMs(), this.web.loginRecord().lastUseAt);
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
    let prev = this.web.loginRecord().lastUseAt;
    for (const k of [1, 2]) {
      const margin = this.s.time.ttlMargin(ttl);
      if (this.s.time.world) await this.s.time.advanceTo(prev + ttl - margin, `use of the session ${(ttl - margin) / 1000} s after its previous use (TTL ${ttl / 1000} s)`);
      else await this.s.time.wait(this.web.loginRecord().at + 0.65 * ttl * k - Date.now(), `use of the session ${0.65 * k} TTL after login`);
      const r = await this.s.open(actor, app, page);
      prev = this.s.time.now();
      this.slidingLoads.push({ at: prev, exchange: r.exchange });
    }
  }

  /** Log in n times, each on a fresh cookie jar, keeping the session ids issued. */
  async logInTimes(actor: ActorName, app: TargetName, n: number, user: string): Promise<void> {
    this.sessionSamples = [];
    for (let i = 0; i < n; i++) {
      await this.s.actor(actor).clearCookies();
      await this.web.logIn(actor, app, user);
      const login = this.web.loginAnswer();
      const c = login && this.s.credentials.sessionCookieOf(login.exchange);
      // Express's s:<id>.<signature>: the signature is derived from the id, not randomness.
      if (c) this.sessionSamples.push({ value: unwrapSessionId(c.cookie.value).id, exchange: login!.exchange });
      // A login the kit did not see as a POST (a GET form): the session id the jar holds now.
      else if (this.web.loginRecord().sessionAfter?.value) {
        const after = this.web.loginRecord().sessionAfter;
        this.sessionSamples.push({ value: unwrapSessionId(after.value!).id, exchange: after.login ?? this.s.lastResponse() });
      }
    }
  }

  sessionCreated(app: TargetName): void {
    judgeSessionCookie(this.s, app, this.s.lastResponse());
  }

  tokensNotInBrowser(actor: ActorName): void {
    const issued = this.s.env.double.issued();
    const exchanges = this.s.journal.all().filter((e) => e.from === actor);
    this.s.verify(checks.tokensNotInBrowser, { actor, exchanges, tokens: [...issued.jwts, ...issued.refreshTokens] });
  }

  newSessionId(app: TargetName): void {
    // The id the browser's jar holds after login is the one in use, whether or not the login answer set one.
    const { value: after, login } = this.web.loginRecord().sessionAfter;
    this.s.verifyAfter([this.s.verifier.failed('session-cookie-set')], checks.newSessionIdAtLogin, { app, before: this.web.loginRecord().sessionBefore, after, evidence: login ? [login] : [] });
  }

  sessionIdEntropy(app: TargetName, minBits = 128): void {
    const args = { app, samples: this.sessionSamples.map((s) => s.value), minBits, evidence: this.sessionSamples.map((s) => s.exchange) };
    // No session id seen at login (the login failed, or went a way the kit could not follow):
    // nothing to estimate, which is not a weak id; the login's own checks say what went wrong.
    if (args.samples.length < 2) {
      this.s.verifier.notApplicable(checks.sessionIdEntropy, args, this.s.currentSteps, `not checked: the kit saw ${args.samples.length ? 'one session id' : 'no session id'} issued over the logins, so there is nothing to estimate`);
      return;
    }
    this.s.verify(checks.sessionIdEntropy, args);
  }

  sessionExtended(app: TargetName, page: PageName): void {
    this.s.verify(checks.sessionExtendedOnUse, { app, page, user: this.s.user, proof: this.s.proof(app), ttlMs: this.ttlMs(), loginAt: this.web.loginRecord().at, loads: this.slidingLoads });
  }
}
