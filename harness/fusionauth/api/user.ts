import type { DoubleContext } from '../context';
import { findApp, findUser, type DirectoryUser } from '../directory';
import { derivedUuid, empty, fieldError, json, presentedJwt, type InReq, type OutRes } from '../http';

/** The User API's reads: `GET /api/user` (by JWT, or by email/loginId with the API key) and `GET /api/user/{userId}`. */

/** GET /api/user with a JWT (its owner), or with the API key and ?email= / ?loginId=. */
export async function retrieveUser(d: DoubleContext, req: InReq): Promise<OutRes> {
  const now = d.now();
  if (req.headers['authorization'] === d.directory.apiKey) {
    const q = req.url.searchParams;
    const key = q.get('email') ?? q.get('loginId') ?? q.get('username');
    if (!key) return fieldError('email', '[missing]email', 'You must specify an [email], [loginId] or [username] parameter.');
    const u = findUser(d.directory, key);
    return u && u.id !== key ? json(200, { user: userJson(d, u, now) }) : empty(404);
  }
  const jwt = presentedJwt(req);
  const claims = jwt ? await d.tokens.verify(jwt) : undefined;
  const u = claims?.sub ? findUser(d.directory, claims.sub) : undefined;
  if (!u) return empty(401);
  return json(200, { user: userJson(d, u, now) });
}

/** GET /api/user/{userId} with the API key. */
export function retrieveUserById(d: DoubleContext, req: InReq, params: Record<string, string>): OutRes {
  if (req.headers['authorization'] !== d.directory.apiKey) return empty(401);
  const u = d.directory.users.find((x) => x.id === params.userId);
  return u ? json(200, { user: userJson(d, u, d.now()) }) : empty(404);
}

/** A user as FusionAuth's User object shows it (login answers carry it too). */
export function userJson(d: DoubleContext, u: DirectoryUser, now: number): Record<string, unknown> {
  const registrations = Object.entries(u.registrations).flatMap(([key, reg]) => {
    const app = findApp(d.directory, key)?.[1];
    if (!app) return [];
    return [{ id: derivedUuid(u.id, app.id), applicationId: app.id, roles: [...reg.roles], verified: reg.verified !== false, insertInstant: now - 86_400_000, lastLoginInstant: now, lastUpdateInstant: now - 86_400_000 }];
  });
  const out: Record<string, unknown> = {
    id: u.id,
    email: u.email,
    active: true,
    verified: u.verified !== false,
    tenantId: d.directory.tenantId,
    passwordChangeRequired: !!u.passwordChangeRequired,
    insertInstant: now - 86_400_000,
    lastLoginInstant: now,
    lastUpdateInstant: now - 86_400_000,
    passwordLastUpdateInstant: now - 86_400_000,
    registrations,
    data: {},
  };
  if (u.firstName) out.firstName = u.firstName;
  if (u.lastName) out.lastName = u.lastName;
  return out;
}
