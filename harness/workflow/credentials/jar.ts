import type { Cookie } from 'tough-cookie';
import type { Actor } from '../../browser';
import type { BrowserCookie, ChromiumActor } from '../../browser/chromium';

/**
 * A browser's cookie jar as the credentials code needs it, whichever browser holds it: the
 * kit's own (an Actor's tough-cookie jar, HTTP mode and every second browser) or a real
 * Chromium's (its context's cookies, browser mode). The kit reads the cookies a browser
 * would send, changes a cookie's value in place (its attributes kept, as if the app had set
 * it), and copies cookies into another browser (the hacker's). Nothing else of a jar is used.
 */
export interface JarCookie {
  key: string;
  value: string;
  path: string;
  httpOnly: boolean;
}

export interface CookieJar {
  /** The cookies this browser would send to `url` (HttpOnly ones too: the jar's own view). */
  cookies(url: string): Promise<JarCookie[]>;
  /** A cookie this jar holds (as `cookies` gave it) with a new value, every attribute kept; `undefined` removes it. */
  rewrite(url: string, cookie: JarCookie, value: string | undefined): Promise<void>;
  /** Cookies for `url` put into this jar: another jar's (a copy keeps what that jar knows of them), or made by the kit. */
  add(url: string, cookies: readonly JarCookie[]): Promise<void>;
}

/** The cookie each JarCookie was read from, so a copy or a rewrite keeps every attribute the jar knows. */
const toughOf = new WeakMap<JarCookie, Cookie>();
const chromiumOf = new WeakMap<JarCookie, BrowserCookie>();

/** The kit's own jar: an Actor's tough-cookie jar, on the world clock like the Actor. */
export class ActorJar implements CookieJar {
  constructor(private readonly actor: Pick<Actor, 'cookies' | 'setCookie'>) {}

  async cookies(url: string): Promise<JarCookie[]> {
    return (await this.actor.cookies(url)).map((c) => {
      const j: JarCookie = { key: c.key, value: c.value, path: c.path ?? '/', httpOnly: !!c.httpOnly };
      toughOf.set(j, c);
      return j;
    });
  }

  async rewrite(url: string, cookie: JarCookie, value: string | undefined): Promise<void> {
    const c = (toughOf.get(cookie) ?? (await this.actor.cookies(url)).find((x) => x.key === cookie.key))?.clone();
    if (!c) throw new Error(`no ${cookie.key} cookie for ${url} to change`);
    if (value === undefined) {
      // Max-Age wins over Expires, so both must say "gone" for the jar to drop it.
      c.maxAge = 0;
      c.expires = new Date(0);
    } else c.value = value;
    await this.actor.setCookie(c, url);
  }

  async add(url: string, cookies: readonly JarCookie[]): Promise<void> {
    for (const j of cookies) await this.actor.setCookie(toughOf.get(j) ?? setCookieLine(j), url);
  }
}

/**
 * Chromium's jar: the context's cookies (browser mode). Only types are imported, so HTTP
 * mode never loads playwright; the ChromiumActor is made by whoever drives Chromium.
 */
export class ChromiumJar implements CookieJar {
  constructor(private readonly browser: Pick<ChromiumActor, 'cookies' | 'context'>) {}

  async cookies(url: string): Promise<JarCookie[]> {
    return (await this.browser.cookies(url)).map((c) => {
      const j: JarCookie = { key: c.name, value: c.value, path: c.path, httpOnly: c.httpOnly };
      chromiumOf.set(j, c);
      return j;
    });
  }

  async rewrite(url: string, cookie: JarCookie, value: string | undefined): Promise<void> {
    const held = chromiumOf.get(cookie);
    if (value === undefined) return this.browser.context.clearCookies({ name: cookie.key, path: cookie.path, ...(held ? { domain: held.domain } : {}) });
    await this.add(url, [{ ...cookie, value }]);
  }

  async add(url: string, cookies: readonly JarCookie[]): Promise<void> {
    // By URL, as a response of that origin would set it (host-only, HttpOnly kept).
    await this.browser.context.addCookies(cookies.map((c) => ({ name: c.key, value: c.value, url: new URL(c.path, url).href, httpOnly: c.httpOnly })));
  }
}

/** A Set-Cookie line for a cookie the kit makes (or one another kind of jar held). */
function setCookieLine(c: JarCookie): string {
  return `${c.key}=${c.value}; Path=${c.path}${c.httpOnly ? '; HttpOnly' : ''}`;
}
