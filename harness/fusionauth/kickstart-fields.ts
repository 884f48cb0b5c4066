import { KitError } from '../errors';

/**
 * Reading the fields of a kickstart request body, each type-checked where it is read, so a
 * malformed file stops with the field named (`kickstart.json: requests[1].body.application.
 * oauthConfiguration.enabledGrants: is "authorization_code" (string); expected an array of
 * strings`). FusionAuth parses its JSON with Jackson, which also takes a number or a boolean
 * written as a string; so do these readers: a `#{variable}` always substitutes text.
 */

export type Obj = Record<string, unknown>;

export class Fields {
  constructor(
    readonly file: string,
    /** The body's path, e.g. `requests[1].body`. */
    readonly where: string,
  ) {}

  fail(path: string, why: string): KitError {
    return new KitError(`${this.file}: ${this.at(path)}: ${why}`, 'CONFIG_INVALID');
  }

  at(path: string): string {
    return path ? `${this.where}.${path}` : this.where;
  }

  /** The object at `path` of `o` (undefined when absent). */
  obj(o: Obj, key: string, path: string): Obj | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.fail(path, `is ${show(v)}; expected an object`);
    return v as Obj;
  }

  str(o: Obj | undefined, key: string, path: string): string | undefined {
    const v = o?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw this.fail(path, `is ${show(v)}; expected a string`);
    return v;
  }

  strings(o: Obj | undefined, key: string, path: string): string[] | undefined {
    const v = o?.[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.fail(path, `is ${show(v)}; expected an array of strings`);
    return v as string[];
  }

  bool(o: Obj | undefined, key: string, path: string): boolean | undefined {
    const v = o?.[key];
    if (v === undefined || v === null) return undefined;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw this.fail(path, `is ${show(v)}; expected true or false`);
  }

  int(o: Obj | undefined, key: string, path: string, min = 1): number | undefined {
    const v = o?.[key];
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw this.fail(path, `is ${show(v)}; expected an integer ≥ ${min}`);
    return n;
  }

  oneOf<T extends string>(o: Obj | undefined, key: string, path: string, allowed: readonly T[]): T | undefined {
    const v = this.str(o, key, path);
    if (v === undefined) return undefined;
    if (!allowed.includes(v as T)) throw this.fail(path, `is ${show(v)}; expected one of ${allowed.join(', ')}`);
    return v as T;
  }

  /** A UUID (any case; returned lower case). */
  uuid(o: Obj | undefined, key: string, path: string): string | undefined {
    const v = this.str(o, key, path);
    if (v === undefined) return undefined;
    if (!isUuid(v)) throw this.fail(path, `is ${show(v)}; expected a UUID`);
    return v.toLowerCase();
  }
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

export function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `${JSON.stringify(v).slice(0, 60)} (array)`;
  if (typeof v === 'object') return 'an object';
  return `${JSON.stringify(v).slice(0, 60)} (${typeof v})`;
}

/** `a.b` paths of the leaves of `o` that are not under one of `used` (an object under a used path is used whole). */
export function unusedFields(o: Obj, used: readonly string[], prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (used.includes(p)) continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && used.some((u) => u.startsWith(`${p}.`))) out.push(...unusedFields(v as Obj, used, p));
    else out.push(p);
  }
  return out;
}

/** RFC 7396 merge patch: objects merged member by member, anything else (arrays included) replaced, null removes. */
export function mergePatch(target: Obj, patch: Obj): Obj {
  const out: Obj = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const t = out[k];
      out[k] = mergePatch(t && typeof t === 'object' && !Array.isArray(t) ? (t as Obj) : {}, v as Obj);
    } else out[k] = v;
  }
  return out;
}
