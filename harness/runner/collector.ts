import type * as messages from '@cucumber/messages';
import type { Verdict } from '../checks/check';
import type { ClockReport } from '../clock/world-clock';
import { type ErrorCode, exitCodeFor, failureCode } from '../errors';
import type { ConsoleReporter } from '../report/console';
import type { ScenarioResult } from '../result/model';
import { stepRefs } from '../spec/feature';
import { CLOCK_MEDIA_TYPE, KIT_ERROR_MEDIA_TYPE, TRACE_MEDIA_TYPE, VERDICT_MEDIA_TYPE } from '../workflow/pool';

/**
 * Turns cucumber's message stream into the kit's results: scenarios with their verdicts,
 * exchanges, waits and screenshots (what the steps attached), the steps exercised, undefined
 * steps, the clock and a kit error. What it sees happen it tells the console reporter
 * (harness/report/console.ts), which decides what to print.
 */
export class MessageCollector {
  private pickles = new Map<string, messages.Pickle>();
  private testCases = new Map<string, messages.TestCase>();
  private started = new Map<string, { testCaseId: string; result: ScenarioResult }>();
  private order: ScenarioResult[] = [];
  private exercised = new Set<number>();
  /** Verdicts by `testCaseStartedId/testStepId`: what each Gherkin step judged. */
  private stepVerdicts = new Map<string, Verdict[]>();
  private skipped = new Set<string>();
  undefinedSteps: string[] = [];
  /** A kit error a worker process reported (parallel runs): the environment did not start. */
  kitError: { message: string; code?: ErrorCode } | undefined;
  /** The clock the run's environment is on (from the first scenario). */
  clock: ClockReport | undefined;

  constructor(
    private readonly workflow: string,
    private readonly reporter: Pick<ConsoleReporter, 'scenarioStarted' | 'clock' | 'verdict' | 'stepFinished' | 'scenarioFinished'>,
  ) {}

  exercisedSteps(): number[] {
    return [...this.exercised].sort((a, b) => a - b);
  }

  results(): ScenarioResult[] {
    return this.order;
  }

  onMessage(m: messages.Envelope): void {
    if (m.pickle) this.pickles.set(m.pickle.id, m.pickle);
    if (m.testCase) this.testCases.set(m.testCase.id, m.testCase);
    if (m.testCaseStarted) this.caseStarted(m.testCaseStarted);
    if (m.attachment?.testCaseStartedId) this.attached(m.attachment, m.attachment.testCaseStartedId);
    if (m.testStepFinished) this.stepFinished(m.testStepFinished);
    if (m.testCaseFinished) {
      const id = m.testCaseFinished.testCaseStartedId;
      const s = this.started.get(id);
      this.reporter.scenarioFinished(id);
      // SKIPPED: a step said the scenario does not apply here (its reason is an N/A verdict).
      if (s) s.result.status = s.result.errors.length ? 'FAILED' : this.skipped.has(id) ? 'SKIPPED' : 'PASSED';
    }
  }

  private caseStarted(m: messages.TestCaseStarted): void {
    const tc = this.testCases.get(m.testCaseId)!;
    const pickle = this.pickles.get(tc.pickleId)!;
    const steps = [...new Set(pickle.steps.flatMap((p) => stepRefs(p.text)))].sort((a, b) => a - b);
    const r: ScenarioResult = { workflow: this.workflow, name: pickle.name, status: 'RUNNING', verdicts: [], exchanges: [], errors: [], steps };
    this.started.set(m.id, { testCaseId: tc.id, result: r });
    this.order.push(r);
    this.reporter.scenarioStarted(m.id, pickle.name);
  }

  private attached(a: messages.Attachment, id: string): void {
    const s = this.started.get(id);
    if (!s) return;
    if (a.mediaType === VERDICT_MEDIA_TYPE) {
      const v = JSON.parse(a.body) as Verdict;
      s.result.verdicts.push(v);
      if (a.testStepId) this.stepVerdicts.set(`${id}/${a.testStepId}`, [...(this.stepVerdicts.get(`${id}/${a.testStepId}`) ?? []), v]);
      this.reporter.verdict(id, v);
    }
    if (a.mediaType === 'image/png') (s.result.screenshots ??= []).push({ fileName: a.fileName ?? 'screenshot.png', base64: a.body });
    if (a.mediaType === CLOCK_MEDIA_TYPE && !this.clock) {
      this.clock = JSON.parse(a.body) as ClockReport;
      this.reporter.clock(this.clock);
    }
    if (a.mediaType === KIT_ERROR_MEDIA_TYPE) this.kitError ??= JSON.parse(a.body);
    if (a.mediaType === TRACE_MEDIA_TYPE) {
      const t = JSON.parse(a.body);
      s.result.exchanges = t.exchanges;
      s.result.waits = t.waits ?? [];
      s.result.advances = t.advances ?? [];
    }
  }

  private stepFinished(m: messages.TestStepFinished): void {
    const s = this.started.get(m.testCaseStartedId);
    if (!s) return;
    const tc = this.testCases.get(s.testCaseId)!;
    const step = tc.testSteps.find((t) => t.id === m.testStepId);
    const pickle = this.pickles.get(tc.pickleId)!;
    const ps = step?.pickleStepId ? pickle.steps.find((p) => p.id === step.pickleStepId) : undefined;
    const st = m.testStepResult.status;
    if (st === 'UNDEFINED' && ps) this.undefinedSteps.push(ps.text);
    if (st === 'SKIPPED') this.skipped.add(m.testCaseStartedId);
    // A step exercised its diagram steps when something was judged there: one whose every
    // verdict is "not applicable" exercised nothing (HTTP mode cannot see the app's storage).
    const mine = this.stepVerdicts.get(`${m.testCaseStartedId}/${m.testStepId}`) ?? [];
    const onlyNa = mine.length > 0 && mine.every((v) => v.result === 'na');
    if (st === 'PASSED' && ps && !onlyNa) for (const n of stepRefs(ps.text)) this.exercised.add(n);
    const msg = m.testStepResult.message;
    let error: { kind: 'check' | 'kit' | 'backend'; message: string } | undefined;
    if (st === 'FAILED' && msg) {
      s.result.errors.push(msg);
      const exception = m.testStepResult.exception;
      const type = exception?.type ?? msg.split(/[ :]/)[0];
      const code = failureCode(type, exception?.stackTrace ?? msg);
      const kind = failureKind(type, exception?.stackTrace ?? msg);
      // A defect in the kit, or a coded error that stops the kit (a config, a backend that never
      // started): the run exits 2. A backend's failure is exit 1 and no kit error.
      if (kind === 'kit') this.kitError ??= { message: `${msg.split('\n')[0]} (in step "${ps?.text ?? 'a hook'}")`, code };
      else if (kind === 'backend' && exitCodeFor(code) === 2) this.kitError ??= { message: exception?.message ?? msg.split('\n')[0], code };
      error = { kind, message: msg };
    }
    this.reporter.stepFinished(m.testCaseStartedId, { text: ps?.text, status: st, verdicts: mine, error });
  }
}

/**
 * Why a step failed, from the error's type and code (harness/errors.ts failureCode): a check
 * that failed (CheckFailure at its step, ScenarioFailed at the scenario's end: both already
 * printed with their verdicts), a defect in the kit (INTERNAL: a JavaScript error such as
 * TypeError, or a KitError without a code: stack trace, exit 2), or anything else, printed as
 * its message only: what the steps throw about the backend (a precondition that did not hold,
 * a backend that exited: exit 1) and the coded errors that stop the kit (a config the backend
 * refuses, a kit gap: exit 2).
 */
export function failureKind(type: string, text?: unknown): 'check' | 'kit' | 'backend' {
  if (type === 'CheckFailure' || type === 'ScenarioFailed') return 'check';
  return failureCode(type, text) === 'INTERNAL' ? 'kit' : 'backend';
}
