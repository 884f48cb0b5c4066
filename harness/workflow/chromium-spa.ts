import { ChromiumActor, chromiumAvailable } from '../browser/chromium';
import { KitError } from '../backend/config';
import type { Scenario } from './scenario';
import { type FaCookie, type SpaApp, type SpaDriver } from './spa';
import { useChromiumSpa } from './spa-flow';

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

  async open(app: SpaApp): Promise<void> {
    await this.browser.goto(`${app.origin}/`);
    await this.rendered(app);
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
    // The app may render the form from a template a moment after load; wait for it, bounded.
    const form = this.browser.page.locator('input[type=password]').first();
    return form.waitFor({ timeout: 5000 }).then(() => true, () => false);
  }

  async logIn(app: SpaApp, loginId: string, password: string): Promise<void> {
    if (!(await this.showsLoginForm())) throw new Error(`the ${app.origin} app shows no login form (no password field) to log in with`);
    // Waits until the login request (and whatever it set off at once) has finished.
    await this.browser.fillAndSubmitLogin({ loginId, password }, this.fields);
    // The app stores the JWT right after FusionAuth's answer: give it that moment, bounded.
    const deadline = Date.now() + 2000;
    while (!(await this.hasJwt(app)) && Date.now() < deadline) await this.browser.settle(50);
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
      await data.or(form).first().waitFor({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
      if ((await data.count()) > 0) break;
      if ((await form.count()) > 0 && !(await this.hasJwt(app))) break;
      await this.browser.settle(Math.min(500, Math.max(1, deadline - Date.now())));
    }
    await this.browser.settle();
  }

  private async hasJwt(app: SpaApp): Promise<boolean> {
    return Object.values(await this.storage(app)).some((v) => /^eyJ/.test(v));
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

  screenshot(): Promise<Buffer> {
    return this.browser.page.screenshot({ fullPage: true, timeout: 10_000 });
  }

  /** The browser outlives the scenario (the environment stops it); its context is replaced by the next. */
  async close(): Promise<void> {
    this.unfollowClock();
  }
}

/** One browser per environment (run); each scenario gets a fresh context in it. */
const browsers = new WeakMap<object, Promise<ChromiumActor>>();

function browserFor(s: Scenario): Promise<ChromiumActor> {
  let b = browsers.get(s.env);
  if (!b) {
    b = ChromiumActor.launch({ name: 'Browser', ...s.env.network('Browser'), journal: s.journal, timeoutMs: s.env.config.timeouts?.requestMs });
    browsers.set(s.env, b);
    s.env.onStop(async () => (await b!.catch(() => undefined))?.close());
  }
  return b;
}

useChromiumSpa(async (s: Scenario) => {
  if (!chromiumAvailable()) throw new KitError("browser mode needs Chromium: install Debian's package (apt-get install chromium) or set LOGINFLOW_CHROMIUM to its path");
  const browser = await browserFor(s);
  // The page clock follows the world clock, so the app's own JavaScript sees its JWT expire.
  await browser.newSession(s.journal, s.worldClock ? { clock: s.now() } : {});
  const unfollow = s.worldClock ? s.env.clock.onAdvance((now) => browser.setClock(now)) : undefined;
  return new ChromiumSpa(browser, `http://${s.env.fusionauthHost}`, s.app('store').loginFields, unfollow);
});
