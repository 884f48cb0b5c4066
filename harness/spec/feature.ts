import * as fs from 'node:fs';
import * as path from 'node:path';
import { AstBuilder, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import { projectRoot } from '../common/project-root';
import { DiagramError } from './diagram';

/**
 * Features name the diagram steps each Gherkin step exercises, at the end of the step
 * text: `(step 8)`, `(steps 5-8)`, `(steps 11, 14)`. This module reads them back with
 * cucumber's own Gherkin parser, so the traceability check sees exactly what cucumber
 * runs (outlines, backgrounds and all).
 */
export interface FeatureStepRef {
  file: string;
  line: number;
  scenario: string;
  text: string;
  steps: number[];
}

export interface ParsedFeature {
  file: string;
  name: string;
  tags: string[];
  refs: FeatureStepRef[];
  /** Steps that name no diagram step (setup such as "Given the backends are running"). */
  unnumbered: FeatureStepRef[];
}

const STEP_REF = /\(steps?\s+([0-9][0-9,\s\-–and]*)\)\s*$/;

/** `"5-8"` → [5,6,7,8]; `"11, 14"` → [11,14]; `"3 and 4"` → [3,4]. */
export function parseStepNumbers(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(/,|\band\b/)) {
    const p = part.trim();
    if (!p) continue;
    const range = /^(\d+)\s*[-–]\s*(\d+)$/.exec(p);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      for (let n = Math.min(a, b); n <= Math.max(a, b); n++) out.push(n);
    } else if (/^\d+$/.test(p)) out.push(Number(p));
    else throw new DiagramError(`cannot read step numbers from "${spec}"`);
  }
  return out;
}

/** The diagram steps a Gherkin step's text names, or [] when it names none. */
export function stepRefs(text: string): number[] {
  const m = STEP_REF.exec(text);
  return m ? parseStepNumbers(m[1]) : [];
}

export function parseFeature(text: string, file: string): ParsedFeature {
  const parser = new Parser(new AstBuilder(IdGenerator.incrementing()), new GherkinClassicTokenMatcher());
  const doc = parser.parse(text);
  const feature = doc.feature;
  const out: ParsedFeature = { file, name: feature?.name ?? '', tags: feature?.tags.map((t) => t.name) ?? [], refs: [], unnumbered: [] };
  if (!feature) return out;
  const visit = (children: readonly any[], rule?: string) => {
    for (const child of children) {
      if (child.rule) visit(child.rule.children, child.rule.name);
      const block = child.background ?? child.scenario;
      if (!block) continue;
      for (const step of block.steps) {
        const ref: FeatureStepRef = { file, line: step.location.line, scenario: (rule ? `${rule} / ` : '') + (block.name || block.keyword), text: step.text, steps: stepRefs(step.text) };
        (ref.steps.length ? out.refs : out.unnumbered).push(ref);
      }
    }
  };
  visit(feature.children);
  return out;
}

export function loadFeature(workflow: string, root = projectRoot()): ParsedFeature | undefined {
  const file = path.join(root, 'features', `${workflow}.feature`);
  if (!fs.existsSync(file)) return undefined;
  return parseFeature(fs.readFileSync(file, 'utf8'), file);
}
