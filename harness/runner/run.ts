import { stopAll } from '../backend/launcher';
import type { BrowserChoice } from '../browser/mode';
import { gate, type GateResult } from '../gate';
import type { RenderReport } from '../report/render';
import { writeRunReports, writeWorkflowReports } from '../report/write';
import type { WorkflowResult } from '../result/model';
import { loadDiagram } from '../spec/diagram';
import { findWorkflow, referenceConfig } from '../workflow/registry';
import { EnvironmentPool } from '../workflow/pool';
import { Configs } from './configs';
import { configFileOrLoaded, mergeVariants, runMatrix, variantTags } from './matrix';
import { runWorkflow, type RunWorkflowOptions } from './workflow';

export interface RunOptions extends Pick<RunWorkflowOptions, 'tags' | 'reports' | 'quiet' | 'shards' | 'parallel' | 'formats' | 'profiles' | 'expected'> {
  /** The config of every workflow run (default: each one's bundled reference). */
  configFile?: string;
  /** `--variant`: the variant values the run is narrowed to. */
  variant: Record<string, string | number>;
  /** How the browser was chosen (`--browser`), when it was asked for. */
  browser?: BrowserChoice;
  /** Workflows run at once (their backends are separate). */
  jobs: number;
  configs: Configs;
  /** The CI gate's rules. */
  failOnWarn?: boolean;
  coverage?: boolean;
  /** Where diagrams are drawn: a PlantUML server, or none (`--no-render`). */
  plantumlServer?: string;
  noRender?: boolean;
}

export interface RunOutcome {
  results: WorkflowResult[];
  gate: GateResult;
  rendering: RenderReport;
}

/**
 * Every workflow asked for, each in every variant its config declares (one cucumber run
 * each, merged into one result per workflow), `jobs` workflows at once in this process; then
 * the CI gate and the run's reports. The environments are started by the hooks on first use
 * and stopped here, by their owner, once every workflow has run.
 */
export async function runWorkflows(workflows: string[], o: RunOptions): Promise<RunOutcome> {
  const pool = new EnvironmentPool();
  // --browser auto: Chromium where the app's own code runs in the browser (the SPA), HTTP mode
  // for server-rendered apps, whose every check HTTP mode judges; --browser chromium drives all.
  const browserFor = (w: string): 'http' | 'chromium' | undefined =>
    o.browser?.requested === 'auto' && o.browser.mode === 'chromium' && findWorkflow(w)?.appRunsIn === 'server' ? 'http' : o.browser?.mode;
  const runOne = async (w: string): Promise<WorkflowResult> => {
    const configFile = o.configFile ?? referenceConfig(w);
    const runs: WorkflowResult[] = [];
    // With workflows at once, each one's log is printed whole when it is done.
    const lines: string[] = [];
    const log = o.jobs > 1 ? (l: string) => lines.push(l) : (l: string) => console.log(l);
    for (const [i, variant] of runMatrix(configFileOrLoaded(o.configs, configFile), o.variant, w).entries()) {
      if (Object.keys(variant).length && !o.quiet) log(`\nvariant ${Object.entries(variant).map(([k, x]) => `${k}=${x}`).join(', ')}`);
      runs.push(await runWorkflow(w, { ...o, configFile, tags: variantTags(i, o.tags), variant, browser: browserFor(w), log, pool }));
    }
    const merged = mergeVariants(runs);
    writeWorkflowReports(merged, o.reports);
    if (lines.length) console.log(lines.join('\n'));
    return merged;
  };
  const results: WorkflowResult[] = [];
  try {
    for (let i = 0; i < workflows.length; i += o.jobs) results.push(...(await Promise.all(workflows.slice(i, i + o.jobs).map(runOne))));
  } finally {
    await pool.shutdown();
    await stopAll();
  }
  const verdict = gate(results, {
    failOnWarn: o.failOnWarn,
    expected: o.expected,
    coverage: o.coverage,
    arrows: Object.fromEntries(workflows.map((w) => [w, loadDiagram(w).arrows.map((a) => a.n)])),
  });
  const rendering = writeRunReports(results, o.reports, { server: o.plantumlServer, noRender: o.noRender, browser: o.browser });
  return { results, gate: verdict, rendering };
}
