import { parse } from 'node-html-parser';
import { type Exchange, header } from '../trace';
import { type Outcome, defineCheck, fail, notApplicable, pass } from './check';
import { candidates } from './cookie-tokens';
import { setCookiesOf } from './cookies';
import { textLines } from './identity';
import { codeOf, isCodeExchange } from './oauth';
import { showsUser } from './pages';

/**
 * What RFC 9700 (OAuth 2.0 Security Best Current Practice) asks of a confidential web client
 * at its redirection endpoint and around it: a callback URL that leaks (Referer, history) or is
 * replayed logs nobody else in, an injected code is caught by PKCE or the nonce, an error
 * response never becomes a session, the client is no open redirector, and the tokens stay out
 * of its pages. Each is judged on the wire of a probe the flow makes, and needs its positive
 * control (the same user's ordinary login in the run) before a "not logged in" counts.
 */

function evidence(...es: (Exchange | undefined)[]): Exchange[] {
  return [...new Set(es.filter((e): e is Exchange => !!e))];
}

function statusOf(e: Exchange | undefined): string {
  const st = e?.response?.status;
  const loc = header(e?.response?.headers, 'location');
  return st === undefined ? (e?.error ?? 'no answer') : `${st}${loc ? ` to ${loc}` : ''}`;
}

export interface ReplayArgs {
  app: string;
  /** The user whose login the callback URL completed. */
  user: string;
  proof: string;
  /** What was replayed and where, e.g. "alice's used callback URL, opened in the hacker's browser". */
  replay: string;
  /** The replayed callback request. */
  callback?: Exchange;
  /** The user page loaded after it, by the browser that replayed. */
  after?: Exchange;
  /** Positive control: the user's page after the original login. */
  control?: Exchange;
}

/** A "not logged in as `user`" after a probe, with its positive control and no crash taken for a refusal. */
function notLoggedIn(a: { app: string; user: string; proof: string; after?: Exchange; control?: Exchange }, what: string, evidenceOf: Exchange[]): Outcome {
  if (!showsUser({ page: 'control', user: a.user, proof: a.proof, response: a.control })) {
    return notApplicable(`not judged: no ordinary login of ${a.user} in this run showed "${a.proof}" (no positive control)`, evidenceOf);
  }
  const st = a.after?.response?.status;
  if (st === undefined) return notApplicable(`inconclusive: no answer to the page after ${what} (${a.after?.error ?? 'no request was made'})`, evidenceOf);
  if (st >= 500) return notApplicable(`inconclusive: ${a.app} answered ${st} after ${what} (a crash is not a refusal)`, evidenceOf);
  if (showsUser({ page: 'page', user: a.user, proof: a.proof, response: a.after })) return fail(`${what} logged the browser in as ${a.user}: ${statusOf(a.after)} with "${a.proof}"`, evidenceOf);
  return pass(`${what}: ${statusOf(a.after)}, not ${a.user}'s page (which the ordinary login showed)`, evidenceOf);
}

export const callbackReplayRefused = defineCheck<ReplayArgs>({
  kind: 'callback-replay-refused',
  name: 'usedCallbackUrlLogsNobodyIn',
  level: 'MUST',
  ensures: (a) => `${a.replay} does not log that browser in as ${a.user} (a callback URL leaks through Referer and history: RFC 9700 §4.2, §4.3.1; RFC 6749 §4.1.2, §10.5 single-use codes)`,
  evaluate: (a) => (a.callback ? notLoggedIn(a, a.replay, evidence(a.callback, a.after)) : fail(`the replay (${a.replay}) was not made`)),
});

export interface StateReuseArgs {
  app: string;
  caller: string;
  /** The used callback URL requested again by the same browser. */
  callback?: Exchange;
  /** Every exchange the replay caused (the backend's token calls among them). */
  exchanges: Exchange[];
  /** The code of the replayed callback. */
  code?: string;
}

export const stateSingleUse = defineCheck<StateReuseArgs>({
  kind: 'state-single-use',
  name: 'stateInvalidatedAfterUse',
  level: 'SHOULD',
  ensures: (a) => `${a.app} invalidates a state at its first use: the same callback URL requested again is refused without a second code exchange (RFC 9700 §4.2.4)`,
  evaluate: (a) => {
    if (!a.callback) return fail('the used callback URL was not requested again');
    if (!a.code) return notApplicable('the callback URL carried no code', [a.callback]);
    const again = a.exchanges.filter((e) => e.from === a.caller && isCodeExchange(e) && codeOf(e) === a.code);
    if (again.length) return fail(`the state was accepted again: ${a.caller} presented the spent code to FusionAuth once more (FusionAuth answered ${again.map((e) => e.response?.status ?? e.error).join(', ')})`, evidence(a.callback, ...again));
    return pass(`refused without a code exchange: ${statusOf(a.callback)}`, [a.callback]);
  },
});

export interface InjectionArgs {
  app: string;
  /** Whose code was injected (the attacker's account). */
  attacker: string;
  attackerProof: string;
  /** The victim browser's callback: the attacker's code with the victim's own state. */
  callback?: Exchange;
  after?: Exchange;
  /** Positive control: a page of the attacker's account as an ordinary login shows it. */
  control?: Exchange;
}

export const codeInjectionRefused = defineCheck<InjectionArgs>({
  kind: 'code-injection-refused',
  name: 'injectedCodeRefused',
  level: 'MUST',
  ensures: (a) => `a code issued to ${a.attacker}'s login, injected into this browser's callback with this browser's own state, does not log it in as ${a.attacker} (RFC 9700 §2.1.1: clients MUST prevent code injection; the PKCE challenge or nonce MUST be bound to the transaction and the user agent; §4.5)`,
  evaluate: (a) => (a.callback ? notLoggedIn({ app: a.app, user: a.attacker, proof: a.attackerProof, after: a.after, control: a.control }, `the injected code of ${a.attacker}`, evidence(a.callback, a.after)) : fail('the injected callback was not made')),
});

export interface ErrorCallbackArgs {
  app: string;
  user: string;
  proof: string;
  /** e.g. "access_denied". */
  error: string;
  /** The browser's callback carrying error=…&state=… (from FusionAuth's redirect). */
  callback?: Exchange;
  /** The page the browser ended on (after the app's redirects), and then the user page. */
  landing?: Exchange;
  after?: Exchange;
  control?: Exchange;
  /** The app's login page as an anonymous browser sees it (to tell an added message). */
  plainLogin?: string;
}

export const errorCallbackNoLogin = defineCheck<ErrorCallbackArgs>({
  kind: 'error-callback-no-login',
  name: 'errorResponseNeverLogsIn',
  level: 'MUST',
  ensures: (a) => `a callback with error=${a.error} (FusionAuth refused the login) never logs ${a.user} in (RFC 6749 §4.1.2.1; OIDC Core 3.1.2.6)`,
  evaluate: (a) => (a.callback ? notLoggedIn(a, `the error=${a.error} callback`, evidence(a.callback, a.after)) : fail('the error callback was not made')),
});

export const errorCallbackExplained = defineCheck<ErrorCallbackArgs>({
  kind: 'error-callback-explained',
  name: 'errorResponseExplained',
  level: 'SHOULD',
  ensures: (a) => `a callback with error=${a.error} is answered with a page that says the login failed (an error page, or the login page with a message), never a server error (RFC 6749 §4.1.2.1)`,
  evaluate: (a) => {
    const e = a.landing ?? a.callback;
    if (!a.callback) return fail('the error callback was not made');
    const st = e?.response?.status;
    if (st === undefined) return fail(`no answer: ${e?.error ?? 'no request was made'}`, evidence(a.callback, e));
    if (st >= 500) return fail(`answered ${st}, a server error`, evidence(a.callback, e));
    if (st >= 300 && st < 400) return fail(`ended on a redirect (${statusOf(e)}) that was not followed to a page`, evidence(a.callback, e));
    const seen = new Set(textLines(a.plainLogin ?? ''));
    const added = textLines(e!.response!.body ?? '').filter((l) => !seen.has(l));
    const says = added.find((l) => /error|fail|denied|refus|could not|couldn't|cancel|not (be )?complete|unable|sorry/i.test(l));
    if (!says) return fail(`${st}: the page says nothing about the failed login${added.length ? ` ("${added.slice(0, 2).join(' ').slice(0, 100)}")` : ''}`, evidence(a.callback, e));
    return pass(`${st}: "${says.slice(0, 120)}"`, evidence(a.callback, e));
  },
});

export interface OpenRedirectArgs {
  app: string;
  /** The app's own hosts (and FusionAuth's), where a redirect may go. */
  allowedHosts: string[];
  /** The return-to parameter the kit found (or config named), if any. */
  param?: string;
  /** Positive control: a login with param=<an on-site path> ended on that path (the mechanism works). */
  control?: { target: string; landed?: Exchange };
  /** Each off-site attempt: the target offered and every redirect the browser followed after it. */
  attempts: { target: string; redirects: Exchange[] }[];
}

export const noOpenRedirect = defineCheck<OpenRedirectArgs>({
  kind: 'no-open-redirect',
  name: 'noOpenRedirector',
  level: 'MUST',
  ensures: (a) => `${a.app} never sends the browser off-site to a URL taken from a query parameter${a.param ? ` (${a.param})` : ''}, before or after login (RFC 9700 §2.1 and §4.11.1: clients MUST NOT expose open redirectors; ASVS 4.0 V5.1.5)`,
  evaluate: (a) => {
    if (!a.param) return notApplicable(`${a.app} has no return-to parameter the kit could find (none in its login redirect, none of the common names honoured); name it in the config to have it judged`);
    const landedPath = a.control?.landed ? `${a.control.landed.request.path.split('?')[0]}` : undefined;
    if (!a.control || landedPath !== a.control.target) return notApplicable(`not judged: ${a.param}=${a.control?.target ?? '(an on-site path)'} did not bring the browser back there after login${landedPath ? ` (it landed on ${landedPath})` : ''}, so the parameter is not proven to steer redirects (no positive control)`, evidence(a.control?.landed));
    for (const at of a.attempts) {
      for (const r of at.redirects) {
        const loc = header(r.response?.headers, 'location');
        if (!loc) continue;
        let host: string;
        try {
          host = new URL(loc, `http://${r.request.host}${r.request.path}`).host;
        } catch {
          continue;
        }
        if (!a.allowedHosts.includes(host)) return fail(`${a.param}=${at.target} sent the browser to ${loc} (${r.request.host} answered ${r.response?.status})`, evidence(...at.redirects));
      }
    }
    return pass(`${a.param} steers the browser on-site (${a.control.target}); ${a.attempts.map((x) => x.target).join(', ')} never left ${a.allowedHosts.join(', ')}`, evidence(a.control.landed, ...a.attempts.flatMap((x) => x.redirects)));
  },
});

export interface CallbackPageArgs {
  app: string;
  /** The app's answer to the callback (the authorization response URL, code in it). */
  callback?: Exchange;
  /** Hosts that are not third parties: the app's own, FusionAuth's. */
  ownHosts: string[];
}

/** Third-party resources and links of a page, as absolute URLs on other hosts. */
export function thirdPartyUrls(html: string, base: string, ownHosts: string[]): string[] {
  const root = parse(html, { comment: false });
  const out: string[] = [];
  for (const [sel, attr] of [['script[src]', 'src'], ['img[src]', 'src'], ['iframe[src]', 'src'], ['link[href]', 'href'], ['a[href]', 'href'], ['source[src]', 'src']] as const) {
    for (const el of root.querySelectorAll(sel)) {
      try {
        const u = new URL(el.getAttribute(attr) ?? '', base);
        if (/^https?:$/.test(u.protocol) && !ownHosts.includes(u.host)) out.push(u.href);
      } catch {
        /* not a URL: nothing loaded from it */
      }
    }
  }
  return out;
}

export const callbackNoThirdParty = defineCheck<CallbackPageArgs>({
  kind: 'callback-no-third-party',
  name: 'callbackPageLeaksNoCode',
  level: 'SHOULD',
  ensures: (a) => `the page ${a.app} renders at its redirection endpoint (the code and state in its URL) loads no third-party resource and links to no external site, unless it suppresses the Referer (RFC 9700 §4.2.4)`,
  evaluate: (a) => {
    const e = a.callback;
    const st = e?.response?.status;
    if (!e || st === undefined) return notApplicable(`not judged: the callback was not answered (${e?.error ?? 'no request was made'})`, evidence(e));
    if (st >= 300 && st < 400) return pass(`answered ${statusOf(e)}: no page is rendered at the URL with the code`, [e]);
    const policy = String(header(e.response!.headers, 'referrer-policy') ?? '') || /<meta[^>]+name=["']?referrer["']?[^>]*content=["']?([\w-]+)/i.exec(e.response!.body ?? '')?.[1] || '';
    const third = thirdPartyUrls(e.response!.body ?? '', `http://${e.request.host}${e.request.path}`, a.ownHosts);
    if (!third.length) return pass(`${st}: a page with no third-party resource or link`, [e]);
    if (/^(no-referrer|same-origin|strict-origin|origin)$/i.test(policy.split(',').pop()!.trim())) return pass(`${st}: ${third.length} third-party URL(s), but Referrer-Policy ${policy} keeps the code out of their Referer`, [e]);
    return fail(`${st}: the page at the callback URL (code and state in it) loads or links ${third.slice(0, 3).join(', ')}${third.length > 3 ? ` and ${third.length - 3} more` : ''} without a Referrer-Policy`, [e]);
  },
});

export interface TokensInPagesArgs {
  actor: string;
  /** Every answer of the app to the browser. */
  exchanges: Exchange[];
  /** Every token FusionAuth issued (values). */
  tokens: string[];
}

export const tokensNotInPages = defineCheck<TokensInPagesArgs>({
  kind: 'tokens-not-in-pages',
  name: 'tokensOnlyInHttpOnlyCookies',
  level: 'MUST',
  ensures: (a) => `no token FusionAuth issued reaches the ${a.actor} other than in an HttpOnly cookie: no page body, no other header, no script-readable cookie (the diagram keeps them in HttpOnly cookies, out of reach of JavaScript)`,
  evaluate: (a) => {
    if (!a.tokens.length) return notApplicable('FusionAuth issued no token in this scenario');
    for (const e of a.exchanges) {
      if (!e.response) continue;
      // A token in a cookie script can read is out of HttpOnly's protection, whatever other cookie holds it too.
      const readable = setCookiesOf(e).filter((c) => !c.cookie.httpOnly).flatMap((c) => candidates(c.cookie.value).map((f) => f.value));
      const headers = JSON.stringify(Object.fromEntries(Object.entries(e.response.headers).filter(([k]) => k.toLowerCase() !== 'set-cookie')));
      const body = e.response.body ?? '';
      for (const t of a.tokens) {
        const where = body.includes(t) ? 'the page body' : headers.includes(t) ? 'a response header' : readable.includes(t) ? 'a cookie without HttpOnly' : undefined;
        if (where) return fail(`a token FusionAuth issued is in ${where} of ${e.request.method} ${e.request.path.split('?')[0]} (${e.response.status})`, [e]);
      }
    }
    return pass(`none of ${a.tokens.length} issued tokens outside HttpOnly cookies in ${a.exchanges.length} answers`);
  },
});
