import { type Exchange, header } from '../trace';
import { defineCheck, fail, pass } from './check';

/** Checks on what a backend asked FusionAuth (the double's side of the journal). */

export interface LoginCallArgs {
  caller: string;
  exchanges: Exchange[];
  loginId: string;
  password: string;
  apiKey: string;
  applicationId: string;
}

function loginCalls(a: LoginCallArgs): Exchange[] {
  return a.exchanges.filter((e) => e.from === a.caller && e.to === 'FusionAuth' && e.request.method === 'POST' && e.request.path.split('?')[0] === '/api/login');
}

function json(body: string | undefined): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body ?? '');
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

export const backendCalledLogin = defineCheck<LoginCallArgs>({
  kind: 'login-called',
  name: 'backendCalledLoginApi',
  level: 'MUST',
  ensures: (a) => `${a.caller} calls POST /api/login on FusionAuth with the submitted loginId and password, its API key in Authorization and its applicationId`,
  evaluate: (a) => {
    const calls = loginCalls(a);
    if (!calls.length) {
      const fa = a.exchanges.filter((e) => e.to === 'FusionAuth');
      return fail(`${a.caller} made no POST /api/login call to FusionAuth${fa.length ? ` (FusionAuth saw: ${fa.map((e) => `${e.from} ${e.request.method} ${e.request.path}`).join('; ')})` : ''}`, a.exchanges.slice(-3));
    }
    const problems: string[] = [];
    const e = calls[calls.length - 1];
    const body = json(e.request.body);
    if (!body) problems.push('the body is not a JSON object');
    else {
      if (body.loginId !== a.loginId) problems.push(`loginId was ${JSON.stringify(body.loginId)}, not the submitted ${JSON.stringify(a.loginId)}`);
      if (body.password !== a.password) problems.push('password was not the submitted one');
      if (body.applicationId !== a.applicationId) problems.push(`applicationId was ${JSON.stringify(body.applicationId)}, not ${a.caller}'s ${a.applicationId}`);
    }
    const auth = header(e.request.headers, 'authorization');
    if (auth !== a.apiKey) problems.push(auth ? 'Authorization was not the API key (FusionAuth takes the bare key, no scheme)' : 'no Authorization header with the API key');
    if (e.response?.status !== 200) problems.push(`FusionAuth answered ${e.response?.status ?? e.error}`);
    return problems.length ? fail(problems.join('; '), [e]) : pass(`POST /api/login with the user's credentials, API key and applicationId; FusionAuth answered 200`, [e]);
  },
});

export interface BrowserDidNotCallArgs {
  actor: string;
  exchanges: Exchange[];
  /**
   * The host the browser knows FusionAuth by. A backend's 307/308 there hands the login form,
   * password included, to FusionAuth through the browser on its next hop: the same defect.
   */
  fusionauthHost?: string;
}

/** A redirect of the actor's request to FusionAuth that makes the browser re-send its body. */
function replaysToFusionAuth(e: Exchange, host: string | undefined): boolean {
  const st = e.response?.status;
  const loc = header(e.response?.headers, 'location');
  if (!host || !loc || (st !== 307 && st !== 308) || !e.request.body) return false;
  try {
    return new URL(loc, `http://${e.request.host}`).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

export const browserDidNotCallFusionAuth = defineCheck<BrowserDidNotCallArgs>({
  kind: 'login-server-side',
  name: 'browserDidNotCallFusionAuth',
  level: 'MUST',
  ensures: (a) => `the ${a.actor} never talks to FusionAuth itself: the backend does`,
  evaluate: (a) => {
    const direct = a.exchanges.filter((e) => e.from === a.actor && e.to === 'FusionAuth');
    if (direct.length) return fail(`the ${a.actor} called FusionAuth directly`, direct);
    const handed = a.exchanges.filter((e) => e.from === a.actor && replaysToFusionAuth(e, a.fusionauthHost));
    if (handed.length) return fail(`${handed[0].to} answered ${handed[0].response!.status} to FusionAuth (${header(handed[0].response!.headers, 'location')}): the ${a.actor} re-sends the form, password included, to FusionAuth itself`, handed);
    return pass(`no ${a.actor} → FusionAuth exchange`);
  },
});

export interface RefreshCallArgs {
  caller: string;
  exchanges: Exchange[];
  refreshToken: string;
  /** The status FusionAuth must have answered (200 for a good refresh, 400/404 for an expired token). */
  expectStatus: number;
  /** In a run of the refreshEndpoint variant: the endpoint the backend was asked to use. */
  endpoint?: string;
}

export function isRefreshCall(e: Exchange): boolean {
  const p = e.request.path.split('?')[0];
  if (e.to !== 'FusionAuth' || e.request.method !== 'POST') return false;
  if (p === '/api/jwt/refresh') return true;
  return p === '/oauth2/token' && /grant_type=refresh_token/.test(e.request.body ?? '');
}

/** The refresh token a refresh call carried: cookie, JSON body or form body. */
export function refreshTokenOf(e: Exchange): string | undefined {
  const cookie = header(e.request.headers, 'cookie');
  const m = cookie && /(?:^|;\s*)refresh_token=([^;]+)/.exec(cookie);
  if (m) return decodeURIComponent(m[1]);
  const body = e.request.body ?? '';
  const j = json(body);
  if (j && typeof j.refreshToken === 'string') return j.refreshToken;
  const form = new URLSearchParams(body);
  return form.get('refresh_token') ?? undefined;
}

export const backendCalledRefresh = defineCheck<RefreshCallArgs>({
  kind: 'refresh-called',
  name: 'backendCalledRefreshApi',
  level: 'MUST',
  ensures: (a) => `${a.caller} calls FusionAuth's refresh API (POST ${a.endpoint ?? '/api/jwt/refresh or /oauth2/token'}) with the browser's refresh token and gets ${a.expectStatus}`,
  evaluate: (a) => {
    const calls = a.exchanges.filter((e) => e.from === a.caller && isRefreshCall(e));
    if (!calls.length) return fail(`${a.caller} made no refresh call to FusionAuth`, a.exchanges.filter((e) => e.from !== 'FusionAuth').slice(-3));
    const withToken = calls.filter((e) => refreshTokenOf(e) === a.refreshToken);
    if (!withToken.length) return fail(`${a.caller} called ${calls[0].request.path} but not with the browser's refresh token`, calls);
    const e = withToken[withToken.length - 1];
    if (a.endpoint && e.request.path.split('?')[0] !== a.endpoint) return fail(`called ${e.request.path}, not ${a.endpoint} as FUSIONAUTH_REFRESH_ENDPOINT asked`, [e]);
    if (e.response?.status !== a.expectStatus) return fail(`FusionAuth answered ${e.response?.status ?? e.error}`, [e]);
    return pass(`${e.request.method} ${e.request.path} with the refresh token; FusionAuth answered ${e.response.status}`, [e]);
  },
});
