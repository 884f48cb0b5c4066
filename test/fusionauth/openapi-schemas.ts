import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

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

/**
 * FusionAuth's OpenAPI description where CI has it: shared/ beside the checkout (tests may read
 * outside the package; the kit itself uses only the endpoint catalogue made from it,
 * harness/fusionauth/endpoints.json). LOGINFLOW_FUSIONAUTH_OPENAPI names another copy.
 */
export const OPENAPI_PATH = process.env.LOGINFLOW_FUSIONAUTH_OPENAPI ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'fusionauth-openapi', 'openapi.yaml');

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

  constructor(specPath: string = OPENAPI_PATH) {
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
      if (!got) throw new Error(`no schema ${schemaName} in the FusionAuth OpenAPI description`);
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
    if (!r.valid) throw new Error(`body does not match FusionAuth schema ${schemaName}:\n${r.message}`);
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
