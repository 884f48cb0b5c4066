import { type LoadedConfig, loadConfig } from '../backend/config';
import { LoginflowError } from '../errors';
import type { WorkflowResult } from '../result/model';
import { VARIANTS, VARIANT_NAMES, findWorkflow } from '../workflow/registry';
import type { Configs } from './configs';

/**
 * The tag expression for the i-th variant combination: @variant-independent scenarios (a
 * failed login: no token is issued, verified or refreshed) run in the first one only, not
 * once per signing x refresh endpoint.
 */
export function variantTags(i: number, tags?: string): string | undefined {
  if (i === 0) return tags;
  return tags ? `(${tags}) and not @variant-independent` : 'not @variant-independent';
}

/**
 * The run-level variants to cover: the product of the values the config declares for
 * `signing` and `refreshEndpoint` (the refresh-failure status and refresh-token policy
 * are covered inside the features, as scenario outlines), narrowed by `--variant`. A
 * variant declared with one value is in force for the whole run exactly like a value
 * picked from a longer list (for the outline variants too: the double uses it throughout,
 * and the outline's other examples are not applicable).
 */
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
export function mergeVariants(runs: WorkflowResult[]): WorkflowResult {
  if (runs.length === 1) return runs[0];
  const label = (r: WorkflowResult) => Object.entries(r.variant ?? {}).map(([k, x]) => `${k}=${x}`).join(', ');
  return {
    ...runs[0],
    scenarios: runs.flatMap((r) => r.scenarios.map((s) => ({ ...s, name: `${s.name} [${label(r)}]` }))),
    undefinedSteps: [...new Set(runs.flatMap((r) => r.undefinedSteps))],
    exercisedSteps: [...new Set(runs.flatMap((r) => r.exercisedSteps ?? []))].sort((a, b) => a - b),
    kitError: runs.find((r) => r.kitError)?.kitError,
    exitCode: Math.max(...runs.map((r) => r.exitCode)),
    durationMs: runs.reduce((n, r) => n + (r.durationMs ?? 0), 0),
  };
}

/** The loaded config, or its file when it does not load (runMatrix then runs once, and runWorkflow reports why). */
export function configFileOrLoaded(configs: Configs, file: string): string | LoadedConfig {
  try {
    return configs.get(file);
  } catch {
    return file;
  }
}

/** `--variant signing=RS256 ...` as a combination, each name and value checked against the variants' table. */
export function parseVariants(list: string[]): Record<string, string | number> {
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
