import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../../harness/checks/check';
import { type Diagram, loadDiagram } from '../../harness/spec/diagram';
import type { Exchange } from '../../harness/trace';
import type { RecordedJournal } from './fixtures/record';

/** A recorded journal (test/report/fixtures/*.json, see record.ts), evidence resolved to exchanges. */
export interface Journal {
  workflow: string;
  diagram: Diagram;
  scenarios: { name: string; status: string; steps: number[]; exchanges: Exchange[]; verdicts: Verdict[] }[];
}

export function journal(name: string): Journal {
  const j = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', `${name}.json`), 'utf8')) as RecordedJournal;
  return {
    workflow: j.workflow,
    diagram: loadDiagram(j.workflow),
    scenarios: j.scenarios.map((s) => ({
      ...s,
      verdicts: s.verdicts.map((v) => ({ ...v, evidence: v.evidence.map((seq) => s.exchanges.find((e) => e.seq === seq)!).filter(Boolean) })),
    })),
  };
}

/** The scenario whose name contains `part` (exactly one). */
export function scenario(j: Journal, part: string) {
  const hits = j.scenarios.filter((s) => s.name.includes(part));
  if (hits.length !== 1) throw new Error(`${hits.length} scenarios named like "${part}" in ${j.workflow}`);
  return hits[0];
}
