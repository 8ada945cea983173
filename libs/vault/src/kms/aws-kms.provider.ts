import { z } from 'zod';
import { signAwsRequest, type AwsCredentials } from './aws-sigv4';
import { KmsError, type KmsErrorReason } from './kms-error';
import { DEFAULT_KMS_TIMEOUT_MS, isTransientStatus, kmsRequest } from './kms-http';
import type { KekRef, KmsProvider, WrapContext, WrappedKey } from './kms-provider';
import { wrapContextToStringMap } from './wrap-context';

export interface AwsKmsProviderOptions {
  /** Key id, key ARN, alias name (`alias/…`) or alias ARN of a symmetric KMS key. */
  keyId: string;
  region: string;
  /** Defaults to `https://kms.<region>.amazonaws.com`; set for VPC endpoints or a local fake. */
  endpoint?: string;
  credentials: AwsCredentials;
  timeoutMs?: number;
}

// AWS versions key material behind the key ARN and picks the right version on
// Decrypt by itself, so every wrapped key records version '0'. Rotating
// material needs no re-wrap; pointing the alias at a new key does, and the old
// key keeps decrypting for as long as it is enabled.
const AWS_KEK_VERSION = '0';
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\//;

const encryptResponse = z.object({ CiphertextBlob: z.string().min(1), KeyId: z.string().min(1) });
const decryptResponse = z.object({ Plaintext: z.string().min(1), KeyId: z.string().min(1) });
const describeKeyResponse = z.object({ KeyMetadata: z.object({ Arn: z.string().min(1) }) });
const errorBody = z.object({ __type: z.string().optional() });

type Operation = 'Encrypt' | 'Decrypt' | 'DescribeKey';

/**
 * AWS KMS through its JSON 1.1 API (`POST /`, `X-Amz-Target: TrentService.<Op>`),
 * SigV4-signed. The WrapContext is sent as the `EncryptionContext`, which AWS
 * binds to the ciphertext and records in CloudTrail: it holds ids, never secrets.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 */
export class AwsKmsProvider implements KmsProvider {
  readonly name = 'aws-kms' as const;
  private readonly endpoint: URL;
  private readonly timeoutMs: number;

  constructor(private readonly options: AwsKmsProviderOptions) {
    if (options.keyId === '' || options.region === '') throw new KmsError('invalid_config', { details: { provider: 'aws-kms' } });
    this.endpoint = new URL(options.endpoint ?? `https://kms.${options.region}.amazonaws.com/`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KMS_TIMEOUT_MS;
  }

  /**
   * The key ARN new data keys are wrapped under. An alias is resolved on every
   * call (DescribeKey) so that re-pointing it shows up as a new KEK, and so the
   * id compares equal to the ARN Encrypt records in each wrapped key.
   */
  async primaryKek(): Promise<KekRef> {
    if (KEY_ARN.test(this.options.keyId)) return { id: this.options.keyId, version: AWS_KEK_VERSION };
    const res = describeKeyResponse.safeParse(await this.call('DescribeKey', { KeyId: this.options.keyId }));
    if (!res.success) throw new KmsError('bad_response', { details: { provider: this.name } });
    return { id: res.data.KeyMetadata.Arn, version: AWS_KEK_VERSION };
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    if (dataKey.length === 0 || dataKey.length > 4096) throw new KmsError('invalid_input', { details: { provider: this.name } });
    const body = await this.call('Encrypt', {
      KeyId: this.options.keyId,
      Plaintext: dataKey.toString('base64'),
      EncryptionContext: wrapContextToStringMap(context),
    });
    const res = encryptResponse.safeParse(body);
    if (!res.success) throw new KmsError('bad_response', { details: { provider: this.name } });
    return { kek: { id: res.data.KeyId, version: AWS_KEK_VERSION }, ciphertext: Buffer.from(res.data.CiphertextBlob, 'base64') };
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    if (wrapped.kek.version !== AWS_KEK_VERSION) throw new KmsError('unknown_kek', { details: { provider: this.name } });
    // Naming the key makes AWS refuse a ciphertext that belongs to any other key (IncorrectKeyException).
    const body = await this.call('Decrypt', {
      KeyId: wrapped.kek.id,
      CiphertextBlob: wrapped.ciphertext.toString('base64'),
      EncryptionContext: wrapContextToStringMap(context),
    });
    const res = decryptResponse.safeParse(body);
    if (!res.success || res.data.KeyId !== wrapped.kek.id) throw new KmsError('bad_response', { details: { provider: this.name } });
    return Buffer.from(res.data.Plaintext, 'base64');
  }

  private async call(operation: Operation, payload: Record<string, unknown>): Promise<unknown> {
    const body = JSON.stringify(payload);
    const headers = signAwsRequest({
      method: 'POST',
      url: this.endpoint,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` },
      body,
      region: this.options.region,
      service: 'kms',
      credentials: this.options.credentials,
    });
    const res = await kmsRequest(this.name, this.endpoint, { method: 'POST', headers, body, timeoutMs: this.timeoutMs });
    if (res.status === 200) return res.json;
    // The error type is a fixed AWS name, safe to keep; the message may quote our input, so it is dropped.
    const parsed = errorBody.safeParse(res.json);
    const rawType = (parsed.success ? parsed.data.__type : undefined) ?? res.headers.get('x-amzn-errortype') ?? '';
    const kmsErrorType = rawType.split('#').pop()?.split(':')[0] || undefined;
    const details = { provider: this.name, status: res.status, kmsErrorType };
    throw new KmsError(reasonForAwsError(res.status, kmsErrorType), { details });
  }
}

/** https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html and each operation's Errors section. */
export function reasonForAwsError(status: number, type: string | undefined): KmsErrorReason {
  switch (type) {
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
      return 'unwrap_failed';
    case 'NotFoundException':
      return 'unknown_kek';
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return 'kek_retired';
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'IncompleteSignature':
    case 'MissingAuthenticationToken':
    case 'InvalidClientTokenId':
    case 'ExpiredTokenException':
      return 'access_denied';
    case 'ThrottlingException':
    case 'KMSInternalException':
    case 'DependencyTimeoutException':
    case 'ServiceUnavailable':
      return 'unavailable';
    default:
      return isTransientStatus(status) ? 'unavailable' : status === 401 || status === 403 ? 'access_denied' : 'bad_response';
  }
}
