import * as fs from 'node:fs';
import * as path from 'node:path';
import { type IRunOptions, loadConfiguration, loadSupport, runCucumber } from '@cucumber/cucumber/api';
import type { LoadedConfig } from '../backend/config';
import { declaredTargets } from '../backend/config';
import { type ErrorCode, exitCodeFor, isErrorCode, LoginflowError, worstExit } from '../errors';
import type { ExpectedFailure } from '../gate';
import { ConsoleReporter } from '../report/console';
import type { WorkflowResult } from '../result/model';
import { findWorkflow, kitPath } from '../workflow/registry';
import { EnvironmentPool } from '../workflow/pool';
import { MessageCollector } from './collector';
import { Configs } from './configs';
import { type Collected, DEFAULT_CHROMIUM_SHARDS, runShards } from './shards';

// worldParameters must be JSON; the expected-failures entries are plain JSON objects.
type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

// The step definitions next to this code: TypeScript in the repository (through ts-node),
// JavaScript compiled to dist/ in an installed package (no compiler at start).
const COMPILED = !__filename.endsWith('.ts');
const STEPS = path.join(__dirname, '..', '..', 'steps', COMPILED ? '*.js' : '*.ts');

export interface RunWorkflowOptions {
  configFile: string;
  tags?: string;
  reports: string;
  /** Print failures only (and no verdict table): the closing summary keeps the totals. */
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
}

/**
 * One cucumber run of a workflow's feature against the backend its config describes, in one
 * variant: its result, with the exit code the codes it met give (harness/errors.ts). A config
 * that does not load is the result's kit error (exit 2), so a run of several workflows goes on
 * and reports it with the others.
 */
export async function runWorkflow(workflow: string, o: RunWorkflowOptions): Promise<WorkflowResult> {
  if (o.pool) return runWorkflowIn(workflow, o, o.pool);
  const pool = new EnvironmentPool();
  try {
    return await runWorkflowIn(workflow, o, pool);
  } finally {
    await pool.shutdown();
  }
}

let supportLibrary: ReturnType<typeof loadSupport> | undefined;

async function runWorkflowIn(workflow: string, o: RunWorkflowOptions, pool: EnvironmentPool): Promise<WorkflowResult> {
  const result: WorkflowResult = { workflow, configFile: o.configFile, scenarios: [], undefinedSteps: [], exitCode: 0, ...(o.variant && Object.keys(o.variant).length ? { variant: o.variant } : {}) };
  const out = o.log ?? ((l: string) => console.log(l));
  let loaded: LoadedConfig;
  try {
    // Fail fast on a bad config, before cucumber starts anything; say what it cannot honour.
    loaded = (o.configs ?? new Configs()).get(o.configFile);
    for (const w of loaded.warnings ?? []) console.error(`loginflow: warning: ${w}`);
  } catch (err) {
    if (!(err instanceof LoginflowError)) throw err;
    console.error(`loginflow: config error [${err.code}] ${err.message}`);
    return { ...result, kitError: err.message, kitErrorCode: err.code, exitCode: exitCodeFor(err.code) };
  }
  result.apps = declaredTargets(loaded);
  const reporting = { quiet: !!o.quiet, singleApp: result.apps.length === 1 };
  const reporter = new ConsoleReporter(out, reporting);
  reporter.workflowStarted(workflow, o.configFile);
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
  if (formatted && asked > 1) reporter.note(`  --format with a file: the scenarios run as one shard (${asked} shards would write over each other's file)`);
  const shards = o.parallel || formatted ? 1 : Math.max(1, asked);
  let success: boolean;
  let collected: Collected;
  if (shards === 1) {
    const collector = new MessageCollector(workflow, reporter);
    ({ success } = await runCucumber(config, environment, (m) => collector.onMessage(m)));
    collected = collector;
  } else {
    ({ success, collected } = await runShards(workflow, config, environment, shards, out, reporting));
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
  result.durationMs = Date.now() - started;
  reporter.workflowFinished(result, result.durationMs);
  if (result.kitError) console.error(`\nloginflow: kit error [${result.kitErrorCode}]: ${result.kitError}`);
  return result;
}
