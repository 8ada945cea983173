import { ErrorCode, SbError } from '@sb/core';

/** Query-string parameters as name → values (repeats kept; Express gives a string or an array). */
export function valuesOfQuery(query: Record<string, unknown>): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(query)) {
    const list = Array.isArray(raw) ? raw : [raw];
    if (!list.every((v): v is string => typeof v === 'string')) throw invalid(name, 'must be a plain value');
    values.set(name, list);
  }
  return values;
}

const VALUE_KEYS = ['valueString', 'valueCode', 'valueInstant', 'valueDateTime', 'valueUri', 'valueBoolean'] as const;

/**
 * A POST kick-off's FHIR `Parameters` body as name → values
 * (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#post-kick-off-request): `patient` carries a
 * `valueReference`, everything else a primitive value.
 */
export function parametersBody(body: unknown): Map<string, string[]> {
  const values = new Map<string, string[]>();
  if (body === undefined || (typeof body === 'object' && body !== null && Object.keys(body).length === 0)) return values;
  if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Parameters') throw invalid('body', 'must be a FHIR Parameters resource');
  const parameters = (body as { parameter?: unknown }).parameter ?? [];
  if (!Array.isArray(parameters)) throw invalid('Parameters.parameter', 'must be an array');
  parameters.forEach((p: unknown, i) => {
    const entry = (p ?? {}) as Record<string, unknown>;
    const name = entry.name;
    if (typeof name !== 'string' || name === '') throw invalid(`Parameters.parameter[${i}].name`, 'is required');
    const reference = (entry.valueReference as { reference?: unknown } | undefined)?.reference;
    const key = VALUE_KEYS.find((k) => entry[k] !== undefined);
    const value = typeof reference === 'string' ? reference : key ? String(entry[key]) : undefined;
    if (value === undefined) throw invalid(`Parameters.parameter[${i}]`, 'needs a value[x]');
    values.set(name, [...(values.get(name) ?? []), value]);
  });
  return values;
}

const invalid = (path: string, message: string): SbError => new SbError(ErrorCode.ValidationFailed, 'Invalid Bulk Data kick-off', { issues: [{ path, message }] });
