import * as path from 'node:path';
import { projectRoot } from '../common/project-root';
import { type Diagram, listWorkflows, loadDiagram } from './diagram';
import { type ParsedFeature, loadFeature } from './feature';

/**
 * The traceability check: every numbered arrow of a workflow's diagram is exercised by
 * at least one feature step, and no feature step names an arrow the diagram lacks.
 */
export interface TraceabilityProblem {
  workflow: string;
  kind: 'uncovered-arrow' | 'unknown-step' | 'missing-feature';
  message: string;
}

export interface TraceabilityResult {
  workflow: string;
  arrows: number;
  covered: number[];
  problems: TraceabilityProblem[];
}

export function checkTraceability(d: Diagram, f: ParsedFeature | undefined): TraceabilityResult {
  const res: TraceabilityResult = { workflow: d.workflow, arrows: d.arrows.length, covered: [], problems: [] };
  if (!f) {
    res.problems.push({ workflow: d.workflow, kind: 'missing-feature', message: `${d.workflow}: no features/${d.workflow}.feature for diagram ${path.basename(d.file)}` });
    return res;
  }
  const known = new Set(d.arrows.map((a) => a.n));
  const covered = new Set<number>();
  for (const ref of f.refs) {
    for (const n of ref.steps) {
      if (known.has(n)) covered.add(n);
      else {
        res.problems.push({
          workflow: d.workflow,
          kind: 'unknown-step',
          message: `${path.relative(projectRoot(), ref.file)}:${ref.line}: step "${ref.text}" names step ${n}, but ${path.basename(d.file)} has only steps 1-${d.arrows.length}`,
        });
      }
    }
  }
  for (const a of d.arrows) {
    if (!covered.has(a.n)) {
      res.problems.push({
        workflow: d.workflow,
        kind: 'uncovered-arrow',
        message: `${path.basename(d.file)}:${a.line}: step ${a.n} (${a.from} -> ${a.to}: ${a.label.split('\n')[0]}) is exercised by no step of ${path.basename(f.file)}`,
      });
    }
  }
  res.covered = [...covered].sort((a, b) => a - b);
  return res;
}

export function checkAll(root = projectRoot(), workflows = listWorkflows(root)): TraceabilityResult[] {
  return workflows.map((w) => checkTraceability(loadDiagram(w, root), loadFeature(w, root)));
}
