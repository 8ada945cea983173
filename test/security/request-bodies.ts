/**
 * A valid request body for an operation, so that a probe reaches the handler's lookup instead
 * of stopping at validation (a 400 would hide a missing tenant check). Generated from the
 * OpenAPI schema; the overrides cover what a schema cannot say (FHIR resources, "one field").
 */
import { randomUUID } from 'node:crypto';
import type { JsonSchema, RestOperation } from './catalog';
import type { Fixtures } from './fixtures';

const CANDIDATE_STRINGS = ['1', 'probe', 'Probe1', 'probe@probe.example'];

/** An example value of a schema: required properties only, enum's first value, formats honoured. */
export function exampleOf(schema: JsonSchema | undefined): unknown {
  if (!schema) return undefined;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.oneOf ?? schema.anyOf) return exampleOf((schema.oneOf ?? schema.anyOf)![0]);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((name) => [name, exampleOf(schema.properties?.[name])]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleOf(schema.items));
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return false;
    default:
      return stringFor(schema);
  }
}

function stringFor(schema: JsonSchema): string {
  switch (schema.format) {
    case 'uuid':
      return randomUUID();
    case 'date-time':
      return new Date(Date.now() - 3_600_000).toISOString();
    case 'email':
      return `probe-${randomUUID().slice(0, 8)}@probe.example`;
    case 'uri':
      return 'https://probe.example/x';
    default: {
      const pattern = schema.pattern ? new RegExp(schema.pattern) : null;
      return CANDIDATE_STRINGS.find((s) => !pattern || pattern.test(s)) ?? 'probe';
    }
  }
}

const PATIENT = { resourceType: 'Patient', name: [{ family: 'Probe' }] };
const PARAMETERS = { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Patient' }] };

/** Bodies a schema does not give (or gives as an empty object that changes nothing). */
const OVERRIDES: Readonly<Record<string, (ids: Partial<Fixtures>) => unknown>> = {
  TenantsController_update: () => ({ name: 'hijacked' }),
  SmartAppsController_update: () => ({ name: 'hijacked' }),
  ConnectionsController_update: () => ({ name: 'hijacked' }),
  ConnectionsController_setStatus: () => ({ status: 'disabled' }),
  Hl7MessagesController_preview: () => ({ replay: 1 }),
  WebhookEndpointsController_update: () => ({ description: 'hijacked' }),
  HealthAlertRulesController_update: () => ({ name: 'hijacked' }),
  UsersController_update: () => ({ role: 'viewer' }),
  FhirController_create: () => PATIENT,
  FhirController_update: (ids) => ({ ...PATIENT, id: ids.patient }),
  BulkExportController_systemPost: () => PARAMETERS,
  BulkExportController_patientPost: () => PARAMETERS,
  BulkExportController_groupPost: () => PARAMETERS,
};

export function bodyFor(op: RestOperation, ids: Partial<Fixtures>): unknown {
  const override = OVERRIDES[op.id];
  if (override) return override(ids);
  if (op.body) return exampleOf(op.body);
  return ['POST', 'PUT', 'PATCH'].includes(op.method) ? {} : undefined;
}

/** Query parameters an operation needs to pass validation (a 400 would answer before the lookup). */
const QUERY_OVERRIDES: Readonly<Record<string, Record<string, string>>> = {
  FhirController_search: { name: 'Probe' },
};

/** The operation's required query parameters (examples of their schemas) and `extra`, as a query string. */
export function queryFor(op: RestOperation, extra: Record<string, string> = {}): string {
  const values: Record<string, string> = {};
  for (const [name, schema] of Object.entries(op.requiredQuery)) values[name] = String(exampleOf(schema));
  // A range of one day ending now satisfies every report's limits.
  if ('from' in values && 'to' in values) Object.assign(values, { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() });
  const query = new URLSearchParams({ ...values, ...QUERY_OVERRIDES[op.id], ...extra }).toString();
  return query ? `?${query}` : '';
}

/** FHIR routes speak FHIR JSON; Bulk Data kick-offs need `Prefer: respond-async`. */
export function headersFor(op: RestOperation): Record<string, string> {
  if (!op.path.startsWith('/fhir/')) return {};
  return { accept: 'application/fhir+json', prefer: 'respond-async', ...(op.body || ['POST', 'PUT'].includes(op.method) ? { 'content-type': 'application/fhir+json' } : {}) };
}
