import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoginflowError } from '../errors';
import { projectRoot } from '../common/project-root';

/**
 * The spec model: a workflow's PlantUML sequence diagram parsed into participants,
 * phases and numbered arrows. `diagrams/*.puml` are the source of truth for step
 * numbers; the traceability check, the features' step references and the report's
 * spec-vs-observed view all read this one model.
 *
 * Hand-written rather than a library: no maintained npm package parses PlantUML
 * sequence diagrams, and the subset used here (participants, `==` separators,
 * `autonumber`, arrows, notes) is small and line-oriented.
 */
export interface Arrow {
  n: number;
  from: string;
  to: string;
  /** Label as written, with PlantUML's `\n` turned into real newlines. */
  label: string;
  phase: string;
  /** 1-based line in the .puml file. */
  line: number;
  self: boolean;
}

export interface Diagram {
  workflow: string;
  file: string;
  title?: string;
  participants: string[];
  phases: string[];
  arrows: Arrow[];
}

const PARTICIPANT = /^(participant|actor|boundary|control|entity|database|collections|queue)\s+("?)([^"\s]+)\2(?:\s+as\s+(\S+))?/;
// A -> B : label ; arrows may be -> --> ->> -->> ->x <- <-- with optional colour [#red].
const ARROW = /^([A-Za-z_][\w]*)\s*(<?-{1,2}(?:\[[^\]]*\])?(?:>>?|x|\\\\|\/\/)?|<<?-{1,2})\s*([A-Za-z_][\w]*)\s*(?::\s*(.*))?$/;
const PHASE = /^==\s*(.*?)\s*==$/;
const AUTONUMBER = /^autonumber(?:\s+(stop|resume|\d+))?/;

export class DiagramError extends LoginflowError {
  constructor(message: string) {
    super('SPEC_INVALID', message);
  }
}

export function parseDiagram(text: string, file = '<diagram>', workflow = path.basename(file, '.puml')): Diagram {
  const d: Diagram = { workflow, file, participants: [], phases: [], arrows: [] };
  let counter = 0;
  let numbering = false;
  let phase = '';
  let inBlock: string | undefined; // note ... end note, etc.
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("'")) return;
    if (inBlock) {
      if (new RegExp(`^end\\s*${inBlock}$`).test(line)) inBlock = undefined;
      return;
    }
    const block = /^(note|rnote|hnote|legend)\b(?!.*:)/.exec(line);
    if (block) {
      inBlock = block[1] === 'legend' ? 'legend' : 'note';
      return;
    }
    const t = /^title\s+(.*)$/.exec(line);
    if (t) {
      d.title = t[1];
      return;
    }
    const p = PARTICIPANT.exec(line);
    if (p) {
      d.participants.push(p[4] ?? p[3]);
      return;
    }
    const ph = PHASE.exec(line);
    if (ph) {
      phase = ph[1];
      d.phases.push(phase);
      return;
    }
    const an = AUTONUMBER.exec(line);
    if (an) {
      if (an[1] === 'stop') numbering = false;
      else if (an[1] === 'resume') numbering = true;
      else {
        numbering = true;
        counter = an[1] ? Number(an[1]) - 1 : 0;
      }
      return;
    }
    const a = ARROW.exec(line);
    if (a) {
      const reversed = a[2].startsWith('<');
      const [from, to] = reversed ? [a[3], a[1]] : [a[1], a[3]];
      if (!numbering) return;
      counter += 1;
      d.arrows.push({ n: counter, from, to, label: (a[4] ?? '').replace(/\\n/g, '\n'), phase, line: i + 1, self: from === to });
    }
  });
  for (const a of d.arrows) {
    for (const who of [a.from, a.to]) {
      if (!d.participants.includes(who)) {
        throw new DiagramError(`${file}:${a.line}: arrow ${a.n} names participant "${who}", which is not declared`);
      }
    }
  }
  return d;
}

export function diagramsDir(root = projectRoot()): string {
  return path.join(root, 'diagrams');
}


export function listWorkflows(root = projectRoot()): string[] {
  return fs
    .readdirSync(diagramsDir(root))
    .filter((f) => f.endsWith('.puml'))
    .map((f) => f.replace(/\.puml$/, ''))
    .sort();
}

const cache = new Map<string, Diagram>();

export function loadDiagram(workflow: string, root = projectRoot()): Diagram {
  const file = path.join(diagramsDir(root), `${workflow}.puml`);
  const hit = cache.get(file);
  if (hit) return hit;
  if (!fs.existsSync(file)) {
    throw new DiagramError(`no diagram for workflow "${workflow}" (looked for ${file}); known: ${listWorkflows(root).join(', ') || 'none'}`);
  }
  const d = parseDiagram(fs.readFileSync(file, 'utf8'), file, workflow);
  cache.set(file, d);
  return d;
}

export function arrow(d: Diagram, n: number): Arrow {
  const a = d.arrows.find((x) => x.n === n);
  if (!a) throw new DiagramError(`${d.workflow} has no step ${n} (it has 1-${d.arrows.length})`);
  return a;
}
