/**
 * OpenAPI path templates (`/api/user/{userId}`) as matchers: the one reading of a template that
 * the double's route table and FusionAuth's endpoint catalogue share, so an endpoint means the
 * same path in both.
 */

export interface TemplateOptions {
  /** What each `{name}` must look like (default: any one path segment). */
  params?: Record<string, RegExp>;
  /** Match with a trailing slash too (`/api/user/`). */
  trailingSlash?: boolean;
}

/** The parameters of a path the template matches (`{}` for a literal template), or undefined. */
export type PathMatcher = (pathname: string) => Record<string, string> | undefined;

export function templateMatcher(template: string, o: TemplateOptions = {}): PathMatcher {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const literal = template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`^${literal.join('([^/]+)')}${o.trailingSlash ? '/?' : ''}$`);
  return (pathname) => {
    const m = re.exec(pathname);
    if (!m) return undefined;
    const out: Record<string, string> = {};
    for (const [i, name] of names.entries()) {
      if (o.params?.[name] && !o.params[name].test(m[i + 1])) return undefined;
      out[name] = m[i + 1];
    }
    return out;
  };
}

/** Literal templates before templated ones, so `/api/user/search` is not taken for `/api/user/{userId}`. */
export function literalFirst<T extends { path: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => Number(a.path.includes('{')) - Number(b.path.includes('{')));
}
