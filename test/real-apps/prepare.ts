import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flaskApp, underCi } from '../prerequisites';
import { takeDirLock } from './isolation';

/**
 * FusionAuth's quickstart apps (../shared/real-apps, read-only and verbatim), prepared to run
 * unmodified: the app's whole folder (complete-application/, kickstart/, .env…) copied to a
 * temporary directory, made writable, and given what it needs to start —
 *
 * - express-web: its node_modules from its own package-lock.json (`npm ci`). Within one
 *   `npm test` (scripts/run-tests.js sets LOGINFLOW_TEST_RUN_DIR, and removes it at the end)
 *   it is installed once and shared by every test file through a symlink, under a lock, so two
 *   files running at once install it once; a test file run on its own installs into its copy.
 * - flask-web: Debian's /usr/bin/flask with python3-flask, -authlib, -dotenv, -requests (the
 *   `python3` on a developer's PATH may be another one without them).
 *
 * `remove()` deletes the copy. A missing prerequisite is a skip with the reason locally, a
 * failure under CI=true (as test/prerequisites.ts has it for Chromium and PlantUML).
 */

export type RealAppName = 'express-web' | 'flask-web';

export const REAL_APPS_DIR = path.resolve(__dirname, '../../../shared/real-apps');

export interface PreparedApp {
  name: RealAppName;
  /** The temporary copy of the app's folder. */
  root: string;
  /** Its complete-application/: where the app starts. */
  app: string;
  /** Its kickstart/kickstart.json. */
  kickstart: string;
  /** A temp dir inside the copy for the app's own temp files (TMPDIR): ts-node-dev writes its hooks there. */
  tmp: string;
  /** The command that starts it, as FusionAuth's README for it says. */
  command: string[];
  /** The fixed ports its world listens on: the app's and FusionAuth's. */
  ports: number[];
  remove(): void;
}

export type Prepared = PreparedApp | { skip: string };

const SPEC: Record<RealAppName, { command: string[]; ports: number[] }> = {
  'express-web': { command: ['npm', 'run', 'dev'], ports: [8080, 9011] },
  'flask-web': { command: ['/usr/bin/flask', '--app', 'server.py', 'run'], ports: [5000, 9011] },
};

/** The temp copy of `name`, ready to start; or why it cannot be (a skip locally; under CI this throws). */
export async function prepareRealApp(name: RealAppName): Promise<Prepared> {
  if (name === 'flask-web' && !flaskApp.available()) return missing(flaskApp.skip(`the ${name} tests`) || 'Flask prerequisites missing', () => flaskApp.require());
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `loginflow-${name}-`));
  const remove = () => fs.rmSync(root, { recursive: true, force: true });
  try {
    fs.cpSync(path.join(REAL_APPS_DIR, name), root, { recursive: true });
    makeWritable(root);
    const app = path.join(root, 'complete-application');
    const tmp = path.join(root, 'tmp');
    fs.mkdirSync(tmp);
    if (name === 'express-web') {
      const why = await installNodeModules(app);
      if (why) {
        remove();
        return missing(`SKIPPED the ${name} tests: ${why}; to run them: make the npm registry (or a warm npm cache) reachable`, () => {
          throw new Error(`CI=true and ${why}`);
        });
      }
    }
    return { name, root, app, kickstart: path.join(root, 'kickstart', 'kickstart.json'), tmp, ...SPEC[name], remove };
  } catch (err) {
    remove();
    throw err;
  }
}

function missing(skip: string, failUnderCi: () => void): { skip: string } {
  if (underCi()) failUnderCi();
  return { skip };
}

/** The source is read-only (r-x); the copy keeps its modes, and the app and npm write into it. */
function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) makeWritable(p);
    else if (e.isFile()) fs.chmodSync(p, 0o644);
  }
}

/** node_modules for the Express app: the run's shared install (symlinked), else its own; the reason when npm fails. */
async function installNodeModules(app: string): Promise<string | undefined> {
  const runDir = process.env.LOGINFLOW_TEST_RUN_DIR;
  if (!runDir || !fs.existsSync(runDir)) return npmCi(app);
  const lockFile = fs.readFileSync(path.join(app, 'package-lock.json'));
  const shared = path.join(runDir, `express-web-${createHash('sha256').update(lockFile).digest('hex').slice(0, 16)}`);
  // One installer at a time (bounded by one npm ci); a lock left by a test file that died is taken over.
  const release = await takeDirLock(`${shared}.lock`, 300_000);
  try {
    if (!fs.existsSync(path.join(shared, '.installed'))) {
      fs.rmSync(shared, { recursive: true, force: true });
      fs.mkdirSync(shared, { recursive: true });
      for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(app, f), path.join(shared, f));
      const why = await npmCi(shared);
      if (why) return why;
      fs.writeFileSync(path.join(shared, '.installed'), '');
    }
  } finally {
    release();
  }
  fs.symlinkSync(path.join(shared, 'node_modules'), path.join(app, 'node_modules'), 'dir');
  return undefined;
}

/** `npm ci` in `dir` (bounded, no install scripts: none of the app's packages needs one); the reason when it fails. */
function npmCi(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 180_000);
    child.on('error', (err) => (clearTimeout(timer), resolve(`npm cannot run (${err.message})`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : `npm ci failed in the Express app's copy (exit ${code}): ${out.trim().split('\n').slice(-3).join(' | ')}`);
    });
  });
}
