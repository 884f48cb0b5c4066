import type { CorsSettings } from './cors';

/**
 * What a FusionAuth kickstart file provisions, as far as the workflows need it: the shape of
 * the double's `Directory` (tenant, API key, applications, users) with what a kickstart adds
 * to it: per application its OAuth and JWT settings, the signing keys with their ids, the
 * tenants' JWT settings, the system's CORS. Every id is lower case (FusionAuth's UUIDs are
 * case-insensitive and it answers them lower case; Flask's kickstart writes one in capitals).
 * Built by kickstart.ts; types only here, so the double can take them without the reader.
 */

export type KeyAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512' | 'HS256' | 'HS384' | 'HS512';
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'];

export interface KickstartKey {
  id: string;
  algorithm: KeyAlgorithm;
  name?: string;
  /** RSA key length in bits (`POST /api/key/generate`: 2048 unless the request says 3072 or 4096). */
  length?: number;
  /** The JWT header `kid` the request asked for (an imported key may name one); else the double chooses. */
  kid?: string;
  issuer?: string;
  /** generate: the double makes the key pair or secret; import: the request carried the material; default: FusionAuth's own HS256 "Default signing key". */
  origin: 'generate' | 'import' | 'default';
  /** Imported material (PEM, or the HMAC secret), as the request gave it. */
  publicKey?: string;
  privateKey?: string;
  secret?: string;
}

/** A tenant's or an application's JWT settings (`jwtConfiguration`). */
export interface JwtSettings {
  accessTokenKeyId?: string;
  idTokenKeyId?: string;
  timeToLiveInSeconds?: number;
  refreshTokenTimeToLiveInMinutes?: number;
  refreshTokenUsagePolicy?: 'Reusable' | 'OneTimeUse';
}

export interface KickstartTenant {
  id: string;
  name?: string;
  /** The `iss` of its tokens; FusionAuth's default tenant says `acme.com`. */
  issuer: string;
  /** Always complete: FusionAuth's defaults (3600 s, 43200 min, Reusable, its default signing key) where the file says nothing. */
  jwt: Required<JwtSettings>;
  /** The SSO session's lifetime in seconds (`httpSessionMaxInactiveInterval`, default 3600). */
  httpSessionMaxInactiveInterval: number;
}

export interface KickstartApplication {
  id: string;
  name?: string;
  tenantId: string;
  /** `oauthConfiguration.clientSecret`, or the one FusionAuth would generate (derived: the same every run). */
  clientSecret: string;
  /** Whether the file gave the client secret (else it was generated, and only `loginflow init` can tell the app). */
  clientSecretDeclared: boolean;
  oauth: {
    /** Exact-match redirect URIs (`authorizedRedirectURLs`). */
    authorizedRedirectURLs: string[];
    authorizedOriginURLs: string[];
    logoutURL?: string;
    /** As declared; an application created without them has none enabled. */
    enabledGrants: string[];
    generateRefreshTokens?: boolean;
    requireRegistration?: boolean;
    clientAuthenticationPolicy?: 'Required' | 'NotRequired' | 'NotRequiredWhenUsingPKCE';
    proofKeyForCodeExchangePolicy?: 'Required' | 'NotRequired' | 'NotRequiredWhenUsingClientAuthentication';
  };
  /** `jwtConfiguration`: used instead of the tenant's when `enabled`. */
  jwt: JwtSettings & { enabled: boolean };
  /** `loginConfiguration` (the Login API): requireAuthentication is whether it needs the API key. */
  login: { requireAuthentication?: boolean; generateRefreshTokens?: boolean; allowTokenRefresh?: boolean };
  roles: string[];
}

export interface KickstartRegistration {
  roles: string[];
  username?: string;
  /** Registration verified (false → the Login API's 213). Default true. */
  verified: boolean;
}

export interface KickstartUser {
  id: string;
  tenantId: string;
  email?: string;
  username?: string;
  /** Absent for a user created to set a password by email (`sendSetPasswordEmail`): no password login. */
  password?: string;
  firstName?: string;
  lastName?: string;
  fullName?: string;
  birthDate?: string;
  /** Email verified (false → the Login API's 212). Default true: the default tenant does not require verification. */
  verified: boolean;
  /** Registrations keyed by application id (FusionAuth's own application included). */
  registrations: Record<string, KickstartRegistration>;
}

export interface KickstartApiKey {
  key: string;
  description?: string;
  /** Scoped to one tenant. */
  tenantId?: string;
  /** Limited to some endpoints (`permissions`). */
  restricted: boolean;
}

/** A request, or part of one, the double does not need: listed once, never fatal. */
export interface IgnoredPart {
  /** Index in `requests`. */
  request: number;
  method: string;
  url: string;
  /** What is ignored: the whole request ("a theme") or its fields ("tenant.themeId"). */
  what: string;
}

export interface KickstartProvisioning {
  /** The kickstart file, as given. */
  file: string;
  /** The default tenant (`defaultTenantId`, else derived). */
  tenantId: string;
  /** The first API key: the one FusionAuth runs the requests with, and the one to hand to a backend. */
  apiKey: string;
  apiKeys: KickstartApiKey[];
  /** FusionAuth's own (admin UI) application id, `#{FUSIONAUTH_APPLICATION_ID}`: not an app of the file. */
  fusionAuthApplicationId: string;
  tenants: Record<string, KickstartTenant>;
  /** The file's applications by id (FusionAuth's own is not among them). */
  applications: Record<string, KickstartApplication>;
  /** Signing keys by id, FusionAuth's default HS256 key included. */
  keys: Record<string, KickstartKey>;
  users: KickstartUser[];
  /** The system CORS configuration, when a request enables it. */
  cors?: CorsSettings;
  ignored: IgnoredPart[];
  /** The variables as resolved (the file's and FusionAuth's), for messages and `loginflow init`. */
  variables: Record<string, string>;
}
