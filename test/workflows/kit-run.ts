import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDiagram } from '../../harness/spec/diagram';
import { auditStitched } from '../report/audit';
import { ISSUED_SECRETS_ENV } from '../../harness/trace/issued-secrets';

/** Runs `loginflow run` as a user would (own process), and reads back its JSON summary. */
export interface KitRun {
  code: number | null;
  output: string;
  failing: string[];
  summary: any;
  /** What the side-by-side check found wrong in each workflow's stitched diagram (none: it tells the truth). */
  diagramProblems: string[];
  /** The report directory of the run. */
  reports: string;
  /** Every secret that crossed the wire in the run, raw (see harness/trace/issued-secrets.ts). */
  issued: string[];
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
  // Next to the report, not in it: the scan reads the report directory.
  const secretsFile = `${reports}.issued-secrets`;
  fs.mkdirSync(path.dirname(reports), { recursive: true });
  fs.rmSync(secretsFile, { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'loginflow.js'), 'run', '--workflow', workflow, '--config', config, '--reports', reports, '--quiet', ...(o.render || extra.includes('--no-render') ? [] : ['--no-render']), ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [ISSUED_SECRETS_ENV]: secretsFile, ...o.env } });
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
      const issued = fs.existsSync(secretsFile) ? [...new Set(fs.readFileSync(secretsFile, 'utf8').split('\n').filter(Boolean))] : [];
      resolve({ code, output, failing, summary, diagramProblems, reports, issued });
    });
  });
}

/** The double's seeded secrets (harness/fusionauth/directory.ts), written out. */
export const SEEDED_SECRETS = ['loginflow-double-api-key-0123456789abcdef', 'loginflow-double-hmac-secret-0123456789abcdef-ZYXW', 'store-client-secret-0123456789abcdef', 'forums-client-secret-0123456789abcdef'];
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
const PASSWORD_VALUE = /"password"\s*:\s*"(?!\*)[^"]+"|[?&]password=(?!\*)[^&\s"<]+/;

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

/**
 * Where a secret of the run appears in full: any file of its report (text files; the
 * screenshot is an image) or its console output. Covers every secret that crossed the wire
 * (JWTs, refresh tokens and their ids, every cookie value a backend set: session ids), the
 * seeded API key, HMAC and client secrets, JWT shapes and password values. Failing runs
 * too: their evidence is written in full.
 */
export function secretLeaks(r: KitRun): string[] {
  const secrets = [...r.issued, ...SEEDED_SECRETS];
  const texts: [string, string][] = [['console output', r.output], ...walk(r.reports).filter((f) => !f.endsWith('.png')).map((f): [string, string] => [path.relative(ROOT, f), fs.readFileSync(f, 'utf8')])];
  const leaks: string[] = [];
  for (const [where, text] of texts) {
    for (const s of secrets) if (text.includes(s) || text.includes(encodeURIComponent(s))) leaks.push(`${s.slice(0, 6)}… (${s.length} chars) in ${where}`);
    if (JWT.test(text)) leaks.push(`a full JWT in ${where}: ${JWT.exec(text)![0].slice(0, 12)}…`);
    if (PASSWORD_VALUE.test(text)) leaks.push(`a password value in ${where}`);
  }
  return leaks;
}
