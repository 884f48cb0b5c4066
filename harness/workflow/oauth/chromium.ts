import type { HttpResult } from '../../browser';
import { ChromiumActor, chromiumAvailable } from '../../browser/chromium';
import { KitError, type TargetName } from '../../backend/config';
import { ChromiumJar, type CookieJar } from '../credentials';
import { documentsSince } from '../documents';
import type { Scenario } from '../scenario';
import type { OAuthDriver } from './driver';

/**
 * Browser mode of the OAuth workflows: a real headless Chromium follows the app's redirects
 * to FusionAuth's host, the kit types into FusionAuth's hosted form (and ticks "Keep me
 * signed in"), and Chromium follows everything after by itself: the redirect back with the
 * code, the app's redirect to the user page. The recording proxy puts every request into the
 * scenario's journal, where each move reads what Chromium loaded (Scenario.act). Loaded only
 * in browser mode, so HTTP mode never loads playwright.
 */
class ChromiumOAuth implements OAuthDriver {
  readonly jar: CookieJar;

  constructor(
    private readonly s: Scenario,
    private readonly browser: ChromiumActor,
    /** Stops moving the page clock with the world clock. */
    private readonly unfollowClock: () => void = () => {},
  ) {
    this.jar = new ChromiumJar(browser);
  }

  goto(app: TargetName, url: string): Promise<HttpResult> {
    return this.s.act('Browser', app, async () => {
      await this.browser.goto(url);
    });
  }

  /** Chromium follows the redirects by itself: a navigation like any other. */
  toFusionAuth(app: TargetName, url: string): Promise<HttpResult> {
    return this.goto(app, url);
  }

  /** Fills FusionAuth's form, ticks rememberDevice when it is there, submits; waits for the network to go quiet. */
  signIn(app: TargetName, _form: unknown, _fields: unknown, loginId: string, password: string): Promise<HttpResult> {
    return this.s.act('Browser', app, async () => {
      const remember = this.browser.page.locator('input[type=checkbox][name=rememberDevice]').first();
      if ((await remember.count()) > 0) await remember.check({ timeout: 5000 });
      await this.browser.fillAndSubmitLogin({ loginId, password });
    });
  }

  /** Chromium followed FusionAuth's redirect by itself: the callback it made since the login began. */
  callback(app: TargetName, callbackUrl: string, loginStart: number): Promise<HttpResult> {
    // By host, path and code: Chromium may spell the query's escapes otherwise than the Location did.
    const want = new URL(callbackUrl);
    const cb = documentsSince(this.s.journal, loginStart).find((r) => {
      const u = new URL(r.url);
      return u.host === want.host && u.pathname === want.pathname && u.searchParams.get('code') === want.searchParams.get('code');
    });
    if (!cb) throw new Error(`Chromium did not come back to the ${app}'s redirect URI (${callbackUrl})`);
    return this.s.act('Browser', app, async () => [cb], { since: cb.exchange.seq - 1 });
  }

  /**
   * Where Chromium went after `prev`: the redirect, or wherever the page's own JavaScript
   * took it. A page that moves on by script does so after its load: wait for it, bounded.
   */
  async next(app: TargetName, prev: HttpResult): Promise<HttpResult> {
    const since = prev.exchange.seq;
    let loaded = documentsSince(this.s.journal, since);
    for (const until = Date.now() + 5000; !loaded.length && Date.now() < until; loaded = documentsSince(this.s.journal, since)) await new Promise((r) => setTimeout(r, 100));
    if (!loaded.length) throw new Error(`Chromium went nowhere after ${prev.url} (${prev.status}${prev.location ? `, a redirect to ${prev.location}` : ''})`);
    return this.s.act('Browser', app, async () => loaded, { since });
  }

  /** The browser outlives the scenario (the environment stops it); its context is replaced by the next. */
  async close(): Promise<void> {
    this.unfollowClock();
  }
}

/** One Chromium per environment (run); each scenario gets a fresh context in it. */
const browsers = new WeakMap<object, Promise<ChromiumActor>>();

export async function oauthChromium(s: Scenario): Promise<OAuthDriver> {
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
  await browser.newSession(s.journal, s.time.world ? { clock: s.time.now() } : {});
  // Chromium asks every host for /favicon.ico by itself: answered here, so FusionAuth's host is
  // not charged with a call the app never made (the SPA's pages declare their icon).
  await browser.context.route('**/favicon.ico', (r) => r.fulfill({ status: 204, body: '' }));
  const unfollow = s.time.world ? s.env.clock.onAdvance((now) => browser.setClock(now)) : undefined;
  return new ChromiumOAuth(s, browser, unfollow);
}
