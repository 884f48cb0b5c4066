import { KitError } from '../errors';

/**
 * The SPA workflow keeps tokens in window.localStorage. This models it the way the web
 * platform scopes it: one string-to-string store per origin (scheme + host + port), so a
 * value put there by store.example.test's page is invisible to forums.example.test's.
 * Every method takes the origin or any URL on it.
 */
export class LocalStorage {
  private readonly areas = new Map<string, Map<string, string>>();

  private area(originOrUrl: string, create: boolean): Map<string, string> | undefined {
    const origin = normaliseOrigin(originOrUrl);
    let a = this.areas.get(origin);
    if (!a && create) {
      a = new Map();
      this.areas.set(origin, a);
    }
    return a;
  }

  getItem(originOrUrl: string, key: string): string | null {
    const v = this.area(originOrUrl, false)?.get(String(key));
    return v === undefined ? null : v;
  }

  /** Values are stored as strings, exactly as the web API coerces them. */
  setItem(originOrUrl: string, key: string, value: unknown): void {
    this.area(originOrUrl, true)!.set(String(key), String(value));
  }

  removeItem(originOrUrl: string, key: string): void {
    this.area(originOrUrl, false)?.delete(String(key));
  }

  /** Clears one origin's storage, or every origin's when none is given. */
  clear(originOrUrl?: string): void {
    if (originOrUrl === undefined) this.areas.clear();
    else this.areas.delete(normaliseOrigin(originOrUrl));
  }

  keys(originOrUrl: string): string[] {
    return [...(this.area(originOrUrl, false)?.keys() ?? [])];
  }

  /** Origins that hold at least one item. */
  origins(): string[] {
    return [...this.areas.entries()].filter(([, a]) => a.size > 0).map(([o]) => o);
  }

  /** A Storage-like view bound to one origin (what page script on that origin sees). */
  forOrigin(originOrUrl: string): {
    getItem(key: string): string | null;
    setItem(key: string, value: unknown): void;
    removeItem(key: string): void;
    clear(): void;
    keys(): string[];
    readonly length: number;
  } {
    const origin = normaliseOrigin(originOrUrl);
    const self = this;
    return {
      getItem: (k) => self.getItem(origin, k),
      setItem: (k, v) => self.setItem(origin, k, v),
      removeItem: (k) => self.removeItem(origin, k),
      clear: () => self.clear(origin),
      keys: () => self.keys(origin),
      get length() {
        return self.keys(origin).length;
      },
    };
  }
}

function normaliseOrigin(originOrUrl: string): string {
  let u: URL;
  try {
    u = new URL(originOrUrl);
  } catch {
    throw new KitError(`localStorage needs an origin or absolute URL, got "${originOrUrl}"`, 'INTERNAL');
  }
  if (u.origin === 'null') throw new KitError(`"${originOrUrl}" has no tuple origin`, 'INTERNAL');
  return u.origin;
}
