import { fusionAuthOperation } from './catalogue';
import type { DoubleContext, Handler } from './context';
import type { InReq, OutRes } from './http';
import { literalFirst, templateMatcher, type PathMatcher, type TemplateOptions } from './path-template';
import { refresh, revoke, validate, publicKey } from './api/jwt';
import { login, logout } from './api/login';
import { discovery, jwks, userinfo } from './api/oidc';
import { authorize, oauthLogout } from './api/oauth-authorize';
import { oauthToken } from './api/oauth-token';
import { retrieveUser, retrieveUserById } from './api/user';

/**
 * Every endpoint the double plays, one row each: method, path template (as FusionAuth's OpenAPI
 * description writes it, where it has the endpoint) and handler. This table is the double's
 * whole surface: docs/fusionauth-fidelity.md lists the same endpoints, and
 * test/fusionauth/routes.test.ts fails when the two differ.
 */
export interface Route extends TemplateOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  handler: Handler;
}

const UUID = /^[0-9a-f-]{36}$/i;

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/api/login', handler: login },
  { method: 'POST', path: '/api/logout', handler: logout },
  { method: 'POST', path: '/api/jwt/refresh', handler: refresh },
  { method: 'DELETE', path: '/api/jwt/refresh', handler: revoke },
  { method: 'GET', path: '/api/jwt/validate', handler: validate },
  { method: 'GET', path: '/api/jwt/public-key', handler: publicKey },
  { method: 'GET', path: '/api/user', handler: retrieveUser, trailingSlash: true },
  // Only an id shaped as FusionAuth's (a UUID) names a user; anything else stays the kit's gap.
  { method: 'GET', path: '/api/user/{userId}', handler: retrieveUserById, params: { userId: UUID } },
  { method: 'GET', path: '/oauth2/authorize', handler: authorize },
  { method: 'POST', path: '/oauth2/authorize', handler: authorize },
  { method: 'POST', path: '/oauth2/token', handler: oauthToken },
  { method: 'GET', path: '/oauth2/userinfo', handler: userinfo },
  { method: 'POST', path: '/oauth2/userinfo', handler: userinfo },
  { method: 'GET', path: '/oauth2/logout', handler: oauthLogout },
  { method: 'POST', path: '/oauth2/logout', handler: oauthLogout },
  { method: 'GET', path: '/.well-known/jwks.json', handler: jwks },
  { method: 'GET', path: '/.well-known/openid-configuration', handler: discovery },
];

const matchers: Array<Route & { match: PathMatcher }> = literalFirst(ROUTES).map((r) => ({ ...r, match: templateMatcher(r.path, r) }));

/**
 * FusionAuth's answer to a request: its route's handler; for a real FusionAuth API the table
 * lacks, a 501 marked as the kit's gap (the run stops as a kit error, exit 2, never blaming the
 * backend); for anything else FusionAuth's own 404.
 */
export async function dispatch(d: DoubleContext, req: InReq): Promise<OutRes> {
  const p = req.url.pathname;
  const m = req.method;
  for (const r of matchers) {
    if (r.method !== m) continue;
    const params = r.match(p);
    if (params) return r.handler(d, req, params);
  }
  const op = fusionAuthOperation(m, p);
  if (op) {
    const gap = `the FusionAuth double does not implement ${m} ${p} (a FusionAuth API: ${op.method} ${op.template}); this is a gap in loginflow, not in your backend`;
    return { status: 501, headers: [['Content-Type', 'text/plain']], body: gap, unexpected: true, kitGap: gap };
  }
  // Not a FusionAuth endpoint at all: FusionAuth's own answer, 404.
  return { status: 404, headers: [], body: '', unexpected: true };
}
