import * as jose from 'jose';
import { parseCookieHeader } from '../common/cookie-header';
import { findApp, type Directory } from './directory';

/** Relay caller name meaning "tell callers apart by the application they ask for". */
export const INFER_CALLER = '*';

/**
 * Which backend called, on a relay several backends share (backends the kit did not start all
 * use one fixed FusionAuth URL): the application the request is for names the caller, through
 * the names the kit gave each application's backend (`nameCallers`).
 */
export class CallerLookup {
  /** Application id → the journal's name for the backend that logs users into it. */
  private readonly names: Record<string, string> = {};

  constructor(
    private readonly directory: Directory,
    /** The application a refresh token was issued to, if the double issued it. */
    private readonly appOfRefreshToken: (token: string) => string | undefined,
  ) {}

  /** Application id (or key) → the journal's name for the backend that logs users into it. */
  name(byApplication: Record<string, string>): void {
    for (const [app, name] of Object.entries(byApplication)) {
      const found = findApp(this.directory, app);
      this.names[found ? found[1].id : app] = name;
    }
  }

  /**
   * The caller of a request: the application of `applicationId` of a login, `client_id` of a
   * token request (in the body or the Basic header), the application a refresh token was
   * issued to, or the `aud` of a JWT being presented. A call that names none (JWKS) is 'Backend'.
   */
  infer(headers: Record<string, string>, body: string): string {
    let appId: string | undefined;
    try {
      const j = JSON.parse(body || '{}');
      appId = j.applicationId ?? (j.refreshToken ? this.appOfRefreshToken(j.refreshToken) : undefined);
    } catch {
      const form = new URLSearchParams(body);
      appId = form.get('client_id') ?? undefined;
      const rt = form.get('refresh_token');
      if (!appId && rt) appId = this.appOfRefreshToken(rt);
    }
    // A token request authenticated with Basic names its client there (client_secret_basic).
    const basic = /^Basic\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
    if (!appId && basic) {
      try {
        appId = decodeURIComponent(Buffer.from(basic, 'base64').toString('utf8').split(':')[0]) || undefined;
      } catch {
        /* not URL-encoded as RFC 6749 §2.3.1 asks: no name */
      }
    }
    const cookieRt = parseCookieHeader(headers['cookie'])['refresh_token'];
    if (!appId && cookieRt) appId = this.appOfRefreshToken(cookieRt);
    const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
    if (!appId && bearer) {
      try {
        const aud = jose.decodeJwt(bearer).aud;
        appId = Array.isArray(aud) ? aud[0] : aud;
      } catch {
        /* not a JWT */
      }
    }
    return (appId && this.names[appId]) || 'Backend';
  }
}
