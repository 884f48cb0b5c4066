import type { Diagram } from '../../harness/spec/diagram';
import { namedArrows } from '../../harness/report/match';
import { esc, safe } from '../../harness/report/observed';

/**
 * The side-by-side check a reader trusts, on a stitched diagram as written (`_stitched.puml`):
 * - every spec arrow a passing scenario exercised is drawn solid, from the wire (bold `n` or,
 *   if only a setup step showed it, `(n)`), never dotted "(not observed)" nor listed missing
 *   (arrows only an INFO or not-applicable verdict is about excepted: a BLOCKED attack is
 *   one that did not happen);
 * - every failing verdict of the run is drawn exactly once: one note carries its check id, names
 *   its scenario (`S3`) and says what it observed.
 * Returns the problems found (empty: the diagram tells the truth on both counts).
 */
export interface AuditScenario {
  name: string;
  status: string;
  /** The spec steps its Gherkin steps name. */
  steps?: number[];
  verdicts: { id: string; result: string; steps: number[]; expected?: string; actual?: string }[];
}

export function auditStitched(d: Diagram, puml: string, scenarios: readonly AuditScenario[]): string[] {
  const problems: string[] = [];
  const lines = puml.split('\n');
  const arrowLine = (l: string) => /^\S+ -[^ ]*> \S+ : /.test(l);
  const solid = (n: number) => lines.some((l) => arrowLine(l) && !l.includes('(not observed)') && !l.includes('(not on the wire)') && (l.includes(`<b>${n}</b> `) || l.includes(`(${n}) `)));
  const legend = lines.slice(lines.indexOf('legend right'));
  // Against a backend that does not conform, a passing scenario may have walked another path
  // than the one drawn (no refresh happened because the API accepted the expired JWT): there
  // only the arrows a passing check is about must be solid ("no missing while its check passed").
  const lenient = scenarios.some((s) => s.status === 'FAILED');
  scenarios.forEach((s, k) => {
    if (s.status !== 'PASSED') return;
    const steps = s.steps ?? [...new Set(s.verdicts.flatMap((v) => v.steps))];
    // An attack step may rightly never happen ("the report says whether the store refreshed
    // the JWT for the hacker": BLOCKED), and a not-applicable check shows nothing: an arrow only
    // such verdicts are about may stay dotted; one a passing check is about may not.
    const about = (vs: AuditScenario['verdicts']) => new Set(namedArrows(d, [], [], vs.flatMap((v) => v.steps)).map((a) => a.n));
    const passed = about(s.verdicts.filter((v) => v.result === 'pass'));
    const maybeAbsent = about(s.verdicts.filter((v) => v.result === 'info' || v.result === 'na'));
    // A refused login walks the diagram's login steps on a path it does not draw (FusionAuth
    // answers 202 or 404, not the drawn 200; no redirect to the cart): there only the arrows a
    // passing check is about must be solid.
    // (Its checks pass exactly when the drawn arrows do not happen: nothing it names must be solid.)
    const refusedLogin = s.verdicts.some((v) => /\.failed-login-/.test(v.id));
    for (const a of namedArrows(d, [], [], steps)) {
      if (a.self || refusedLogin || (maybeAbsent.has(a.n) && !passed.has(a.n)) || (lenient && !passed.has(a.n))) continue;
      if (!solid(a.n)) problems.push(`arrow ${a.n} (${a.label.split('\n')[0]}) is exercised by passing scenario S${k + 1} "${s.name}" but not drawn solid`);
      if (legend.some((l) => l.startsWith(`  ${a.n}. `))) problems.push(`arrow ${a.n} is listed as missing although passing scenario S${k + 1} exercised it`);
    }
  });
  // Notes: `✗ <b>WJC-12.refresh-called</b> MUST FAILED (S5, S6)`, then expected, actual, where.
  const notes: { header: string; body: string[] }[] = [];
  lines.forEach((l, i) => {
    if (!l.startsWith('note ')) return;
    const end = lines.indexOf('end note', i);
    notes.push({ header: lines[i + 1] ?? '', body: lines.slice(i + 2, end) });
  });
  scenarios.forEach((s, k) => {
    const seen = new Set<string>();
    for (const v of s.verdicts) {
      // Two verdicts with one id in one scenario (the JWT cookie and the refresh token cookie)
      // are told apart by what they expected and saw.
      const expected = safe(`expected: ${esc(v.expected ?? '')}`);
      const actual = safe(`actual: ${esc(v.actual ?? '')}`);
      if (v.result !== 'fail' || seen.has(v.id + expected + actual)) continue;
      seen.add(v.id + expected + actual);
      const tag = `S${k + 1}`;
      const hits = notes.filter(
        (n) => n.header.includes(`<b>${v.id}</b>`) && / FAILED \(/.test(n.header) && new RegExp(`\\((?:S\\d+, )*${tag}(?:, S\\d+)*\\)$`).test(n.header) && (v.actual === undefined || (n.body.includes(actual) && (v.expected === undefined || n.body.includes(expected)))),
      );
      if (hits.length !== 1) problems.push(`failing verdict ${v.id} of S${k + 1} "${s.name}" (${v.actual}) is drawn ${hits.length} times in the stitched diagram, not once`);
    }
  });
  return problems;
}
