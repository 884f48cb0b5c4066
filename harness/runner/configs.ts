import * as path from 'node:path';
import { type LoadedConfig, loadConfig } from '../backend/config';

/**
 * Each config file of a run, loaded and validated once (or the error that says why not),
 * then handed to everything that needs it: the workflow it names, the run matrix, the
 * warnings, and the hooks that start its environment.
 */
export class Configs {
  private readonly loaded = new Map<string, LoadedConfig | Error>();
  /** The loaded config, or throws the loader's error (the same one every time). */
  get(file: string): LoadedConfig {
    const key = path.resolve(file);
    if (!this.loaded.has(key)) {
      try {
        this.loaded.set(key, loadConfig(file));
      } catch (err) {
        this.loaded.set(key, err as Error);
      }
    }
    const c = this.loaded.get(key)!;
    if (c instanceof Error) throw c;
    return c;
  }
}
