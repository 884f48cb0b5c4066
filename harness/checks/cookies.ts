import { Cookie } from 'tough-cookie';
import { type Exchange, headerAll } from '../trace';
import { defineCheck, fail, outcome, pass } from './check';

/** Checks on the cookies a backend sets, read from the Set-Cookie headers it sent. */

export interface SetCookie {
  raw: string;
  cookie: Cookie;
  exchange: Exchange;
}

/** Parse every Set-Cookie of an exchange's response (tough-cookie's parser, not a regex). */
export function setCookiesOf(e: Exchange | undefined): SetCookie[] {
  if (!e?.response) return [];
  return headerAll(e.response.headers, 'set-cookie').flatMap((raw) => {
    const cookie = Cookie.parse(raw, { loose: true });
    return cookie ? [{ raw, cookie, exchange: e }] : [];
  });
}

export interface TokenCookieArgs {
  app: string;
  host: string;
  /** "JWT" or "refresh token" */
  role: string;
  cookie?: SetCookie;
  /** The response that should have set it. */
  response?: Exchange;
}

function missing(a: TokenCookieArgs) {
  return fail(`no cookie holding the ${a.role} FusionAuth issued was set`, a.response ? [a.response] : []);
}

export const tokenCookieSet = defineCheck<TokenCookieArgs>({
  kind: 'cookie-set',
  name: 'tokenKeptInCookie',
  level: 'MUST',
  ensures: (a) => `${a.app} writes the ${a.role} FusionAuth issued into a cookie`,
  evaluate: (a) => (a.cookie ? pass(`cookie ${a.cookie.cookie.key} holds the ${a.role}`, [a.cookie.exchange]) : missing(a)),
});

export const cookieIsHttpOnly = defineCheck<TokenCookieArgs>({
  kind: 'cookie-httponly',
  name: 'cookieIsHttpOnly',
  level: 'MUST',
  ensures: (a) => `the ${a.role} cookie is HttpOnly, out of reach of JavaScript`,
  evaluate: (a) => (!a.cookie ? missing(a) : outcome(a.cookie.cookie.httpOnly, `${a.cookie.cookie.key} is ${a.cookie.cookie.httpOnly ? '' : 'not '}HttpOnly: ${a.cookie.raw.replace(/=[^;]*/, '=…')}`, [a.cookie.exchange])),
});

export const cookieIsHostOnly = defineCheck<TokenCookieArgs>({
  kind: 'cookie-host-only',
  name: 'cookieScopedToOwnHost',
  level: 'MUST',
  ensures: (a) => `the ${a.role} cookie is scoped to ${a.host} (no Domain attribute, or Domain=${a.host}), so no other host receives it`,
  evaluate: (a) => {
    if (!a.cookie) return missing(a);
    const d = a.cookie.cookie.domain?.replace(/^\./, '').toLowerCase();
    const ok = !d || d === a.host.toLowerCase();
    return outcome(ok, d ? `Domain=${d}` : 'host-only (no Domain attribute)', [a.cookie.exchange]);
  },
});

export const cookieIsSecure = defineCheck<TokenCookieArgs>({
  kind: 'cookie-secure',
  name: 'cookieIsSecure',
  level: 'SHOULD',
  ensures: (a) => `the ${a.role} cookie is Secure (sent over TLS only)`,
  evaluate: (a) => (!a.cookie ? missing(a) : outcome(a.cookie.cookie.secure, `${a.cookie.cookie.key} is ${a.cookie.cookie.secure ? '' : 'not '}Secure`, [a.cookie.exchange])),
});

export const cookieHasSameSite = defineCheck<TokenCookieArgs>({
  kind: 'cookie-samesite',
  name: 'cookieHasSameSite',
  level: 'SHOULD',
  ensures: (a) => `the ${a.role} cookie has SameSite=Lax or Strict`,
  evaluate: (a) => {
    if (!a.cookie) return missing(a);
    const s = /;\s*samesite=(\w+)/i.exec(a.cookie.raw)?.[1];
    return outcome(!!s && /^(lax|strict)$/i.test(s), s ? `SameSite=${s}` : 'no SameSite attribute', [a.cookie.exchange]);
  },
});

export interface CookiesSentArgs {
  request?: Exchange;
  names: string[];
}

export const tokenCookiesSent = defineCheck<CookiesSentArgs>({
  kind: 'cookies-sent',
  name: 'browserSendsTokenCookies',
  level: 'MUST',
  ensures: (a) => `the browser sends the cookies ${a.names.join(' and ')} back (their Path and Domain cover the page)`,
  evaluate: (a) => {
    const sent = String(a.request?.request.headers['cookie'] ?? '');
    const names = sent.split(/;\s*/).map((c) => c.split('=')[0]);
    const absent = a.names.filter((n) => !names.includes(n));
    return absent.length ? fail(`not sent: ${absent.join(', ')}`, a.request ? [a.request] : []) : pass(`sent: ${a.names.join(', ')}`, a.request ? [a.request] : []);
  },
});

export interface NoCookiesArgs {
  app: string;
  request?: Exchange;
  /** Cookie names the other app set: none of them may arrive here. */
  foreign: string[];
}

export const noCookiesFromOtherApp = defineCheck<NoCookiesArgs>({
  kind: 'no-sso-cookies',
  name: 'otherAppCookiesNotSent',
  level: 'MUST',
  ensures: (a) => `the browser sends ${a.app} none of the other application's cookies (no SSO in this workflow)`,
  evaluate: (a) => {
    const sent = String(a.request?.request.headers['cookie'] ?? '');
    const names = sent ? sent.split(/;\s*/).map((c) => c.split('=')[0]) : [];
    const leaked = names.filter((n) => a.foreign.includes(n));
    return leaked.length ? fail(`${a.app} received ${leaked.join(', ')}`, a.request ? [a.request] : []) : pass(names.length ? `cookies sent: ${names.join(', ')} (none of the other app's)` : 'no cookies sent', a.request ? [a.request] : []);
  },
});

export interface CookiesUnchangedArgs {
  app: string;
  before: Record<string, string>;
  after: Record<string, string>;
  evidence: Exchange[];
}

export const otherAppCookiesUntouched = defineCheck<CookiesUnchangedArgs>({
  kind: 'other-cookies-untouched',
  name: 'otherAppCookiesUntouched',
  level: 'MUST',
  ensures: (a) => `logging in elsewhere leaves ${a.app}'s cookies as they were`,
  evaluate: (a) => {
    const changed = Object.keys(a.before).filter((k) => a.before[k] !== a.after[k]);
    return changed.length ? fail(`${a.app}'s cookies changed: ${changed.join(', ')}`, a.evidence) : pass(`${a.app}'s cookies unchanged (${Object.keys(a.before).join(', ')})`);
  },
});

export interface CookieReplacedArgs {
  role: string;
  response?: Exchange;
  /** The Set-Cookie that carries the new token, if any. */
  cookie?: SetCookie;
  oldValue?: string;
}

export const tokenCookieReplaced = defineCheck<CookieReplacedArgs>({
  kind: 'jwt-cookie-replaced',
  name: 'refreshedJwtWrittenBack',
  level: 'MUST',
  ensures: (a) => `the response sets the new ${a.role} FusionAuth issued, HttpOnly, in place of the old one`,
  evaluate: (a) => {
    if (!a.cookie) return fail(`no Set-Cookie carries a newly issued ${a.role}`, a.response ? [a.response] : []);
    if (a.cookie.cookie.value === a.oldValue) return fail(`the cookie was set to the old ${a.role} again`, [a.cookie.exchange]);
    if (!a.cookie.cookie.httpOnly) return fail(`${a.cookie.cookie.key} carries the new ${a.role} but is not HttpOnly`, [a.cookie.exchange]);
    return pass(`${a.cookie.cookie.key} set to the new ${a.role}, HttpOnly`, [a.cookie.exchange]);
  },
});

export interface HeldTokenArgs {
  role: string;
  held?: string;
  expected?: string;
  evidence: Exchange[];
}

export const browserHoldsCurrentToken = defineCheck<HeldTokenArgs>({
  kind: 'refresh-token-current',
  name: 'rotatedRefreshTokenStored',
  level: 'MUST',
  ensures: (a) => `the browser's ${a.role} cookie holds the ${a.role} FusionAuth issued last (a OneTimeUse policy rotates it)`,
  evaluate: (a) => {
    if (!a.expected) return fail(`FusionAuth issued no ${a.role} in this step`, a.evidence);
    if (!a.held) return fail(`the browser holds no ${a.role} cookie any more`, a.evidence);
    return outcome(a.held === a.expected, a.held === a.expected ? `holds the latest ${a.role}` : `holds an older ${a.role}, revoked by FusionAuth`, a.evidence);
  },
});
