import { randomUUID } from 'node:crypto';
import type { DoubleContext } from '../context';
import { expectedLoginStatus, findApp, findUser, type DirectoryApplication, type DirectoryUser } from '../directory';
import { clearedCookie, type InReq, type OutRes } from '../http';
import { SSO_COOKIE, type OAuthCall } from '../oauth';
import { deliver, errorPage, loginForm, type Params } from './hosted-pages';

/**
 * The browser's endpoints of FusionAuth's authorization server: `GET|POST /oauth2/authorize`
 * (the hosted login form, auto-login while `fusionauth.sso` lives, the code in the redirect)
 * and `GET|POST /oauth2/logout`. Every call lands in `double.oauth.calls`.
 */

/** GET|POST /oauth2/authorize. */
export async function authorize(d: DoubleContext, req: InReq): Promise<OutRes> {
  const isPost = req.method === 'POST';
  const p: Params = {};
  const source = isPost ? new URLSearchParams(req.body) : req.url.searchParams;
  // The hosted form posts every hidden field, empty ones included: empty means not given.
  for (const [k, v] of source) if (!(k in p) && v !== '') p[k] = v;
  const call: OAuthCall = {
    endpoint: 'authorize',
    method: req.method,
    caller: req.caller,
    at: d.now(),
    clientId: p.client_id,
    redirectUri: p.redirect_uri,
    responseType: p.response_type,
    scope: p.scope,
    state: p.state,
    nonce: p.nonce,
    codeChallenge: p.code_challenge,
    codeChallengeMethod: p.code_challenge_method,
    prompt: p.prompt,
    outcome: 'error',
    status: 0,
  };
  if (isPost) call.rememberDevice = p.rememberDevice === 'true';
  const res = await authorizeInner(d, isPost, p, req.headers, call);
  call.status = res.status;
  res.oauthCall = call;
  return res;
}

async function authorizeInner(d: DoubleContext, isPost: boolean, p: Params, headers: Record<string, string>, call: OAuthCall): Promise<OutRes> {
  const shown = (error: string, reason: string, description: string) => failPage(call, error, reason, description);
  // RFC 6749 §4.1.2.1: an unknown client or redirect URI is shown, never redirected to.
  if (!p.client_id) return shown('invalid_request', 'missing_client_id', 'Invalid request. The [client_id] parameter is required.');
  const found = findApp(d.directory, p.client_id);
  if (!found || found[1].id !== p.client_id) return shown('invalid_client', 'invalid_client_id', `Invalid client_id [${p.client_id}].`);
  const [appKey, app] = found;
  if (!p.redirect_uri) return shown('invalid_request', 'missing_redirect_uri', 'Invalid request. The [redirect_uri] parameter is required.');
  if (!(app.redirectUris ?? []).includes(p.redirect_uri)) {
    return shown('invalid_request', 'invalid_redirect_uri', `Invalid redirect_uri [${p.redirect_uri}]. It is not one of the Authorized redirect URLs of the application.`);
  }
  const back = (error: string, reason: string, description: string) => errorRedirect(d, call, p, error, reason, description);
  const mode = p.response_mode ?? 'query';
  if (!['query', 'fragment', 'form_post'].includes(mode)) return back('invalid_request', 'invalid_response_mode', `Invalid response_mode [${mode}].`);
  if (!p.response_type) return back('invalid_request', 'missing_response_type', 'Invalid request. The [response_type] parameter is required.');
  if (p.response_type !== 'code') {
    return back('unsupported_response_type', 'invalid_response_type', 'Parameter response_type must be set to code or token. (The loginflow double plays the authorization code grant only.)');
  }
  if (p.code_challenge_method !== undefined && p.code_challenge_method !== 'S256' && p.code_challenge_method !== 'plain') {
    return back('invalid_request', 'invalid_pkce_code_challenge_method', `Invalid code_challenge_method [${p.code_challenge_method}]. Supported: S256.`);
  }
  if (p.code_challenge_method !== undefined && !p.code_challenge) return back('invalid_request', 'missing_code_challenge', 'Invalid request. The [code_challenge] parameter is required when [code_challenge_method] is given.');
  if (p.code_challenge !== undefined && !/^[A-Za-z0-9\-._~]{43,128}$/.test(p.code_challenge)) {
    return back('invalid_request', 'invalid_pkce_code_challenge', 'Invalid code_challenge: 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636).');
  }
  if (p.prompt !== undefined && !p.prompt.split(' ').every((x) => ['none', 'login', 'consent', 'select_account'].includes(x))) {
    return back('invalid_request', 'invalid_prompt', `Invalid prompt [${p.prompt}].`);
  }

  if (!isPost) {
    const live = p.prompt?.split(' ').includes('login') ? undefined : d.oauth.liveSso(headers['cookie']);
    if (live) {
      const u = findUser(d.directory, live.userId);
      if (u) {
        call.sso = true;
        call.userId = u.id;
        // The session's inactivity timer restarted: its cookie's life with it.
        return redirectWithCode(d, call, p, appKey, app, u, live.authTime, live.sid, [d.oauth.ssoCookie(live)]);
      }
    }
    if (p.prompt?.split(' ').includes('none')) return back('login_required', 'login_required', 'The user is not logged in and prompt=none was requested.');
    call.outcome = 'form';
    return loginForm(p, app, 200);
  }

  // POST: the hosted form with the credentials.
  const loginId = (p.loginId ?? '').trim();
  const password = p.password ?? '';
  if (!loginId || !password) {
    call.outcome = 'login-failed';
    return loginForm(p, app, 200, { loginId: !loginId ? 'Required' : undefined, password: !password ? 'Required' : undefined });
  }
  const u = findUser(d.directory, loginId);
  if (!u || u.id === loginId || u.password !== password) {
    call.outcome = 'login-failed';
    return loginForm(p, app, 200, { general: 'Invalid login credentials.' });
  }
  call.userId = u.id;
  const status = expectedLoginStatus(u, appKey, d.directory);
  const refused: Record<number, string> = {
    423: 'Your account has been locked.',
    410: 'Your account has expired.',
    409: 'Your account has been prevented from logging in.',
    203: 'Your password must be changed before you can log in. (The loginflow double does not play the change-password page.)',
    242: 'Two-factor authentication is required. (The loginflow double does not play the two-factor page.)',
  };
  if (refused[status]) {
    call.outcome = 'login-failed';
    return loginForm(p, app, 200, { general: refused[status] });
  }
  const authTime = Math.floor(d.now() / 1000);
  const sid = randomUUID();
  const cookies: string[] = [];
  if (p.rememberDevice === 'true') cookies.push(d.oauth.startSso(u, authTime, sid));
  return redirectWithCode(d, call, p, appKey, app, u, authTime, sid, cookies, status);
}

function redirectWithCode(d: DoubleContext, call: OAuthCall, p: Params, appKey: string, app: DirectoryApplication, u: DirectoryUser, authTime: number, sid: string, cookies: string[], status?: number): OutRes {
  const code = d.oauth.issueCode({
    appId: app.id,
    appKey,
    redirectUri: p.redirect_uri!,
    scope: p.scope ?? '',
    nonce: p.nonce,
    challenge: p.code_challenge,
    challengeMethod: p.code_challenge ? ((p.code_challenge_method as 'S256' | 'plain' | undefined) ?? 'plain') : undefined,
    userId: u.id,
    authTime,
    authenticationType: 'PASSWORD',
    sid,
  });
  call.code = code;
  call.outcome = 'code';
  const st = status ?? expectedLoginStatus(u, appKey, d.directory);
  const userState = st === 202 ? 'AuthenticatedNotRegistered' : st === 212 ? 'AuthenticatedNotVerified' : st === 213 ? 'AuthenticatedRegistrationNotVerified' : 'Authenticated';
  // RFC 9207's iss since FusionAuth 1.69.0 (the version of the OpenAPI description and TypeScript client the kit pins).
  const params: [string, string][] = [['code', code], ['locale', 'en'], ...(p.state !== undefined ? [['state', p.state] as [string, string]] : []), ['userState', userState], ['iss', d.options.issuer]];
  return deliver(p, params, cookies);
}

function errorRedirect(d: DoubleContext, call: OAuthCall, p: Params, error: string, reason: string, description: string): OutRes {
  call.outcome = 'error-redirect';
  call.error = error;
  call.errorReason = reason;
  const params: [string, string][] = [['error', error], ['error_reason', reason], ['error_description', description]];
  if (p.state !== undefined) params.push(['state', p.state]);
  params.push(['iss', d.options.issuer]);
  return deliver(p, params, []);
}

function failPage(call: OAuthCall, error: string, reason: string, description: string): OutRes {
  call.outcome = 'error-page';
  call.error = error;
  call.errorReason = reason;
  return errorPage(error, reason, description);
}

/** GET|POST /oauth2/logout: ends the SSO session, clears its cookie, redirects (it revokes no token). */
export function oauthLogout(d: DoubleContext, req: InReq): OutRes {
  const p: Params = {};
  const source = req.method === 'POST' ? new URLSearchParams(req.body) : req.url.searchParams;
  for (const [k, v] of source) if (!(k in p)) p[k] = v;
  const call: OAuthCall = { endpoint: 'logout', method: req.method, caller: req.caller, at: d.now(), clientId: p.client_id, redirectUri: p.post_logout_redirect_uri, state: p.state, outcome: 'logout', status: 302 };
  // id_token_hint names the application when client_id is absent (FusionAuth accepts an expired one it signed).
  const appId = p.client_id ?? audOf(p.id_token_hint);
  const app = appId ? findApp(d.directory, appId)?.[1] : undefined;
  if (p.post_logout_redirect_uri !== undefined && !(app?.redirectUris ?? []).includes(p.post_logout_redirect_uri) && app?.logoutUrl !== p.post_logout_redirect_uri) {
    const r = failPage(call, 'invalid_request', 'invalid_post_logout_redirect_uri', `Invalid post_logout_redirect_uri [${p.post_logout_redirect_uri}].`);
    call.status = r.status;
    return { ...r, oauthCall: call };
  }
  d.oauth.endSso(req.headers['cookie']);
  let target = p.post_logout_redirect_uri ?? app?.logoutUrl ?? '/';
  if (p.post_logout_redirect_uri && p.state !== undefined) {
    const t = new URL(target);
    t.searchParams.set('state', p.state);
    target = t.toString();
  }
  return { status: 302, headers: [['Set-Cookie', clearedCookie(SSO_COOKIE)], ['Location', target], ['Cache-Control', 'no-store']], body: '', oauthCall: call };
}

/** The audience of a JWT, read without verifying it (an id_token_hint names its application). */
function audOf(jwt: string | undefined): string | undefined {
  try {
    const aud = JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8')).aud;
    return typeof aud === 'string' ? aud : Array.isArray(aud) && typeof aud[0] === 'string' ? aud[0] : undefined;
  } catch {
    return undefined;
  }
}
