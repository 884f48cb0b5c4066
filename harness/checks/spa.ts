import { candidates, findToken } from './cookie-tokens';
import { type Exchange, header } from '../trace';
import { defineCheck, fail, notApplicable, type Outcome, outcome, pass } from './check';
import { showsUser } from './pages';

/**
 * Checks of the single-page-app workflow. Those about what the app's own JavaScript did
 * (called FusionAuth, kept the JWT in local storage, refreshed) are made only when a real
 * browser ran the app; in HTTP mode the kit plays that JavaScript itself, and a check of
 * its own behaviour could not fail. Those checks are told who ran the app (`appRunBy`) and
 * say themselves that they do not apply when it was the kit.
 */

/** Who ran the app's JavaScript: a real browser, or the kit playing it over HTTP. */
export type AppRunBy = 'browser' | 'kit';

export interface AppRun {
  appRunBy: AppRunBy;
}

/** The reason an app-side check gives in HTTP mode (the same words the report and tests know). */
export const KIT_PLAYED_APP = 'not checked in HTTP mode (use --browser chromium)';

/** Not applicable when the kit played the app: what it did is the kit's behaviour, not the app's. */
export function playedByKit(a: AppRun): Outcome | undefined {
  return a.appRunBy === 'kit' ? notApplicable(KIT_PLAYED_APP) : undefined;
}

export interface SpaCallArgs extends AppRun {
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
      const na = playedByKit(a);
      if (na) return na;
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

export interface FaCookieArgs extends AppRun {
  host: string;
  /** The refresh_token cookie the browser holds for FusionAuth's host, if any. */
  cookie?: { name: string; value: string; httpOnly: boolean; domain?: string; hostOnly?: boolean };
  /** The refresh tokens FusionAuth issued: the cookie must hold one of them. */
  refreshTokens: string[];
}

export const refreshCookieHeld = defineCheck<FaCookieArgs>({
  kind: 'refresh-cookie-held',
  name: 'refreshTokenInFusionAuthCookie',
  level: 'MUST',
  ensures: (a) => `after login the browser holds FusionAuth's refresh_token cookie, HttpOnly, for ${a.host} only (the app's fetch used credentials: "include")`,
  evaluate: (a) => {
    const na = playedByKit(a);
    if (na) return na;
    if (!a.cookie) return fail(`the browser holds no refresh_token cookie for ${a.host}`);
    if (!a.refreshTokens.includes(a.cookie.value)) return fail('the refresh_token cookie does not hold a refresh token FusionAuth issued');
    if (!a.cookie.httpOnly) return fail('the refresh_token cookie is not HttpOnly');
    return pass(`refresh_token for ${a.cookie.domain ?? a.host}, HttpOnly`);
  },
});

export interface StorageArgs extends AppRun {
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
    const na = playedByKit(a);
    if (na) return na;
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
    const na = playedByKit(a);
    if (na) return na;
    const key = Object.keys(a.storage).find((k) => a.tokens.some((t) => a.storage[k].includes(t)));
    return key ? fail(`local storage key "${key}" holds a refresh token`, a.evidence) : pass(`${Object.keys(a.storage).length} local storage keys, none holds a refresh token`, a.evidence);
  },
});

export interface LoginFormArgs extends AppRun {
  /** When the form is due: "on start", "when the refresh fails". */
  when: string;
  /** What the browser shows: a login form (an observation of the page, not a verdict). */
  formShown: boolean;
  /** The app's local storage now. */
  storage: Record<string, string>;
  /** The JWTs FusionAuth issued: none may be left in storage (bare or inside a JSON value). */
  jwts: string[];
  evidence: Exchange[];
}

export const loginFormShownAgain = defineCheck<LoginFormArgs>({
  kind: 'login-form-shown',
  name: 'appFallsBackToLogin',
  level: 'MUST',
  ensures: (a) => `${a.when}, the app holds no JWT in local storage and shows its login form`,
  evaluate: (a) => {
    const na = playedByKit(a);
    if (na) return na;
    const jwtGone = !Object.values(a.storage).some((v) => findToken(v, (t) => (a.jwts.includes(t) ? 'jwt' : undefined)));
    return outcome(a.formShown && jwtGone, `login form ${a.formShown ? 'shown' : 'not shown'}; expired JWT ${jwtGone ? 'dropped' : 'still in local storage'}`, a.evidence);
  },
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

/**
 * The INFO checks of the two-app SPA: each is given what was on the wire or in the browser
 * and decides whether the documented behaviour happened ("YES") or not ("NO").
 */
const yesNo = (happened: boolean, how: string, evidence: Exchange[]) => outcome(happened, `${happened ? 'YES' : 'NO'}: ${how}`, evidence);

export interface StoreCookieSentArgs {
  what: string;
  /** The exchanges of the forums' login (a real browser sends a CORS preflight first). */
  exchanges: Exchange[];
  /** The store's refresh token the browser held before, if it held one. */
  storeRefreshToken?: string;
}

export const storeCookieSentToFusionAuth = defineCheck<StoreCookieSentArgs>({
  kind: 'store-cookie-sent',
  name: 'storeRefreshCookieSentOnForumsLogin',
  level: 'INFO',
  ensures: (a) => `report whether ${a.what}`,
  evaluate: (a) => {
    // The POST itself: the preflight (OPTIONS) never carries cookies.
    const login = a.exchanges.find((e) => e.from === 'Browser' && e.to === 'FusionAuth' && e.request.method === 'POST' && e.request.path.startsWith('/api/login'));
    if (!login) return yesNo(false, 'no login request was seen', []);
    const sent = !!a.storeRefreshToken && (header(login.request.headers, 'cookie') ?? '').includes(`refresh_token=${a.storeRefreshToken}`);
    return yesNo(sent, sent ? 'the login request carried it' : 'the login request did not carry it', [login]);
  },
});

export interface CookieClobberedArgs {
  what: string;
  /** FusionAuth's refresh_token cookie value after the store's login, and now (after the forums'). */
  before?: string;
  now?: string;
  evidence: Exchange[];
}

export const refreshCookieClobbered = defineCheck<CookieClobberedArgs>({
  kind: 'refresh-cookie-clobbered',
  name: 'forumsLoginClobbersStoreRefreshCookie',
  level: 'INFO',
  ensures: (a) => `report whether ${a.what}`,
  evaluate: (a) => {
    const happened = !!a.before && !!a.now && a.now !== a.before;
    return yesNo(happened, happened ? 'refresh_token now holds the forums token; the store app can no longer refresh' : 'the store refresh token is still the one held', a.evidence);
  },
});

export interface StolenCookieArgs {
  what: string;
  /** The hacker's refresh call with the stolen cookie, and its call of the app's API. */
  refresh?: Exchange;
  api?: Exchange;
  user: string;
  /** What proves the API answered with the user's data. */
  proof: string;
}

export const stolenRefreshCookieWorks = defineCheck<StolenCookieArgs>({
  kind: 'attack-refresh-cookie',
  name: 'stolenRefreshCookieGetsJwtAndData',
  level: 'INFO',
  ensures: (a) => `report whether ${a.what}`,
  evaluate: (a) => {
    const gotJwt = a.refresh?.response?.status === 200;
    const gotData = showsUser({ page: 'API', user: a.user, proof: a.proof, response: a.api });
    return yesNo(gotJwt && gotData, `refresh ${a.refresh?.response?.status ?? 'not called'}, API ${a.api?.response?.status ?? 'not called'}`, [a.refresh, a.api].filter((e): e is Exchange => !!e));
  },
});

export interface StolenJwtArgs {
  what: string;
  /** The hacker's call of the app's API with the stolen JWT. */
  api?: Exchange;
  user: string;
  proof: string;
}

export const stolenLocalStorageJwtWorks = defineCheck<StolenJwtArgs>({
  kind: 'attack-stolen-jwt',
  name: 'stolenJwtOpensApi',
  level: 'INFO',
  ensures: (a) => `report whether ${a.what}`,
  evaluate: (a) => yesNo(showsUser({ page: 'API', user: a.user, proof: a.proof, response: a.api }), `API ${a.api?.response?.status ?? 'not called'}`, a.api ? [a.api] : []),
});
