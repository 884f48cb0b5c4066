import { createHash } from 'node:crypto';
import { KitError } from '../errors';
import { nearest } from '../common/near-miss';

/**
 * The template language of a FusionAuth kickstart file, as FusionAuth's "Kickstart" page
 * (get-started/download-and-install/development/kickstart) documents it:
 *
 * - `#{name}`: a variable of the file's `variables` section (usable "anywhere outside of the
 *   variables section"; here a variable may also name one defined before it);
 * - `#{ENV.NAME}`: an environment variable;
 * - `#{UUID()}`: "Provides a random UUID", the one documented function;
 * - FusionAuth's own ids as variables: `FUSIONAUTH_APPLICATION_ID` (its admin app),
 *   `FUSIONAUTH_TENANT_ID` (the default tenant, `defaultTenantId` when the file sets it),
 *   `TENANT_MANAGER_ID` / `FUSIONAUTH_TENANT_MANAGER_APPLICATION_ID` (`tenantManagerApplicationId`),
 *   `FUSIONAUTH_DEFAULT_SIGNING_KEY_ID`, `FUSIONAUTH_FORM[type]_ID`, `FUSIONAUTH_LAMBDA[type]_ID`;
 * - `@{file}`: a text file's content inside a string; `&{file}`: a string that is only that,
 *   replaced by the JSON file's value (a request body, or a whole request); both relative to
 *   the kickstart file;
 * - a backslash before `#{`, `@{` or `&{` makes it literal.
 *
 * The substitution is done on the parsed JSON's strings, not on the raw text FusionAuth
 * rewrites: the same result for every well-formed file, and a value holding a quote cannot
 * break the JSON.
 *
 * Where FusionAuth draws a random UUID (`UUID()`, the default tenant, its default signing key)
 * the double derives one from the file's content and the place it is drawn: FusionAuth draws
 * once and keeps it in its database for good, the double has no database and starts afresh
 * every run, so only a value derived from the file is the same on every run, as an app that
 * cached it (a JWKS `kid`) needs; a changed file gets new ids.
 */

/** FusionAuth's own application (the admin UI): always this id (FusionAuth's "Default entities"). */
export const FUSIONAUTH_APPLICATION_ID = '3c219e58-ed0e-4b18-ad48-f4f92793ae32';

/** The OpenID Connect shadow keys (HMAC with the application's client secret), always these ids. */
export const OIDC_SHADOW_KEYS: Readonly<Record<string, 'HS256' | 'HS384' | 'HS512'>> = Object.freeze({
  '092dbedc-30af-4149-9c61-b578f2c72f59': 'HS256',
  '4b8f1c06-518e-45bd-9ac5-d549686ae02a': 'HS384',
  'c753a44d-7f2e-48d3-bc4e-c2c16488a23b': 'HS512',
});

/** Where a kickstart's includes are read: a path relative to the kickstart file → its text (throws when there is none). */
export type IncludeReader = (relativePath: string) => string;

/** What a template needs besides the string itself. */
export interface TemplateScope {
  /** The kickstart file, for messages. */
  file: string;
  variables: ReadonlyMap<string, string>;
  env: Readonly<Record<string, string | undefined>>;
  /** The seed of the ids FusionAuth would draw at random (seedOf the file's text). */
  seed: string;
  /** A UUID for the `UUID()` at this place (a path and an occurrence number); default derived from the seed. */
  uuid?(place: string): string;
  read: IncludeReader;
}

/** A stable UUID (version 4 shape, so anything validating one accepts it) derived from a seed and a label. */
export function derivedUuid(seed: string, label: string): string {
  const h = createHash('sha256').update(seed).update('\0').update(label).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** A stable secret (43 characters of base64url, 256 bits) derived like derivedUuid: what FusionAuth would generate at random. */
export function derivedSecret(seed: string, label: string): string {
  return createHash('sha256').update(seed).update('\0secret\0').update(label).digest('base64url');
}

/** The seed of a kickstart's derived ids: its own text, so the ids follow the file and nothing else. */
export function seedOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function invalid(scope: { file: string }, where: string, why: string): KitError {
  return new KitError(`${scope.file}: ${where}: ${why}`, 'CONFIG_INVALID');
}

/** FusionAuth's built-in variables, from the file's own `defaultTenantId` / `tenantManagerApplicationId` or derived. */
export function builtinVariables(own: ReadonlyMap<string, string>, seed: string): Map<string, string> {
  const tenantManager = own.get('tenantManagerApplicationId') ?? derivedUuid(seed, 'tenant manager application');
  return new Map([
    ['FUSIONAUTH_APPLICATION_ID', FUSIONAUTH_APPLICATION_ID],
    ['FUSIONAUTH_TENANT_ID', own.get('defaultTenantId') ?? derivedUuid(seed, 'default tenant')],
    ['TENANT_MANAGER_ID', tenantManager],
    ['FUSIONAUTH_TENANT_MANAGER_APPLICATION_ID', tenantManager],
    ['FUSIONAUTH_DEFAULT_SIGNING_KEY_ID', derivedUuid(seed, 'default signing key')],
  ]);
}

const FORM_OR_LAMBDA = /^FUSIONAUTH_(FORM|LAMBDA)\[([A-Za-z0-9]+)\]_ID$/;

/** The value of one `#{…}`. */
function valueOf(expr: string, scope: TemplateScope, where: string, n: number): string {
  const name = expr.trim();
  if (name === 'UUID()') return scope.uuid ? scope.uuid(`${where}#${n}`) : derivedUuid(scope.seed, `UUID() at ${where}#${n}`);
  if (name.startsWith('ENV.')) {
    const v = scope.env[name.slice(4)];
    if (v === undefined) throw invalid(scope, where, `#{${name}}: the environment has no ${name.slice(4)} (FusionAuth's kickstart reads it from the environment of the process that runs it)`);
    return v;
  }
  const v = scope.variables.get(name);
  if (v !== undefined) return v;
  const m = FORM_OR_LAMBDA.exec(name);
  if (m) return derivedUuid(scope.seed, `${m[1].toLowerCase()} ${m[2]}`);
  const known = [...scope.variables.keys()];
  const near = nearest(name, known);
  throw invalid(scope, where, `#{${name}} names no variable${near ? ` (did you mean #{${near}}?)` : ''}; the file's variables and FusionAuth's: ${known.join(', ')}, or #{ENV.NAME}, #{UUID()}`);
}

/** Escaped markers become literal; `#{…}` is replaced by its value; `@{file}` by the file's text. */
export function substitute(text: string, scope: TemplateScope, where: string): string {
  let n = 0;
  return text.replace(/(\\?)([#@])\{([^}]*)\}/g, (whole, escape: string, mark: string, inner: string) => {
    if (escape) return whole.slice(1);
    if (mark === '#') return valueOf(inner, scope, where, n++);
    return include(inner, scope, where);
  });
}

function include(rel: string, scope: TemplateScope, where: string): string {
  try {
    return scope.read(rel);
  } catch (err) {
    throw new KitError(`${scope.file}: ${where}: @{${rel}}: cannot read ${rel} (relative to the kickstart file): ${(err as Error).message}`, 'CONFIG_NOT_FOUND');
  }
}

const JSON_INCLUDE = /^&\{([^}]*)\}$/;

/**
 * A JSON value with every string templated: `&{file}` strings replaced by the file's JSON
 * (itself templated), `\&{` made literal. `where` is the value's path for messages
 * (`requests[3].body.application.name`).
 */
export function resolveValue(value: unknown, scope: TemplateScope, where: string, seen: readonly string[] = []): unknown {
  if (typeof value === 'string') {
    const m = JSON_INCLUDE.exec(value);
    if (m) return resolveValue(jsonInclude(m[1], scope, where, seen), scope, `${where} (&{${m[1]}})`, [...seen, m[1]]);
    const literal = value.startsWith('\\&{') ? value.slice(1) : value;
    return substitute(literal, scope, where);
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveValue(v, scope, `${where}[${i}]`, seen));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveValue(v, scope, where ? `${where}.${k}` : k, seen);
    return out;
  }
  return value;
}

function jsonInclude(rel: string, scope: TemplateScope, where: string, seen: readonly string[]): unknown {
  if (seen.includes(rel)) throw invalid(scope, where, `&{${rel}} includes itself (${[...seen, rel].join(' → ')})`);
  let text: string;
  try {
    text = scope.read(rel);
  } catch (err) {
    throw new KitError(`${scope.file}: ${where}: &{${rel}}: cannot read ${rel} (relative to the kickstart file): ${(err as Error).message}`, 'CONFIG_NOT_FOUND');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalid(scope, where, `&{${rel}} is not JSON: ${(err as Error).message}`);
  }
}

/**
 * The file's `variables`, each templated with the built-ins and the variables before it, in
 * the file's order. Numbers and booleans are kept as their text (they are substituted into
 * strings); any other value is an error naming the variable.
 */
export function resolveVariables(raw: unknown, scope: Omit<TemplateScope, 'variables'>): Map<string, string> {
  if (raw === undefined) return builtinVariables(new Map(), scope.seed);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(scope, 'variables', 'must be an object of name → string');
  const own = new Map<string, string>();
  // defaultTenantId and tenantManagerApplicationId shape the built-ins; they are literal UUIDs in FusionAuth's examples.
  for (const special of ['defaultTenantId', 'tenantManagerApplicationId']) {
    const v = (raw as Record<string, unknown>)[special];
    if (typeof v === 'string' && !v.includes('#{')) own.set(special, v.toLowerCase());
  }
  const vars = builtinVariables(own, scope.seed);
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw invalid(scope, `variables.${name}`, `is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}; a variable is a string (or a number or boolean)`);
    vars.set(name, substitute(String(v), { ...scope, variables: vars }, `variables.${name}`));
  }
  if (vars.has('defaultTenantId')) vars.set('FUSIONAUTH_TENANT_ID', vars.get('defaultTenantId')!.toLowerCase());
  return vars;
}
