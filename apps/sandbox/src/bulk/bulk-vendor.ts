import type { Request, Response } from 'express';
import type { Fault, Vendor } from '../faults/fault-queue';
import type { ResourceType } from '../fhir/fhir-types';
import type { Issue } from '../fhir/issues';
import type { Reply } from '../fhir/reply';
import type { BulkParamPolicy } from './bulk-parameters';
import type { ExportStore } from './bulk-plan';

/** How one vendor's $export behaves: fixed per vendor, independent of the request. */
export interface BulkVendorProfile {
  vendor: Vendor;
  /** Status URLs are `{base}/{statusPath}/{jobId}`. */
  statusPath: string;
  /** File URLs are `{base}/{filePath}/{jobId}/{fileName}`. */
  filePath: string;
  params: BulkParamPolicy;
  /**
   * Kick-off throttle: Epic's per client and group window, Oracle's one
   * in-progress export per client (and tenant), or none.
   */
  throttle: 'group-window' | 'one-in-progress' | 'none';
  /** Whether manifest items carry `count` (Oracle's do not). */
  manifestCounts: boolean;
  /** Files answered on the FHIR host, or a 307 to a pre-signed file-store URL (Oracle's S3). */
  fileDelivery: { kind: 'direct' } | { kind: 'signed-redirect'; storePath: string };
  /** The X-Progress value while a job runs. */
  progress(percent: number): string;
  /** The vendor's OperationOutcome as a reply, and as a resource (error files). */
  error(status: number, issues: readonly Issue[], headers?: Record<string, string>): Reply;
  outcome(issues: readonly Issue[]): Record<string, unknown>;
}

export type BulkAuth = { ok: true; clientId: string; scopes: readonly string[] } | { ok: false; reply: Reply };

/** A group's members and the store holding their records, or why the client cannot export it. */
export type GroupLookup = { found: true; patientIds: readonly string[]; store: ExportStore } | { found: false; status: 403 | 404 };

/** What a vendor's routes know about one $export request: where it came in and what it may see. */
export interface BulkRequestContext {
  profile: BulkVendorProfile;
  /** The absolute FHIR base the request came in on. */
  base: string;
  /** Oracle: the tenant; athena: the practice; Epic: none. */
  scope?: string;
  /** Every type the server exports, in order (the default without `_type`). */
  exportable: readonly ResourceType[];
  authenticate(authorization: string | undefined): BulkAuth;
  group(groupId: string, clientId: string): GroupLookup;
  /** Whether the grant may export a type (Oracle's per-type system scopes); every type when absent. */
  mayExport?(scopes: readonly string[], type: ResourceType): boolean;
  /** Plays a generic fault (rate-limit, server-error, hang, token-expiry) the vendor's way. */
  playFault(fault: Fault, req: Request, res: Response): Promise<Reply | 'abandoned' | undefined>;
}

export const statusUrlOf = (ctx: Pick<BulkRequestContext, 'base' | 'profile'>, jobId: string): string => `${ctx.base}/${ctx.profile.statusPath}/${jobId}`;
export const fileUrlOf = (ctx: Pick<BulkRequestContext, 'base' | 'profile'>, jobId: string, fileName: string): string =>
  `${ctx.base}/${ctx.profile.filePath}/${jobId}/${encodeURIComponent(fileName)}`;
