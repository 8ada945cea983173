/**
 * `_typeFilter` (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#_typefilter), applied by
 * the gateway as resources are written, so it behaves the same whether or not the vendor
 * honours it (Epic ignores it). Supported: token search parameters — `code`, `system|code`,
 * `|code`, `system|`, comma = OR — on the elements below. Several filters for one type are
 * OR-ed; the criteria inside one filter are AND-ed.
 */
export interface TypeFilter {
  type: string;
  criteria: [name: string, value: string][];
}

type Extract = (resource: Record<string, unknown>) => unknown;

const codeable = (field: string): Extract => (r) => r[field];
/** Token parameters by type: where each one's codes live. */
const TOKEN_PARAMS: Readonly<Record<string, Readonly<Record<string, Extract>>>> = {
  Patient: { gender: codeable('gender') },
  Encounter: { status: codeable('status'), type: codeable('type'), class: codeable('class') },
  Observation: { category: codeable('category'), code: codeable('code'), status: codeable('status') },
  Condition: { category: codeable('category'), code: codeable('code'), 'clinical-status': codeable('clinicalStatus') },
  AllergyIntolerance: { code: codeable('code'), 'clinical-status': codeable('clinicalStatus'), category: codeable('category') },
  MedicationRequest: { status: codeable('status'), intent: codeable('intent'), code: codeable('medicationCodeableConcept'), category: codeable('category') },
  DiagnosticReport: { category: codeable('category'), code: codeable('code'), status: codeable('status') },
  DocumentReference: { category: codeable('category'), type: codeable('type'), status: codeable('status') },
  Appointment: { status: codeable('status') },
  Immunization: { status: codeable('status'), 'vaccine-code': codeable('vaccineCode') },
  ServiceRequest: { status: codeable('status'), code: codeable('code'), category: codeable('category') },
};

export type TypeFilterParse = { ok: true; filter: TypeFilter } | { ok: false; message: string };

export function parseTypeFilter(raw: string): TypeFilterParse {
  const at = raw.indexOf('?');
  const type = at > 0 ? raw.slice(0, at) : '';
  if (!/^[A-Z][A-Za-z]{1,63}$/.test(type)) return { ok: false, message: 'must be a query of the form Type?param=value' };
  const params = TOKEN_PARAMS[type];
  if (!params) return { ok: false, message: `filters on ${type} are not supported` };
  const criteria: [string, string][] = [];
  for (const [name, value] of new URLSearchParams(raw.slice(at + 1))) {
    if (name === '_include' || name === '_sort' || name === '_revinclude') return { ok: false, message: `${name} is not allowed in a _typeFilter` };
    if (!(name in params)) return { ok: false, message: `${type} filter parameter is not supported (supported: ${Object.keys(params).join(', ')})` };
    if (value === '') return { ok: false, message: 'a filter parameter needs a value' };
    criteria.push([name, value]);
  }
  if (criteria.length === 0) return { ok: false, message: 'must name at least one parameter' };
  criteria.sort(([a, x], [b, y]) => a.localeCompare(b) || x.localeCompare(y));
  return { ok: true, filter: { type, criteria } };
}

/** True when the resource passes the filters given for its type (or none are given for it). */
export function passesTypeFilters(resource: Record<string, unknown>, filters: readonly TypeFilter[]): boolean {
  const mine = filters.filter((f) => f.type === resource.resourceType);
  if (mine.length === 0) return true;
  const params = TOKEN_PARAMS[mine[0]?.type ?? ''] ?? {};
  return mine.some((f) => f.criteria.every(([name, value]) => tokenMatches(params[name]?.(resource), value)));
}

interface Coding {
  system?: string;
  code?: string;
}

/** Every (system, code) pair an element carries: a code string, a Coding, a CodeableConcept, or arrays of them. */
function codingsOf(element: unknown): Coding[] {
  if (element === undefined || element === null) return [];
  if (typeof element === 'string') return [{ code: element }];
  if (Array.isArray(element)) return element.flatMap(codingsOf);
  if (typeof element !== 'object') return [];
  const e = element as { coding?: unknown; system?: unknown; code?: unknown };
  if (Array.isArray(e.coding)) return e.coding.flatMap(codingsOf);
  return typeof e.code === 'string' ? [{ code: e.code, ...(typeof e.system === 'string' ? { system: e.system } : {}) }] : [];
}

function tokenMatches(element: unknown, value: string): boolean {
  const codings = codingsOf(element);
  return value.split(',').some((alternative) => {
    const bar = alternative.indexOf('|');
    if (bar === -1) return codings.some((c) => c.code === alternative);
    const system = alternative.slice(0, bar);
    const code = alternative.slice(bar + 1);
    return codings.some((c) => (system === '' ? c.system === undefined : c.system === system) && (code === '' || c.code === code));
  });
}
