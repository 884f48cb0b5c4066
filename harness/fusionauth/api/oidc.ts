import type { DoubleContext } from '../context';
import { findUser } from '../directory';
import { json, oauthError, type InReq, type OutRes } from '../http';

/** What OpenID Connect clients read: discovery, the JWKS and userinfo. */

/** GET /.well-known/openid-configuration: FusionAuth's discovery document, its URLs named after the request. */
export function discovery(d: DoubleContext, req: InReq): OutRes {
  const b = req.base;
  return json(200, {
    authorization_endpoint: `${b}/oauth2/authorize`,
    backchannel_logout_supported: false,
    claims_supported: ['applicationId', 'at_hash', 'aud', 'authenticationType', 'auth_time', 'c_hash', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'jti', 'name', 'roles', 'scope', 'sid', 'sub', 'tid'],
    device_authorization_endpoint: `${b}/oauth2/device_authorize`,
    end_session_endpoint: `${b}/oauth2/logout`,
    frontchannel_logout_supported: true,
    grant_types_supported: ['authorization_code', 'implicit', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    id_token_signing_alg_values_supported: ['HS256', 'RS256'],
    issuer: d.options.issuer,
    jwks_uri: `${b}/.well-known/jwks.json`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    response_types_supported: ['code', 'token', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'],
    scopes_supported: ['openid', 'offline_access', 'profile', 'email', 'phone', 'address'],
    subject_types_supported: ['public'],
    token_endpoint: `${b}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    userinfo_endpoint: `${b}/oauth2/userinfo`,
    userinfo_signing_alg_values_supported: ['HS256', 'RS256'],
  });
}

/** GET /.well-known/jwks.json: the RSA public key (HMAC secrets are never published). */
export function jwks(d: DoubleContext): OutRes {
  return json(200, { keys: [{ ...d.keys.rs256.jwk }] });
}

/** GET /oauth2/userinfo with a Bearer access token: the user's OpenID claims; else 401 with an OAuthError. */
export async function userinfo(d: DoubleContext, req: InReq): Promise<OutRes> {
  const auth = req.headers['authorization'];
  const m = auth ? /^bearer\s+(.+)$/i.exec(auth.trim()) : null;
  const invalid = (reason: string, why: string): OutRes => {
    const r = oauthError(401, 'invalid_token', why, reason);
    r.headers.push(['WWW-Authenticate', `Bearer error="invalid_token", error_description="${why}"`]);
    return r;
  };
  if (!m) return invalid('access_token_required', 'An access token is required.');
  const claims = await d.tokens.verify(m[1].trim());
  const u = claims?.sub ? findUser(d.directory, claims.sub) : undefined;
  if (!claims || !u) return invalid('access_token_invalid', 'The access token is not valid.');
  const out: Record<string, unknown> = { sub: u.id, email: u.email, email_verified: u.verified !== false };
  if (u.firstName) out.given_name = u.firstName;
  if (u.lastName) out.family_name = u.lastName;
  if (u.firstName || u.lastName) out.name = [u.firstName, u.lastName].filter(Boolean).join(' ');
  if (claims.applicationId) out.applicationId = claims.applicationId;
  if (claims.roles) out.roles = claims.roles;
  out.tid = d.directory.tenantId;
  return json(200, out);
}
