import { createHash } from 'node:crypto';
import { parseCookieHeader } from '../common/cookie-header';
import type { OAuthCall } from './oauth';

/**
 * A request as the double's handlers see it and the answer they give: plain data, so a handler
 * is a function of the double's state and the request (api/), and recording and CORS stay in
 * one place (double.ts, exchanges.ts). Helpers for FusionAuth's answer shapes live here.
 */

export interface InReq {
  method: string;
  path: string;
  url: URL;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** The journal's name for who called (callers.ts). */
  caller: string;
  /** Where the caller reached FusionAuth (http://host[:port]): FusionAuth names its own URLs after the request. */
  base: string;
}

export interface OutRes {
  status: number;
  headers: [string, string][];
  body: string;
  /** No FusionAuth endpoint answers this (or the double does not play it): recorded as unexpected. */
  unexpected?: boolean;
  /** An OAuth call's parameters, for double.oauth.calls (recorded with the journal's seq). */
  oauthCall?: OAuthCall;
  /** A real FusionAuth API the double does not play: a gap in the kit, not the caller's fault. */
  kitGap?: string;
}

export function json(status: number, body: unknown): OutRes {
  return { status, headers: [['Content-Type', 'application/json;charset=UTF-8']], body: JSON.stringify(body) };
}

export function empty(status: number): OutRes {
  return { status, headers: [], body: '' };
}

/** FusionAuth's OAuthError body (error, error_description, error_reason). */
export function oauthError(status: number, error: string, description: string, reason: string): OutRes {
  return json(status, { error, error_description: description, error_reason: reason });
}

/** `{fieldErrors: {<field>: [{code, message}]}, generalErrors: []}`, FusionAuth's 400 for one bad field. */
export function fieldError(field: string, code: string, message: string): OutRes {
  return json(400, { fieldErrors: { [field]: [{ code, message }] }, generalErrors: [] });
}

export function isJson(req: InReq): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
}

export function isForm(req: InReq): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** A JSON object body, or FusionAuth's 400 for a wrong content type or unparsable JSON. */
export function parseJsonBody(req: InReq): { value: Record<string, unknown> } | { error: OutRes } {
  if (!isJson(req)) {
    return { error: json(400, { generalErrors: [{ code: '[invalidContentType]', message: 'The request must have a Content-Type of application/json.' }] }) };
  }
  try {
    const v: unknown = JSON.parse(req.body);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return { value: v as Record<string, unknown> };
  } catch {
    return { error: json(400, { generalErrors: [{ code: '[invalidJSON]', message: 'Unable to parse JSON in request body. The JSON must be an object.' }] }) };
  }
}

/** A cookie the request sends (the first of one name). */
export function cookieOf(req: InReq, name: string): string | undefined {
  return parseCookieHeader(req.headers['cookie'])[name];
}

/**
 * The JWT a request authenticates with (docs apis/authentication "JWT Authentication"):
 * `Authorization: Bearer <jwt>`, the legacy `Authorization: JWT <jwt>` that older FusionAuth
 * clients send, or the `access_token` cookie.
 */
export function presentedJwt(req: InReq): string | undefined {
  const auth = req.headers['authorization'];
  const m = auth ? /^(bearer|jwt)\s+(.+)$/i.exec(auth.trim()) : null;
  return m?.[2].trim() || cookieOf(req, 'access_token') || undefined;
}

/**
 * FusionAuth's cookies for its own host (host-only, no Domain): `access_token` is an HttpOnly
 * session cookie, `refresh_token` an HttpOnly persistent cookie for the refresh token's
 * configured lifetime (docs apis/login "Response Cookies", apis/jwt "Refresh a JWT").
 */
export function fusionAuthCookie(name: string, value: string, now: number, maxAge?: number): string {
  const life = maxAge === undefined ? '' : `; Max-Age=${maxAge}; Expires=${new Date(now + maxAge * 1000).toUTCString()}`;
  return `${name}=${value}${life}; Path=/; SameSite=Lax; HttpOnly`;
}

export function clearedCookie(name: string): string {
  return `${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; SameSite=Lax; HttpOnly`;
}

/** A UUID-shaped id derived from its parts: the same user and application always get the same registration id. */
export function derivedUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
