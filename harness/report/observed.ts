import type { Arrow, Diagram } from '../spec/diagram';
import type { Verdict } from '../checks/check';
import { type Exchange, fingerprint, header, headerAll, Redactor } from '../trace';

/**
 * What really happened on the wire in one scenario, drawn as a PlantUML sequence diagram
 * with the spec's participants, each arrow numbered with the spec step it matched.
 *
 * - an arrow's label is method, path, status, the body's field names in the spec's `()`
 *   notation and the cookies sent or set in its `[]` notation (values only as fingerprints);
 * - arrows whose checks passed are green with the check names, a failed MUST is red with a
 *   red note naming the check id and what was observed, a failed SHOULD orange, an INFO
 *   outcome blue with a blue note;
 * - exchanges the spec does not have are grey, spec arrows the scenario exercised but never
 *   observed are listed in a legend as missing.
 *
 * Input exchanges arrive redacted by the double's Redactor; every label and note goes
 * through a pattern-based Redactor again, so a JWT or password never reaches a diagram.
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

/** How the checks attached to one drawn arrow came out. */
export type ArrowStatus = 'pass' | 'fail' | 'warn' | 'info' | 'none' | 'extra';

/** One drawn arrow: the request or the response half of an exchange. */
export interface ObservedEvent {
  kind: 'request' | 'response';
  m: MatchedExchange;
  /** The spec arrow it matched, if any. */
  arrow?: Arrow;
  /** A setup step repeated this arrow (a Given that names no step). */
  setup: boolean;
  verdicts: Verdict[];
}

/**
 * The scenario's exchanges as arrows in the order they happened on the wire: each exchange
 * is two events, request at its start and response at its end, so a backend's call to
 * FusionAuth is drawn inside the browser request that caused it. Verdicts are attached to
 * the arrow their last evidence was seen on (the request when it is the verdict's step,
 * otherwise the response); verdicts citing no exchange go to the first arrow of their step.
 */
export function observedEvents(d: Diagram, exchanges: readonly Exchange[], verdicts: readonly Verdict[]): { events: ObservedEvent[]; unplaced: Verdict[] } {
  const matched = matchArrows(d, exchanges);
  type Ev = ObservedEvent & { t: number; order: number };
  const evs: Ev[] = matched.flatMap((m, i) => {
    const setup = !m.exchange.steps.length;
    const out: Ev[] = [{ t: m.exchange.at, order: i * 2, m, kind: 'request', arrow: m.request, setup, verdicts: [] }];
    if (m.exchange.response || m.exchange.error) {
      out.push({ t: m.exchange.at + Math.max(0, m.exchange.durationMs), order: i * 2 + 1, m, kind: 'response', arrow: m.response, setup, verdicts: [] });
    }
    return out;
  });
  evs.sort((a, b) => a.t - b.t || a.order - b.order);
  const bySeq = new Map<number, Ev[]>();
  for (const ev of evs) bySeq.set(ev.m.exchange.seq, [...(bySeq.get(ev.m.exchange.seq) ?? []), ev]);
  const unplaced: Verdict[] = [];
  for (const v of verdicts) {
    const seq = [...v.evidence].reverse().find((e) => bySeq.has(e.seq))?.seq;
    let target: Ev | undefined;
    if (seq !== undefined) {
      const [req, res] = bySeq.get(seq)!;
      target = req.arrow && v.steps.includes(req.arrow.n) ? req : res ?? req;
    } else {
      const step = v.steps[0];
      target = evs.find((e) => !e.setup && e.arrow?.n === step) ?? evs.find((e) => e.arrow?.n === step);
    }
    if (target) target.verdicts.push(v);
    else unplaced.push(v);
  }
  return { events: evs.map(({ t, order, ...e }) => e), unplaced };
}

export function arrowStatus(ev: Pick<ObservedEvent, 'arrow' | 'm' | 'verdicts'>): ArrowStatus {
  const vs = ev.verdicts;
  if (vs.some((v) => v.result === 'fail' && v.level === 'MUST')) return 'fail';
  if (vs.some((v) => v.result === 'fail')) return 'warn';
  if (vs.some((v) => v.result === 'info')) return 'info';
  // Only a verdict that held paints an arrow green: one judged only "not applicable" is not a pass.
  if (vs.some((v) => v.result === 'pass')) return 'pass';
  if (!ev.m.request && !ev.m.response) return 'extra';
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
const NOTE_BG: Record<'fail' | 'warn' | 'info', string> = { fail: '#FFCDD2', warn: '#FFE0B2', info: '#DDEEFF' };

const redactor = new Redactor();
/** Pattern-based redaction of anything printed: JWTs shortened, password values masked. */
export function safe(s: string | undefined): string {
  return redactor.text(s ?? '') ?? '';
}

export function renderObserved(input: ObservedInput): string {
  const { diagram: d } = input;
  const { events, unplaced } = observedEvents(d, input.exchanges, input.verdicts);
  const lines = header_(d, `${d.workflow}: ${input.scenario} (observed)`, input.exchanges);
  let phase: string | undefined;
  for (const ev of events) {
    if (ev.arrow?.phase && ev.arrow.phase !== phase) {
      lines.push(`== ${esc(ev.arrow.phase)} ==`);
      phase = ev.arrow.phase;
    }
    lines.push(...drawEvent(ev, { status: arrowStatus(ev), verdicts: ev.verdicts }));
  }
  for (const v of unplaced.filter((v) => v.result !== 'pass' && v.result !== 'na')) lines.push(...note(v, ident(d.participants[0] ?? 'Browser')));
  const exercised = new Set(input.exchanges.flatMap((e) => e.steps));
  const seen = new Set(events.flatMap((e) => (e.arrow ? [e.arrow.n] : [])));
  const missing = d.arrows.filter((a) => exercised.has(a.n) && !a.self && !seen.has(a.n));
  if (missing.length) {
    lines.push('legend right', 'Spec arrows exercised but not observed (missing):', ...missing.map((a) => `  ${a.n}. ${a.from} -> ${a.to}: ${esc(a.label.split('\n')[0])}`), 'endlegend');
  }
  lines.push('@enduml', '');
  return safe(lines.join('\n'));
}

export interface StitchedScenario {
  name: string;
  exchanges: readonly Exchange[];
  verdicts: readonly Verdict[];
}

/**
 * The whole workflow in the spec's step order, as the FusionAuth article draws it: for each
 * numbered spec arrow, the first scenario that exercised it (a scenario whose checks failed
 * there wins, so a defect shows) supplies the observed arrow, labelled `S<k>` after that
 * scenario; the checks of every scenario that exercised the step are attached to it. Self
 * arrows (nothing on the wire) are drawn grey as the spec has them; arrows no scenario
 * exercised are drawn grey and dotted, and listed as missing.
 */
export function renderStitched(input: { diagram: Diagram; scenarios: readonly StitchedScenario[] }): string {
  const { diagram: d } = input;
  const all = input.scenarios.flatMap((s) => s.exchanges);
  const lines = header_(d, `${d.workflow} (observed, stitched from ${input.scenarios.length} scenario${input.scenarios.length === 1 ? '' : 's'})`, all);
  type Entry = { k: number; ev: ObservedEvent };
  const byArrow = new Map<number, Entry[]>();
  const extrasAfter = new Map<string, Entry[]>();
  input.scenarios.forEach((s, k) => {
    const { events } = observedEvents(d, s.exchanges, s.verdicts);
    let anchor = 0;
    for (const ev of events) {
      if (ev.arrow && !ev.setup) {
        byArrow.set(ev.arrow.n, [...(byArrow.get(ev.arrow.n) ?? []), { k, ev }]);
        anchor = ev.arrow.n;
      } else if (ev.arrow) anchor = ev.arrow.n;
      else if (!ev.setup) extrasAfter.set(`${k}:${anchor}`, [...(extrasAfter.get(`${k}:${anchor}`) ?? []), { k, ev }]);
    }
  });
  let phase: string | undefined;
  const missing: Arrow[] = [];
  for (const a of d.arrows) {
    if (a.phase && a.phase !== phase) {
      lines.push(`== ${esc(a.phase)} ==`);
      phase = a.phase;
    }
    const entries = byArrow.get(a.n) ?? [];
    if (a.self || !entries.length) {
      if (!a.self) missing.push(a);
      const style = a.self ? '[#999999]' : '[#BBBBBB,dotted]';
      lines.push(`${ident(a.from)} -${style}> ${ident(a.to)} : <color:#777777>${a.n} <i>${esc(a.label.split('\n')[0])}</i> ${a.self ? '(not on the wire)' : '(not observed)'}</color>`);
      continue;
    }
    const failing = entries.find((e) => ['fail', 'warn'].includes(arrowStatus(e.ev)));
    const chosen = failing ?? entries[0];
    const verdicts = dedupe(entries.flatMap((e) => e.ev.verdicts.map((v) => ({ ...v, scenario: `S${e.k + 1}` }))));
    const status = arrowStatus({ ...chosen.ev, verdicts });
    lines.push(...drawEvent(chosen.ev, { status, verdicts, tag: `S${chosen.k + 1}` }));
    for (const x of extrasAfter.get(`${chosen.k}:${a.n}`) ?? []) lines.push(...drawEvent(x.ev, { status: 'extra', verdicts: [], tag: `S${x.k + 1}` }));
  }
  const legend = ['legend right', 'Scenarios:', ...input.scenarios.map((s, k) => `  S${k + 1}  ${esc(s.name)}`)];
  if (missing.length) legend.push('Spec arrows no scenario observed (missing):', ...missing.map((a) => `  ${a.n}. ${a.from} -> ${a.to}: ${esc(a.label.split('\n')[0])}`));
  lines.push(...legend, 'endlegend', '@enduml', '');
  return safe(lines.join('\n'));
}

function dedupe(vs: Verdict[]): Verdict[] {
  const seen = new Set<string>();
  return vs.filter((v) => {
    const key = `${v.id}|${v.scenario}|${v.result}|${v.actual}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function header_(d: Diagram, title: string, exchanges: readonly Exchange[]): string[] {
  const lines = ['@startuml', `title ${esc(title)}`, 'skinparam sequenceMessageAlign left', ...d.participants.map((p) => `participant ${p}`)];
  const extra = new Set(exchanges.flatMap((e) => [e.from, e.to]).filter((p) => !d.participants.includes(p)));
  for (const p of extra) lines.push(`participant "${esc(p)}" as ${ident(p)}`);
  return lines;
}

function drawEvent(ev: ObservedEvent, o: { status: ArrowStatus; verdicts: readonly Verdict[]; tag?: string }): string[] {
  const e = ev.m.exchange;
  const from = ident(e.from);
  const to = ident(e.to);
  const extra = !ev.m.request && !ev.m.response;
  const status: ArrowStatus = extra ? 'extra' : e.unexpected && o.status !== 'fail' ? 'fail' : o.status;
  const colour = COLOURS[status] ? `[${COLOURS[status]}${status === 'fail' ? ',bold' : ''}]` : '';
  const tag = o.tag ? ` <size:9>${o.tag}</size>` : '';
  const passed = [...new Set(o.verdicts.filter((v) => v.result === "pass").map(shortId))];
  const checks = rows(passed, 3).map((r, i) => `\\n<color:${COLOURS.pass}>${i ? '   ' : '✓ '}${r}</color>`).join('');
  // Older PlantUML (Debian's 1.2020) ignores `bold`: the label says it too.
  const mark = status === 'fail' ? `<color:${COLOURS.fail}><b>✗</b></color> ` : status === 'warn' ? `<color:${COLOURS.warn}><b>!</b></color> ` : '';
  const lines: string[] = [];
  if (ev.kind === 'request') {
    const sent = cookiePairs(headerAll(e.request.headers, 'cookie').join('; '));
    const fields = bodyFields(e.request.body, header(e.request.headers, 'content-type'));
    let label = `${num(ev)}${e.request.method} ${esc(e.request.path)}${tag}`;
    if (fields.length) label += `\\n(${fields.join(', ')})`;
    if (sent.length) label += `\\n[${sent.join(', ')}]`;
    if (extra) label += '\\n<i>(not in the spec)</i>';
    lines.push(`${from} -${colour}> ${to} : ${mark}${grey(label, extra)}${checks}`);
  } else if (e.response) {
    const set = headerAll(e.response.headers, 'set-cookie').map(setCookie);
    const loc = header(e.response.headers, 'location');
    let label = `${num(ev)}${e.response.status}${loc ? ` Location: ${esc(loc)}` : ''}${describeBody(e.response.body, header(e.response.headers, 'content-type'))}${tag}`;
    if (set.length) label += `\\n[${set.join(',\\n ')}]`;
    lines.push(`${to} -${colour}-> ${from} : ${mark}${grey(label, extra)}${checks}`);
  } else if (e.error) {
    lines.push(`${to} -[${COLOURS.fail}]-> ${from} : ${num(ev)}✗ ${esc(e.error)}${tag}`);
  }
  const notes = o.verdicts.filter((v) => v.result !== 'pass' && v.result !== 'na');
  for (const v of notes) lines.push(...note(v, ev.kind === 'request' ? to : from));
  return lines;
}

function grey(label: string, extra: boolean): string {
  return extra ? label.split('\\n').map((l) => `<color:${COLOURS.extra}>${l}</color>`).join('\\n') : label;
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
  if (!ev.arrow) return '';
  return ev.setup ? `(${ev.arrow.n}) ` : `<b>${ev.arrow.n}</b> `;
}

function note(v: Verdict, over: string): string[] {
  const kind = v.result === 'fail' ? (v.level === 'MUST' ? 'fail' : 'warn') : 'info';
  const mark = v.result === 'fail' ? '✗' : 'i';
  const outcome = v.result === 'info' ? (v.ok ? 'WORKED' : 'BLOCKED') : 'FAILED';
  const who = v.scenario && /^S\d+$/.test(v.scenario) ? ` (${v.scenario})` : '';
  const lines = [`note right of ${over} ${NOTE_BG[kind]}`, `${mark} <b>${esc(v.id)}</b> ${v.level} ${outcome}${who}`];
  if (v.result === 'fail') lines.push(`expected: ${esc(v.expected)}`, `actual: ${esc(v.actual)}`);
  else lines.push(esc(v.actual));
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
