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
 * What a backend the kit fronts (`host`: `store.example.test`, with its port when it has one)
 * receives from a browser on its https deployment, through its TLS-terminating proxy: the
 * proxy's `X-Forwarded-Proto: https` and `X-Forwarded-Host`, and the `Origin` and `Referer` a
 * browser on https sends (`sent`: the ones the kit's browser wrote), their fronted http origins
 * made https. An app behind `trust proxy` (Express), ProxyFix (Flask) or the like then sees the
 * scheme and host its users reach it by: `req.secure` holds, `secure: 'auto'` or `secure: true`
 * session cookies are set as in production, and an origin check against its own https origin
 * (Django's CSRF check behind SECURE_PROXY_SSL_HEADER) matches. Nothing for a host the kit does
 * not front. The X-Forwarded-* pair replaces whatever the client sent, as such a proxy does
 * (nginx `proxy_set_header`), so neither the kit's code nor a page can forge it.
 */
export function forwardedHeaders(tlsTerminated: readonly string[] | undefined, host: string, sent: { origin?: string; referer?: string } = {}): Record<string, string> {
  if (!fronted(tlsTerminated, host)) return {};
  const out: Record<string, string> = { 'x-forwarded-proto': 'https', 'x-forwarded-host': host };
  for (const name of ['origin', 'referer'] as const) {
    const v = sent[name];
    if (v === undefined) continue;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      continue; // `Origin: null` and the like go as sent
    }
    if (u.protocol === 'http:' && fronted(tlsTerminated, u.host)) out[name] = `https:${v.slice('http:'.length)}`;
  }
  return out;
}

function fronted(tlsTerminated: readonly string[] | undefined, host: string): boolean {
  const h = host.toLowerCase();
  const bare = h.replace(/:\d+$/, '');
  return !!tlsTerminated?.some((t) => t.toLowerCase() === h || t.toLowerCase() === bare);
}

/** Header names forwardedHeaders sets, for dropping a client's own copies. */
export const FORWARDED_HEADER_NAMES: readonly string[] = ['x-forwarded-proto', 'x-forwarded-host'];
