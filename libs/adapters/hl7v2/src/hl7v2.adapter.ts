import type { DocumentReference, Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
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
import { buildNoteMessage, buildOrderMessage, type OutboundHeaderOptions } from '@sb/hl7';
import { randomBytes, randomUUID } from 'node:crypto';
import { toStoredResource } from './hl7v2.store-index';
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

/** What the gateway sends to a site (HL7 v2.5.1 ch. 4 orders, ch. 9 documents). */
export const HL7V2_OUTBOUND_TYPES = ['ServiceRequest', 'DocumentReference'] as const satisfies readonly ClinicalResourceType[];

export const HL7V2_CAPABILITIES: AdapterCapabilities = {
  ...Object.fromEntries(HL7V2_STORE_TYPES.map((type) => [type, { interactions: ['read', 'search'], searchParams: search(type) }])),
  DocumentReference: { interactions: ['read', 'search', 'create'], searchParams: search('DocumentReference') },
  ServiceRequest: { interactions: ['read', 'search', 'create'], searchParams: search('ServiceRequest') },
};

/** MSH-3 of everything the gateway sends. */
export const GATEWAY_SENDING_APPLICATION = 'SWITCHBOARD';

const isLabOrder = (sr: ServiceRequest): boolean =>
  (sr.category ?? []).some((c) => (c.coding ?? []).some((code) => code.code === '108252007' || code.code === 'laboratory' || code.code === 'LAB'));

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

  /**
   * A ServiceRequest becomes an order (OML^O21 for laboratory orders, else ORM^O01) and
   * a DocumentReference an MDM^T02 note, queued durably for the site together with the
   * stored resource; the worker sends it over MLLP. The subject must be a patient this
   * connection knows (the site needs its identifiers).
   */
  async create(type: ClinicalResourceType, resource: Resource): Promise<CreateResult> {
    this.assertSupported(type, 'create');
    if (resource.resourceType !== type) throw new SbError(ErrorCode.ValidationFailed, 'Resource type does not match the URL', { issues: [{ path: 'resourceType', message: `must be ${type}` }] });
    const id = randomUUID();
    const { connection } = this.ctx;
    const header: OutboundHeaderOptions = {
      controlId: randomBytes(10).toString('hex'),
      sendingApplication: GATEWAY_SENDING_APPLICATION,
      sendingFacility: GATEWAY_SENDING_APPLICATION,
      receivingApplication: connection.hl7SendingApplication ?? undefined,
      receivingFacility: connection.hl7SendingFacility ?? undefined,
      processingId: connection.environment === 'production' ? 'P' : 'T',
      now: new Date(),
    };
    if (type === 'ServiceRequest') {
      const request = { ...(resource as ServiceRequest), id, status: (resource as ServiceRequest).status ?? 'active' } as ServiceRequest;
      const messageType = isLabOrder(request) ? 'OML^O21' : 'ORM^O01';
      const raw = buildOrderMessage(request, await this.subjectPatient(request.subject?.reference), { ...header, messageType });
      await this.ctx.hl7Outbox.enqueue({ controlId: header.controlId, messageType, sourceRef: `ServiceRequest/${id}`, raw }, [toStoredResource(request as unknown as Record<string, unknown>)]);
      return { id, resource: request };
    }
    const document = { ...(resource as DocumentReference), id } as DocumentReference;
    const raw = buildNoteMessage(document, await this.subjectPatient(document.subject?.reference), header);
    await this.ctx.hl7Outbox.enqueue({ controlId: header.controlId, messageType: 'MDM^T02', sourceRef: `DocumentReference/${id}`, raw }, [toStoredResource(document as unknown as Record<string, unknown>)]);
    return { id, resource: document };
  }

  private async subjectPatient(reference: string | undefined): Promise<Patient> {
    const id = reference?.startsWith('Patient/') ? reference.slice('Patient/'.length) : null;
    const patient = id ? await this.ctx.store.find('Patient', id) : null;
    if (!patient) {
      throw new SbError(ErrorCode.ValidationFailed, 'The subject must be a patient this connection has received', { issues: [{ path: 'subject', message: 'a Patient/<id> known to this connection' }] });
    }
    return patient as unknown as Patient;
  }

  private assertSupported(type: ClinicalResourceType, interaction: 'read' | 'search' | 'create'): void {
    if (!this.capabilities()[type]?.interactions.includes(interaction)) {
      throw new SbError(ErrorCode.NotSupported, 'This connection does not support this interaction', { details: { resourceType: type, interaction } });
    }
  }
}
