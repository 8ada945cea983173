import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for request headers, as specified in
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * Only what a JSON-over-POST service (KMS) needs, plus the verifier side the
 * local fake uses, so both ends share one implementation of the canonical form.
 */

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary (STS) credentials; sent as `X-Amz-Security-Token` and signed. */
  sessionToken?: string;
}

export interface SignAwsRequestInput {
  method: string;
  url: URL;
  /** Headers to send; all of them are signed, and `host` is added from the URL. */
  headers: Record<string, string>;
  body: string | Buffer;
  region: string;
  service: string;
  credentials: AwsCredentials;
  now?: Date;
}

/**
 * Returns the headers to send: the given ones plus `x-amz-date`,
 * `x-amz-security-token` (if any) and `authorization`. `host` is signed but not
 * returned, because fetch derives it from the URL (and refuses to let us set it).
 */
export function signAwsRequest(input: SignAwsRequestInput): Record<string, string> {
  const amzDate = toAmzDate(input.now ?? new Date());
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  headers['x-amz-date'] = amzDate;
  if (input.credentials.sessionToken !== undefined) headers['x-amz-security-token'] = input.credentials.sessionToken;

  const { canonical, signedHeaders } = canonicalRequest({
    method: input.method,
    path: input.url.pathname,
    query: input.url.search.replace(/^\?/, ''),
    headers: { ...headers, host: input.url.host },
    payloadHash: sha256Hex(input.body),
  });
  const scope = credentialScope(amzDate.slice(0, 8), input.region, input.service);
  const signature = sigV4Signature(input.credentials.secretAccessKey, scope, stringToSign(amzDate, scope, canonical));
  const credential = `${input.credentials.accessKeyId}/${scopeString(scope)}`;
  headers.authorization = `${SIGV4_ALGORITHM} Credential=${credential}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

export interface CanonicalRequestInput {
  method: string;
  /** The path as sent (percent-encoded or not). */
  path: string;
  /** The query string as sent, without `?`. */
  query: string;
  /** Exactly the headers to sign. */
  headers: Record<string, string>;
  payloadHash: string;
}

export function canonicalRequest(input: CanonicalRequestInput): { canonical: string; signedHeaders: string } {
  const names = Object.keys(input.headers)
    .map((n) => n.toLowerCase())
    .sort();
  const lowered = Object.fromEntries(Object.entries(input.headers).map(([n, v]) => [n.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${lowered[n].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonical = [
    input.method.toUpperCase(),
    canonicalPath(input.path),
    canonicalQuery(input.query),
    canonicalHeaders,
    signedHeaders,
    input.payloadHash,
  ].join('\n');
  return { canonical, signedHeaders };
}

export interface CredentialScope {
  /** YYYYMMDD */
  date: string;
  region: string;
  service: string;
}

export const credentialScope = (date: string, region: string, service: string): CredentialScope => ({ date, region, service });

export const scopeString = (s: CredentialScope): string => `${s.date}/${s.region}/${s.service}/aws4_request`;

export function stringToSign(amzDate: string, scope: CredentialScope, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scopeString(scope), sha256Hex(canonical)].join('\n');
}

export function sigV4Signature(secretAccessKey: string, scope: CredentialScope, toSign: string): string {
  const kDate = hmac(`AWS4${secretAccessKey}`, scope.date);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  const kSigning = hmac(kService, 'aws4_request');
  return createHmac('sha256', kSigning).update(toSign, 'utf8').digest('hex');
}

export interface ParsedAuthorization {
  accessKeyId: string;
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION = new RegExp(
  '^AWS4-HMAC-SHA256 Credential=([^/,\\s]+)/(\\d{8})/([^/,\\s]+)/([^/,\\s]+)/aws4_request,' +
    '\\s*SignedHeaders=([a-z0-9;-]+),\\s*Signature=([0-9a-f]{64})$',
);

/** Parses an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const m = AUTHORIZATION.exec(header);
  if (!m) return undefined;
  return {
    accessKeyId: m[1],
    scope: credentialScope(m[2], m[3], m[4]),
    signedHeaders: m[5].split(';'),
    signature: m[6],
  };
}

/** `20150830T123600Z`: ISO 8601 basic format, whole seconds, UTC. */
export function toAmzDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

// Segments are normalized to one level of RFC 3986 encoding, which is what the
// AWS test suite expects; KMS only ever uses `/`.
function canonicalPath(path: string): string {
  if (path === '') return '/';
  return path
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const [k, v] = i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
      return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))] as const;
    });
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** RFC 3986 unreserved characters stay; everything else is %XX (uppercase). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
