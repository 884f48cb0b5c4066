import { KitError, type LoadedConfig, type Routes, type TargetName, DEFAULT_HOSTS, TARGET_NAMES, declaredTargets, resolveRoutes } from '../backend/config';
import { type StartedTarget, startTarget } from '../backend/launcher';
import {
  type BackendClock,
  type ClockReport,
  REAL_CLOCK_MAX_TTL_SECONDS,
  REAL_CLOCK_SESSION_TTL_SECONDS,
  STARTUP_SKEW_MS,
  WORLD_CLOCK_SESSION_TTL_SECONDS,
  WorldClock,
  clockMoved,
  faketimeLibrary,
} from '../clock/world-clock';
import { TransportError } from '../browser/errors';
import { LoginflowError } from '../errors';
import type { LogicalNetwork } from '../browser/network';
import { type CorsSettings, type DoubleOptions, type DoubleSettings, FusionAuthDouble, INFER_CALLER } from '../fusionauth';
import { doubleOptionsFrom } from '../fusionauth/config-section';
import { Journal } from '../trace';
import type { RunVariant } from './registry';

/**
 * Everything a run stands on, started once per process: the FusionAuth double, one relay
 * port per backend (so the journal knows which backend called), and the backends under
 * test, started through the config and env contract like any third-party backend.
 */
export interface AppTarget {
  name: TargetName;
  /** The journal's participant name: Store / Forums. */
  participant: string;
  host: string;
  routes: Routes;
  applicationId: string;
  /** Text that proves whose page it is; `{email}` is replaced by the user's email. */
  proof: string;
  loginFields: { loginId?: string; password?: string };
  target: StartedTarget;
}

/** The variant in force (registry VARIANTS); `refreshEndpoint` is which refresh API the backend is asked to call (FUSIONAUTH_REFRESH_ENDPOINT). */
export type { RunVariant } from './registry';

export class Environment {
  private constructor(
    readonly config: LoadedConfig,
    readonly double: FusionAuthDouble,
    readonly apps: Record<TargetName, AppTarget>,
    /** The double's settings from the config alone; a variant goes on top. */
    private readonly base: Partial<DoubleSettings>,
    private readonly closers: (() => Promise<void>)[],
    /** Where each actor reaches FusionAuth (one relay per actor, so the journal knows who called). */
    readonly fusionauthFor: Record<'Browser' | 'Hacker', string>,
    /** `--browser chromium`: a real browser runs single-page apps. */
    readonly browser: 'http' | 'chromium' = 'http',
    /** The run-level variant now in force; every verdict names it. */
    public variant: RunVariant = {},
    /** The one wall clock of this run: the double, the backends, the cookie jars and Chromium's page clock read it. */
    readonly clock: WorldClock = new WorldClock('real'),
    /** Which clock the run is on and why, per backend; the run header and summary.json say it. */
    readonly clockReport: ClockReport = { kind: 'real', reason: 'not started', backends: [], sessionTtlSeconds: REAL_CLOCK_SESSION_TTL_SECONDS },
  ) {}

  /**
   * Switch the double's run-level options (signing, refresh-failure status, policy) without
   * restarting the backends: they are handed both the HMAC secret and the JWKS anyway.
   */
  useVariant(v: Omit<RunVariant, 'refreshEndpoint'>): void {
    this.variant = { ...v, ...(this.variant.refreshEndpoint ? { refreshEndpoint: this.variant.refreshEndpoint } : {}) };
    this.resetDouble();
  }

  /**
   * Whether this value of a variant applies to this run: the config declares it (undeclared:
   * any value), and it is the one in force when the run has one (a single declared value,
   * or `--variant`).
   */
  supports(name: keyof RunVariant, value: string | number): boolean {
    const inForce = this.variant[name];
    if (inForce !== undefined && String(inForce) !== String(value)) return false;
    const declared = (this.config.variants as Record<string, unknown[]> | undefined)?.[name];
    return !Array.isArray(declared) || declared.map(String).includes(String(value));
  }

  /** Why a value of a variant does not apply to this run (for the not-applicable verdict). */
  whyNot(name: keyof RunVariant, value: string | number): string {
    const inForce = this.variant[name];
    if (inForce !== undefined && String(inForce) !== String(value)) return `${name}=${value} is not the variant in force (${name}=${inForce})`;
    const declared = (this.config.variants as Record<string, unknown[]> | undefined)?.[name];
    return `the config declares ${name} ${JSON.stringify(declared)}, not ${value}`;
  }

  static async start(
    config: LoadedConfig,
    variant: RunVariant = {},
    log: (line: string) => void = () => {},
    browser: 'http' | 'chromium' = 'http',
    /** What the user must see even in a quiet run (the fall back to the real clock). */
    warn: (line: string) => void = log,
  ): Promise<Environment> {
    // One reading of the section for `run` and `loginflow fusionauth`: directory overrides merged onto the seeded one.
    const fa = doubleOptionsFrom(config.fusionauth);
    const { refreshEndpoint, ...doubleVariant } = variant;
    const base: Partial<DoubleSettings> = {
      ...(fa.signing && { signing: fa.signing }),
      ...(fa.refreshFailureStatus && { refreshFailureStatus: fa.refreshFailureStatus }),
      ...(fa.refreshTokenPolicy && { refreshTokenPolicy: fa.refreshTokenPolicy }),
    };
    const defaults: Partial<DoubleSettings> = { ...base, ...doubleVariant };
    // The world clock needs libfaketime and backends the kit starts itself.
    const urlTargets = TARGET_NAMES.filter((n) => config[n]?.url !== undefined);
    const ft = urlTargets.length ? { why: `${urlTargets.join(' and ')} ${urlTargets.length > 1 ? 'are' : 'is'} a "url" target the kit did not start, so the kit cannot move its clock` } : faketimeLibrary();
    const clock = new WorldClock(ft.lib ? 'world' : 'real');
    // On the world clock the tenant's refresh tokens live a day, shorter than the cookies
    // backends commonly keep them in (30 days): so an expired refresh token still reaches
    // the backend, which must handle FusionAuth's refusal, as with a revoked one.
    const refreshTtl = clock.kind === 'world' && fa.refreshTokenTtlSeconds === undefined ? { refreshTokenTtlSeconds: 86_400 } : {};
    const double = await FusionAuthDouble.start({ ...fa, ...refreshTtl, ...defaults, journal: new Journal(), now: () => clock.now() });
    const closers: (() => Promise<void>)[] = [() => double.close(), async () => clock.dispose()];
    const apps = {} as Record<TargetName, AppTarget>;
    const fusionauthFor = {} as Record<'Browser' | 'Hacker', string>;
    let report: ClockReport;
    try {
      // A backend the kit does not start (a `url` target) cannot be told a port: it is
      // configured with a fixed FusionAuth URL, by default FusionAuth's own port 9011. One
      // relay there serves every such backend; the double tells them apart by application.
      if (urlTargets.length) {
        const port = (config.fusionauth as { port?: number } | undefined)?.port ?? 9011;
        double.nameCallers({ [double.directory.applications.store.id]: 'Store', [double.directory.applications.forums.id]: 'Forums' });
        try {
          const shared = await double.relay(INFER_CALLER, port);
          log(`FusionAuth double for backends started elsewhere: ${shared.url}`);
        } catch (err) {
          throw new KitError(`cannot listen on port ${port} for the FusionAuth double that your already-running backends call (${(err as Error).message}); free the port or set fusionauth.port in the config`, 'PORT_IN_USE');
        }
      }
      for (const actor of ['Browser', 'Hacker'] as const) fusionauthFor[actor] = (await double.relay(actor)).url;
      const relays: Record<string, string> = {};
      for (const name of declaredTargets(config)) relays[name] = (await double.relay(name === 'store' ? 'Store' : 'Forums')).url;

      const declaredTtl = config.sessionTtlSeconds;
      const startApps = async (world: boolean): Promise<{ stops: (() => Promise<void>)[]; ttl: number }> => {
        // On the world clock the backends keep a realistic TTL (the config's, else 30 min),
        // since the kit moves the clock past it; on the real clock the kit waits it out.
        const ttl = world ? declaredTtl ?? WORLD_CLOCK_SESSION_TTL_SECONDS : declaredTtl !== undefined && declaredTtl <= REAL_CLOCK_MAX_TTL_SECONDS ? declaredTtl : REAL_CLOCK_SESSION_TTL_SECONDS;
        if (!world && declaredTtl !== undefined && declaredTtl > REAL_CLOCK_MAX_TTL_SECONDS)
          warn(`the real clock cannot be moved: SESSION_TTL_SECONDS=${ttl} instead of the declared ${declaredTtl} s, so the session TTL proofs wait seconds, not ${declaredTtl} s (the backend must honour SESSION_TTL_SECONDS)`);
        const stops: (() => Promise<void>)[] = [];
        for (const name of declaredTargets(config)) {
          const t = config[name]!;
          const participant = name === 'store' ? 'Store' : 'Forums';
          const app = double.directory.applications[name];
          const host = t.host ?? DEFAULT_HOSTS[name];
          const contract: Record<string, string> = {
            FUSIONAUTH_URL: relays[name].replace(/\/$/, ''),
            FUSIONAUTH_API_KEY: double.directory.apiKey,
            FUSIONAUTH_APPLICATION_ID: app.id,
            FUSIONAUTH_CLIENT_SECRET: app.clientSecret,
            FUSIONAUTH_JWT_HMAC_SECRET: double.directory.hmacSecret,
            FUSIONAUTH_ISSUER: double.options.issuer,
            FUSIONAUTH_PUBLIC_URL: `http://${double.options.publicHost}`,
            FUSIONAUTH_REFRESH_ENDPOINT: refreshEndpoint ?? '',
            PUBLIC_HOST: host,
            SESSION_TTL_SECONDS: String(ttl),
          };
          // Started a day ahead: the first answer's Date header proves the preload took effect.
          const faketime = world && ft.lib ? { lib: ft.lib, file: clock.newFile(name, STARTUP_SKEW_MS) } : undefined;
          const target = await startTarget(name, t, contract, { configDir: config.configDir, envMap: config.envMap, log, defaultReadyTimeoutMs: config.timeouts?.startMs, faketime });
          stops.push(() => target.stop());
          apps[name] = {
            name,
            participant,
            host,
            routes: resolveRoutes(t),
            applicationId: app.id,
            proof: t.identity?.contains ?? '{email}',
            // login.fields names the form's fields too, unless they are a JSON login's members.
            loginFields: { ...t.loginFields, ...(t.login?.mode !== 'json' ? t.login?.fields : {}) },
            target,
          };
        }
        return { stops, ttl };
      };

      let started = await startApps(clock.kind === 'world');
      closers.push(...started.stops);
      if (clock.kind === 'world') {
        const backends: BackendClock[] = declaredTargets(config).map((name) => {
          const a = apps[name].target.firstAnswer;
          const m = clockMoved(a?.date, a?.at ?? Date.now(), STARTUP_SKEW_MS);
          return { name, clock: m.moved ? 'world' : 'real', detail: m.detail };
        });
        const stuck = backends.filter((b) => b.clock === 'real');
        if (!stuck.length) {
          clock.sync(); // back from the startup skew: the world starts at real time
          report = { kind: 'world', reason: `libfaketime (${ft.lib}) moves every backend's wall clock with the kit's`, backends, sessionTtlSeconds: started.ttl };
        } else {
          // One backend on its own clock would make every expiry a lie: everything goes
          // back to the real clock, the backends restarted with the short real-clock TTL.
          const why = stuck.map((b) => `the ${b.name} backend: ${b.detail}`).join('; ');
          warn(`world clock not available, falling back to the real clock: ${why}`);
          await Promise.allSettled(closers.splice(2).map((c) => c()));
          clock.kind = 'real';
          clock.sync();
          started = await startApps(false);
          closers.push(...started.stops);
          report = {
            kind: 'real',
            reason: `fell back to the real clock: ${why}`,
            backends: declaredTargets(config).map((name) => ({ name, clock: 'real' as const, detail: stuck.find((b) => b.name === name)?.detail ?? 'real clock, with the other backend' })),
            sessionTtlSeconds: started.ttl,
          };
        }
      } else {
        report = { kind: 'real', reason: ft.why ?? 'real clock', backends: declaredTargets(config).map((name) => ({ name, clock: 'real' as const, detail: ft.why ?? 'real clock' })), sessionTtlSeconds: started.ttl };
      }
    } catch (err) {
      await Promise.allSettled(closers.reverse().map((c) => c()));
      throw err;
    }
    return new Environment(config, double, apps, base, closers, fusionauthFor, browser, variant, clock, report);
  }

  /**
   * How an actor reaches everything by its logical host name: each backend's loopback origin,
   * and FusionAuth (the SPA calls it from the page) through the actor's own relay, whose calls
   * the double journals itself. The same map serves the HTTP actor and the real browser.
   */
  network(actor: 'Browser' | 'Hacker'): Required<Omit<LogicalNetwork, 'journal'>> {
    const hosts: Record<string, string> = {};
    const participants: Record<string, string> = {};
    for (const app of Object.values(this.apps)) {
      hosts[app.host] = app.target.origin;
      participants[app.host] = app.participant;
    }
    const fa = this.fusionauthHost;
    hosts[fa] = this.fusionauthFor[actor];
    participants[fa] = 'FusionAuth';
    // The kit plays the backends' TLS terminator (X-Forwarded-Proto: https) unless the config says tls: false.
    return { hosts, participants, unrecordedHosts: [fa], tlsTerminated: this.config.tls === false ? [] : Object.values(this.apps).map((a) => a.host) };
  }

  /**
   * A single-page app calls FusionAuth from the browser, which real FusionAuth refuses until
   * its CORS filter is configured. The SPA workflow configures it as the operator would: from
   * the config's `fusionauth.cors` when declared, else for the apps' own origins (store and
   * forums), with credentials (the refresh_token cookie), GET/POST and the JSON content type.
   */
  useSpaCors(): void {
    if ((this.config.fusionauth as DoubleOptions | undefined)?.cors !== undefined || this.double.options.cors) return;
    this.double.setOptions({ cors: spaCors(Object.values(this.apps).map((a) => a.host)) });
  }

  /** The host name the browser knows FusionAuth by (auth.example.test). */
  get fusionauthHost(): string {
    return this.double.options.publicHost;
  }

  /** The session TTL the backends were handed (SESSION_TTL_SECONDS): realistic on the world clock, short on the real one. */
  get sessionTtlSeconds(): number {
    return this.clockReport.sessionTtlSeconds;
  }

  /** Back to the run's own double settings after a scenario changed them. */
  resetDouble(): void {
    const { refreshEndpoint: _, ...doubleVariant } = this.variant;
    this.double.setOptions({ refreshFailureStatus: 400, refreshTokenPolicy: 'Reusable', signing: 'HS256', ...this.base, ...doubleVariant });
  }

  appByHost(host: string): AppTarget | undefined {
    return Object.values(this.apps).find((a) => a.host === host);
  }

  /** The first backend the kit started that has exited since (a crash mid-run), if any. */
  exitedApp(): AppTarget | undefined {
    return Object.values(this.apps).find((a) => a.target.exited());
  }

  /** Throws BackendExitedError when a backend has died, so later scenarios fail at once instead of each waiting for timeouts. */
  assertRunning(): void {
    const dead = this.exitedApp();
    if (dead) throw new BackendExitedError(dead, 'earlier in this run, so this scenario cannot run');
  }

  /**
   * A request failed: if that is because a backend died (connection refused or dropped),
   * the error that says so, with its exit status and last output; else undefined. Waits
   * briefly for the exit to be noticed: the dropped connection can arrive first.
   */
  async explain(err: unknown): Promise<BackendExitedError | undefined> {
    if (!(err instanceof TransportError) || !CONNECTION_LOST.has(err.transportCode)) return undefined;
    const until = Date.now() + 500;
    for (;;) {
      const dead = this.exitedApp();
      if (dead) return new BackendExitedError(dead, `during this step (${err.message})`, err);
      if (Date.now() >= until) return undefined;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Something to stop with the environment (a browser started for the run, say). */
  onStop(closer: () => Promise<void>): void {
    this.closers.push(closer);
  }

  async stop(): Promise<void> {
    const cs = this.closers.splice(0).reverse();
    await Promise.allSettled(cs.map((c) => c()));
  }
}

/** The CORS settings a SPA served from these hosts needs from FusionAuth. */
export function spaCors(hosts: string[]): CorsSettings {
  return { allowedOrigins: hosts.map((h) => `http://${h}`), allowCredentials: true, allowedMethods: ['GET', 'POST', 'OPTIONS'], allowedHeaders: ['Accept', 'Content-Type'] };
}

const CONNECTION_LOST = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const OUTPUT_LINES = 12;

/** A backend under test exited while the kit was using it: a failure of the backend (exit 1), not of the kit. */
export class BackendExitedError extends LoginflowError {
  constructor(readonly app: AppTarget, when: string, cause?: unknown) {
    const st = app.target.exited();
    const how = st?.signal ? `was killed by signal ${st.signal}` : `exited with code ${st?.code}`;
    const lines = app.target.output().replace(/\s+$/, '').split('\n');
    const tail = lines.slice(-OUTPUT_LINES).join('\n') || '(no output)';
    super(
      'BACKEND_EXITED',
      `the ${app.name} backend ${how} ${when}; it must keep running for the whole run (look at its output for the crash)\n` +
        `--- last output of ${app.name} backend ---\n${lines.length > OUTPUT_LINES ? `... (${lines.length - OUTPUT_LINES} earlier lines)\n` : ''}${tail}`,
      { cause },
    );
    this.name = 'BackendExitedError';
  }
}
