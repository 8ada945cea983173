import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { startFakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server';

export interface FakeVaultTransitOptions {
  /** Defaults to a random token (exposed on the handle). */
  token?: string;
  keyName?: string;
  mountPath?: string;
  /** When set, requests must carry this `X-Vault-Namespace`. */
  namespace?: string;
  /** Whether the key was created with `derived=true` (default true, as the provider requires). */
  derived?: boolean;
  latencyMs?: number;
}

export interface FakeVaultTransit {
  url: string;
  token: string;
  keyName: string;
  mountPath: string;
  readonly requests: number;
  /** Artificial delay before every answer, to stand in for a real KMS round trip. */
  latencyMs: number;
  readonly latestVersion: number;
  /** `POST /keys/<name>/rotate`: adds a key version and returns it. */
  rotate(): number;
  /** `POST /keys/<name>/config min_decryption_version=<v>`: older versions stop decrypting. */
  setMinDecryptionVersion(version: number): void;
  close(): Promise<void>;
}

const CIPHERTEXT = /^vault:v(\d+):([A-Za-z0-9+/]+={0,2})$/;

/**
 * The transit endpoints the provider uses, as Vault answers them: token check,
 * key versions, `min_decryption_version`, derived keys (HKDF-SHA256 of the
 * version's key with the request context, as Vault's `hkdf_sha256` KDF) and
 * `vault:v<N>:base64(nonce ‖ ciphertext ‖ tag)` ciphertexts. Unlike Vault it
 * never creates keys on encrypt (no upsert): only the configured key exists.
 */
export async function startFakeVaultTransit(options: FakeVaultTransitOptions = {}): Promise<FakeVaultTransit> {
  const token = options.token ?? `hvs.${randomBytes(18).toString('base64url')}`;
  const keyName = options.keyName ?? 'switchboard';
  const mountPath = options.mountPath ?? 'transit';
  const derived = options.derived ?? true;
  const versions: Buffer[] = [randomBytes(32)];
  const created: number[] = [Math.floor(Date.now() / 1000)];
  const state = { latencyMs: options.latencyMs ?? 0, minDecryptionVersion: 1 };

  const rotate = (): number => {
    versions.push(randomBytes(32));
    created.push(Math.floor(Date.now() / 1000));
    return versions.length;
  };
  const setMinDecryptionVersion = (version: number): void => {
    if (!Number.isInteger(version) || version < 1 || version > versions.length) {
      throw new Error('fake Vault: invalid min_decryption_version');
    }
    state.minDecryptionVersion = version;
  };

  const keyFor = (version: number, context: Buffer | undefined): Buffer => {
    const material = versions[version - 1];
    return derived ? Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), context ?? Buffer.alloc(0), 32)) : material;
  };
  const encrypt = (plaintext: Buffer, context: Buffer | undefined): string => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyFor(versions.length, context), nonce);
    const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return `vault:v${versions.length}:${sealed.toString('base64')}`;
  };
  /** The plaintext, or Vault's error message. */
  const decrypt = (ciphertext: string, context: Buffer | undefined): Buffer | string => {
    const m = CIPHERTEXT.exec(ciphertext);
    if (!m) return 'invalid ciphertext: no prefix';
    const version = Number(m[1]);
    if (version < state.minDecryptionVersion) return 'ciphertext or signature version is disallowed by policy (too old)';
    if (version > versions.length) return 'invalid ciphertext: key version is greater than the latest';
    const sealed = Buffer.from(m[2], 'base64');
    if (sealed.length < 12 + 16) return 'invalid ciphertext: too short';
    try {
      const decipher = createDecipheriv('aes-256-gcm', keyFor(version, context), sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    } catch {
      return 'cipher: message authentication failed';
    }
  };

  const handle = (req: FakeRequest): FakeResponse => {
    if (req.headers['x-vault-token'] !== token) return vaultError(403, 'permission denied');
    const namespace = (req.headers['x-vault-namespace'] as string | undefined)?.replace(/^\/+|\/+$/g, '');
    if (options.namespace !== undefined && namespace !== options.namespace) return vaultError(404, 'no handler for route');
    const prefix = `/v1/${mountPath}/`;
    if (!req.url.startsWith(prefix)) return vaultError(404, 'no handler for route');
    const [op, name, sub] = req.url.slice(prefix.length).split('/').map(decodeURIComponent);
    if (name !== keyName) return op === 'keys' ? vaultError(404) : vaultError(400, 'encryption key not found');

    if (op === 'keys' && req.method === 'GET' && sub === undefined) {
      return ok({
        name: keyName,
        type: 'aes256-gcm96',
        derived,
        kdf: derived ? 'hkdf_sha256' : undefined,
        latest_version: versions.length,
        min_decryption_version: state.minDecryptionVersion,
        min_encryption_version: 0,
        keys: Object.fromEntries(created.map((t, i) => [String(i + 1), t])),
        supports_encryption: true,
        supports_decryption: true,
      });
    }
    if (req.method !== 'POST') return vaultError(405, 'unsupported operation');
    let body: Record<string, unknown>;
    try {
      body = req.body.length === 0 ? {} : (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>);
    } catch {
      return vaultError(400, 'failed to parse JSON input');
    }
    if (op === 'keys' && sub === 'rotate') {
      rotate();
      return { status: 204 };
    }
    if (op === 'keys' && sub === 'config') {
      if (typeof body.min_decryption_version === 'number') setMinDecryptionVersion(body.min_decryption_version);
      return { status: 204 };
    }
    const context = typeof body.context === 'string' && body.context !== '' ? Buffer.from(body.context, 'base64') : undefined;
    if (derived && context === undefined && ['encrypt', 'decrypt', 'rewrap'].includes(op)) {
      return vaultError(400, "missing 'context' for key derivation; the key was created using a derived key");
    }
    switch (op) {
      case 'encrypt':
        if (typeof body.plaintext !== 'string') return vaultError(400, 'missing plaintext to encrypt');
        return ok({ ciphertext: encrypt(Buffer.from(body.plaintext, 'base64'), context), key_version: versions.length });
      case 'decrypt':
      case 'rewrap': {
        if (typeof body.ciphertext !== 'string') return vaultError(400, 'missing ciphertext to decrypt');
        const plaintext = decrypt(body.ciphertext, context);
        if (typeof plaintext === 'string') return vaultError(400, plaintext);
        if (op === 'decrypt') return ok({ plaintext: plaintext.toString('base64') });
        return ok({ ciphertext: encrypt(plaintext, context), key_version: versions.length });
      }
      default:
        return vaultError(404, 'no handler for route');
    }
  };

  const server = await startFakeHttpServer(handle, () => state.latencyMs);
  return {
    url: server.url,
    token,
    keyName,
    mountPath,
    get requests() {
      return server.requests;
    },
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    get latestVersion() {
      return versions.length;
    },
    rotate,
    setMinDecryptionVersion,
    close: () => server.close(),
  };
}

const ok = (data: Record<string, unknown>): FakeResponse => ({
  status: 200,
  body: {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
  },
});

const vaultError = (status: number, ...errors: string[]): FakeResponse => ({ status, body: { errors } });
