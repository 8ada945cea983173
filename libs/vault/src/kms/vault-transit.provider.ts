import { z } from 'zod';
import { KmsError, type KmsErrorReason } from './kms-error';
import { DEFAULT_KMS_TIMEOUT_MS, isTransientStatus, kmsRequest } from './kms-http';
import type { KekRef, KmsProvider, WrapContext, WrappedKey } from './kms-provider';
import { encodeWrapContext } from './wrap-context';

export interface VaultTransitProviderOptions {
  /** Vault's base address, e.g. `https://vault.internal:8200`. */
  address: string;
  token: string;
  /** Transit key name; the key must have been created with `derived=true` (see below). */
  keyName: string;
  mountPath?: string;
  /** Vault Enterprise namespace (`X-Vault-Namespace`). */
  namespace?: string;
  timeoutMs?: number;
}

const VAULT_CIPHERTEXT = /^vault:v(\d+):/;

const envelope = <T extends z.ZodType>(data: T) => z.object({ data });
const keyResponse = envelope(z.object({ latest_version: z.number().int().positive(), derived: z.boolean() }));
const ciphertextResponse = envelope(z.object({ ciphertext: z.string().regex(VAULT_CIPHERTEXT) }));
const plaintextResponse = envelope(z.object({ plaintext: z.string() }));
const errorResponse = z.object({ errors: z.array(z.string()) });

export type VaultTransitOperation = 'read-key' | 'encrypt' | 'decrypt' | 'rewrap';

/**
 * HashiCorp Vault's transit engine. The WrapContext is bound through key
 * derivation: the transit key is created with `derived=true`
 * (`vault write -f transit/keys/<name> derived=true`), and the canonical context
 * bytes are the per-request derivation `context`, so a wrapped key only opens
 * with the context it was made for. This works on every Vault version, unlike
 * `associated_data`, which needs Vault 1.15+. A non-derived key would silently
 * ignore the context, so the provider refuses to use one.
 *
 * Wrapped ciphertext is Vault's own `vault:v<N>:…` string (UTF-8 bytes); N is
 * the KEK version. Retiring versions is `min_decryption_version` on the key.
 * https://developer.hashicorp.com/vault/api-docs/secret/transit
 */
export class VaultTransitProvider implements KmsProvider {
  readonly name = 'vault-transit' as const;
  private readonly base: string;
  private readonly timeoutMs: number;
  private derivedCheck?: Promise<void>;

  constructor(private readonly options: VaultTransitProviderOptions) {
    if (options.keyName === '' || options.token === '' || /[/?#]/.test(options.keyName)) {
      throw new KmsError('invalid_config', { details: { provider: 'vault-transit' } });
    }
    const mount = (options.mountPath ?? 'transit').replace(/^\/+|\/+$/g, '');
    this.base = `${new URL(options.address).toString().replace(/\/+$/, '')}/v1/${mount}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KMS_TIMEOUT_MS;
  }

  async primaryKek(): Promise<KekRef> {
    const key = await this.readKey();
    return { id: this.options.keyName, version: String(key.latest_version) };
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    if (dataKey.length === 0) throw new KmsError('invalid_input', { details: { provider: this.name } });
    const derivationContext = encodeWrapContext(context).toString('base64');
    await this.ensureDerivedKey();
    const body = await this.call('encrypt', { plaintext: dataKey.toString('base64'), context: derivationContext });
    return this.toWrapped(body);
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    const ciphertext = this.ciphertextOf(wrapped);
    const body = await this.call('decrypt', { ciphertext, context: encodeWrapContext(context).toString('base64') });
    const res = plaintextResponse.safeParse(body);
    if (!res.success) throw new KmsError('bad_response', { details: { provider: this.name } });
    return Buffer.from(res.data.data.plaintext, 'base64');
  }

  /**
   * Re-encrypts a wrapped key under the latest key version inside Vault, so KEK
   * rotation never brings the data key out. Same failures as `unwrap`.
   */
  async rewrap(wrapped: WrappedKey, context: WrapContext): Promise<WrappedKey> {
    const ciphertext = this.ciphertextOf(wrapped);
    const body = await this.call('rewrap', { ciphertext, context: encodeWrapContext(context).toString('base64') });
    return this.toWrapped(body);
  }

  private async readKey(): Promise<z.infer<typeof keyResponse>['data']> {
    const res = keyResponse.safeParse(await this.call('read-key'));
    if (!res.success) throw new KmsError('bad_response', { details: { provider: this.name } });
    if (!res.data.data.derived) throw new KmsError('invalid_config', { details: { provider: this.name } });
    return res.data.data;
  }

  // Checked once per process; a failed check (Vault down) is retried on the next wrap.
  private ensureDerivedKey(): Promise<void> {
    this.derivedCheck ??= this.readKey().then(
      () => undefined,
      (e: unknown) => {
        this.derivedCheck = undefined;
        throw e;
      },
    );
    return this.derivedCheck;
  }

  private ciphertextOf(wrapped: WrappedKey): string {
    if (wrapped.kek.id !== this.options.keyName) throw new KmsError('unknown_kek', { details: { provider: this.name } });
    const ciphertext = wrapped.ciphertext.toString('utf8');
    // The recorded version must be the one Vault will use, or the record was altered.
    if (VAULT_CIPHERTEXT.exec(ciphertext)?.[1] !== wrapped.kek.version) {
      throw new KmsError('unwrap_failed', { details: { provider: this.name } });
    }
    return ciphertext;
  }

  private toWrapped(body: unknown): WrappedKey {
    const res = ciphertextResponse.safeParse(body);
    if (!res.success) throw new KmsError('bad_response', { details: { provider: this.name } });
    const { ciphertext } = res.data.data;
    const version = (VAULT_CIPHERTEXT.exec(ciphertext) as RegExpExecArray)[1];
    return { kek: { id: this.options.keyName, version }, ciphertext: Buffer.from(ciphertext, 'utf8') };
  }

  private async call(operation: VaultTransitOperation, payload?: Record<string, string>): Promise<unknown> {
    const key = encodeURIComponent(this.options.keyName);
    const url = new URL(operation === 'read-key' ? `${this.base}/keys/${key}` : `${this.base}/${operation}/${key}`);
    const headers: Record<string, string> = { 'x-vault-token': this.options.token };
    if (this.options.namespace !== undefined) headers['x-vault-namespace'] = this.options.namespace;
    if (payload) headers['content-type'] = 'application/json';
    const res = await kmsRequest(this.name, url, {
      method: payload ? 'POST' : 'GET',
      headers,
      body: payload && JSON.stringify(payload),
      timeoutMs: this.timeoutMs,
    });
    if (res.status === 200) return res.json;
    const parsed = errorResponse.safeParse(res.json);
    // Vault's messages are matched against, never forwarded: they can echo request input.
    throw new KmsError(reasonForVaultError(operation, res.status, parsed.success ? parsed.data.errors : []), {
      details: { provider: this.name, status: res.status },
    });
  }
}

/** Vault answers every transit failure with `{ errors: [string] }`; the status and message decide. */
export function reasonForVaultError(operation: VaultTransitOperation, status: number, errors: string[]): KmsErrorReason {
  const text = errors.join(' ').toLowerCase();
  if (status === 401 || status === 403) return 'access_denied';
  if (isTransientStatus(status)) return 'unavailable';
  if (status === 404 || text.includes('key not found')) return 'unknown_kek';
  if (text.includes('too old')) return 'kek_retired';
  // Anything else Vault rejects in a decrypt is the ciphertext or its context not matching.
  if (status === 400 && (operation === 'decrypt' || operation === 'rewrap')) return 'unwrap_failed';
  return 'bad_response';
}
