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
import { REAL_CLOCK_SESSION_TTL_SECONDS } from '../clock/world-clock';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { CONTRACT_ENV_NAMES } from './contract';
import { VARIANTS, VARIANT_NAMES, type VariantName } from './variants';
import { type ErrorCode, LoginflowError } from '../errors';
import { nearest as nearestOf } from '../common/near-miss';

/** A configuration mistake (bad file, bad field): exit code 2 material. */
export class ConfigError extends LoginflowError {
  constructor(message: string, code: ErrorCode = 'CONFIG_INVALID') {
    super(code, message);
    this.name = 'ConfigError';
  }
}

/** The kit could not do its job (a backend never starts, a port is taken...): exit code 2 material; the code says which. */
export { KitError } from '../errors';

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
  /** How the app logs a user in: its HTML form (default), or a JSON POST from its front end. */
  login?: LoginConfig;
}

/** `login` of a target: see the schema's descriptions. */
export interface LoginConfig {
  mode?: 'form' | 'json';
  /** Where the JSON login is posted (required with mode json). */
  path?: string;
  /** The app's names for the login id and the password (JSON keys, or form fields). */
  fields?: { loginId?: string; password?: string };
  /** More JSON members sent as they are. */
  extra?: Record<string, unknown>;
  /** The member of a JSON answer naming where to go next. */
  next?: string;
  /** Browser mode: what to click (CSS selector or visible text) to show the login form. */
  reveal?: string;
}

export interface LoginflowConfig {
  workflow?: string;
  store: TargetConfig;
  /** Absent: one application declared; the scenarios about the second one are not applicable. */
  forums?: TargetConfig;
  /** App's own env name -> contract name, e.g. {"FA_BASE": "FUSIONAUTH_URL"}. */
  envMap?: Record<string, string>;
  /** Options for the FusionAuth double (DoubleOptions; their types are checked by the schema). */
  fusionauth?: Record<string, unknown>;
  /** Declared supported values of each variant (checked by the schema). */
  variants?: Record<string, unknown>;
  /** The backend's session TTL (SESSION_TTL_SECONDS). Default: 1800 on the world clock, 1 on the real clock (harness/clock). */
  sessionTtlSeconds?: number;
  timeouts?: { requestMs?: number; startMs?: number };
  /**
   * Default true: the kit plays the TLS terminator in front of the backends (X-Forwarded-Proto:
   * https, X-Forwarded-Host on every request to them; docs/tls.md). false: it sends neither,
   * for an app that must see plain HTTP.
   */
  tls?: boolean;
  /** Path of an expected-failures file, relative to the config file (for the CI gate). */
  expectedFailures?: string;
  /** Things the config is allowed to say but the kit cannot honour fully (printed by `run`). */
  warnings?: string[];
}

export type LoadedConfig = LoginflowConfig & { configDir: string; configFile: string };

export const DEFAULT_HOSTS = Object.freeze({ store: 'store.example.test', forums: 'forums.example.test' });

import { TARGET_NAMES, type TargetName } from '../common/apps';
export { TARGET_NAMES, type TargetName, ONE_APP_REASON } from '../common/apps';

/**
 * The JSON Schema of this file format. It ships with the package so editors can use it
 * (`"$schema": "node_modules/loginflow/harness/backend/loginflow.schema.json"` shows each field's
 * description while typing and flags typos), and it is what `validateConfig` checks first.
 */
export const CONFIG_SCHEMA_PATH = path.join(__dirname, 'loginflow.schema.json');

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; definitions?: Record<string, Schema> };
let schemaCache: Schema | undefined;
export function configSchema(): Schema {
  return (schemaCache ??= withTableVariants(JSON.parse(fs.readFileSync(CONFIG_SCHEMA_PATH, 'utf8')) as Schema));
}

/**
 * The variants and their values are the one table's (harness/backend/variants VARIANTS, the
 * one list): the kit validates against it, whatever the shipped file says; the file keeps a
 * copy with descriptions for editors, which test/structure/registry.test.ts holds equal to it.
 */
function withTableVariants(schema: Schema): Schema {
  const variants = schema.properties?.variants;
  if (!variants) return schema;
  const own = variants.properties ?? {};
  variants.properties = Object.fromEntries(
    // The file's order first (messages list the keys in it), then any variant the file lacks.
    [...Object.keys(own).filter((n) => n in VARIANTS), ...VARIANT_NAMES.filter((n) => !(n in own))].map((name) => [
      name,
      { type: 'array', minItems: 1, uniqueItems: true, ...own[name], items: { enum: [...VARIANTS[name as VariantName].values] } },
    ]),
  );
  // The double's own settings of the same names (the `fusionauth` section) take the same values.
  const fa = schema.properties?.fusionauth?.properties ?? {};
  for (const name of VARIANT_NAMES) if (fa[name]?.enum) fa[name] = { ...fa[name], enum: [...VARIANTS[name].values] };
  return schema;
}

/*
 * Why ajv and not only hand-written checks: the schema is the one description of the format,
 * shared by the kit and by editors. Validating with a real JSON Schema validator (ajv, compiled
 * once) means whatever an editor accepts the kit accepts, and a field added to the schema is
 * checked without a second implementation drifting from it. ajv's own messages ("must be
 * integer") name neither the file, the value nor the alternatives, so `schemaMessages` turns
 * each error into this loader's format, using the schema itself (enum, minimum, properties and
 * an `x-expected` phrase where a pattern needs words) for "what is allowed". What the schema
 * does not say (the two hosts differ, which JSON Schema cannot compare; an envMap alias is not
 * itself a contract variable, kept here for its pointed message) and the normalisation
 * (defaults, a url's trailing slash) stay in code below.
 */
let compiled: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (compiled) return compiled;
  // strictRequired would reject the `oneOf: [{required: [command]}, {required: [url]}]` idiom;
  // strictTuples the argv tuple (first item non-empty, any further strings).
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, strictTuples: false });
  ajv.addVocabulary(['x-expected']);
  return (compiled = ajv.compile(configSchema()));
}

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

/** The candidate a typo most likely meant ($schema is never what a typo meant). */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  return nearestOf(word, candidates.filter((a) => a !== '$schema'));
}

/** "/store/routes/cart" -> "store.routes.cart"; "" -> "the top level". */
function fieldOf(pointer: string): string {
  if (!pointer) return 'the top level';
  // Keys are env names, route names…: never all digits, so a numeric segment is an array index.
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function resolveRef(s: Schema | undefined): Schema | undefined {
  const ref = s?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/definitions/')) return s;
  return { ...configSchema().definitions?.[ref.slice('#/definitions/'.length)], ...s };
}

/** What a schema allows, in words. */
export function describeSchema(raw: Schema | undefined): string {
  const s = resolveRef(raw) ?? {};
  const list = (vs: unknown[]) => vs.map((v) => JSON.stringify(v)).join(', ');
  if (Array.isArray(s.enum)) return `${typeof s['x-expected'] === 'string' ? s['x-expected'] : 'one of'}: ${list(s.enum)}`;
  if (typeof s['x-expected'] === 'string') return s['x-expected'];
  switch (s.type) {
    case 'integer': {
      const min = s.minimum as number | undefined;
      const max = s.maximum as number | undefined;
      return min !== undefined && max !== undefined ? `an integer from ${min} to ${max}` : min !== undefined ? `an integer >= ${min}` : 'an integer';
    }
    case 'string':
      return s.pattern ? `a string matching /${s.pattern}/` : s.minLength ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object';
    case 'array': {
      const items = s.items as Schema | undefined;
      const what = `a${s.minItems ? ' non-empty' : 'n'} array${s.uniqueItems ? ' (no repeats)' : ''}`;
      if (items && Array.isArray(items.enum)) return `${what} of: ${list(items.enum)}`;
      return items && !Array.isArray(items) ? `${what} of ${describeSchema(items).replace(/^an? /, '')}s` : what;
    }
  }
  return 'a valid value';
}

/**
 * Turns ajv's errors into this loader's messages, most useful first: unknown keys, then
 * missing keys, then bad values, each naming the field, the value and what is allowed.
 */
function schemaMessages(errors: ErrorObject[], file: string): string[] {
  // A failed anyOf/oneOf/propertyNames says it all; its branches' own errors are noise.
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const useful = errors.filter(
    (e) =>
      !combinators.some((c) => c !== e && e.instancePath.startsWith(c.instancePath) && e.schemaPath.startsWith(`${c.schemaPath}/`)) &&
      !(e.propertyName !== undefined && e.keyword !== 'propertyNames') &&
      // "must match then schema": the `then` branch's own error (a missing key) says it better.
      e.keyword !== 'if',
  );
  const rank = (e: ErrorObject) => (e.keyword === 'additionalProperties' ? 0 : e.keyword === 'required' ? 1 : 2);
  useful.sort((a, b) => rank(a) - rank(b)); // stable: ajv's (document) order within a rank
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of useful) {
    const field = fieldOf(e.instancePath);
    const parent = e.parentSchema as Schema | undefined;
    let msg: string;
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(parent?.properties ?? {});
      const near = nearest(key, allowed);
      const where = e.instancePath ? `${field}.${key}` : key;
      msg = `unknown key "${where}"${near ? ` (did you mean "${near}"?)` : ''}; allowed keys${e.instancePath ? ` in ${field}` : ''}: ${allowed.join(', ')}`;
    } else if (e.keyword === 'required') {
      const key = (e.params as { missingProperty: string }).missingProperty;
      const target = (TARGET_NAMES as readonly string[]).includes(key) && !e.instancePath;
      const what = target
        ? `an object with "command" (to start the ${key} backend) or "url" (an already-running one)`
        : describeSchema(parent?.properties?.[key] ?? siblingProperty(parent, key));
      msg = `"${e.instancePath ? `${field}.${key}` : key}" is missing; expected ${what}`;
    } else if (e.keyword === 'oneOf' && (parent?.oneOf as Schema[] | undefined)?.every((b) => Array.isArray(b.required))) {
      msg = oneOfKeys(e, field);
    } else if (e.keyword === 'false schema' && /\/dependencies\/[^/]+\/properties\//.test(e.schemaPath)) {
      // "url" present: which of its excluded keys are there (all of them, in one message).
      const dep = e.schemaPath.split('/dependencies/')[1].split('/')[0];
      const objPath = e.instancePath.slice(0, e.instancePath.lastIndexOf('/'));
      const keys = useful
        .filter((x) => x.keyword === 'false schema' && x.schemaPath.includes(`/dependencies/${dep}/`) && x.instancePath.slice(0, x.instancePath.lastIndexOf('/')) === objPath)
        .map((x) => `"${x.instancePath.slice(x.instancePath.lastIndexOf('/') + 1)}"`);
      msg = `${fieldOf(objPath)} has "${dep}" together with ${keys.join(', ')}; those only apply to a started "command"`;
    } else if (e.keyword === 'propertyNames') {
      msg = `${field} has key ${show((e.params as { propertyName?: string }).propertyName ?? e.propertyName)}; expected ${describeSchema(parent?.propertyNames as Schema)}`;
    } else {
      const allowed = describeSchema(parent);
      const enumValues = (parent?.enum as unknown[] | undefined)?.filter((v): v is string => typeof v === 'string');
      const near = e.keyword === 'enum' && typeof e.data === 'string' && enumValues ? nearest(e.data, enumValues) : undefined;
      msg = `${field} is ${show(e.data)} (${typeName(e.data)}); expected ${allowed}${near ? ` (did you mean "${near}"?)` : ''}`;
    }
    msg = `${file}: ${msg}`;
    if (!seen.has(msg)) out.push(msg);
    seen.add(msg);
  }
  return out;
}

/** For a `required` inside an if/then: the property as the object schema holding that `then` describes it. */
function siblingProperty(then: Schema | undefined, key: string): Schema | undefined {
  const seen = new Set<unknown>();
  const find = (node: unknown): Schema | undefined => {
    if (!node || typeof node !== 'object' || seen.has(node)) return undefined;
    seen.add(node);
    const n = node as Schema;
    if (n.then === then || JSON.stringify(n.then) === JSON.stringify(then)) return n.properties?.[key];
    for (const v of Object.values(n)) {
      const r = find(v);
      if (r) return r;
    }
    return undefined;
  };
  return then ? find(configSchema()) : undefined;
}

function oneOfKeys(e: ErrorObject, field: string): string {
  const passing = (e.params as { passingSchemas: number[] | null }).passingSchemas;
  const branches = ((e.parentSchema as Schema).oneOf as Schema[]).map((b) => (b.required as string[])[0]);
  return passing
    ? `${field} has both ${branches.map((k) => `"${k}"`).join(' and ')}; expected exactly one of them`
    : `${field} has neither ${branches.map((k) => `"${k}"`).join(' nor ')}; expected exactly one of them (a start command, or the URL of a running backend)`;
}

function normaliseTarget(name: TargetName, t: TargetConfig & Record<string, unknown>, fail: (msg: string) => never): TargetConfig {
  const out: TargetConfig = { host: t.host ?? DEFAULT_HOSTS[name] };
  if (t.command !== undefined) out.command = Array.isArray(t.command) ? [...t.command] : t.command;
  if (t.url !== undefined) {
    // The schema's pattern already asks for http(s)://host; the URL parser has the last word.
    let parsed: URL | undefined;
    try {
      parsed = new URL(t.url);
    } catch {
      /* reported below */
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) fail(`${name}.url is ${show(t.url)} (string); expected an http:// or https:// URL`);
    out.url = t.url.replace(/\/+$/, '');
  }
  if (t.cwd !== undefined) out.cwd = t.cwd;
  if (t.env !== undefined) out.env = { ...t.env };
  if (t.ready !== undefined) out.ready = { ...t.ready };
  if (t.stopTimeoutMs !== undefined) out.stopTimeoutMs = t.stopTimeoutMs;
  if (t.routes !== undefined) out.routes = { ...t.routes };
  if (t.loginFields !== undefined) out.loginFields = { ...t.loginFields };
  if (t.identity !== undefined) out.identity = { ...t.identity };
  if (t.login !== undefined) out.login = { ...t.login, ...(t.login.fields ? { fields: { ...t.login.fields } } : {}), ...(t.login.extra ? { extra: { ...t.login.extra } } : {}) };
  return out;
}

/** The applications a config declares: store, and forums unless it declares one application. */
export function declaredTargets(cfg: LoginflowConfig): TargetName[] {
  return TARGET_NAMES.filter((n) => cfg[n] !== undefined);
}


/** The JSON-login mode of a target, when it declares one. */
export function jsonLogin(t: TargetConfig | undefined): (LoginConfig & { path: string }) | undefined {
  return t?.login?.mode === 'json' && t.login.path ? (t.login as LoginConfig & { path: string }) : undefined;
}

/**
 * Validates an already-parsed config object. `file` is only used in messages and to
 * resolve `configDir`-relative paths later; exported for callers that build configs in code.
 * Every problem the schema finds is reported (one per line, the most useful first).
 */
export function validateConfig(raw: unknown, file = '<config>'): LoginflowConfig {
  const validate = schemaValidator();
  if (!validate(raw)) throw new ConfigError(schemaMessages(validate.errors ?? [], file).join('\n'));
  const fail = (msg: string): never => {
    throw new ConfigError(`${file}: ${msg}`);
  };
  const o = raw as LoginflowConfig & { $schema?: string };
  const cfg: LoginflowConfig = {
    store: normaliseTarget('store', o.store as TargetConfig & Record<string, unknown>, fail),
  };
  if (o.forums !== undefined) cfg.forums = normaliseTarget('forums', o.forums as TargetConfig & Record<string, unknown>, fail);
  if (cfg.forums && cfg.store.host === cfg.forums.host) fail(`store.host and forums.host are both ${show(cfg.store.host)}; expected two different host names`);
  for (const name of TARGET_NAMES) {
    const l = cfg[name]?.login;
    // The schema's if/then says "path is missing"; JSON Schema cannot also say why it is needed.
    if (l?.mode !== 'json' && (l?.path !== undefined || l?.extra !== undefined || l?.next !== undefined))
      fail(`${name}.login has ${['path', 'extra', 'next'].filter((k) => (l as Record<string, unknown>)[k] !== undefined).map((k) => `"${k}"`).join(', ')} but its mode is ${show(l?.mode ?? 'form')}; those only apply to "mode": "json"`);
  }
  const warnings: string[] = [];
  for (const name of TARGET_NAMES)
    if (cfg[name]?.url)
      warnings.push(
        o.sessionTtlSeconds === undefined
          ? `${name} is a "url" target: the kit cannot hand it a session TTL (SESSION_TTL_SECONDS); the session-expiry proofs assume the real-clock default ${REAL_CLOCK_SESSION_TTL_SECONDS} s (a url target's clock cannot be moved). Declare your backend's own TTL as "sessionTtlSeconds".`
          : `${name} is a "url" target: the kit cannot hand it a session TTL (SESSION_TTL_SECONDS); the session-expiry proofs use the declared sessionTtlSeconds ${o.sessionTtlSeconds} s, which must be your backend's own TTL.`,
      );
  if (o.workflow !== undefined) cfg.workflow = o.workflow;
  if (o.envMap !== undefined) {
    const names: readonly string[] = CONTRACT_ENV_NAMES;
    for (const [alias, target] of Object.entries(o.envMap))
      if (names.includes(alias))
        fail(`envMap has key "${alias}", which is itself a contract variable; expected the app's own name for ${show(target)} (a name that is not one of: ${names.join(', ')})`);
    cfg.envMap = { ...o.envMap };
  }
  if (o.fusionauth !== undefined) cfg.fusionauth = { ...o.fusionauth };
  if (o.variants !== undefined) cfg.variants = { ...o.variants };
  // Left unset when not declared: the default depends on the clock the run ends up on (harness/clock).
  if (o.sessionTtlSeconds !== undefined) cfg.sessionTtlSeconds = o.sessionTtlSeconds;
  if (o.timeouts !== undefined) cfg.timeouts = { ...o.timeouts };
  if (o.tls !== undefined) cfg.tls = o.tls;
  if (o.expectedFailures !== undefined) cfg.expectedFailures = o.expectedFailures;
  if (warnings.length) cfg.warnings = warnings;
  return cfg;
}

/** Reads and validates a JSON config file; throws ConfigError naming the file and field. */
export function loadConfig(file: string): LoadedConfig {
  const configFile = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(configFile, 'utf8');
  } catch (e) {
    throw new ConfigError(`${configFile}: cannot read config file: ${(e as Error).message}`, 'CONFIG_NOT_FOUND');
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
