import type { Actor } from '../../browser';
import type { Exchange } from '../../trace';

/**
 * The single-page app's side of the SPA workflow, in two interchangeable drivers:
 * - `HttpSpa`: the kit plays the app's JavaScript with an HTTP actor and a model of local
 *   storage (fast; checks the backend's half);
 * - `ChromiumSpa`: a real headless Chromium runs the app's own JavaScript, and the kit
 *   observes what it did (network calls through the recording proxy, local storage, cookies).
 */
export interface SpaApp {
  /** Logical origin, e.g. http://store.example.test */
  origin: string;
  /** JSON API path, e.g. /api/load-shopping-cart */
  api: string;
  applicationId: string;
  /** Text that proves the data shown is the user's. */
  proof: string;
  /** Where the app starts (routes.home); default "/". */
  home?: string;
  /** Browser mode: a route the login form lives at, when the config sets routes.login. */
  loginRoute?: string;
  /** Browser mode: what to click to show the login form (login.reveal). */
  reveal?: string;
}

export interface FaCookie {
  name: string;
  value: string;
  httpOnly: boolean;
  domain?: string;
}

export interface SpaDriver {
  readonly mode: 'http' | 'chromium';
  open(app: SpaApp): Promise<void>;
  /** Whether the app shows its login form; undefined when the kit itself plays the app. */
  showsLoginForm(): Promise<boolean | undefined>;
  logIn(app: SpaApp, loginId: string, password: string): Promise<void>;
  /** Make the app load its data (refreshing the JWT first if the app decides to). */
  loadData(app: SpaApp, o?: { again?: boolean }): Promise<void>;
  storage(app: SpaApp): Promise<Record<string, string>>;
  setStorage(app: SpaApp, key: string, value: string | null): Promise<void>;
  /** FusionAuth's refresh_token cookie as the browser holds it. */
  refreshCookie(): Promise<FaCookie | undefined>;
  /** The page's visible text, when a real browser shows one. */
  text?(): Promise<string>;
  /** A PNG of the page, when a real browser shows one. */
  screenshot?(): Promise<Buffer>;
  close(): Promise<void>;
}

const JWT_KEY = 'jwt';

/** The kit as the SPA's JavaScript, written the way FusionAuth's article describes the app. */
export class HttpSpa implements SpaDriver {
  readonly mode = 'http' as const;
  /** `now`: the clock the app's JavaScript reads (the run's world clock), to tell an expired JWT. */
  constructor(private readonly actor: Actor, private readonly fusionauth: string, private readonly now: () => number = Date.now) {}

  async open(app: SpaApp): Promise<void> {
    await this.actor.get(`${app.origin}${app.home ?? '/'}`);
  }

  async showsLoginForm(): Promise<undefined> {
    return undefined;
  }

  async logIn(app: SpaApp, loginId: string, password: string): Promise<void> {
    const r = await this.actor.request('POST', `${this.fusionauth}/api/login`, { json: { loginId, password, applicationId: app.applicationId }, headers: { origin: app.origin } });
    if (r.status !== 200) return;
    const token = JSON.parse(r.body).token;
    this.actor.localStorage.setItem(app.origin, JWT_KEY, token);
  }

  async loadData(app: SpaApp): Promise<void> {
    // Call the API with whatever JWT is held, expired or not, and refresh on its 401: so the
    // API's own expiry check is what sends the app to FusionAuth, and it is exercised.
    const jwt = this.actor.localStorage.getItem(app.origin, JWT_KEY);
    if (!jwt) return;
    const r = await this.callApi(app, jwt);
    if (r.status === 401) {
      const fresh = await this.refresh(app);
      if (fresh) await this.callApi(app, fresh);
    }
  }

  private callApi(app: SpaApp, jwt: string) {
    return this.actor.get(`${app.origin}${app.api}`, { headers: { authorization: `Bearer ${jwt}`, accept: 'application/json' } });
  }

  private async refresh(app: SpaApp): Promise<string | undefined> {
    const r = await this.actor.request('POST', `${this.fusionauth}/api/jwt/refresh`, { json: {}, headers: { origin: app.origin } });
    if (r.status === 200) {
      const token = JSON.parse(r.body).token as string;
      this.actor.localStorage.setItem(app.origin, JWT_KEY, token);
      return token;
    }
    this.actor.localStorage.removeItem(app.origin, JWT_KEY);
    return undefined;
  }

  async storage(app: SpaApp): Promise<Record<string, string>> {
    return Object.fromEntries(this.actor.localStorage.keys(app.origin).map((k) => [k, this.actor.localStorage.getItem(app.origin, k)!]));
  }

  async setStorage(app: SpaApp, key: string, value: string | null): Promise<void> {
    if (value === null) this.actor.localStorage.removeItem(app.origin, key);
    else this.actor.localStorage.setItem(app.origin, key, value);
  }

  async refreshCookie(): Promise<FaCookie | undefined> {
    const c = (await this.actor.cookies(`${this.fusionauth}/api/jwt/refresh`)).find((x) => x.key === 'refresh_token');
    return c && { name: c.key, value: c.value, httpOnly: !!c.httpOnly, domain: c.domain ?? undefined };
  }

  async close(): Promise<void> {}
}

/** The API exchange an SPA step produced: the last actor → app call to the API path. */
export function lastApiCall(exchanges: readonly Exchange[], actor: string, api: string): Exchange | undefined {
  return [...exchanges].reverse().find((e) => e.from === actor && e.request.path.split('?')[0] === api);
}
