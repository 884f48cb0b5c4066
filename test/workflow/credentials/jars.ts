import { CookieJar as ToughJar, type Cookie } from 'tough-cookie';
import type { BrowserCookie, ChromiumActor } from '../../../harness/browser/chromium';
import { ActorJar, ChromiumJar, type CookieJar } from '../../../harness/workflow/credentials';

/**
 * Hand-built browsers for the credentials tests, one of each kind the kit reads: the kit's
 * own jar (a real tough-cookie jar behind the two Actor methods ActorJar uses) and
 * Chromium's (an in-memory cookie store with the semantics of the context methods
 * ChromiumJar uses: addCookies by URL sets a host-only cookie whose path is the URL's
 * directory, clearCookies filters by name, domain and path, cookies(url) is what the browser
 * would send). `seed` puts a cookie in as a response of `url` would have set it.
 */
export interface TestBrowser {
  kind: 'kit' | 'chromium';
  jar: CookieJar;
  seed(url: string, setCookie: string): Promise<void>;
  /** name=value pairs the browser would send to `url`, in a stable order. */
  sent(url: string): Promise<string[]>;
  /** What else the browser knows of a cookie (kit: the Set-Cookie attributes it kept). */
  attributes(url: string, name: string): Promise<string | undefined>;
}

export function kitBrowser(): TestBrowser {
  const tough = new ToughJar(undefined, { allowSpecialUseDomain: true, rejectPublicSuffixes: false });
  const actor = {
    cookies: (url: string): Promise<Cookie[]> => tough.getCookies(url),
    setCookie: async (c: string | Cookie, url: string): Promise<void> => {
      await tough.setCookie(typeof c === 'string' ? c : c.clone() ?? c, url);
    },
  };
  return {
    kind: 'kit',
    jar: new ActorJar(actor),
    seed: async (url, line) => void (await tough.setCookie(line, url)),
    sent: async (url) => (await tough.getCookies(url)).map((c) => `${c.key}=${c.value}`).sort(),
    attributes: async (url, name) => {
      const c = (await tough.getCookies(url)).find((x) => x.key === name);
      return c && [c.path, c.httpOnly ? 'HttpOnly' : '', c.secure ? 'Secure' : '', c.sameSite ?? '', c.expires instanceof Date ? 'Expires' : ''].filter(Boolean).join(' ');
    },
  };
}

export function chromiumBrowser(): TestBrowser {
  let store: BrowserCookie[] = [];
  const put = (c: BrowserCookie) => {
    store = [...store.filter((x) => !(x.name === c.name && x.domain === c.domain && x.path === c.path)), c];
  };
  const visible = (url: string) => {
    const u = new URL(url);
    return store.filter((c) => c.domain === u.hostname && (u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)));
  };
  const context = {
    async addCookies(cs: { name: string; value: string; url: string; httpOnly?: boolean }[]): Promise<void> {
      for (const c of cs) {
        const u = new URL(c.url);
        put({ name: c.name, value: c.value, domain: u.hostname, path: u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1), httpOnly: !!c.httpOnly, secure: false, sameSite: 'Lax', expires: -1 });
      }
    },
    async clearCookies(o: { name?: string; domain?: string; path?: string }): Promise<void> {
      store = store.filter((c) => !((o.name === undefined || c.name === o.name) && (o.domain === undefined || c.domain === o.domain) && (o.path === undefined || c.path === o.path)));
    },
  };
  const browser = { cookies: async (url: string) => visible(url), context } as unknown as Pick<ChromiumActor, 'cookies' | 'context'>;
  return {
    kind: 'chromium',
    jar: new ChromiumJar(browser),
    seed: async (url, line) => {
      const [pair, ...attrs] = line.split(/;\s*/);
      const i = pair.indexOf('=');
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      put({ name: pair.slice(0, i), value: pair.slice(i + 1), domain: new URL(url).hostname, path, httpOnly: attrs.some((a) => /^httponly$/i.test(a)), secure: false, sameSite: 'Lax', expires: -1 });
    },
    sent: async (url) => visible(url).map((c) => `${c.name}=${c.value}`).sort(),
    attributes: async (url, name) => {
      const c = visible(url).find((x) => x.name === name);
      return c && [c.path, c.httpOnly ? 'HttpOnly' : ''].filter(Boolean).join(' ');
    },
  };
}
