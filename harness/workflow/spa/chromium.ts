import { ChromiumActor, chromiumAvailable } from '../../browser/chromium';
import { KitError } from '../../backend/config';
import type { Scenario } from '../scenario';
import { type FaCookie, type SpaApp, type SpaDriver } from './driver';
import { useChromiumSpa } from './flow';

/**
 * Browser mode: a real headless Chromium runs the app's own JavaScript. Loaded only with
 * `--browser chromium`, so HTTP mode never loads playwright. The kit types into the app's
 * login form and then only watches: the network calls (through the recording proxy into
 * the scenario's journal), local storage and the browser's cookies.
 */
class ChromiumSpa implements SpaDriver {
  readonly mode = 'chromium' as const;
  constructor(
    private readonly browser: ChromiumActor,
    private readonly fusionauth: string,
    private readonly fields: { loginId?: string; password?: string },
    /** Stops moving the page clock with the world clock. */
    private readonly unfollowClock: () => void = () => {},
  ) {}

  /** The app opened last: its login.reveal says what stands for the form until clicked. */
  private app: SpaApp | undefined;

  async open(app: SpaApp): Promise<void> {
    this.app = app;
    await this.browser.goto(`${app.origin}${app.home ?? '/'}`);
    // A form behind a button never shows by itself: there the reveal logic of logIn waits.
    if (!app.reveal) await this.rendered(app);
  }

  /**
   * Until the app has rendered something the next step reads: its login form or the user's
   * data (the app decides on start, from local storage), then until the network is quiet.
   * Waits on the page, not on the clock: returns as soon as either shows, within the bound.
   */
  private async rendered(app: SpaApp, timeoutMs = 5000): Promise<void> {
    const page = this.browser.page;
    await page.locator('input[type=password]').or(page.getByText(app.proof)).first().waitFor({ timeout: timeoutMs }).catch(() => undefined);
    await this.browser.settle(timeoutMs);
  }

  async showsLoginForm(): Promise<boolean> {
    // The app may render the form from a template a moment after load: wait for it to show
    // (an element, not a polling loop), within the bound.
    if (await this.loginVisible()) return true;
    await this.loginShown().waitFor({ state: 'attached', timeout: 5000 }).catch(() => undefined);
    return this.loginVisible();
  }

  /** What shows the login (as loginVisible counts it): a password field, or what login.reveal names. */
  private loginShown(app = this.app) {
    const password = this.browser.page.locator('input[type=password]');
    return (app?.reveal ? password.or(this.revealTarget(app.reveal)) : password).first();
  }

  async logIn(app: SpaApp, loginId: string, password: string): Promise<void> {
    // A form behind a button or on its own route: reach it as a user would (config login.reveal, routes.login).
    const started = Date.now();
    let routeTried = false;
    for (;;) {
      if ((await this.browser.page.locator('input[type=password]').count()) > 0) break;
      if (app.reveal && (await this.revealTarget(app.reveal).count()) > 0) {
        await this.reveal(app.reveal);
        continue;
      }
      if (app.loginRoute && !routeTried && Date.now() - started > 1500) {
        routeTried = true;
        await this.browser.goto(`${app.origin}${app.loginRoute}`);
        continue;
      }
      if (Date.now() - started > 5000)
        throw new Error(`the ${app.origin} app shows no login form (no password field) to log in with${app.reveal ? ` (nothing to click for login.reveal ${JSON.stringify(app.reveal)})` : app.loginRoute ? ` at ${app.loginRoute} either` : '; if a click or a route shows it, set login.reveal or routes.login in the config'}`);
      // Until the form (or what reveals it) shows, bounded; no fixed pause.
      await this.loginShown(app).waitFor({ state: 'attached', timeout: 300 }).catch(() => undefined);
    }
    const before = await this.browser.text().catch(() => '');
    await this.browser.fillAndSubmitLogin({ loginId, password }, this.fields);
    // The app handles FusionAuth's answer right after it: a JWT in local storage, or what it
    // shows instead (an error). Wait for either, not for a fixed moment (bounded: an app
    // that shows nothing costs the bound).
    await this.browser.waitForReaction({ before, origin: app.origin }, 2000);
  }

  /**
   * The app loads its data by itself (after login, or on start when it holds a JWT); for a
   * load "again" the kit reloads the page. Waits, bounded, until the data shows or the app
   * falls back to its login form (with no JWT left); the checks read what happened from the journal.
   */
  async loadData(app: SpaApp, o: { again?: boolean } = {}): Promise<void> {
    if (o.again) await this.browser.reload();
    const page = this.browser.page;
    const deadline = Date.now() + 10_000;
    const data = page.getByText(app.proof).first();
    const form = page.locator('input[type=password]').first();
    while (Date.now() < deadline) {
      await data.or(form).first().waitFor({ timeout: Math.max(1, Math.min(500, deadline - Date.now())) }).catch(() => undefined);
      if ((await data.count()) > 0) break;
      if ((await this.loginVisible()) && !(await this.hasJwt(app))) break;
      await this.browser.settle(Math.min(500, Math.max(1, deadline - Date.now())));
    }
    await this.browser.settle();
  }

  /** A password field, or what login.reveal names: an app whose form sits behind a "Sign in" button shows its login by showing that button. */
  private async loginVisible(): Promise<boolean> {
    if ((await this.browser.page.locator('input[type=password]').count()) > 0) return true;
    return !!this.app?.reveal && (await this.revealTarget(this.app.reveal).count()) > 0;
  }

  /** Click what shows the login form: a CSS selector, else the visible text of a button or link. */
  private revealTarget(what: string) {
    const page = this.browser.page;
    if (/^[#.[]|^[a-z]+[#.[:]/i.test(what)) return page.locator(what).first();
    return page.getByRole('button', { name: what }).or(page.getByRole('link', { name: what })).or(page.getByText(what, { exact: true })).first();
  }

  private async reveal(what: string): Promise<void> {
    const page = this.browser.page;
    const target = this.revealTarget(what);
    if ((await target.count()) === 0) throw new Error(`nothing to click for login.reveal ${JSON.stringify(what)} on ${page.url()} (no element matching it, and no button, link or text saying it)`);
    await target.click({ timeout: 5000 });
    await this.browser.settle(300);
  }

  private async hasJwt(app: SpaApp): Promise<boolean> {
    // A JWT anywhere in a value: bare, or inside JSON ({"token": "eyJ…"}).
    return Object.values(await this.storage(app)).some((v) => /eyJ[A-Za-z0-9_-]+\.eyJ/.test(v));
  }

  storage(app: SpaApp): Promise<Record<string, string>> {
    return this.browser.localStorage(app.origin);
  }

  setStorage(app: SpaApp, key: string, value: string | null): Promise<void> {
    return this.browser.setLocalStorage(app.origin, key, value);
  }

  async refreshCookie(): Promise<FaCookie | undefined> {
    const c = (await this.browser.cookies(`${this.fusionauth}/`)).find((x) => x.name === 'refresh_token');
    return c && { name: c.name, value: c.value, httpOnly: c.httpOnly, domain: c.domain };
  }

  text(): Promise<string> {
    return this.browser.text();
  }

  screenshot(): Promise<Buffer> {
    return this.browser.page.screenshot({ fullPage: true, timeout: 10_000 });
  }

  /** The browser outlives the scenario (the environment stops it); its context is replaced by the next. */
  async close(): Promise<void> {
    this.unfollowClock();
  }
}

/**
 * One actor per environment and profile, all of them contexts of the run's one Chromium
 * (launched by the first, closed with the last); each scenario gets a fresh context. A
 * second profile (another user's browser in the two-user scenarios) is its own actor with
 * its own context and proxy, made on first use, since a context switch would log the first
 * user out.
 */
const browsers = new WeakMap<object, Map<string, Promise<ChromiumActor>>>();

function browserFor(s: Scenario, profile = 'Browser'): Promise<ChromiumActor> {
  let perEnv = browsers.get(s.env);
  if (!perEnv) browsers.set(s.env, (perEnv = new Map()));
  let b = perEnv.get(profile);
  if (!b) {
    b = ChromiumActor.launch({ name: 'Browser', ...s.env.network('Browser'), journal: s.journal, timeoutMs: s.env.config.timeouts?.requestMs });
    perEnv.set(profile, b);
    s.env.onStop(async () => (await b!.catch(() => undefined))?.close());
  }
  return b;
}

useChromiumSpa(async (s: Scenario, profile?: string) => {
  if (!chromiumAvailable()) throw new KitError("browser mode needs Chromium: install Debian's package (apt-get install chromium) or set LOGINFLOW_CHROMIUM to its path", 'BROWSER_MISSING');
  const browser = await browserFor(s, profile);
  // The page clock follows the world clock, so the app's own JavaScript sees its JWT expire.
  await browser.newSession(s.journal, s.time.world ? { clock: s.time.now() } : {});
  const unfollow = s.time.world ? s.env.clock.onAdvance((now) => browser.setClock(now)) : undefined;
  return new ChromiumSpa(browser, `http://${s.env.fusionauthHost}`, s.app('store').loginFields, unfollow);
});
