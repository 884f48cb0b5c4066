import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
// Types only: playwright-core (~0.4 s to load) is required on first launch, so importing
// harness/browser for the scripted Actor stays cheap.
import type { Browser, BrowserContext, Page, Request as PwRequest } from 'playwright-core';
import type { Journal } from '../trace';
import { startRecordingProxy, type RecordingProxy } from './proxy';
import type { LogicalNetwork } from './network';
import { KitError } from '../errors';

/**
 * Browser mode: a real headless Chromium (Debian's, driven by playwright-core, never a
 * downloaded one) whose every request goes through the recording proxy (proxy.ts), so the
 * SPA's own JavaScript calls land in the same Journal as the rest of the scenario. One
 * ChromiumActor is one user's browser profile (a browser context with its own proxy), a
 * context of the one Chromium the run shares (see acquireBrowser).
 */
export interface ChromiumOptions extends LogicalNetwork {
  /** Journal participant; default 'Browser'. */
  name?: string;
  /** Default /usr/bin/chromium, or $LOGINFLOW_CHROMIUM. */
  executablePath?: string;
  /** Bound on each wait (navigation, network idle, text); default 10000. */
  timeoutMs?: number;
  /**
   * Unmapped domains whose (refused) requests are not journalled: Chromium's own background
   * traffic. Default CHROMIUM_SERVICE_DOMAINS; see backgroundRequests().
   */
  quietDomains?: string[];
}

/**
 * Domains Chromium calls by itself even with background networking disabled (seen with
 * Debian's Chromium 156: update.googleapis.com, content-autofill.googleapis.com when a form
 * is filled, accounts.google.com). The proxy refuses them like any unmapped host; they are
 * kept out of the journal because no page made them.
 */
export const CHROMIUM_SERVICE_DOMAINS = ['google.com', 'googleapis.com', 'gstatic.com', 'gvt1.com', 'gvt2.com', 'googleusercontent.com', 'googlevideo.com', 'doubleclick.net', 'chromium.org'];

export interface BrowserCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite: string;
  /** Seconds since epoch; -1 for a session cookie. */
  expires: number;
}

export function chromiumPath(executablePath?: string): string {
  return executablePath ?? process.env.LOGINFLOW_CHROMIUM ?? '/usr/bin/chromium';
}

/** Whether a Chromium executable is there to launch. */
export function chromiumAvailable(executablePath?: string): boolean {
  try {
    fs.accessSync(chromiumPath(executablePath), fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * One Chromium per run: every actor (each scenario's browser profile, a second user's) is a
 * context of the same browser process, launched on first use and closed when its last actor
 * closes (the environments close theirs at the end of the run). Starting Chromium costs
 * seconds; a context, milliseconds. Keyed by what a launch fixes for good (the executable
 * and the origins treated as secure): environments that map other hosts get a browser of
 * their own rather than a wrong switch.
 */
interface SharedBrowser {
  browser: Browser;
  /** Unique switch on the browser's command line: how its processes are found. */
  marker: string;
  pids: number[];
  users: number;
}
const sharedBrowsers = new Map<string, Promise<SharedBrowser>>();
/** Every launched browser until it is closed, so a process exit never leaves a Chromium behind. */
const live = new Set<SharedBrowser>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous (the launcher turns SIGINT/SIGTERM into an exit too): kill what is left by pid.
  process.on('exit', () => {
    for (const b of live) killPids(b.pids);
  });
}

function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * The switches, and why:
 * - no browser-wide proxy: each actor's contexts get its own recording proxy (Playwright's
 *   per-context proxy, loopback included: it adds `<-loopback>`), so every request a page
 *   makes lands in its scenario's journal; nothing goes around it.
 * - `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`: Chromium itself resolves no
 *   name, so even a request that skipped the proxy (the browser's own, outside any context)
 *   could not leave the machine.
 * - `--unsafely-treat-insecure-origin-as-secure=<every logical http origin>`: the deployment
 *   is https; this makes the logical origins secure contexts (crypto.subtle, Secure cookies)
 *   as they would be there.
 * - `--disable-quic`, `--disable-background-networking`, `--disable-component-update`,
 *   `--disable-sync`, `--no-first-run`: no traffic of Chromium's own.
 */
async function acquireBrowser(executablePath: string, secureOrigins: string[], timeoutMs: number): Promise<{ key: string; shared: SharedBrowser }> {
  const key = JSON.stringify([executablePath, [...secureOrigins].sort()]);
  let p = sharedBrowsers.get(key);
  if (!p) {
    const launching: Promise<SharedBrowser> = (async () => {
      const marker = `--loginflow-actor=${randomBytes(8).toString('hex')}`;
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath,
        headless: true,
        chromiumSandbox: false,
        timeout: Math.max(timeoutMs, 30_000),
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
          ...(secureOrigins.length ? [`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`] : []),
          marker,
        ],
      });
      let pids: number[] = [];
      try {
        pids = execFileSync('pgrep', ['-f', '--', marker.slice(2)], { encoding: 'utf8', timeout: 5000 })
          .split('\n')
          .map((x) => Number(x.trim()))
          .filter((n) => n > 0 && n !== process.pid);
      } catch {
        pids = [];
      }
      launches++;
      const shared: SharedBrowser = { browser, marker, pids, users: 0 };
      live.add(shared);
      installExitHook();
      browser.on('disconnected', () => {
        live.delete(shared);
        if (sharedBrowsers.get(key) === launching) sharedBrowsers.delete(key);
      });
      return shared;
    })();
    p = launching;
    sharedBrowsers.set(key, launching);
    launching.catch(() => sharedBrowsers.get(key) === launching && sharedBrowsers.delete(key));
  }
  const shared = await p;
  shared.users++;
  return { key, shared };
}

/** An actor is done with its browser; the last one closes it (bounded) and kills what is left of it. */
async function releaseBrowser(key: string, shared: SharedBrowser): Promise<void> {
  if (--shared.users > 0) return;
  const mine = sharedBrowsers.get(key);
  if (mine && (await mine.catch(() => undefined)) === shared) sharedBrowsers.delete(key);
  try {
    await withTimeout(shared.browser.close().catch(() => {}), 5000);
  } finally {
    killPids(shared.pids);
    live.delete(shared);
  }
}

let launches = 0;
/** How many Chromiums this process has launched so far (the bench shows it: one per run). */
export function browserLaunches(): number {
  return launches;
}

/** How many Chromiums this process has launched and not yet closed (one per run is the goal). */
export function liveBrowsers(): number {
  return live.size;
}

export class ChromiumActor {
  readonly name: string;
  /** Browser console messages and page errors, in order (a CORS failure shows up here). */
  readonly console: string[] = [];
  private readonly inflight = new Set<PwRequest>();
  /** Requests the pages have started so far (see settle's `since`). */
  private requests = 0;
  private readonly quietWaiters = new Set<() => void>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly shared: SharedBrowser,
    private readonly sharedKey: string,
    private ctx: BrowserContext,
    private current: Page,
    private readonly proxy: RecordingProxy,
    private readonly timeoutMs: number,
    o: ChromiumOptions,
  ) {
    this.name = o.name ?? 'Browser';
    this.attach(ctx, current);
  }

  private get browser(): Browser {
    return this.shared.browser;
  }

  /** Unique switch on the (shared) browser's command line: how its processes are found. */
  get marker(): string {
    return this.shared.marker;
  }

  /**
   * A browser profile (its own context and recording proxy) in the run's Chromium, which the
   * first actor launches (acquireBrowser says with which switches).
   */
  static async launch(o: ChromiumOptions): Promise<ChromiumActor> {
    const executablePath = chromiumPath(o.executablePath);
    if (!chromiumAvailable(executablePath)) throw new KitError(`no Chromium at ${executablePath} (set LOGINFLOW_CHROMIUM or executablePath)`, 'BROWSER_MISSING');
    const timeoutMs = o.timeoutMs ?? 10_000;
    const secureOrigins = Object.keys(o.hosts).map((h) => `http://${h.toLowerCase()}`);
    // The browser and the proxy start at once: neither needs the other until the context.
    const [acquired, proxy] = await Promise.allSettled([
      acquireBrowser(executablePath, secureOrigins, timeoutMs),
      startRecordingProxy({
        name: o.name ?? 'Browser',
        hosts: o.hosts,
        participants: o.participants,
        journal: o.journal,
        unrecordedHosts: o.unrecordedHosts,
        tlsTerminated: o.tlsTerminated,
        timeoutMs,
        quietDomains: o.quietDomains ?? CHROMIUM_SERVICE_DOMAINS,
      }),
    ]);
    if (acquired.status === 'rejected' || proxy.status === 'rejected') {
      if (acquired.status === 'fulfilled') await releaseBrowser(acquired.value.key, acquired.value.shared);
      if (proxy.status === 'fulfilled') await proxy.value.close();
      throw acquired.status === 'rejected' ? acquired.reason : (proxy as PromiseRejectedResult).reason;
    }
    const { key, shared } = acquired.value;
    try {
      const made = await makeContext(shared.browser, proxy.value.url, timeoutMs);
      return new ChromiumActor(shared, key, made.context, made.page, proxy.value, timeoutMs, o);
    } catch (err) {
      await releaseBrowser(key, shared);
      await proxy.value.close();
      throw err;
    }
  }

  /** The browser context (one user's profile: cookies, local storage). */
  get context(): BrowserContext {
    return this.ctx;
  }

  private attach(context: BrowserContext, page: Page): void {
    context.on('request', (r) => {
      this.inflight.add(r);
      this.requests++;
    });
    const done = (r: PwRequest) => {
      this.inflight.delete(r);
      if (this.inflight.size === 0) for (const w of [...this.quietWaiters]) w();
    };
    context.on('requestfinished', done);
    context.on('requestfailed', done);
    context.on('page', (p) => this.watch(p));
    this.watch(page);
  }

  /**
   * A new user: a fresh context (no cookies, no local storage) in the same browser, its
   * traffic going to `journal`. Starting Chromium costs seconds; a context, milliseconds,
   * so a run starts the browser once and gives each scenario its own context.
   */
  async newSession(journal?: Journal, o: { clock?: number } = {}): Promise<void> {
    // The old context closes in the background (bounded): nothing of it is read any more.
    const old = this.ctx;
    void withTimeout(old.close().catch(() => {}), 5000);
    this.inflight.clear();
    this.console.length = 0;
    const clocked = o.clock !== undefined;
    let next = await this.spare?.catch(() => undefined);
    this.spare = undefined;
    if (next && next.clocked === clocked) {
      // The spare's page clock has run on from the world's time when it was made: set it
      // only when the world clock has jumped since (one round trip to the browser saved).
      if (clocked && Math.abs(o.clock! - Date.now() - next.offsetMs) > 1000) await next.context.clock.setSystemTime(o.clock!);
    } else {
      if (next) void withTimeout(next.context.close().catch(() => {}), 5000);
      next = await this.makeContext(o.clock);
    }
    this.ctx = next.context;
    this.current = next.page;
    this.attach(next.context, next.page);
    if (journal) this.useJournal(journal);
    // The next scenario's context is made while this one runs: a context costs a few round
    // trips to the browser, which would otherwise sit on the next scenario's critical path.
    this.spare = this.makeContext(o.clock);
    this.spare.catch(() => undefined);
  }

  private spare: Promise<{ context: BrowserContext; page: Page; clocked: boolean; offsetMs: number }> | undefined;

  /**
   * A fresh context and its page. On the world clock the page's Date starts at the world's
   * time and runs on from there; setClock moves it with the world (Chromium's cookie store
   * keeps real time).
   */
  private async makeContext(clock?: number): Promise<{ context: BrowserContext; page: Page; clocked: boolean; offsetMs: number }> {
    // The offset from real time, as the world clock keeps it: the same while the world does not jump.
    const offsetMs = clock === undefined ? 0 : clock - Date.now();
    const made = await makeContext(this.browser, this.proxy.url, this.timeoutMs, clock);
    return { ...made, clocked: clock !== undefined, offsetMs };
  }

  /** Moves the page clock (Date in every page of the context) to `now`, as a system clock jump: no timer fires early. */
  async setClock(now: number): Promise<void> {
    await this.ctx.clock.setSystemTime(now);
  }

  /** The page being driven (for anything this class does not wrap). */
  get page(): Page {
    return this.current;
  }

  /** Pids of the browser's processes seen at launch (for leak checks). */
  get processIds(): number[] {
    return [...this.shared.pids];
  }

  useJournal(j: Journal): void {
    this.proxy.useJournal(j);
  }

  /** Chromium's own requests the proxy refused without journalling them (see quietDomains). */
  backgroundRequests(): string[] {
    return this.proxy.refusedQuietly();
  }

  /** Navigates to a logical URL; waits for load, then for the network to go quiet (bounded). */
  async goto(url: string): Promise<void> {
    await this.current.goto(url, { waitUntil: 'load', timeout: this.timeoutMs });
    await this.settle();
  }

  /**
   * Fills the login form like a user: the form that has a password input; its login-id field
   * is `fields.loginId` (name or id) or else an email input, or one whose name/id/autocomplete
   * says email/username/login, or the first text input. Submits with the form's submit
   * button, else Enter in the password field; then waits for the network to go quiet.
   */
  async fillAndSubmitLogin(values: { loginId: string; password: string }, fields: { loginId?: string; password?: string } = {}): Promise<void> {
    const page = this.current;
    const formSel = 'form:has(input[type=password])';
    const scope = (await page.locator(formSel).count()) > 0 ? page.locator(formSel).first() : page.locator('body');
    const byName = (n: string) => `input[name="${cssEscape(n)}"], input[id="${cssEscape(n)}"]`;
    const password = scope.locator(fields.password ? byName(fields.password) : 'input[type=password]').first();
    if ((await password.count()) === 0) throw new Error(`no password field${fields.password ? ` "${fields.password}"` : ''} on ${page.url()}`);
    const candidates = fields.loginId
      ? [byName(fields.loginId)]
      : [
          'input[type=email]',
          'input[autocomplete=username], input[autocomplete=email]',
          'input:not([type=hidden]):not([type=password]):not([type=submit]):not([type=checkbox]):not([type=radio])[name*=email i], input:not([type=hidden]):not([type=password])[id*=email i]',
          'input:not([type=hidden]):not([type=password]):not([type=submit]):not([type=checkbox]):not([type=radio])[name*=user i], input:not([type=hidden]):not([type=password])[id*=user i]',
          'input:not([type=hidden]):not([type=password]):not([type=submit]):not([type=checkbox]):not([type=radio])[name*=login i], input:not([type=hidden]):not([type=password])[id*=login i]',
          'input[type=text], input:not([type])',
        ];
    let loginField;
    for (const c of candidates) {
      const l = scope.locator(c).first();
      if ((await l.count()) > 0) {
        loginField = l;
        break;
      }
    }
    if (!loginField) throw new Error(`no login-id field${fields.loginId ? ` "${fields.loginId}"` : ''} in the login form on ${page.url()}`);
    await loginField.fill(values.loginId, { timeout: this.timeoutMs });
    await password.fill(values.password, { timeout: this.timeoutMs });
    const submit = scope.locator('button[type=submit], input[type=submit], button:not([type])').first();
    const since = this.requests;
    if ((await submit.count()) > 0) await submit.click({ timeout: this.timeoutMs });
    else await password.press('Enter', { timeout: this.timeoutMs });
    await this.settle(this.timeoutMs, { since });
  }

  /**
   * Waits until the app has reacted to an action: a JWT shows up in the local storage of
   * `origin` (when the page is on it), or the page's visible text is no longer `before`
   * (an error message, the user's data, a spinner). A condition re-evaluated in the page
   * every few milliseconds, not an idle window: it returns as soon as the app has done
   * something, and only an app that does nothing at all costs the bound. False on timeout.
   */
  async waitForReaction(o: { before: string; origin?: string }, timeoutMs = this.timeoutMs): Promise<boolean> {
    const arg = { before: o.before, origin: o.origin ? new URL(o.origin).origin : '' };
    const reacted = ({ before, origin }: { before: string; origin: string }) => {
      if (origin && location.origin === origin) {
        for (let i = 0; i < localStorage.length; i++) if (/eyJ[A-Za-z0-9_-]+\.eyJ/.test(localStorage.getItem(localStorage.key(i)!) ?? '')) return true;
      }
      return (document.body ? document.body.innerText : '') !== before;
    };
    try {
      await this.current.waitForFunction(reacted, arg, { polling: 10, timeout: timeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  /** True once the page's visible text contains `text`; false after the bound (never throws on timeout). */
  async waitForText(text: string, timeoutMs = this.timeoutMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await this.text()).includes(text)) return true;
      } catch {
        // navigating: the document is being replaced; try again
      }
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
    }
  }

  /** The page's visible text (document.body.innerText). */
  async text(): Promise<string> {
    return this.current.evaluate(() => (document.body ? document.body.innerText : ''));
  }

  /** window.localStorage of an origin, e.g. 'http://store.example.test'. */
  async localStorage(origin: string): Promise<Record<string, string>> {
    return this.onOrigin(origin, () => {
      const out: Record<string, string> = {};
      for (let i = 0; i < window.localStorage.length; i++) {
        const k = window.localStorage.key(i)!;
        out[k] = window.localStorage.getItem(k) ?? '';
      }
      return out;
    });
  }

  /** Sets (or with null removes) one localStorage item of an origin, as page script there would. */
  async setLocalStorage(origin: string, key: string, value: string | null): Promise<void> {
    await this.onOrigin(
      origin,
      ([k, v]) => {
        if (v === null) window.localStorage.removeItem(k);
        else window.localStorage.setItem(k, v);
      },
      [key, value] as [string, string | null],
    );
  }

  /**
   * The cookies Chromium would send to `url` (HttpOnly included; Secure ones too, the logical
   * origins being treated as the https deployment they stand for).
   */
  async cookies(url: string): Promise<BrowserCookie[]> {
    const u = new URL(url);
    const host = u.hostname.toLowerCase();
    const all = await this.context.cookies();
    return all
      .filter((c) => {
        const d = c.domain.toLowerCase();
        const domainOk = d.startsWith('.') ? host === d.slice(1) || host.endsWith(d) : host === d;
        const p = c.path || '/';
        const pathOk = u.pathname === p || u.pathname.startsWith(p.endsWith('/') ? p : p + '/');
        return domainOk && pathOk;
      })
      .map((c) => ({ name: c.name, value: c.value, domain: c.domain, path: c.path, httpOnly: c.httpOnly, secure: c.secure, sameSite: c.sameSite, expires: c.expires }));
  }

  async reload(): Promise<void> {
    await this.current.reload({ waitUntil: 'load', timeout: this.timeoutMs });
    await this.settle();
  }

  async screenshot(file: string): Promise<void> {
    await this.current.screenshot({ path: file, fullPage: true, timeout: this.timeoutMs });
  }

  /** How many requests the pages have started so far: pass it to settle as `since` before an action. */
  get requestCount(): number {
    return this.requests;
  }

  /**
   * Waits until no request is in flight, and (with `since`, a requestCount taken before an
   * action) until the action has started at least one: driven by the request events, no
   * idle window. Bounded by timeoutMs; false instead of throwing when the page never goes
   * quiet (polling) or the action makes no request.
   */
  async settle(timeoutMs = this.timeoutMs, o: { since?: number } = {}): Promise<boolean> {
    const done = () => this.inflight.size === 0 && (o.since === undefined || this.requests > o.since);
    if (done()) return true;
    return new Promise<boolean>((resolve) => {
      const finish = (v: boolean) => {
        clearTimeout(timer);
        clearInterval(poll);
        this.quietWaiters.delete(check);
        resolve(v);
      };
      const check = () => done() && finish(true);
      const timer = setTimeout(() => finish(done()), timeoutMs);
      // A request that starts and ends between two events is seen by this check too.
      const poll = setInterval(check, 25);
      this.quietWaiters.add(check);
    });
  }

  /** Closes this profile's contexts and proxy, and Chromium with the run's last actor. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        try {
          const spare = await this.spare?.catch(() => undefined);
          this.spare = undefined;
          if (spare) await withTimeout(spare.context.close().catch(() => {}), 5000);
          await withTimeout(this.ctx.close().catch(() => {}), 5000);
        } finally {
          await releaseBrowser(this.sharedKey, this.shared);
          await this.proxy.close();
        }
      })();
    }
    return this.closing;
  }

  /** Synchronous last resort (process exit): SIGKILL whatever of this actor's browser still runs. */
  killNow(): void {
    killPids(this.shared.pids);
  }

  // ---- internals ----

  private watch(p: Page): void {
    p.on('console', (m) => this.console.push(`${m.type()}: ${m.text()}`));
    p.on('pageerror', (e) => this.console.push(`pageerror: ${e.message}`));
  }

  /**
   * Runs fn in a document of `origin`: the current page when it is on that origin, else a
   * throw-away page whose navigation Playwright answers itself (an empty document), so
   * nothing reaches the network or the journal (its data: icon stops the favicon request).
   */
  private async onOrigin<A, R>(origin: string, fn: (arg: A) => R, arg?: A): Promise<R> {
    const want = new URL(origin).origin;
    let here: string | undefined;
    try {
      here = new URL(this.current.url()).origin;
    } catch {
      here = undefined;
    }
    // (Playwright's evaluate overloads cannot infer through a generic wrapper.)
    const run = (p: Page) => (p.evaluate as unknown as (f: (a: A) => R, a: A) => Promise<R>).call(p, fn, arg as A);
    if (here === want) return run(this.current);
    const scratch = await this.context.newPage();
    try {
      await scratch.route('**/*', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>loginflow</title><link rel="icon" href="data:,">' }));
      await scratch.goto(want + '/__loginflow_storage__', { timeout: this.timeoutMs });
      return await run(scratch);
    } finally {
      await scratch.close().catch(() => {});
    }
  }
}

/** A fresh context (no cookies, no storage) whose every request goes through `proxyUrl`, and its page. */
async function makeContext(browser: Browser, proxyUrl: string, timeoutMs: number, clock?: number): Promise<{ context: BrowserContext; page: Page }> {
  // Loopback included: with no bypass given, Playwright adds `<-loopback>` to the context's bypass list.
  const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1024, height: 768 }, proxy: { server: proxyUrl } });
  try {
    context.setDefaultTimeout(timeoutMs);
    context.setDefaultNavigationTimeout(timeoutMs);
    // On the world clock the page's Date starts at the world's time and runs on from there.
    if (clock !== undefined) await context.clock.install({ time: clock });
    return { context, page: await context.newPage() };
  } catch (err) {
    await context.close().catch(() => {});
    throw err;
  }
}


function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]).finally(() => clearTimeout(t));
}

function cssEscape(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}
