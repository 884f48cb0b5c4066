import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { KitError } from '../errors';
import * as jose from 'jose';
import type { Directory } from './directory';
import { DEV_RSA_PRIVATE_KEY } from './dev-key';

/**
 * The double's signing keys, the same on every run of one config, so an app that caches the
 * JWKS (or the HMAC key by `kid`) keeps working from one run to the next; and a key that
 * changes gets a new `kid`, so a cache never pairs an old `kid` with a new key.
 *
 * - HS256: the directory's `hmacSecret` (the config names it; backends get it as
 *   FUSIONAUTH_JWT_HMAC_SECRET).
 * - RS256: the key a config or kickstart file supplies (`KeyMaterial`), else the kit's bundled
 *   development key (dev-key.ts: public and test-only; node cannot derive an RSA key from a seed).
 * - `kid`: the one the key material or the directory names, else the key's RFC 7638 thumbprint
 *   (SHA-256 of its JWK's required members), a name that changes exactly when the key does.
 *   For HMAC that thumbprint is a hash of the secret; it tells nothing a token signed with the
 *   secret does not already let anyone test a guess against.
 */

/** Key material a config or kickstart file supplies instead of the kit's own key (the seam kickstart's keys come in by). */
export interface KeyMaterial {
  /** An RSA private key (PKCS#8 or PKCS#1 PEM, or a private JWK) for RS256, and the `kid` to publish it under (default: its thumbprint). */
  rsa?: { privateKey: string | jose.JWK; kid?: string };
}

export interface HmacKey {
  alg: 'HS256';
  kid: string;
  secret: string;
  key: Uint8Array;
}

export interface RsaKey {
  alg: 'RS256';
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as published in /.well-known/jwks.json (alg, kid, use). */
  jwk: jose.JWK;
  /** SPKI PEM, as /api/jwt/public-key answers it. */
  pem: string;
}

/** The double's two signing keys: HS256 (the directory's secret, never published) and RS256 (published in JWKS). */
export interface SigningKeys {
  hs256: HmacKey;
  rs256: RsaKey;
}

/** The keys of a directory (its HMAC secret and key ids) and, when given, a config's or kickstart's own RSA key. */
export async function signingKeys(directory: Directory, material: KeyMaterial = {}): Promise<SigningKeys> {
  const key = new TextEncoder().encode(directory.hmacSecret);
  const hmacKid = directory.kid ?? (await jose.calculateJwkThumbprint({ kty: 'oct', k: jose.base64url.encode(key) }, 'sha256'));
  const privateKey = rsaPrivateKey(material.rsa?.privateKey ?? DEV_RSA_PRIVATE_KEY);
  const publicKey = createPublicKey(privateKey);
  const publicJwk = await jose.exportJWK(publicKey);
  // A directory's rsaKid names the bundled key; supplied material names its own key (or is named by its thumbprint).
  const rsaKid = material.rsa ? material.rsa.kid : directory.rsaKid;
  const kid = rsaKid ?? (await jose.calculateJwkThumbprint(publicJwk, 'sha256'));
  return {
    hs256: { alg: 'HS256', kid: hmacKid, secret: directory.hmacSecret, key },
    rs256: { alg: 'RS256', kid, privateKey, publicKey, jwk: { ...publicJwk, alg: 'RS256', kid, use: 'sig' }, pem: await jose.exportSPKI(publicKey) },
  };
}

/** The supplied key read by node, or a config error that says what is wrong with it. */
function rsaPrivateKey(k: string | jose.JWK): KeyObject {
  let key: KeyObject;
  try {
    key = typeof k === 'string' ? createPrivateKey(k) : createPrivateKey({ key: k as JsonWebKey, format: 'jwk' });
  } catch (err) {
    throw new KitError(`the RS256 signing key supplied to the FusionAuth double is not a private key node can read (PEM or JWK): ${(err as Error).message}`, 'CONFIG_INVALID');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new KitError(`the RS256 signing key supplied to the FusionAuth double must be an RSA key, not ${key.asymmetricKeyType}`, 'CONFIG_INVALID');
  return key;
}
