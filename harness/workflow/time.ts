import { closeBrowserAgent } from '../browser';
import type { WorldClock } from '../clock/world-clock';
import type { FusionAuthDouble } from '../fusionauth';

/**
 * A scenario's time, for every flow: now on the run's clock, and the one way to make time
 * pass. On the world clock the world moves (the double, the backends, the cookie jars,
 * Chromium's page clock); on the real clock the kit waits, and says so. Each move and each
 * wait is recorded for the report and the bench.
 */

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

/** Past a refresh token's expiry by this much (the double's check is exact). */
const EXPIRY_MARGIN_MS = 1000;
/** Past a JWT's `exp` by this much: JWT libraries commonly allow up to a minute of clock leeway. */
export const JWT_LEEWAY_MS = 120_000;
/** Real clock: a wait past a deadline ends this much after it (timers and scheduling are late, never early). */
const REAL_CLOCK_JITTER_MS = 50;

export class ScenarioTime {
  /** Wall-clock waits this scenario made on purpose, for the report and the bench. */
  readonly waits: DeliberateWait[] = [];
  /** World-clock moves this scenario made instead of waiting. */
  readonly advances: ClockAdvance[] = [];

  constructor(private readonly env: { clock: WorldClock; double: Pick<FusionAuthDouble, 'refreshTokenExpiresAt' | 'expireRefreshToken'> }) {}

  /** Now on the world clock (real time when the run is on the real clock). */
  now(): number {
    return this.env.clock.now();
  }

  /** Is the run on the world clock, so that expiry is reached by moving it? */
  get world(): boolean {
    return this.env.clock.kind === 'world';
  }

  /**
   * Moves the world clock (double, backends, cookie jars, Chromium's page clock) to `t`, and
   * records it. Then drops the kit's idle connections: the backends' keep-alive timers
   * (libfaketime moves their monotonic clock too) close the sockets the kit keeps idle, and a
   * request on one of them would meet "other side closed".
   */
  async advanceTo(t: number, reason: string): Promise<void> {
    const ms = t - this.now();
    if (ms <= 0) return;
    await this.env.clock.advance(ms);
    this.advances.push({ ms: Math.round(ms), reason });
    await closeBrowserAgent();
  }

  /** Moves the world clock past a JWT's `exp`, beyond any library's leeway: it expires as FusionAuth's token would. */
  advancePastExp(jwt: string, reason: string): Promise<void> {
    return this.advanceTo(jwtExpiry(jwt) + JWT_LEEWAY_MS, reason);
  }

  /** Expire a refresh token the double issued: by the clock when it can, else the double expires it on demand. */
  async expireRefreshToken(rt: string, reason: string): Promise<void> {
    const at = this.env.double.refreshTokenExpiresAt(rt);
    if (this.world && at !== undefined) await this.advanceTo(at + EXPIRY_MARGIN_MS, reason);
    else this.env.double.expireRefreshToken(rt);
  }

  /** A deliberate wall-clock wait, declared as such (the bench counts these). Bounded by its caller. */
  async wait(ms: number, reason: string): Promise<void> {
    if (ms <= 0) return;
    this.waits.push({ ms: Math.round(ms), reason });
    await new Promise((r) => setTimeout(r, ms));
  }

  /**
   * How close to a session TTL the proofs step (TTL-ε with a request between, TTL+ε idle).
   * On the world clock only the real time a request takes separates the kit's clock from the
   * backend's, so ε is small next to a realistic TTL; on the real clock it absorbs scheduling
   * jitter (0.3 TTL).
   */
  ttlMargin(ttlMs: number): number {
    return this.world ? Math.min(10_000, 0.3 * ttlMs) : 0.3 * ttlMs;
  }

  /** A session last used at `lastUseAt` sits unused past its TTL (and the margin): the world moves there, or the kit waits. */
  idlePast(ttlMs: number, lastUseAt: number): Promise<void> {
    const due = lastUseAt + ttlMs + this.ttlMargin(ttlMs);
    const reason = `session idle past its ${ttlMs / 1000} s TTL`;
    return this.world ? this.advanceTo(due, reason) : this.wait(due + REAL_CLOCK_JITTER_MS - Date.now(), reason);
  }
}

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
