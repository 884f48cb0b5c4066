import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { KitError } from '../errors';

/**
 * Validate bodies against the schemas of FusionAuth's published OpenAPI description
 * (FusionAuth/fusionauth-openapi `openapi.yaml`, OpenAPI 3.0). Each `components.schemas.X`
 * is registered with ajv under the id `X`, and `#/components/schemas/X` references are
 * rewritten to `X`. ajv runs with strict:false because the spec uses OpenAPI-only keywords
 * (`example`, ...).
 *
 * Known differences between the spec and what FusionAuth actually sends, patched here:
 *  - `Errors.fieldErrors` is typed as an array of Error, but FusionAuth sends an object keyed
 *    by field name whose values are arrays of Error (`{"loginId":[{code,message}]}`).
 *  - `JWT.aud` is typed as an object; in a JWT it is a string (or an array of strings).
 */

/** LOGINFLOW_FUSIONAUTH_OPENAPI, else shared/ beside the checkout (as CI lays it out), else /work/shared. */
export const DEFAULT_OPENAPI_PATH =
  process.env.LOGINFLOW_FUSIONAUTH_OPENAPI ??
  [path.resolve(__dirname, '..', '..', '..', 'shared', 'fusionauth-openapi', 'openapi.yaml'), '/work/shared/fusionauth-openapi/openapi.yaml'].find((p) => fs.existsSync(p)) ??
  '/work/shared/fusionauth-openapi/openapi.yaml';

export interface SchemaCheck {
  valid: boolean;
  errors: ErrorObject[];
  /** One line per error, for assertion messages. */
  message: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly schemaNames: string[];

  constructor(specPath: string = DEFAULT_OPENAPI_PATH) {
    const doc = YAML.parse(fs.readFileSync(path.resolve(specPath), 'utf8')) as { components?: { schemas?: Record<string, Json> } };
    const schemas = doc.components?.schemas ?? {};
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormats(this.ajv);
    // Formats the spec uses that ajv-formats does not define (checked loosely or not at all).
    this.ajv.addFormat('URI', true);
    this.ajv.addFormat('int32', true);
    this.ajv.addFormat('int64', true);
    this.ajv.addFormat('double', true);
    this.ajv.addFormat('float', true);
    const patched: Record<string, Json> = { ...schemas };
    patchKnownDifferences(patched);
    this.schemaNames = Object.keys(patched);
    for (const [name, schema] of Object.entries(patched)) {
      this.ajv.addSchema({ ...(rewriteRefs(schema) as Record<string, Json>), $id: name } as object, name);
    }
  }

  check(schemaName: string, value: unknown): SchemaCheck {
    let v = this.compiled.get(schemaName);
    if (!v) {
      const got = this.ajv.getSchema(schemaName);
      if (!got) throw new KitError(`no schema ${schemaName} in the FusionAuth OpenAPI description`, 'INTERNAL');
      v = got;
      this.compiled.set(schemaName, v);
    }
    const valid = v(value) as boolean;
    const errors = valid ? [] : [...(v.errors ?? [])];
    return { valid, errors, message: errors.map((e) => `${schemaName}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n') };
  }

  /** Throws with the ajv errors when `value` does not match `schemaName`. */
  assert(schemaName: string, value: unknown): void {
    const r = this.check(schemaName, value);
    if (!r.valid) throw new KitError(`body does not match FusionAuth schema ${schemaName}:\n${r.message}`, 'INTERNAL');
  }
}

let shared: OpenApiValidator | undefined;
/** One validator per process (parsing the 19k-line spec takes a moment). */
export function fusionAuthSchemas(): OpenApiValidator {
  return (shared ??= new OpenApiValidator());
}

function patchKnownDifferences(s: Record<string, Json>): void {
  const errors = s.Errors as { properties?: Record<string, Json> } | undefined;
  if (errors?.properties) {
    // Spec: array of Error. Real FusionAuth: {"<field>": [Error, ...]}.
    errors.properties = {
      ...errors.properties,
      fieldErrors: { type: 'object', additionalProperties: { type: 'array', items: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const jwt = s.JWT as { properties?: Record<string, Json> } | undefined;
  if (jwt?.properties) {
    // Spec: object. A JWT's aud is a string or an array of strings.
    jwt.properties = { ...jwt.properties, aud: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } };
  }
}

function rewriteRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/components\/schemas\//, '') : rewriteRefs(v);
    }
    return out;
  }
  return node;
}

/** One operation of FusionAuth's API: METHOD and the path template it matched. */
export interface FusionAuthOperation {
  method: string;
  template: string;
}

let operations: { method: string; template: string; re: RegExp }[] | undefined;

/**
 * The FusionAuth API operation a request is for, from the `paths` of the OpenAPI description
 * (`/api/user/{userId}` matches `/api/user/1234`), or undefined when FusionAuth has no such
 * endpoint. The double uses it to tell a gap in itself (a real endpoint it does not play)
 * from a call no FusionAuth would answer.
 */
export function fusionAuthOperation(method: string, pathname: string, specPath: string = DEFAULT_OPENAPI_PATH): FusionAuthOperation | undefined {
  if (!operations) {
    operations = [];
    // Without the description nothing counts as a FusionAuth API: unknown calls keep FusionAuth's 404.
    if (!fs.existsSync(specPath)) return undefined;
    for (const [template, methods] of Object.entries(pathsOf(fs.readFileSync(path.resolve(specPath), 'utf8')))) {
      const re = new RegExp(`^${template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}/?$`);
      for (const m of methods) operations.push({ method: m.toUpperCase(), template, re });
    }
    // Literal paths first, so /api/user/search is not taken for /api/user/{userId}.
    operations.sort((a, b) => Number(a.template.includes('{')) - Number(b.template.includes('{')));
  }
  const m = method.toUpperCase();
  const hit = operations.find((o) => o.method === m && o.re.test(pathname));
  return hit && { method: hit.method, template: hit.template };
}

/**
 * The `paths` of the description and the methods of each. Every kit run starts a double, so
 * this must be quick: a scan of the block-style YAML FusionAuth publishes (a path key at two
 * spaces, its methods at four) takes milliseconds where parsing the whole 19k-line document
 * takes seconds; a description in another layout falls back to the full parse.
 */
function pathsOf(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const lines = text.split('\n');
  let i = lines.findIndex((l) => /^paths:\s*$/.test(l));
  let current: string | undefined;
  for (i = i < 0 ? lines.length : i + 1; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l)) break; // the next top-level key
    const key = /^ {2}"?(\/[^"]*?)"?:\s*$/.exec(l);
    if (key) {
      current = key[1];
      out[current] = [];
      continue;
    }
    const method = /^ {4}(get|put|post|delete|patch|head|options):/.exec(l);
    if (method && current) out[current].push(method[1]);
  }
  if (Object.keys(out).length) return out;
  const doc = YAML.parse(text) as { paths?: Record<string, Record<string, unknown>> };
  return Object.fromEntries(Object.entries(doc.paths ?? {}).map(([p, ops]) => [p, Object.keys(ops ?? {}).filter((m) => /^(get|put|post|delete|patch|head|options)$/.test(m))]));
}
