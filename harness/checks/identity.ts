import { findLinks, parseForms } from '../browser/html';
import { type Exchange, header, headerAll } from '../trace';
import { defineCheck, fail, notApplicable, pass } from './check';
import type { SetCookie } from './cookies';
import { redirectTarget, showsUser } from './pages';
import { type AppRun, playedByKit } from './spa';

/**
 * Checks a security reviewer makes on any backend of these workflows, whatever the diagram
 * draws for one user on the happy path: what a backend shows belongs to the holder of the
 * credential it was sent (two users, two browsers); a failed login creates nothing; and no
 * secret travels in a URL (URLs end up in logs, histories, Referer headers and proxies).
 */

// ---- identity binding ---------------------------------------------------------------

export interface HolderArgs {
  /** What was loaded, e.g. "store shopping cart" or "store API". */
  what: string;
  /** The user whose browser sent the credential. */
  holder: string;
  /** The other user, logged in in the other browser. */
  other: string;
  /** Text that proves the answer is the holder's / the other user's. */
  holderProof: string;
  otherProof: string;
  /** When, e.g. "after bob@example.com logged in" or "after a refresh". */
  when: string;
  response?: Exchange;
}

function holderOutcome(a: HolderArgs) {
  const ev = a.response ? [a.response] : [];
  const st = a.response?.response?.status;
  if (st === undefined) return fail(`no answer: ${a.response?.error ?? 'no request was made'}`, ev);
  const body = a.response?.response?.body ?? '';
  const others = body.includes(a.otherProof) || body.includes(a.other);
  if (others) return fail(`${st}: the answer to ${a.holder}'s browser shows ${a.other}'s data ("${body.includes(a.otherProof) ? a.otherProof : a.other}")`, ev);
  if (!showsUser({ page: a.what, user: a.holder, proof: a.holderProof, response: a.response })) {
    return fail(`${st}${st >= 300 && st < 400 ? ` to ${redirectTarget(a.response)}` : ''}: the answer to ${a.holder}'s browser does not contain "${a.holderProof}" (${a.other} is logged in in another browser)`, ev);
  }
  return pass(`${st}: ${a.holder}'s data ("${a.holderProof}"), nothing of ${a.other}'s`, ev);
}

const holderCheck = (kind: string, name: string) =>
  defineCheck<HolderArgs>({
    kind,
    name,
    level: 'MUST',
    ensures: (a) => `the ${a.what} loaded with ${a.holder}'s credential ${a.when} is ${a.holder}'s, never ${a.other}'s (who is logged in in another browser)`,
    evaluate: holderOutcome,
  });

/** A webapp page answered for the holder of the cookies it was sent. */
export const pageIsHolders = holderCheck('page-is-holders', 'pageBelongsToCredentialHolder');
/** An SPA's API answered for the holder of the JWT it was sent. */
export const apiIsHolders = holderCheck('api-is-holders', 'apiAnswersForJwtHolder');

export interface QueryCredentialArgs {
  what: string;
  holder: string;
  proof: string;
  /** The query parameters offered, e.g. ["sid", "session"]; their values are secrets. */
  params: string[];
  response?: Exchange;
}

/** A session id or JWT offered in the query string (no cookie, no Authorization) opens nothing. */
export const queryCredentialRefused = defineCheck<QueryCredentialArgs>({
  kind: 'query-credential-refused',
  name: 'credentialInQueryStringRefused',
  level: 'MUST',
  ensures: (a) => `a request that carries ${a.holder}'s credential only in the query string (${a.params.join(', ')}) does not get the ${a.what} of ${a.holder}`,
  evaluate: (a) => {
    const ev = a.response ? [a.response] : [];
    const st = a.response?.response?.status;
    if (st === undefined) return fail(`no answer: ${a.response?.error ?? 'no request was made'}`, ev);
    return showsUser({ page: a.what, user: a.holder, proof: a.proof, response: a.response })
      ? fail(`${st}: the ${a.what} of ${a.holder} was shown: the backend accepted a credential from the query string`, ev)
      : pass(`${st}: not shown`, ev);
  },
});

// ---- failed logins --------------------------------------------------------------------

export interface FailedLoginArgs {
  /** e.g. "locked@example.com with the right password". */
  attempt: string;
  /** What FusionAuth answered the backend (or the app), or why it was not asked. */
  fusionauth: string;
  /** The answers to the attempt (the submission and any redirects it caused). */
  answers: Exchange[];
  /** Cookies the answers set that carry a login: FusionAuth's tokens, a session id. */
  credentials: { cookie: SetCookie; why: string }[];
}

export const failedLoginNoCredential = defineCheck<FailedLoginArgs>({
  kind: 'failed-login-no-credential',
  name: 'failedLoginSetsNoCredential',
  level: 'MUST',
  ensures: (a) => `a failed login (${a.attempt}; FusionAuth: ${a.fusionauth}) sets no JWT, refresh-token or session cookie`,
  evaluate: (a) => {
    if (!a.answers.length) return fail('the login was not submitted', []);
    if (a.credentials.length) return fail(`set ${a.credentials.map((c) => `${c.cookie.cookie.key} (${c.why})`).join(', ')}`, [...new Set(a.credentials.map((c) => c.cookie.exchange))]);
    return pass(`no credential cookie in ${a.answers.length} answer(s) (${a.answers.map((e) => e.response?.status ?? e.error).join(', ')})`, a.answers);
  },
});

export interface NoAccessArgs {
  attempt: string;
  what: string;
  user: string;
  proof: string;
  response?: Exchange;
}

export const failedLoginNoAccess = defineCheck<NoAccessArgs>({
  kind: 'failed-login-no-access',
  name: 'failedLoginOpensNothing',
  level: 'MUST',
  ensures: (a) => `after a failed login (${a.attempt}) the ${a.what} is not shown`,
  evaluate: (a) => {
    const ev = a.response ? [a.response] : [];
    const st = a.response?.response?.status;
    if (st === undefined) return fail(`no answer: ${a.response?.error ?? 'no request was made'}`, ev);
    if (showsUser({ page: a.what, user: a.user, proof: a.proof, response: a.response })) return fail(`${st}: the ${a.what} of ${a.user} was shown`, ev);
    return pass(`${st}${st >= 300 && st < 400 ? ` to ${redirectTarget(a.response)}` : ''}: not shown`, ev);
  },
});

export interface ExplainedArgs {
  attempt: string;
  /** The final answer the browser got (redirects followed). */
  response?: Exchange;
  /** Text of the login page before the attempt, to tell an error message from the page's own text. */
  before: string;
}

/** Visible text of an HTML page (tags dropped), one entry per line of text. */
export function textLines(html: string): string[] {
  return html
    .replace(/<(script|style|template)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, '\n')
    .split('\n')
    .map((s) => s.replace(/&[a-z#0-9]+;/gi, ' ').replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

export const failedLoginExplained = defineCheck<ExplainedArgs>({
  kind: 'failed-login-explained',
  name: 'failedLoginSaysWhy',
  level: 'SHOULD',
  ensures: (a) => `a failed login (${a.attempt}) is answered with the login page (or its JSON equivalent) and an error message, not a server error`,
  evaluate: (a) => {
    const r = a.response;
    const ev = r ? [r] : [];
    const st = r?.response?.status;
    if (st === undefined) return fail(`no answer: ${r?.error ?? 'no request was made'}`, ev);
    if (st >= 500) return fail(`answered ${st}, a server error`, ev);
    const body = r!.response!.body ?? '';
    const type = String(header(r!.response!.headers, 'content-type') ?? '');
    if (/json/i.test(type)) {
      let keys: string[] = [];
      try {
        keys = Object.keys(JSON.parse(body) ?? {});
      } catch {
        /* not JSON after all */
      }
      const ok = st >= 400 && keys.some((k) => /error|message|reason/i.test(k));
      return ok ? pass(`${st} JSON with ${keys.join(', ')}`, ev) : fail(`${st} JSON without an error field (keys: ${keys.join(', ') || 'none'})`, ev);
    }
    const url = `http://${r!.request.host}${r!.request.path}`;
    const form = parseForms(body, url).some((f) => f.fields.some((x) => x.type === 'password'));
    if (!form) return fail(`${st}: the answer has no login form`, ev);
    const seen = new Set(textLines(a.before));
    const added = textLines(body).filter((l) => !seen.has(l));
    if (!added.length) return fail(`${st}: the login page again, but with no message the plain login page lacks`, ev);
    return pass(`${st}: the login form again, with "${added.slice(0, 2).join(' ').slice(0, 120)}"`, ev);
  },
});

export interface SpaFailedLoginArgs extends AppRun {
  attempt: string;
  fusionauth: string;
  /** Local storage of the app's origin after the attempt. */
  storage: Record<string, string>;
  /** Tokens FusionAuth issued (any stored one is a credential kept). */
  tokens: string[];
  evidence: Exchange[];
}

export const spaFailedLoginStoresNothing = defineCheck<SpaFailedLoginArgs>({
  kind: 'failed-login-no-credential',
  name: 'failedLoginStoresNothing',
  level: 'MUST',
  ensures: (a) => `after a failed login (${a.attempt}; FusionAuth: ${a.fusionauth}) the app keeps no token in local storage`,
  evaluate: (a) => {
    const na = playedByKit(a);
    if (na) return na;
    const issued = new Set(a.tokens);
    const kept = Object.entries(a.storage).filter(([, v]) => issued.has(v) || /^eyJ[\w-]*\.[\w-]*\./.test(v));
    return kept.length ? fail(`local storage holds ${kept.map(([k]) => k).join(', ')}`, a.evidence) : pass(`local storage: ${Object.keys(a.storage).join(', ') || 'empty'}`, a.evidence);
  },
});

export interface SpaExplainedArgs extends AppRun {
  attempt: string;
  /** What the browser shows after the attempt: a login form (an observation of the page). */
  formShown: boolean;
  /** The page's text before the attempt and after it, one line per line. */
  before: string;
  after: string;
  /** The calls to FusionAuth since the attempt (none: the browser's own form validation stopped a blank field). */
  calls: Exchange[];
}

export const spaFailedLoginExplained = defineCheck<SpaExplainedArgs>({
  kind: 'failed-login-explained',
  name: 'failedLoginFormShownWithError',
  level: 'SHOULD',
  ensures: (a) => `after a failed login (${a.attempt}) the app shows its login form again, with an error message`,
  evaluate: (a) => {
    const na = playedByKit(a);
    if (na) return na;
    if (!a.formShown) return fail('the app shows no login form', a.calls);
    if (!a.calls.some((e) => e.request.method === 'POST')) return pass('the login form is still shown; the browser did not send the incomplete form', a.calls);
    const seen = new Set(a.before.split('\n').map((l) => l.trim()));
    const added = a.after.split('\n').map((l) => l.trim()).filter((l) => l && !seen.has(l));
    if (!added.length) return fail('the login form again, but with no message it did not show before', a.calls);
    return pass(`the login form again, with "${added.join(' ').slice(0, 120)}"`, a.calls);
  },
});

// ---- secrets in URLs --------------------------------------------------------------------

export interface UrlSecrets {
  /** Passwords the users have (found as a query or fragment parameter value). */
  passwords: string[];
  /** JWTs and refresh tokens FusionAuth issued. */
  tokens: string[];
  /** Cookie values the backends set (session ids among them). */
  sessionIds: string[];
}

export interface UrlLeak {
  exchange: Exchange;
  /** "request line", "Location header", "link", "form action", "login form with method GET". */
  where: string;
  /** "password", "JWT or refresh token", "session id". */
  what: string;
  url: string;
}

/** Parameter values of a URL's query and fragment (decoded). */
function paramValues(url: string): string[] {
  const out: string[] = [];
  const q = url.indexOf('?');
  const h = url.indexOf('#');
  const parts = [q >= 0 ? url.slice(q + 1, h > q ? h : undefined) : '', h >= 0 ? url.slice(h + 1) : ''];
  for (const p of parts) {
    if (!p) continue;
    for (const [, v] of new URLSearchParams(p)) out.push(v);
    // Path-style parameters (;jsessionid=...) too.
  }
  for (const m of url.matchAll(/;[^=;/?#]+=([^;/?#]*)/g)) out.push(safeDecode(m[1]));
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** What secret a URL carries, if any: a password as a parameter value, a token or session id anywhere in it. */
export function secretInUrl(url: string, s: UrlSecrets): string | undefined {
  const values = paramValues(url);
  const decoded = safeDecode(url);
  const inUrl = (v: string) => (v.length >= 16 ? url.includes(v) || decoded.includes(v) : values.includes(v));
  if (s.passwords.some((p) => p && values.includes(p))) return 'password';
  if (s.tokens.some((t) => t && inUrl(t))) return 'JWT or refresh token';
  if (s.sessionIds.some((t) => t && t.length >= 6 && inUrl(t))) return 'session id';
  return undefined;
}

/** Every place in these exchanges where a secret rides in a URL. */
export function urlLeaks(exchanges: readonly Exchange[], s: UrlSecrets): UrlLeak[] {
  const out: UrlLeak[] = [];
  for (const e of exchanges) {
    const base = `http://${e.request.host}${e.request.path}`;
    const line = secretInUrl(e.request.path, s);
    if (line) out.push({ exchange: e, where: 'request line', what: line, url: `${e.request.method} ${e.request.path}` });
    const loc = header(e.response?.headers, 'location');
    const inLoc = loc ? secretInUrl(loc, s) : undefined;
    if (loc && inLoc) out.push({ exchange: e, where: 'Location header', what: inLoc, url: loc });
    const type = String(header(e.response?.headers, 'content-type') ?? '');
    const body = e.response?.body;
    if (!body || !/html/i.test(type)) continue;
    for (const l of findLinks(body, base)) {
      const w = secretInUrl(l.href, s);
      if (w) out.push({ exchange: e, where: 'link', what: w, url: l.href });
    }
    for (const f of parseForms(body, base)) {
      const w = secretInUrl(f.action, s);
      if (w) out.push({ exchange: e, where: 'form action', what: w, url: f.action });
      // Only a form's own explicit method="get" is judged from the page (not another form's,
      // such as a search form's): a form without a method may be an app's, sent by its script
      // (the request line shows what was really sent).
      if (f.methodAttribute === 'get' && f.fields.some((x) => x.type === 'password')) out.push({ exchange: e, where: 'login form with method GET (the browser puts the password in the URL)', what: 'password', url: `GET ${f.action}` });
    }
  }
  return out;
}

export interface UrlLeakArgs {
  /** "the password" or "a JWT, refresh token or session id". */
  secret: string;
  leaks: UrlLeak[];
  /** How many exchanges were looked at. */
  examined: number;
}

const urlCheck = (kind: string, name: string) =>
  defineCheck<UrlLeakArgs>({
    kind,
    name,
    level: 'MUST',
    ensures: (a) => `${a.secret} never appears in a URL: a request line, a Location header, a link or a form action (URLs end up in logs, history and Referer headers)`,
    evaluate: (a) => {
      if (!a.examined) return notApplicable('no exchange in this scenario');
      if (!a.leaks.length) return pass(`none in the ${a.examined} exchange(s) of the scenario`);
      // Parameter names only: the values are the secrets (and "password=…" would meet the redactor).
      const first = a.leaks.slice(0, 3).map((l) => `${l.what} in the ${l.where} of #${l.exchange.seq} (${l.url.replace(/=[^&#;]*/g, '')})`);
      return fail(`${first.join('; ')}${a.leaks.length > 3 ? ` and ${a.leaks.length - 3} more` : ''}`, [...new Set(a.leaks.map((l) => l.exchange))]);
    },
  });

export const passwordNotInUrl = urlCheck('password-not-in-url', 'passwordNeverInUrl');
export const tokenNotInUrl = urlCheck('token-not-in-url', 'tokensAndSessionIdsNeverInUrl');

/**
 * Values (non-empty) of the credential cookies app answers set: the session ids. Credential
 * cookies are the ones the scenario learned carry the login (`names`), or whose name says so;
 * other cookies (a CSRF double-submit token may rightly ride in a form action) are not secrets here.
 */
export function cookieValuesSet(exchanges: readonly Exchange[], isApp: (participant: string) => boolean, names: readonly string[] = []): string[] {
  const out = new Set<string>();
  for (const e of exchanges) {
    if (!isApp(e.to)) continue;
    for (const raw of headerAll(e.response?.headers, 'set-cookie')) {
      const m = /^\s*([^=;]+)=([^;]*)/.exec(raw);
      if (!m) continue;
      const name = m[1].trim();
      const v = safeDecode(m[2].replace(/^"|"$/g, ''));
      if (v && (names.includes(name) || /sess|sid|auth|token|jwt/i.test(name))) out.add(v);
    }
  }
  return [...out];
}
