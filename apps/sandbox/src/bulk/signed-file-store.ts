import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Reply } from '../fhir/reply';

/** The credential every sandbox URL names (S3 requires one; it identifies nothing real). */
const ACCESS_KEY_ID = 'SANDBOXBULKEXPORT';
const REGION = 'us-east-1';

const amzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
const parseAmzDate = (value: string): number => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : Number.NaN;
};

export type SignatureCheck = 'ok' | 'missing' | 'bad-signature' | 'expired';

/**
 * Pre-signed object URLs in the manner of S3 query-string authentication
 * (X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders,
 * -Signature). The signature is an HMAC-SHA256 over the object key, date and
 * lifetime with a secret made at start-up, so links die with the sandbox.
 */
export class FileUrlSigner {
  private readonly secret = randomBytes(32);

  /** The query string (without "?") that makes `key` readable for `ttlSeconds` from `nowMs`. */
  sign(key: string, nowMs: number, ttlSeconds: number): string {
    const date = amzDate(nowMs);
    const params = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${ACCESS_KEY_ID}/${date.slice(0, 8)}/${REGION}/s3/aws4_request`,
      'X-Amz-Date': date,
      'X-Amz-Expires': String(ttlSeconds),
      'X-Amz-SignedHeaders': 'host',
    });
    params.set('X-Amz-Signature', this.signature(key, date, String(ttlSeconds)));
    return params.toString();
  }

  check(key: string, query: URLSearchParams, nowMs: number): SignatureCheck {
    const date = query.get('X-Amz-Date');
    const expires = query.get('X-Amz-Expires');
    const signature = query.get('X-Amz-Signature');
    if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !date || !expires || !signature) return 'missing';
    const expected = Buffer.from(this.signature(key, date, expires), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature';
    const signedAt = parseAmzDate(date);
    return Number.isNaN(signedAt) || nowMs > signedAt + Number(expires) * 1000 ? 'expired' : 'ok';
  }

  private signature(key: string, date: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`${key}\n${date}\n${expires}`).digest('hex');
  }
}

const xmlEscape = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An S3-style XML error body (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
export function s3Error(status: number, code: string, message: string, extra: Record<string, string> = {}): Reply {
  const fields = Object.entries({ Code: code, Message: message, ...extra, RequestId: randomBytes(8).toString('hex').toUpperCase() })
    .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
    .join('');
  return { status, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}</Error>` };
}

/** What S3 answers a pre-signed URL fetched with an Authorization header too (a client that forwarded its bearer token). */
export const S3_TWO_AUTH_MECHANISMS = (): Reply =>
  s3Error(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified', {
    ArgumentName: 'Authorization',
  });

export const S3_SIGNATURE_ERRORS: Record<Exclude<SignatureCheck, 'ok'>, () => Reply> = {
  missing: () => s3Error(403, 'AccessDenied', 'Query-string authentication requires the X-Amz-Algorithm, X-Amz-Date, X-Amz-Expires and X-Amz-Signature parameters.'),
  'bad-signature': () => s3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'),
  expired: () => s3Error(403, 'AccessDenied', 'Request has expired'),
};

export const S3_NO_SUCH_KEY = (): Reply => s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
