import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { portAnswers } from '../../harness/backend/launcher';
import { runKit, type KitRun } from '../workflows/kit-run';

/**
 * The kit against broken backends (fixtures/hostile.js, one HOSTILE mode per config):
 * every run ends within its bound with exit 2 (the backend never got going: a kit/config
 * error) or 1 (a step or MUST check failed), says which step and why, writes
 * summary.json, and leaves no process and no listening port behind.
 */
const FIXTURES = path.join(__dirname, 'fixtures');
const WORKFLOW = 'webapp-jwt-cookies';
/**
 * Wall-clock bound on one kit run (the kit itself is killed at BOUND_MS + 15 s). A run takes
 * 4-8 s alone (the hang case ~12 s, ~24 s since the two-user and eleven failed-login
 * scenarios each meet one 1 s request timeout); the margin is for npm test running other
 * kits beside it (a shared machine at a load of 20: hang 45 s, before those scenarios 33 s).
 */
const BOUND_MS = 60_000;

interface Case {
  code: 1 | 2;
  /** What the output must say: the cause, in words a user can act on. */
  says: RegExp[];
  /** The failing verdict ids (MUST failures), when the case ends in one. */
  failing?: string[];
  /** The step (Gherkin text) the first scenario fails at; "Before" for start failures. */
  step?: RegExp;
  /** More than this is a bug (e.g. later scenarios waiting for timeouts instead of failing fast). */
  maxMs?: number;
  /** Set up before the run (e.g. occupy a port); returns env for the kit and a cleanup. */
  setup?: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>;
}

const CASES: Record<string, Case> = {
  // Longest first, so the concurrent runs finish together.
  hang: { code: 1, says: [/GET http:\/\/store\.example\.test\/shopping-cart failed: TIMEOUT/, /timeouts\.requestMs/], step: /follows the redirect/ },
  'never-listen': { code: 2, says: [/store backend did not become ready within 2000 ms/, /ECONNREFUSED/, /warming up caches/] },
  'exit-at-start': { code: 2, says: [/store backend exited with code 3 before it was ready/, /cannot read my configuration file/] },
  'exit-mid-run': {
    code: 1,
    says: [/the store backend exited with code 7 during this step/, /out of memory handling POST \/login/, /exited with code 7 earlier in this run, so this scenario cannot run/],
    step: /submits the login form/,
    maxMs: 20_000,
  },
  'malformed-http': { code: 1, says: [/GET http:\/\/store\.example\.test\/login failed: HTTPParserError/], step: /follows the login link/ },
  'json-to-form': { code: 1, says: [/the answer is application\/json, not an HTML page/], failing: ['WJC-4.login-form'], step: /page has a login form/ },
  'huge-body': { code: 1, says: [/body truncated: the kit reads at most \d+ bytes/], failing: ['WJC-4.login-form'], step: /page has a login form/ },
  'redirect-loop': { code: 1, says: [/redirect loop: the chain came back/, /\/cart-moved/], failing: ['WJC-10.page-shown'] },
  'many-cookies': { code: 1, says: [/answered 431/], failing: ['WJC-10.page-shown'] },
  'malformed-set-cookie': { code: 1, says: [/Domain=evil\.example\.org/], failing: ['WJC-8.cookie-host-only'], step: /set the JWT and the refresh token/ },
  'garbage-api-key': { code: 1, says: [/Authorization was not the API key/, /FusionAuth answered 401/], failing: ['WJC-6.login-called'], step: /called the FusionAuth Login API/ },
  'kit-gap': {
    code: 2,
    says: [/the FusionAuth double does not implement GET \/api\/application\/[0-9a-f-]{36} \(a FusionAuth API: GET \/api\/application\/\{applicationId\}\); this is a gap in loginflow, not in your backend/, /kit error/],
    step: /submits the login form/,
  },
  'unknown-endpoint': { code: 1, says: [/made no POST \/api\/login call to FusionAuth \(FusionAuth saw: Store POST \/api\/does-not-exist\)/], failing: ['WJC-6.login-called'] },
  'fixed-port': {
    code: 2,
    says: [/store backend exited with code 1 before it was ready/, /port \d+ is already in use, held by pid \d+/, /the kit gave it PORT=\d+: it must listen on the PORT it is given/],
    setup: occupyPort,
  },
  'wrong-port': { code: 2, says: [/did not become ready within 2000 ms/, /it listens on port \d+ instead: it must listen on the PORT it is given/] },
};

/** Another program holds a port; the fixed-port backend insists on it (HOSTILE_PORT). */
async function occupyPort(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return { env: { HOSTILE_PORT: String(port) }, cleanup: () => new Promise((r) => srv.close(() => r())) };
}

/** Live (non-zombie) processes whose environment carries the run's marker. */
function processesWithMarker(marker: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (!fs.readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(marker)) continue;
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) continue;
      out.push({ pid: Number(d), cmd: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

/** Ports the run used: where the kit started each backend, and every port a backend said it listens on. */
function portsOf(output: string): number[] {
  const ports = new Set<number>();
  for (const m of output.matchAll(/starting .* on port (\d+) as /g)) ports.add(Number(m[1]));
  for (const m of output.matchAll(/listening on http:\/\/127\.0\.0\.1:(\d+)/g)) ports.add(Number(m[1]));
  return [...ports];
}

function firstFailure(r: KitRun): string {
  const s = r.summary.workflows[0].scenarios.find((x: any) => x.status === 'FAILED');
  return s?.errors?.[0] ?? '';
}

describe('the kit against hostile backends', { concurrency: 3 }, () => {
  for (const [mode, c] of Object.entries(CASES)) {
    test(`${mode}: exit ${c.code}, says why, leaves nothing running`, { timeout: BOUND_MS + 30_000 }, async () => {
      const marker = `LOGINFLOW_ROBUSTNESS_RUN=${mode}-${randomUUID()}`;
      const extra = c.setup ? await c.setup() : undefined;
      let r: KitRun;
      const started = Date.now();
      try {
        r = await runKit(WORKFLOW, path.join(FIXTURES, `${mode}.json`), `hostile-${mode}`, ['--no-render'], {
          env: { ...extra?.env, LOGINFLOW_VERBOSE: '1', [marker.split('=')[0]]: marker.split('=')[1] },
          timeoutMs: BOUND_MS + 15_000,
        });
      } finally {
        await extra?.cleanup();
      }
      const ms = Date.now() - started;
      const left = processesWithMarker(marker);
      // Whatever the verdict, do not leave strays for the next test (by pid: they carry this run's marker).
      for (const p of left) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      const tail = `\n--- kit output (last 3000 chars) ---\n${r.output.slice(-3000)}`;
      assert.ok(ms < (c.maxMs ?? BOUND_MS), `the run took ${ms} ms (bound ${c.maxMs ?? BOUND_MS})${tail}`);
      assert.equal(r.code, c.code, `exit code${tail}`);
      for (const re of c.says) assert.match(r.output, re, `the output says ${re}${tail}`);
      assert.ok(r.summary, `summary.json was written${tail}`);
      assert.equal(r.summary.workflows[0].exitCode, c.code);
      const first = r.summary.workflows[0].scenarios[0];
      assert.equal(first?.status, 'FAILED', 'the first scenario failed');
      if (c.failing) for (const id of c.failing) assert.ok(r.failing.includes(id), `${id} failed (failing: ${r.failing.join(', ')})${tail}`);
      // A step that threw is marked ✗ … [FAILED]; a failed MUST (which does not stop the scenario) marks its step ✗ and names it.
      if (c.step) assert.match(r.output, new RegExp(`(✗ .*${c.step.source}|in step "[^"]*${c.step.source})`), `the failing step is named${tail}`);
      if (c.code === 2) assert.match(firstFailure(r), /backend/, 'the summary says which backend');
      assert.deepEqual(left, [], `no process of the run remains`);
      const ports = portsOf(r.output).filter((p) => p !== Number(extra?.env.HOSTILE_PORT));
      assert.ok(ports.length, `the run's ports are known from its output${tail}`);
      for (const p of ports) assert.equal(await portAnswers(p), false, `port ${p} of the run still accepts connections`);
    });
  }
});
