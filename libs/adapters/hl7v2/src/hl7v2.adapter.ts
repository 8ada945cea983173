import type { Resource } from '@medplum/fhirtypes';
import {
  capabilityStatementFor,
  COMMON_SEARCH_PARAMS,
  SEARCH_PARAMS,
  type AdapterCapabilities,
  type AdapterContext,
  type ClinicalResourceType,
  type CreateResult,
  type EhrAdapter,
  type SearchPage,
  type SearchParams,
} from '@sb/adapters/contracts';
import { ErrorCode, SbError } from '@sb/core';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { toStoreQuery } from './hl7v2.search';

/** What an HL7 v2 site's data can answer: the types its messages fill (HL7 v2-to-FHIR IG). */
export const HL7V2_STORE_TYPES = [
  'Patient',
  'Encounter',
  'Observation',
  'DiagnosticReport',
  'Appointment',
  'DocumentReference',
  'Immunization',
  'AllergyIntolerance',
] as const satisfies readonly ClinicalResourceType[];

const search = (type: ClinicalResourceType) => [...COMMON_SEARCH_PARAMS, ...SEARCH_PARAMS[type]];

export const HL7V2_CAPABILITIES: AdapterCapabilities = {
  ...Object.fromEntries(HL7V2_STORE_TYPES.map((type) => [type, { interactions: ['read', 'search'], searchParams: search(type) }])),
};

/**
 * An `hl7v2` connection behind the FHIR interface: reads and searches come from the
 * gateway's clinical store, which the worker fills from the messages the site sent.
 */
export class Hl7v2Adapter implements EhrAdapter {
  constructor(private readonly ctx: AdapterContext) {}

  capabilities(): AdapterCapabilities {
    return HL7V2_CAPABILITIES;
  }

  capabilityStatement(): CapabilityStatement {
    return capabilityStatementFor(this.ctx.connection, this.capabilities());
  }

  async read(type: ClinicalResourceType, id: string): Promise<Resource> {
    this.assertSupported(type, 'read');
    const found = await this.ctx.store.find(type, id);
    if (!found) throw new SbError(ErrorCode.NotFound, 'Resource not found', { details: { resourceType: type } });
    return found as unknown as Resource;
  }

  async search(type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage> {
    this.assertSupported(type, 'search');
    const state = cursor ? (JSON.parse(this.ctx.cursors.open(this.ctx.connection.id, cursor)) as { type: string; params: SearchParams; afterId: string }) : null;
    if (state && state.type !== type) throw new SbError(ErrorCode.ValidationFailed, 'Invalid search parameters', { issues: [{ path: '_cursor', message: 'cursor of another search' }] });
    const effective = state?.params ?? params;
    const query = toStoreQuery(type, effective, state?.afterId);
    const rows = await this.ctx.store.search({ ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > query.limit && last ? this.ctx.cursors.seal(this.ctx.connection.id, JSON.stringify({ type, params: effective, afterId: last.id })) : null;
    return { resources: page.map((r) => r.resource as unknown as Resource), warnings: [], nextCursor };
  }

  create(type: ClinicalResourceType): Promise<CreateResult> {
    this.assertSupported(type, 'create');
    return Promise.reject(new SbError(ErrorCode.NotSupported, 'This connection does not accept this resource type'));
  }

  private assertSupported(type: ClinicalResourceType, interaction: 'read' | 'search' | 'create'): void {
    if (!this.capabilities()[type]?.interactions.includes(interaction)) {
      throw new SbError(ErrorCode.NotSupported, 'This connection does not support this interaction', { details: { resourceType: type, interaction } });
    }
  }
}
