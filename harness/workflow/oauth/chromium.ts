import { ChromiumActor, chromiumAvailable } from '../../browser/chromium';
import { KitError } from '../../backend/config';
import type { Scenario } from '../scenario';

/**
 * Browser mode of the OAuth workflows: a real headless Chromium follows the app's redirects
 * to FusionAuth's host, the kit types into FusionAuth's hosted form (and ticks "Keep me
 * signed in"), and Chromium follows everything after by itself: the redirect back with the
 * code, the app's redirect to the user page. The recording proxy puts every request into the
 * scenario's journal, where the flow reads what happened. Loaded only in browser mode, so
 * HTTP mode never loads playwright.
 */
export interface OAuthChromium {
  goto(url: string): Promise<void>;
  /** Fills FusionAuth's form, ticks rememberDevice when it is there, submits; waits for the network to go quiet. */
  signIn(loginId: string, password: string): Promise<void>;
  cookies(url: string): Promise<{ name: string; value: string; httpOnly: boolean; domain: string; path: string }[]>;
  /** Puts a cookie into Chromium's store (a value the kit changed: a minted JWT). */
  setCookie(url: string, c: { name: string; value: string; httpOnly: boolean; path: string }): Promise<void>;
  close(): Promise<void>;
}

/** One Chromium per environment (run); each scenario gets a fresh context in it. */
const browsers = new WeakMap<object, Promise<ChromiumActor>>();

export async function oauthChromium(s: Scenario): Promise<OAuthChromium> {
  if (!chromiumAvailable()) throw new KitError("browser mode needs Chromium: install Debian's package (apt-get install chromium) or set LOGINFLOW_CHROMIUM to its path", 'BROWSER_MISSING');
  let b = browsers.get(s.env);
  if (!b) {
    b = ChromiumActor.launch({ name: 'Browser', ...s.env.network('Browser'), journal: s.journal, timeoutMs: s.env.config.timeouts?.requestMs });
    browsers.set(s.env, b);
    const launched = b;
    s.env.onStop(async () => (await launched.catch(() => undefined))?.close());
  }
  const browser = await b;
  // The page clock follows the world clock (nothing in these apps reads it, but a page may).
  await browser.newSession(s.journal, s.worldClock ? { clock: s.now() } : {});
  // Chromium asks every host for /favicon.ico by itself: answered here, so FusionAuth's host is
  // not charged with a call the app never made (the SPA's pages declare their icon).
  await browser.context.route('**/favicon.ico', (r) => r.fulfill({ status: 204, body: '' }));
  const unfollow = s.worldClock ? s.env.clock.onAdvance((now) => browser.setClock(now)) : undefined;
  return {
    goto: (url) => browser.goto(url),
    async signIn(loginId, password) {
      const remember = browser.page.locator('input[type=checkbox][name=rememberDevice]').first();
      if ((await remember.count()) > 0) await remember.check({ timeout: 5000 });
      await browser.fillAndSubmitLogin({ loginId, password });
    },
    cookies: (url) => browser.cookies(url),
    async setCookie(url, c) {
      await browser.page.context().addCookies([{ name: c.name, value: c.value, url: new URL(c.path, url).href, httpOnly: c.httpOnly }]);
    },
    async close() {
      unfollow?.();
    },
  };
}
