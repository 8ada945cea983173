import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export const ID_TOKEN_ALGORITHM = 'ES384';

export interface IdTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  fhirUser: string;
  nonce?: string;
  /** SMART v1 apps read the user from `profile`; sent when the profile scope was granted. */
  profile?: string;
}

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The sandbox's own id_token key (ES384), made at first use and kept for the
 * life of the process: a restart rotates it, as apps re-read jwks_uri on an
 * unknown kid anyway.
 */
export class SmartSigningKey {
  private pair?: Promise<KeyPair>;

  private keyPair(): Promise<KeyPair> {
    this.pair ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair(ID_TOKEN_ALGORITHM);
      const kid = randomUUID();
      return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ID_TOKEN_ALGORITHM, use: 'sig' } };
    })();
    return this.pair;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [(await this.keyPair()).publicJwk] };
  }

  /** An OpenID Connect id_token (https://openid.net/specs/openid-connect-core-1_0.html#IDToken). */
  async signIdToken(claims: IdTokenClaims, nowMs: number, ttlSeconds: number): Promise<string> {
    const { kid, privateKey } = await this.keyPair();
    const iat = Math.floor(nowMs / 1000);
    const payload = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
    return new SignJWT(payload).setProtectedHeader({ alg: ID_TOKEN_ALGORITHM, kid, typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(iat + ttlSeconds).sign(privateKey);
  }
}
