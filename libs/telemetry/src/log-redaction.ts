import { serializeError, isErrorLike } from './error-serializer';
import { REDACTED, scrubSecrets } from './secret-scrubber';
import { stripQuery } from './url-sanitizer';

const MAX_DEPTH = 8;
const MAX_ARRAY_ITEMS = 100;

/*
 * Keys whose values are credentials. Compared case-insensitively with `-` and
 * `_` removed, so `Authorization`, `x-api-key`, `client_secret` and `apiKey`
 * all match. Suffixes catch `accessToken`, `dbPassword`, `signingKey`, …
 */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'apikey',
  'key',
  'secret',
  'password',
  'passwd',
  'token',
  'credentials',
]);
const SECRET_KEY_SUFFIXES: readonly string[] = [
  'token',
  'secret',
  'password',
  'apikey',
  'privatekey',
  'secretkey',
  'masterkey',
  'signingkey',
  'accesskey',
  'encryptionkey',
  'cookie',
  'authorization',
];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEYS.has(k) || SECRET_KEY_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

/*
 * Request and response objects carry headers (credentials) and URLs with query
 * strings (PHI); when one is logged whole, only what identifies the exchange is kept.
 */
function summarizeHttpMessage(value: object): Record<string, unknown> | undefined {
  const v = value as { method?: unknown; headers?: unknown; socket?: unknown; url?: unknown; originalUrl?: unknown };
  if (typeof (value as { setHeader?: unknown }).setHeader === 'function') {
    return { statusCode: (value as { statusCode?: unknown }).statusCode };
  }
  if (typeof v.method === 'string' && v.headers !== undefined && v.socket !== undefined) {
    const url = typeof v.originalUrl === 'string' ? v.originalUrl : typeof v.url === 'string' ? v.url : '';
    return { method: v.method, path: stripQuery(url) };
  }
  return undefined;
}

function redact(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (isErrorLike(value)) return redact(serializeError(value), depth, ancestors);
  if (value instanceof Date) return value;
  if (value instanceof URL) return scrubSecrets(stripQuery(value.href));
  if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  const http = summarizeHttpMessage(value);
  if (http) return http;
  if (ancestors.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[depth limit]';

  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ARRAY_ITEMS).map((item) => redact(item, depth + 1, ancestors));
      if (value.length > MAX_ARRAY_ITEMS) items.push(`[${value.length - MAX_ARRAY_ITEMS} more]`);
      return items;
    }
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redact(toJSON.call(value), depth + 1, ancestors);
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = isSecretKey(key) ? REDACTED : redact(child, depth + 1, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * A copy of a value that is safe to log: credential-named keys censored at any
 * depth, credential-shaped strings masked, errors serialized by policy. This is
 * used instead of pino's `redact` option because those paths are fixed-depth
 * (`*.password` matches one level only) and case-sensitive.
 */
export function redactLogValue(value: unknown): unknown {
  return redact(value, 0, new Set());
}

/** Same, for the top-level object of a log call. */
export function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  const out = redactLogValue(object);
  return out !== null && typeof out === 'object' && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
}
