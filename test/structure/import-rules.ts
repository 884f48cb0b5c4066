import * as path from 'node:path';

/**
 * Which part of harness/ may import which: the kit's layers, lowest first. A part imports only
 * the parts its row names (and itself); type imports count as much as value imports (a type a
 * layer takes from the one above it ties it to that layer too). The table is a layering: no
 * part may import, directly or through others, a part that may import it.
 *
 * The parts are harness/'s folders, their subfolders included (fusionauth/api is fusionauth,
 * workflow/credentials is workflow), with three exceptions:
 * - harness/errors.ts is `errors`, below everything (every module may throw a coded error);
 * - harness/workflow/registry.ts is `registry`: the workflows as data, read by the config
 *   loader's callers, the spec's command and the report without pulling in the flows;
 * - a command is `cli` wherever its file lives (harness/cli/, and a `cli.ts` next to the module
 *   it drives: spec/cli.ts is check-spec, fusionauth/cli.ts the standalone double).
 * Checked by test/structure/import-rules.test.ts on the graph test/structure/imports.ts builds.
 */
export const IMPORT_RULES: Record<string, { may: string[]; why: string }> = {
  errors: { may: [], why: 'the one error base and its codes: imports nothing of the kit' },
  common: { may: ['errors'], why: 'small helpers every layer shares (the Cookie-header parser, the project root)' },
  trace: { may: ['common', 'errors'], why: 'the journal of exchanges and the redaction of secrets' },
  spec: { may: ['common', 'errors'], why: 'the diagrams and features, read as the spec' },
  clock: { may: ['common', 'errors'], why: 'the world clock' },
  backend: { may: ['clock', 'common', 'errors'], why: 'the config and the processes of the app under test' },
  browser: { may: ['trace', 'common', 'errors'], why: "the kit's browser (HTTP mode) and Chromium" },
  checks: { may: ['browser', 'trace', 'spec', 'common', 'errors'], why: 'the named conditions: judge exchanges and pages, never drive anything' },
  fusionauth: { may: ['backend', 'trace', 'clock', 'common', 'errors'], why: 'the FusionAuth double and its API handlers' },
  result: { may: ['checks', 'clock', 'trace', 'common', 'errors'], why: 'the model of what a run produced' },
  gate: { may: ['checks', 'result', 'common', 'errors'], why: 'the CI gate: results to an exit code' },
  registry: { may: ['backend', 'spec', 'common', 'errors'], why: 'the workflows as data' },
  workflow: {
    may: ['registry', 'backend', 'browser', 'checks', 'clock', 'fusionauth', 'gate', 'result', 'spec', 'trace', 'common', 'errors'],
    why: 'the Scenario core, the flows, the credentials and the environments the steps drive',
  },
  report: { may: ['registry', 'checks', 'clock', 'result', 'spec', 'trace', 'common', 'errors'], why: 'what a run writes and prints: diagrams, HTML, JUnit, summary.json, the console' },
  runner: {
    may: ['workflow', 'registry', 'report', 'gate', 'result', 'spec', 'checks', 'backend', 'browser', 'clock', 'trace', 'common', 'errors'],
    why: 'runs workflows through cucumber: a workflow, its shards, the variant matrix, a whole run',
  },
  cli: {
    may: ['runner', 'report', 'workflow', 'registry', 'gate', 'result', 'fusionauth', 'checks', 'browser', 'backend', 'clock', 'spec', 'trace', 'common', 'errors'],
    why: 'the commands: flags in, a runner or a tool called, an exit code out',
  },
};

/** The part of harness/ a module belongs to (`file` relative to harness/, with / or the platform's separator). */
export function partOf(file: string): string {
  const rel = file.split(path.sep).join('/');
  if (rel === 'errors.ts') return 'errors';
  if (rel === 'workflow/registry.ts') return 'registry';
  if (rel.startsWith('cli/') || rel.endsWith('/cli.ts')) return 'cli';
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : rel;
}

/** The imports of `graph` (absolute paths under `harness`) that the rules do not allow, one line each. */
export function violations(graph: Map<string, string[]>, harness: string, rules = IMPORT_RULES): string[] {
  const out: string[] = [];
  for (const [file, deps] of graph) {
    const from = partOf(path.relative(harness, file));
    const rule = rules[from];
    if (!rule) {
      out.push(`harness/${path.relative(harness, file)}: its part "${from}" is in no row of the import rules (test/structure/import-rules.ts): add one`);
      continue;
    }
    for (const dep of deps) {
      const to = partOf(path.relative(harness, dep));
      if (to !== from && !rule.may.includes(to)) out.push(`harness/${path.relative(harness, file)} imports harness/${path.relative(harness, dep)}: ${from} may not import ${to} (${from} may import ${rule.may.join(', ') || 'nothing'})`);
    }
  }
  return out;
}

/** Rows that name a part the table does not have, and the cycles of the table itself (a part that may reach itself). */
export function tableProblems(rules = IMPORT_RULES): string[] {
  const out: string[] = [];
  for (const [part, r] of Object.entries(rules)) for (const m of r.may) if (!rules[m]) out.push(`${part} may import "${m}", which is no part of the table`);
  const reach = (from: string, seen = new Set<string>()): Set<string> => {
    for (const m of rules[from]?.may ?? []) if (!seen.has(m)) reach(m, seen.add(m));
    return seen;
  };
  for (const part of Object.keys(rules)) if (reach(part).has(part)) out.push(`${part} may import itself through ${[...reach(part)].filter((p) => reach(p).has(part)).sort().join(', ')}: the table is no layering`);
  return out;
}
