import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type * as messages from '@cucumber/messages';
import { type IRunEnvironment, type IRunOptions, loadConfiguration, loadSupport, runCucumber } from '@cucumber/cucumber/api';
// worldParameters must be JSON; the expected-failures entries are plain JSON objects.
type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
import { type LoadedConfig, loadConfig } from '../backend/config';
import { Configs } from './configs';
export { Configs } from './configs';
import { codeOf, describeError, type ErrorCode, exitCodeFor, failureCode, isErrorCode, LoginflowError, worstExit } from '../errors';
import { stopAll } from '../backend/launcher';
import { type BrowserChoice, chooseBrowser } from '../browser/mode';
import { describeFailure, type Verdict } from '../checks';
import { type ExpectedFailure, gate, loadExpectedFailures } from '../gate';
import { stepRefs } from '../spec/feature';
import { loadDiagram } from '../spec/diagram';
import type { ScenarioResult, WorkflowResult } from '../result/model';
import { writeRunReports, writeWorkflowReports } from '../report/write';
import { projectRoot } from '../spec/diagram';
import { VARIANTS, VARIANT_NAMES, findWorkflow, kitPath, referenceConfig as registryReference, workflowIds, workflowsWithReference } from '../workflow/registry';
import { CLOCK_MEDIA_TYPE, EnvironmentPool, KIT_ERROR_MEDIA_TYPE, TRACE_MEDIA_TYPE, VERDICT_MEDIA_TYPE } from '../workflow/pool';
import type { ClockReport } from '../clock/world-clock';

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
// The step definitions next to this code: TypeScript in the repository (through ts-node),
// JavaScript compiled to dist/ in an installed package (no compiler at start).
const COMPILED = !__filename.endsWith('.ts');
const STEPS = path.join(__dirname, '..', '..', 'steps', COMPILED ? '*.js' : '*.ts');

/** A flag or argument `run` cannot take: said with its code (harness/errors.ts), whose exit code it returns. */
function refuse(message: string, code: ErrorCode = 'INPUT_INVALID'): number {
  console.error(`loginflow run: error [${code}] ${message}`);
  return exitCodeFor(code);
}

/** The bundled reference config of a workflow (the registry's). */
export function referenceConfig(workflow: string): string {
  return registryReference(workflow);
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
        shards: { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    return refuse((err as Error).message);
  }
  const known = workflowIds();
  const configs = new Configs();
  // `run --config FILE` runs the workflow the config names; --workflow overrides it.
  if (!values.all && !values.workflow && values.config) {
    try {
      values.workflow = configs.get(values.config).workflow;
    } catch (err) {
      console.error(`loginflow: config ${describeError(err)}`);
      return exitCodeFor(codeOf(err));
    }
    if (!values.workflow) {
      return refuse(`${values.config} names no "workflow"; add one (${known.join(', ')}) or say --workflow`, 'CONFIG_INVALID');
    }
  }
  const workflows = values.all ? workflowsWithReference() : values.workflow ? [values.workflow] : [];
  if (!workflows.length) {
    return refuse(`say --workflow <${known.join('|')}>, --config FILE (with its "workflow") or --all`);
  }
  if (values.workflow && !known.includes(values.workflow)) {
    return refuse(`unknown workflow "${values.workflow}" (known: ${known.join(', ')})`);
  }
  // The caller's ./reports (never inside the kit: it may be an installed package).
  const reports = path.resolve(values.reports ?? 'reports');
  let variant: Record<string, string | number> = {};
  try {
    variant = parseVariants(values.variant ?? []);
  } catch (err) {
    return refuse((err as Error).message);
  }
  if (values.browser && !['http', 'chromium', 'auto'].includes(values.browser)) {
    return refuse(`--browser must be http, chromium or auto, not "${values.browser}"`);
  }
  // Decided once, before any backend starts: --browser chromium without Chromium is a
  // setup error (exit 2, how to install it), auto says which mode it took and why.
  let browser: BrowserChoice | undefined;
  if (values.browser) {
    try {
      browser = chooseBrowser(values.browser as 'http' | 'chromium' | 'auto');
    } catch (err) {
      if (!(err instanceof LoginflowError)) throw err;
      console.error(`loginflow run: ${describeError(err)}`);
      return exitCodeFor(err.code);
    }
    values.browser = browser.mode;
    if (!values.quiet || browser.requested === 'auto') console.log(`browser: ${browser.mode}: ${browser.reason}`);
  }
  const parallel = values.parallel === undefined ? 0 : Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 0) {
    return refuse(`--parallel takes a whole number of worker processes, not "${values.parallel}"`);
  }
  let expected: ExpectedFailure[] | undefined;
  try {
    if (values['expected-failures']) expected = loadExpectedFailures(values['expected-failures']);
  } catch (err) {
    if (!(err instanceof LoginflowError)) throw err;
    console.error(`loginflow run: ${describeError(err)}`);
    return exitCodeFor(err.code);
  }
  // With --all the workflows run at once by default: nothing waits on the wall clock any
  // more (the world clock), so they only share the CPU; --jobs 1 runs them one by one.
  const jobs = values.jobs === undefined ? (values.all ? Math.max(1, workflows.length) : 1) : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    return refuse(`--jobs takes a whole number of workflows to run at once, not "${values.jobs}"`);
  }
  // --shards N: each workflow's scenarios as N concurrent shards, each on its own environment
  // (default: runWorkflow's, by browser mode).
  const shards = values.shards === undefined ? undefined : Number(values.shards);
  if (shards !== undefined && (!Number.isInteger(shards) || shards < 1)) {
    return refuse(`--shards takes a whole number of concurrent shards per workflow, not "${values.shards}"`);
  }
  const all: WorkflowResult[] = [];
  // The environments of this run: started by the hooks on first use, in this process,
  // and stopped here, by their owner, once every workflow has run.
  const pool = new EnvironmentPool();
  // --jobs N: N workflows at once in this process (their backends are separate; one
  // workflow's session-TTL waits overlap the others' work); each one's log is printed whole.
  // --browser auto: Chromium where the app's own code runs in the browser (the SPA), HTTP mode
  // for server-rendered apps, whose every check HTTP mode judges; --browser chromium drives all.
  const browserFor = (w: string): 'http' | 'chromium' | undefined =>
    browser?.requested === 'auto' && browser.mode === 'chromium' && findWorkflow(w)?.appRunsIn === 'server' ? 'http' : (values.browser as 'http' | 'chromium' | undefined);
  const runOne = async (w: string): Promise<WorkflowResult> => {
      const configFile = values.config ?? referenceConfig(w);
      const runs: WorkflowResult[] = [];
      const lines: string[] = [];
      const log = jobs > 1 ? (l: string) => lines.push(l) : (l: string) => console.log(l);
      // The declared matrix of run-level variants; one cucumber run each.
      for (const [i, combo] of runMatrix(configFileOrLoaded(configs, configFile), variant, w).entries()) {
        if (Object.keys(combo).length && !values.quiet) log(`\nvariant ${Object.entries(combo).map(([k, x]) => `${k}=${x}`).join(', ')}`);
        const tags = variantTags(i, values.tags);
        runs.push(
          await runWorkflow(w, {
        configFile,
        tags,
        reports,
        quiet: !!values.quiet,
        variant: combo,
        browser: browserFor(w),
        shards,
        parallel,
        formats: values.format,
        profiles: values.profile,
        expected,
        log,
        configs,
        pool,
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
    await pool.shutdown();
    await stopAll();
  }
  const verdict = gate(all, {
    failOnWarn: values['fail-on-warn'],
    expected,
    coverage: values.coverage,
    arrows: Object.fromEntries(workflows.map((w) => [w, loadDiagram(w).arrows.map((a) => a.n)])),
  });
  const worst = verdict.exitCode;
  const rendering = writeRunReports(all, reports, { server: values['plantuml-server'], noRender: values['no-render'], browser });
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
/**
 * The tag expression for the i-th variant combination: @variant-independent scenarios (a
 * failed login: no token is issued, verified or refreshed) run in the first one only, not
 * once per signing x refresh endpoint.
 */
export function variantTags(i: number, tags?: string): string | undefined {
  if (i === 0) return tags;
  return tags ? `(${tags}) and not @variant-independent` : 'not @variant-independent';
}

export function runMatrix(config: string | LoadedConfig, cli: Record<string, string | number>, workflow?: string): Record<string, string | number>[] {
  let declared: Record<string, unknown> = {};
  try {
    declared = ((typeof config === 'string' ? loadConfig(config) : config).variants ?? {}) as Record<string, unknown>;
  } catch {
    return [cli]; // runWorkflow reports the config error
  }
  let combos: Record<string, string | number>[] = [{ ...cli }];
  // The variants the workflow is run in (the registry's; all of them for one it does not know).
  for (const name of (workflow && findWorkflow(workflow)?.variants) || VARIANT_NAMES) {
    if (name in cli) continue;
    const values = declared[name];
    if (!Array.isArray(values) || !values.length) continue;
    const outline = VARIANTS[name].scope === 'outline';
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

/** The loaded config, or its file when it does not load (runMatrix then runs once, and runWorkflow reports why). */
function configFileOrLoaded(configs: Configs, file: string): string | LoadedConfig {
  try {
    return configs.get(file);
  } catch {
    return file;
  }
}

function parseVariants(list: string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const allowed = Object.fromEntries(VARIANT_NAMES.map((n) => [n, VARIANTS[n].values as readonly (string | number)[]])) as Record<string, readonly (string | number)[]>;
  for (const item of list) {
    const [k, v] = item.split('=');
    if (!allowed[k]) throw new LoginflowError('INPUT_INVALID', `--variant ${item}: unknown variant "${k}" (allowed: ${Object.keys(allowed).join(', ')})`);
    const val = /^\d+$/.test(v ?? '') ? Number(v) : v;
    if (!allowed[k].includes(val)) throw new LoginflowError('INPUT_INVALID', `--variant ${item}: ${k} must be one of ${allowed[k].join(', ')}`);
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
    /** The run's configs, each loaded once (default: loaded here). */
    configs?: Configs;
    /** The environments' owner (default: this call, which stops them when it is done). */
    pool?: EnvironmentPool;
    /**
     * Run the scenarios as this many concurrent shards in this process (cucumber's round-robin
     * `shard`), each on an environment of its own. Default: DEFAULT_CHROMIUM_SHARDS in
     * Chromium, else 1 (see there).
     */
    shards?: number;
  },
): Promise<WorkflowResult> {
  if (o.pool) return runWorkflowIn(workflow, o, o.pool);
  const pool = new EnvironmentPool();
  try {
    return await runWorkflowIn(workflow, o, pool);
  } finally {
    await pool.shutdown();
  }
}

async function runWorkflowIn(workflow: string, o: Parameters<typeof runWorkflow>[1], pool: EnvironmentPool): Promise<WorkflowResult> {
  const result: WorkflowResult = { workflow, configFile: o.configFile, scenarios: [], undefinedSteps: [], exitCode: 0, ...(o.variant && Object.keys(o.variant).length ? { variant: o.variant } : {}) };
  const log = (s: string) => !o.quiet && (o.log ?? console.log)(s);
  let loaded: LoadedConfig;
  try {
    // Fail fast on a bad config, before cucumber starts anything; say what it cannot honour.
    loaded = (o.configs ?? new Configs()).get(o.configFile);
    for (const w of loaded.warnings ?? []) console.error(`loginflow: warning: ${w}`);
  } catch (err) {
    if (!(err instanceof LoginflowError)) throw err;
    console.error(`loginflow: config ${describeError(err)}`);
    result.kitError = err.message;
    result.kitErrorCode = err.code;
    result.exitCode = exitCodeFor(err.code);
    return result;
  }
  log(`\n${workflow}  (config ${path.relative(process.cwd(), o.configFile)})`);
  const profileFile = path.resolve('cucumber.js');
  const { runConfiguration } = await loadConfiguration(
    {
      // Profiles come from the user's own cucumber.js, as with cucumber itself.
      // Relative: cucumber joins it onto its cwd (the caller's directory), an absolute path would be doubled.
      file: o.profiles?.length && fs.existsSync(profileFile) ? path.relative(process.cwd(), profileFile) : false,
      profiles: o.profiles,
      provided: {
        paths: [kitPath(findWorkflow(workflow)?.feature ?? `features/${workflow}.feature`)],
        requireModule: COMPILED ? [] : [require.resolve('ts-node/register')],
        require: [STEPS],
        // The config as loaded (JSON, so parallel workers get it too) and the id of the pool
        // the hooks of this process use; workers, which cannot share it, own theirs.
        worldParameters: { configFile: path.resolve(o.configFile), config: loaded as unknown as JsonValue, pool: pool.lend(), variant: o.variant ?? {}, browser: o.browser ?? 'http', expected: (o.expected ?? []) as unknown as JsonValue[] },
        ...(o.tags ? { tags: o.tags } : {}),
        // The kit prints the run itself (each step, each failed check once, in its own
        // words); cucumber's summary formatter would print every failure a second time
        // with the kit's stack trace. Its snippets formatter prints only what an undefined
        // step needs. A --format without a file still replaces it on stdout.
        format: ['snippets', ...(o.formats ?? [])],
        strict: true,
        parallel: o.parallel ?? 0,
      },
    },
    // The caller's directory: relative --format files land there, never in the kit.
    { cwd: process.cwd() },
  );
  const loud = (l: string) => (o.log ?? console.log)(l);
  const started = Date.now();
  // Step definitions register when their files are first required, so the library is
  // loaded once and handed to every run in this process, concurrent ones included
  // (cucumber's API allows it); parallel workers load their own.
  const environment = { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr };
  let config: IRunOptions = runConfiguration;
  if (!o.parallel) {
    supportLibrary ??= loadSupport(runConfiguration, environment);
    config = { ...runConfiguration, support: await supportLibrary };
  }
  // cucumber's own formatters write one file per run: two shards would write over each other's.
  const formatted = (o.formats ?? []).some((f) => f.includes(':'));
  const asked = o.shards ?? (o.browser === 'chromium' ? DEFAULT_CHROMIUM_SHARDS : 1);
  if (formatted && asked > 1) log(`  --format with a file: the scenarios run as one shard (${asked} shards would write over each other's file)`);
  const shards = o.parallel || formatted ? 1 : Math.max(1, asked);
  let success: boolean;
  let collected: Collected;
  if (shards === 1) {
    // --quiet drops the step-by-step lines, never a failure: those go to `loud`.
    const collector = new MessageCollector(workflow, log, loud, !!o.quiet);
    ({ success } = await runCucumber(config, environment, (m) => collector.onMessage(m)));
    collected = collector;
  } else {
    ({ success, collected } = await runShards(workflow, config, environment, shards, log, loud, !!o.quiet));
  }
  result.scenarios = collected.results();
  result.undefinedSteps = collected.undefinedSteps;
  result.exercisedSteps = collected.exercisedSteps();
  if (collected.clock) result.clock = collected.clock;
  const env = collected.kitError;
  if (env) {
    result.kitError = env.message;
    result.kitErrorCode = isErrorCode(env.code) ? env.code : 'INTERNAL';
  }
  // The workflow's own result, before the expected-failures list (the gate applies that).
  const mustFailed = result.scenarios.some((s) => s.verdicts.some((v) => v.level === 'MUST' && v.result === 'fail'));
  const otherFailure = result.scenarios.some((s) => s.status === 'FAILED' && !s.verdicts.some((v) => v.level === 'MUST' && v.result === 'fail'));
  // The exit code follows from the codes the run met (harness/errors.ts ERROR_CODES).
  const met: ErrorCode[] = [
    ...(result.kitErrorCode ? [result.kitErrorCode] : []),
    ...(result.undefinedSteps.length ? (['STEP_UNDEFINED'] as const) : []),
    ...(mustFailed ? (['CHECK_FAILED'] as const) : []),
    ...(otherFailure || !success ? (['STEP_FAILED'] as const) : []),
  ];
  result.exitCode = worstExit(met);
  printTable(result, log);
  const waited = result.scenarios.reduce((n, s) => n + (s.waits ?? []).reduce((m, w) => m + w.ms, 0), 0);
  const moved = result.scenarios.reduce((n, s) => n + (s.advances ?? []).reduce((m, w) => m + w.ms, 0), 0);
  log(`  ${result.scenarios.length} scenarios in ${Date.now() - started} ms, of which ${waited} ms deliberate waits (session TTL proofs)${result.clock ? `; ${result.clock.kind} clock${result.clock.kind === 'world' ? `, moved ${formatDuration(moved)} instead of waiting` : ''}` : ''}`);
  if (result.kitError) console.error(`\nloginflow: kit error [${result.kitErrorCode}]: ${result.kitError}`);
  return result;
}

let supportLibrary: ReturnType<typeof loadSupport> | undefined;

/**
 * Shards of a workflow driven in Chromium unless --shards says otherwise: one per two cores.
 * One shard already keeps two cores busy (Chromium's processes and the kit's), so on a 2-core
 * machine a second only doubles every round trip (measured: 22.7 s either way, README "Where
 * the time goes"). A workflow in HTTP mode is not sharded: its scenarios are CPU-bound, and
 * the workflows already run at once.
 */
export const DEFAULT_CHROMIUM_SHARDS = Math.max(1, Math.floor(os.availableParallelism() / 2));

/** What a run's messages came to: one collector's, or the merge of its shards'. */
type Collected = Pick<MessageCollector, 'results' | 'undefinedSteps' | 'exercisedSteps' | 'clock' | 'kitError'>;

/**
 * The scenarios as `shards` cucumber runs at once, in this process: cucumber deals the
 * (tag-filtered) scenarios round-robin (`shard: i/n`), and each shard's scenarios name their
 * shard in the world parameters, so the pool gives each shard its own environment: its own
 * backends, double, world clock and browser contexts (one Chromium still serves them all).
 * Scenarios of two shards share nothing; those of one shard run one after the other, as in
 * an unsharded run. Console lines are printed a scenario at a time, never interleaved; the
 * results come back in the order an unsharded run gives.
 */
async function runShards(
  workflow: string,
  config: IRunOptions,
  environment: IRunEnvironment,
  shards: number,
  log: (l: string) => void,
  loud: (l: string) => void,
  quiet: boolean,
): Promise<{ success: boolean; collected: Collected }> {
  const runs = await Promise.all(
    Array.from({ length: shards }, async (_, i) => {
      // A scenario's lines wait until it finishes, then go out together (log or loud, in order).
      let block: { loud: boolean; line: string }[] = [];
      const flush = () => {
        for (const b of block) (b.loud ? loud : log)(b.line);
        block = [];
      };
      const collector = new MessageCollector(workflow, (line) => block.push({ loud: false, line }), (line) => block.push({ loud: true, line }), quiet);
      const shardConfig: IRunOptions = {
        ...config,
        sources: { ...config.sources, shard: `${i + 1}/${shards}` },
        runtime: { ...config.runtime, worldParameters: { ...config.runtime.worldParameters, shard: i + 1 } },
      };
      try {
        const { success } = await runCucumber(shardConfig, environment, (m) => {
          collector.onMessage(m);
          if (m.testCaseFinished) flush();
        });
        return { success, collector };
      } finally {
        flush();
      }
    }),
  );
  const first = <T>(pick: (c: MessageCollector) => T | undefined): T | undefined => runs.map((r) => pick(r.collector)).find((x) => x !== undefined);
  return {
    success: runs.every((r) => r.success),
    collected: {
      results: () => dealtBack(runs.map((r) => r.collector.results())),
      undefinedSteps: runs.flatMap((r) => r.collector.undefinedSteps),
      exercisedSteps: () => [...new Set(runs.flatMap((r) => r.collector.exercisedSteps()))].sort((a, b) => a - b),
      clock: first((c) => c.clock),
      kitError: first((c) => c.kitError),
    },
  };
}

/**
 * The scenarios of round-robin shards back in the order they were dealt: scenario j went to
 * shard j mod n. When a shard came back short (its run stopped early), the shards one after
 * the other instead: nothing is lost, only the order.
 */
export function dealtBack<T>(perShard: T[][]): T[] {
  const n = perShard.length;
  const total = perShard.reduce((k, r) => k + r.length, 0);
  const dealt = perShard.every((r, i) => r.length === Math.floor(total / n) + (i < total % n ? 1 : 0));
  if (!dealt) return perShard.flat();
  return Array.from({ length: total }, (_, j) => perShard[j % n][Math.floor(j / n)]);
}

/** One line for the run's header: which clock, per backend, and the session TTL the backends were given. */
export function describeClock(c: ClockReport): string {
  const per = c.backends.map((b) => `${b.name} ${b.clock}`).join(', ');
  return c.kind === 'world'
    ? `clock: world clock (${per}; ${c.reason}); session TTL ${c.sessionTtlSeconds} s; expiry by moving the clock, no waiting`
    : `clock: real clock (${per}): ${c.reason}; session TTL ${c.sessionTtlSeconds} s waited out, expired tokens minted`;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${s} s`;
}

/** Turns cucumber's message stream into the kit's results and its console lines. */
export class MessageCollector {
  private docs = new Map<string, messages.GherkinDocument>();
  private pickles = new Map<string, messages.Pickle>();
  private testCases = new Map<string, messages.TestCase>();
  private started = new Map<string, { testCaseId: string; result: ScenarioResult }>();
  private order: ScenarioResult[] = [];
  private exercised = new Set<number>();
  /** Lines about a step (its failed checks) printed after the step's own line. */
  private pending = new Map<string, { line: string; failure: boolean }[]>();
  /** Verdicts by `testCaseStartedId/testStepId`: what each Gherkin step judged. */
  private stepVerdicts = new Map<string, Verdict[]>();
  private skipped = new Set<string>();
  undefinedSteps: string[] = [];
  /** A kit error a worker process reported (parallel runs): the environment did not start. */
  kitError: { message: string; code?: ErrorCode } | undefined;
  /** The clock the run's environment is on (from the first scenario). */
  clock: ClockReport | undefined;

  exercisedSteps(): number[] {
    return [...this.exercised].sort((a, b) => a - b);
  }

  constructor(
    private readonly workflow: string,
    private readonly log: (s: string) => void,
    /** Where failures go even when `log` is quiet (default: `log`). */
    private readonly loud: (s: string) => void = log,
    private readonly quiet = false,
  ) {}
  /** Scenarios whose name was printed (quiet runs name one only when it fails). */
  private named = new Set<string>();

  onMessage(m: messages.Envelope): void {
    if (m.gherkinDocument) this.docs.set(m.gherkinDocument.uri ?? '', m.gherkinDocument);
    if (m.pickle) this.pickles.set(m.pickle.id, m.pickle);
    if (m.testCase) this.testCases.set(m.testCase.id, m.testCase);
    if (m.testCaseStarted) {
      const tc = this.testCases.get(m.testCaseStarted.testCaseId)!;
      const pickle = this.pickles.get(tc.pickleId)!;
      const steps = [...new Set(pickle.steps.flatMap((p) => stepRefs(p.text)))].sort((a, b) => a - b);
      const r: ScenarioResult = { workflow: this.workflow, name: pickle.name, status: 'RUNNING', verdicts: [], exchanges: [], errors: [], steps };
      this.started.set(m.testCaseStarted.id, { testCaseId: tc.id, result: r });
      this.order.push(r);
      this.log(`  Scenario: ${pickle.name}`);
      if (!this.quiet) this.named.add(m.testCaseStarted.id);
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
        const later = (line: string, failure = false) => this.pending.set(m.attachment!.testCaseStartedId!, [...(this.pending.get(m.attachment!.testCaseStartedId!) ?? []), { line, failure }]);
        if (v.result === 'na') later(`      – ${v.id} ${v.level} ${v.name}: not applicable: ${v.reason ?? v.actual}`);
        // A failed check is printed once, here, in full: id, expectation, what was observed
        // and the exchanges; the step it failed prints no second copy (see testStepFinished).
        else if (v.result === 'fail') later(indent(`${v.level === 'MUST' ? '✗' : '!'} ${describeFailure(v)}`, '      '), true);
        else if (v.result !== 'pass') later(`      i ${v.id} ${v.level} ${v.name}: ${v.actual}`);
      }
      if (s && m.attachment.mediaType === 'image/png') (s.result.screenshots ??= []).push({ fileName: m.attachment.fileName ?? 'screenshot.png', base64: m.attachment.body });
      if (s && m.attachment.mediaType === CLOCK_MEDIA_TYPE && !this.clock) {
        this.clock = JSON.parse(m.attachment.body) as ClockReport;
        this.log(`  ${describeClock(this.clock)}`);
      }
      if (s && m.attachment.mediaType === KIT_ERROR_MEDIA_TYPE) this.kitError ??= JSON.parse(m.attachment.body);
      if (s && m.attachment.mediaType === TRACE_MEDIA_TYPE) {
        const t = JSON.parse(m.attachment.body);
        s.result.exchanges = t.exchanges;
        s.result.waits = t.waits ?? [];
        s.result.advances = t.advances ?? [];
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
        const line = `    ${mark} ${ps ? ps.text : '(hook)'}${st === 'PASSED' || st === 'SKIPPED' ? why : `  [${st}]`}`;
        if (st === 'FAILED' || st === 'UNDEFINED' || mustFailed) this.failureLine(m.testStepFinished.testCaseStartedId, pickle.name, line);
        else this.log(line);
      }
      const startedId = m.testStepFinished.testCaseStartedId;
      for (const p of this.pending.get(startedId) ?? []) p.failure ? this.failureLine(startedId, pickle.name, p.line) : this.log(p.line);
      this.pending.delete(startedId);
      const msg = m.testStepFinished.testStepResult.message;
      if (st === 'FAILED' && msg) {
        s.result.errors.push(msg);
        const exception = m.testStepFinished.testStepResult.exception;
        const type = exception?.type ?? msg.split(/[ :]/)[0];
        const code = failureCode(type, exception?.stackTrace ?? msg);
        const kind = failureKind(type, exception?.stackTrace ?? msg);
        // check: already printed in full with its verdict. kit: a defect in the kit, so its
        // stack trace is what the kit's developers need (and the run exits 2). Otherwise
        // its message, without the kit's stack: the step failed because of the backend, or
        // the kit cannot go on for a reason its code names (a config, a backend that never
        // started: exit 2 as well).
        if (kind === 'kit') {
          this.kitError ??= { message: `${msg.split('\n')[0]} (in step "${ps?.text ?? 'a hook'}")`, code };
          this.loud(indent(msg, '        '));
        } else if (kind === 'backend') {
          if (exitCodeFor(code) === 2) this.kitError ??= { message: exception?.message ?? msg.split('\n')[0], code };
          this.loud(indent(msg.split('\n').filter((l) => !/^\s+at /.test(l)).join('\n'), '        '));
        }
      }
    }
    if (m.testCaseFinished) {
      const s = this.started.get(m.testCaseFinished.testCaseStartedId);
      const name = s ? s.result.name : '';
      for (const p of this.pending.get(m.testCaseFinished.testCaseStartedId) ?? []) p.failure ? this.failureLine(m.testCaseFinished.testCaseStartedId, name, p.line) : this.log(p.line);
      this.pending.delete(m.testCaseFinished.testCaseStartedId);
      // SKIPPED: a step said the scenario does not apply here (its reason is an N/A verdict).
      if (s) s.result.status = s.result.errors.length ? 'FAILED' : this.skipped.has(m.testCaseFinished.testCaseStartedId) ? 'SKIPPED' : 'PASSED';
    }
  }

  /** A line about a failure: printed even in a quiet run, under its scenario's name. */
  private failureLine(startedId: string, scenario: string, line: string): void {
    if (!this.named.has(startedId)) {
      this.named.add(startedId);
      this.loud(`  Scenario: ${scenario}`);
    }
    this.loud(line);
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
  const counts = (lvl: string) => rows.filter(({ v }) => v.level === lvl);
  // Not-applicable verdicts are neither held nor failed: counted apart, never as a pass.
  const held = (lvl: string) => counts(lvl).filter(({ v }) => v.result === 'pass').length;
  const judged = (lvl: string) => counts(lvl).filter(({ v }) => v.result !== 'na').length;
  const na = rows.filter(({ v }) => v.result === 'na').length;
  log(`  MUST ${held('MUST')}/${judged('MUST')} hold, SHOULD ${held('SHOULD')}/${judged('SHOULD')} hold, INFO ${counts('INFO').filter(({ v }) => v.result !== 'na').length}${na ? `, ${na} not applicable` : ''}`);
  // Each failed check was printed in full under its step (once); the table and the gate name them.
}

function indent(text: string, pad: string): string {
  return text.split('\n').map((l) => `${pad}${l}`).join('\n');
}

/**
 * Why a step failed, from the error's type and code (harness/errors.ts failureCode): a
 * check that failed (CheckFailure, already printed with its verdict), a defect in the kit
 * (INTERNAL: a JavaScript error such as TypeError, or a KitError without a code: stack
 * trace, exit 2), or anything else, printed as its message only: what the steps throw about
 * the backend (a precondition that did not hold, a backend that exited: exit 1) and the
 * coded errors that stop the kit (a config the backend refuses, a kit gap: exit 2).
 */
export function failureKind(type: string, text?: unknown): 'check' | 'kit' | 'backend' {
  if (type === 'CheckFailure') return 'check';
  return failureCode(type, text) === 'INTERNAL' ? 'kit' : 'backend';
}

