import type { SetCookie } from '../../checks';
import type { Exchange } from '../../trace';

/**
 * What answers on the wire say about credentials: which Set-Cookie removes a cookie, and
 * which tokens an answer of FusionAuth carried (its login, refresh and token endpoints,
 * native or OAuth field names).
 */

/** A Set-Cookie that removes the cookie; `now` on the world clock, which the backend that set it reads. */
export function isDeletion(c: SetCookie, now: number): boolean {
  const exp = c.cookie.expires;
  return c.cookie.maxAge === 0 || (typeof c.cookie.maxAge === 'number' && c.cookie.maxAge < 0) || (exp instanceof Date && exp.getTime() <= now);
}

/** Tokens a successful refresh answer carried (either endpoint's shape). */
export function newTokens(e: Exchange): { jwt?: string; refresh?: string } {
  const b = jsonBody(e);
  return b ? { jwt: str(b.token) ?? str(b.access_token), refresh: str(b.refreshToken) ?? str(b.refresh_token) } : {};
}

/** The endpoints whose answers issue tokens: the native login and refresh, and OAuth's token endpoint. */
const ISSUING = new Set(['/api/login', '/api/jwt/refresh', '/oauth2/token']);

/**
 * Every token a 200 answer of FusionAuth carried, by role: the JWTs (`token`, `access_token`,
 * and the `id_token`, which FusionAuth's own record of access tokens does not list) and the
 * refresh tokens. Empty for any other exchange.
 */
export function tokensIssuedIn(e: Exchange): { jwts: string[]; refresh: string[] } {
  const out = { jwts: [] as string[], refresh: [] as string[] };
  if (e.from === 'FusionAuth' || e.to !== 'FusionAuth' || e.response?.status !== 200 || !ISSUING.has(e.request.path.split('?')[0])) return out;
  const b = jsonBody(e);
  if (!b) return out;
  for (const k of ['access_token', 'id_token', 'token']) if (typeof b[k] === 'string') out.jwts.push(b[k]);
  for (const k of ['refresh_token', 'refreshToken']) if (typeof b[k] === 'string') out.refresh.push(b[k]);
  return out;
}

function jsonBody(e: Exchange): Record<string, unknown> | undefined {
  try {
    const b: unknown = JSON.parse(e.response?.body ?? '');
    return b && typeof b === 'object' ? (b as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
