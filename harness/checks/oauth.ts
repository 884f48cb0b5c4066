import { type Exchange, header, headerAll } from '../trace';
import { defineCheck, fail, notApplicable, pass } from './check';
import { type SetCookie } from './cookies';
import { showsUser } from './pages';

/**
 * Checks of the OAuth authorization-code workflows (webapp-oauth-code-sessions and
 * webapp-oauth-code-jwt-cookies) beyond what the diagrams draw: what a reviewer of an OAuth
 * client looks at (RFC 6749 §10.6, §10.12; RFC 7636; RFC 9700; OIDC Core 3.1.3.7). Each is
 * judged on the wire the kit saw: the browser's authorize request and callback, the backend's
 * token call (journalled by the FusionAuth double), and the pages that followed.
 */

// ---- reading the wire ---------------------------------------------------------------

/** Query parameters of an exchange's request. */
export function queryOf(e: Exchange | undefined): URLSearchParams {
  if (!e) return new URLSearchParams();
  const q = e.request.path.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : e.request.path.slice(q + 1));
}

/** Form parameters of a request body (application/x-www-form-urlencoded). */
export function formOf(e: Exchange | undefined): URLSearchParams {
  const type = header(e?.request.headers, 'content-type') ?? '';
  if (!e?.request.body || (type && !/x-www-form-urlencoded/i.test(type))) return new URLSearchParams();
  return new URLSearchParams(e.request.body);
}

function pathOf(e: Exchange): string {
  return e.request.path.split('?')[0];
}

/** A request to FusionAuth's authorize endpoint (GET: the authorization request; POST: the hosted form). */
export function isAuthorizeCall(e: Exchange, method: 'GET' | 'POST' = 'GET'): boolean {
  return e.to === 'FusionAuth' && e.request.method === method && pathOf(e) === '/oauth2/authorize';
}

/** A code exchange: POST /oauth2/token with grant_type=authorization_code (in the body or, wrongly, the query). */
export function isCodeExchange(e: Exchange): boolean {
  if (e.to !== 'FusionAuth' || e.request.method !== 'POST' || pathOf(e) !== '/oauth2/token') return false;
  return (formOf(e).get('grant_type') ?? queryOf(e).get('grant_type')) === 'authorization_code';
}

/** The code a code exchange carried. */
export function codeOf(e: Exchange): string | undefined {
  return formOf(e).get('code') ?? queryOf(e).get('code') ?? undefined;
}

/** The client id a token call authenticated with: Basic header, else the body. */
export function clientAuthOf(e: Exchange): { method: 'client_secret_basic' | 'client_secret_post' | 'none'; clientId?: string; secret?: string } {
  const auth = header(e.request.headers, 'authorization');
  const basic = auth && /^Basic\s+(\S+)/i.exec(auth)?.[1];
  if (basic) {
    const [id, ...rest] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    return { method: 'client_secret_basic', clientId: decodeURIComponent(id), secret: decodeURIComponent(rest.join(':')) };
  }
  const f = formOf(e);
  if (f.get('client_secret')) return { method: 'client_secret_post', clientId: f.get('client_id') ?? undefined, secret: f.get('client_secret')! };
  return { method: 'none', clientId: f.get('client_id') ?? undefined };
}

/** The tokens a 200 token answer carried. */
export function tokensOf(e: Exchange | undefined): { accessToken?: string; idToken?: string; refreshToken?: string } {
  if (!e?.response || e.response.status !== 200) return {};
  try {
    const b = JSON.parse(e.response.body ?? '');
    return { accessToken: b.access_token, idToken: b.id_token, refreshToken: b.refresh_token };
  } catch {
    return {};
  }
}

function ev(...es: (Exchange | undefined)[]): Exchange[] {
  return es.filter((e): e is Exchange => !!e);
}

// ---- the authorization request (step 3, 20) --------------------------------------------

export interface AuthorizeArgs {
  /** "store" / "forums". */
  app: string;
  /** The application's client id (its FusionAuth application id). */
  clientId: string;
  /** The app's own host: the redirect_uri must come back to it. */
  host: string;
  /** The browser's GET /oauth2/authorize, if it made one. */
  request?: Exchange;
}

export const authorizeRequest = defineCheck<AuthorizeArgs>({
  kind: 'authorize-request',
  name: 'authorizationRequestWellFormed',
  level: 'MUST',
  ensures: (a) => `${a.app} sends the browser to FusionAuth's GET /oauth2/authorize with response_type=code, its client_id (${a.clientId}), a redirect_uri on its own host (${a.host}) and a scope with openid`,
  evaluate: (a) => {
    if (!a.request) return fail(`the browser never reached FusionAuth's /oauth2/authorize: ${a.app}'s login did not send it there`);
    const q = queryOf(a.request);
    const wrong: string[] = [];
    if (q.get('response_type') !== 'code') wrong.push(`response_type=${q.get('response_type') ?? '(none)'}`);
    if (q.get('client_id') !== a.clientId) wrong.push(`client_id=${q.get('client_id') ?? '(none)'}`);
    const ru = q.get('redirect_uri');
    let host: string | undefined;
    try {
      host = ru ? new URL(ru).host : undefined;
    } catch {
      host = undefined;
    }
    if (host !== a.host) wrong.push(`redirect_uri=${ru ?? '(none)'}`);
    if (!(q.get('scope') ?? '').split(/\s+/).includes('openid')) wrong.push(`scope=${q.get('scope') ?? '(none)'}`);
    const st = a.request.response?.status;
    return wrong.length ? fail(`the authorization request has ${wrong.join(', ')}`, [a.request]) : pass(`response_type=code, client_id, redirect_uri ${ru}, scope "${q.get('scope')}"; FusionAuth answered ${st ?? a.request.error}`, [a.request]);
  },
});

export const pkceS256 = defineCheck<AuthorizeArgs>({
  kind: 'pkce-s256',
  name: 'usesPkceS256',
  level: 'SHOULD',
  ensures: (a) => `${a.app} protects the code with PKCE (RFC 7636): a code_challenge with code_challenge_method=S256 (RFC 9700 §2.1.1 recommends it for confidential clients too)`,
  evaluate: (a) => {
    if (!a.request) return notApplicable('not checked: the browser never reached /oauth2/authorize (see authorize-request)');
    const q = queryOf(a.request);
    const c = q.get('code_challenge');
    const m = q.get('code_challenge_method');
    if (!c) return fail('no code_challenge in the authorization request', [a.request]);
    if (m !== 'S256') return fail(`code_challenge_method=${m ?? '(none, i.e. plain)'}`, [a.request]);
    if (!/^[A-Za-z0-9_-]{43}$/.test(c)) return fail(`the code_challenge is not a base64url SHA-256 (${c.length} characters)`, [a.request]);
    return pass('code_challenge with S256', [a.request]);
  },
});

// ---- state: the callback completes only a login this browser started ------------------

export interface StateCheckedArgs {
  app: string;
  /** The browser's own authorization request (the login it started). */
  authorize?: Exchange;
  /** The forged callback: another login's code, a state the app never issued. */
  callback?: Exchange;
  /** The page loaded after it (the user page). */
  after?: Exchange;
  /** Whose code it was (the attacker's account). */
  attacker: string;
  attackerProof: string;
}

function loggedInAs(after: Exchange | undefined, user: string, proof: string): boolean {
  return showsUser({ page: 'page', user, proof, response: after });
}

export const stateChecked = defineCheck<StateCheckedArgs>({
  kind: 'state-checked',
  name: 'callbackStateChecked',
  level: 'MUST',
  ensures: (a) => `${a.app} sends a state with its authorization request and refuses a callback whose state it did not issue (login CSRF, RFC 6749 §10.12): a code for ${a.attacker} with a forged state does not log the browser in`,
  evaluate: (a) => {
    const state = queryOf(a.authorize).get('state');
    if (!a.authorize) return fail('the browser never reached /oauth2/authorize, so no login was started to protect');
    if (!state) return fail(`${a.app} sent no state to FusionAuth: it cannot tell its own callbacks from forged ones`, [a.authorize]);
    if (!a.callback) return fail('the forged callback was not made');
    if (loggedInAs(a.after, a.attacker, a.attackerProof)) return fail(`the callback with ${a.attacker}'s code and a forged state logged the browser in as ${a.attacker}`, ev(a.callback, a.after));
    return pass(`state sent; the forged callback answered ${a.callback.response?.status ?? a.callback.error} and the browser is not logged in as ${a.attacker}`, ev(a.authorize, a.callback, a.after));
  },
});

export interface StateBoundArgs {
  app: string;
  /** The state the app issued to the other (attacker's) browser, if it issued one. */
  otherState?: string;
  callback?: Exchange;
  after?: Exchange;
  attacker: string;
  attackerProof: string;
}

export const stateBound = defineCheck<StateBoundArgs>({
  kind: 'state-bound',
  name: 'callbackStateBoundToBrowser',
  level: 'MUST',
  ensures: (a) => `${a.app} binds the state to the browser that started the login (a cookie or a pre-login session): a callback carrying the state and code of ${a.attacker}'s login, made in another browser, does not log this browser in`,
  evaluate: (a) => {
    if (!a.otherState) return notApplicable(`not checked: ${a.app} issued no state to the other browser, so there is no state to replay (see state-checked)`);
    if (!a.callback) return fail('the replayed callback was not made');
    if (loggedInAs(a.after, a.attacker, a.attackerProof)) return fail(`the callback with ${a.attacker}'s code and the state issued to ${a.attacker}'s browser logged this browser in as ${a.attacker}: the state is not bound to the browser`, ev(a.callback, a.after));
    return pass(`the replayed callback answered ${a.callback.response?.status ?? a.callback.error}; the browser is not logged in as ${a.attacker}`, ev(a.callback, a.after));
  },
});

// ---- the code exchange (steps 8-9, 23-24 / 27-28) -------------------------------------

export interface CodeExchangeArgs {
  app: string;
  /** The backend's participant name (Store / Forums). */
  caller: string;
  /** The code FusionAuth handed the browser (from its redirect), if any. */
  code?: string;
  /** Every exchange from the callback on (browser's and backend's). */
  exchanges: Exchange[];
  /** The app's client secret: it must never reach the browser. */
  clientSecret: string;
}

export const codeExchangedServerSide = defineCheck<CodeExchangeArgs>({
  kind: 'code-exchanged-server-side',
  name: 'codeExchangedByBackend',
  level: 'MUST',
  ensures: (a) => `${a.caller} exchanges the code itself, server to server (POST /oauth2/token), and its client secret never reaches the browser`,
  evaluate: (a) => {
    if (!a.code) return fail('FusionAuth handed the browser no code to exchange');
    const leak = a.exchanges.find((e) => (e.from === 'Browser' || e.from === 'Hacker') && e.response && (JSON.stringify(e.response.headers).includes(a.clientSecret) || (e.response.body ?? '').includes(a.clientSecret)));
    if (leak) return fail(`${a.caller}'s client secret is in its answer to the browser (${leak.request.method} ${pathOf(leak)})`, [leak]);
    const browser = a.exchanges.filter((e) => (e.from === 'Browser' || e.from === 'Hacker') && isCodeExchange(e));
    if (browser.length) return fail(`the browser exchanged the code at FusionAuth itself (${browser.length} call${browser.length > 1 ? 's' : ''})`, browser);
    const mine = a.exchanges.filter((e) => e.from === a.caller && isCodeExchange(e) && codeOf(e) === a.code);
    if (!mine.length) return fail(`${a.caller} never exchanged the code at FusionAuth's /oauth2/token`, a.exchanges.filter((e) => e.to === a.caller).slice(0, 2));
    return pass(`${a.caller} → FusionAuth POST /oauth2/token with the code; no secret in the browser`, mine);
  },
});

export const codeExchangedOnce = defineCheck<CodeExchangeArgs>({
  kind: 'code-exchanged-once',
  name: 'codeExchangedOnce',
  level: 'MUST',
  ensures: (a) => `${a.caller} exchanges each code once (RFC 6749 §4.1.2: a code is single-use; FusionAuth revokes what was issued for a code used twice)`,
  evaluate: (a) => {
    const uses = a.exchanges.filter((e) => isCodeExchange(e) && a.code !== undefined && codeOf(e) === a.code);
    if (!uses.length) return notApplicable('not checked: the code was not exchanged (see code-exchanged-server-side)');
    if (uses.length > 1) return fail(`the code was exchanged ${uses.length} times (FusionAuth answered ${uses.map((e) => e.response?.status ?? e.error).join(', ')})`, uses);
    return pass(`exchanged once (FusionAuth answered ${uses[0].response?.status ?? uses[0].error})`, uses);
  },
});

export interface TokenRequestArgs {
  app: string;
  caller: string;
  clientId: string;
  /** The backend's code exchange. */
  exchange?: Exchange;
  /** The authorization request it completes (redirect_uri, code_challenge). */
  authorize?: Exchange;
}

export const tokenRequest = defineCheck<TokenRequestArgs>({
  kind: 'token-request',
  name: 'tokenRequestComplete',
  level: 'MUST',
  ensures: (a) => `${a.caller}'s code exchange is what FusionAuth requires: a form body with grant_type=authorization_code, the code, the redirect_uri of the authorization request, client authentication as ${a.clientId} (Basic or client_secret), and the code_verifier when a code_challenge was sent; FusionAuth answers 200`,
  evaluate: (a) => {
    const e = a.exchange;
    if (!e) return notApplicable('not checked: the backend made no code exchange (see code-exchanged-server-side)');
    const f = formOf(e);
    const wrong: string[] = [];
    if (queryOf(e).has('code') || queryOf(e).has('client_secret')) wrong.push('parameters in the query string');
    if (f.get('grant_type') !== 'authorization_code') wrong.push(`grant_type=${f.get('grant_type') ?? '(none in the body)'}`);
    const ru = queryOf(a.authorize).get('redirect_uri');
    if (ru && f.get('redirect_uri') !== ru) wrong.push(`redirect_uri=${f.get('redirect_uri') ?? '(none)'} (the authorization request said ${ru})`);
    const auth = clientAuthOf(e);
    if (auth.method === 'none') wrong.push('no client authentication');
    else if (auth.clientId !== a.clientId) wrong.push(`client_id=${auth.clientId ?? '(none)'}`);
    if (queryOf(a.authorize).get('code_challenge') && !f.get('code_verifier')) wrong.push('no code_verifier, though a code_challenge was sent');
    if (e.response?.status !== 200) wrong.push(`FusionAuth answered ${e.response?.status ?? e.error}`);
    return wrong.length ? fail(wrong.join('; '), [e]) : pass(`grant_type=authorization_code, redirect_uri, ${auth.method}${f.get('code_verifier') ? ', code_verifier' : ''}; 200`, [e]);
  },
});

// ---- the id_token (step 9) --------------------------------------------------------------

export interface IdTokenArgs {
  app: string;
  /** What was wrong with the id_token FusionAuth's answer carried ("another nonce"…). */
  defect: string;
  user: string;
  proof: string;
  /** The backend's code exchange that got the tampered answer. */
  exchange?: Exchange;
  /** What the browser got after the callback (the user page, or where the app sent it). */
  after?: Exchange;
}

export const idTokenVerified = defineCheck<IdTokenArgs>({
  kind: 'id-token-verified',
  name: 'idTokenVerified',
  level: 'MUST',
  ensures: (a) => `${a.app} verifies the id_token of the code exchange (signature, iss, aud, nonce: OIDC Core 3.1.3.7) and does not log ${a.user} in on one with ${a.defect}`,
  evaluate: (a) => {
    if (!a.exchange) return notApplicable('not checked: the backend made no code exchange, so it got no id_token to verify (see code-exchanged-server-side)');
    if (loggedInAs(a.after, a.user, a.proof)) return fail(`an id_token with ${a.defect} was accepted: the browser is logged in as ${a.user}`, ev(a.exchange, a.after));
    return pass(`refused: the browser got ${a.after?.response?.status ?? a.after?.error ?? 'no page'}, not ${a.user}'s page`, ev(a.exchange, a.after));
  },
});

// ---- FusionAuth's answers the flow relies on (steps 4, 6, 20-21) -----------------------

export interface CodeRedirectArgs {
  /** The authorization request (its redirect_uri and state). */
  authorize?: Exchange;
  /** FusionAuth's 302 with the code (the answer to the form, or to the authorize request under SSO). */
  redirect?: Exchange;
}

export const codeRedirect = defineCheck<CodeRedirectArgs>({
  kind: 'code-redirect',
  name: 'codeReturnedToRedirectUri',
  level: 'MUST',
  ensures: () => 'FusionAuth sends the browser back to the redirect_uri of the authorization request with a code and the same state',
  evaluate: (a) => {
    if (!a.redirect) return fail('FusionAuth did not redirect the browser back with a code', ev(a.authorize));
    const loc = header(a.redirect.response?.headers, 'location');
    if (!loc) return fail(`FusionAuth answered ${a.redirect.response?.status ?? a.redirect.error} without a Location`, [a.redirect]);
    const q = queryOf(a.authorize);
    let u: URL;
    try {
      u = new URL(loc);
    } catch {
      return fail(`Location ${loc} is not an absolute URL`, [a.redirect]);
    }
    const base = `${u.origin}${u.pathname}`;
    if (q.get('redirect_uri') && base !== q.get('redirect_uri')) return fail(`redirected to ${base}, not the redirect_uri ${q.get('redirect_uri')}`, [a.redirect]);
    if (!u.searchParams.get('code')) return fail(`no code in the redirect (${u.searchParams.get('error') ?? 'no error either'})`, [a.redirect]);
    if ((q.get('state') ?? null) !== u.searchParams.get('state')) return fail('the state came back different', [a.redirect]);
    return pass(`302 to ${base} with a code${q.get('state') ? ' and the state' : ''}`, ev(a.authorize, a.redirect));
  },
});

export interface SsoArgs {
  app: string;
  /** The forums' authorization request. */
  authorize?: Exchange;
}

export const ssoLogin = defineCheck<SsoArgs>({
  kind: 'sso-login',
  name: 'ssoLoginWithoutPassword',
  level: 'MUST',
  ensures: (a) => `while FusionAuth's SSO session lives, the browser's visit to /oauth2/authorize for ${a.app} carries the fusionauth.sso cookie and comes straight back with a code, no login form`,
  evaluate: (a) => {
    if (!a.authorize) return fail(`the browser never reached FusionAuth's /oauth2/authorize for ${a.app}`);
    const sent = String(header(a.authorize.request.headers, 'cookie') ?? '');
    const sso = /(?:^|;\s*)fusionauth\.sso=/.test(sent);
    const st = a.authorize.response?.status;
    const loc = header(a.authorize.response?.headers, 'location') ?? '';
    if (!sso) return fail(`the browser sent no fusionauth.sso cookie to FusionAuth (cookies: ${sent ? sent.split(/;\s*/).map((c) => c.split('=')[0]).join(', ') : 'none'})`, [a.authorize]);
    if (st === undefined || st < 300 || st >= 400 || !/[?&]code=/.test(loc)) return fail(`FusionAuth answered ${st ?? a.authorize.error}${st === 200 ? ' (its login form)' : ''} instead of a redirect with a code`, [a.authorize]);
    return pass(`fusionauth.sso sent; ${st} back with a code, no form`, [a.authorize]);
  },
});

export interface SeparateCookiesArgs {
  app: string;
  /** The browser's first request to the app. */
  request?: Exchange;
  /** Names of the cookies the other app set. */
  foreign: string[];
}

export const appCookiesSeparate = defineCheck<SeparateCookiesArgs>({
  kind: 'own-cookies',
  name: 'appsKeepTheirOwnCookies',
  level: 'MUST',
  ensures: (a) => `single sign-on goes through FusionAuth, not shared cookies: the browser sends ${a.app} none of the other application's cookies`,
  evaluate: (a) => {
    if (!a.request) return fail(`the browser made no request to ${a.app}`);
    const sent = String(header(a.request.request.headers, 'cookie') ?? '');
    const names = sent ? sent.split(/;\s*/).map((c) => c.split('=')[0]) : [];
    const leaked = names.filter((n) => a.foreign.includes(n));
    return leaked.length ? fail(`${a.app} received ${leaked.join(', ')}`, [a.request]) : pass(names.length ? `cookies sent: ${names.join(', ')} (none of the other app's)` : 'no cookies sent', [a.request]);
  },
});

/** The cookies a response set, by name, for evidence and discovery. */
export function cookieNamesSet(e: Exchange | undefined): string[] {
  return headerAll(e?.response?.headers, 'set-cookie').map((c) => c.split('=')[0].trim());
}

export type { SetCookie };
