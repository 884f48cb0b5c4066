import { createHash, randomBytes } from 'node:crypto';
import type { Redactor } from '../trace';
import { KitError } from '../errors';
import { parseCookieHeader } from '../common/cookie-header';
import type { DirectoryApplication, DirectoryUser } from './directory';

/**
 * FusionAuth as an OAuth 2.0 / OpenID Connect authorization server: what the authorization-code
 * workflows (webapp-oauth-code-*) meet. This module holds its state (single-use, short-lived
 * codes; `fusionauth.sso` sessions, alive while used; the structured log of calls) and the knobs
 * negative scenarios turn; its endpoints are handlers in api/ (oauth-authorize.ts: the hosted
 * login form, SSO and logout; oauth-token.ts: client authentication and the grants).
 * Facts and their sources: the spec seeds' seeds/oauth/STEPS.md ("FusionAuth OAuth facts") and
 * docs/fusionauth-fidelity.md; what real FusionAuth does that is not documented is marked so
 * there too.
 *
 * Knobs (the kit calls them on `double.oauth`): `nextTokenAnswer` alters the id_token of the
 * next code exchange (wrong nonce, audience, issuer, key); `calls` is the structured log of
 * every authorize/token/logout call, each with its journal `seq`.
 */

/** What the double lends the authorization server: its clock, settings, redactor and directory look-ups. */
export interface OAuthHost {
  readonly redactor: Redactor;
  now(): number;
  settings(): { authorizationCodeTtlSeconds: number; oauthSessionTtlSeconds: number };
  findUser(emailOrId: string): DirectoryUser | undefined;
  findApp(keyOrId: string): [string, DirectoryApplication] | undefined;
}

/** One authorize / token / logout call as the authorization server saw it, for checks to judge. */
export interface OAuthCall {
  /** The journal entry of this call (set once it is recorded). */
  seq?: number;
  endpoint: 'authorize' | 'token' | 'logout';
  method: string;
  caller: string;
  /** World-clock time of the call (ms). */
  at: number;
  clientId?: string;
  redirectUri?: string;
  responseType?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  prompt?: string;
  /** POST /oauth2/authorize: the hosted form was posted with rememberDevice=true. */
  rememberDevice?: boolean;
  /** GET /oauth2/authorize answered from the live fusionauth.sso session, without the form. */
  sso?: boolean;
  grantType?: string;
  /** authorize: the code issued; token: the code presented. */
  code?: string;
  /** token: how many times this code had been presented before (0 = first exchange). */
  codePriorUses?: number;
  codeVerifierPresent?: boolean;
  /** token: where the client secret came from. */
  clientAuth?: 'client_secret_basic' | 'client_secret_post' | 'none';
  userId?: string;
  /** 'form' (login page), 'code' (redirect with a code), 'tokens', 'error-page', 'error-redirect', 'error', 'login-failed', 'logout'. */
  outcome: string;
  status: number;
  error?: string;
  errorReason?: string;
}

/** Alters the id_token of the next successful code exchange (one answer only). */
export interface TokenAnswerOverride {
  idToken?: { nonce?: string; aud?: string; iss?: string; expired?: boolean; omit?: boolean };
  /** Shorthands for idToken.nonce / .aud / .iss. */
  nonce?: string;
  aud?: string;
  iss?: string;
  /** 'wrong-key': signed with a key FusionAuth never published, same alg and kid. */
  signWith?: 'wrong-key';
}

/** What an authorization code stands for until it is exchanged. */
export interface CodeRecord {
  code: string;
  appId: string;
  appKey: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  challenge?: string;
  challengeMethod?: 'S256' | 'plain';
  userId: string;
  authTime: number;
  authenticationType: string;
  sid: string;
  expiresAt: number;
  uses: number;
}

export interface SsoSession {
  id: string;
  userId: string;
  authTime: number;
  sid: string;
  expiresAt: number;
}

/** FusionAuth's SSO cookie (docs reference/cookies: "Represents a single sign-on session"). */
export const SSO_COOKIE = 'fusionauth.sso';

export class OAuthServer {
  private readonly codes = new Map<string, CodeRecord>();
  private readonly sso = new Map<string, SsoSession>();
  private override: TokenAnswerOverride | undefined;
  /** Every authorize / token / logout call, in order. */
  readonly calls: OAuthCall[] = [];

  constructor(private readonly host: OAuthHost) {}

  // ---- knobs ---------------------------------------------------------------------------

  /** The next successful authorization_code answer carries an altered id_token. */
  nextTokenAnswer(o: TokenAnswerOverride): void {
    const { nonce, aud, iss, ...rest } = o;
    const idToken = { ...(nonce !== undefined && { nonce }), ...(aud !== undefined && { aud }), ...(iss !== undefined && { iss }), ...o.idToken };
    this.override = { ...rest, idToken };
  }

  /** Records a /oauth2/token call that never reached the code grant (client authentication, refresh grant). */
  tokenCall(c: Omit<OAuthCall, 'endpoint' | 'method' | 'at'>): OAuthCall {
    return { endpoint: 'token', method: 'POST', at: this.host.now(), ...c };
  }

  /** Adds an Authorized redirect URL to an application (by key or id). */
  authorizeRedirectUri(app: string, uri: string): void {
    const found = this.host.findApp(app);
    if (!found) throw new KitError(`authorizeRedirectUri: unknown application ${app}`, 'INTERNAL');
    const list = (found[1].redirectUris ??= []);
    if (!list.includes(uri)) list.push(uri);
  }

  /** Ends every SSO session (of one user, when given), as the OAuth session timeout would. */
  expireSsoSessions(userEmailOrId?: string): void {
    const u = userEmailOrId ? this.host.findUser(userEmailOrId) : undefined;
    for (const [id, s] of this.sso) if (!userEmailOrId || s.userId === (u?.id ?? userEmailOrId)) this.sso.delete(id);
  }

  /** Lets every unused code outlive its life (for the expired-code case, without waiting). */
  expireCodes(): void {
    for (const c of this.codes.values()) c.expiresAt = this.host.now() - 1000;
  }

  /** The live SSO sessions (user ids), for tests and checks. */
  ssoSessions(): { userId: string; expiresAt: number }[] {
    const t = this.host.now();
    return [...this.sso.values()].filter((s) => s.expiresAt > t).map((s) => ({ userId: s.userId, expiresAt: s.expiresAt }));
  }

  /** What a value is, if the authorization server issued it. */
  role(value: string): 'code' | 'ssoSession' | undefined {
    if (this.codes.has(value)) return 'code';
    if (this.sso.has(value)) return 'ssoSession';
    return undefined;
  }

  /** The override of the next code exchange, used up by asking. */
  takeOverride(): TokenAnswerOverride | undefined {
    const o = this.override;
    this.override = undefined;
    return o;
  }

  // ---- codes -----------------------------------------------------------------------------

  /** A new code for what it stands for; it lives `authorizationCodeTtlSeconds`. */
  issueCode(rec: Omit<CodeRecord, 'code' | 'expiresAt' | 'uses'>): string {
    // FusionAuth's codes are base64 with '+', '/' and '=' (its docs' example), so the redirect must encode them.
    const code = randomBytes(32).toString('base64').replace(/=+$/, '') + '=';
    this.codes.set(code, { code, ...rec, expiresAt: this.host.now() + this.host.settings().authorizationCodeTtlSeconds * 1000, uses: 0 });
    this.host.redactor.addToken(code);
    return code;
  }

  /**
   * A code presented at the token endpoint: its record and how often it was presented before.
   * A code is spent the moment it is presented, answer good or bad (RFC 6749 §4.1.2 single use;
   * a failed verifier must not leave the code open to guessing).
   */
  presentCode(code: string): { rec?: CodeRecord; priorUses?: number } {
    const rec = this.codes.get(code);
    const priorUses = rec?.uses;
    if (rec) rec.uses += 1;
    return { rec, priorUses };
  }

  // ---- SSO sessions -----------------------------------------------------------------------

  /** The live session the request's `fusionauth.sso` cookie names; its inactivity timer restarts. */
  liveSso(cookieHeader: string | undefined): SsoSession | undefined {
    const id = parseCookieHeader(cookieHeader)[SSO_COOKIE];
    const s = id ? this.sso.get(id) : undefined;
    const t = this.host.now();
    if (!s || s.expiresAt <= t) return undefined;
    // The OAuth session timeout counts inactivity: every use extends it.
    s.expiresAt = t + this.host.settings().oauthSessionTtlSeconds * 1000;
    return s;
  }

  /** A new SSO session ("Keep me signed in"); returns its Set-Cookie value. */
  startSso(u: DirectoryUser, authTime: number, sid: string): string {
    const ttl = this.host.settings().oauthSessionTtlSeconds;
    const s: SsoSession = { id: randomBytes(32).toString('base64url'), userId: u.id, authTime, sid, expiresAt: this.host.now() + ttl * 1000 };
    this.sso.set(s.id, s);
    this.host.redactor.addToken(s.id);
    return this.ssoCookie(s);
  }

  /** Ends the session the request's `fusionauth.sso` cookie names, if any. */
  endSso(cookieHeader: string | undefined): void {
    const id = parseCookieHeader(cookieHeader)[SSO_COOKIE];
    if (id) this.sso.delete(id);
  }

  /** Host-only (no Domain), HttpOnly, SameSite=Lax, as long-lived as the session; Secure only over https, which the double never serves. */
  ssoCookie(s: SsoSession): string {
    const ttl = Math.max(1, Math.round((s.expiresAt - this.host.now()) / 1000));
    return `${SSO_COOKIE}=${s.id}; Max-Age=${ttl}; Expires=${new Date(s.expiresAt).toUTCString()}; Path=/; SameSite=Lax; HttpOnly`;
  }
}

/** OIDC Core 3.1.3.6: base64url of the left half of the SHA-256 of the access token (for *S256 algorithms). */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}
