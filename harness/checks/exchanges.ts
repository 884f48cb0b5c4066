import { type Exchange, worldTimeOf } from '../trace';
import { defineCheck, fail, notApplicable, outcome, pass } from './check';

/**
 * Checks on exchanges no Gherkin step judges: every exchange of a scenario gets a verdict.
 * The kit sweeps the whole journal at the end of each scenario (Scenario.sweep) and runs
 * these on the calls the spec's steps did not ask about: a refresh the backend did not
 * need, a FusionAuth endpoint the diagram does not draw. Each cites the one exchange it
 * is about, so the report can draw the verdict on that arrow.
 */

/** What the kit knows about the JWT the browser sent with the request that led to a refresh. */
export interface SentJwt {
  /** The JWT as sent (cookie or Bearer), already redacted or not: only shown fingerprinted. */
  value: string;
  /** Whether FusionAuth's key in force verifies its signature (what FusionAuth's validate API would say). */
  signatureValid: boolean;
  /** Its `aud` claim as sent (when it could be read). */
  aud?: unknown;
  /** The caller's application id: the audience a JWT for it carries. */
  audience: string;
  /** Its `exp`, seconds since the epoch (when it could be read). */
  exp?: number;
}

export interface RefreshNeedArgs {
  /** Who called the refresh API (Store, Forums, or the Browser for an SPA). */
  caller: string;
  refresh: Exchange;
  /** The browser's request during which the caller refreshed (a backend refreshes inside one). */
  trigger?: Exchange;
  /** The JWT that request carried, if any. */
  jwt?: SentJwt;
}

export const refreshOnlyExpiredJwt = defineCheck<RefreshNeedArgs>({
  kind: 'refresh-only-expired',
  name: 'refreshesOnlyAnExpiredJwt',
  level: 'SHOULD',
  ensures: (a) => `${a.caller} calls FusionAuth's refresh API only when the JWT it was sent has expired (or is missing or invalid), not on a request whose JWT is still valid`,
  evaluate: (a) => {
    const what = `${a.refresh.request.method} ${a.refresh.request.path.split('?')[0]}`;
    if (!a.trigger) return notApplicable(`no browser request was in flight when ${a.caller} called ${what}, so the JWT it acted on is unknown`, [a.refresh]);
    const on = `${a.trigger.request.method} ${a.trigger.request.path.split('?')[0]}`;
    if (!a.jwt) return pass(`${on} carried no JWT, so ${a.caller} refreshed (${what})`, [a.refresh]);
    // Genuine: FusionAuth's signature, for the caller's application (a JWT of another app is no login here).
    const forCaller = Array.isArray(a.jwt.aud) ? a.jwt.aud.includes(a.jwt.audience) : a.jwt.aud === a.jwt.audience;
    if (!a.jwt.signatureValid || !forCaller) return pass(`${on} carried a JWT that does not verify, so ${a.caller} refreshed (${what})`, [a.refresh]);
    // The backend judged the JWT on its own clock: the world clock's time when the request came.
    const at = Math.floor(worldTimeOf(a.trigger) / 1000);
    if (a.jwt.exp !== undefined && a.jwt.exp <= at) return pass(`${on} carried a JWT that had expired ${at - a.jwt.exp} s before, so ${a.caller} refreshed (${what})`, [a.refresh]);
    const left = a.jwt.exp === undefined ? 'with no exp' : `valid for another ${a.jwt.exp - at} s`;
    return fail(`${a.caller} called ${what} while serving ${on}, whose JWT was ${left}: a refresh on every request multiplies the load on FusionAuth and rotates tokens for nothing`, [a.refresh, a.trigger]);
  },
});

export interface ExtraCallArgs {
  caller: string;
  exchange: Exchange;
  /** `METHOD /path` of the call. */
  endpoint: string;
  /** The FusionAuth endpoints the diagram draws for this caller. */
  drawn: string[];
}

export const extraFusionAuthCall = defineCheck<ExtraCallArgs>({
  kind: 'extra-fusionauth-call',
  name: 'fusionAuthCallNotInDiagram',
  level: 'INFO',
  ensures: (a) => `report every call ${a.caller} makes to FusionAuth that the diagram does not draw (it draws: ${a.drawn.join(', ') || 'none'})`,
  evaluate: (a) => outcome(true, `${a.caller} called ${a.endpoint} on FusionAuth (answered ${a.exchange.response?.status ?? a.exchange.error ?? 'nothing'}), a call the diagram does not draw`, [a.exchange]),
});

/**
 * The FusionAuth endpoints (`METHOD /path`) a diagram's arrows from `caller` draw, read
 * from their labels ("POST /oauth2/token or POST /api/jwt/refresh" gives both).
 */
export function drawnEndpoints(arrows: readonly { from: string; to: string; label: string }[], caller: string, fusionauth = 'FusionAuth'): string[] {
  const out = new Set<string>();
  for (const a of arrows.filter((x) => x.from === caller && x.to === fusionauth)) {
    for (const m of a.label.matchAll(/\b(GET|POST|PUT|PATCH|DELETE)\s+(\/[\w./-]*)/g)) out.add(`${m[1]} ${m[2]}`);
  }
  return [...out];
}

/** `METHOD /path` of an exchange, without the query. */
export function endpointOf(e: Exchange): string {
  return `${e.request.method} ${e.request.path.split('?')[0]}`;
}

export interface ScenarioAppliesArgs {
  /** What the scenario needs, e.g. "refreshFailureStatus=404". */
  needs: string;
}

/**
 * Recorded only as "not applicable": a scenario that cannot apply to the variant in force
 * (a 404 refresh failure is an /api/jwt/refresh behaviour) is skipped with this reason.
 */
export const scenarioApplies = defineCheck<ScenarioAppliesArgs>({
  kind: 'variant-applies',
  name: 'scenarioAppliesToVariant',
  level: 'MUST',
  ensures: (a) => `the scenario runs where the variant in force has ${a.needs}`,
  evaluate: (a) => notApplicable(`not run: needs ${a.needs}`),
});
