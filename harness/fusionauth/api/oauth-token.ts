import { createHash, randomUUID } from 'node:crypto';
import type { DoubleContext } from '../context';
import { findApp, findUser, registrationOf, type DirectoryApplication, type DirectoryUser } from '../directory';
import { isForm, json, oauthError, type InReq, type OutRes } from '../http';
import { atHash, type CodeRecord, type OAuthCall, type TokenAnswerOverride } from '../oauth';

/**
 * `POST /oauth2/token`: client authentication (clientAuthenticationPolicy Required by default:
 * Basic or the body), the authorization_code grant (single-use codes, PKCE, redirect_uri, the
 * id_token) and the refresh_token grant. Every call lands in `double.oauth.calls` with its
 * grant, client authentication and outcome.
 */
export async function oauthToken(d: DoubleContext, req: InReq): Promise<OutRes> {
  const res = await tokenInner(d, req);
  if (!res.oauthCall) {
    const form = new URLSearchParams(req.body);
    const auth = req.headers['authorization'];
    let error: { error?: string; error_reason?: string } = {};
    try {
      error = res.status === 200 ? {} : JSON.parse(res.body);
    } catch {
      /* not JSON */
    }
    res.oauthCall = d.oauth.tokenCall({
      caller: req.caller,
      grantType: form.get('grant_type') ?? undefined,
      clientId: form.get('client_id') ?? undefined,
      clientAuth: auth ? 'client_secret_basic' : form.get('client_secret') ? 'client_secret_post' : 'none',
      ...(form.has('code') ? { code: form.get('code')!, codeVerifierPresent: form.has('code_verifier'), redirectUri: form.get('redirect_uri') ?? undefined } : {}),
      outcome: res.status === 200 ? 'tokens' : 'error',
      status: res.status,
      error: error.error,
      errorReason: error.error_reason,
    });
  }
  return res;
}

async function tokenInner(d: DoubleContext, req: InReq): Promise<OutRes> {
  if (!isForm(req)) return oauthError(400, 'invalid_request', 'The request must use Content-Type application/x-www-form-urlencoded.', 'unknown');
  const form = new URLSearchParams(req.body);
  const bodyId = form.get('client_id') ?? undefined;
  let clientId = bodyId;
  // An empty client_secret is no credential at all.
  let clientSecret = form.get('client_secret') || undefined;
  const auth = req.headers['authorization'];
  if (auth && !/^basic\s+/i.test(auth)) return oauthError(401, 'invalid_client', 'Client authentication must use the Basic scheme.', 'invalid_client_authentication_scheme');
  if (auth) {
    const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const [id, secret] = i < 0 ? [decoded, ''] : [decoded.slice(0, i), decoded.slice(i + 1)];
    clientId = decodeURIComponent(id);
    clientSecret = decodeURIComponent(secret) || undefined;
    if (bodyId !== undefined && bodyId !== clientId) return oauthError(401, 'invalid_client', 'The client_id in the body does not match the Authorization header.', 'client_id_mismatch');
  }
  const grant = form.get('grant_type');
  if (!grant) return oauthError(400, 'invalid_request', 'Invalid request. The [grant_type] parameter is required.', 'missing_grant_type');
  if (grant !== 'refresh_token' && grant !== 'authorization_code') return oauthError(400, 'unsupported_grant_type', `The grant type [${grant}] is not supported by the loginflow double.`, 'invalid_grant_type');
  if (!clientId) return oauthError(400, 'invalid_request', 'Invalid request. The [client_id] parameter is required.', 'missing_client_id');
  const app = Object.values(d.directory.applications).find((a) => a.id === clientId);
  if (!app) return oauthError(401, 'invalid_client', 'Invalid client_id.', 'invalid_client_id');
  // clientAuthenticationPolicy Required (FusionAuth's default): a secret in the Basic header or the body.
  if (clientSecret === undefined && d.options.requireClientAuthentication) {
    return oauthError(401, 'invalid_client', 'Client authentication missing as Basic Authorization header or credentials in the body.', 'client_authentication_missing');
  }
  if (clientSecret !== undefined && clientSecret !== app.clientSecret) return oauthError(401, 'invalid_client', 'Invalid client authentication.', 'invalid_client_authentication');
  if (grant === 'authorization_code') {
    const method = auth ? 'client_secret_basic' : clientSecret !== undefined ? 'client_secret_post' : 'none';
    return codeGrant(d, form, app, method, req.caller);
  }
  return refreshGrant(d, form, app);
}

/** grant_type=refresh_token: a new access token (and id_token with openid) for the client's live refresh token. */
async function refreshGrant(d: DoubleContext, form: URLSearchParams, app: DirectoryApplication): Promise<OutRes> {
  const given = form.get('refresh_token');
  if (!given) return oauthError(400, 'invalid_request', 'Invalid request. The [refresh_token] parameter is required.', 'missing_refresh_token');
  const rec = d.tokens.liveRefreshToken(given);
  const u = rec && findUser(d.directory, rec.userId);
  const appKey = rec && findApp(d.directory, rec.appId)?.[0];
  if (!rec || !u || !appKey || rec.appId !== app.id) return oauthError(400, 'invalid_grant', 'The refresh token is not valid.', 'refresh_token_not_found');
  const next = d.options.refreshTokenPolicy === 'OneTimeUse' ? d.tokens.rotate(rec) : rec;
  const scope = rec.scope ?? 'offline_access';
  const { token } = await d.tokens.issueJwt(u, appKey, rec.authTime, 'REFRESH_TOKEN', { scope, ...(rec.scope !== undefined ? { sid: rec.sid } : {}) });
  // The Refresh Token Grant's documented response: access_token, expires_in, refresh_token,
  // refresh_token_id, scope, token_type, userId (id_token only when openid was granted).
  const idToken = scope.split(' ').includes('openid') ? await idTokenFor(d, u, app, { authTime: rec.authTime, authenticationType: 'REFRESH_TOKEN', sid: rec.sid, scope }, token) : undefined;
  const res = json(200, {
    access_token: token,
    expires_in: d.options.jwtTtlSeconds,
    ...(idToken ? { id_token: idToken } : {}),
    refresh_token: next.token,
    refresh_token_id: next.id,
    scope,
    token_type: 'Bearer',
    userId: u.id,
  });
  res.headers.push(['Cache-Control', 'no-store'], ['Pragma', 'no-cache']);
  return res;
}

/** grant_type=authorization_code, once the client is authenticated (`app` is the client). */
async function codeGrant(d: DoubleContext, form: URLSearchParams, app: DirectoryApplication, clientAuth: OAuthCall['clientAuth'], caller: string): Promise<OutRes> {
  const code = form.get('code') ?? undefined;
  const verifier = form.get('code_verifier') ?? undefined;
  if (verifier) d.redactor.addToken(verifier);
  const call: OAuthCall = {
    endpoint: 'token',
    method: 'POST',
    caller,
    at: d.now(),
    grantType: 'authorization_code',
    clientId: app.id,
    clientAuth,
    code,
    redirectUri: form.get('redirect_uri') ?? undefined,
    codeVerifierPresent: verifier !== undefined,
    outcome: 'error',
    status: 0,
  };
  const res = await codeGrantInner(d, form, app, code, verifier, call);
  call.status = res.status;
  res.oauthCall = call;
  return res;
}

async function codeGrantInner(d: DoubleContext, form: URLSearchParams, app: DirectoryApplication, code: string | undefined, verifier: string | undefined, call: OAuthCall): Promise<OutRes> {
  const fail = (status: number, error: string, reason: string, description: string): OutRes => {
    call.error = error;
    call.errorReason = reason;
    const r = oauthError(status, error, description, reason);
    r.headers.push(['Cache-Control', 'no-store']);
    return r;
  };
  if (!code) return fail(400, 'invalid_request', 'missing_code', 'Invalid request. The [code] parameter is required.');
  const { rec, priorUses } = d.oauth.presentCode(code);
  call.codePriorUses = priorUses;
  // FusionAuth's answer for an unknown, expired or spent code (fusionauth-issues #150, #211).
  if (!rec || rec.uses > 1 || rec.expiresAt <= d.now() || rec.appId !== app.id) return fail(400, 'invalid_request', 'auth_code_not_found', 'Invalid Authorization Code');
  const redirectUri = form.get('redirect_uri');
  if (!redirectUri) return fail(400, 'invalid_request', 'missing_redirect_uri', 'Invalid request. The [redirect_uri] parameter is required.');
  if (redirectUri !== rec.redirectUri) return fail(400, 'invalid_request', 'invalid_redirect_uri', `Invalid redirect_uri [${redirectUri}]. It must be the one the authorization request used.`);
  if (rec.challenge) {
    if (!verifier) return fail(400, 'invalid_request', 'missing_code_verifier', 'Invalid request. The [code_verifier] parameter is required because a code_challenge was sent to the authorize endpoint.');
    const computed = rec.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    if (computed !== rec.challenge) return fail(400, 'invalid_request', 'invalid_pkce_code_verifier', 'The [code_verifier] does not match the code_challenge of the authorization request.');
  }
  const u = findUser(d.directory, rec.userId);
  if (!u) return fail(400, 'invalid_request', 'auth_code_not_found', 'Invalid Authorization Code');
  const scopes = rec.scope.split(' ').filter(Boolean);
  const scope = scopes.join(' ');
  const { token } = await d.tokens.issueJwt(u, rec.appKey, rec.authTime, rec.authenticationType, { sid: rec.sid, scope });
  const out: Record<string, unknown> = { access_token: token, expires_in: d.options.jwtTtlSeconds };
  const o = d.oauth.takeOverride();
  if (scopes.includes('openid') && !o?.idToken?.omit) {
    out.id_token = await idTokenFor(d, u, app, rec, token, o);
  }
  if (scopes.includes('offline_access') && registrationOf(d.directory, u, rec.appKey)) {
    const rt = d.tokens.issueRefreshToken(u, app.id, rec.authTime, rec.sid, scope);
    out.refresh_token = rt.token;
    out.refresh_token_id = rt.id;
  }
  out.scope = scope;
  out.token_type = 'Bearer';
  out.userId = u.id;
  call.outcome = 'tokens';
  call.userId = u.id;
  const res = json(200, out);
  res.headers.push(['Cache-Control', 'no-store'], ['Pragma', 'no-cache']);
  return res;
}

/** The id_token (docs oauth/tokens): aud = client_id, nonce when sent, at_hash of the access token, sid. */
async function idTokenFor(d: DoubleContext, u: DirectoryUser, app: DirectoryApplication, rec: Pick<CodeRecord, 'authTime' | 'authenticationType' | 'sid' | 'scope'> & { nonce?: string }, accessToken: string, o?: TokenAnswerOverride): Promise<string> {
  const now = Math.floor(d.now() / 1000);
  const ttl = d.options.jwtTtlSeconds;
  const [iat, exp] = o?.idToken?.expired ? [now - ttl - 60, now - 60] : [now, now + ttl];
  const c: Record<string, unknown> = {
    aud: o?.idToken?.aud ?? app.id,
    exp,
    iat,
    iss: o?.idToken?.iss ?? d.options.issuer,
    sub: u.id,
    jti: randomUUID(),
    authenticationType: rec.authenticationType,
    email: u.email,
    email_verified: u.verified !== false,
    at_hash: atHash(accessToken),
    auth_time: rec.authTime,
    sid: rec.sid,
    tid: d.directory.tenantId,
  };
  const nonce = o?.idToken?.nonce ?? rec.nonce;
  if (nonce !== undefined) c.nonce = nonce;
  if (u.firstName) c.given_name = u.firstName;
  if (u.lastName) c.family_name = u.lastName;
  if (rec.scope) c.scope = rec.scope;
  return d.tokens.signClaims(c, o?.signWith === 'wrong-key' ? 'wrong-key' : 'right');
}
