/**
 * FusionAuth's CORS filter, as the double plays it. FusionAuth's CORS reference
 * (docs/operate/secure-and-monitor/cors): "The default setting disables the CORS filter, and
 * all CORS requests will be denied"; configured (Settings -> System -> CORS, the
 * `CORSConfiguration` of the OpenAPI description: allowCredentials, allowedHeaders,
 * allowedMethods, allowedOrigins, exposedHeaders, preflightMaxAgeInSeconds), it grants only
 * the listed origins, methods and headers, and a request it rejects gets 403 (its `debug`
 * setting exists "for identifying why the FusionAuth CORS filter is rejecting a request and
 * returning an HTTP response status code of 403").
 */
export interface CorsSettings {
  /** Exact origins such as "http://store.example.test", or ["*"] (then nothing else). */
  allowedOrigins: string[];
  allowCredentials?: boolean;
  /** Default GET, POST, OPTIONS (the kit's choice; FusionAuth's form has no default to copy). */
  allowedMethods?: string[];
  /** Request headers a preflight may ask for (case-insensitive). Default: Accept, Content-Type. */
  allowedHeaders?: string[];
  exposedHeaders?: string[];
  preflightMaxAgeInSeconds?: number;
}

export const DEFAULT_CORS_METHODS = ['GET', 'POST', 'OPTIONS'];
export const DEFAULT_CORS_HEADERS = ['Accept', 'Content-Type'];

export type CorsDecision =
  /** Not a CORS request (no Origin, or FusionAuth's own origin): no CORS headers. */
  | { kind: 'none' }
  /** CORS filter disabled: the request is answered without any CORS grant (the browser refuses to hand it to the page). */
  | { kind: 'disabled' }
  /** Rejected by the filter: 403, nothing else. */
  | { kind: 'reject'; why: string }
  /** Granted: these headers go on the answer. */
  | { kind: 'grant'; headers: [string, string][]; preflight: boolean };

export function decideCors(
  cors: CorsSettings | undefined,
  req: { method: string; headers: Record<string, string> },
  ownOrigins: string[],
): CorsDecision {
  const origin = req.headers['origin'];
  if (!origin || ownOrigins.includes(origin.toLowerCase())) return { kind: 'none' };
  const preflight = req.method === 'OPTIONS' && !!req.headers['access-control-request-method'];
  if (!cors || !cors.allowedOrigins?.length) return preflight ? { kind: 'reject', why: 'CORS is not enabled on this FusionAuth' } : { kind: 'disabled' };
  const any = cors.allowedOrigins.includes('*');
  if (!any && !cors.allowedOrigins.some((o) => o.toLowerCase() === origin.toLowerCase())) return { kind: 'reject', why: `origin ${origin} is not allowed` };
  const methods = (cors.allowedMethods ?? DEFAULT_CORS_METHODS).map((m) => m.toUpperCase());
  const method = preflight ? req.headers['access-control-request-method'].toUpperCase() : req.method.toUpperCase();
  if (!methods.includes(method)) return { kind: 'reject', why: `method ${method} is not allowed` };
  const out: [string, string][] = [['Access-Control-Allow-Origin', any && !cors.allowCredentials ? '*' : origin]];
  if (cors.allowCredentials) out.push(['Access-Control-Allow-Credentials', 'true']);
  if (preflight) {
    const allowed = (cors.allowedHeaders ?? DEFAULT_CORS_HEADERS).map((h) => h.toLowerCase());
    const asked = (req.headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
    // Like Tomcat's CorsFilter, which FusionAuth's is modelled on: every header the browser
    // lists (it lists only non-safelisted ones, e.g. content-type: application/json) must be allowed.
    const refused = asked.filter((h) => !allowed.includes(h));
    if (refused.length) return { kind: 'reject', why: `request header(s) ${refused.join(', ')} not allowed` };
    out.push(['Access-Control-Allow-Methods', methods.join(',')]);
    if (asked.length) out.push(['Access-Control-Allow-Headers', (cors.allowedHeaders ?? DEFAULT_CORS_HEADERS).join(',')]);
    out.push(['Access-Control-Max-Age', String(cors.preflightMaxAgeInSeconds ?? 1800)]);
  } else if (cors.exposedHeaders?.length) {
    out.push(['Access-Control-Expose-Headers', cors.exposedHeaders.join(',')]);
  }
  out.push(['Vary', 'Origin']);
  return { kind: 'grant', headers: out, preflight };
}
