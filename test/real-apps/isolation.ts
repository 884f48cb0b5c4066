import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Kit runs on the real apps' fixed ports (Express 8080, Flask 5000, FusionAuth 9011) must
 * never meet each other (`node --test` runs two test files at once), another helper's or the
 * developer's own process on those ports, or an app left running by an earlier run.
 *
 * The choice, in order:
 *
 * 1. **A network namespace of its own** per run: `unshare -rnp --fork --mount-proc
 *    --kill-child` (util-linux, no root needed where unprivileged user namespaces are allowed;
 *    as root here it always is). Inside, loopback is private, so every run has its own 8080,
 *    5000 and 9011 and two runs overlap freely; the new PID namespace makes the run's first
 *    process its init, so when it ends the kernel kills every process the run started
 *    (ts-node-dev's child, Flask's reloader, a backend the kit lost track of), even when the
 *    kit itself was SIGKILLed; `--mount-proc` keeps /proc true inside, for the kit's
 *    "port held by pid …" diagnostics. Chromium, the kit and both apps run inside unchanged
 *    (measured here: the OAuth reference in Chromium, 69/69 MUST, 52 s, as outside). What it
 *    needs from the machine: `unshare` and `ip` (to bring the private loopback up).
 * 2. **A lock per fixed port**, where namespaces are not permitted (a container without
 *    CAP_SYS_ADMIN, Ubuntu's AppArmor restriction on unprivileged user namespaces): runs that
 *    need a port take `loginflow-fixed-port-<port>.lock` in the temp dir first, so they run one
 *    after another; a lock whose holder died is taken over; a port held by a process that is no
 *    run of ours is said as such instead of being waited on.
 *
 * Isolation is preferred because a lock only orders our own runs (it cannot stop another
 * program from holding 8080), leaves leftovers to the kit's own process-group cleanup, and
 * serialises what could run two at a time on the machine's two cores.
 */

export type IsolationKind = 'netns' | 'lock';

export interface Isolation {
  kind: IsolationKind;
  /** Why this kind: what the probe found. */
  why: string;
}

const UNSHARE = ['-rnp', '--fork', '--mount-proc', '--kill-child'];
const LO_UP = 'ip link set lo up';

let probed: Isolation | undefined;

/** Whether this machine lets a run have its own network and PID namespace (probed once per process). */
export function isolation(): Isolation {
  if (probed) return probed;
  const r = spawnSync('unshare', [...UNSHARE, 'sh', '-c', LO_UP], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) probed = { kind: 'lock', why: `unshare cannot run (${r.error.message}): fixed-port runs take a port lock instead` };
  else if (r.status !== 0) probed = { kind: 'lock', why: `unshare ${UNSHARE.join(' ')} is not permitted here (${(r.stderr || `exit ${r.status}`).trim()}): fixed-port runs take a port lock instead` };
  else probed = { kind: 'netns', why: 'unshare gives each run its own loopback and PID namespace' };
  return probed;
}

/** `argv` as it runs isolated: inside its own namespaces (netns), or as it is (lock: the caller holds the port locks). */
export function isolatedArgv(argv: string[], kind: IsolationKind = isolation().kind): string[] {
  if (kind === 'lock') return argv;
  // sh brings the private loopback up, then becomes the command (exec), which is the namespace's init.
  return ['unshare', ...UNSHARE, 'sh', '-c', `${LO_UP} && exec "$@"`, 'sh', ...argv];
}

export interface IsolatedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
}

export interface IsolatedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The fixed ports the command's world listens on (the locks taken without namespaces). */
  ports: number[];
  /** Bound on the whole command; its process group is killed when it is reached. */
  timeoutMs: number;
  /** Bound on waiting for another run's port lock. Default 10 minutes. */
  lockWaitMs?: number;
}

/** Runs `argv` isolated (see the module's comment) and returns its exit and output; nothing it started outlives it. */
export async function runIsolated(argv: string[], o: IsolatedOptions): Promise<IsolatedRun> {
  const kind = isolation().kind;
  const release = kind === 'lock' ? await lockPorts(o.ports, o.lockWaitMs ?? 600_000) : () => {};
  try {
    const [cmd, ...args] = isolatedArgv(argv, kind);
    // Its own process group: on a timeout the whole group goes (unshare and sh; then the
    // kernel takes the namespace's processes; without namespaces, the kit's own group).
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, o.timeoutMs);
    return await new Promise<IsolatedRun>((resolve, reject) => {
      child.on('error', (err) => (clearTimeout(timer), reject(err)));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (kind === 'lock') killGroup(child.pid); // anything of the group left behind
        resolve({ code, signal, output, timedOut });
      });
    });
  } finally {
    release();
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

// ---- the port locks ---------------------------------------------------------------------

/** Where the lock of a fixed port lives (shared by every checkout on the machine, like the port). */
export function lockDir(port: number, dir = os.tmpdir()): string {
  return path.join(dir, `loginflow-fixed-port-${port}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the locks of `ports` (in order, so two runs never hold one each and wait for the
 * other), waiting while a live process of ours holds one, taking over one whose holder died;
 * then checks each port is free. Returns the release.
 */
export async function lockPorts(ports: number[], waitMs: number, dir = os.tmpdir()): Promise<() => void> {
  const held: string[] = [];
  const release = () => {
    for (const d of held.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  };
  try {
    for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
      held.push(await lockOne(lockDir(port, dir), waitMs));
      const holder = await portTaken(port);
      if (holder) throw new Error(`port ${port} is taken by a process that is no run of loginflow's tests (${holder}); the real apps need it: stop that process`);
    }
    return release;
  } catch (err) {
    release();
    throw err;
  }
}

/** Takes the lock directory `lock` (see lockPorts) and returns its release. */
export async function takeDirLock(lock: string, waitMs: number): Promise<() => void> {
  const held = await lockOne(lock, waitMs);
  return () => fs.rmSync(held, { recursive: true, force: true });
}

async function lockOne(lock: string, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(readOr(path.join(lock, 'pid'), ''));
    // No pid yet: the holder is between mkdir and write; a dead pid: the holder died holding it.
    if (pid && !alive(pid)) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} is still held by pid ${pid || '?'} after ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** A description of what listens on 127.0.0.1:`port`, or undefined when nothing does. */
function portTaken(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(`something accepts connections on 127.0.0.1:${port}`)));
    s.once('error', () => resolve(undefined));
  });
}
