import type { Readable } from 'node:stream';

/** What the gateway asks a vendor to export (the gateway applies `_typeFilter` itself, so it is not passed on). */
export interface VendorExportRequest {
  groupId: string;
  /** Null: every type the vendor exports. */
  types: readonly string[] | null;
  since: string | null;
}

export type VendorKickOff = { accepted: true; statusUrl: string } | { accepted: false; retryAfterSeconds: number };

export interface VendorExportFile {
  type: string;
  url: string;
  /** Oracle leaves it out. */
  count: number | null;
}

/** A vendor export job's state (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#bulk-data-status-request). */
export type VendorExportStatus =
  /** Still working, or the status endpoint is briefly unavailable (503/429): ask again after `retryAfterSeconds`. */
  | { state: 'running'; retryAfterSeconds: number; progress: string | null }
  | { state: 'complete'; transactionTime: string | null; output: VendorExportFile[]; error: VendorExportFile[] }
  | { state: 'failed'; reason: string };

/** A vendor's own Bulk Data export, as an adapter offers it. URLs are the vendor's: they never leave the gateway. */
export interface VendorBulkExport {
  kickOff(request: VendorExportRequest): Promise<VendorKickOff>;
  status(statusUrl: string): Promise<VendorExportStatus>;
  /** Asks the vendor to stop (best effort; a finished job is simply released). */
  cancel(statusUrl: string): Promise<void>;
  /** The file's NDJSON bytes, decoded (gunzipped when the server compressed them), streaming. */
  file(url: string): Promise<Readable>;
}
