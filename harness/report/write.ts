import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../checks/check';
import { type Diagram, listWorkflows, loadDiagram } from '../spec/diagram';
import { projectRoot } from '../common/project-root';
import { workflowIds } from '../workflow/registry';
import type { Exchange } from '../trace';
import { renderIndex } from './html';
import { renderWorkflowPage } from './html-workflow';
import { renderJUnit } from './junit';
import { renderObserved, renderStitched, safe } from './observed';
import { workflowBadge } from './conformance';
import { STITCHED, scenarioFiles, workflowPage } from './files';
export { STITCHED, scenarioFiles, workflowPage } from './files';
import { absentParticipants } from './single-app';
import { chooseRenderer, type RenderOptions, type RenderReport, renderAll } from './render';

/**
 * What a run produced, as the `run` command collects it from cucumber's message stream,
 * and the files written from it under the reports directory:
 *
 *   index.html                       the HTML report: the run at a glance, a row per workflow
 *   <workflow>.html                  a page per workflow: diagrams (SVG inlined), verdicts, scenarios
 *   junit.xml                        one testsuite per workflow, one testcase per scenario
 *   summary.json                     every verdict of the run, and how diagrams were rendered
 *   spec/<workflow>.puml|svg         the spec diagram of every workflow in diagrams/
 *   <workflow>/_stitched.puml|svg    the workflow's scenarios stitched in spec step order
 *   <workflow>/<scenario>.puml|svg   one observed diagram per scenario
 *   <workflow>/verdicts.json
 *
 * Every file goes through a pattern-based Redactor on its way out: no JWT or password
 * value is ever written, whatever a check or a backend put in a message.
 */
// The result model gate and report share (harness/result), re-exported for the report's callers.
export { type ScenarioResult, type WorkflowResult, clockSummary } from '../result/model';
import type { WorkflowResult } from '../result/model';
import { clockSummary } from '../result/model';

export interface ReportOptions extends RenderOptions {
  /** Project root whose diagrams/ and features/ the report shows (default: this kit's). */
  root?: string;
  /** How the SPA was driven (`--browser`), and why: shown in the header and summary.json. */
  browser?: { mode: string; requested: string; reason: string };
}

/** Write a report file, redacted by pattern on the way out. */
export function writeSafe(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, safe(text));
}

function diagramFor(workflow: string, root?: string): Diagram | undefined {
  try {
    return loadDiagram(workflow, root);
  } catch {
    return undefined;
  }
}

/**
 * Per workflow: one observed PlantUML diagram per scenario, the stitched workflow diagram
 * and the workflow's verdicts. Rendering waits for `writeRunReports`, which draws every
 * diagram of the run with one PlantUML start.
 */
export function writeWorkflowReports(r: WorkflowResult, dir: string, o: Pick<ReportOptions, 'root'> = {}): void {
  const out = path.join(dir, r.workflow);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const diagram = diagramFor(r.workflow, o.root);
  if (diagram) {
    const files = scenarioFiles(r);
    // A single-app run is drawn as one: no lane for the application the config leaves out.
    const absent = absentParticipants(r);
    r.scenarios.forEach((s, i) => writeSafe(path.join(out, files[i]), renderObserved({ diagram, scenario: s.name, exchanges: s.exchanges, verdicts: s.verdicts, steps: s.steps, absent })));
    if (r.scenarios.length) writeSafe(path.join(out, STITCHED), renderStitched({ diagram, scenarios: r.scenarios, absent }));
  }
  writeSafe(path.join(out, 'verdicts.json'), JSON.stringify(summary([r]), null, 2));
  // Screenshots a real browser took (browser mode): binary, so not through writeSafe's text redaction.
  const seen = new Set<string>();
  for (const shot of r.scenarios.flatMap((s) => s.screenshots ?? [])) {
    if (seen.has(shot.fileName)) continue;
    seen.add(shot.fileName);
    fs.writeFileSync(path.join(out, path.basename(shot.fileName)), Buffer.from(shot.base64, 'base64'));
  }
}

export function summary(all: WorkflowResult[], rendering?: RenderReport) {
  return {
    exitCode: Math.max(0, ...all.map((r) => r.exitCode)),
    ...(rendering ? { rendering: renderingSummary(rendering) } : {}),
    workflows: all.map((r) => ({
      workflow: r.workflow,
      config: r.configFile,
      exitCode: r.exitCode,
      // The verdict in one phrase (harness/report/conformance.ts): what the console and the HTML report show.
      badge: workflowBadge(r),
      kitError: r.kitError,
      ...(r.kitErrorCode ? { kitErrorCode: r.kitErrorCode } : {}),
      undefinedSteps: r.undefinedSteps,
      ...(r.clock ? { clock: clockSummary(r) } : {}),
      scenarios: r.scenarios.map((s) => ({
        name: s.name,
        status: s.status,
        errors: s.errors,
        ...(s.steps ? { steps: s.steps } : {}),
        verdicts: s.verdicts.map(({ evidence, ...v }) => ({ ...v, evidence: evidence.map((e) => e.seq) })),
      })),
    })),
  };
}

function renderingSummary(r: RenderReport) {
  return { mode: r.mode, reason: r.reason, command: r.command, server: r.server, diagrams: r.diagrams, rendered: r.rendered, jvmStarts: r.jvmStarts, durationMs: r.durationMs, error: r.error };
}

/**
 * After every workflow of a run: render every diagram of the run at once (one JVM), then
 * the HTML report, JUnit XML and the run-wide JSON summary. Returns how diagrams were drawn.
 */
export function writeRunReports(all: WorkflowResult[], dir: string, o: ReportOptions = {}): RenderReport {
  fs.mkdirSync(dir, { recursive: true });
  const root = o.root ?? projectRoot();
  // Workflows of this run first, then every other workflow with a diagram (spec only).
  const workflows = [...new Set([...all.map((r) => r.workflow), ...safeList(root)])];
  const specFiles: string[] = [];
  fs.rmSync(path.join(dir, 'spec'), { recursive: true, force: true });
  for (const w of workflows) {
    const d = diagramFor(w, root);
    if (!d) continue;
    const file = path.join(dir, 'spec', `${w}.puml`);
    writeSafe(file, fs.readFileSync(d.file, 'utf8'));
    specFiles.push(file);
  }
  const observed = all.flatMap((r) => [STITCHED, ...scenarioFiles(r)].map((f) => path.join(dir, r.workflow, f))).filter((f) => fs.existsSync(f));
  const plan = chooseRenderer(o);
  const rendering = renderAll(plan, [...specFiles, ...observed], o);
  for (const f of [...specFiles, ...observed]) {
    const svg = f.replace(/\.puml$/, '.svg');
    if (fs.existsSync(svg)) fs.writeFileSync(svg, safe(fs.readFileSync(svg, 'utf8')));
  }
  writeSafe(path.join(dir, 'summary.json'), JSON.stringify({ ...summary(all, rendering), ...(o.browser ? { browser: o.browser } : {}) }, null, 2));
  writeSafe(path.join(dir, 'junit.xml'), renderJUnit(all));
  const input = { all, dir, root, workflows, rendering, browser: o.browser };
  writeSafe(path.join(dir, 'index.html'), renderIndex(input));
  for (const w of workflows) writeSafe(path.join(dir, workflowPage(w)), renderWorkflowPage(input, w));
  return rendering;
}

function safeList(root: string): string[] {
  try {
    // The kit's own workflows are the registry's; another root (a test's) is its diagrams/.
    if (path.resolve(root) === path.resolve(projectRoot())) return workflowIds();
    return listWorkflows(root);
  } catch {
    return [];
  }
}
