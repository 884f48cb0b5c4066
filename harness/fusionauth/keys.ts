import type { KeyObject } from 'node:crypto';
import * as jose from 'jose';
import type { Directory } from './directory';

/** Key material a config or kickstart file supplies instead of the kit's own keys. */
export interface KeyMaterial {
  /** An RSA private key (PKCS#8 PEM or a private JWK) for RS256, and the `kid` to publish it under. */
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

/** The double's two signing keys: HS256 (the directory's secret) and RS256 (published in JWKS). */
export interface SigningKeys {
  hs256: HmacKey;
  rs256: RsaKey;
}

/**
 * One RSA key pair per process: generating a 2048-bit pair costs tens to hundreds of ms,
 * and every double of a run (one per workflow and variant) may share it.
 */
let keyPair: Promise<{ privateKey: jose.KeyLike; publicKey: jose.KeyLike }> | undefined;
function rsaKeyPair() {
  keyPair ??= jose.generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return keyPair;
}

export async function signingKeys(directory: Directory, _material?: KeyMaterial): Promise<SigningKeys> {
  const { privateKey, publicKey } = await rsaKeyPair();
  const jwk = { ...(await jose.exportJWK(publicKey)), alg: 'RS256', kid: directory.rsaKid, use: 'sig' };
  const pem = await jose.exportSPKI(publicKey);
  return {
    hs256: { alg: 'HS256', kid: directory.kid, secret: directory.hmacSecret, key: new TextEncoder().encode(directory.hmacSecret) },
    rs256: { alg: 'RS256', kid: directory.rsaKid, privateKey: privateKey as KeyObject, publicKey: publicKey as KeyObject, jwk, pem },
  };
}
