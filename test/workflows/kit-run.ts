import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDiagram } from '../../harness/spec/diagram';
import { auditStitched } from '../report/audit';

/** Runs `loginflow run` as a user would (own process), and reads back its JSON summary. */
export interface KitRun {
  code: number | null;
  output: string;
  failing: string[];
  summary: any;
  /** What the side-by-side check found wrong in each workflow's stitched diagram (none: it tells the truth). */
  diagramProblems: string[];
}

const ROOT = path.resolve(__dirname, '..', '..');

export interface KitRunOptions {
  /** Extra environment for the kit (its backends inherit it). */
  env?: Record<string, string>;
  /** Bound on the whole run before the kit is killed; default 300 s (generous: on a shared machine under a load of 50 one WJC variant takes 35 s). */
  timeoutMs?: number;
  /**
   * Render the diagrams (one JVM start, seconds). Off by default: these runs are about
   * verdicts; test/report/run.test.ts is the one that checks rendering.
   */
  render?: boolean;
  /** Return the stitched diagram's problems in `diagramProblems` instead of failing the run. */
  allowDiagramProblems?: boolean;
}

export function runKit(workflow: string, config: string, name: string, extra: string[] = [], o: KitRunOptions = {}): Promise<KitRun> {
  const reports = path.join(ROOT, 'reports', 'test-runs', workflow, name);
  fs.rmSync(reports, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'loginflow.js'), 'run', '--workflow', workflow, '--config', config, '--reports', reports, '--quiet', ...(o.render || extra.includes('--no-render') ? [] : ['--no-render']), ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    // A bound on the whole run, so a hung kit fails the test instead of hanging it.
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const file = path.join(reports, 'summary.json');
      const summary = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
      const failing: string[] = summary
        ? [...new Set<string>(summary.workflows.flatMap((w: any) => w.scenarios.flatMap((s: any) => s.verdicts.filter((v: any) => v.result === 'fail').map((v: any) => v.id))))]
        : [];
      // Every run of the kit in the test suite is also a check of its stitched diagram: the
      // arrows passing scenarios exercised are solid, each failing verdict is drawn once.
      const diagramProblems: string[] = (summary?.workflows ?? []).flatMap((w: any) => {
        const file = path.join(reports, w.workflow, '_stitched.puml');
        if (!fs.existsSync(file)) return [];
        return auditStitched(loadDiagram(w.workflow), fs.readFileSync(file, 'utf8'), w.scenarios).map((p) => `${file}: ${p}`);
      });
      if (diagramProblems.length && !o.allowDiagramProblems) {
        reject(new Error(`the stitched diagram of this run does not tell the truth:\n  ${diagramProblems.join('\n  ')}\n${output}`));
        return;
      }
      resolve({ code, output, failing, summary, diagramProblems });
    });
  });
}
