import { RESOURCE_TYPES, type ResourceType } from './fhir-types';
import { SEARCH_PARAMETERS } from './search-parameters';

const US_CORE_PROFILE: Partial<Record<ResourceType, string>> = {
  Patient: 'us-core-patient',
  Encounter: 'us-core-encounter',
  Condition: 'us-core-condition-problems-health-concerns',
  AllergyIntolerance: 'us-core-allergyintolerance',
  MedicationRequest: 'us-core-medicationrequest',
  DiagnosticReport: 'us-core-diagnosticreport-lab',
  DocumentReference: 'us-core-documentreference',
  Practitioner: 'us-core-practitioner',
  Organization: 'us-core-organization',
  Location: 'us-core-location',
};

export interface CapabilityOptions {
  name: string;
  title: string;
  fhirBase: string;
  tokenUrl: string;
  creatable: readonly ResourceType[];
  /** Extra read-only types (Epic's Binary). */
  readOnly?: readonly string[];
  date: string;
  /** Declare Bulk Data group-level $export; 'bulk-only' leaves out the read/search resources (athena's FHIR base here serves $export only). */
  bulkExport?: 'with-rest' | 'bulk-only';
}

/** https://hl7.org/fhir/uv/bulkdata/STU2/CapabilityStatement-bulk-data.html */
export const BULK_DATA_CAPABILITY = 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data';
export const GROUP_EXPORT_DEFINITION = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export';
const GROUP_EXPORT = { type: 'Group', operation: [{ name: 'export', definition: GROUP_EXPORT_DEFINITION, documentation: 'Group-level export only; Patient and system export are not supported.' }] };

/** The server's CapabilityStatement: every type it reads and searches, with its search parameters. */
export function capabilityStatement(options: CapabilityOptions): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    publisher: 'Switchboard sandbox',
    kind: 'instance',
    name: options.name,
    title: options.title,
    software: { name: options.title, version: '1.0.0' },
    implementation: { description: `${options.title} (synthetic data only)`, url: options.fhirBase },
    fhirVersion: '4.0.1',
    format: ['json'],
    instantiates: [
      ...(options.bulkExport === 'bulk-only' ? [] : ['http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server']),
      ...(options.bulkExport ? [BULK_DATA_CAPABILITY] : []),
    ],
    rest: [
      {
        mode: 'server',
        security: {
          extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: options.tokenUrl }] }],
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
        },
        resource: [
          ...(options.bulkExport ? [GROUP_EXPORT] : []),
          ...(options.bulkExport === 'bulk-only' ? [] : RESOURCE_TYPES).map((type) => ({
            type,
            ...(US_CORE_PROFILE[type] ? { supportedProfile: [`http://hl7.org/fhir/us/core/StructureDefinition/${US_CORE_PROFILE[type]}`] } : {}),
            interaction: [{ code: 'read' }, { code: 'search-type' }, ...(options.creatable.includes(type) ? [{ code: 'create' }] : [])],
            searchParam: [
              { name: '_id', type: 'token' },
              { name: '_count', type: 'number' },
              ...[...SEARCH_PARAMETERS[type].values()].map((p) => ({ name: p.name, type: p.type, documentation: p.documentation })),
            ],
          })),
          ...(options.readOnly ?? []).map((type) => ({ type, interaction: [{ code: 'read' }] })),
        ],
      },
    ],
  };
}

/** SMART v1 system scopes for every type served, read and (where creatable) write. */
export function systemScopes(creatable: readonly ResourceType[]): string[] {
  return [...RESOURCE_TYPES.map((t) => `system/${t}.read`), ...creatable.map((t) => `system/${t}.write`)];
}
