import type { DoubleContext } from '../context';
import { findApp, findUser } from '../directory';
import { cookieOf, empty, fieldError, fusionAuthCookie, isForm, json, parseJsonBody, presentedJwt, type InReq, type OutRes } from '../http';

/** The JWT API: refresh (`POST /api/jwt/refresh`), revoke (`DELETE /api/jwt/refresh`), validate, public keys. */

/** POST /api/jwt/refresh: a new access token for a live refresh token (cookie first, then body). */
export async function refresh(d: DoubleContext, req: InReq): Promise<OutRes> {
  let b: Record<string, unknown> = {};
  if (req.body.trim()) {
    const parsed = parseJsonBody(req);
    if ('error' in parsed) return parsed.error;
    b = parsed.value;
  }
  const given = cookieOf(req, 'refresh_token') || (typeof b.refreshToken === 'string' ? b.refreshToken : undefined);
  if (!given) return fieldError('refreshToken', '[blank]refreshToken', 'You must specify the [refreshToken] property.');
  const rec = d.tokens.liveRefreshToken(given);
  const u = rec && findUser(d.directory, rec.userId);
  const appKey = rec && findApp(d.directory, rec.appId)?.[0];
  if (!rec || !u || !appKey) return refreshFailure(d);
  const next = d.options.refreshTokenPolicy === 'OneTimeUse' ? d.tokens.rotate(rec) : rec;
  const { token } = await d.tokens.issueJwt(u, appKey, rec.authTime, 'REFRESH_TOKEN', { sid: rec.sid });
  const res = json(200, { token, refreshToken: next.token, refreshTokenId: next.id });
  res.headers.push(['Set-Cookie', fusionAuthCookie('access_token', token, d.now())], ['Set-Cookie', fusionAuthCookie('refresh_token', next.token, d.now(), d.options.refreshTokenTtlSeconds)]);
  return res;
}

/** An unknown, expired or revoked refresh token: FusionAuth's 400, or the 404 the workflow diagrams draw (refreshFailureStatus). */
function refreshFailure(d: DoubleContext): OutRes {
  if (d.options.refreshFailureStatus === 404) return empty(404);
  return fieldError('refreshToken', '[invalid]refreshToken', 'The refresh token is invalid or has expired.');
}

/**
 * DELETE /api/jwt/refresh (docs apis/jwt "Revoke Refresh Tokens"): by `token` (API key or the
 * owner's JWT), by `userId`, by `applicationId` or both (API key). 200 with no body; a
 * revoked token then refuses to refresh.
 */
export async function revoke(d: DoubleContext, req: InReq): Promise<OutRes> {
  const q = req.url.searchParams;
  let token = q.get('token') ?? undefined;
  if (!token && isForm(req)) token = new URLSearchParams(req.body).get('token') ?? undefined;
  const userId = q.get('userId') ?? undefined;
  const appId = q.get('applicationId') ?? undefined;
  const apiKey = req.headers['authorization'] === d.directory.apiKey;
  let jwtOwner: string | undefined;
  if (!apiKey) {
    const jwt = presentedJwt(req);
    const claims = jwt ? await d.tokens.verify(jwt) : undefined;
    if (!claims?.sub || !token) return empty(401);
    jwtOwner = claims.sub;
  }
  if (token) {
    const rec = d.tokens.refreshRecord(token);
    if (!rec || rec.revoked) return empty(404);
    if (jwtOwner && rec.userId !== jwtOwner) return empty(401);
    rec.revoked = true;
    return empty(200);
  }
  if (!userId && !appId) return fieldError('token', '[missing]token', 'You must specify the [token], [userId] or [applicationId] parameter.');
  for (const r of d.tokens.refreshRecords()) if ((!userId || r.userId === userId) && (!appId || r.appId === appId)) r.revoked = true;
  return empty(200);
}

/** GET /api/jwt/validate: the claims of a JWT the double signed and that has not expired, else 401. */
export async function validate(d: DoubleContext, req: InReq): Promise<OutRes> {
  const jwt = presentedJwt(req);
  if (!jwt) return empty(401);
  const claims = await d.tokens.verify(jwt);
  if (!claims) return empty(401);
  return json(200, { jwt: claims });
}

/** GET /api/jwt/public-key: the RSA key as PEM, by application (when it signs with RS256), by kid, or all. */
export function publicKey(d: DoubleContext, req: InReq): OutRes {
  const appId = req.url.searchParams.get('applicationId');
  const kid = req.url.searchParams.get('kid');
  const { rs256 } = d.keys;
  if (appId !== null) {
    const found = findApp(d.directory, appId);
    if (!found || found[1].id !== appId || d.options.signing !== 'RS256') return empty(404);
    return json(200, { publicKey: rs256.pem });
  }
  if (kid !== null) return kid === rs256.kid ? json(200, { publicKey: rs256.pem }) : empty(404);
  return json(200, { publicKeys: { [rs256.kid]: rs256.pem } });
}
