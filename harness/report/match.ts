import type { Verdict } from '../checks/check';
import type { Arrow, Diagram } from '../spec/diagram';
import { type Exchange, header } from '../trace';

/**
 * Which spec arrow each exchange of a scenario really is: the matcher behind the observed
 * diagrams, kept apart from the drawing so it can be tested on recorded journals.
 *
 * Input: the scenario's journal (every exchange with who sent it, when, and the spec steps
 * of the Gherkin step running at the time) and the spec steps the scenario's Gherkin steps
 * name. Output: for each exchange its role and, when it has one, the spec arrow it realises.
 *
 * - `spec`: the exchange realises a numbered arrow the scenario exercises (drawn bold);
 * - `repeat`: it is an arrow of the spec, but one its Gherkin step does not name ("Login
 *   same as above", a page reload): drawn with the number in parentheses;
 * - `setup`: the same, during a Given that names no step;
 * - `preflight`: a browser's CORS preflight (OPTIONS with Access-Control-Request-Method),
 *   drawn unnumbered next to the request it clears;
 * - `redirect`: a hop of a redirect chain between two arrows of the spec, drawn unnumbered
 *   next to the arrow it leads to or comes from;
 * - `extra`: a call the spec does not have (grey).
 *
 * An exchange takes an arrow only when its method and path fit the arrow's label (a route
 * the config renames still matches by method, as a last resort), never by participants
 * alone: an unexpected shape then shows as an extra call instead of shifting the numbers.
 */
export type Role = 'spec' | 'repeat' | 'setup' | 'preflight' | 'redirect' | 'extra';

export interface ExchangeMatch {
  exchange: Exchange;
  role: Role;
  /** The request arrow realised (spec, repeat, setup). */
  request?: Arrow;
  /** The arrow answering it (the next arrow back in the spec). */
  response?: Arrow;
  /** For a preflight or redirect hop: the exchange it serves and the arrow that one is. */
  serves?: { seq: number; arrow?: Arrow };
}

export interface ScenarioMatch {
  diagram: Diagram;
  /** In wire order (start time). */
  exchanges: ExchangeMatch[];
  /** Arrows the scenario's Gherkin steps name (plus the request of a named answer). */
  named: Arrow[];
  /** Named arrows (not self) no exchange realised: drawn dotted, "not observed". */
  missing: Arrow[];
  /** Named self-arrows (nothing on the wire, e.g. "create session"). */
  selfArrows: Arrow[];
}

const METHOD = /\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/\S*)/g;
/** Static assets are never a spec API call, even when a route is renamed. */
const ASSET = /\.(js|mjs|css|map|png|jpe?g|gif|svg|ico|woff2?|ttf|webmanifest)$/i;

/** `AJAX POST /api/login` → [POST /api/login]; `POST /oauth2/token or POST /api/jwt/refresh` → both. */
export function requestsOf(a: Arrow): { method: string; path: string }[] {
  const first = a.label.split('\n')[0];
  return [...first.matchAll(METHOD)].map((m) => ({ method: m[1], path: m[2] }));
}

export function isRequestArrow(a: Arrow): boolean {
  return !a.self && requestsOf(a).length > 0;
}

/** The arrow answering a request arrow: the next one back, before the caller asks again. */
export function responseArrow(d: Diagram, req: Arrow): Arrow | undefined {
  for (const a of d.arrows) {
    if (a.n <= req.n || a.self) continue;
    if (a.from === req.from && a.to === req.to) return undefined;
    if (a.from === req.to && a.to === req.from) return isRequestArrow(a) ? undefined : a;
  }
  return undefined;
}

/** The request a response arrow answers. */
export function requestArrow(d: Diagram, res: Arrow): Arrow | undefined {
  return [...d.arrows].reverse().find((a) => a.n < res.n && isRequestArrow(a) && responseArrow(d, a)?.n === res.n);
}

function pathOf(p: string): string {
  return p.split('?')[0].split('#')[0];
}

function exact(a: Arrow, e: Exchange): boolean {
  return a.from === e.from && a.to === e.to && requestsOf(a).some((r) => r.method === e.request.method && r.path === pathOf(e.request.path));
}

/**
 * A renamed route (`routes.cart: "/cart"` in the config) still realises its arrow; only the
 * backend's own routes can be renamed: FusionAuth's API paths are fixed, and a call the
 * double has no endpoint for is never the spec's.
 */
function sameMethod(a: Arrow, e: Exchange): boolean {
  if (e.unexpected || a.to === 'FusionAuth' || ASSET.test(pathOf(e.request.path))) return false;
  return a.from === e.from && a.to === e.to && requestsOf(a).some((r) => r.method === e.request.method);
}

/** Exchanges are journalled when they complete; draw and match them in the order they started. */
export function inWireOrder(exchanges: readonly Exchange[]): Exchange[] {
  return [...exchanges].sort((a, b) => a.at - b.at || a.seq - b.seq);
}

/**
 * The arrows a scenario exercises: the steps its Gherkin steps name (`steps`, from the
 * pickle), or, for results recorded without them, every step an exchange was tagged with
 * or a verdict is about. A named answer brings its request along (the feature often names
 * only the answer it checks: "the API returns the shopping cart (step 9)").
 */
export function namedArrows(d: Diagram, exchanges: readonly Exchange[], verdicts: readonly Verdict[], steps?: readonly number[]): Arrow[] {
  const ns = new Set(steps ?? [...exchanges.flatMap((e) => e.steps), ...verdicts.flatMap((v) => v.steps)]);
  for (const a of d.arrows) {
    if (!ns.has(a.n) || a.self || isRequestArrow(a)) continue;
    const req = requestArrow(d, a);
    if (req) ns.add(req.n);
  }
  return d.arrows.filter((a) => ns.has(a.n));
}

export function matchScenario(d: Diagram, journal: readonly Exchange[], named: readonly Arrow[]): ScenarioMatch {
  const wire = inWireOrder(journal);
  const out = new Map<number, ExchangeMatch>();
  const namedSet = new Set(named.map((a) => a.n));
  const used = new Set<number>();
  const requests = d.arrows.filter(isRequestArrow);
  const take = (e: Exchange, role: Role, a: Arrow) => {
    if (role === 'spec') used.add(a.n);
    out.set(e.seq, { exchange: e, role, request: a, response: responseArrow(d, a) });
  };

  // 1. CORS preflights: cleared for the next request of the same caller to the same path.
  wire.forEach((e, i) => {
    const asked = header(e.request.headers, 'access-control-request-method');
    if (e.request.method !== 'OPTIONS' || !asked) return;
    const real = wire.slice(i + 1).find((x) => x.from === e.from && x.to === e.to && x.request.method === asked.toUpperCase() && pathOf(x.request.path) === pathOf(e.request.path));
    out.set(e.seq, { exchange: e, role: 'preflight', serves: real && { seq: real.seq } });
  });
  const open = () => wire.filter((e) => !out.has(e.seq));

  // 2. Within the Gherkin step's own arrows (and the rest of their phase: "when the hacker
  //    loads the cart (step 30)" also causes the refresh of 31-32), by method and path.
  const scope = (e: Exchange) => {
    const own = d.arrows.filter((a) => e.steps.includes(a.n));
    const phases = new Set(own.map((a) => a.phase));
    const min = Math.min(...e.steps);
    return requests.filter((a) => e.steps.includes(a.n) || (phases.has(a.phase) && a.n >= min));
  };
  for (const e of open()) {
    if (!e.steps.length) continue;
    const a = scope(e).find((x) => !used.has(x.n) && exact(x, e));
    if (a) take(e, 'spec', a);
  }
  // 3. An arrow another Gherkin step of the scenario names: a real app does the next step on
  //    its own (the SPA loads the cart right after login; the kit's "loads the cart" step
  //    then only reads the answer).
  for (const e of open()) {
    if (!e.steps.length) continue;
    const min = Math.min(...e.steps);
    const a = requests.find((x) => namedSet.has(x.n) && x.n >= min && !used.has(x.n) && exact(x, e));
    if (a) take(e, 'spec', a);
  }
  // 4. A renamed route: same caller, callee and method within the step's own arrows.
  for (const e of open()) {
    if (!e.steps.length) continue;
    const a = scope(e).find((x) => !used.has(x.n) && sameMethod(x, e));
    if (a) take(e, 'spec', a);
  }
  // 5. An arrow of the spec that the step does not name (a setup login, "Login same as
  //    above", a page reload): numbered in parentheses, following on from the arrow the
  //    same Gherkin step matched before it.
  let group = '';
  let prev = 0;
  for (const e of wire) {
    const key = e.steps.join(',');
    if (key !== group) {
      group = key;
      prev = 0;
    }
    const m = out.get(e.seq);
    if (m) {
      if (m.request) prev = m.request.n;
      continue;
    }
    // A backend's own call repeats an arrow only inside the answer it belongs to: a refresh
    // while serving a page that needs none is an extra call, not "(12)".
    const parent = enclosing(wire, e);
    const within = parent && out.get(parent.seq);
    const all = requests.filter((x) => exact(x, e) && (!parent || (!!within?.request && !!within.response && x.n > within.request.n && x.n < within.response.n)));
    const a = all.find((x) => x.n > prev) ?? all[0];
    if (a) {
      take(e, e.steps.length ? 'repeat' : 'setup', a);
      prev = a.n;
    }
  }
  // 6. Hops of a redirect chain: the answer was a redirect to the next request of the same
  //    caller, or the request followed the previous answer's redirect.
  for (const e of open()) {
    const i = wire.indexOf(e);
    const next = wire.slice(i + 1).find((x) => x.from === e.from);
    const before = [...wire.slice(0, i)].reverse().find((x) => x.from === e.from);
    const loc = e.response && e.response.status >= 300 && e.response.status < 400 ? header(e.response.headers, 'location') : undefined;
    const prevLoc = before?.response && before.response.status >= 300 && before.response.status < 400 ? header(before.response.headers, 'location') : undefined;
    if (loc && next && sameTarget(loc, next)) out.set(e.seq, { exchange: e, role: 'redirect', serves: { seq: next.seq } });
    else if (prevLoc && before && sameTarget(prevLoc, e)) out.set(e.seq, { exchange: e, role: 'redirect', serves: { seq: before.seq } });
  }
  for (const e of open()) out.set(e.seq, { exchange: e, role: 'extra' });

  // What a preflight or hop serves, resolved to an arrow (a chain of hops to its end).
  const arrowOf = (seq: number, depth = 0): Arrow | undefined => {
    const m = out.get(seq);
    if (!m || depth > 20) return undefined;
    return m.request ?? (m.serves ? arrowOf(m.serves.seq, depth + 1) : undefined);
  };
  for (const m of out.values()) if (m.serves) m.serves.arrow = arrowOf(m.serves.seq);

  const realised = new Set([...out.values()].filter((m) => m.role === 'spec').flatMap((m) => [m.request?.n, m.exchange.response ? m.response?.n : undefined]));
  return {
    diagram: d,
    exchanges: wire.map((e) => out.get(e.seq)!),
    named: [...named],
    missing: named.filter((a) => !a.self && !realised.has(a.n)),
    selfArrows: named.filter((a) => a.self),
  };
}

/** The request a backend was serving when it made this call (the caller's own incoming exchange). */
function enclosing(wire: readonly Exchange[], e: Exchange): Exchange | undefined {
  return [...wire].reverse().find((x) => x !== e && x.to === e.from && x.at <= e.at && x.at + Math.max(0, x.durationMs) >= e.at);
}

function sameTarget(location: string, e: Exchange): boolean {
  try {
    const u = new URL(location, `http://${e.request.host}/`);
    return (u.host === e.request.host || !/^[a-z]+:/i.test(location)) && u.pathname === pathOf(e.request.path);
  } catch {
    return false;
  }
}

/** Where a verdict is drawn: on one half of an exchange, or on an arrow not on the wire. */
export type Placement =
  | { on: 'exchange'; seq: number; half: 'request' | 'response' }
  | { on: 'arrow'; arrow: Arrow; why: 'missing' | 'self' }
  | { on: 'nowhere' };

/**
 * The arrow a verdict belongs on, in this order:
 * 1. the half of an evidence exchange that realises the arrow the verdict is named after;
 * 2. the self-arrow it is named after (nothing on the wire: "the session is created");
 *    then the half of an evidence exchange that realises another of its steps;
 * 3. an evidence exchange that is no spec arrow (an extra call, a preflight, a redirect
 *    hop): a check about an unexpected call is drawn on that grey arrow;
 * 4. the missing arrow its step names, dotted (the refresh that never came), never the
 *    next arrow that happens to be evidence;
 * 5. any evidence exchange (its answer), or the first arrow of its steps drawn.
 */
export function placeVerdict(m: ScenarioMatch, v: Verdict): Placement {
  const bySeq = new Map(m.exchanges.map((x) => [x.exchange.seq, x]));
  const evidence = v.evidence.map((e) => bySeq.get(e.seq)).filter((x): x is ExchangeMatch => !!x).reverse();
  const steps = new Set(v.steps);
  // The arrow the verdict is named after first (`WJC-6.login-called`: 6), then its other steps.
  const realising = (want: (n: number) => boolean): Placement | undefined => {
    for (const x of evidence) {
      if (x.role !== 'spec' && x.role !== 'repeat' && x.role !== 'setup') continue;
      if (x.request && want(x.request.n)) return { on: 'exchange', seq: x.exchange.seq, half: 'request' };
      if ((x.exchange.response || x.exchange.error) && x.response && want(x.response.n)) return { on: 'exchange', seq: x.exchange.seq, half: 'response' };
    }
    return undefined;
  };
  const named = realising((n) => n === v.steps[0]);
  if (named) return named;
  const self = m.diagram.arrows.find((a) => a.n === v.steps[0] && a.self);
  if (self) return { on: 'arrow', arrow: self, why: 'self' };
  const other = realising((n) => steps.has(n));
  if (other) return other;
  const odd = evidence.find((x) => x.role === 'extra' || x.role === 'preflight' || x.role === 'redirect');
  if (odd) return { on: 'exchange', seq: odd.exchange.seq, half: odd.exchange.response || odd.exchange.error ? 'response' : 'request' };
  const missing = m.missing.find((a) => steps.has(a.n));
  if (missing) return { on: 'arrow', arrow: missing, why: 'missing' };
  const any = evidence[0];
  if (any) return { on: 'exchange', seq: any.exchange.seq, half: any.exchange.response || any.exchange.error ? 'response' : 'request' };
  for (const n of v.steps) {
    const x = m.exchanges.find((y) => y.role === 'spec' && (y.request?.n === n || y.response?.n === n)) ?? m.exchanges.find((y) => y.request?.n === n || y.response?.n === n);
    if (x) return { on: 'exchange', seq: x.exchange.seq, half: x.request?.n === n || !x.exchange.response ? 'request' : 'response' };
  }
  return { on: 'nowhere' };
}
