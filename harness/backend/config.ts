/**
 * The loginflow config file: which backends to run (or reach) for the Store and the
 * Forums, how to tell them apart from the FusionAuth double, and which routes they serve.
 *
 * The loader is strict on purpose: a typo'd key silently falling back to a default would
 * make a conformance run test something other than what the author meant, so every
 * unknown key is an error, and every error names the file, the field, the bad value and
 * what is allowed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTRACT_ENV_NAMES } from './contract';

/** A configuration mistake (bad file, bad field): exit code 2 material. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The kit could not do its job (a backend never starts, a port is taken...): exit code 2 material. */
export class KitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KitError';
  }
}

export interface Routes {
  home: string;
  login: string;
  /** Where the login form is posted; default: the form's own action. */
  loginPost?: string;
  cart: string;
  posts: string;
  apiCart: string;
  apiPosts: string;
}

export const DEFAULT_ROUTES: Readonly<Routes> = Object.freeze({
  home: '/',
  login: '/login',
  cart: '/shopping-cart',
  posts: '/posts',
  apiCart: '/api/load-shopping-cart',
  apiPosts: '/api/load-posts',
});

export interface ReadyConfig {
  /** Path polled until any HTTP response arrives; default '/'. */
  path?: string;
  /** Bound on the whole readiness wait; default 15000. */
  timeoutMs?: number;
  /** Pause between tries; default 100. */
  intervalMs?: number;
}

export interface TargetConfig {
  /** Logical host name; defaults 'store.example.test' / 'forums.example.test'. */
  host?: string;
  /** Start command: argv array preferred; a string is run via /bin/sh -c. */
  command?: string | string[];
  /** Or an already-running backend (then nothing is started or stopped). */
  url?: string;
  /** Working directory, relative to the config file's directory. */
  cwd?: string;
  /** Extra environment; values may use ${NAME} from the contract environment. */
  env?: Record<string, string>;
  ready?: ReadyConfig;
  /** SIGTERM, then SIGKILL after this many ms; default 3000. */
  stopTimeoutMs?: number;
  routes?: Partial<Routes>;
  /** Form field names; default: read from the login form. */
  loginFields?: { loginId?: string; password?: string };
  /** How an authenticated page proves whose it is; default: it contains the user's email. */
  identity?: { contains?: string };
}

export interface LoginflowConfig {
  workflow?: string;
  store: TargetConfig;
  forums: TargetConfig;
  /** App's own env name -> contract name, e.g. {"FA_BASE": "FUSIONAUTH_URL"}. */
  envMap?: Record<string, string>;
  /** Options for the FusionAuth double, passed through untyped here. */
  fusionauth?: Record<string, unknown>;
  /** Declared supported variants, passed through. */
  variants?: Record<string, unknown>;
  /** Default 2. */
  sessionTtlSeconds?: number;
  timeouts?: { requestMs?: number; startMs?: number };
}

export type LoadedConfig = LoginflowConfig & { configDir: string; configFile: string };

export const DEFAULT_HOSTS = Object.freeze({ store: 'store.example.test', forums: 'forums.example.test' });
export const DEFAULT_SESSION_TTL_SECONDS = 2;

export const TARGET_NAMES = ['store', 'forums'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

const TOP_KEYS = ['$schema', 'workflow', 'store', 'forums', 'envMap', 'fusionauth', 'variants', 'sessionTtlSeconds', 'timeouts'];
const TARGET_KEYS = ['host', 'command', 'url', 'cwd', 'env', 'ready', 'stopTimeoutMs', 'routes', 'loginFields', 'identity'];
const READY_KEYS = ['path', 'timeoutMs', 'intervalMs'];
const ROUTE_KEYS = ['home', 'login', 'loginPost', 'cart', 'posts', 'apiCart', 'apiPosts'];
const LOGIN_FIELD_KEYS = ['loginId', 'password'];
const IDENTITY_KEYS = ['contains'];
const TIMEOUT_KEYS = ['requestMs', 'startMs'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  const s = JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Damerau-free Levenshtein, for "did you mean" on typo'd keys. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
  return d[a.length][b.length];
}

class Checker {
  constructor(readonly file: string) {}

  fail(field: string, value: unknown, allowed: string): never {
    throw new ConfigError(`${this.file}: ${field} is ${show(value)} (${typeName(value)}); expected ${allowed}`);
  }

  object(field: string, v: unknown): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, v, 'an object');
    return v as Record<string, unknown>;
  }

  keys(field: string, o: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (allowed.includes(k)) continue;
      const near = allowed.filter((a) => a !== '$schema').sort((x, y) => distance(k, x) - distance(k, y))[0];
      const hint = near && distance(k, near) <= Math.max(2, Math.floor(k.length / 3)) ? ` (did you mean "${near}"?)` : '';
      const where = field ? `${field}.${k}` : k;
      throw new ConfigError(`${this.file}: unknown key "${where}"${hint}; allowed keys${field ? ` in ${field}` : ''}: ${allowed.join(', ')}`);
    }
  }

  string(field: string, v: unknown, opts: { nonEmpty?: boolean; pattern?: RegExp; what?: string } = {}): string {
    if (typeof v !== 'string') this.fail(field, v, opts.what ?? 'a string');
    if (opts.nonEmpty !== false && v === '') this.fail(field, v, opts.what ?? 'a non-empty string');
    if (opts.pattern && !opts.pattern.test(v)) this.fail(field, v, opts.what ?? `a string matching ${opts.pattern}`);
    return v;
  }

  integer(field: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.fail(field, v, `an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}`);
    return v;
  }

  stringMap(field: string, v: unknown, valuePattern?: RegExp, valueWhat?: string): Record<string, string> {
    const o = this.object(field, v);
    for (const [k, val] of Object.entries(o)) {
      if (!ENV_NAME.test(k)) throw new ConfigError(`${this.file}: ${field} has key ${show(k)}; expected an environment variable name (letters, digits, _; not starting with a digit)`);
      this.string(`${field}.${k}`, val, { nonEmpty: false, pattern: valuePattern, what: valueWhat });
    }
    return o as Record<string, string>;
  }
}

function checkRoute(c: Checker, field: string, v: unknown): string {
  return c.string(field, v, { pattern: /^\/[^\s]*$/, what: 'a path starting with "/" (no spaces)' });
}

function checkTarget(c: Checker, name: string, v: unknown): TargetConfig {
  if (v === undefined) throw new ConfigError(`${c.file}: "${name}" is missing; expected an object with "command" (to start the ${name} backend) or "url" (an already-running one)`);
  const t = c.object(name, v);
  c.keys(name, t, TARGET_KEYS);
  const out: TargetConfig = {};
  if (t.command !== undefined && t.url !== undefined)
    throw new ConfigError(`${c.file}: ${name} has both "command" and "url"; expected exactly one of them`);
  if (t.command === undefined && t.url === undefined)
    throw new ConfigError(`${c.file}: ${name} has neither "command" nor "url"; expected exactly one of them (a start command, or the URL of a running backend)`);
  if (t.command !== undefined) {
    const cmd = t.command;
    if (typeof cmd === 'string') out.command = c.string(`${name}.command`, cmd, { what: 'a non-empty string or a non-empty array of strings' });
    else if (Array.isArray(cmd) && cmd.length > 0 && cmd.every((x) => typeof x === 'string') && cmd[0] !== '') out.command = [...cmd];
    else c.fail(`${name}.command`, cmd, 'a non-empty string (run via /bin/sh -c) or a non-empty array of strings (argv)');
  }
  if (t.url !== undefined) {
    const u = c.string(`${name}.url`, t.url, { what: 'an http:// or https:// URL' });
    let parsed: URL | undefined;
    try {
      parsed = new URL(u);
    } catch {
      /* reported below */
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) c.fail(`${name}.url`, u, 'an http:// or https:// URL');
    out.url = u.replace(/\/+$/, '');
    if (t.cwd !== undefined || t.env !== undefined || t.stopTimeoutMs !== undefined)
      throw new ConfigError(`${c.file}: ${name} has "url" together with ${['cwd', 'env', 'stopTimeoutMs'].filter((k) => t[k] !== undefined).map((k) => `"${k}"`).join(', ')}; those only apply to a started "command"`);
  }
  out.host = t.host === undefined ? DEFAULT_HOSTS[name as TargetName] : c.string(`${name}.host`, t.host, { pattern: HOST_NAME, what: 'a host name such as "store.example.test"' });
  if (t.cwd !== undefined) out.cwd = c.string(`${name}.cwd`, t.cwd, { what: 'a directory path (relative to the config file)' });
  if (t.env !== undefined) out.env = { ...c.stringMap(`${name}.env`, t.env) };
  if (t.ready !== undefined) {
    const r = c.object(`${name}.ready`, t.ready);
    c.keys(`${name}.ready`, r, READY_KEYS);
    out.ready = {};
    if (r.path !== undefined) out.ready.path = checkRoute(c, `${name}.ready.path`, r.path);
    if (r.timeoutMs !== undefined) out.ready.timeoutMs = c.integer(`${name}.ready.timeoutMs`, r.timeoutMs, 1);
    if (r.intervalMs !== undefined) out.ready.intervalMs = c.integer(`${name}.ready.intervalMs`, r.intervalMs, 1);
  }
  if (t.stopTimeoutMs !== undefined) out.stopTimeoutMs = c.integer(`${name}.stopTimeoutMs`, t.stopTimeoutMs, 0);
  if (t.routes !== undefined) {
    const r = c.object(`${name}.routes`, t.routes);
    c.keys(`${name}.routes`, r, ROUTE_KEYS);
    out.routes = {};
    for (const k of ROUTE_KEYS) if (r[k] !== undefined) (out.routes as Record<string, string>)[k] = checkRoute(c, `${name}.routes.${k}`, r[k]);
  }
  if (t.loginFields !== undefined) {
    const r = c.object(`${name}.loginFields`, t.loginFields);
    c.keys(`${name}.loginFields`, r, LOGIN_FIELD_KEYS);
    out.loginFields = {};
    for (const k of LOGIN_FIELD_KEYS) if (r[k] !== undefined) (out.loginFields as Record<string, string>)[k] = c.string(`${name}.loginFields.${k}`, r[k], { what: 'a form field name' });
  }
  if (t.identity !== undefined) {
    const r = c.object(`${name}.identity`, t.identity);
    c.keys(`${name}.identity`, r, IDENTITY_KEYS);
    out.identity = {};
    if (r.contains !== undefined) out.identity.contains = c.string(`${name}.identity.contains`, r.contains, { what: 'a non-empty string' });
  }
  return out;
}

/**
 * Validates an already-parsed config object. `file` is only used in messages and to
 * resolve `configDir`-relative paths later; exported for callers that build configs in code.
 */
export function validateConfig(raw: unknown, file = '<config>'): LoginflowConfig {
  const c = new Checker(file);
  const o = c.object('the top level', raw);
  c.keys('', o, TOP_KEYS);
  const cfg: LoginflowConfig = {
    store: checkTarget(c, 'store', o.store),
    forums: checkTarget(c, 'forums', o.forums),
  };
  if (cfg.store.host === cfg.forums.host)
    throw new ConfigError(`${file}: store.host and forums.host are both ${show(cfg.store.host)}; expected two different host names`);
  if (o.workflow !== undefined) cfg.workflow = c.string('workflow', o.workflow, { what: 'a workflow name' });
  if (o.envMap !== undefined) {
    const names: readonly string[] = CONTRACT_ENV_NAMES;
    const m = c.stringMap('envMap', o.envMap, ENV_NAME, `one of the contract variables: ${names.join(', ')}`);
    for (const [alias, target] of Object.entries(m)) {
      if (!names.includes(target)) c.fail(`envMap.${alias}`, target, `one of the contract variables: ${names.join(', ')}`);
      if (names.includes(alias))
        throw new ConfigError(`${file}: envMap has key "${alias}", which is itself a contract variable; expected the app's own name for ${show(target)} (a name that is not one of: ${names.join(', ')})`);
    }
    cfg.envMap = { ...m };
  }
  if (o.fusionauth !== undefined) cfg.fusionauth = c.object('fusionauth', o.fusionauth);
  if (o.variants !== undefined) cfg.variants = c.object('variants', o.variants);
  cfg.sessionTtlSeconds = o.sessionTtlSeconds === undefined ? DEFAULT_SESSION_TTL_SECONDS : c.integer('sessionTtlSeconds', o.sessionTtlSeconds, 1, 86400);
  if (o.timeouts !== undefined) {
    const t = c.object('timeouts', o.timeouts);
    c.keys('timeouts', t, TIMEOUT_KEYS);
    cfg.timeouts = {};
    if (t.requestMs !== undefined) cfg.timeouts.requestMs = c.integer('timeouts.requestMs', t.requestMs, 1);
    if (t.startMs !== undefined) cfg.timeouts.startMs = c.integer('timeouts.startMs', t.startMs, 1);
  }
  return cfg;
}

/** Reads and validates a JSON config file; throws ConfigError naming the file and field. */
export function loadConfig(file: string): LoadedConfig {
  const configFile = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(configFile, 'utf8');
  } catch (e) {
    throw new ConfigError(`${configFile}: cannot read config file: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${configFile}: not valid JSON: ${(e as Error).message}`);
  }
  const cfg = validateConfig(raw, configFile);
  return { ...cfg, configDir: path.dirname(configFile), configFile };
}

/** The target's routes with defaults filled in (loginPost stays undefined unless configured). */
export function resolveRoutes(t: TargetConfig): Routes {
  const r: Routes = { ...DEFAULT_ROUTES };
  for (const [k, v] of Object.entries(t.routes ?? {})) if (v !== undefined) (r as unknown as Record<string, string>)[k] = v;
  return r;
}
