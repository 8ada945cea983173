import { createCipheriv, createDecipheriv, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  canonicalRequest,
  parseAuthorization,
  sha256Hex,
  sigV4Signature,
  stringToSign,
  type AwsCredentials,
} from '../aws-sigv4';
import { startFakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server';

export interface FakeAwsKmsOptions {
  region?: string;
  /** Defaults to fresh random credentials (exposed on the handle). */
  credentials?: AwsCredentials;
  latencyMs?: number;
}

export interface FakeAwsKms {
  url: string;
  region: string;
  credentials: AwsCredentials;
  /** The first key, created at start: bare id, ARN and an alias pointing at it. */
  keyId: string;
  keyArn: string;
  aliasName: string;
  readonly requests: number;
  latencyMs: number;
  /** Adds key material to a key (default: the first); old ciphertexts keep decrypting. Returns the new material version. */
  rotate(keyArn?: string): number;
  /** A second key, as when an operator moves the alias to a new key. */
  createKey(): { keyId: string; keyArn: string };
  pointAlias(keyArn: string): void;
  setKeyEnabled(keyArn: string, enabled: boolean): void;
  /** Which material version a blob was encrypted under (tests only; real blobs are opaque). */
  materialVersionOf(ciphertextBlob: Buffer): number;
  close(): Promise<void>;
}

interface FakeKey {
  id: string;
  arn: string;
  enabled: boolean;
  materials: Buffer[];
}

const ACCOUNT = '111122223333';
const MAX_SKEW_MS = 5 * 60_000;
// Blob: 0x01 ‖ key id (36 ASCII) ‖ material version (u32 BE) ‖ nonce (12) ‖ tag (16) ‖ body.
const HEADER_BYTES = 1 + 36 + 4;

/**
 * AWS KMS's JSON API (Encrypt, Decrypt, DescribeKey) on 127.0.0.1, strict where
 * it matters to us: every request's SigV4 signature is recomputed and checked,
 * the encryption context is authenticated, and errors use AWS's `__type` names.
 */
export async function startFakeAwsKms(options: FakeAwsKmsOptions = {}): Promise<FakeAwsKms> {
  const region = options.region ?? 'us-east-1';
  const credentials = options.credentials ?? {
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
  const keys = new Map<string, FakeKey>();
  const aliases = new Map<string, string>();
  const createKey = (): FakeKey => {
    const id = randomUUID();
    const key = { id, arn: `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`, enabled: true, materials: [randomBytes(32)] };
    keys.set(id, key);
    return key;
  };
  const first = createKey();
  const aliasName = 'alias/switchboard-test';
  aliases.set(aliasName, first.id);

  const resolve = (keyId: string): FakeKey | undefined => {
    const alias = /^(?:arn:aws:kms:[^:]+:\d{12}:)?(alias\/.+)$/.exec(keyId)?.[1];
    if (alias !== undefined) return keys.get(aliases.get(alias) ?? '');
    return keys.get(keyId.replace(/^arn:aws:kms:[^:]+:\d{12}:key\//, ''));
  };
  const keyByArn = (arn: string): FakeKey => {
    const key = resolve(arn);
    if (!key) throw new Error('fake AWS KMS: no such key');
    return key;
  };

  const state = { latencyMs: options.latencyMs ?? 0 };
  const server = await startFakeHttpServer(
    (req) => authenticate(req, region, credentials) ?? operation(req, resolve),
    () => state.latencyMs,
  );
  return {
    url: server.url,
    region,
    credentials,
    keyId: first.id,
    keyArn: first.arn,
    aliasName,
    get requests() {
      return server.requests;
    },
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    rotate: (keyArn = first.arn) => keyByArn(keyArn).materials.push(randomBytes(32)) - 1,
    createKey: () => {
      const key = createKey();
      return { keyId: key.id, keyArn: key.arn };
    },
    pointAlias: (keyArn) => void aliases.set(aliasName, keyByArn(keyArn).id),
    setKeyEnabled: (keyArn, enabled) => void (keyByArn(keyArn).enabled = enabled),
    materialVersionOf: (blob) => blob.readUInt32BE(37),
    close: () => server.close(),
  };
}

const awsError = (type: string, message: string, status = 400): FakeResponse => ({
  status,
  body: { __type: type, message },
  headers: { 'x-amzn-errortype': type },
});

const badToken = (): FakeResponse => awsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
const badSignature = (why: string): FakeResponse => awsError('InvalidSignatureException', why);
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** SigV4 check; returns the error response, or undefined when the request is authentic. */
function authenticate(req: FakeRequest, region: string, creds: AwsCredentials): FakeResponse | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return awsError('MissingAuthenticationToken', 'Missing Authentication Token');
  const auth = parseAuthorization(header);
  if (!auth) return awsError('IncompleteSignature', 'Authorization header is malformed');
  if (auth.accessKeyId !== creds.accessKeyId) return badToken();
  if (auth.scope.region !== region || auth.scope.service !== 'kms') return badSignature('Credential should be scoped correctly.');
  const amzDate = headerValue(req, 'x-amz-date') ?? '';
  const sentAt = Date.parse(amzDate.replace(AMZ_DATE, '$1-$2-$3T$4:$5:$6Z'));
  if (!Number.isFinite(sentAt) || Math.abs(Date.now() - sentAt) > MAX_SKEW_MS || auth.scope.date !== amzDate.slice(0, 8)) {
    return badSignature('Signature expired or date malformed.');
  }
  const required = ['host', 'x-amz-date', 'x-amz-target'];
  if (creds.sessionToken !== undefined) required.push('x-amz-security-token');
  if (required.some((h) => !auth.signedHeaders.includes(h))) return badSignature('Required headers are not signed.');
  if (creds.sessionToken !== undefined && headerValue(req, 'x-amz-security-token') !== creds.sessionToken) return badToken();
  const signed: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headerValue(req, name);
    if (value === undefined) return badSignature('A signed header is missing.');
    signed[name] = value;
  }
  const [path, query = ''] = req.url.split('?', 2);
  const payloadHash = sha256Hex(req.body);
  const { canonical } = canonicalRequest({ method: req.method, path, query, headers: signed, payloadHash });
  const expected = Buffer.from(sigV4Signature(creds.secretAccessKey, auth.scope, stringToSign(amzDate, auth.scope, canonical)));
  const given = Buffer.from(auth.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return badSignature('The request signature we calculated does not match the signature you provided.');
  }
  return undefined;
}

function headerValue(req: FakeRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function operation(req: FakeRequest, resolve: (keyId: string) => FakeKey | undefined): FakeResponse {
  if (req.method !== 'POST' || req.url !== '/' || headerValue(req, 'content-type') !== 'application/x-amz-json-1.1') {
    return awsError('UnknownOperationException', 'Unsupported request.');
  }
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return awsError('SerializationException', 'Body is not JSON.');
  }
  const context = encryptionContext(input.EncryptionContext);
  if (context === undefined) return awsError('ValidationException', 'EncryptionContext must be a map of strings.');
  const keyId = typeof input.KeyId === 'string' ? input.KeyId : undefined;
  const named = keyId === undefined ? undefined : resolve(keyId);
  if (keyId !== undefined && !named) return awsError('NotFoundException', 'Key not found.');

  switch (headerValue(req, 'x-amz-target')) {
    case 'TrentService.DescribeKey': {
      if (!named) return awsError('ValidationException', 'KeyId is required.');
      const { id, arn, enabled } = named;
      return { status: 200, body: { KeyMetadata: { KeyId: id, Arn: arn, Enabled: enabled, KeyState: enabled ? 'Enabled' : 'Disabled' } } };
    }
    case 'TrentService.Encrypt':
      if (!named) return awsError('ValidationException', 'KeyId is required.');
      return encrypt(named, input.Plaintext, context);
    case 'TrentService.Decrypt':
      return decrypt(named, input.CiphertextBlob, context, resolve);
    default:
      return awsError('UnknownOperationException', 'Unknown X-Amz-Target.');
  }
}

const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';
const invalidCiphertext = (): FakeResponse => awsError('InvalidCiphertextException', '');

function encrypt(key: FakeKey, plaintextB64: unknown, context: Buffer): FakeResponse {
  if (!key.enabled) return awsError('DisabledException', 'Key is disabled.');
  const plaintext = typeof plaintextB64 === 'string' ? Buffer.from(plaintextB64, 'base64') : Buffer.alloc(0);
  if (plaintext.length < 1 || plaintext.length > 4096) return awsError('ValidationException', 'Plaintext length is invalid.');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(1, 0);
  header.write(key.id, 1, 'ascii');
  header.writeUInt32BE(key.materials.length - 1, 37);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.materials[key.materials.length - 1], nonce);
  cipher.setAAD(Buffer.concat([header, context]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const blob = Buffer.concat([header, nonce, cipher.getAuthTag(), body]);
  return { status: 200, body: { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: SYMMETRIC_DEFAULT } };
}

function decrypt(
  named: FakeKey | undefined,
  blobB64: unknown,
  context: Buffer,
  resolve: (keyId: string) => FakeKey | undefined,
): FakeResponse {
  const blob = typeof blobB64 === 'string' ? Buffer.from(blobB64, 'base64') : Buffer.alloc(0);
  if (blob.length <= HEADER_BYTES + 28 || blob[0] !== 1) return invalidCiphertext();
  const owner = resolve(blob.toString('ascii', 1, 37));
  if (!owner) return invalidCiphertext();
  if (named && named.id !== owner.id) return awsError('IncorrectKeyException', 'The key ID does not identify the key used to encrypt.');
  if (!owner.enabled) return awsError('DisabledException', 'Key is disabled.');
  const material = owner.materials[blob.readUInt32BE(37)];
  if (!material) return invalidCiphertext();
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(HEADER_BYTES, HEADER_BYTES + 12));
    decipher.setAAD(Buffer.concat([blob.subarray(0, HEADER_BYTES), context]));
    decipher.setAuthTag(blob.subarray(HEADER_BYTES + 12, HEADER_BYTES + 28));
    const plaintext = Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES + 28)), decipher.final()]);
    return { status: 200, body: { KeyId: owner.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: SYMMETRIC_DEFAULT } };
  } catch {
    return invalidCiphertext();
  }
}

/** AWS treats the context as an unordered map; sorting makes its bytes canonical. */
function encryptionContext(raw: unknown): Buffer | undefined {
  if (raw === undefined) return Buffer.from('[]');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.some(([, v]) => typeof v !== 'string')) return undefined;
  return Buffer.from(JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
