import type { Appointment, CapabilityStatement, DocumentReference, Resource } from '@medplum/fhirtypes';
import {
  capabilityStatementFor,
  type AdapterCapabilities,
  type AdapterContext,
  type AdapterInteraction,
  type ClinicalResourceType,
  type CreateResult,
  type EhrAdapter,
  type SearchPage,
  type SearchParams,
  type VendorBulkExport,
} from '@sb/adapters/contracts';
import { FhirBulkExport } from '@sb/adapters/fhir';
import { ErrorCode, SbError } from '@sb/core';
import { athenaApi, type AthenaApi } from './adapter/athena-api';
import { departmentsOf, mapContextOf } from './adapter/map-context-cache';
import { readResource } from './adapter/reads';
import { ATHENA_SEARCH_PARAMS, filtersFor, planSearch, type AthenaSearchType } from './adapter/search-plans';
import { openCursor, runSearch, type SearchState } from './adapter/search-runner';
import { bookAppointment, cancelAppointment, uploadDocument } from './adapter/writes';
import type { AthenaMapContext } from './fhir/map-context';

const INTERACTIONS: Record<AthenaSearchType, readonly AdapterInteraction[]> = {
  Patient: ['read', 'search'],
  Encounter: ['read', 'search'],
  Condition: ['read', 'search'],
  AllergyIntolerance: ['read', 'search'],
  MedicationRequest: ['read', 'search'],
  Observation: ['read', 'search'],
  DiagnosticReport: ['read', 'search'],
  DocumentReference: ['read', 'search', 'create'],
  Appointment: ['read', 'search', 'create', 'update'],
  Slot: ['search', 'read'],
  Practitioner: ['read', 'search'],
  Location: ['read', 'search'],
  Organization: ['read', 'search'],
};

/** What an athena connection serves: exactly the types, interactions and search parameters below. */
export const ATHENA_CAPABILITIES: AdapterCapabilities = Object.fromEntries(
  (Object.keys(INTERACTIONS) as AthenaSearchType[]).map((type) => [type, { interactions: INTERACTIONS[type], searchParams: ATHENA_SEARCH_PARAMS[type] }]),
);

const isAthenaType = (type: ClinicalResourceType): type is AthenaSearchType => type in INTERACTIONS;

const notSupported = (type: ClinicalResourceType, interaction: AdapterInteraction): SbError =>
  new SbError(ErrorCode.NotSupported, 'This connection does not support that interaction', { details: { resourceType: type, interaction } });

/**
 * athenaOne's proprietary API (https://docs.athenahealth.com/api) behind the FHIR
 * model, mapped to US Core 6.1.0: reads and searches of the chart, the directory and
 * the schedule; booking a Slot, cancelling an Appointment, filing a note. Built per
 * call for one connection; requests go through the client/ layer (practice budget,
 * token cache, typed errors), payloads through wire/ (zod) and fhir/ (mappers).
 * Searches page with sealed gateway cursors; athena's `next` never leaves the gateway.
 */
export class AthenaAdapter implements EhrAdapter {
  private apiCache: AthenaApi | undefined;
  private mapCtx: Promise<AthenaMapContext> | undefined;

  constructor(private readonly ctx: AdapterContext) {}

  capabilities(): AdapterCapabilities {
    return ATHENA_CAPABILITIES;
  }

  capabilityStatement(): CapabilityStatement {
    return capabilityStatementFor(this.ctx.connection, this.capabilities());
  }

  async read(type: ClinicalResourceType, id: string): Promise<Resource> {
    if (!isAthenaType(type) || !INTERACTIONS[type].includes('read')) throw notSupported(type, 'read');
    return readResource(type, id, this.api, await this.mapContext());
  }

  async search(type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage> {
    if (!isAthenaType(type)) throw notSupported(type, 'search');
    const unsupported = Object.keys(params).filter((name) => !(ATHENA_SEARCH_PARAMS[type] as readonly string[]).includes(name));
    if (unsupported.length > 0) {
      throw new SbError(ErrorCode.ValidationFailed, 'Invalid search parameters', {
        issues: unsupported.map((path) => ({ path, message: `athena cannot search ${type} by ${path}` })),
      });
    }
    const state: SearchState = cursor
      ? openCursor(this.ctx.cursors, this.ctx.connection.id, cursor, type)
      : await planSearch(type, params, { api: this.api, connection: this.ctx.connection, departmentIds: () => this.departmentIds() });
    return runSearch(state, { api: this.api, mapContext: () => this.mapContext(), cursors: this.ctx.cursors, connectionId: this.ctx.connection.id, buildFilters: filtersFor });
  }

  async create(type: ClinicalResourceType, resource: Resource): Promise<CreateResult> {
    if (type === 'Appointment' && resource.resourceType === 'Appointment') return bookAppointment(resource as Appointment, this.api, await this.mapContext());
    if (type === 'DocumentReference' && resource.resourceType === 'DocumentReference') return uploadDocument(resource as DocumentReference, this.api, await this.mapContext());
    throw notSupported(type, 'create');
  }

  async update(type: ClinicalResourceType, id: string, resource: Resource): Promise<Resource> {
    if (type === 'Appointment' && resource.resourceType === 'Appointment') return cancelAppointment(id, resource as Appointment, this.api, await this.mapContext());
    throw notSupported(type, 'update');
  }

  /** athena's FHIR Bulk Data: one group per practice (`a-1.c-{practiceId}`). */
  bulkExport(): VendorBulkExport {
    const http = this.api.http;
    return new FhirBulkExport(
      http.fhirBase,
      (method, url, headers) => http.fhirCall(method, url, headers),
      () => http.bearer(),
      (url, headers, maxBytes) => this.ctx.http.download(url, headers, maxBytes),
      (url) => this.ctx.http.isOwnOrigin(url),
    );
  }

  /** The client layer, built on first use (capabilities need no practice or credentials). */
  private get api(): AthenaApi {
    this.apiCache ??= athenaApi(this.ctx);
    return this.apiCache;
  }

  private mapContext(): Promise<AthenaMapContext> {
    this.mapCtx ??= mapContextOf(this.ctx.connection, this.api);
    return this.mapCtx;
  }

  /** The departments appointments and slots are listed in: the connection's own list, else all of the practice's. */
  private async departmentIds(): Promise<string[]> {
    if (this.ctx.connection.athenaDepartmentIds.length > 0) return [...this.ctx.connection.athenaDepartmentIds];
    return [...(await departmentsOf(this.ctx.connection, this.api)).keys()];
  }
}
