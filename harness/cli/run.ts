import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type * as messages from '@cucumber/messages';
import { type IRunOptions, loadConfiguration, loadSupport, runCucumber } from '@cucumber/cucumber/api';
// worldParameters must be JSON; the expected-failures entries are plain JSON objects.
type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
import { ConfigError, loadConfig } from '../backend/config';
import { stopAll } from '../backend/launcher';
import { chromiumAvailable } from '../browser/chromium';
import { describeFailure, type Verdict } from '../checks';
import { type ExpectedFailure, ExpectedFailuresError, gate, loadExpectedFailures } from '../gate';
import { stepRefs } from '../spec/feature';
import { loadDiagram } from '../spec/diagram';
import { type ScenarioResult, type WorkflowResult, writeRunReports, writeWorkflowReports } from '../report/write';
import { listWorkflows, projectRoot } from '../spec/diagram';
import { KIT_ERROR_MEDIA_TYPE, shutdown, TRACE_MEDIA_TYPE, VERDICT_MEDIA_TYPE } from '../workflow/session';

/**
 * `loginflow run --workflow W [--config FILE] [--tags EXPR] [--reports DIR] [--plantuml-server URL] [--no-render]`, or `--all`
 * for every workflow that has a bundled reference backend (what `npm start` does).
 *
 * Runs cucumber in-process through its JavaScript API, prints each step as it finishes,
 * then a verdict table, and writes under the reports directory one observed PlantUML
 * diagram per scenario plus a JSON summary. Exit: 0 every MUST holds, 1 a MUST failed,
 * 2 kit or config error.
 */
const ROOT = projectRoot();

export function referenceConfig(workflow: string): string {
  return path.join(ROOT, 'backends', workflow, 'loginflow.json');
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    // node:util parseArgs: core and strict about unknown flags; the CLI is small enough.
    ({ values } = parseArgs({
      args: argv,
      options: {
        workflow: { type: 'string', short: 'w' },
        all: { type: 'boolean' },
        config: { type: 'string', short: 'c' },
        tags: { type: 'string', short: 't' },
        reports: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        variant: { type: 'string', multiple: true },
        'plantuml-server': { type: 'string' },
        'no-render': { type: 'boolean' },
        browser: { type: 'string' },
        parallel: { type: 'string' },
        format: { type: 'string', multiple: true, short: 'f' },
        profile: { type: 'string', multiple: true, short: 'p' },
        'fail-on-warn': { type: 'boolean' },
        'expected-failures': { type: 'string' },
        coverage: { type: 'boolean' },
        jobs: { type: 'string', short: 'j' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`loginflow run: ${(err as Error).message}`);
    return 2;
  }
  const known = listWorkflows();
  const workflows = values.all ? known.filter((w) => fs.existsSync(referenceConfig(w))) : values.workflow ? [values.workflow] : [];
  if (!workflows.length) {
    console.error(`loginflow run: say --workflow <${known.join('|')}> or --all`);
    return 2;
  }
  if (values.workflow && !known.includes(values.workflow)) {
    console.error(`loginflow run: unknown workflow "${values.workflow}" (known: ${known.join(', ')})`);
    return 2;
  }
  const reports = path.resolve(values.reports ?? path.join(ROOT, 'reports'));
  let variant: Record<string, string | number> = {};
  try {
    variant = parseVariants(values.variant ?? []);
  } catch (err) {
    console.error(`loginflow run: ${(err as Error).message}`);
    return 2;
  }
  if (values.browser && !['http', 'chromium', 'auto'].includes(values.browser)) {
    console.error(`loginflow run: --browser must be http, chromium or auto, not "${values.browser}"`);
    return 2;
  }
  // auto: a real browser when one is installed (npm start), else the kit plays the SPA.
  if (values.browser === 'auto') values.browser = chromiumAvailable() ? 'chromium' : 'http';
  const parallel = values.parallel === undefined ? 0 : Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 0) {
    console.error(`loginflow run: --parallel takes a whole number of worker processes, not "${values.parallel}"`);
    return 2;
  }
  let expected: ExpectedFailure[] | undefined;
  try {
    if (values['expected-failures']) expected = loadExpectedFailures(values['expected-failures']);
  } catch (err) {
    if (err instanceof ExpectedFailuresError) {
      console.error(`loginflow run: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    console.error(`loginflow run: --jobs takes a whole number of workflows to run at once, not "${values.jobs}"`);
    return 2;
  }
  const all: WorkflowResult[] = [];
  // --jobs N: N workflows at once in this process (their backends are separate; one
  // workflow's session-TTL waits overlap the others' work); each one's log is printed whole.
  const runOne = async (w: string): Promise<WorkflowResult> => {
      const configFile = values.config ?? referenceConfig(w);
      const runs: WorkflowResult[] = [];
      const lines: string[] = [];
      const log = jobs > 1 ? (l: string) => lines.push(l) : (l: string) => console.log(l);
      // The declared matrix of run-level variants; one cucumber run each.
      for (const combo of runMatrix(configFile, variant)) {
        if (Object.keys(combo).length && !values.quiet) log(`\nvariant ${Object.entries(combo).map(([k, x]) => `${k}=${x}`).join(', ')}`);
        runs.push(
          await runWorkflow(w, {
        configFile,
        tags: values.tags,
        reports,
        quiet: !!values.quiet,
        variant: combo,
        browser: values.browser as 'http' | 'chromium' | undefined,
        parallel,
        formats: values.format,
        profiles: values.profile,
        expected,
        log,
          }),
        );
      }
      const merged = mergeVariants(runs);
      writeWorkflowReports(merged, reports);
      if (lines.length) console.log(lines.join('\n'));
      return merged;
  };
  try {
    for (let i = 0; i < workflows.length; i += jobs) {
      all.push(...(await Promise.all(workflows.slice(i, i + jobs).map(runOne))));
    }
  } finally {
    await shutdown();
    await stopAll();
  }
  const verdict = gate(all, {
    failOnWarn: values['fail-on-warn'],
    expected,
    coverage: values.coverage,
    arrows: Object.fromEntries(workflows.map((w) => [w, loadDiagram(w).arrows.map((a) => a.n)])),
  });
  const worst = verdict.exitCode;
  const rendering = writeRunReports(all, reports, { server: values['plantuml-server'], noRender: values['no-render'] });
  if (!values.quiet) console.log(`\ndiagrams: ${rendering.mode}: ${rendering.reason}${rendering.mode === 'local' ? `; ${rendering.rendered}/${rendering.diagrams} SVG in ${rendering.durationMs} ms, ${rendering.jvmStarts} JVM start` : ''}`);
  if (rendering.error) console.error(`loginflow: rendering diagrams: ${rendering.error}`);
  if (verdict.lines.length) console.log(`\ngate:\n${verdict.lines.map((l) => `  ${l}`).join('\n')}`);
  console.log(`\nreports: ${path.relative(process.cwd(), reports) || '.'}/  exit ${worst} (${['all MUST checks hold', 'a check failed the gate', 'kit or config error'][worst]})`);
  return worst;
}

/**
 * The run-level variants to cover: the product of the values the config declares for
 * `signing` and `refreshEndpoint` (the refresh-failure status and refresh-token policy
 * are covered inside the features, as scenario outlines), narrowed by `--variant`. A
 * variant declared with one value is in force for the whole run exactly like a value
 * picked from a longer list (for the outline variants too: the double uses it throughout,
 * and the outline's other examples are not applicable).
 */
export function runMatrix(configFile: string, cli: Record<string, string | number>): Record<string, string | number>[] {
  let declared: Record<string, unknown> = {};
  try {
    declared = (loadConfig(configFile).variants ?? {}) as Record<string, unknown>;
  } catch {
    return [cli]; // runWorkflow reports the config error
  }
  let combos: Record<string, string | number>[] = [{ ...cli }];
  for (const name of ['signing', 'refreshEndpoint', 'refreshFailureStatus', 'refreshTokenPolicy']) {
    if (name in cli) continue;
    const values = declared[name];
    if (!Array.isArray(values) || !values.length) continue;
    const outline = name === 'refreshFailureStatus' || name === 'refreshTokenPolicy';
    if (outline && values.length > 1) continue; // covered inside the feature, one example each
    combos = combos.flatMap((c) => (values as (string | number)[]).map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

/** One result per workflow for the reports: scenarios of each variant, named with it. */
function mergeVariants(runs: WorkflowResult[]): WorkflowResult {
  if (runs.length === 1) return runs[0];
  const label = (r: WorkflowResult) => Object.entries(r.variant ?? {}).map(([k, x]) => `${k}=${x}`).join(', ');
  return {
    ...runs[0],
    scenarios: runs.flatMap((r) => r.scenarios.map((s) => ({ ...s, name: `${s.name} [${label(r)}]` }))),
    undefinedSteps: [...new Set(runs.flatMap((r) => r.undefinedSteps))],
    exercisedSteps: [...new Set(runs.flatMap((r) => r.exercisedSteps ?? []))].sort((a, b) => a - b),
    kitError: runs.find((r) => r.kitError)?.kitError,
    exitCode: Math.max(...runs.map((r) => r.exitCode)),
  };
}

function parseVariants(list: string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const allowed: Record<string, (string | number)[]> = { signing: ['HS256', 'RS256'], refreshFailureStatus: [400, 404], refreshTokenPolicy: ['Reusable', 'OneTimeUse'], refreshEndpoint: ['/api/jwt/refresh', '/oauth2/token'] };
  for (const item of list) {
    const [k, v] = item.split('=');
    if (!allowed[k]) throw new Error(`--variant ${item}: unknown variant "${k}" (allowed: ${Object.keys(allowed).join(', ')})`);
    const val = /^\d+$/.test(v ?? '') ? Number(v) : v;
    if (!allowed[k].includes(val)) throw new Error(`--variant ${item}: ${k} must be one of ${allowed[k].join(', ')}`);
    out[k] = val;
  }
  return out;
}

export async function runWorkflow(
  workflow: string,
  o: {
    configFile: string;
    tags?: string;
    reports: string;
    quiet?: boolean;
    variant?: Record<string, string | number>;
    browser?: 'http' | 'chromium';
    /** Cucumber worker processes (0: in this process). Each worker starts its own double and backends. */
    parallel?: number;
    /** Extra cucumber formatters, e.g. `junit:reports/cucumber.xml`, `message:reports/messages.ndjson`, `progress-bar`. */
    formats?: string[];
    /** Profiles from a cucumber.js in the current directory. */
    profiles?: string[];
    expected?: ExpectedFailure[];
    /** Where progress lines go (default: stdout). */
    log?: (line: string) => void;
  },
): Promise<WorkflowResult> {
  const result: WorkflowResult = { workflow, configFile: o.configFile, scenarios: [], undefinedSteps: [], exitCode: 0, ...(o.variant && Object.keys(o.variant).length ? { variant: o.variant } : {}) };
  const log = (s: string) => !o.quiet && (o.log ?? console.log)(s);
  try {
    loadConfig(o.configFile); // fail fast on a bad config, before cucumber starts anything
  } catch (err) {
    if (err instanceof ConfigError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`loginflow: config error: ${(err as Error).message}`);
      result.kitError = (err as Error).message;
      result.exitCode = 2;
      return result;
    }
    throw err;
  }
  log(`\n${workflow}  (config ${path.relative(process.cwd(), o.configFile)})`);
  process.env.LOGINFLOW_KEEP_ENVIRONMENT = '1'; // see steps/hooks.ts AfterAll: the run command stops them
  const profileFile = path.resolve('cucumber.js');
  const { runConfiguration } = await loadConfiguration(
    {
      // Profiles come from the user's own cucumber.js, as with cucumber itself.
      // (cucumber resolves the file against its cwd, the kit's root, hence relative).
      file: o.profiles?.length && fs.existsSync(profileFile) ? path.relative(ROOT, profileFile) : false,
      profiles: o.profiles,
      provided: {
        paths: [path.join(ROOT, 'features', `${workflow}.feature`)],
        requireModule: ['ts-node/register'],
        require: [path.join(ROOT, 'steps', '*.ts')],
        worldParameters: { configFile: path.resolve(o.configFile), variant: o.variant ?? {}, browser: o.browser ?? 'http', expected: (o.expected ?? []) as unknown as JsonValue[] },
        ...(o.tags ? { tags: o.tags } : {}),
        format: ['summary', ...(o.formats ?? [])],
        strict: true,
        parallel: o.parallel ?? 0,
      },
    },
    { cwd: ROOT },
  );
  const collector = new MessageCollector(workflow, log);
  const started = Date.now();
  // Step definitions register when their files are first required, so the library is
  // loaded once and handed to every run in this process, concurrent ones included
  // (cucumber's API allows it); parallel workers load their own.
  const environment = { cwd: ROOT, stdout: process.stdout, stderr: process.stderr };
  let config: IRunOptions = runConfiguration;
  if (!o.parallel) {
    supportLibrary ??= loadSupport(runConfiguration, environment);
    config = { ...runConfiguration, support: await supportLibrary };
  }
  const { success } = await runCucumber(config, environment, (m) => collector.onMessage(m));
  result.scenarios = collector.results();
  result.undefinedSteps = collector.undefinedSteps;
  result.exercisedSteps = collector.exercisedSteps();
  const env = collector.kitError;
  if (env) result.kitError = env.message;
  // The workflow's own result, before the expected-failures list (the gate applies that).
  const mustFailed = result.scenarios.some((s) => s.verdicts.some((v) => v.level === 'MUST' && v.result === 'fail'));
  const otherFailure = result.scenarios.some((s) => s.status === 'FAILED' && !s.verdicts.some((v) => v.level === 'MUST' && v.result === 'fail'));
  result.exitCode = result.kitError || result.undefinedSteps.length ? 2 : mustFailed || otherFailure || !success ? 1 : 0;
  printTable(result, log);
  const waited = result.scenarios.reduce((n, s) => n + (s.waits ?? []).reduce((m, w) => m + w.ms, 0), 0);
  log(`  ${result.scenarios.length} scenarios in ${Date.now() - started} ms, of which ${waited} ms deliberate waits (session TTL proofs)`);
  if (result.kitError) console.error(`\nloginflow: kit error: ${result.kitError}`);
  return result;
}

let supportLibrary: ReturnType<typeof loadSupport> | undefined;

class MessageCollector {
  private docs = new Map<string, messages.GherkinDocument>();
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
  kitError: { message: string } | undefined;

  exercisedSteps(): number[] {
    return [...this.exercised].sort((a, b) => a - b);
  }

  constructor(private readonly workflow: string, private readonly log: (s: string) => void) {}

  onMessage(m: messages.Envelope): void {
    if (m.gherkinDocument) this.docs.set(m.gherkinDocument.uri ?? '', m.gherkinDocument);
    if (m.pickle) this.pickles.set(m.pickle.id, m.pickle);
    if (m.testCase) this.testCases.set(m.testCase.id, m.testCase);
    if (m.testCaseStarted) {
      const tc = this.testCases.get(m.testCaseStarted.testCaseId)!;
      const pickle = this.pickles.get(tc.pickleId)!;
      const r: ScenarioResult = { workflow: this.workflow, name: pickle.name, status: 'RUNNING', verdicts: [], exchanges: [], errors: [] };
      this.started.set(m.testCaseStarted.id, { testCaseId: tc.id, result: r });
      this.order.push(r);
      this.log(`  Scenario: ${pickle.name}`);
    }
    if (m.attachment?.testCaseStartedId) {
      const s = this.started.get(m.attachment.testCaseStartedId);
      if (s && m.attachment.mediaType === VERDICT_MEDIA_TYPE) {
        const v = JSON.parse(m.attachment.body) as Verdict;
        s.result.verdicts.push(v);
        if (m.attachment.testStepId) {
          const k = `${m.attachment.testCaseStartedId}/${m.attachment.testStepId}`;
          this.stepVerdicts.set(k, [...(this.stepVerdicts.get(k) ?? []), v]);
        }
        if (v.result === 'na') this.log(`      – ${v.id} ${v.level} ${v.name}: not applicable: ${v.reason ?? v.actual}`);
        else if (v.result !== 'pass') this.log(`      ${v.result === 'info' ? 'i' : v.level === 'MUST' ? '✗' : '!'} ${v.id} ${v.level} ${v.name}: ${v.actual}`);
      }
      if (s && m.attachment.mediaType === 'image/png') (s.result.screenshots ??= []).push({ fileName: m.attachment.fileName ?? 'screenshot.png', base64: m.attachment.body });
      if (s && m.attachment.mediaType === KIT_ERROR_MEDIA_TYPE) this.kitError ??= JSON.parse(m.attachment.body);
      if (s && m.attachment.mediaType === TRACE_MEDIA_TYPE) {
        const t = JSON.parse(m.attachment.body);
        s.result.exchanges = t.exchanges;
        s.result.waits = t.waits ?? [];
      }
    }
    if (m.testStepFinished) {
      const s = this.started.get(m.testStepFinished.testCaseStartedId);
      if (!s) return;
      const tc = this.testCases.get(s.testCaseId)!;
      const step = tc.testSteps.find((t) => t.id === m.testStepFinished!.testStepId);
      const pickle = this.pickles.get(tc.pickleId)!;
      const ps = step?.pickleStepId ? pickle.steps.find((p) => p.id === step.pickleStepId) : undefined;
      const st = m.testStepFinished.testStepResult.status;
      if (st === 'UNDEFINED' && ps) this.undefinedSteps.push(ps.text);
      if (st === 'SKIPPED') this.skipped.add(m.testStepFinished.testCaseStartedId);
      // A step is a ✓ only when something was judged there and held: a step whose every
      // verdict is "not applicable" exercised nothing (HTTP mode cannot see the app's storage),
      // and one with a failed MUST failed, though the scenario went on after it.
      const mine = this.stepVerdicts.get(`${m.testStepFinished.testCaseStartedId}/${m.testStepFinished.testStepId}`) ?? [];
      const onlyNa = mine.length > 0 && mine.every((v) => v.result === 'na');
      const mustFailed = mine.some((v) => v.result === 'fail' && v.level === 'MUST');
      if (st === 'PASSED' && ps && !onlyNa) for (const n of stepRefs(ps.text)) this.exercised.add(n);
      if (ps || st === 'FAILED') {
        const mark = st === 'PASSED' || (st === 'SKIPPED' && onlyNa) ? (onlyNa ? '–' : mustFailed ? '✗' : '✓') : st === 'FAILED' ? '✗' : st === 'SKIPPED' ? '-' : '?';
        const why = (st === 'PASSED' || st === 'SKIPPED') && onlyNa ? `  [${[...new Set(mine.map((v) => v.reason ?? v.actual))].join('; ')}]` : st === 'PASSED' && mustFailed ? `  [${[...new Set(mine.filter((v) => v.result === 'fail' && v.level === 'MUST').map((v) => v.id))].join(', ')}]` : '';
        this.log(`    ${mark} ${ps ? ps.text : '(hook)'}${st === 'PASSED' || st === 'SKIPPED' ? why : `  [${st}]`}`);
      }
      const msg = m.testStepFinished.testStepResult.message;
      if (st === 'FAILED' && msg) {
        s.result.errors.push(msg);
        this.log(msg.split('\n').filter((l) => !/^\s+at /.test(l)).map((l) => `        ${l}`).join('\n'));
      }
    }
    if (m.testCaseFinished) {
      const s = this.started.get(m.testCaseFinished.testCaseStartedId);
      // SKIPPED: a step said the scenario does not apply here (its reason is an N/A verdict).
      if (s) s.result.status = s.result.errors.length ? 'FAILED' : this.skipped.has(m.testCaseFinished.testCaseStartedId) ? 'SKIPPED' : 'PASSED';
    }
  }

  results(): ScenarioResult[] {
    return this.order;
  }
}

function printTable(r: WorkflowResult, log: (s: string) => void): void {
  const rows = r.scenarios.flatMap((s) => s.verdicts.map((v) => ({ v, s })));
  log(`\n  Verdicts for ${r.workflow}: ${rows.length} checks in ${r.scenarios.length} scenarios`);
  log(`  ${'id'.padEnd(30)} ${'level'.padEnd(6)} ${'result'.padEnd(8)} scenario`);
  for (const { v, s } of rows) {
    const res = v.result === 'info' ? (v.ok ? 'WORKED' : 'BLOCKED') : v.result === 'na' ? 'N/A' : v.result.toUpperCase();
    log(`  ${v.id.padEnd(30)} ${v.level.padEnd(6)} ${res.padEnd(8)} ${s.name}`);
  }
  const failed = rows.filter(({ v }) => v.result === 'fail');
  const counts = (lvl: string) => rows.filter(({ v }) => v.level === lvl);
  // Not-applicable verdicts are neither held nor failed: counted apart, never as a pass.
  const held = (lvl: string) => counts(lvl).filter(({ v }) => v.result === 'pass').length;
  const judged = (lvl: string) => counts(lvl).filter(({ v }) => v.result !== 'na').length;
  const na = rows.filter(({ v }) => v.result === 'na').length;
  log(`  MUST ${held('MUST')}/${judged('MUST')} hold, SHOULD ${held('SHOULD')}/${judged('SHOULD')} hold, INFO ${counts('INFO').filter(({ v }) => v.result !== 'na').length}${na ? `, ${na} not applicable` : ''}`);
  for (const { v } of failed.filter(({ v }) => v.level === 'MUST')) log(`\n${describeFailure(v)}`);
}

