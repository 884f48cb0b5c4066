import { KitError, type LoadedConfig, type Routes, type TargetName, DEFAULT_HOSTS, DEFAULT_SESSION_TTL_SECONDS, TARGET_NAMES, resolveRoutes } from '../backend/config';
import { type StartedTarget, startTarget } from '../backend/launcher';
import { TransportError } from '../browser/errors';
import type { LogicalNetwork } from '../browser/network';
import { type DoubleOptions, type DoubleSettings, FusionAuthDouble, INFER_CALLER } from '../fusionauth';
import { Journal } from '../trace';

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

export interface RunVariant {
  signing?: 'HS256' | 'RS256';
  refreshFailureStatus?: 400 | 404;
  refreshTokenPolicy?: 'Reusable' | 'OneTimeUse';
  /** Which refresh API the backend is asked to call (FUSIONAUTH_REFRESH_ENDPOINT). */
  refreshEndpoint?: '/api/jwt/refresh' | '/oauth2/token';
}

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

  static async start(config: LoadedConfig, variant: RunVariant = {}, log: (line: string) => void = () => {}, browser: 'http' | 'chromium' = 'http'): Promise<Environment> {
    const fa = (config.fusionauth ?? {}) as DoubleOptions;
    const { refreshEndpoint, ...doubleVariant } = variant;
    const base: Partial<DoubleSettings> = {
      ...(fa.signing && { signing: fa.signing }),
      ...(fa.refreshFailureStatus && { refreshFailureStatus: fa.refreshFailureStatus }),
      ...(fa.refreshTokenPolicy && { refreshTokenPolicy: fa.refreshTokenPolicy }),
    };
    const defaults: Partial<DoubleSettings> = { ...base, ...doubleVariant };
    const double = await FusionAuthDouble.start({ ...fa, ...defaults, journal: new Journal() });
    const closers: (() => Promise<void>)[] = [() => double.close()];
    const apps = {} as Record<TargetName, AppTarget>;
    const fusionauthFor = {} as Record<'Browser' | 'Hacker', string>;
    try {
      // A backend the kit does not start (a `url` target) cannot be told a port: it is
      // configured with a fixed FusionAuth URL, by default FusionAuth's own port 9011. One
      // relay there serves every such backend; the double tells them apart by application.
      if (TARGET_NAMES.some((n) => config[n].url)) {
        const port = (config.fusionauth as { port?: number } | undefined)?.port ?? 9011;
        double.nameCallers({ [double.directory.applications.store.id]: 'Store', [double.directory.applications.forums.id]: 'Forums' });
        try {
          const shared = await double.relay(INFER_CALLER, port);
          log(`FusionAuth double for backends started elsewhere: ${shared.url}`);
        } catch (err) {
          throw new KitError(`cannot listen on port ${port} for the FusionAuth double that your already-running backends call (${(err as Error).message}); free the port or set fusionauth.port in the config`);
        }
      }
      for (const actor of ['Browser', 'Hacker'] as const) fusionauthFor[actor] = (await double.relay(actor)).url;
      for (const name of TARGET_NAMES) {
        const t = config[name];
        const participant = name === 'store' ? 'Store' : 'Forums';
        const relay = await double.relay(participant);
        const app = double.directory.applications[name];
        const host = t.host ?? DEFAULT_HOSTS[name];
        const contract: Record<string, string> = {
          FUSIONAUTH_URL: relay.url.replace(/\/$/, ''),
          FUSIONAUTH_API_KEY: double.directory.apiKey,
          FUSIONAUTH_APPLICATION_ID: app.id,
          FUSIONAUTH_CLIENT_SECRET: app.clientSecret,
          FUSIONAUTH_JWT_HMAC_SECRET: double.directory.hmacSecret,
          FUSIONAUTH_ISSUER: double.options.issuer,
          FUSIONAUTH_PUBLIC_URL: `http://${double.options.publicHost}`,
          FUSIONAUTH_REFRESH_ENDPOINT: refreshEndpoint ?? '',
          PUBLIC_HOST: host,
          SESSION_TTL_SECONDS: String(config.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS),
        };
        const target = await startTarget(name, t, contract, { configDir: config.configDir, envMap: config.envMap, log, defaultReadyTimeoutMs: config.timeouts?.startMs });
        closers.push(() => target.stop());
        apps[name] = {
          name,
          participant,
          host,
          routes: resolveRoutes(t),
          applicationId: app.id,
          proof: t.identity?.contains ?? '{email}',
          loginFields: t.loginFields ?? {},
          target,
        };
      }
    } catch (err) {
      await Promise.allSettled(closers.reverse().map((c) => c()));
      throw err;
    }
    return new Environment(config, double, apps, base, closers, fusionauthFor, browser, variant);
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
    return { hosts, participants, unrecordedHosts: [fa] };
  }

  /** The host name the browser knows FusionAuth by (auth.example.test). */
  get fusionauthHost(): string {
    return this.double.options.publicHost;
  }

  get sessionTtlSeconds(): number {
    return this.config.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS;
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
    if (!(err instanceof TransportError) || !CONNECTION_LOST.has(err.code)) return undefined;
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

const CONNECTION_LOST = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const OUTPUT_LINES = 12;

/** A backend under test exited while the kit was using it: a failure of the backend (exit 1), not of the kit. */
export class BackendExitedError extends Error {
  constructor(readonly app: AppTarget, when: string, cause?: unknown) {
    const st = app.target.exited();
    const how = st?.signal ? `was killed by signal ${st.signal}` : `exited with code ${st?.code}`;
    const lines = app.target.output().replace(/\s+$/, '').split('\n');
    const tail = lines.slice(-OUTPUT_LINES).join('\n') || '(no output)';
    super(
      `the ${app.name} backend ${how} ${when}; it must keep running for the whole run (look at its output for the crash)\n` +
        `--- last output of ${app.name} backend ---\n${lines.length > OUTPUT_LINES ? `... (${lines.length - OUTPUT_LINES} earlier lines)\n` : ''}${tail}`,
      { cause },
    );
    this.name = 'BackendExitedError';
  }
}
