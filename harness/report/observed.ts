import type { Arrow, Diagram } from '../spec/diagram';
import type { Verdict } from '../checks/check';
import { type Exchange, headerAll } from '../trace';

/**
 * What really happened on the wire in one scenario, drawn as a PlantUML sequence diagram
 * with the spec's participants, each arrow numbered with the spec step it matched.
 * Exchanges the spec does not have are drawn grey; failed checks are red notes; INFO
 * outcomes are blue notes. Input exchanges must already be redacted.
 */
export interface ObservedInput {
  diagram: Diagram;
  scenario: string;
  exchanges: readonly Exchange[];
  verdicts: readonly Verdict[];
}

export interface MatchedExchange {
  exchange: Exchange;
  request?: Arrow;
  response?: Arrow;
}

/**
 * Line exchanges up with the diagram: within the steps a Gherkin step exercised, the
 * request is the first unused arrow from caller to callee, the response the first unused
 * arrow back.
 */
export function matchArrows(d: Diagram, exchanges: readonly Exchange[]): MatchedExchange[] {
  const used = new Set<number>();
  let scope = '';
  return inWireOrder(exchanges).map((e) => {
    const key = e.steps.join(',');
    if (key !== scope) {
      scope = key;
      used.clear();
    }
    if (!e.steps.length) return { exchange: e, ...byLabel(d, e) };
    // First the arrows the Gherkin step names, then the rest of their phase: "when the
    // hacker loads the cart (step 30)" also causes the refresh of steps 31-32.
    const named = d.arrows.filter((a) => e.steps.includes(a.n) && !used.has(a.n));
    const phases = new Set(named.map((a) => a.phase).concat(d.arrows.filter((a) => e.steps.includes(a.n)).map((a) => a.phase)));
    const inPhase = d.arrows.filter((a) => phases.has(a.phase) && !used.has(a.n) && a.n >= Math.min(...e.steps));
    const pick = (ok: (a: Arrow) => boolean) => named.find(ok) ?? inPhase.find(ok);
    const request = pick((a) => a.from === e.from && a.to === e.to);
    if (request) used.add(request.n);
    const response = pick((a) => a.from === e.to && a.to === e.from && (!request || a.n > request.n));
    if (response) used.add(response.n);
    return { exchange: e, request, response };
  });
}

/**
 * Exchanges are journalled when they complete, so a backend's call to FusionAuth lands
 * before the browser request that caused it; draw them in the order they started.
 */
export function inWireOrder(exchanges: readonly Exchange[]): Exchange[] {
  return [...exchanges].sort((a, b) => a.at - b.at || a.seq - b.seq);
}

/**
 * Setup exchanges (a Given that logs in "same as above") name no step; match them to the
 * spec by participants and method + path, the response being the next arrow back.
 */
function byLabel(d: Diagram, e: Exchange): { request?: Arrow; response?: Arrow } {
  const path = e.request.path.split('?')[0];
  const request = d.arrows.find((a) => a.from === e.from && a.to === e.to && new RegExp(`^${e.request.method} (\\S+ or (POST )?)?${escapeRe(path)}(\\s|$)`).test(a.label.split('\n')[0]));
  if (!request) return {};
  const response = d.arrows.find((a) => a.n > request.n && a.from === e.to && a.to === e.from);
  return { request, response };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function renderObserved(input: ObservedInput): string {
  const { diagram: d } = input;
  const matched = matchArrows(d, input.exchanges);
  const lines = [
    '@startuml',
    `title ${esc(d.workflow)}: ${esc(input.scenario)} (observed)`,
    'skinparam sequenceMessageAlign left',
    ...d.participants.map((p) => `participant ${p}`),
  ];
  const extra = new Set(input.exchanges.map((e) => e.from).concat(input.exchanges.map((e) => e.to)).filter((p) => !d.participants.includes(p)));
  for (const p of extra) lines.push(`participant "${esc(p)}" as ${ident(p)}`);
  const notes = notesBySeq(input.verdicts, input.exchanges);
  // Each exchange is two events, request at its start and response at its end, so a
  // backend's call to FusionAuth is drawn inside the browser request that caused it.
  type Ev = { t: number; order: number; m: MatchedExchange; kind: 'request' | 'response' };
  const events: Ev[] = matched.flatMap((m, i) => [
    { t: m.exchange.at, order: i * 2, m, kind: 'request' as const },
    { t: m.exchange.at + Math.max(0, m.exchange.durationMs), order: i * 2 + 1, m, kind: 'response' as const },
  ]);
  events.sort((a, b) => a.t - b.t || a.order - b.order);
  let phase: string | undefined;
  for (const { m, kind } of events) {
    const e = m.exchange;
    const arrow = kind === 'request' ? m.request : m.response;
    if (arrow?.phase && arrow.phase !== phase) {
      lines.push(`== ${esc(arrow.phase)} ==`);
      phase = arrow.phase;
    }
    const from = ident(e.from);
    const to = ident(e.to);
    const grey = !m.request && !m.response;
    const colour = grey ? '[#999999]' : e.unexpected ? '[#red]' : '';
    const setup = !e.steps.length;
    if (kind === 'request') {
      const cookiesSent = cookieNames(headerAll(e.request.headers, 'cookie').join('; '));
      lines.push(`${from} -${colour}> ${to} : ${num(m.request, setup)}${e.request.method} ${esc(e.request.path)}${cookiesSent.length ? `\\n[${cookiesSent.join(', ')}]` : ''}${grey ? '\\n<i>(not in the spec)</i>' : ''}`);
      continue;
    }
    if (e.response) {
      const set = headerAll(e.response.headers, 'set-cookie').map((c) => c.split('=')[0]);
      const loc = headerAll(e.response.headers, 'location')[0];
      lines.push(`${to} -${colour}-> ${from} : ${num(m.response, setup)}${e.response.status}${loc ? ` Location: ${esc(loc)}` : ''}${set.length ? `\\n[set: ${set.join(', ')}]` : ''}`);
    } else if (e.error) {
      lines.push(`${to} -[#red]-> ${from} : ✗ ${esc(e.error)}`);
    }
    for (const v of notes.get(e.seq) ?? []) lines.push(...note(v, to));
  }
  for (const v of notes.get(0) ?? []) lines.push(...note(v, d.participants[0] ?? 'Browser'));
  const exercised = new Set(input.exchanges.flatMap((e) => e.steps));
  const seen = new Set(matched.flatMap((m) => [m.request?.n, m.response?.n]).filter((n): n is number => n !== undefined));
  const missing = d.arrows.filter((a) => exercised.has(a.n) && !a.self && !seen.has(a.n));
  if (missing.length) {
    lines.push('legend right', 'Spec arrows exercised but not observed:', ...missing.map((a) => `  ${a.n}. ${a.from} -> ${a.to}: ${esc(a.label.split('\n')[0])}`), 'endlegend');
  }
  lines.push('@enduml', '');
  return lines.join('\n');
}

function num(a: Arrow | undefined, setup: boolean): string {
  if (!a) return '';
  return setup ? `(${a.n}) ` : `<b>${a.n}</b> `;
}

function note(v: Verdict, over: string): string[] {
  const colour = v.result === 'fail' ? (v.level === 'MUST' ? '#FFAAAA' : '#FFE0A0') : '#DDEEFF';
  const mark = v.result === 'fail' ? '✗' : v.ok ? '•' : '•';
  return [`note right of ${over} ${colour}`, `${mark} ${v.id} ${v.level} ${v.result === 'info' ? (v.ok ? 'WORKED' : 'BLOCKED') : 'FAILED'}`, esc(v.actual), 'end note'];
}

/** Failed and INFO verdicts, keyed by the seq of their last evidence (0 when none). */
function notesBySeq(verdicts: readonly Verdict[], exchanges: readonly Exchange[]): Map<number, Verdict[]> {
  const known = new Set(exchanges.map((e) => e.seq));
  const out = new Map<number, Verdict[]>();
  for (const v of verdicts) {
    if (v.result === 'pass') continue;
    const seq = [...v.evidence].reverse().find((e) => known.has(e.seq))?.seq ?? 0;
    out.set(seq, [...(out.get(seq) ?? []), v]);
  }
  return out;
}

function cookieNames(header: string): string[] {
  return header ? header.split(/;\s*/).filter(Boolean).map((c) => c.split('=')[0]) : [];
}

function ident(p: string): string {
  return p.replace(/[^A-Za-z0-9_]/g, '_');
}

/** PlantUML treats a few characters specially in labels. */
function esc(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/([<>])/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}
