import type { Actor, HttpResult, ParsedForm } from '../../browser';
import type { TargetName } from '../../backend/config';
import { ActorJar, type CookieJar } from '../credentials';
import type { ActorName, Scenario } from '../scenario';

/**
 * How a browser of the OAuth workflows moves through FusionAuth's hosted login, in two
 * interchangeable drivers (as the SPA flow's SpaDriver):
 * - `HttpOAuth` (here): the kit's browser sends each request itself and stops where the
 *   flow looks (FusionAuth's form, the callback, each redirect);
 * - `ChromiumOAuth` (oauth/chromium.ts, browser mode, the scenario's Browser only): a real
 *   Chromium follows redirects by itself; the kit types into FusionAuth's form and reads what
 *   it loaded back from the journal.
 * Every move is one Scenario.act, so the core records the page and learns the app's cookies
 * alike in both; `jar` is where the browser's cookies are.
 */
export interface OAuthDriver {
  readonly jar: CookieJar;
  /** Load a URL: a page of the app, a forged callback. */
  goto(app: TargetName, url: string): Promise<HttpResult>;
  /** Follow the app's login link until FusionAuth shows its form or (SSO) sends the browser back with a code. */
  toFusionAuth(app: TargetName, url: string): Promise<HttpResult>;
  /** Sign in on FusionAuth's form with "Keep me signed in" (rememberDevice, for SSO). */
  signIn(app: TargetName, form: ParsedForm, fields: { loginId: string; password: string }, loginId: string, password: string): Promise<HttpResult>;
  /** The app's redirect URI FusionAuth sent the browser to (code and state); `loginStart`: where the login began in the journal. */
  callback(app: TargetName, callbackUrl: string, loginStart: number): Promise<HttpResult>;
  /** Where the browser goes after `prev`: the one redirect it names, or (`all`) every redirect after it, to a page. */
  next(app: TargetName, prev: HttpResult, o?: { all?: boolean }): Promise<HttpResult>;
  close(): Promise<void>;
}

const MAX_HOPS = 10;

/** HTTP mode (and every browser but the first in browser mode): the kit's own browser. */
export class HttpOAuth implements OAuthDriver {
  readonly jar: CookieJar;

  constructor(
    private readonly s: Scenario,
    private readonly actor: ActorName,
  ) {
    this.jar = new ActorJar(s.actor(actor));
  }

  goto(app: TargetName, url: string): Promise<HttpResult> {
    return this.s.act(this.actor, app, (a) => a.get(url), { retry: true });
  }

  toFusionAuth(app: TargetName, url: string): Promise<HttpResult> {
    return this.s.act(this.actor, app, async (a) => this.walk(a, await a.get(url)), { retry: true });
  }

  /** A form post: never sent twice. */
  signIn(app: TargetName, form: ParsedForm, fields: { loginId: string; password: string }, loginId: string, password: string): Promise<HttpResult> {
    return this.s.act(this.actor, app, (a) => a.submitForm(form, { [fields.loginId]: loginId, [fields.password]: password, rememberDevice: 'true' }, { allowExtra: true }));
  }

  callback(app: TargetName, callbackUrl: string): Promise<HttpResult> {
    return this.goto(app, callbackUrl);
  }

  next(app: TargetName, prev: HttpResult, o: { all?: boolean } = {}): Promise<HttpResult> {
    if (o.all) return this.s.act(this.actor, app, (a) => a.follow(prev), { retry: true });
    if (!prev.location) throw new Error(`the last answer (${prev.status} from ${prev.url}) was not a redirect`);
    return this.goto(app, prev.location);
  }

  async close(): Promise<void> {}

  /**
   * Follows redirects from `first` while they stay on the app or go to FusionAuth; stops
   * when FusionAuth sends the browser back to an app (the callback is its own step).
   */
  private async walk(a: Actor, first: HttpResult): Promise<HttpResult[]> {
    const fusionauth = this.s.env.fusionauthHost;
    const chain = [first];
    let cur = first;
    for (let i = 0; i < MAX_HOPS && cur.location && cur.status >= 300 && cur.status < 400; i++) {
      if (new URL(cur.url).host === fusionauth && new URL(cur.location).host !== fusionauth) break;
      cur = await a.get(cur.location);
      chain.push(cur);
    }
    return chain;
  }
}
