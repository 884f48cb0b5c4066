import { candidates } from './cookie-tokens';
import { type Exchange, header } from '../trace';
import { defineCheck, fail, outcome, pass } from './check';

/**
 * Checks of the single-page-app workflow. Those about what the app's own JavaScript did
 * (called FusionAuth, kept the JWT in local storage, refreshed) are made only when a real
 * browser ran the app; in HTTP mode the kit plays that JavaScript itself, and a check of
 * its own behaviour could not fail.
 */

export interface SpaCallArgs {
  actor: string;
  exchanges: Exchange[];
  path: '/api/login' | '/api/jwt/refresh';
  applicationId?: string;
  /** The status FusionAuth must have answered. */
  expectStatus: number;
  /** For refresh: the call must carry FusionAuth's refresh_token cookie. */
  withCookie?: boolean;
}

export const spaCalledFusionAuth = (kind: string, name: string) =>
  defineCheck<SpaCallArgs>({
    kind,
    name,
    level: 'MUST',
    ensures: (a) =>
      `the app's JavaScript calls POST ${a.path} on FusionAuth from the ${a.actor}${a.applicationId ? ` with applicationId ${a.applicationId}` : ''}${a.withCookie ? ', sending the refresh_token cookie' : ''}, and FusionAuth answers ${a.expectStatus}`,
    evaluate: (a) => {
      const calls = a.exchanges.filter((e) => e.from === a.actor && e.to === 'FusionAuth' && e.request.method === 'POST' && e.request.path.split('?')[0] === a.path);
      if (!calls.length) return fail(`the ${a.actor} made no POST ${a.path} call to FusionAuth`, a.exchanges.filter((e) => e.from === a.actor).slice(-3));
      const e = calls[calls.length - 1];
      const problems: string[] = [];
      if (a.applicationId) {
        let body: any;
        try {
          body = JSON.parse(e.request.body ?? '');
        } catch {
          body = undefined;
        }
        if (body?.applicationId !== a.applicationId) problems.push(`applicationId was ${JSON.stringify(body?.applicationId)}`);
      }
      if (a.withCookie && !/(^|;\s*)refresh_token=/.test(header(e.request.headers, 'cookie') ?? '')) problems.push('the refresh_token cookie was not sent (fetch without credentials: "include"?)');
      if (e.response?.status !== a.expectStatus) problems.push(`FusionAuth answered ${e.response?.status ?? e.error}`);
      return problems.length ? fail(problems.join('; '), [e]) : pass(`POST ${a.path}, FusionAuth answered ${e.response!.status}`, [e]);
    },
  });

export const spaCalledLogin = spaCalledFusionAuth('spa-login-called', 'appCallsLoginApi');
export const spaCalledRefresh = spaCalledFusionAuth('spa-refresh-called', 'appRefreshesWithCookie');

export interface FaCookieArgs {
  host: string;
  cookie?: { name: string; value: string; httpOnly: boolean; domain?: string; hostOnly?: boolean };
  isRefreshToken: boolean;
}

export const refreshCookieHeld = defineCheck<FaCookieArgs>({
  kind: 'refresh-cookie-held',
  name: 'refreshTokenInFusionAuthCookie',
  level: 'MUST',
  ensures: (a) => `after login the browser holds FusionAuth's refresh_token cookie, HttpOnly, for ${a.host} only (the app's fetch used credentials: "include")`,
  evaluate: (a) => {
    if (!a.cookie) return fail(`the browser holds no refresh_token cookie for ${a.host}`);
    if (!a.isRefreshToken) return fail('the refresh_token cookie does not hold a refresh token FusionAuth issued');
    if (!a.cookie.httpOnly) return fail('the refresh_token cookie is not HttpOnly');
    return pass(`refresh_token for ${a.cookie.domain ?? a.host}, HttpOnly`);
  },
});

export interface StorageArgs {
  origin: string;
  storage: Record<string, string>;
  /** Tokens that count (e.g. the JWTs FusionAuth issued, or only the newest one). */
  tokens: string[];
  what: string;
  evidence: Exchange[];
}

export const jwtInLocalStorage = defineCheck<StorageArgs>({
  kind: 'jwt-in-local-storage',
  name: 'jwtMovedToLocalStorage',
  level: 'MUST',
  ensures: (a) => `the app keeps ${a.what} in ${a.origin}'s local storage`,
  evaluate: (a) => {
    // Bare, or inside a JSON value ({"token": …, "user": …}) as many apps keep it.
    const key = Object.keys(a.storage).find((k) => candidates(a.storage[k]).some((f) => a.tokens.includes(f.value)));
    return key ? pass(`local storage key "${key}" holds it`, a.evidence) : fail(`local storage keys: ${Object.keys(a.storage).join(', ') || '(none)'}; none holds ${a.what}`, a.evidence);
  },
});

export const noRefreshTokenInStorage = defineCheck<StorageArgs>({
  kind: 'no-refresh-token-in-storage',
  name: 'refreshTokenKeptOutOfJavaScript',
  level: 'MUST',
  ensures: (a) => `the app keeps no refresh token in ${a.origin}'s local storage (it belongs in FusionAuth's HttpOnly cookie)`,
  evaluate: (a) => {
    const key = Object.keys(a.storage).find((k) => a.tokens.some((t) => a.storage[k].includes(t)));
    return key ? fail(`local storage key "${key}" holds a refresh token`, a.evidence) : pass(`${Object.keys(a.storage).length} local storage keys, none holds a refresh token`, a.evidence);
  },
});

export interface LoginFormArgs {
  /** When the form is due: "on start", "when the refresh fails". */
  when: string;
  shown: boolean;
  jwtGone: boolean;
  evidence: Exchange[];
}

export const loginFormShownAgain = defineCheck<LoginFormArgs>({
  kind: 'login-form-shown',
  name: 'appFallsBackToLogin',
  level: 'MUST',
  ensures: (a) => `${a.when}, the app holds no JWT in local storage and shows its login form`,
  evaluate: (a) => outcome(a.shown && a.jwtGone, `login form ${a.shown ? 'shown' : 'not shown'}; expired JWT ${a.jwtGone ? 'dropped' : 'still in local storage'}`, a.evidence),
});

export interface ApiRejectArgs {
  presented: string;
  response?: Exchange;
}

/** The API must answer 401 to a bad Bearer JWT. */
export function apiRefused(kind: string, name: string) {
  return defineCheck<ApiRejectArgs>({
    kind,
    name,
    level: 'MUST',
    ensures: (a) => `presented ${a.presented} as Bearer token, the API answers 401`,
    evaluate: (a) => {
      const st = a.response?.response?.status;
      return outcome(st === 401, `${st ?? a.response?.error}`, a.response ? [a.response] : []);
    },
  });
}

export const apiRejectsBadSignature = apiRefused('rejects-bad-signature', 'jwtSignatureEnforced');
export const apiRejectsUnsigned = apiRefused('rejects-unsigned', 'jwtAlgNoneRejected');
export const apiRejectsWrongAudience = apiRefused('rejects-wrong-audience', 'jwtAudienceEnforced');
export const apiRejectsExpired = apiRefused('rejects-expired', 'jwtExpiryEnforced');

export interface CorsArgs {
  origin: string;
  responses: Exchange[];
}

export const corsNoCredentialsForOthers = defineCheck<CorsArgs>({
  kind: 'cors-credentials',
  name: 'apiKeepsCredentialedAnswersSameOrigin',
  level: 'MUST',
  ensures: (a) => `the API lets no other origin (${a.origin}) read credentialed answers: never Access-Control-Allow-Origin "*" or "${a.origin}" with Access-Control-Allow-Credentials: true`,
  evaluate: (a) => {
    for (const e of a.responses) {
      const acao = header(e.response?.headers, 'access-control-allow-origin');
      const acac = header(e.response?.headers, 'access-control-allow-credentials');
      if ((acao === '*' || acao === a.origin) && acac === 'true') return fail(`${e.request.method} ${e.request.path}: Access-Control-Allow-Origin: ${acao} with Access-Control-Allow-Credentials: true`, [e]);
    }
    return pass('no CORS grant to the other origin', a.responses);
  },
});

export interface InfoArgs {
  what: string;
  happened: boolean;
  how: string;
  evidence: Exchange[];
}

const info = (kind: string, name: string) =>
  defineCheck<InfoArgs>({ kind, name, level: 'INFO', ensures: (a) => `report whether ${a.what}`, evaluate: (a) => outcome(a.happened, `${a.happened ? 'YES' : 'NO'}: ${a.how}`, a.evidence) });

export const storeCookieSentToFusionAuth = info('store-cookie-sent', 'storeRefreshCookieSentOnForumsLogin');
export const refreshCookieClobbered = info('refresh-cookie-clobbered', 'forumsLoginClobbersStoreRefreshCookie');
export const stolenRefreshCookieWorks = info('attack-refresh-cookie', 'stolenRefreshCookieGetsJwtAndData');
export const stolenLocalStorageJwtWorks = info('attack-stolen-jwt', 'stolenJwtOpensApi');
