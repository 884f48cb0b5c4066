import { randomBytes, randomUUID } from 'node:crypto';
import type { DoubleContext } from '../context';
import { expectedLoginStatus, findApp, findUser, registrationOf } from '../directory';
import { clearedCookie, cookieOf, derivedUuid, empty, fusionAuthCookie, isJson, json, parseJsonBody, type InReq, type OutRes } from '../http';
import { userJson } from './user';

/** The Login API (`POST /api/login`, one answer per login outcome of the directory's users) and `POST /api/logout`. */

export async function login(d: DoubleContext, req: InReq): Promise<OutRes> {
  const parsed = parseJsonBody(req);
  if ('error' in parsed) return parsed.error;
  const b = parsed.value;
  const applicationId = typeof b.applicationId === 'string' ? b.applicationId : undefined;
  const auth = req.headers['authorization'];
  // An API key, when sent, must be right. Without one: with an applicationId the application's
  // loginConfiguration.requireAuthentication decides (requireApiKey), without one the
  // tenant's (tenantRequireApiKey); both default to true in FusionAuth.
  const required = applicationId !== undefined ? d.options.requireApiKey : d.options.tenantRequireApiKey;
  if ((auth !== undefined && auth !== d.directory.apiKey) || (required && auth !== d.directory.apiKey)) {
    return empty(401);
  }
  const fieldErrors: Record<string, { code: string; message: string }[]> = {};
  if (typeof b.loginId !== 'string' || !b.loginId.trim()) fieldErrors.loginId = [{ code: '[blank]loginId', message: 'You must specify the [loginId] property.' }];
  if (typeof b.password !== 'string' || !b.password) fieldErrors.password = [{ code: '[blank]password', message: 'You must specify the [password] property.' }];
  let appKey: string | undefined;
  if (applicationId !== undefined) {
    const found = findApp(d.directory, applicationId);
    if (!found || found[1].id !== applicationId) fieldErrors.applicationId = [{ code: '[invalid]applicationId', message: 'The [applicationId] property is not a valid application.' }];
    else appKey = found[0];
  }
  if (Object.keys(fieldErrors).length) return json(400, { fieldErrors, generalErrors: [] });

  const u = findUser(d.directory, String(b.loginId).trim());
  if (!u || u.id === b.loginId || u.password !== b.password) return empty(404);
  const status = expectedLoginStatus(u, appKey, d.directory);
  const now = d.now();
  const authTime = Math.floor(now / 1000);
  switch (status) {
    case 423:
    case 410:
      return empty(status);
    case 409:
      return json(409, {
        actions: [{ actionId: derivedUuid(u.id, 'action'), actionerUserId: derivedUuid('admin', 'user'), expiry: now + 86_400_000, localizedName: 'Prevent login', localizedReason: 'Account review', name: 'Prevent login', reason: 'Account review', reasonCode: 'review' }],
      });
    case 203:
      return json(203, { changePasswordId: randomBytes(24).toString('base64url'), changePasswordReason: 'Administrative' });
    case 242:
      return json(242, {
        twoFactorId: randomBytes(24).toString('base64url'),
        methods: [{ id: 'AUTH1', method: 'authenticator', authenticator: { algorithm: 'HmacSHA1', codeLength: 6, timeStep: 30 } }],
      });
  }
  // 200, 202, 212 and 213 authenticate the user and issue tokens: an access token (its `aud`
  // the application asked for, even when not registered: 202), and a refresh token with the
  // application's registration. 212/213 add the verification id.
  const registered = !!appKey && !!registrationOf(d.directory, u, appKey);
  const sid = randomUUID();
  const { token, exp } = await d.tokens.issueJwt(u, appKey, authTime, 'PASSWORD', { sid });
  const out: Record<string, unknown> = { token, tokenExpirationInstant: exp * 1000, user: userJson(d, u, now) };
  if (status === 212) out.emailVerificationId = randomBytes(24).toString('base64url');
  if (status === 213) out.registrationVerificationId = randomBytes(24).toString('base64url');
  const cookies: [string, string][] = [['Set-Cookie', fusionAuthCookie('access_token', token, now)]];
  if (registered && appKey) {
    const rt = d.tokens.issueRefreshToken(u, d.directory.applications[appKey].id, authTime, sid);
    out.refreshToken = rt.token;
    out.refreshTokenId = rt.id;
    cookies.push(['Set-Cookie', fusionAuthCookie('refresh_token', rt.token, d.now(), d.options.refreshTokenTtlSeconds)]);
  }
  const res = json(status, out);
  res.headers.push(...cookies);
  return res;
}

/** POST /api/logout: revokes the refresh token (query, body or cookie; global: all of its user's) and clears both cookies. */
export function logout(d: DoubleContext, req: InReq): OutRes {
  let b: Record<string, unknown> = {};
  if (isJson(req) && req.body.trim()) {
    const parsed = parseJsonBody(req);
    if ('error' in parsed) return parsed.error;
    b = parsed.value;
  }
  const q = req.url.searchParams;
  const token = q.get('refreshToken') || (typeof b.refreshToken === 'string' ? b.refreshToken : undefined) || cookieOf(req, 'refresh_token');
  const global = q.get('global') === 'true' || b.global === true;
  const rec = token ? d.tokens.refreshRecord(token) : undefined;
  if (rec) {
    for (const r of d.tokens.refreshRecords()) if (r === rec || (global && r.userId === rec.userId)) r.revoked = true;
  }
  return { status: 200, headers: [['Set-Cookie', clearedCookie('access_token')], ['Set-Cookie', clearedCookie('refresh_token')]], body: '' };
}
