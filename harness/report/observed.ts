import type { Arrow, Diagram } from '../spec/diagram';
import type { Verdict } from '../checks/check';
import { type Exchange, fingerprint, header, headerAll, Redactor } from '../trace';
import { type ExchangeMatch, matchScenario, namedArrows, placeVerdict, type Role, type ScenarioMatch } from './match';
import { absentArrow, spans } from './single-app';
export { inWireOrder } from './match';
export type { ExchangeMatch, Role, ScenarioMatch } from './match';

/**
 * What really happened on the wire in one scenario, drawn as a PlantUML sequence diagram
 * with the spec's participants, each arrow numbered with the spec step it realises (the
 * matching is `./match.ts`).
 *
 * - an arrow's label is method, path, status, the body's field names in the spec's `()`
 *   notation and the cookies sent or set in its `[]` notation (values only as fingerprints);
 * - arrows whose checks passed are green with the check names, a failed MUST is red with a
 *   red note naming the check id and what was observed, a failed SHOULD orange, an INFO
 *   outcome blue with a blue note; a not-applicable verdict is never drawn (it is no pass);
 * - exchanges the spec does not have are grey; CORS preflights and redirect hops are drawn
 *   unnumbered next to the arrow they serve; spec arrows the scenario names but never
 *   showed are drawn dotted in place, with the verdicts about them, and listed as missing;
 *   self-arrows the scenario names (nothing on the wire) carry the verdicts about them.
 *
 * Input exchanges arrive redacted by the double's Redactor; every label and note goes
 * through a pattern-based Redactor again, so a JWT or password never reaches a diagram.
 */
export interface ObservedInput {
  diagram: Diagram;
  scenario: string;
  exchanges: readonly Exchange[];
  verdicts: readonly Verdict[];
  /** The spec steps the scenario's Gherkin steps name (from the pickle); derived when absent. */
  steps?: readonly number[];
  /** Participants the config declares absent (one application: `Forums`); see `absentArrow`. */
  absent?: readonly string[];
}

export type MatchedExchange = ExchangeMatch;

/** Each exchange (in wire order) with the spec arrows it realises, or none. */
export function matchArrows(d: Diagram, exchanges: readonly Exchange[], steps?: readonly number[]): ExchangeMatch[] {
  return matchScenario(d, exchanges, namedArrows(d, exchanges, [], steps)).exchanges;
}

/** How the checks attached to one drawn arrow came out. */
export type ArrowStatus = 'pass' | 'fail' | 'warn' | 'info' | 'none' | 'extra';

/** One drawn arrow: a half of an exchange, or a named arrow that is not on the wire. */
export interface ObservedEvent {
  kind: 'request' | 'response' | 'missing' | 'self';
  role: Role | 'missing' | 'self';
  m?: ExchangeMatch;
  /** The spec arrow it is (for a wire event: the arrow it matched, if any). */
  arrow?: Arrow;
  /** Numbered in parentheses: a setup step or another step repeated this arrow. */
  setup: boolean;
  verdicts: Verdict[];
}

export interface ScenarioView {
  match: ScenarioMatch;
  events: ObservedEvent[];
  /** Verdicts with no arrow to go on (drawn as notes at the end). */
  unplaced: Verdict[];
}

const ON_SPEC = new Set<ObservedEvent['role']>(['spec', 'missing', 'self']);

/**
 * The scenario's arrows in the order they happened on the wire: each exchange is two
 * events, request at its start and response at its end, so a backend's call to FusionAuth
 * is drawn inside the browser request that caused it. Named arrows not on the wire (missing
 * ones, self-arrows) are put in their spec place among them. Verdicts go where
 * `placeVerdict` says.
 */
export function scenarioView(d: Diagram, exchanges: readonly Exchange[], verdicts: readonly Verdict[], steps?: readonly number[]): ScenarioView {
  const match = matchScenario(d, exchanges, namedArrows(d, exchanges, verdicts, steps));
  type Ev = ObservedEvent & { t: number; order: number };
  const wire: Ev[] = match.exchanges.flatMap((m, i) => {
    const setup = m.role === 'repeat' || m.role === 'setup';
    const out: Ev[] = [{ t: m.exchange.at, order: i * 2, m, kind: 'request', role: m.role, arrow: m.request, setup, verdicts: [] }];
    if (m.exchange.response || m.exchange.error) {
      out.push({ t: m.exchange.at + Math.max(0, m.exchange.durationMs), order: i * 2 + 1, m, kind: 'response', role: m.role, arrow: m.response, setup, verdicts: [] });
    }
    return out;
  });
  wire.sort((a, b) => a.t - b.t || a.order - b.order);
  const events: ObservedEvent[] = wire.map(({ t, order, ...e }) => e);
  const placed = verdicts.map((v) => ({ v, p: placeVerdict(match, v) }));
  const offWire = new Map<number, ObservedEvent>();
  for (const a of [...match.missing, ...match.selfArrows]) offWire.set(a.n, { kind: a.self ? 'self' : 'missing', role: a.self ? 'self' : 'missing', arrow: a, setup: false, verdicts: [] });
  for (const { p } of placed) if (p.on === 'arrow' && !offWire.has(p.arrow.n)) offWire.set(p.arrow.n, { kind: p.why, role: p.why, arrow: p.arrow, setup: false, verdicts: [] });
  for (const ev of [...offWire.values()].sort((a, b) => a.arrow!.n - b.arrow!.n)) {
    const n = ev.arrow!.n;
    let at = -1;
    events.forEach((e, i) => {
      if (e.arrow && ON_SPEC.has(e.role) && e.arrow.n < n) at = i;
    });
    if (at < 0) {
      const later = events.findIndex((e) => e.arrow && ON_SPEC.has(e.role) && e.arrow.n > n);
      at = (later < 0 ? events.length : later) - 1;
    }
    events.splice(at + 1, 0, ev);
  }
  const unplaced: Verdict[] = [];
  for (const { v, p } of placed) {
    const target =
      p.on === 'exchange' ? events.find((e) => e.m?.exchange.seq === p.seq && e.kind === p.half) ?? events.find((e) => e.m?.exchange.seq === p.seq) : p.on === 'arrow' ? offWire.get(p.arrow.n) : undefined;
    if (target) target.verdicts.push(v);
    else unplaced.push(v);
  }
  return { match, events, unplaced };
}

/** `scenarioView` without the match (the shape earlier callers used). */
export function observedEvents(d: Diagram, exchanges: readonly Exchange[], verdicts: readonly Verdict[], steps?: readonly number[]): { events: ObservedEvent[]; unplaced: Verdict[] } {
  const { events, unplaced } = scenarioView(d, exchanges, verdicts, steps);
  return { events, unplaced };
}

export function arrowStatus(ev: Pick<ObservedEvent, 'role' | 'verdicts'>): ArrowStatus {
  const vs = ev.verdicts;
  if (vs.some((v) => v.result === 'fail' && v.level === 'MUST')) return 'fail';
  if (vs.some((v) => v.result === 'fail')) return 'warn';
  if (vs.some((v) => v.result === 'info')) return 'info';
  if (vs.some((v) => v.result === 'pass')) return 'pass';
  if (ev.role === 'extra') return 'extra';
  return 'none';
}

export const COLOURS: Record<ArrowStatus, string> = {
  pass: '#2E7D32',
  fail: '#D50000',
  warn: '#E65100',
  info: '#1565C0',
  none: '',
  extra: '#999999',
};
/** Preflights and redirect hops: on the wire for a spec arrow, but not one themselves. */
const ASIDE = '#78909C';
const NOTE_BG: Record<'fail' | 'warn' | 'info', string> = { fail: '#FFCDD2', warn: '#FFE0B2', info: '#DDEEFF' };

const redactor = new Redactor();
/** Pattern-based redaction of anything printed: JWTs shortened, password values masked. */
export function safe(s: string | undefined): string {
  return redactor.text(s ?? '') ?? '';
}

/** Verdicts a diagram shows as a note: failures and INFO outcomes (never pass, never N/A). */
function noted(v: Verdict): boolean {
  return v.result === 'fail' || v.result === 'info';
}

export function renderObserved(input: ObservedInput): string {
  const { diagram: d } = input;
  const view = scenarioView(d, input.exchanges, input.verdicts, input.steps);
  const { match } = view;
  // Off the wire, an arrow of an absent participant is not drawn; a verdict on it that is drawn at all becomes a note.
  const events = view.events.filter((ev) => ev.m || !absentArrow(ev.arrow, input.absent));
  const unplaced = [...view.unplaced, ...view.events.filter((ev) => !events.includes(ev)).flatMap((ev) => ev.verdicts)];
  const missingArrows = match.missing.filter((a) => !absentArrow(a, input.absent));
  const lines = header_(d, `${d.workflow}: ${input.scenario} (observed)`, input.exchanges, input.absent);
  let phase: string | undefined;
  const roleOf = new Map(match.exchanges.map((m) => [m.exchange.seq, m.role]));
  for (const ev of events) {
    // A preflight opens the phase of the request it clears (it is drawn right before it).
    const served = ev.role === 'preflight' && ev.m?.serves && roleOf.get(ev.m.serves.seq) === 'spec' ? ev.m.serves.arrow : undefined;
    const at = ON_SPEC.has(ev.role) ? ev.arrow : served;
    if (at?.phase && at.phase !== phase) {
      lines.push(`== ${esc(at.phase)} ==`);
      phase = at.phase;
    }
    lines.push(...drawEvent(ev, { status: arrowStatus(ev), ticks: ev.verdicts, notes: ev.verdicts.filter(noted).map((v) => ({ v, tags: [] })) }));
  }
  for (const v of unplaced.filter(noted)) lines.push(...note({ v, tags: [] }, ident(d.participants[0] ?? 'Browser')));
  if (missingArrows.length) {
    lines.push('legend right', 'Spec arrows exercised but not observed (missing):', ...missingArrows.map((a) => `  ${a.n}. ${a.from} -> ${a.to}: ${esc(a.label.split('\n')[0])}`), 'endlegend');
  }
  lines.push('@enduml', '');
  return safe(lines.join('\n'));
}

export interface StitchedScenario {
  name: string;
  exchanges: readonly Exchange[];
  verdicts: readonly Verdict[];
  /** The spec steps the scenario's Gherkin steps name (from the pickle); derived when absent. */
  steps?: readonly number[];
}

/** A note in the stitched view: one verdict, and every scenario (S1, S2…) it came out so in. */
interface Note {
  v: Verdict;
  tags: string[];
  names?: string[];
}

/**
 * The whole workflow in the spec's step order, as the FusionAuth article draws it. For each
 * numbered spec arrow one scenario supplies the observed arrow, labelled `S<k>`: the first
 * whose checks failed there (so a defect shows), else the first that exercised it, else one
 * that repeated it in a setup step. The arrow's colour and ticks are that scenario's alone
 * (a pass in one variant never paints another variant's failure green); every failure and
 * INFO outcome of every scenario placed on that arrow is a note naming its scenarios, so each
 * failing verdict of the run is drawn exactly once. Self-arrows carry the verdicts about
 * them; arrows no scenario observed are dotted, with the verdicts about them, and listed as
 * missing. Preflights, redirect hops and extra calls of the scenario drawn at an arrow
 * follow it; those of other scenarios only when a verdict is drawn on them.
 */
export function renderStitched(input: { diagram: Diagram; scenarios: readonly StitchedScenario[]; absent?: readonly string[] }): string {
  const { diagram: d } = input;
  const all = input.scenarios.flatMap((s) => s.exchanges);
  const lines = header_(d, `${d.workflow} (observed, stitched from ${input.scenarios.length} scenario${input.scenarios.length === 1 ? '' : 's'})`, all, input.absent);
  type Slot = { k: number; ev?: ObservedEvent; verdicts: Verdict[] };
  type Aside = { k: number; ev: ObservedEvent; anchor: number; serves?: number };
  const slots = new Map<number, Slot[]>();
  const asides: Aside[] = [];
  const unplaced: { k: number; v: Verdict }[] = [];
  input.scenarios.forEach((s, k) => {
    const view = scenarioView(d, s.exchanges, s.verdicts, s.steps);
    let anchor = 0;
    for (const ev of view.events) {
      if (ev.arrow && ev.role !== 'preflight' && ev.role !== 'redirect' && ev.role !== 'extra') {
        const n = ev.arrow.n;
        const list = slots.get(n) ?? [];
        let slot = list.find((x) => x.k === k);
        if (!slot) list.push((slot = { k, verdicts: [] }));
        slots.set(n, list);
        const wired = ev.kind === 'request' || ev.kind === 'response';
        if (wired && (!slot.ev || (slot.ev.role !== 'spec' && ev.role === 'spec'))) slot.ev = ev;
        slot.verdicts.push(...ev.verdicts);
        if (ON_SPEC.has(ev.role)) anchor = n;
      } else if (ev.m) {
        asides.push({ k, ev, anchor, serves: ev.m.serves?.arrow?.n });
      }
    }
    unplaced.push(...view.unplaced.map((v) => ({ k, v })));
  });
  const tag = (k: number) => `S${k + 1}`;
  const drawn = new Set<Aside>();
  const drawAsides = (list: Aside[]) => {
    for (const x of list) {
      if (drawn.has(x)) continue;
      drawn.add(x);
      lines.push(...drawEvent(x.ev, { status: arrowStatus(x.ev), ticks: x.ev.verdicts, notes: groupNotes(x.ev.verdicts.map((v) => ({ k: x.k, v })), input.scenarios), tag: tag(x.k) }));
    }
  };
  const bearing = (x: Aside) => x.ev.verdicts.some(noted);
  let phase: string | undefined;
  const missing: Arrow[] = [];
  drawAsides(asides.filter((x) => x.anchor === 0 && x.serves === undefined && bearing(x)));
  const notDrawn: Arrow[] = [];
  for (const a of d.arrows) {
    if (absentArrow(a, input.absent) && !(slots.get(a.n) ?? []).some((s) => s.ev)) {
      notDrawn.push(a);
      unplaced.push(...(slots.get(a.n) ?? []).flatMap((s) => s.verdicts.map((v) => ({ k: s.k, v }))));
      continue;
    }
    if (a.phase && a.phase !== phase) {
      lines.push(`== ${esc(a.phase)} ==`);
      phase = a.phase;
    }
    const list = slots.get(a.n) ?? [];
    const failing = (s: Slot, level?: string) => s.verdicts.some((v) => v.result === 'fail' && (!level || v.level === level));
    const pick = (c: Slot[]) => c.find((s) => s.ev?.role === 'spec' && failing(s, 'MUST')) ?? c.find((s) => failing(s, 'MUST')) ?? c.find((s) => failing(s)) ?? c.find((s) => s.ev?.role === 'spec') ?? c[0];
    const chosen = a.self ? pick(list.filter((s) => s.verdicts.length)) : pick(list.filter((s) => s.ev));
    const notes = groupNotes(
      list.flatMap((s) => s.verdicts.map((v) => ({ k: s.k, v }))),
      input.scenarios,
    );
    const mine = (x: Aside) => chosen && x.k === chosen.k;
    if (chosen?.ev && !a.self) {
      drawAsides(asides.filter((x) => x.serves === a.n && x.ev.m!.exchange.at <= chosen.ev!.m!.exchange.at && (mine(x) || bearing(x))));
      lines.push(...drawEvent(chosen.ev, { status: arrowStatus({ role: chosen.ev.role, verdicts: chosen.verdicts }), ticks: chosen.verdicts, notes, tag: tag(chosen.k) }));
    } else {
      if (!a.self) missing.push(a);
      const ev: ObservedEvent = { kind: a.self ? 'self' : 'missing', role: a.self ? 'self' : 'missing', arrow: a, setup: false, verdicts: [] };
      // A missing arrow is drawn from no scenario: its colour says how the checks about it came out anywhere.
      const status = arrowStatus({ role: ev.role, verdicts: chosen?.verdicts ?? list.flatMap((x) => x.verdicts.filter(noted)) });
      lines.push(...drawEvent(ev, { status, ticks: chosen?.verdicts ?? [], notes, tag: chosen ? tag(chosen.k) : undefined }));
    }
    drawAsides(asides.filter((x) => (x.serves === a.n || (x.serves === undefined && x.anchor === a.n)) && (mine(x) || bearing(x))));
  }
  drawAsides(asides.filter(bearing));
  for (const n of groupNotes(unplaced, input.scenarios)) lines.push(...note(n, ident(d.participants[0] ?? 'Browser')));
  const legend = ['legend right', 'Scenarios:', ...input.scenarios.map((s, k) => `  S${k + 1}  ${esc(s.name)}`)];
  if (missing.length) legend.push('Spec arrows no scenario observed (missing):', ...missing.map((a) => `  ${a.n}. ${a.from} -> ${a.to}: ${esc(a.label.split('\n')[0])}`));
  if (notDrawn.length) legend.push(`One application declared: no ${input.absent!.join(', ')}; steps ${spans(notDrawn.map((a) => a.n))} not applicable, not drawn`);
  lines.push(...legend, 'endlegend', '@enduml', '');
  return safe(lines.join('\n'));
}

/**
 * One note per check and outcome at an arrow, naming every scenario it came out so in (and,
 * in the stitched view, which scenario and variant that is), so a failure repeated across
 * variants is one note, not one per variant.
 */
function groupNotes(items: { k: number; v: Verdict }[], scenarios: readonly StitchedScenario[]): Note[] {
  const out = new Map<string, Note>();
  for (const { k, v } of items) {
    if (!noted(v)) continue;
    const key = `${v.id}|${v.result}|${v.ok}|${v.expected}|${v.actual}`;
    const n = out.get(key) ?? { v: { ...v, scenario: undefined }, tags: [], names: [] };
    const t = `S${k + 1}`;
    if (!n.tags.includes(t)) {
      n.tags.push(t);
      n.names!.push(`${t}: ${scenarios[k]?.name ?? ''}`);
    }
    out.set(key, n);
  }
  return [...out.values()];
}

function header_(d: Diagram, title: string, exchanges: readonly Exchange[], absent: readonly string[] = []): string[] {
  const onWire = new Set(exchanges.flatMap((e) => [e.from, e.to]));
  const drawn = d.participants.filter((p) => !absent.includes(p) || onWire.has(p));
  const lines = ['@startuml', `title ${esc(title)}`, 'skinparam sequenceMessageAlign left', ...drawn.map((p) => `participant ${p}`)];
  const extra = new Set(exchanges.flatMap((e) => [e.from, e.to]).filter((p) => !d.participants.includes(p)));
  for (const p of extra) lines.push(`participant "${esc(p)}" as ${ident(p)}`);
  return lines;
}

function drawEvent(ev: ObservedEvent, o: { status: ArrowStatus; ticks: readonly Verdict[]; notes: readonly Note[]; tag?: string }): string[] {
  const status = o.status;
  const tag = o.tag ? ` <size:9>${o.tag}</size>` : '';
  const passed = [...new Set(o.ticks.filter((v) => v.result === 'pass').map(shortId))];
  const checks = rows(passed, 3).map((r, i) => `\\n<color:${COLOURS.pass}>${i ? '   ' : '✓ '}${r}</color>`).join('');
  // Older PlantUML (Debian's 1.2020) ignores `bold`: the label says it too.
  const mark = status === 'fail' ? `<color:${COLOURS.fail}><b>✗</b></color> ` : status === 'warn' ? `<color:${COLOURS.warn}><b>!</b></color> ` : '';
  const lines: string[] = [];
  if (ev.kind === 'missing' || ev.kind === 'self') {
    const a = ev.arrow!;
    const colour = ev.kind === 'self' ? (COLOURS[status] ? `[${COLOURS[status]}]` : '[#999999]') : `[${status === 'fail' || status === 'warn' ? COLOURS[status] : '#BBBBBB'},dotted]`;
    lines.push(`${ident(a.from)} -${colour}> ${ident(a.to)} : ${mark}<color:#777777>${a.n} <i>${esc(a.label.split('\n')[0])}</i> ${ev.kind === 'self' ? '(not on the wire)' : '(not observed)'}</color>${tag}${checks}`);
    for (const n of o.notes) lines.push(...note(n, ident(a.to)));
    return lines;
  }
  const e = ev.m!.exchange;
  const from = ident(e.from);
  const to = ident(e.to);
  const extra = ev.role === 'extra';
  const aside = ev.role === 'preflight' || ev.role === 'redirect';
  const shown: ArrowStatus = extra ? 'extra' : e.unexpected && status !== 'fail' ? 'fail' : status;
  const colour = COLOURS[shown] ? `[${COLOURS[shown]}${shown === 'fail' ? ',bold' : ''}]` : aside ? `[${ASIDE}]` : '';
  const why = aside ? asideNote(ev) : extra ? '\\n<i>(not in the spec)</i>' : '';
  if (ev.kind === 'request') {
    const sent = cookiePairs(headerAll(e.request.headers, 'cookie').join('; '));
    const fields = bodyFields(e.request.body, header(e.request.headers, 'content-type'));
    let label = `${num(ev)}${e.request.method} ${esc(e.request.path)}${tag}`;
    if (fields.length) label += `\\n(${fields.join(', ')})`;
    if (sent.length) label += `\\n[${sent.join(', ')}]`;
    label += why;
    lines.push(`${from} -${colour}> ${to} : ${mark}${grey(label, extra, aside)}${checks}`);
  } else if (e.response) {
    const set = headerAll(e.response.headers, 'set-cookie').map(setCookie);
    const loc = header(e.response.headers, 'location');
    let label = `${num(ev)}${e.response.status}${loc ? ` Location: ${esc(loc)}` : ''}${describeBody(e.response.body, header(e.response.headers, 'content-type'))}${tag}`;
    if (set.length) label += `\\n[${set.join(',\\n ')}]`;
    lines.push(`${to} -${colour}-> ${from} : ${mark}${grey(label, extra, aside)}${checks}`);
  } else if (e.error) {
    lines.push(`${to} -[${COLOURS.fail}]-> ${from} : ${num(ev)}✗ ${esc(e.error)}${tag}`);
  }
  for (const n of o.notes) lines.push(...note(n, ev.kind === 'request' ? to : from));
  return lines;
}

/** `(CORS preflight for 5)`, `(redirect hop, toward 9)`: what an unnumbered arrow is for. */
function asideNote(ev: ObservedEvent): string {
  const n = ev.m?.serves?.arrow?.n;
  if (ev.role === 'preflight') return `\\n<i>(CORS preflight${n ? ` for ${n}` : ev.m?.serves ? '' : '; the request did not follow'})</i>`;
  return `\\n<i>(redirect hop${n ? `, toward ${n}` : ''})</i>`;
}

function grey(label: string, extra: boolean, aside = false): string {
  if (!extra && !aside) return label;
  const c = extra ? COLOURS.extra : ASIDE;
  return label.split('\\n').map((l) => `<color:${c}>${l}</color>`).join('\\n');
}

/** Creole colour does not carry over a line break, so each row gets its own. */
function rows(items: string[], per: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += per) out.push(items.slice(i, i + per).join(', '));
  return out;
}

/** `WJC-8.cookie-httponly` → `cookie-httponly` (the step is the arrow's number already). */
function shortId(v: Verdict): string {
  return v.id.includes('.') ? v.id.slice(v.id.indexOf('.') + 1) : v.id;
}

function num(ev: ObservedEvent): string {
  if (!ev.arrow || ev.role === 'preflight' || ev.role === 'redirect' || ev.role === 'extra') return '';
  return ev.setup ? `(${ev.arrow.n}) ` : `<b>${ev.arrow.n}</b> `;
}

function note(n: Note, over: string): string[] {
  const { v } = n;
  const kind = v.result === 'fail' ? (v.level === 'MUST' ? 'fail' : 'warn') : 'info';
  const mark = v.result === 'fail' ? '✗' : 'i';
  const outcome = v.result === 'info' ? (v.ok ? 'WORKED' : 'BLOCKED') : 'FAILED';
  const who = n.tags.length ? ` (${n.tags.join(', ')})` : '';
  const lines = [`note right of ${over} ${NOTE_BG[kind]}`, `${mark} <b>${esc(v.id)}</b> ${v.level} ${outcome}${who}`];
  if (v.result === 'fail') lines.push(`expected: ${esc(v.expected)}`, `actual: ${esc(v.actual)}`);
  else lines.push(esc(v.actual));
  // The stitched view says which scenario (and so which variant) each outcome comes from.
  if (v.result === 'fail') for (const name of n.names ?? []) lines.push(`<size:10>in ${esc(name)}</size>`);
  lines.push('end note');
  return lines;
}

/** `name=value` pairs of a Cookie header, values shortened: `app_jwt=eyJhbG…#1a2b3c`. */
function cookiePairs(h: string): string[] {
  return h
    ? h
        .split(/;\s*/)
        .filter(Boolean)
        .map((c) => {
          const i = c.indexOf('=');
          return i < 0 ? esc(c) : `${esc(c.slice(0, i))}=${secret(c.slice(i + 1))}`;
        })
    : [];
}

/** A Set-Cookie in the spec's words: `app_jwt=eyJhbG…#1a2b3c HttpOnly Secure SameSite=Lax`. */
function setCookie(sc: string): string {
  const [pair, ...attrs] = sc.split(/;\s*/);
  const [name] = cookiePairs(pair.endsWith('=') ? `${pair}""` : pair);
  const flags: string[] = [];
  for (const a of attrs) {
    const [k, v] = a.split('=');
    const key = k.trim().toLowerCase();
    if (key === 'httponly') flags.push('HttpOnly');
    else if (key === 'secure') flags.push('Secure');
    else if (key === 'samesite') flags.push(`SameSite=${v}`);
    else if (key === 'domain') flags.push(`w/ domain: ${esc(v ?? '')}`);
    else if (key === 'max-age' && Number(v) <= 0) flags.push('(deleted)');
    else if (key === 'expires' && Date.parse(v ?? '') < Date.now() - 1000) flags.push('(deleted)');
  }
  return [name, ...flags].join(' ');
}

/** Never a secret in full: an already-shortened value is kept, anything long is fingerprinted. */
function secret(value: string): string {
  if (/…#[0-9a-f]{6}/.test(value) || value.length <= 12) return esc(safe(value));
  return esc(fingerprint(value));
}

/** Field names of a form or JSON body, the spec's `(loginId, password)`; never values. */
function bodyFields(body: string | undefined, type: string | undefined): string[] {
  if (!body) return [];
  try {
    if (type?.includes('json') || /^\s*\{/.test(body)) return Object.keys(JSON.parse(body)).map(esc);
  } catch {
    /* not JSON */
  }
  if (type?.includes('form-urlencoded')) return [...new URLSearchParams(body).keys()].map(esc);
  return [];
}

/** `(HTML: Shopping cart)` from the title, `(JSON: token, user)` from the keys. */
function describeBody(body: string | undefined, type: string | undefined): string {
  if (!body) return '';
  if (type?.includes('html')) {
    const t = /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
    return ` (HTML${t ? `: ${esc(t)}` : ''})`;
  }
  const keys = bodyFields(body, type);
  return keys.length ? ` (JSON: ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''})` : '';
}

function ident(p: string): string {
  return p.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * PlantUML treats a few characters specially in labels: `<` `>` start creole markup,
 * `[[...]]` makes a hyperlink (a backend under test must not plant one in the report).
 */
export function esc(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\[(?=\[)/g, '[ ').replace(/\](?=\])/g, '] ').replace(/([<>])/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}
