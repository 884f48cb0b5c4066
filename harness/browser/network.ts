import type { Journal } from '../trace';

/**
 * How an actor (scripted, proxy or real browser) reaches the world by logical host name,
 * and how what it does is journalled. One shape for all three, so the workflow layer
 * builds it once (Environment.network) and hands it to whichever actor it starts.
 */
export interface LogicalNetwork {
  /** Logical host -> real loopback origin, e.g. {'store.example.test': 'http://127.0.0.1:40123'}. */
  hosts: Record<string, string>;
  /** Logical host -> journal participant, e.g. {'store.example.test': 'Store'}. Defaults to the host. */
  participants?: Record<string, string>;
  journal?: Journal;
  /** Hosts reached but journalled by another recorder (the FusionAuth double records its own calls). */
  unrecordedHosts?: string[];
  /**
   * Logical hosts the kit fronts as their TLS terminator: the deployment serves them on https
   * behind a proxy that says so, and the kit, which owns no certificates, plays that proxy on
   * its plain-http loopback hop. Every request to them carries `X-Forwarded-Proto: https` and
   * `X-Forwarded-Host: <host>` (see forwardedHeaders). Default none; the environment lists every
   * backend unless the config says `tls: false`, never FusionAuth's host (the double is no app
   * behind the proxy).
   */
  tlsTerminated?: string[];
}

/**
 * The headers a TLS-terminating proxy adds to a request for `host` (`store.example.test`,
 * with its port when it has one), or none when the kit does not front that host. An app behind
 * `trust proxy` (Express), ProxyFix (Flask) or the like then sees the scheme and host its
 * users reach it by: `req.secure` holds, and `secure: 'auto'` or `secure: true` session
 * cookies are set as in the deployment. They replace whatever the client sent, as such a
 * proxy does (nginx `proxy_set_header`), so neither the kit's code nor a page can forge them.
 */
export function forwardedHeaders(tlsTerminated: readonly string[] | undefined, host: string): Record<string, string> {
  if (!tlsTerminated?.length) return {};
  const h = host.toLowerCase();
  const bare = h.replace(/:\d+$/, '');
  const fronted = tlsTerminated.some((t) => {
    const x = t.toLowerCase();
    return x === h || x === bare;
  });
  return fronted ? { 'x-forwarded-proto': 'https', 'x-forwarded-host': host } : {};
}

/** Header names forwardedHeaders sets, for dropping a client's own copies. */
export const FORWARDED_HEADER_NAMES: readonly string[] = ['x-forwarded-proto', 'x-forwarded-host'];
