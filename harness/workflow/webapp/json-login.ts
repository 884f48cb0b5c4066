import type { Actor, HttpResult } from '../../browser';
import { ConfigError, type LoginConfig, type TargetName } from '../../backend/config';

/**
 * Logging in as an app's front end does it: a JSON POST (fetch) with the credentials under
 * the app's own member names, then wherever the answer says to go: a redirect, a JSON member
 * naming the next page, or, when it says nothing, the logged-in page the kit knows from the
 * config. Only the request shape and the reading of the answer live here; the checks are the
 * workflow's own.
 */

/** Members of a JSON login answer that apps use to say where to go next, in the order tried. */
export const NEXT_MEMBERS = ['redirect', 'redirectTo', 'redirectUrl', 'next', 'location', 'url', 'returnTo'];

export interface JsonLoginRequest {
  app: TargetName;
  host: string;
  login: LoginConfig & { path: string };
  loginId: string;
  password: string;
  /** The page the front end runs on (Referer), if the browser loaded one. */
  page?: string;
}

/** The request body the app's front end would send. */
export function jsonLoginBody(r: Pick<JsonLoginRequest, 'login' | 'loginId' | 'password'>): Record<string, unknown> {
  return { ...(r.login.extra ?? {}), [r.login.fields?.loginId ?? 'loginId']: r.loginId, [r.login.fields?.password ?? 'password']: r.password };
}

export async function postJsonLogin(actor: Actor, r: JsonLoginRequest): Promise<HttpResult> {
  const origin = `http://${r.host}`;
  // What fetch() from the app's page sends: its Origin, the page as Referer, JSON both ways.
  return actor.request('POST', `${origin}${r.login.path}`, {
    json: jsonLoginBody(r),
    headers: { origin, accept: 'application/json', ...(r.page ? { referer: r.page } : {}) },
  });
}

/** Where a JSON login answer sends the front end: its redirect, or a member naming a path or URL. */
export function nextOf(result: HttpResult, login: LoginConfig): { url?: string; how: string } {
  if (result.location && result.status >= 300 && result.status < 400) return { url: result.location, how: `a ${result.status} redirect` };
  let body: unknown;
  try {
    body = JSON.parse(result.body);
  } catch {
    return { how: 'no JSON body' };
  }
  if (!body || typeof body !== 'object') return { how: 'a JSON body that is not an object' };
  const members = login.next ? [login.next] : NEXT_MEMBERS;
  for (const m of members) {
    const v = (body as Record<string, unknown>)[m];
    if (typeof v === 'string' && /^(\/|https?:\/\/)/.test(v)) return { url: new URL(v, result.url).href, how: `the member "${m}" of the JSON answer` };
  }
  return { how: login.next ? `no member "${login.next}" holding a path in the JSON answer` : 'no member naming the next page' };
}

/**
 * The JSON login did not log the user in. 400 and 422 are the app saying the request is
 * malformed: with the right credentials, that is the config naming members the app does not
 * read (exit 2, naming the field). Any other non-2xx/3xx (401, 403, 404, 5xx) is the app
 * refusing a user FusionAuth accepts: the login step fails and shows the answer.
 */
export function judgeJsonLoginAnswer(app: TargetName, r: JsonLoginRequest, result: HttpResult): void {
  if (result.status < 400) return;
  const body = oneLine(result.body, 300) || '(empty body)';
  const sent = Object.keys(jsonLoginBody(r));
  if (result.status === 400 || result.status === 422) {
    const loginKey = r.login.fields?.loginId ?? 'loginId';
    const pwKey = r.login.fields?.password ?? 'password';
    const mentions = (k: string) => new RegExp(`\\b${escape(k)}\\b`, 'i').test(result.body);
    const said = { loginId: mentions(loginKey), password: mentions(pwKey) };
    // "unknown field user" names the member it rejects; "email and password are required"
    // names the one it missed by naming the others it wanted.
    const one = said.loginId !== said.password ? (said.loginId ? 'loginId' : 'password') : undefined;
    const named = !one ? undefined : /unknown|unexpected|not allowed|unrecogni[sz]ed|invalid/i.test(result.body) ? one : /required|missing|must|expected/i.test(result.body) ? (one === 'loginId' ? 'password' : 'loginId') : one;
    const field = named ? `${app}.login.fields.${named}` : `${app}.login.fields`;
    throw new ConfigError(
      `${field}: the JSON login POST ${r.login.path} with members ${sent.map((k) => `"${k}"`).join(', ')} answered ${result.status}: ${body}\n` +
        `  the app rejects the request itself, not the credentials (they are right): set ${app}.login.fields (loginId, password) and ${app}.login.extra to the member names its front end sends`,
    );
  }
  throw new Error(
    `the ${app}'s JSON login POST ${r.login.path} answered ${result.status} for ${r.loginId} with the right password (FusionAuth accepts this user): ${body}\n` +
      `  a login that FusionAuth accepts must log the user in (2xx, or a redirect)`,
  );
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function oneLine(s: string, n: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
}
