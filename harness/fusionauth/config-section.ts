import { ConfigError, validateConfig } from '../backend/config';
import { seededDirectory, type Directory, type DirectoryApplication, type DirectoryUser } from './directory';
import type { DoubleOptions } from './double';

/**
 * The `fusionauth` section of a run config, read the same way by `loginflow run` and by the
 * standalone `loginflow fusionauth --config FILE`: one place to configure the double.
 * `directory` overrides single fields of the seeded directory (an application id hard-coded
 * in the app, a client secret, the API key) rather than replacing it whole.
 */
export interface DirectoryOverride {
  tenantId?: string;
  apiKey?: string;
  hmacSecret?: string;
  kid?: string;
  rsaKid?: string;
  applications?: Partial<Record<string, Partial<DirectoryApplication>>>;
  users?: DirectoryUser[];
}

/** The seeded directory with the override's fields on top. */
export function directoryWith(o: DirectoryOverride | undefined): Directory {
  const d = seededDirectory();
  if (!o) return d;
  for (const k of ['tenantId', 'apiKey', 'hmacSecret', 'kid', 'rsaKid'] as const) if (o[k] !== undefined) d[k] = o[k]!;
  for (const [key, app] of Object.entries(o.applications ?? {})) d.applications[key] = { ...d.applications[key], ...app } as DirectoryApplication;
  if (o.users) d.users = JSON.parse(JSON.stringify(o.users)) as DirectoryUser[];
  return d;
}

/** DoubleOptions from a config's (already validated) `fusionauth` section; `port` is the caller's. */
export function doubleOptionsFrom(section: Record<string, unknown> | undefined): DoubleOptions & { port?: number } {
  const { directory, ...rest } = (section ?? {}) as DoubleOptions & { directory?: DirectoryOverride; port?: number };
  return { ...rest, ...(directory ? { directory: directoryWith(directory) } : {}) };
}

/**
 * A file for `loginflow fusionauth --config`: a run config (its `fusionauth` section is used,
 * the whole file validated as `run` validates it), or a bare `fusionauth` section. Unknown keys
 * are errors either way, named with the file and the field.
 */
export function fusionauthSectionOf(raw: unknown, file: string): Record<string, unknown> {
  const isRunConfig = !!raw && typeof raw === 'object' && !Array.isArray(raw) && ('store' in raw || 'fusionauth' in raw || 'workflow' in raw);
  if (isRunConfig) return validateConfig(raw, file).fusionauth ?? {};
  // A bare section is checked by the same schema, wrapped as the run config it would sit in;
  // messages then say "fusionauth.<key>", which is where it belongs.
  try {
    return validateConfig({ store: { url: 'http://127.0.0.1:1' }, fusionauth: raw }, file).fusionauth ?? {};
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${err.message}\n${file}: (read as the "fusionauth" section of a run config; a run config's own section is used when the file has "store")`);
    throw err;
  }
}
