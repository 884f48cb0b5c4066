import type { Exchange } from '../trace';
import { defineCheck, fail, outcome, pass } from './check';
import { candidates } from './cookie-tokens';
import { type SetCookie, setCookiesOf } from './cookies';
import { showsUser } from './pages';

/** Checks specific to server-side sessions: what reaches the browser, and how ids are made. */

export interface SessionCookieArgs {
  app: string;
  response?: Exchange;
  session?: SetCookie;
  /** Other cookies the same response set (allowed, but reported). */
  others: SetCookie[];
}

export const sessionCookieSet = defineCheck<SessionCookieArgs>({
  kind: 'session-cookie-set',
  name: 'sessionIdKeptInCookie',
  level: 'MUST',
  ensures: (a) => `${a.app} answers the login with a cookie holding the id of its new server-side session`,
  evaluate: (a) => {
    if (!a.session) return fail('the login answer set no session cookie', a.response ? [a.response] : []);
    const extra = a.others.length ? `; also set: ${a.others.map((c) => c.cookie.key).join(', ')}` : '';
    return pass(`session cookie ${a.session.cookie.key}${extra}`, [a.session.exchange]);
  },
});

export interface TokensHiddenArgs {
  actor: string;
  /** Every exchange between the actor and the backends so far. */
  exchanges: Exchange[];
  /** Every token FusionAuth issued so far (the harness knows their values). */
  tokens: string[];
}

export const tokensNotInBrowser = defineCheck<TokensHiddenArgs>({
  kind: 'tokens-not-in-browser',
  name: 'tokensStayOnServer',
  level: 'MUST',
  ensures: (a) => `neither the JWT nor the refresh token FusionAuth issued ever reaches the ${a.actor} (no cookie, header or page holds one)`,
  evaluate: (a) => {
    const leaks: Exchange[] = [];
    const where: string[] = [];
    for (const e of a.exchanges) {
      if (!e.response) continue;
      const headers = JSON.stringify(e.response.headers);
      const body = e.response.body ?? '';
      // A token wrapped inside a cookie value (URL-encoded, j: JSON, base64 JSON…) is in the browser too.
      const wrapped = new Set(setCookiesOf(e).flatMap((c) => candidates(c.cookie.value).map((f) => f.value)));
      for (const t of a.tokens) {
        if (wrapped.has(t) || headers.includes(t) || body.includes(t)) {
          leaks.push(e);
          where.push(`${e.request.method} ${e.request.path} → ${wrapped.has(t) ? 'a Set-Cookie header' : headers.includes(t) ? (/set-cookie/i.test(headers) ? 'a Set-Cookie header' : 'a header') : 'the body'}`);
          break;
        }
      }
    }
    return leaks.length ? fail(`a token FusionAuth issued reached the ${a.actor}: ${where.join('; ')}`, leaks) : pass(`none of ${a.tokens.length} issued tokens appears in ${a.exchanges.length} answers`);
  },
});

export interface NewSessionArgs {
  app: string;
  before?: string;
  after?: string;
  evidence: Exchange[];
}

export const newSessionIdAtLogin = defineCheck<NewSessionArgs>({
  kind: 'new-session-id',
  name: 'sessionIdRenewedAtLogin',
  level: 'SHOULD',
  ensures: (a) => `${a.app} issues a new session id at login, not the one the browser held before (session fixation, ASVS V3.2.1)`,
  evaluate: (a) => {
    if (!a.after) return fail('the browser holds no session cookie after the login', a.evidence);
    if (!a.before) return fail('the browser held no session id before this login, so nothing was proven', a.evidence);
    return outcome(
      a.before !== a.after,
      a.before === a.after ? 'session fixation: the session id the browser holds after login is the one it held before (whoever planted that id now shares the logged-in session)' : 'a new session id was issued',
      a.evidence,
    );
  },
});

export interface EntropyArgs {
  app: string;
  samples: string[];
  minBits: number;
  evidence: Exchange[];
}

export const sessionIdEntropy = defineCheck<EntropyArgs>({
  kind: 'session-id-entropy',
  name: 'sessionIdUnguessable',
  level: 'SHOULD',
  ensures: (a) => `${a.app}'s session ids carry at least ${a.minBits} bits of entropy (estimated over ${a.samples.length} logins)`,
  evaluate: (a) => {
    const est = estimateEntropyBits(a.samples);
    return outcome(est.bits >= a.minBits, `about ${Math.floor(est.bits)} bits: ${est.reason}`, a.evidence);
  },
});

/**
 * A conservative estimate of the entropy of tokens from a few samples: the part that is
 * not common to every sample (prefix and suffix), times the bits per character of the
 * alphabet the samples use. Duplicates or small numeric steps (a counter) estimate as
 * almost nothing. Hand-written: no npm package estimates token entropy from samples.
 */
export function estimateEntropyBits(samples: string[]): { bits: number; reason: string } {
  if (samples.length < 2) return { bits: 0, reason: 'fewer than two samples' };
  if (new Set(samples).size < samples.length) return { bits: 0, reason: 'the same id was issued twice' };
  const prefix = commonPrefix(samples);
  const rest = samples.map((s) => s.slice(prefix.length));
  const suffix = commonPrefix(rest.map((s) => [...s].reverse().join('')));
  const varying = rest.map((s) => s.slice(0, s.length - suffix.length));
  const numbers = varying.map((v) => (/^\d+$/.test(v) ? Number(v) : NaN));
  if (numbers.every((n) => Number.isFinite(n))) {
    const sorted = [...numbers].sort((x, y) => x - y);
    const maxStep = Math.max(...sorted.slice(1).map((n, i) => n - sorted[i]));
    if (maxStep < 1 << 16) return { bits: Math.log2(maxStep + 1), reason: `sequential: consecutive ids differ by at most ${maxStep}` };
  }
  const chars = new Set(varying.join(''));
  const alphabet = alphabetSize(chars);
  const len = Math.min(...varying.map((v) => v.length));
  return { bits: len * Math.log2(alphabet), reason: `${len} varying characters from an alphabet of ${alphabet}${prefix ? ` after the common prefix "${prefix}"` : ''}` };
}

function commonPrefix(xs: string[]): string {
  let p = xs[0] ?? '';
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

function alphabetSize(chars: Set<string>): number {
  const all = [...chars].join('');
  let n = 0;
  if (/[0-9]/.test(all)) n += 10;
  if (/^[0-9a-f]*$/.test(all)) return Math.max(n, 16);
  if (/^[0-9A-F]*$/.test(all)) return Math.max(n, 16);
  if (/[a-z]/.test(all)) n += 26;
  if (/[A-Z]/.test(all)) n += 26;
  n += new Set(all.replace(/[0-9a-zA-Z]/g, '')).size;
  return Math.max(n, 2);
}

export interface SlidingArgs {
  app: string;
  page: string;
  user: string;
  /** The text that proves a load showed the user's page (see `pageShowsUser`). */
  proof: string;
  ttlMs: number;
  loginAt: number;
  /** Each load of the page: when (world clock, ms) and what came back. */
  loads: { at: number; exchange: Exchange }[];
}

export const sessionExtendedOnUse = defineCheck<SlidingArgs>({
  kind: 'session-extended',
  name: 'sessionSlidesOnUse',
  level: 'MUST',
  ensures: (a) => `each use extends ${a.app}'s session: loads spaced under the TTL (${a.ttlMs} ms) keep showing ${a.user}'s ${a.page} past the TTL counted from login`,
  evaluate: (a) => {
    if (!a.loads.length) return fail('no load was made');
    const lastAt = a.loads[a.loads.length - 1].at - a.loginAt;
    if (lastAt <= a.ttlMs) return fail(`the last load was only ${lastAt} ms after login: nothing proven`);
    const bad = a.loads.find((l) => !showsUser({ page: a.page, user: a.user, proof: a.proof, response: l.exchange }));
    if (bad) return fail(`${bad.at - a.loginAt} ms after login (under the TTL since the previous use) the ${a.page} was not shown: ${bad.exchange.response?.status ?? bad.exchange.error}`, [bad.exchange]);
    return pass(`${a.loads.length} loads at ${a.loads.map((l) => `${l.at - a.loginAt} ms`).join(', ')} after login all showed the ${a.page}`, a.loads.map((l) => l.exchange));
  },
});
