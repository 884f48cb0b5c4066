import * as jose from 'jose';
import type { TargetName } from '../backend/config';
import * as checks from '../checks';
import { type Verifier, isRefreshCall } from '../checks';
import { parseCookieHeader } from '../common/cookie-header';
import type { FusionAuthDouble } from '../fusionauth';
import { loadDiagram, type Diagram } from '../spec/diagram';
import { type Exchange, type Journal, header } from '../trace';
import type { AppTarget } from './environment';

/**
 * Every exchange gets a verdict: at the end of a scenario, the exchanges no Gherkin step
 * asked about are judged here, on the whole journal. Each call to FusionAuth the diagram
 * does not draw for its caller is INFO (naming the endpoint); each refresh a backend made
 * while the JWT it was sent was still valid is a SHOULD. Each verdict cites its exchange, so
 * the report can draw it on that arrow. A browser calling FusionAuth where only the backend
 * may is the MUST `login-server-side` (at login), not this sweep's.
 */
export interface SweepScenario {
  readonly workflow: string;
  readonly journal: Journal;
  readonly verifier: Verifier;
  readonly apps: Record<TargetName, AppTarget>;
  readonly double: Pick<FusionAuthDouble, 'verifyJwt'>;
  /** The app's JWT cookie, when the kit has found which one holds it. */
  jwtCookie(app: TargetName): string | undefined;
}

export async function sweep(s: SweepScenario): Promise<void> {
  const d = diagramOf(s.workflow);
  if (!d) return;
  const all = s.journal.all();
  const backends = new Set(Object.values(s.apps).map((a) => a.participant));
  for (const e of all.filter((x) => x.to === 'FusionAuth' && x.request.method !== 'OPTIONS')) {
    // The store and the forums play the same role: what the diagram draws for one, it allows the other.
    const peers = backends.has(e.from) ? [...backends] : [e.from];
    const drawn = [...new Set(peers.flatMap((p) => checks.drawnEndpoints(d.arrows, p)))];
    const steps = firstArrow(d, peers, () => true);
    // Actors with no FusionAuth arrow at all (the browser in a webapp workflow) are the MUST's.
    if (!drawn.length && !backends.has(e.from)) continue;
    const endpoint = checks.endpointOf(e);
    if (!drawn.includes(endpoint) && !(isRefreshCall(e) && drawn.some((x) => /refresh|\/oauth2\/token/.test(x)))) {
      s.verifier.verify(checks.extraFusionAuthCall, { caller: e.from, exchange: e, endpoint, drawn }, steps);
    }
    if (isRefreshCall(e) && backends.has(e.from)) {
      const trigger = all.find((t) => t.seq > e.seq && t.to === e.from && t.from !== 'FusionAuth' && t.at <= e.at);
      const app = Object.values(s.apps).find((a) => a.participant === e.from)!;
      // An arrow that says refresh first: in the OAuth diagrams /oauth2/token is the code exchange too.
      const refreshSteps = [firstArrow(d, peers, (a) => /refresh/.test(a.label)), firstArrow(d, peers, (a) => /oauth2\/token/.test(a.label))].find((x) => x.length) ?? [];
      s.verifier.verify(checks.refreshOnlyExpiredJwt, { caller: e.from, refresh: e, trigger, jwt: trigger && (await sentJwt(s, trigger, app)) }, refreshSteps.length ? refreshSteps : steps);
    }
  }
}

/** The JWT a browser request carried (the app's JWT cookie, else any cookie or Bearer token holding one). */
async function sentJwt(s: SweepScenario, e: Exchange, app: AppTarget): Promise<checks.SentJwt | undefined> {
  const cookies = parseCookieHeader(header(e.request.headers, 'cookie'));
  const name = s.jwtCookie(app.name);
  const bearer = /^Bearer\s+(\S+)/i.exec(header(e.request.headers, 'authorization') ?? '')?.[1];
  const value = (name && cookies[name]) || Object.values(cookies).find((v) => /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(v)) || bearer;
  if (!value) return undefined;
  let exp: number | undefined;
  let aud: unknown;
  try {
    ({ exp, aud } = jose.decodeJwt(value));
  } catch {
    return { value, signatureValid: false, audience: app.applicationId };
  }
  const verified = await s.double.verifyJwt(value).catch(() => undefined);
  return { value, signatureValid: !!verified, aud, audience: app.applicationId, exp };
}

const diagrams = new Map<string, Diagram | undefined>();
function diagramOf(workflow: string): Diagram | undefined {
  if (!diagrams.has(workflow)) {
    try {
      diagrams.set(workflow, loadDiagram(workflow));
    } catch {
      diagrams.set(workflow, undefined); // a workflow without a diagram: nothing to compare with
    }
  }
  return diagrams.get(workflow);
}

/** The step of the first arrow from `caller` to FusionAuth that `pick` accepts (for stable check ids). */
function firstArrow(d: Diagram, callers: string[], pick: (a: Diagram['arrows'][number]) => boolean): number[] {
  for (const caller of callers) {
    const a = d.arrows.find((x) => x.from === caller && x.to === 'FusionAuth' && pick(x));
    if (a) return [a.n];
  }
  return [];
}
