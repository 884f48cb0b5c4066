import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../checks/check';
import { loadDiagram } from '../spec/diagram';
import type { Exchange } from '../trace';
import { renderObserved } from './observed';

/**
 * What a run produced, as the `run` command collects it from cucumber's message stream,
 * and the files written from it under the reports directory.
 */
export interface ScenarioResult {
  workflow: string;
  name: string;
  status: string;
  verdicts: Verdict[];
  exchanges: Exchange[];
  errors: string[];
  /** Deliberate wall-clock waits (session TTL proofs) and what they were for. */
  waits?: { ms: number; reason: string }[];
}

export interface WorkflowResult {
  workflow: string;
  configFile: string;
  scenarios: ScenarioResult[];
  kitError?: string;
  undefinedSteps: string[];
  exitCode: number;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

/** Per workflow: one observed PlantUML diagram per scenario and the workflow's verdicts. */
export function writeWorkflowReports(r: WorkflowResult, dir: string): void {
  const out = path.join(dir, r.workflow);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const diagram = loadDiagram(r.workflow);
  const names = new Map<string, number>();
  for (const s of r.scenarios) {
    let base = slug(s.name);
    const n = (names.get(base) ?? 0) + 1;
    names.set(base, n);
    if (n > 1) base = `${base}-${n}`;
    fs.writeFileSync(path.join(out, `${base}.puml`), renderObserved({ diagram, scenario: s.name, exchanges: s.exchanges, verdicts: s.verdicts }));
  }
  fs.writeFileSync(path.join(out, 'verdicts.json'), JSON.stringify(summary([r]), null, 2));
}

export function summary(all: WorkflowResult[]) {
  return {
    exitCode: Math.max(0, ...all.map((r) => r.exitCode)),
    workflows: all.map((r) => ({
      workflow: r.workflow,
      config: r.configFile,
      exitCode: r.exitCode,
      kitError: r.kitError,
      undefinedSteps: r.undefinedSteps,
      scenarios: r.scenarios.map((s) => ({
        name: s.name,
        status: s.status,
        errors: s.errors,
        verdicts: s.verdicts.map(({ evidence, ...v }) => ({ ...v, evidence: evidence.map((e) => e.seq) })),
      })),
    })),
  };
}

/** After every workflow of a run: the run-wide summary. */
export function writeRunReports(all: WorkflowResult[], dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary(all), null, 2));
}
