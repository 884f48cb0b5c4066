import * as path from 'node:path';
import type * as messages from '@cucumber/messages';
import { ConfigError, type LoadedConfig, loadConfig } from '../backend/config';
import { codeOf, exitCodeFor, LoginflowError } from '../errors';
import type { Verdict } from '../checks';
import type { ExpectedFailure } from '../gate';
import { Environment, type RunVariant } from './environment';
import { Scenario } from './scenario';
import { findWorkflow } from './registry';

/** What the hooks attach to cucumber's message stream, and the `run` command reads back. */
export const VERDICT_MEDIA_TYPE = 'application/vnd.loginflow.verdict+json';
export const TRACE_MEDIA_TYPE = 'application/vnd.loginflow.trace+json';
/** Attached by every scenario: which clock the run is on (harness/clock ClockReport). */
export const CLOCK_MEDIA_TYPE = 'application/vnd.loginflow.clock+json';
/** Attached when the environment cannot start, so a parallel run's coordinator can exit 2. */
export const KIT_ERROR_MEDIA_TYPE = 'application/vnd.loginflow.kit-error+json';

/** The environment did not start: always exit 2, with the cause's code (BACKEND_START when the cause's own code would not stop the run). */
export class EnvironmentError extends LoginflowError {
  constructor(readonly cause: unknown) {
    super(exitCodeFor(codeOf(cause)) === 2 ? codeOf(cause) : 'BACKEND_START', cause instanceof Error ? cause.message : String(cause));
    this.name = 'EnvironmentError';
  }
}

interface Entry {
  env?: Environment;
  error?: EnvironmentError;
  starting?: Promise<Environment>;
}

/** What a scenario's environment is made of: the config (loaded and validated once, by the run), the variant and the browser mode. */
export interface EnvironmentParams {
  /** The run's config, already loaded and validated (`loginflow run` passes it; plain cucumber-js passes only the file). */
  config?: LoadedConfig;
  /** Path of the config, when no loaded one is given. */
  configFile?: string;
  variant?: Record<string, string | number>;
  browser?: 'http' | 'chromium';
  /** The id of the pool of the run that owns the environments (`loginflow run` in this process). */
  pool?: string;
  /**
   * Which concurrent shard of a workflow's scenarios this is (`loginflow run --shards`):
   * each shard gets an environment of its own (backends, double, world clock, browser
   * contexts), since scenarios that share a double and a clock cannot run at once.
   */
  shard?: number;
}

/**
 * The environments of one owner: one per config (and per what its backends are started
 * with), started on its first scenario and kept until the owner calls `shutdown()`, so
 * several cucumber runs of the owner, even concurrent ones for different workflows, each
 * find their own. Whoever creates a pool stops it: `loginflow run` its own across its
 * cucumber runs; the hooks theirs when no run lent them one (a plain cucumber-js run, a
 * parallel worker process). A start failure is remembered, so every later scenario fails
 * fast with the same reason and the run can tell a kit or config error (exit 2) from a MUST
 * failure (exit 1).
 */
export class EnvironmentPool {
  /** Pools lent to the hooks of this process, by id (worldParameters carry the id: JSON only). */
  private static readonly lent = new Map<string, EnvironmentPool>();
  private static next = 0;
  readonly id = `pool-${process.pid}-${++EnvironmentPool.next}`;
  private readonly environments = new Map<string, Entry>();

  /** Lend this pool to the hooks: scenarios whose parameters name its id use it and leave stopping it to its owner. */
  lend(): string {
    EnvironmentPool.lent.set(this.id, this);
    return this.id;
  }

  /** The pool a run of this process lent under this id, if any. */
  static lentAs(id: string | undefined): EnvironmentPool | undefined {
    return id === undefined ? undefined : EnvironmentPool.lent.get(id);
  }

  async environmentFor(params: EnvironmentParams): Promise<Environment> {
    const configFile = params.config?.configFile ?? params.configFile;
    if (!configFile) throw new EnvironmentError(new ConfigError('no backend config: pass worldParameters.configFile (cucumber-js --world-parameters), or run through `loginflow run --config FILE`', 'CONFIG_NOT_FOUND'));
    // Only what the backends are started with makes a new environment; the double's own
    // options (signing and the like) are switched on the running one.
    const { refreshEndpoint, ...doubleVariant } = (params.variant ?? {}) as RunVariant;
    const key = JSON.stringify([path.resolve(configFile), refreshEndpoint ?? '', params.browser ?? 'http', params.shard ?? 1]);
    let c = this.environments.get(key);
    if (!c) {
      c = {};
      this.environments.set(key, c);
    }
    const entry = c;
    if (c.error) throw c.error;
    if (c.env) {
      c.env.assertRunning(); // a backend that died mid-run fails every later scenario at once
      c.env.useVariant(doubleVariant);
      return c.env;
    }
    c.starting ??= (async () => {
      try {
        const variant: RunVariant = { ...(params.variant as RunVariant) };
        entry.env = await Environment.start(params.config ?? loadConfig(configFile), variant, (l) => process.env.LOGINFLOW_VERBOSE && process.stderr.write(`${l}\n`), params.browser ?? 'http', (l) => process.stderr.write(`loginflow: ${l}\n`));
        return entry.env;
      } catch (err) {
        entry.error = new EnvironmentError(err);
        throw entry.error;
      }
    })();
    return c.starting;
  }

  /** Stop every environment this pool started (and no longer lend it). */
  async shutdown(): Promise<void> {
    EnvironmentPool.lent.delete(this.id);
    const all = [...this.environments.values()];
    this.environments.clear();
    await Promise.allSettled(all.map(async (e) => (await e.starting?.catch(() => undefined))?.stop()));
  }
}

/** Check-id prefix of a workflow: a `@ids:XYZ` feature tag, the registry's, else its initials (webapp-jwt-cookies → WJC). */
export function idPrefix(workflow: string, tags: readonly string[] = []): string {
  const tagged = tags.find((t) => t.startsWith('@ids:'));
  if (tagged) return tagged.slice(5);
  const known = findWorkflow(workflow);
  if (known) return known.prefix;
  return workflow
    .split('-')
    .map((w) => w[0]?.toUpperCase() ?? '')
    .join('');
}

export function workflowOf(doc: messages.GherkinDocument): string {
  const tag = doc.feature?.tags.find((t) => t.name.startsWith('@workflow:'));
  return tag ? tag.name.slice('@workflow:'.length) : path.basename(doc.uri ?? 'unknown', '.feature');
}

export function scenarioFor(
  env: Environment,
  doc: messages.GherkinDocument,
  pickle: messages.Pickle,
  onVerdict: (v: Verdict) => void,
  expected: ExpectedFailure[] = [],
): Scenario {
  const workflow = workflowOf(doc);
  const excused = (v: Verdict) => expected.some((e) => e.check === v.id && Object.entries(e.variant ?? {}).every(([k, x]) => String(v.variant?.[k]) === String(x)));
  return new Scenario(env, workflow, idPrefix(workflow, doc.feature?.tags.map((t) => t.name)), pickle.name, onVerdict, excused);
}
