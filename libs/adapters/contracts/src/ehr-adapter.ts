import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { VendorBulkExport } from './bulk-export';
import type { AdapterCapabilities, ClinicalResourceType } from './resource-types';
import type { SearchParams } from './search-params';

/** One page of search results, normalized: vendor outcome entries lifted out as warnings. */
export interface SearchPage {
  resources: Resource[];
  /** Vendor OperationOutcomes that came mixed into the results (Epic's search.mode = "outcome"). */
  warnings: OperationOutcome[];
  /** Opaque, gateway-issued cursor for the next page (never a vendor URL), or null. */
  nextCursor: string | null;
  total?: number;
}

export interface CreateResult {
  id: string;
  /** The stored resource when the vendor returned or we read it back. */
  resource: Resource | null;
}

/**
 * One adapter per vendor behind one interface (shared/DESIGN.md "Adapter"). Built
 * per call for one connection: it never holds another connection's client or
 * credentials, and never touches tenants, billing or webhooks — the transaction
 * pipeline around it does.
 */
export interface EhrAdapter {
  capabilities(): AdapterCapabilities;
  /** https://hl7.org/fhir/R4/capabilitystatement.html, computed from `capabilities()`. */
  capabilityStatement(): CapabilityStatement;
  read(type: ClinicalResourceType, id: string): Promise<Resource>;
  search(type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage>;
  create(type: ClinicalResourceType, resource: Resource): Promise<CreateResult>;
  /**
   * Replaces a resource (FHIR `PUT [type]/[id]`), for the changes a vendor allows —
   * e.g. cancelling an Appointment by its status. Adapters without updates leave it out
   * and do not list `update` in their capabilities.
   */
  update?(type: ClinicalResourceType, id: string, resource: Resource): Promise<Resource>;
  /** The vendor's Bulk Data Group export (https://hl7.org/fhir/uv/bulkdata/STU2/export.html), where it has one. */
  bulkExport?(): VendorBulkExport;
}

export type { Bundle };
