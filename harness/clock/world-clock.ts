import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KitError } from '../errors';

/**
 * The world clock: the one wall clock everything under test reads. The FusionAuth double
 * (in-process), every backend the kit started (through Debian's libfaketime: each reads its
 * wall clock from a timestamp file the kit rewrites), the kit's cookie jars and Chromium's
 * page clock all move together when a scenario advances it. So a JWT expires because the
 * clock moved past its `exp`, a refresh token past its TTL and a session past the backend's
 * real TTL, without anyone waiting. Monotonic clocks stay real (FAKETIME_DONT_FAKE_MONOTONIC),
 * so the backends' timers and the kit's own bounds are untouched.
 *
 * When that cannot work (no libfaketime, a `url` target the kit did not start, a backend
 * whose clock did not move: a static binary, or a wrapper that drops LD_PRELOAD) the clock
 * is `real`: it cannot be advanced, and the kit falls back to short TTLs, minted expired
 * tokens and bounded waits, and says so.
 */
export type ClockKind = 'world' | 'real';

/** Which clock one backend is on, and how the kit knows. */
export interface BackendClock {
  name: string;
  clock: ClockKind;
  detail: string;
}

/** What the report and summary.json say about the clock of one workflow's run. */
export interface ClockReport {
  kind: ClockKind;
  /** Why this clock (why the world clock could not be used, or how it was verified). */
  reason: string;
  backends: BackendClock[];
  /** The session TTL handed to the backends (SESSION_TTL_SECONDS) and proven. */
  sessionTtlSeconds: number;
}

/** Debian's libfaketime (package `libfaketime`); the MT variant is safe in threaded runtimes (Node, Python). */
export const DEFAULT_FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/** On the world clock backends get a realistic session TTL: 30 minutes. */
export const WORLD_CLOCK_SESSION_TTL_SECONDS = 1800;
/** On the real clock the kit must wait out the TTL, so it stays short (as before the world clock). */
export const REAL_CLOCK_SESSION_TTL_SECONDS = 1;
/** A declared TTL above this is not waited out on the real clock; the short one is handed over instead. */
export const REAL_CLOCK_MAX_TTL_SECONDS = 60;

/**
 * How far ahead a backend's clock is set while it starts: the first answer's `Date` header
 * then proves the preload took effect (a day is far beyond any clock skew or load delay).
 */
export const STARTUP_SKEW_MS = 86_400_000;
/** How close a `Date` header (1 s resolution) must be to the expected time. */
export const DATE_TOLERANCE_MS = 30_000;

/** The libfaketime library to preload, or why there is none. LOGINFLOW_CLOCK=real turns the world clock off. */
export function faketimeLibrary(env: NodeJS.ProcessEnv = process.env): { lib?: string; why?: string } {
  if (env.LOGINFLOW_CLOCK === 'real') return { why: 'LOGINFLOW_CLOCK=real' };
  const lib = env.LOGINFLOW_FAKETIME_LIB || DEFAULT_FAKETIME_LIB;
  if (!fs.existsSync(lib)) return { why: `libfaketime is not installed (${lib} not found; Debian: apt-get install libfaketime)` };
  return { lib };
}

/** One backend's timestamp file: libfaketime re-reads it on every clock read (FAKETIME_NO_CACHE=1). */
export class FaketimeFile {
  constructor(readonly file: string) {}

  /** The environment that puts a process on this file's clock (appended to any LD_PRELOAD it already has). */
  env(lib: string, existingPreload?: string): Record<string, string> {
    return {
      LD_PRELOAD: existingPreload ? `${lib}:${existingPreload}` : lib,
      FAKETIME_TIMESTAMP_FILE: this.file,
      // Timers, timeouts and the kit's bounds stay on real time; only the wall clock moves.
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      // Re-read the file on every call: with the default 10 s cache (or even 1 s) a move would
      // only be seen after a real wait. Measured: about 16 µs per wall-clock read, 1.6 s per
      // 100k reads, against 2 µs with a 1 s cache that would need 1 s waits.
      FAKETIME_NO_CACHE: '1',
    };
  }

  /** Sets the offset from real time. Written to a temporary file and renamed: a reader never sees half a line. */
  write(offsetMs: number): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, `${offsetMs >= 0 ? '+' : '-'}${(Math.abs(offsetMs) / 1000).toFixed(3)}\n`);
    fs.renameSync(tmp, this.file);
  }
}

/** Seconds-resolution `Date` header → ms since epoch, or undefined. */
export function parseDateHeader(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * Did the backend's clock move? `date` is the `Date` header of its first answer, `at` the
 * real time it arrived, `offsetMs` the offset its timestamp file held then.
 */
export function clockMoved(date: number | undefined, at: number, offsetMs: number): { moved: boolean; detail: string } {
  if (date === undefined) return { moved: false, detail: 'its answers carry no Date header, so the kit cannot tell whether its clock moves' };
  const seen = date - at;
  if (Math.abs(seen - offsetMs) <= DATE_TOLERANCE_MS) return { moved: true, detail: `libfaketime: its Date header followed the kit's ${Math.round(offsetMs / 1000)} s skew at start` };
  if (Math.abs(seen) <= DATE_TOLERANCE_MS)
    return { moved: false, detail: `its clock did not move: the Date header of its first answer is real time, not the kit's ${Math.round(offsetMs / 1000)} s skew (a static binary, or a wrapper that drops LD_PRELOAD?)` };
  return { moved: false, detail: `its Date header is ${Math.round(seen / 1000)} s off real time, neither real time nor the kit's skew of ${Math.round(offsetMs / 1000)} s` };
}

export class WorldClock {
  private offset = 0;
  private readonly files: FaketimeFile[] = [];
  private readonly listeners = new Set<(now: number) => Promise<void> | void>();
  /** How far the clock has been moved in total (ms). */
  advancedMs = 0;
  private dir: string | undefined;

  constructor(public kind: ClockKind = 'real') {}

  /** Milliseconds since the epoch on the world clock (real time plus every advance). */
  now(): number {
    return Date.now() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }

  /**
   * A new timestamp file for one backend, under a private temporary directory that `dispose`
   * removes (and the process's exit handler, should the kit be killed first).
   */
  newFile(name: string, initialOffsetMs = this.offset): FaketimeFile {
    if (!this.dir) {
      sweepStaleDirs();
      this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${DIR_PREFIX}${pidNamespace()}-${process.pid}-`));
      liveDirs.add(this.dir);
      installExitCleanup();
    }
    const f = new FaketimeFile(path.join(this.dir, `${name.replace(/[^\w.-]/g, '_')}-${this.files.length}.faketime`));
    f.write(initialOffsetMs);
    this.files.push(f);
    return f;
  }

  /** Puts every backend file on the clock's current offset (after the startup skew, say). */
  sync(): void {
    for (const f of this.files) f.write(this.offset);
  }

  /** Called with the new time after every advance (Chromium contexts move their page clock). Returns an unsubscribe. */
  onAdvance(fn: (now: number) => Promise<void> | void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Moves the world forward by `ms` (never back). Throws on the real clock: callers check `kind`. */
  async advance(ms: number): Promise<void> {
    if (this.kind !== 'world') throw new KitError('the real clock cannot be advanced', 'INTERNAL');
    if (!(ms > 0)) return;
    this.offset += ms;
    this.advancedMs += ms;
    this.sync();
    const now = this.now();
    await Promise.all([...this.listeners].map((l) => l(now)));
  }

  /** Moves the world forward to `t` (ms since epoch) if it is not there yet. */
  advanceTo(t: number): Promise<void> {
    return this.advance(t - this.now());
  }

  dispose(): void {
    this.listeners.clear();
    if (this.dir) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
      this.dir = undefined;
    }
  }
}

const DIR_PREFIX = 'loginflow-clock-';
const liveDirs = new Set<string>();

/**
 * The PID namespace this process sees pids in (`/proc/self/ns/pid`'s inode), or `0` where there
 * is no /proc. A pid only means something inside its namespace: a kit started in another one
 * (the real-app tests run each fixed-port app in its own, `unshare -p`) must not take a live
 * kit's pid for a dead one and remove its clock files mid-run (seen: ENOENT on a
 * `.faketime.tmp` in the OAuth suites while a namespaced kit started).
 */
export function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
  } catch {
    return '0';
  }
}

/**
 * Removes the timestamp directories of kit processes that are gone: a kit killed with
 * SIGKILL cannot clean up after itself, so the next one does (the directory names its PID
 * namespace and pid). Directories of another PID namespace are never judged: their pids
 * cannot be checked from here.
 */
function sweepStaleDirs(): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  const ns = pidNamespace();
  for (const n of names) {
    const m = /^loginflow-clock-(\d+)-(\d+)-/.exec(n);
    if (!m || m[1] !== ns) continue;
    const pid = Number(m[2]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still running
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') continue; // someone else's live process
    }
    fs.rmSync(path.join(os.tmpdir(), n), { recursive: true, force: true });
  }
}
let exitCleanup = false;
function installExitCleanup(): void {
  if (exitCleanup) return;
  exitCleanup = true;
  process.on('exit', () => {
    for (const d of liveDirs) fs.rmSync(d, { recursive: true, force: true });
  });
}
