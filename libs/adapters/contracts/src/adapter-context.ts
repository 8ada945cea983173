import type { Connection } from '@sb/db';
import type { CryptoKey } from 'jose';
import type { CursorCodec } from './cursor-codec';
import type { TokenCache } from './http/token-cache';
import type { VendorHttpClient } from './http/vendor-http-client';

/** The credentials of the one connection an adapter serves, fetched only when needed (and audited by the caller). */
export interface CredentialSource {
  signingKey(): Promise<{ kid: string; alg: string; privateKey: CryptoKey } | null>;
  clientSecret(name: string): Promise<Buffer>;
}

/** Everything an adapter gets for one call: its connection's own client, token cache and credentials. */
export interface AdapterContext {
  connection: Connection;
  http: VendorHttpClient;
  tokens: TokenCache;
  credentials: CredentialSource;
  cursors: CursorCodec;
}
