/**
 * Starts backends under test in their own process groups, hands them the environment
 * contract (see ./contract.ts), waits until they answer HTTP, and makes sure that every
 * process they spawned is gone when the kit is done, interrupted or crashes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Agent, request } from 'undici';
import { DEFAULT_HOSTS, KitError, type TargetConfig } from './config';
import { BIND_HOST, CONTRACT_ENV_NAMES } from './contract';
import { type FaketimeFile, parseDateHeader } from '../clock/world-clock';

export { CONTRACT_ENV_NAMES, CONTRACT_ENV_DOCS } from './contract';

export interface StartedTarget {
  name: string;
  /** The logical host name (PUBLIC_HOST). */
  host: string;
  /** Where to really connect: http://127.0.0.1:PORT (or the configured url). */
  origin: string;
  port: number;
  pid?: number;
  /** The last ~16 KiB of combined stdout/stderr. */
  output(): string;
  /** The process's exit status once it has exited; undefined while running (or for url targets). */
  exited(): { code: number | null; signal: string | null } | undefined;
  /** Stops the whole process group: SIGTERM, then SIGKILL after stopTimeoutMs. Idempotent. */
  stop(): Promise<void>;
  /** The first HTTP answer (the readiness probe's): its `Date` header and when it arrived (real ms), to tell which clock the backend is on. */
  firstAnswer?: { date?: number; at: number };
}

export interface StartOptions {
  configDir: string;
  envMap?: Record<string, string>;
  log?: (line: string) => void;
  /** Use this port instead of a free one (it must not be in use). */
  port?: number;
  /** Readiness bound when the target does not set ready.timeoutMs (e.g. timeouts.startMs). */
  defaultReadyTimeoutMs?: number;
  /** Put the process on the world clock: preload libfaketime reading this timestamp file (see harness/clock). */
  faketime?: { lib: string; file: FaketimeFile };
}

export const OUTPUT_LIMIT = 16 * 1024;
const DEFAULT_READY_TIMEOUT_MS = 15000;
const DEFAULT_READY_INTERVAL_MS = 100;
const DEFAULT_STOP_TIMEOUT_MS = 3000;
const TAIL_LINES = 20;

// ---------------------------------------------------------------------------------------
// Registry and cleanup

interface LiveGroup {
  pgid: number;
  stop(): Promise<void>;
}

const live = new Set<LiveGroup>();
let handlersInstalled = false;
let stopping = false;

function killGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  // Never -0 / -1: those would signal our own group or every process we may signal.
  if (!pgid || pgid <= 1) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    /* ESRCH: already gone */
  }
}

function onExit(): void {
  for (const g of live) killGroup(g.pgid, 'SIGKILL');
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    // Second signal while cleaning up: no more patience.
    onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
  stopping = true;
  try {
    await Promise.race([stopAll(), new Promise((r) => setTimeout(r, 10000).unref())]);
  } finally {
    onExit();
  }
  const ours = signal === 'SIGINT' ? onSigint : onSigterm;
  if (process.listenerCount(signal) > 1) {
    // Somebody else (a test runner, cucumber) handles this signal too; leave the exit to them.
    stopping = false;
    return;
  }
  process.removeListener(signal, ours);
  process.removeListener(signal === 'SIGINT' ? 'SIGTERM' : 'SIGINT', signal === 'SIGINT' ? onSigterm : onSigint);
  process.removeListener('exit', onExit);
  handlersInstalled = false;
  try {
    process.kill(process.pid, signal); // re-raise with the default disposition
  } catch {
    /* fall through */
  }
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function onSigint(): void {
  void onSignal('SIGINT');
}
function onSigterm(): void {
  void onSignal('SIGTERM');
}

/** Installs the exit/SIGINT/SIGTERM cleanup once. Signal listeners do not keep the event loop alive. */
export function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onExit);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
}

/** Stops every target this process started and has not stopped yet. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((g) => g.stop().catch(() => undefined)));
}

// ---------------------------------------------------------------------------------------
// Ports and processes

/** A port on 127.0.0.1 that nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, BIND_HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new KitError('could not allocate a free port', 'PORT_IN_USE'))));
    });
  });
}

/** Does something accept TCP connections on 127.0.0.1:port? */
export function portAnswers(port: number, host = BIND_HOST, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (v: boolean) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    // A TCP self-connect (source port chosen == the free destination port) is not an answer.
    sock.once('connect', () => {
      done(sock.localPort !== port);
    });
    sock.once('error', () => done(false));
  });
}

function readProc(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function procPids(): number[] {
  try {
    return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** [state, pgrp] of a process from /proc/<pid>/stat, or undefined. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  const s = readProc(`/proc/${pid}/stat`);
  if (!s) return undefined;
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], pgrp: Number(rest[2]) };
}

/**
 * Is any non-zombie process left in the group? Zombies count as gone: orphans are reaped
 * by whatever init the machine has, and some containers' PID 1 never reaps.
 */
export function groupAlive(pgid: number): boolean {
  if (!pgid || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!fs.existsSync('/proc/self/stat')) return true;
  for (const pid of procPids()) {
    const st = procStat(pid);
    if (st && st.pgrp === pgid && !isDead(pid, st.state)) return true;
  }
  return false;
}

/**
 * A zombie leader is only dead once all its threads are: the threads share the file table,
 * so the listening socket stays open until the last of them has exited.
 */
function isDead(pid: number, state: string): boolean {
  if (state !== 'Z' && state !== 'X') return false;
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return true;
  }
  return tasks.every((tid) => {
    const s = readProc(`/proc/${pid}/task/${tid}/stat`);
    if (!s) return true;
    const st = s.slice(s.lastIndexOf(')') + 2)[0];
    return st === 'Z' || st === 'X';
  });
}

/** Is this pid gone, or a zombie whose threads have all exited (an orphan nobody reaps)? */
export function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'EPERM';
  }
  const st = procStat(pid);
  return !st || isDead(pid, st.state);
}

/** Best effort (Linux /proc): which processes listen on TCP port `port`? */
export function listenerPids(port: number): { pid: number; cmd: string }[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (readProc(f) ?? '').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1].endsWith(':' + hex) && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  if (!inodes.size) return [];
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of procPids()) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1])) {
        const cmd = (readProc(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
        out.push({ pid, cmd });
        break;
      }
    }
  }
  return out;
}

/** Best effort (Linux /proc): the TCP ports processes of group `pgid` listen on. */
export function groupListeningPorts(pgid: number): number[] {
  if (!pgid || pgid <= 1) return [];
  const byInode = new Map<string, number>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (readProc(f) ?? '').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[3] === '0A') byInode.set(cols[9], parseInt(cols[1].slice(cols[1].lastIndexOf(':') + 1), 16));
    }
  }
  const ports = new Set<number>();
  for (const pid of procPids()) {
    if (procStat(pid)?.pgrp !== pgid) continue;
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && byInode.has(m[1])) ports.add(byInode.get(m[1])!);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** The port an "address already in use" message names (Node: "EADDRINUSE: address already in use 127.0.0.1:3000"). */
function portInUseFrom(output: string): number | undefined {
  const m = /(?:EADDRINUSE|address already in use)[^\n]*?:(\d{2,5})\b/i.exec(output);
  return m ? Number(m[1]) : undefined;
}

function describeListeners(port: number): string {
  const l = listenerPids(port);
  if (!l.length) return 'another process';
  return l.map((x) => `pid ${x.pid}${x.pid === process.pid ? ' (the kit itself)' : ''}${x.cmd ? ` "${x.cmd.slice(0, 120)}"` : ''}`).join(', ');
}

/** Bounded buffer of the latest output bytes. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit = OUTPUT_LIMIT) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    if (this.size > this.limit * 4) this.compact();
  }
  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const kept = all.subarray(Math.max(0, all.length - this.limit));
    this.chunks = [Buffer.from(kept)];
    this.size = kept.length;
  }
  text(): string {
    this.compact();
    return (this.chunks[0] ?? Buffer.alloc(0)).toString('utf8').replace(/^\uFFFD+/, '');
  }
}

function lastLines(text: string, n = TAIL_LINES): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const t = lines.slice(-n).join('\n');
  if (!t) return '(no output)';
  return (lines.length > n ? `... (${lines.length - n} earlier lines)\n` : '') + t;
}

function describeCommand(cmd: string | string[]): string {
  return Array.isArray(cmd) ? cmd.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ') : cmd;
}

/** Replaces ${NAME} with vars[NAME]; unknown names are an error (typos). `$${` stays a literal `${`. */
export function substitute(value: string, vars: Record<string, string>, field: string): string {
  return value.replace(/\$(\$)?\{([^}]*)\}/g, (whole, escaped: string | undefined, name: string) => {
    if (escaped) return whole.slice(1);
    if (!(name in vars))
      throw new KitError(`${field}: "\${${name}}" names no variable; available: ${Object.keys(vars).sort().join(', ')}`, 'CONFIG_INVALID');
    return vars[name];
  });
}

/**
 * The complete environment for a started target: the kit's own environment minus any
 * contract variables, then the contract, PORT/HOST/PUBLIC_HOST, envMap aliases, and the
 * target's own env (with ${NAME} substituted from contract + aliases).
 */
export function buildEnv(
  name: string,
  t: TargetConfig,
  contract: Record<string, string>,
  port: number,
  envMap: Record<string, string> = {},
  faketime?: { lib: string; file: FaketimeFile },
): Record<string, string> {
  const host = targetHost(name, t, contract);
  const vars: Record<string, string> = { SESSION_TTL_SECONDS: '2', ...contract, PORT: String(port), HOST: BIND_HOST, PUBLIC_HOST: host };
  for (const [alias, from] of Object.entries(envMap)) {
    if (!(from in vars)) throw new KitError(`envMap.${alias}: contract variable "${from}" has no value; available: ${Object.keys(vars).sort().join(', ')}`, 'CONFIG_INVALID');
    vars[alias] = vars[from];
  }
  const env: Record<string, string> = {};
  const contractNames: readonly string[] = CONTRACT_ENV_NAMES;
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !contractNames.includes(k)) env[k] = v;
  Object.assign(env, vars);
  for (const [k, v] of Object.entries(t.env ?? {})) env[k] = substitute(v, vars, `${name}.env.${k}`);
  if (faketime) Object.assign(env, faketime.file.env(faketime.lib, env.LD_PRELOAD));
  return env;
}

interface ProbeResult {
  ok: boolean;
  status?: number;
  error?: string;
  /** The answer's Date header (ms since epoch) and when it arrived. */
  date?: number;
  at?: number;
}

async function probe(agent: Agent, url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      reset: true,
    });
    await res.body.dump().catch(() => undefined);
    return { ok: true, status: res.statusCode, date: parseDateHeader(res.headers.date), at: Date.now() };
  } catch (e) {
    const err = e as Error & { code?: string; cause?: { code?: string; message?: string } };
    return { ok: false, error: err.cause?.code ?? err.code ?? err.cause?.message ?? err.message };
  }
}

/** The logical host: the target's own, else the contract's PUBLIC_HOST, else the default for the name. */
function targetHost(name: string, t: TargetConfig, contract: Record<string, string>): string {
  return t.host ?? contract.PUBLIC_HOST ?? DEFAULT_HOSTS[name as keyof typeof DEFAULT_HOSTS] ?? name;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------

/**
 * Starts (or, for `url` targets, just reaches) one backend and resolves once it answers
 * HTTP on ready.path. Throws KitError (after killing what it started) if it exits first
 * or the readiness bound passes.
 */
export async function startTarget(
  name: string,
  t: TargetConfig,
  contract: Record<string, string>,
  o: StartOptions,
): Promise<StartedTarget> {
  // A free port the kit picked can be taken before the backend binds it: any process's
  // port-0 listener (another run's relay or proxy) may be given the same one. Seen on a
  // fresh clone's CI, two kit runs at once. Then the kit picks another and starts the
  // backend again, twice at most; a port the caller chose is never changed.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTargetOnce(name, t, contract, o);
    } catch (err) {
      if (!lostPortRace.has(err as object) || attempt >= 3) throw err;
      o.log?.(`[${name}] another process took its port before it could listen; starting it again on another port (attempt ${attempt + 1} of 3)`);
    }
  }
}

/** Start failures caused by another process taking the kit-picked port first (startTarget retries those). */
const lostPortRace = new WeakSet<object>();

async function startTargetOnce(
  name: string,
  t: TargetConfig,
  contract: Record<string, string>,
  o: StartOptions,
): Promise<StartedTarget> {
  const host = targetHost(name, t, contract);
  const readyPath = t.ready?.path ?? '/';
  const readyTimeout = t.ready?.timeoutMs ?? o.defaultReadyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const interval = t.ready?.intervalMs ?? DEFAULT_READY_INTERVAL_MS;
  const log = o.log ?? (() => undefined);

  if (t.url !== undefined) return reachUrl(name, host, t.url, readyPath, readyTimeout, interval, log);
  if (t.command === undefined) throw new KitError(`${name} backend: neither "command" nor "url" is configured`, 'CONFIG_INVALID');
  const command = t.command;
  const cmdText = describeCommand(command);

  const port = o.port ?? (await freePort());
  if (await portAnswers(port))
    throw new KitError(`${name} backend: port ${port} is already taken by ${describeListeners(port)}; cannot start "${cmdText}" there`, 'PORT_IN_USE');

  const env = buildEnv(name, t, contract, port, o.envMap, o.faketime);
  const cwd = path.resolve(o.configDir, t.cwd ?? '.');
  if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory())
    throw new KitError(`${name} backend: working directory ${cwd} does not exist (cwd ${JSON.stringify(t.cwd ?? '.')} relative to ${o.configDir})`, 'CONFIG_INVALID');
  const [file, args] = Array.isArray(command) ? [command[0], command.slice(1)] : ['/bin/sh', ['-c', command]];

  log(`[${name}] starting ${cmdText} (cwd ${cwd}) on port ${port} as ${host}`);
  const started = Date.now();
  const child: ChildProcess = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;

  const tail = new Tail();
  let status: { code: number | null; signal: string | null } | undefined;
  let spawnError: Error | undefined;
  const exitedP = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve();
    });
    child.once('error', (e) => {
      spawnError = e;
      if (!pgid) {
        status = { code: null, signal: null };
        resolve();
      }
    });
  });
  const partial: Record<string, string> = { out: '', err: '' };
  const onData = (which: 'out' | 'err') => (b: Buffer) => {
    tail.push(b);
    const text = partial[which] + b.toString('utf8');
    const lines = text.split('\n');
    partial[which] = lines.pop() ?? '';
    for (const l of lines) log(`[${name}] ${l.replace(/\r$/, '')}`);
  };
  child.stdout?.on('data', onData('out'));
  child.stderr?.on('data', onData('err'));

  let stopPromise: Promise<void> | undefined;
  const stopTimeout = t.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const group: LiveGroup = {
    pgid: pgid ?? 0,
    stop: () => (stopPromise ??= doStop()),
  };
  async function waitGone(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    for (;;) {
      if (!groupAlive(pgid ?? 0) && (status || !pgid)) return true;
      if (Date.now() >= until) return false;
      await sleep(25);
    }
  }
  async function doStop(): Promise<void> {
    if (pgid) {
      if (groupAlive(pgid)) {
        killGroup(pgid, 'SIGTERM');
        if (!(await waitGone(stopTimeout))) {
          log(`[${name}] did not stop within ${stopTimeout} ms of SIGTERM; sending SIGKILL`);
          killGroup(pgid, 'SIGKILL');
          if (!(await waitGone(5000))) {
            killGroup(pgid, 'SIGKILL');
            throw new KitError(`${name} backend (process group ${pgid}) is still alive 5 s after SIGKILL`, 'BACKEND_STOP');
          }
        }
      }
      await Promise.race([exitedP, sleep(1000)]);
    }
    for (const l of Object.keys(partial)) if (partial[l]) log(`[${name}] ${partial[l]}`), (partial[l] = '');
    child.stdout?.destroy();
    child.stderr?.destroy();
    live.delete(group);
  }
  if (pgid) {
    installCleanupHandlers();
    live.add(group);
  }

  const target: StartedTarget = {
    name,
    host,
    origin: `http://${BIND_HOST}:${port}`,
    port,
    pid: pgid,
    output: () => tail.text(),
    exited: () => status,
    stop: () => group.stop(),
  };

  const fail = async (msg: string, portTaken = false): Promise<never> => {
    await group.stop().catch(() => undefined);
    const err = new KitError(`${msg}\n--- last output of ${name} backend ---\n${lastLines(tail.text())}`, 'BACKEND_START');
    // Only a port the kit picked is worth another try; one the caller gave stays taken.
    if (portTaken && o.port === undefined) lostPortRace.add(err);
    throw err;
  };

  const url = `http://${BIND_HOST}:${port}${readyPath}`;
  const agent = new Agent({ keepAliveTimeout: 10, connections: 1 });
  const deadline = started + readyTimeout;
  let last: ProbeResult = { ok: false, error: 'not tried' };
  let tries = 0;
  try {
    for (;;) {
      if (status || spawnError) break;
      const left = deadline - Date.now();
      if (left <= 0) break;
      last = await probe(agent, url, Math.max(50, Math.min(1000, left)));
      tries++;
      if (last.ok) break;
      if (status) break;
      await Promise.race([sleep(Math.min(interval, Math.max(0, deadline - Date.now()))), exitedP]);
    }
  } finally {
    await agent.destroy().catch(() => undefined);
  }

  const inUse = /EADDRINUSE|address already in use/i;
  if (spawnError) {
    const code = (spawnError as NodeJS.ErrnoException).code;
    return fail(`${name} backend could not be started: ${code === 'ENOENT' ? `command not found: ${file}` : spawnError.message} (command: ${cmdText}, cwd ${cwd})`);
  }
  if (status && !last.ok) {
    await Promise.race([new Promise((r) => child.stdout?.once('close', r)), sleep(200)]); // drain the last words
    const how = status.signal ? `was killed by signal ${status.signal}` : `exited with code ${status.code}`;
    const other = portInUseFrom(tail.text());
    const why = !inUse.test(tail.text())
      ? ''
      : other !== undefined && other !== port
        ? ` (its output says port ${other} is already in use, held by ${describeListeners(other)}; but the kit gave it PORT=${port}: it must listen on the PORT it is given, or map PORT with envMap)`
        : ` (its output says the address is already in use: port ${port} is held by ${describeListeners(port)})`;
    return fail(`${name} backend ${how} before it was ready${why}: command ${cmdText}`, inUse.test(tail.text()) && (other === undefined || other === port));
  }
  if (!last.ok) {
    const elsewhere = pgid && !status ? groupListeningPorts(pgid).filter((p) => p !== port) : [];
    return fail(
      `${name} backend did not become ready within ${readyTimeout} ms: GET ${url} got no HTTP answer after ${tries} tries ` +
        `(last error: ${last.error}); port ${port}, command: ${cmdText}, cwd ${cwd}` +
        (elsewhere.length
          ? `; it listens on port ${elsewhere.join(', ')} instead: it must listen on the PORT it is given (${port}), or map PORT with envMap`
          : '; is it listening on HOST:PORT from its environment, and does ready.timeoutMs leave it enough time?'),
    );
  }
  if (status) {
    // Something answered, but our process is gone: the port belongs to someone else.
    const how = status.signal ? `was killed by signal ${status.signal}` : `exited with code ${status.code}`;
    return fail(`${name} backend ${how}, yet port ${port} answered: it is held by ${describeListeners(port)}, not by "${cmdText}"`, true);
  }
  if (inUse.test(tail.text())) {
    // It says it could not bind; if /proc shows the listener outside our group, it is not ours.
    const listeners = listenerPids(port);
    if (listeners.length && !listeners.some((l) => procStat(l.pid)?.pgrp === pgid))
      return fail(`${name} backend reported EADDRINUSE and port ${port} is held by ${describeListeners(port)}, not by "${cmdText}"`);
  }
  log(`[${name}] ready on ${target.origin} after ${Date.now() - started} ms (GET ${readyPath} -> ${last.status})`);
  target.firstAnswer = { date: last.date, at: last.at ?? Date.now() };
  return target;
}

async function reachUrl(
  name: string,
  host: string,
  url: string,
  readyPath: string,
  readyTimeout: number,
  interval: number,
  log: (line: string) => void,
): Promise<StartedTarget> {
  const base = new URL(url);
  const origin = url.replace(/\/+$/, '');
  const port = base.port ? Number(base.port) : base.protocol === 'https:' ? 443 : 80;
  const probeUrl = origin + readyPath;
  const agent = new Agent({ keepAliveTimeout: 10, connections: 1 });
  const started = Date.now();
  const deadline = started + readyTimeout;
  let last: ProbeResult = { ok: false, error: 'not tried' };
  try {
    for (;;) {
      last = await probe(agent, probeUrl, Math.max(50, Math.min(1000, deadline - Date.now())));
      if (last.ok || Date.now() + interval >= deadline) break;
      await sleep(interval);
    }
  } finally {
    await agent.destroy().catch(() => undefined);
  }
  if (!last.ok)
    throw new KitError(`${name} backend at ${url} (configured "url", not started by the kit) did not answer GET ${probeUrl} within ${readyTimeout} ms (last error: ${last.error})`, 'BACKEND_START');
  log(`[${name}] reachable at ${origin} (GET ${readyPath} -> ${last.status})`);
  return {
    name,
    host,
    origin,
    port,
    output: () => '',
    exited: () => undefined,
    stop: async () => undefined,
  };
}
