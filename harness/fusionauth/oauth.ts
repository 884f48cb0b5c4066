import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redactor } from '../trace';
import type { Directory, DirectoryApplication, DirectoryUser } from './directory';
import { expectedLoginStatus } from './directory';
import { KitError } from '../errors';
import { parseCookieHeader } from '../common/cookie-header';

/**
 * FusionAuth as an OAuth 2.0 / OpenID Connect authorization server: the half of the double the
 * authorization-code workflows (webapp-oauth-code-*) drive. `GET|POST /oauth2/authorize` with
 * the hosted login form, the `fusionauth.sso` cookie and auto-login while its session lives,
 * single-use short-lived codes, and the `authorization_code` grant of `/oauth2/token` (the
 * client authentication and the refresh grant stay in double.ts, which dispatches here).
 * Facts and their sources: the spec seeds' seeds/oauth/STEPS.md ("FusionAuth OAuth facts") and
 * docs/fusionauth-fidelity.md; what real FusionAuth does that is not documented is marked so
 * there too.
 *
 * Knobs for negative scenarios (the kit calls them on `double.oauth`): `nextTokenAnswer` alters
 * the id_token of the next code exchange (wrong nonce, audience, issuer, key); `calls` is the
 * structured log of every authorize/token/logout call, each with its journal `seq`.
 */

/** What double.ts lends the authorization server: its directory, clock, redactor and token minting. */
export interface OAuthHost {
  readonly directory: Directory;
  readonly redactor: Redactor;
  now(): number;
  settings(): { issuer: string; jwtTtlSeconds: number; publicHost: string; authorizationCodeTtlSeconds: number; oauthSessionTtlSeconds: number };
  findUser(emailOrId: string): DirectoryUser | undefined;
  findApp(keyOrId: string): [string, DirectoryApplication] | undefined;
  registered(user: DirectoryUser, appKey: string): boolean;
  accessToken(u: DirectoryUser, appKey: string, authTime: number, authenticationType: string, extra: { sid: string; scope: string }): Promise<{ token: string; exp: number }>;
  refreshToken(u: DirectoryUser, appId: string, authTime: number, sid: string, scope: string): { token: string; id: string };
  /** Signs with the double's current key (or, with 'wrong-key', a key FusionAuth never published) and remembers the JWT as issued. */
  signIdToken(claims: Record<string, unknown>, key: 'right' | 'wrong-key'): Promise<string>;
}

export interface OAuthRes {
  status: number;
  headers: [string, string][];
  body: string;
  oauthCall?: OAuthCall;
  kitGap?: string;
  unexpected?: boolean;
}

/** One authorize / token / logout call as the authorization server saw it, for checks to judge. */
export interface OAuthCall {
  /** The journal entry of this call (set once it is recorded). */
  seq?: number;
  endpoint: 'authorize' | 'token' | 'logout';
  method: string;
  caller: string;
  /** World-clock time of the call (ms). */
  at: number;
  clientId?: string;
  redirectUri?: string;
  responseType?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  prompt?: string;
  /** POST /oauth2/authorize: the hosted form was posted with rememberDevice=true. */
  rememberDevice?: boolean;
  /** GET /oauth2/authorize answered from the live fusionauth.sso session, without the form. */
  sso?: boolean;
  grantType?: string;
  /** authorize: the code issued; token: the code presented. */
  code?: string;
  /** token: how many times this code had been presented before (0 = first exchange). */
  codePriorUses?: number;
  codeVerifierPresent?: boolean;
  /** token: where the client secret came from. */
  clientAuth?: 'client_secret_basic' | 'client_secret_post' | 'none';
  userId?: string;
  /** 'form' (login page), 'code' (redirect with a code), 'tokens', 'error-page', 'error-redirect', 'error', 'login-failed', 'logout'. */
  outcome: string;
  status: number;
  error?: string;
  errorReason?: string;
}

/** Alters the id_token of the next successful code exchange (one answer only). */
export interface TokenAnswerOverride {
  idToken?: { nonce?: string; aud?: string; iss?: string; expired?: boolean; omit?: boolean };
  /** Shorthands for idToken.nonce / .aud / .iss. */
  nonce?: string;
  aud?: string;
  iss?: string;
  /** 'wrong-key': signed with a key FusionAuth never published, same alg and kid. */
  signWith?: 'wrong-key';
}

interface CodeRecord {
  code: string;
  appId: string;
  appKey: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  challenge?: string;
  challengeMethod?: 'S256' | 'plain';
  userId: string;
  authTime: number;
  authenticationType: string;
  sid: string;
  expiresAt: number;
  uses: number;
}

interface SsoSession {
  id: string;
  userId: string;
  authTime: number;
  sid: string;
  expiresAt: number;
}

/** FusionAuth's SSO cookie (docs reference/cookies: "Represents a single sign-on session"). */
export const SSO_COOKIE = 'fusionauth.sso';

/** The hidden fields of the default theme's login form (helpers.oauthHiddenFields, fusionauth-theme-history). */
export const HOSTED_FORM_HIDDEN_FIELDS = [
  'captcha_token',
  'client_id',
  'code_challenge',
  'code_challenge_method',
  'metaData.device.name',
  'metaData.device.type',
  'nonce',
  'oauth_context',
  'max_age',
  'pendingIdPLinkId',
  'prompt',
  'redirect_uri',
  'response_mode',
  'response_type',
  'scope',
  'state',
  'tenantId',
  'timezone',
  'user_code',
] as const;

type Params = Record<string, string | undefined>;

export class OAuthServer {
  private readonly codes = new Map<string, CodeRecord>();
  private readonly sso = new Map<string, SsoSession>();
  private override: TokenAnswerOverride | undefined;
  /** Every authorize / token / logout call, in order. */
  readonly calls: OAuthCall[] = [];

  constructor(private readonly host: OAuthHost) {}

  // ---- knobs ---------------------------------------------------------------------------

  /** The next successful authorization_code answer carries an altered id_token. */
  nextTokenAnswer(o: TokenAnswerOverride): void {
    const { nonce, aud, iss, ...rest } = o;
    const idToken = { ...(nonce !== undefined && { nonce }), ...(aud !== undefined && { aud }), ...(iss !== undefined && { iss }), ...o.idToken };
    this.override = { ...rest, idToken };
  }

  /** Records a /oauth2/token call that never reached the code grant (client authentication, refresh grant). */
  tokenCall(c: Omit<OAuthCall, 'endpoint' | 'method' | 'at'>): OAuthCall {
    return { endpoint: 'token', method: 'POST', at: this.host.now(), ...c };
  }

  /** Adds an Authorized redirect URL to an application (by key or id). */
  authorizeRedirectUri(app: string, uri: string): void {
    const found = this.host.findApp(app);
    if (!found) throw new KitError(`authorizeRedirectUri: unknown application ${app}`, 'INTERNAL');
    const list = (found[1].redirectUris ??= []);
    if (!list.includes(uri)) list.push(uri);
  }

  /** Ends every SSO session (of one user, when given), as the OAuth session timeout would. */
  expireSsoSessions(userEmailOrId?: string): void {
    const u = userEmailOrId ? this.host.findUser(userEmailOrId) : undefined;
    for (const [id, s] of this.sso) if (!userEmailOrId || s.userId === (u?.id ?? userEmailOrId)) this.sso.delete(id);
  }

  /** Lets every unused code outlive its life (for the expired-code case, without waiting). */
  expireCodes(): void {
    for (const c of this.codes.values()) c.expiresAt = this.host.now() - 1000;
  }

  /** The live SSO sessions (user ids), for tests and checks. */
  ssoSessions(): { userId: string; expiresAt: number }[] {
    const t = this.host.now();
    return [...this.sso.values()].filter((s) => s.expiresAt > t).map((s) => ({ userId: s.userId, expiresAt: s.expiresAt }));
  }

  /** What a value is, if the authorization server issued it. */
  role(value: string): 'code' | 'ssoSession' | undefined {
    if (this.codes.has(value)) return 'code';
    if (this.sso.has(value)) return 'ssoSession';
    return undefined;
  }

  // ---- /oauth2/authorize -----------------------------------------------------------------

  async authorize(req: { method: string; url: URL; headers: Record<string, string>; body: string; caller: string }): Promise<OAuthRes> {
    const isPost = req.method === 'POST';
    const p: Params = {};
    const source = isPost ? new URLSearchParams(req.body) : req.url.searchParams;
    // The hosted form posts every hidden field, empty ones included: empty means not given.
    for (const [k, v] of source) if (!(k in p) && v !== '') p[k] = v;
    const call: OAuthCall = {
      endpoint: 'authorize',
      method: req.method,
      caller: req.caller,
      at: this.host.now(),
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
    const res = await this.authorizeInner(isPost, p, req.headers, call);
    call.status = res.status;
    res.oauthCall = call;
    return res;
  }

  private async authorizeInner(isPost: boolean, p: Params, headers: Record<string, string>, call: OAuthCall): Promise<OAuthRes> {
    // RFC 6749 §4.1.2.1: an unknown client or redirect URI is shown, never redirected to.
    if (!p.client_id) return this.errorPage(call, 'invalid_request', 'missing_client_id', 'Invalid request. The [client_id] parameter is required.');
    const found = this.host.findApp(p.client_id);
    if (!found || found[1].id !== p.client_id) return this.errorPage(call, 'invalid_client', 'invalid_client_id', `Invalid client_id [${p.client_id}].`);
    const [appKey, app] = found;
    if (!p.redirect_uri) return this.errorPage(call, 'invalid_request', 'missing_redirect_uri', 'Invalid request. The [redirect_uri] parameter is required.');
    if (!(app.redirectUris ?? []).includes(p.redirect_uri)) {
      return this.errorPage(call, 'invalid_request', 'invalid_redirect_uri', `Invalid redirect_uri [${p.redirect_uri}]. It is not one of the Authorized redirect URLs of the application.`);
    }
    const back = (error: string, reason: string, description: string) => this.errorRedirect(call, p, error, reason, description);
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
      const live = p.prompt?.split(' ').includes('login') ? undefined : this.liveSso(headers);
      if (live) {
        const u = this.host.findUser(live.userId);
        if (u) {
          call.sso = true;
          call.userId = u.id;
          // The session's inactivity timer restarted: its cookie's life with it.
          return this.issueCode(call, p, appKey, app, u, live.authTime, live.sid, 'PASSWORD', [this.ssoCookie(live)]);
        }
      }
      if (p.prompt?.split(' ').includes('none')) return back('login_required', 'login_required', 'The user is not logged in and prompt=none was requested.');
      call.outcome = 'form';
      return this.loginForm(p, app, 200);
    }

    // POST: the hosted form with the credentials.
    const loginId = (p.loginId ?? '').trim();
    const password = p.password ?? '';
    if (!loginId || !password) {
      call.outcome = 'login-failed';
      return this.loginForm(p, app, 200, { loginId: !loginId ? 'Required' : undefined, password: !password ? 'Required' : undefined });
    }
    const u = this.host.findUser(loginId);
    if (!u || u.id === loginId || u.password !== password) {
      call.outcome = 'login-failed';
      return this.loginForm(p, app, 200, { general: 'Invalid login credentials.' });
    }
    call.userId = u.id;
    const status = expectedLoginStatus(u, appKey, this.host.directory);
    const refused: Record<number, string> = {
      423: 'Your account has been locked.',
      410: 'Your account has expired.',
      409: 'Your account has been prevented from logging in.',
      203: 'Your password must be changed before you can log in. (The loginflow double does not play the change-password page.)',
      242: 'Two-factor authentication is required. (The loginflow double does not play the two-factor page.)',
    };
    if (refused[status]) {
      call.outcome = 'login-failed';
      return this.loginForm(p, app, 200, { general: refused[status] });
    }
    const authTime = Math.floor(this.host.now() / 1000);
    const sid = randomUUID();
    const cookies: string[] = [];
    if (p.rememberDevice === 'true') cookies.push(this.startSso(u, authTime, sid));
    return this.issueCode(call, p, appKey, app, u, authTime, sid, 'PASSWORD', cookies, status);
  }

  private liveSso(headers: Record<string, string>): SsoSession | undefined {
    const id = parseCookieHeader(headers['cookie'])[SSO_COOKIE];
    const s = id ? this.sso.get(id) : undefined;
    const t = this.host.now();
    if (!s || s.expiresAt <= t) return undefined;
    // The OAuth session timeout counts inactivity: every use extends it.
    s.expiresAt = t + this.host.settings().oauthSessionTtlSeconds * 1000;
    return s;
  }

  private startSso(u: DirectoryUser, authTime: number, sid: string): string {
    const ttl = this.host.settings().oauthSessionTtlSeconds;
    const s: SsoSession = { id: randomBytes(32).toString('base64url'), userId: u.id, authTime, sid, expiresAt: this.host.now() + ttl * 1000 };
    this.sso.set(s.id, s);
    this.host.redactor.addToken(s.id);
    return this.ssoCookie(s);
  }

  /** Host-only (no Domain), HttpOnly, SameSite=Lax, as long-lived as the session; Secure only over https, which the double never serves. */
  private ssoCookie(s: SsoSession): string {
    const ttl = Math.max(1, Math.round((s.expiresAt - this.host.now()) / 1000));
    return `${SSO_COOKIE}=${s.id}; Max-Age=${ttl}; Expires=${new Date(s.expiresAt).toUTCString()}; Path=/; SameSite=Lax; HttpOnly`;
  }

  private issueCode(call: OAuthCall, p: Params, appKey: string, app: DirectoryApplication, u: DirectoryUser, authTime: number, sid: string, authenticationType: string, cookies: string[], status?: number): OAuthRes {
    // FusionAuth's codes are base64 with '+', '/' and '=' (its docs' example), so the redirect must encode them.
    const code = randomBytes(32).toString('base64').replace(/=+$/, '') + '=';
    this.codes.set(code, {
      code,
      appId: app.id,
      appKey,
      redirectUri: p.redirect_uri!,
      scope: p.scope ?? '',
      nonce: p.nonce,
      challenge: p.code_challenge,
      challengeMethod: p.code_challenge ? ((p.code_challenge_method as 'S256' | 'plain' | undefined) ?? 'plain') : undefined,
      userId: u.id,
      authTime,
      authenticationType,
      sid,
      expiresAt: this.host.now() + this.host.settings().authorizationCodeTtlSeconds * 1000,
      uses: 0,
    });
    this.host.redactor.addToken(code);
    call.code = code;
    call.outcome = 'code';
    const st = status ?? expectedLoginStatus(u, appKey, this.host.directory);
    const userState = st === 202 ? 'AuthenticatedNotRegistered' : st === 212 ? 'AuthenticatedNotVerified' : st === 213 ? 'AuthenticatedRegistrationNotVerified' : 'Authenticated';
    // RFC 9207's iss since FusionAuth 1.69.0 (the version of the OpenAPI description and TypeScript client the kit pins).
    const params: [string, string][] = [['code', code], ['locale', 'en'], ...(p.state !== undefined ? [['state', p.state] as [string, string]] : []), ['userState', userState], ['iss', this.host.settings().issuer]];
    return this.deliver(p, params, cookies);
  }

  /** The authorization response in the requested response_mode (query by default for code). */
  private deliver(p: Params, params: [string, string][], cookies: string[]): OAuthRes {
    const headers: [string, string][] = cookies.map((c) => ['Set-Cookie', c]);
    headers.push(['Cache-Control', 'no-store']);
    if (p.response_mode === 'form_post') {
      const inputs = params.map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('\n');
      headers.push(['Content-Type', 'text/html;charset=UTF-8']);
      return { status: 200, headers, body: page('Redirecting', `<form method="post" action="${esc(p.redirect_uri!)}">\n${inputs}\n<noscript><button type="submit">Continue</button></noscript>\n</form>\n<script>document.forms[0].submit()</script>`) };
    }
    const target = new URL(p.redirect_uri!);
    const q = new URLSearchParams(params);
    if (p.response_mode === 'fragment') target.hash = q.toString();
    else for (const [k, v] of params) target.searchParams.append(k, v);
    headers.push(['Location', target.toString()]);
    return { status: 302, headers, body: '' };
  }

  private errorRedirect(call: OAuthCall, p: Params, error: string, reason: string, description: string): OAuthRes {
    call.outcome = 'error-redirect';
    call.error = error;
    call.errorReason = reason;
    const params: [string, string][] = [['error', error], ['error_reason', reason], ['error_description', description]];
    if (p.state !== undefined) params.push(['state', p.state]);
    params.push(['iss', this.host.settings().issuer]);
    return this.deliver(p, params, []);
  }

  private errorPage(call: OAuthCall, error: string, reason: string, description: string): OAuthRes {
    call.outcome = 'error-page';
    call.error = error;
    call.errorReason = reason;
    return {
      status: 400,
      headers: [['Content-Type', 'text/html;charset=UTF-8'], ['Cache-Control', 'no-store']],
      body: page('Error', `<main class="error" data-error="${esc(error)}" data-error-reason="${esc(reason)}">\n<h1>Error</h1>\n<p class="alert error" role="alert">${esc(description)}</p>\n</main>`),
    };
  }

  /** The default theme's login page (oauth2Authorize.ftl): the authorize parameters as hidden fields, loginId, password, "Keep me signed in". */
  private loginForm(p: Params, app: DirectoryApplication, status: number, errors: { loginId?: string; password?: string; general?: string } = {}): OAuthRes {
    const hidden = HOSTED_FORM_HIDDEN_FIELDS.map((n) => `<input type="hidden" name="${n}" value="${esc(p[n] ?? '')}">`).join('\n');
    const fieldError = (m?: string) => (m ? `<span class="error">${esc(m)}</span>` : '');
    const body =
      `<main class="page-body">\n<h1>Login</h1>\n<p class="application">${esc(app.name)}</p>\n` +
      (errors.general ? `<div class="alert error" role="alert">${esc(errors.general)}</div>\n` : '') +
      `<form action="/oauth2/authorize" method="POST" class="full">\n${hidden}\n` +
      '<input type="hidden" name="showPasswordField" value="true">\n' +
      '<input type="hidden" name="userVerifyingPlatformAuthenticatorAvailable" value="false">\n' +
      `<label for="loginId">Email</label>\n<input id="loginId" type="text" name="loginId" value="${esc(p.loginId ?? '')}" autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false" autofocus placeholder="Email">${fieldError(errors.loginId)}\n` +
      `<label for="password">Password</label>\n<input id="password" type="password" name="password" value="" autocomplete="current-password" placeholder="Password">${fieldError(errors.password)}\n` +
      '<label><input id="rememberDevice" type="checkbox" name="rememberDevice" value="true"> Keep me signed in</label>\n<input type="hidden" name="__cb_rememberDevice" value="false">\n' +
      '<button type="submit" class="button blue">Submit</button>\n</form>\n</main>';
    return { status, headers: [['Content-Type', 'text/html;charset=UTF-8'], ['Cache-Control', 'no-store']], body: page('Login', body) };
  }

  // ---- /oauth2/token grant_type=authorization_code -------------------------------------

  /** Called by double.ts once the client is authenticated (`app` is the client). */
  async codeGrant(form: URLSearchParams, app: DirectoryApplication, clientAuth: OAuthCall['clientAuth'], caller: string): Promise<OAuthRes> {
    const code = form.get('code') ?? undefined;
    const verifier = form.get('code_verifier') ?? undefined;
    if (verifier) this.host.redactor.addToken(verifier);
    const call: OAuthCall = {
      endpoint: 'token',
      method: 'POST',
      caller,
      at: this.host.now(),
      grantType: 'authorization_code',
      clientId: app.id,
      clientAuth,
      code,
      redirectUri: form.get('redirect_uri') ?? undefined,
      codeVerifierPresent: verifier !== undefined,
      outcome: 'error',
      status: 0,
    };
    const res = await this.codeGrantInner(form, app, code, verifier, call);
    call.status = res.status;
    res.oauthCall = call;
    return res;
  }

  private async codeGrantInner(form: URLSearchParams, app: DirectoryApplication, code: string | undefined, verifier: string | undefined, call: OAuthCall): Promise<OAuthRes> {
    const fail = (status: number, error: string, reason: string, description: string): OAuthRes => {
      call.error = error;
      call.errorReason = reason;
      return tokenError(status, error, reason, description);
    };
    if (!code) return fail(400, 'invalid_request', 'missing_code', 'Invalid request. The [code] parameter is required.');
    const rec = this.codes.get(code);
    call.codePriorUses = rec?.uses;
    // A code is spent the moment it is presented, answer good or bad (RFC 6749 §4.1.2 single use;
    // a failed verifier must not leave the code open to guessing).
    if (rec) rec.uses += 1;
    // FusionAuth's answer for an unknown, expired or spent code (fusionauth-issues #150, #211).
    if (!rec || rec.uses > 1 || rec.expiresAt <= this.host.now() || rec.appId !== app.id) return fail(400, 'invalid_request', 'auth_code_not_found', 'Invalid Authorization Code');
    const redirectUri = form.get('redirect_uri');
    if (!redirectUri) return fail(400, 'invalid_request', 'missing_redirect_uri', 'Invalid request. The [redirect_uri] parameter is required.');
    if (redirectUri !== rec.redirectUri) return fail(400, 'invalid_request', 'invalid_redirect_uri', `Invalid redirect_uri [${redirectUri}]. It must be the one the authorization request used.`);
    if (rec.challenge) {
      if (!verifier) return fail(400, 'invalid_request', 'missing_code_verifier', 'Invalid request. The [code_verifier] parameter is required because a code_challenge was sent to the authorize endpoint.');
      const computed = rec.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (computed !== rec.challenge) return fail(400, 'invalid_request', 'invalid_pkce_code_verifier', 'The [code_verifier] does not match the code_challenge of the authorization request.');
    }
    const u = this.host.findUser(rec.userId);
    if (!u) return fail(400, 'invalid_request', 'auth_code_not_found', 'Invalid Authorization Code');
    const scopes = rec.scope.split(' ').filter(Boolean);
    const scope = scopes.join(' ');
    const { token } = await this.host.accessToken(u, rec.appKey, rec.authTime, rec.authenticationType, { sid: rec.sid, scope });
    const out: Record<string, unknown> = { access_token: token, expires_in: this.host.settings().jwtTtlSeconds };
    const o = this.override;
    this.override = undefined;
    if (scopes.includes('openid') && !o?.idToken?.omit) {
      out.id_token = await this.idToken(u, app, rec, token, o);
    }
    if (scopes.includes('offline_access') && this.host.registered(u, rec.appKey)) {
      const rt = this.host.refreshToken(u, app.id, rec.authTime, rec.sid, scope);
      out.refresh_token = rt.token;
      out.refresh_token_id = rt.id;
    }
    out.scope = scope;
    out.token_type = 'Bearer';
    out.userId = u.id;
    call.outcome = 'tokens';
    call.userId = u.id;
    return { status: 200, headers: [['Content-Type', 'application/json;charset=UTF-8'], ['Cache-Control', 'no-store'], ['Pragma', 'no-cache']], body: JSON.stringify(out) };
  }

  /** The id_token (docs oauth/tokens): aud = client_id, nonce when sent, at_hash of the access token, sid. */
  async idToken(u: DirectoryUser, app: DirectoryApplication, rec: { authTime: number; authenticationType: string; sid: string; nonce?: string; scope: string }, accessToken: string, o?: TokenAnswerOverride): Promise<string> {
    const now = Math.floor(this.host.now() / 1000);
    const ttl = this.host.settings().jwtTtlSeconds;
    const [iat, exp] = o?.idToken?.expired ? [now - ttl - 60, now - 60] : [now, now + ttl];
    const c: Record<string, unknown> = {
      aud: o?.idToken?.aud ?? app.id,
      exp,
      iat,
      iss: o?.idToken?.iss ?? this.host.settings().issuer,
      sub: u.id,
      jti: randomUUID(),
      authenticationType: rec.authenticationType,
      email: u.email,
      email_verified: u.verified !== false,
      at_hash: atHash(accessToken),
      auth_time: rec.authTime,
      sid: rec.sid,
      tid: this.host.directory.tenantId,
    };
    const nonce = o?.idToken?.nonce ?? rec.nonce;
    if (nonce !== undefined) c.nonce = nonce;
    if (u.firstName) c.given_name = u.firstName;
    if (u.lastName) c.family_name = u.lastName;
    if (rec.scope) c.scope = rec.scope;
    return this.host.signIdToken(c, o?.signWith === 'wrong-key' ? 'wrong-key' : 'right');
  }

  // ---- /oauth2/logout ---------------------------------------------------------------------

  /** GET|POST /oauth2/logout: ends the SSO session, clears its cookie, redirects (it revokes no token). */
  logout(req: { method: string; url: URL; headers: Record<string, string>; body: string; caller: string; base: string }): OAuthRes {
    const p: Params = {};
    const source = req.method === 'POST' ? new URLSearchParams(req.body) : req.url.searchParams;
    for (const [k, v] of source) if (!(k in p)) p[k] = v;
    const call: OAuthCall = { endpoint: 'logout', method: req.method, caller: req.caller, at: this.host.now(), clientId: p.client_id, redirectUri: p.post_logout_redirect_uri, state: p.state, outcome: 'logout', status: 302 };
    // id_token_hint names the application when client_id is absent (FusionAuth accepts an expired one it signed).
    const appId = p.client_id ?? audOf(p.id_token_hint);
    const app = appId ? this.host.findApp(appId)?.[1] : undefined;
    if (p.post_logout_redirect_uri !== undefined && !(app?.redirectUris ?? []).includes(p.post_logout_redirect_uri) && app?.logoutUrl !== p.post_logout_redirect_uri) {
      const r = this.errorPage(call, 'invalid_request', 'invalid_post_logout_redirect_uri', `Invalid post_logout_redirect_uri [${p.post_logout_redirect_uri}].`);
      call.status = r.status;
      return { ...r, oauthCall: call };
    }
    const id = parseCookieHeader(req.headers['cookie'])[SSO_COOKIE];
    if (id) this.sso.delete(id);
    let target = p.post_logout_redirect_uri ?? app?.logoutUrl ?? '/';
    if (p.post_logout_redirect_uri && p.state !== undefined) {
      const t = new URL(target);
      t.searchParams.set('state', p.state);
      target = t.toString();
    }
    const cleared = `${SSO_COOKIE}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; SameSite=Lax; HttpOnly`;
    return { status: 302, headers: [['Set-Cookie', cleared], ['Location', target], ['Cache-Control', 'no-store']], body: '', oauthCall: call };
  }
}

// ---- helpers ---------------------------------------------------------------------------

/** OIDC Core 3.1.3.6: base64url of the left half of the SHA-256 of the access token (for *S256 algorithms). */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

function audOf(jwt: string | undefined): string | undefined {
  try {
    const aud = JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8')).aud;
    return typeof aud === 'string' ? aud : Array.isArray(aud) && typeof aud[0] === 'string' ? aud[0] : undefined;
  } catch {
    return undefined;
  }
}

function tokenError(status: number, error: string, reason: string, description: string): OAuthRes {
  return { status, headers: [['Content-Type', 'application/json;charset=UTF-8'], ['Cache-Control', 'no-store']], body: JSON.stringify({ error, error_description: description, error_reason: reason }) };
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} | FusionAuth</title></head>\n<body>\n${body}\n</body></html>\n`;
}
