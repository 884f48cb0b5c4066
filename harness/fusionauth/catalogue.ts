import catalogue from './endpoints.json';
import { literalFirst, templateMatcher, type PathMatcher } from './path-template';

/**
 * FusionAuth's API endpoints, from the catalogue `scripts/fusionauth-endpoints.js` makes of
 * FusionAuth's OpenAPI description (endpoints.json, committed and shipped in the package: the
 * kit reads nothing outside itself at run time). The double uses it to tell a gap in itself (a
 * real FusionAuth API it does not play: exit 2 DOUBLE_GAP) from a call no FusionAuth would
 * answer (FusionAuth's 404, the backend's own mistake).
 */

/** One operation of FusionAuth's API: METHOD and the path template it matched. */
export interface FusionAuthOperation {
  method: string;
  template: string;
}

/** One entry of the catalogue: the facts the OpenAPI description states about an operation. */
export interface CatalogueEntry {
  method: string;
  path: string;
  /** The response statuses the description documents (`"200"`, `"default"`). */
  statuses: string[];
}

/** The FusionAuth version whose OpenAPI description the catalogue was made from. */
export const FUSIONAUTH_API_VERSION: string = catalogue.version;

/** Every operation of the catalogue, in its order (by path, then method). */
export const FUSIONAUTH_ENDPOINTS: readonly CatalogueEntry[] = catalogue.endpoints;

// Literal templates first; a trailing slash still names the endpoint, so such a call is reported
// as the kit's gap rather than as the backend's 404.
const operations: Array<CatalogueEntry & { match: PathMatcher }> = literalFirst(FUSIONAUTH_ENDPOINTS).map((e) => ({ ...e, match: templateMatcher(e.path, { trailingSlash: true }) }));

/**
 * The FusionAuth API operation a request is for (`/api/user/{userId}` matches
 * `/api/user/1234`), or undefined when FusionAuth has no such endpoint.
 */
export function fusionAuthOperation(method: string, pathname: string): FusionAuthOperation | undefined {
  const m = method.toUpperCase();
  const hit = operations.find((o) => o.method === m && o.match(pathname));
  return hit && { method: hit.method, template: hit.path };
}
