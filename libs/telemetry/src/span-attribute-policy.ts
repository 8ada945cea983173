import { SAFE_SPAN_ATTRIBUTE_KEYS } from './safe-span-attributes';

/*
 * Which span attribute keys may leave the process.
 *
 * An allowlist alone would need every key of every instrumentation listed and
 * would silently drop useful new ones; a denylist alone would let through any
 * key nobody thought of (`patient.family`, `fhir.resource`). So both:
 *
 *  1. Allowlist by prefix — only namespaces whose instrumentations record
 *     protocol metadata (`http.*`, `db.*`, `graphql.*`, …) are considered.
 *     Anything else (`user.*`, `enduser.*`, `patient.*`, custom keys) is dropped.
 *     Our own `sb.*` namespace is exact: only SAFE_SPAN_ATTRIBUTE keys.
 *  2. Denylist by pattern — inside those namespaces, keys that suggest content
 *     rather than metadata (bodies, headers, query sources, values, names,
 *     birth dates, addresses, credentials) are dropped.
 *  3. A few exact keys match a deny pattern yet are known metadata
 *     (`graphql.operation.name`, `server.address`, `db.name`): they are kept.
 *
 * Values of the keys that survive are then transformed where their content can
 * still carry input (URLs lose their query, SQL its literals, exceptions their
 * message), and every string is passed through the secret scrubber.
 */

const ALLOWED_PREFIXES: readonly string[] = [
  'http.',
  'url.',
  'server.',
  'network.',
  'net.',
  'db.',
  'graphql.',
  'rpc.',
  'messaging.',
  'express.',
  'nestjs.',
  'prisma.',
  'exception.',
  'error.',
  'otel.',
  'code.',
  'thread.',
  'user_agent.',
];

const KNOWN_METADATA_KEYS: ReadonlySet<string> = new Set([
  'graphql.operation.name',
  'graphql.field.name',
  'graphql.parent.name',
  'db.name',
  'db.system.name',
  'db.collection.name',
  'db.operation.name',
  'messaging.destination.name',
  'messaging.operation.name',
  'net.peer.name',
  'net.host.name',
  'server.address',
  'express.name',
  'code.function.name',
  'otel.scope.name',
]);

const DENIED_KEY_PATTERNS: readonly RegExp[] = [
  /(^|\.)source$/, // graphql.source: the query document
  /body/, // http.request.body, messaging.message.body
  /header/, // http.request.header.authorization, …
  /authorization|cookie|api[._-]?key|token|secret|password|credential/,
  /(^|\.)(values?|parameters?|variables?|args)(\.|$)/, // db.postgresql.values, graphql.variables.*
  /\.name$/,
  /birth/,
  /(^|\.)address$/,
  /(^|\.)(email|phone|ssn|mrn|dob|gender)(\.|$)/,
  /(^|\.)message$/, // exception.message, error.message: free text that may echo input
  /^url\.(query|fragment)$/,
  // Caller IPs: a HIPAA identifier when the caller is a patient's device.
  /^(client\.|http\.client_ip$|net\.peer\.ip$|net\.sock\.peer\.addr$|network\.peer\.address$)/,
];

/** Whether a span attribute with this key may be exported at all. */
export function isExportableAttributeKey(key: string): boolean {
  const k = key.toLowerCase();
  if (k.startsWith('sb.')) return SAFE_SPAN_ATTRIBUTE_KEYS.has(k);
  if (KNOWN_METADATA_KEYS.has(k)) return true;
  if (!ALLOWED_PREFIXES.some((prefix) => k.startsWith(prefix))) return false;
  return !DENIED_KEY_PATTERNS.some((pattern) => pattern.test(k));
}

/** Attributes whose values are URLs or paths and lose their query string. */
export const URL_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'http.url',
  'url.full',
  'url.original',
  'url.path',
  'http.target',
  'http.route',
  'db.connection_string',
]);

/** Attributes holding a database statement, whose literals are scrubbed. */
export const STATEMENT_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(['db.statement', 'db.query.text']);
