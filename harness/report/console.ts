import * as path from 'node:path';
import { describeFailure } from '../checks/verifier';
import type { Verdict } from '../checks/check';
import type { ClockReport } from '../clock/world-clock';
import type { WorkflowResult } from '../result/model';
import type { RenderReport } from './render';
import { type WorkflowBadge, shouldFailures, tally, workflowBadge } from './conformance';
import { workflowPage } from './files';

/**
 * The console reporter: what a run prints while it runs and when it ends. The runner
 * (harness/runner) turns cucumber's messages into results and tells this reporter what
 * happened, a call per scenario, step and verdict; everything about wording, marks and
 * what `--quiet` keeps is decided here.
 *
 * A step line's mark: ✓ something was judged there and held; ✗ a MUST recorded on it failed
 * (or the step itself failed); ! a SHOULD recorded on it failed; – every check on it was not
 * applicable (it says why); - skipped. A failed check is printed once, in full, under its step;
 * `--quiet` drops the step-by-step lines, never a failure and never the closing summary.
 */

/** What a finished step came to, as the runner saw it in cucumber's messages. */
export interface StepOutcome {
  /** The Gherkin step's text; undefined for a hook. */
  text?: string;
  /** Cucumber's status: PASSED, FAILED, SKIPPED, UNDEFINED... */
  status: string;
  /** The checks recorded on this step. */
  verdicts: Verdict[];
  /**
   * Why the step failed: `check` a failed check, already printed with its verdict; `kit` a
   * defect in the kit (its stack trace is what its developers need); `backend` anything else,
   * printed as its message without the kit's stack.
   */
  error?: { kind: 'check' | 'kit' | 'backend'; message: string };
}

/** Step texts worded for a run whose config declares one application (no forums). */
const ONE_APP_WORDING: [RegExp, string][] = [[/^the store and the forums are running/, 'the store is running']];

export class ConsoleReporter {
  private readonly log: (line: string) => void;
  /** Lines about a scenario's steps (verdicts) waiting for the step's own line. */
  private pending = new Map<string, { line: string; failure: boolean }[]>();
  /** Scenarios whose name was printed (a quiet run names one only when it fails). */
  private named = new Set<string>();
  private names = new Map<string, string>();

  constructor(
    /** Where every line goes; `quiet` keeps only failures from it. */
    private readonly out: (line: string) => void,
    private readonly o: { quiet?: boolean; singleApp?: boolean } = {},
  ) {
    this.log = o.quiet ? () => {} : out;
  }

  workflowStarted(workflow: string, configFile: string): void {
    this.log(`\n${workflow}  (config ${path.relative(process.cwd(), configFile)})`);
  }

  /** A line about the run that is not a failure (dropped by --quiet). */
  note(line: string): void {
    this.log(line);
  }

  scenarioStarted(id: string, name: string): void {
    this.names.set(id, name);
    this.log(`  Scenario: ${name}`);
    if (!this.o.quiet) this.named.add(id);
  }

  clock(c: ClockReport): void {
    this.log(`  ${describeClock(c)}`);
  }

  /** A check recorded in a scenario: printed after its step's line (failures in full, once). */
  verdict(id: string, v: Verdict): void {
    const later = (line: string, failure = false) => this.pending.set(id, [...(this.pending.get(id) ?? []), { line, failure }]);
    if (v.result === 'na') later(`      – ${v.id} ${v.level} ${v.name}: not applicable: ${v.reason ?? v.actual}`);
    else if (v.result === 'fail') later(indent(`${v.level === 'MUST' ? '✗' : '!'} ${describeFailure(v)}`, '      '), true);
    else if (v.result !== 'pass') later(`      i ${v.id} ${v.level} ${v.name}: ${v.actual}`);
  }

  stepFinished(id: string, s: StepOutcome): void {
    // A hook that failed because of checks (the scenario's failed MUSTs, thrown at its end) says
    // nothing new: those checks were printed in full under their steps.
    if (s.text !== undefined || (s.status === 'FAILED' && s.error?.kind !== 'check')) {
      const { mark, why } = stepMark(s);
      const line = `    ${mark} ${s.text === undefined ? '(hook)' : this.worded(s.text)}${why}`;
      if (mark === '✗' || mark === '!' || mark === '?') this.failureLine(id, line);
      else this.log(line);
    }
    this.flush(id);
    if (s.status !== 'FAILED' || !s.error) return;
    if (s.error.kind === 'kit') this.failureLine(id, indent(s.error.message, '        '));
    else if (s.error.kind === 'backend') this.failureLine(id, indent(s.error.message.split('\n').filter((l) => !/^\s+at /.test(l)).join('\n'), '        '));
  }

  scenarioFinished(id: string): void {
    this.flush(id);
  }

  /** The workflow's verdict table and totals (dropped by --quiet: the closing summary keeps the totals). */
  workflowFinished(r: WorkflowResult, ms: number): void {
    printTable(r, this.log);
    const waited = r.scenarios.reduce((n, s) => n + (s.waits ?? []).reduce((m, w) => m + w.ms, 0), 0);
    const moved = r.scenarios.reduce((n, s) => n + (s.advances ?? []).reduce((m, w) => m + w.ms, 0), 0);
    this.log(`  ${r.scenarios.length} scenarios in ${ms} ms, of which ${waited} ms deliberate waits (session TTL proofs)${r.clock ? `; ${r.clock.kind} clock${r.clock.kind === 'world' ? `, moved ${formatDuration(moved)} instead of waiting` : ''}` : ''}`);
  }

  private worded(text: string): string {
    if (!this.o.singleApp) return text;
    return ONE_APP_WORDING.reduce((t, [from, to]) => t.replace(from, to), text);
  }

  private flush(id: string): void {
    for (const p of this.pending.get(id) ?? []) p.failure ? this.failureLine(id, p.line) : this.log(p.line);
    this.pending.delete(id);
  }

  /** A line about a failure: printed even in a quiet run, under its scenario's name. */
  private failureLine(id: string, line: string): void {
    if (!this.named.has(id)) {
      this.named.add(id);
      this.out(`  Scenario: ${this.names.get(id) ?? ''}`);
    }
    this.out(line);
  }
}

/** A step's mark and what it adds in brackets: the reasons of a not-applicable step, the failed checks' ids, or cucumber's status. */
export function stepMark(s: StepOutcome): { mark: string; why: string } {
  const st = s.status;
  const onlyNa = s.verdicts.length > 0 && s.verdicts.every((v) => v.result === 'na');
  const failed = s.verdicts.filter((v) => v.result === 'fail');
  const ids = (vs: Verdict[]) => `  [${[...new Set(vs.map((v) => v.id))].join(', ')}]`;
  if ((st === 'PASSED' || st === 'SKIPPED') && onlyNa) return { mark: '–', why: `  [${[...new Set(s.verdicts.map((v) => v.reason ?? v.actual))].join('; ')}]` };
  if (st === 'PASSED') {
    if (failed.some((v) => v.level === 'MUST')) return { mark: '✗', why: ids(failed) };
    return failed.length ? { mark: '!', why: ids(failed) } : { mark: '✓', why: '' };
  }
  if (st === 'SKIPPED') return { mark: '-', why: '' };
  return { mark: st === 'FAILED' ? '✗' : '?', why: `  [${st}]` };
}

/** One line for the run's header: which clock, per backend, and the session TTL the backends were given. */
export function describeClock(c: ClockReport): string {
  const per = c.backends.map((b) => `${b.name} ${b.clock}`).join(', ');
  return c.kind === 'world'
    ? `clock: world clock (${per}; ${c.reason}); session TTL ${c.sessionTtlSeconds} s; expiry by moving the clock, no waiting`
    : `clock: real clock (${per}): ${c.reason}; session TTL ${c.sessionTtlSeconds} s waited out, expired tokens minted`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${s} s`;
}

function printTable(r: WorkflowResult, log: (s: string) => void): void {
  const rows = r.scenarios.flatMap((s) => s.verdicts.map((v) => ({ v, s })));
  log(`\n  Verdicts for ${r.workflow}: ${rows.length} checks in ${r.scenarios.length} scenarios`);
  log(`  ${'id'.padEnd(30)} ${'level'.padEnd(6)} ${'result'.padEnd(8)} scenario`);
  for (const { v, s } of rows) {
    const res = v.result === 'info' ? (v.ok ? 'WORKED' : 'BLOCKED') : v.result === 'na' ? 'N/A' : v.result.toUpperCase();
    log(`  ${v.id.padEnd(30)} ${v.level.padEnd(6)} ${res.padEnd(8)} ${s.name}`);
  }
  // Not-applicable verdicts are neither held nor failed: counted apart, never as a pass.
  const t = tally(r.scenarios);
  log(`  MUST ${t.must.held}/${t.must.held + t.must.failed} hold, SHOULD ${t.should.held}/${t.should.held + t.should.failed} hold, INFO ${t.info}${t.na ? `, ${t.na} not applicable` : ''}`);
}

/**
 * The closing summary of a run, one line per workflow: its badge, MUST and SHOULD checks held
 * of those judged, checks not applicable, scenarios (passed, not applicable, failed), time and
 * where its report is; the failed SHOULD checks under a CONFORMS WITH WARNINGS. Printed by
 * every run, `--quiet` ones included (it is the totals).
 */
export function closingSummary(results: WorkflowResult[], reports: string): string[] {
  const width = Math.max(8, ...results.map((r) => r.workflow.length)) + 2;
  const badgeWidth = Math.max(...(['CONFORMS WITH WARNINGS', 'DOES NOT CONFORM'] satisfies WorkflowBadge[]).map((b) => b.length)) + 2;
  const lines = [`\n${'workflow'.padEnd(width)}${'verdict'.padEnd(badgeWidth)}${'MUST'.padEnd(10)}${'SHOULD'.padEnd(9)}${'N/A'.padEnd(6)}${'scenarios'.padEnd(26)}${'time'.padEnd(9)}report`];
  for (const r of results) {
    const t = tally(r.scenarios);
    const s = t.scenarios;
    const badge = workflowBadge(r);
    const scenarios = `${s.passed}/${s.total} passed${s.na ? `, ${s.na} N/A` : ''}${s.failed ? `, ${s.failed} failed` : ''}`;
    const time = r.durationMs === undefined ? '-' : `${(r.durationMs / 1000).toFixed(1)} s`;
    lines.push(`${r.workflow.padEnd(width)}${badge.padEnd(badgeWidth)}${`${t.must.held}/${t.must.held + t.must.failed}`.padEnd(10)}${`${t.should.held}/${t.should.held + t.should.failed}`.padEnd(9)}${String(t.na).padEnd(6)}${scenarios.padEnd(26)}${time.padEnd(9)}${reportLink(reports, r.workflow)}`);
    if (badge === 'CONFORMS WITH WARNINGS') for (const v of shouldFailures(r.scenarios)) lines.push(`${''.padEnd(width)}! ${v.id} SHOULD: ${v.actual.split('\n')[0]}`);
    if (r.kitError) lines.push(`${''.padEnd(width)}${r.kitErrorCode ? `[${r.kitErrorCode}] ` : ''}${r.kitError.split('\n')[0]}`);
  }
  return lines;
}

/**
 * How a run ends: how the diagrams were drawn (not under --quiet), the closing summary, the
 * gate's reasons and the exit code, with where the reports are.
 */
export function runEnd(o: { results: WorkflowResult[]; gate: { exitCode: number; lines: string[] }; rendering: RenderReport }, reports: string, quiet: boolean): string[] {
  const r = o.rendering;
  return [
    ...(quiet ? [] : [`\ndiagrams: ${r.mode}: ${r.reason}${r.mode === 'local' ? `; ${r.rendered}/${r.diagrams} SVG in ${r.durationMs} ms, ${r.jvmStarts} JVM start` : ''}`]),
    ...closingSummary(o.results, reports),
    ...(o.gate.lines.length ? [`\ngate:\n${o.gate.lines.map((l) => `  ${l}`).join('\n')}`] : []),
    `\nreports: ${path.relative(process.cwd(), reports) || '.'}/  exit ${o.gate.exitCode} (${['all MUST checks hold', 'a check failed the gate', 'kit or config error'][o.gate.exitCode]})`,
  ];
}

/** Where a workflow's report is, as a path from the current directory (its diagrams and verdicts). */
export function reportLink(reports: string, workflow: string): string {
  return path.relative(process.cwd(), path.join(reports, workflowPage(workflow))) || workflowPage(workflow);
}

export function indent(text: string, pad: string): string {
  return text.split('\n').map((l) => `${pad}${l}`).join('\n');
}
