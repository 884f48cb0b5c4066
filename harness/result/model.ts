import type { Verdict } from '../checks/check';
import type { ClockReport } from '../clock/world-clock';
import type { ErrorCode } from '../errors';
import type { Exchange } from '../trace';

/**
 * What a run produced, as the `run` command collects it from cucumber's message stream: the
 * model the gate judges and the report writes (harness/gate, harness/report), in a module of
 * its own so that neither imports the other's for it.
 */
export interface ScenarioResult {
  workflow: string;
  name: string;
  status: string;
  verdicts: Verdict[];
  exchanges: Exchange[];
  errors: string[];
  /** The spec steps the scenario's Gherkin steps name, e.g. `(steps 5-8)` (what its diagrams draw). */
  steps?: number[];
  /** Deliberate wall-clock waits (session TTL proofs) and what they were for. */
  waits?: { ms: number; reason: string }[];
  /** World-clock moves made instead of waits (harness/clock) and what they were for. */
  advances?: { ms: number; reason: string }[];
  /** PNG screenshots a real browser took (browser mode), base64. */
  screenshots?: { fileName: string; base64: string }[];
}

export interface WorkflowResult {
  workflow: string;
  configFile: string;
  scenarios: ScenarioResult[];
  kitError?: string;
  /** The kitError's stable code (harness/errors.ts), for scripts: CONFIG_INVALID, BACKEND_START... */
  kitErrorCode?: ErrorCode;
  undefinedSteps: string[];
  exitCode: number;
  /** The run-level variant of this run, when the config declares a matrix. */
  variant?: Record<string, string | number>;
  /** Spec steps the run's Gherkin steps exercised (set by whoever knows them; optional). */
  exercisedSteps?: number[];
  /** Which clock the run was on (world or real), per backend, and the session TTL proven. */
  clock?: ClockReport;
  /** Wall time of the workflow's cucumber run(s), every variant together. */
  durationMs?: number;
  /**
   * The applications the config declares (`store`, and `forums` unless it declares one), as the
   * runner recorded them; absent (a run that stopped before its config loaded): both.
   */
  apps?: ('store' | 'forums')[];
}

/** The clock of a workflow's run as summary.json states it: which one, why, and how long the kit moved it and waited. */
export function clockSummary(r: WorkflowResult) {
  if (!r.clock) return undefined;
  const sum = (xs: { ms: number }[] | undefined) => (xs ?? []).reduce((n, x) => n + x.ms, 0);
  return {
    ...r.clock,
    advancedMs: r.scenarios.reduce((n, s) => n + sum(s.advances), 0),
    waitedMs: r.scenarios.reduce((n, s) => n + sum(s.waits), 0),
  };
}

