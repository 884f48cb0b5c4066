/**
 * What the browser holds and how the kit finds and replaces tokens in it (see
 * credentials.ts); the jars it reads (jar.ts), split cookies (split.ts), opaque carriers
 * (carrier.ts), what answers on the wire say (answers.ts), letting cookie tokens expire
 * (expiry.ts).
 */
export { Credentials, type CredentialsHost, type TokenCookies, type TokenRole } from './credentials';
export { ActorJar, ChromiumJar, type CookieJar, type JarCookie } from './jar';
export { type Carrier, type RemovalTrial, carrierByRemoval } from './carrier';
export { joinSplit, resplit, type NamedValue } from './split';
export { isDeletion, newTokens, tokensIssuedIn } from './answers';
export { type ExpiryScenario, expireJwtCookie, expireRefreshTokenCookie } from './expiry';
