import * as fs from 'node:fs';
import * as path from 'node:path';
import { KitError } from '../errors';
import { nearest } from '../common/near-miss';
import type { Obj } from './kickstart-fields';
import type { KickstartApiKey, KickstartProvisioning } from './kickstart-model';
import { Provisioner, needsBody, type KickstartRequest } from './kickstart-requests';
import { FUSIONAUTH_APPLICATION_ID, resolveValue, resolveVariables, seedOf, substitute, type IncludeReader, type TemplateScope } from './kickstart-template';

export type * from './kickstart-model';

/**
 * `fusionauth.kickstart`: the double provisions itself from a FusionAuth kickstart file, as
 * FusionAuth does on its first start (its "Kickstart" page in the installation guide): the
 * `variables`, the `apiKeys`, then the `requests` in order. What it reads:
 * kickstart-template.ts (`#{…}`, `@{…}`, `&{…}`), kickstart-requests.ts (the APIs), the result's
 * types in kickstart-model.ts. A file FusionAuth would refuse stops here with CONFIG_INVALID
 * (CONFIG_NOT_FOUND for a file or include that cannot be read) naming the field; an API the
 * workflows do not need is listed in `ignored`, never fatal.
 */

export interface KickstartOptions {
  /** The environment `#{ENV.NAME}` reads. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** What `#{UUID()}` gives at a place; default a UUID derived from the file's text and the place (the same every run). */
  uuid?: (place: string) => string;
  /** How includes are read; default the file system, relative to the kickstart file. */
  read?: IncludeReader;
}

/** The top-level members of a kickstart file (FusionAuth's page documents these). */
const TOP_LEVEL = ['variables', 'apiKeys', 'requests', 'licenseId', 'license', 'settings'];
const METHODS = ['POST', 'PUT', 'PATCH'] as const;

/** Reads the kickstart file at `file` (and its includes, relative to it). */
export function readKickstart(file: string, opts: KickstartOptions = {}): KickstartProvisioning {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new KitError(`cannot read the kickstart file ${file}: ${(err as Error).message}`, 'CONFIG_NOT_FOUND');
  }
  const dir = path.dirname(path.resolve(file));
  return parseKickstart(text, file, { read: (rel) => fs.readFileSync(path.resolve(dir, rel), 'utf8'), ...opts });
}

/** The provisioning a kickstart file's text makes; `file` names it in messages. Pure given `opts.read`. */
export function parseKickstart(text: string, file: string, opts: KickstartOptions = {}): KickstartProvisioning {
  const raw = parseJson(text, file);
  const fail = (where: string, why: string) => new KitError(`${file}: ${where}: ${why}`, 'CONFIG_INVALID');
  for (const k of Object.keys(raw)) {
    if (TOP_LEVEL.includes(k)) continue;
    const near = nearest(k, TOP_LEVEL);
    throw fail(k, `unknown member${near ? ` (did you mean "${near}"?)` : ''}; a kickstart file has ${TOP_LEVEL.join(', ')}`);
  }
  const base = {
    file,
    env: opts.env ?? process.env,
    seed: seedOf(text),
    ...(opts.uuid ? { uuid: opts.uuid } : {}),
    read: opts.read ?? ((rel: string) => fs.readFileSync(rel, 'utf8')),
  };
  const variables = resolveVariables(raw.variables, base);
  const scope: TemplateScope = { ...base, variables };

  const apiKeys = readApiKeys(raw.apiKeys, scope, fail);
  const p = new Provisioner(file, base.seed, variables.get('FUSIONAUTH_TENANT_ID')!, variables.get('FUSIONAUTH_DEFAULT_SIGNING_KEY_ID')!);
  if (raw.requests !== undefined && !Array.isArray(raw.requests)) throw fail('requests', 'must be an array of requests');
  ((raw.requests as unknown[] | undefined) ?? []).forEach((r, i) => {
    const head = requestHead(r, i, scope, fail);
    if (!needsBody(head.path)) return p.skip(head, i);
    const body = head.raw.body === undefined ? {} : resolveValue(head.raw.body, scope, `requests[${i}].body`);
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw fail(`requests[${i}].body`, 'must be a JSON object');
    p.apply({ method: head.method, path: head.path, ...(head.tenantId ? { tenantId: head.tenantId } : {}), body: body as Obj }, i);
  });

  return {
    file,
    tenantId: variables.get('FUSIONAUTH_TENANT_ID')!,
    apiKey: apiKeys[0].key,
    apiKeys: [...apiKeys, ...p.apiKeys],
    fusionAuthApplicationId: FUSIONAUTH_APPLICATION_ID,
    tenants: Object.fromEntries([...p.tenants].map(([id, e]) => [id, e.typed])),
    applications: Object.fromEntries([...p.applications].map(([id, e]) => [id, e.typed])),
    keys: Object.fromEntries(p.keys),
    users: [...p.users.values()].map((e) => e.typed),
    ...(p.cors ? { cors: p.cors } : {}),
    ignored: p.ignored,
    variables: Object.fromEntries(variables),
  };
}

function parseJson(text: string, file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new KitError(`${file}: not JSON (${(err as Error).message}); a kickstart file is one JSON object (FusionAuth allows no comments in it)`, 'CONFIG_INVALID');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new KitError(`${file}: a kickstart file is one JSON object with apiKeys and requests`, 'CONFIG_INVALID');
  return v as Record<string, unknown>;
}

type Fail = (where: string, why: string) => KitError;

/** `apiKeys`: FusionAuth's kickstart cannot run without one; the first is the one its requests use. */
function readApiKeys(raw: unknown, scope: TemplateScope, fail: Fail): KickstartApiKey[] {
  if (!Array.isArray(raw) || raw.length === 0) throw fail('apiKeys', `${raw === undefined ? 'is missing' : 'must be a non-empty array'}: FusionAuth's kickstart runs its requests with the first API key and does not run without one`);
  return raw.map((k, i) => {
    const v = resolveValue(k, scope, `apiKeys[${i}]`) as Obj;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw fail(`apiKeys[${i}]`, 'must be an object with a "key"');
    if (typeof v.key !== 'string' || !v.key) throw fail(`apiKeys[${i}].key`, 'is missing or not a string');
    if (v.tenantId !== undefined && typeof v.tenantId !== 'string') throw fail(`apiKeys[${i}].tenantId`, 'must be a UUID');
    return {
      key: v.key,
      ...(typeof v.description === 'string' ? { description: v.description } : {}),
      ...(typeof v.tenantId === 'string' ? { tenantId: v.tenantId.toLowerCase() } : {}),
      restricted: v.permissions !== undefined && v.permissions !== null,
    };
  });
}

/** A request's method, path and tenant, resolved (a whole request may be an `&{file}` include); its body stays raw until needed. */
function requestHead(r: unknown, i: number, scope: TemplateScope, fail: Fail): { method: KickstartRequest['method']; path: string; tenantId?: string; raw: Obj } {
  const where = `requests[${i}]`;
  const req = (typeof r === 'string' ? resolveValue(r, scope, where) : r) as Obj;
  if (!req || typeof req !== 'object' || Array.isArray(req)) throw fail(where, 'must be an object with method, url and body');
  const str = (k: string): string | undefined => {
    const v = req[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw fail(`${where}.${k}`, 'must be a string');
    return substitute(v, scope, `${where}.${k}`);
  };
  const method = str('method')?.toUpperCase();
  if (!method || !(METHODS as readonly string[]).includes(method)) throw fail(`${where}.method`, `is ${method ? JSON.stringify(req.method) : 'missing'}; FusionAuth's kickstart calls POST, PUT or PATCH`);
  const url = str('url');
  if (!url) throw fail(`${where}.url`, 'is missing: the API path, e.g. /api/application');
  // FusionAuth takes the path with or without its leading slash (Flask's quickstart writes "api/system-configuration").
  const pathOnly = url.replace(/[?#].*$/, '');
  const tenantId = str('tenantId')?.toLowerCase();
  return { method: method as KickstartRequest['method'], path: pathOnly.startsWith('/') ? pathOnly : `/${pathOnly}`, ...(tenantId ? { tenantId } : {}), raw: req };
}
