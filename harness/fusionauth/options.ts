import type { Journal } from '../trace';
import type { CorsSettings } from './cors';
import type { Directory } from './directory';
import type { KeyMaterial } from './keys';

/** How the double signs the JWTs it issues (the signing variant). */
export type Signing = 'HS256' | 'RS256';

export interface DoubleOptions {
  /** Seeded default (see directory.ts), overridable. */
  directory?: Directory;
  /** Default HS256 with a kid header; the RS256 key is always published in JWKS. */
  signing?: Signing;
  /** Signing keys a config or kickstart file supplies (keys.ts); default the kit's own. */
  keys?: KeyMaterial;
  /** Default 400 (real FusionAuth); 404 is what the workflow diagrams draw. */
  refreshFailureStatus?: 400 | 404;
  refreshTokenPolicy?: 'Reusable' | 'OneTimeUse';
  /** Default true: `Authorization: <key>` (no scheme) required when applicationId is sent (application.loginConfiguration.requireAuthentication). */
  requireApiKey?: boolean;
  /** Default true: the API key is required when no applicationId is sent (tenant.loginConfiguration.requireAuthentication). */
  tenantRequireApiKey?: boolean;
  /** Default true: /oauth2/token requires client authentication (clientAuthenticationPolicy Required). */
  requireClientAuthentication?: boolean;
  /** FusionAuth's CORS filter. Default null: disabled, every CORS request denied (FusionAuth's default). */
  cors?: CorsSettings | null;
  /** Default 'acme.com'. */
  issuer?: string;
  /** Default 3600. */
  jwtTtlSeconds?: number;
  /** Default 30 days. */
  refreshTokenTtlSeconds?: number;
  /** Life of an authorization code. Default 30 (a code "expired after 30 seconds", fusionauth-issues #211). */
  authorizationCodeTtlSeconds?: number;
  /** The tenant's OAuth session timeout: how long the fusionauth.sso session lives without use. Default 3600. */
  oauthSessionTtlSeconds?: number;
  journal?: Journal;
  /** Host recorded in the journal and the host the cookies are meant for. Default 'auth.example.test'. */
  publicHost?: string;
  /** The wall clock tokens are issued and expire on (ms since epoch): the run's world clock (harness/clock). Default Date.now. */
  now?: () => number;
}

/** The knobs a running double can change (`setOptions`); keys, directory, journal and clock are fixed at start. */
export type DoubleSettings = Required<Omit<DoubleOptions, 'directory' | 'journal' | 'now' | 'keys'>>;

/** The settings of a double started with these options: FusionAuth's defaults where none is given. */
export function settingsFrom(opts: DoubleOptions): DoubleSettings {
  return {
    signing: opts.signing ?? 'HS256',
    refreshFailureStatus: opts.refreshFailureStatus ?? 400,
    refreshTokenPolicy: opts.refreshTokenPolicy ?? 'Reusable',
    requireApiKey: opts.requireApiKey ?? true,
    tenantRequireApiKey: opts.tenantRequireApiKey ?? true,
    requireClientAuthentication: opts.requireClientAuthentication ?? true,
    cors: opts.cors ?? null,
    issuer: opts.issuer ?? 'acme.com',
    jwtTtlSeconds: opts.jwtTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 30 * 24 * 3600,
    authorizationCodeTtlSeconds: opts.authorizationCodeTtlSeconds ?? 30,
    oauthSessionTtlSeconds: opts.oauthSessionTtlSeconds ?? 3600,
    publicHost: opts.publicHost ?? 'auth.example.test',
  };
}
