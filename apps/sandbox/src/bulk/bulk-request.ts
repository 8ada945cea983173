import type { Request } from 'express';
import { jsonBody, mediaType, rawQuery } from '../fhir/fhir-request';
import { issue, type Issue } from '../fhir/issues';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json']);

const preferTokens = (req: Request): string[] =>
  [req.headers.prefer ?? '']
    .flat()
    .join(',')
    .split(/[,;]/)
    .map((t) => t.trim().toLowerCase().replace(/\s*=\s*/, '='))
    .filter((t) => t !== '');

/**
 * The headers a kick-off must carry (Bulk Data 2.0.0 §Headers):
 * `Accept: application/fhir+json` and `Prefer: respond-async`.
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html#headers
 */
export function kickoffHeaderIssue(req: Request): Issue | undefined {
  const accepts = (req.headers.accept ?? '').split(',').some((part) => mediaType(part) === 'application/fhir+json');
  if (!accepts) return issue('not-acceptable', 'A $export kick-off must send Accept: application/fhir+json.');
  if (!preferTokens(req).includes('respond-async')) return issue('missing-parameter', 'A $export kick-off must send Prefer: respond-async.');
  return undefined;
}

/** `Prefer: respond-async, handling=lenient`: the client would rather lose a parameter than the export. */
export const prefersLenient = (req: Request): boolean => preferTokens(req).includes('handling=lenient');

export type KickoffPairs = { ok: true; pairs: [string, string][] } | { ok: false; issue: Issue };

/** A FHIR Parameters entry's value as text: the first value[x] that is a string, or a reference's reference. */
function parameterValue(entry: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(entry)) {
    if (!key.startsWith('value')) continue;
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean') return String(value);
    const reference = (value as { reference?: unknown } | null)?.reference;
    if (typeof reference === 'string') return reference;
  }
  return undefined;
}

/**
 * The kick-off parameters in order with repeats: the query string, then for
 * a POST the FHIR `Parameters` body (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#query-parameters).
 */
export function kickoffPairs(req: Request): KickoffPairs {
  const pairs: [string, string][] = [...new URLSearchParams(rawQuery(req))];
  if (req.method !== 'POST') return { ok: true, pairs };
  if (!JSON_TYPES.has(mediaType(req.headers['content-type']))) {
    return { ok: false, issue: issue('unsupported-media-type', 'A POST kick-off sends a Parameters resource as application/fhir+json.') };
  }
  const body = jsonBody(req);
  if (!body.ok) return { ok: false, issue: issue('invalid-json', 'The request body is not valid JSON.') };
  const resource = body.value as { resourceType?: unknown; parameter?: unknown } | null;
  if (resource?.resourceType !== 'Parameters') return { ok: false, issue: issue('invalid-content', 'A POST kick-off body must be a Parameters resource.') };
  const entries = resource.parameter ?? [];
  if (!Array.isArray(entries)) return { ok: false, issue: issue('invalid-content', 'Parameters.parameter must be an array.', ['Parameters.parameter']) };
  for (const [index, entry] of (entries as unknown[]).entries()) {
    const name = (entry as { name?: unknown } | null)?.name;
    const value = entry !== null && typeof entry === 'object' ? parameterValue(entry as Record<string, unknown>) : undefined;
    if (typeof name !== 'string' || value === undefined) {
      return { ok: false, issue: issue('invalid-content', 'Each parameter needs a name and a value[x].', [`Parameters.parameter[${index}]`]) };
    }
    pairs.push([name, value]);
  }
  return { ok: true, pairs };
}
