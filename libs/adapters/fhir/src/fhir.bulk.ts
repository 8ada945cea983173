import { retryAfterMs, type VendorBulkExport, type VendorExportFile, type VendorExportRequest, type VendorExportStatus, type VendorKickOff, type VendorResponse } from '@sb/adapters/contracts';
import { ErrorCode, SbError } from '@sb/core';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { malformedResponse, vendorFailure } from './fhir.errors';

/** A vendor status poll without Retry-After is repeated after this long. */
export const DEFAULT_VENDOR_POLL_SECONDS = 10;
/** Largest vendor file accepted (Oracle splits at 50 MB gzip; uncompressed files are larger). */
export const MAX_VENDOR_FILE_BYTES = 4 * 1024 ** 3;

/** A call to the vendor with the connection's bearer token (a 401 gets one retry with a fresh token). */
export type AuthorizedCall = (method: 'GET' | 'DELETE', url: string, headers: Record<string, string>, idempotent: boolean) => Promise<VendorResponse>;
/** The connection's current bearer token, for a streaming download. */
export type BearerSource = () => Promise<string>;

interface Manifest {
  transactionTime?: unknown;
  output?: unknown;
  error?: unknown;
}

/**
 * The Bulk Data client of a SMART FHIR server (https://hl7.org/fhir/uv/bulkdata/STU2/export.html):
 * Group kick-off, status polls that report the vendor's own Retry-After, cancellation, and
 * streamed file downloads whose redirects to other hosts carry no credentials.
 */
export class FhirBulkExport implements VendorBulkExport {
  constructor(
    private readonly base: string,
    private readonly call: AuthorizedCall,
    private readonly bearer: BearerSource,
    private readonly download: (url: string, headers: Record<string, string>, maxBytes: number) => Promise<{ status: number; headers: VendorResponse['headers']; body: Readable }>,
    private readonly isOwnOrigin: (url: string) => boolean,
  ) {}

  async kickOff(request: VendorExportRequest): Promise<VendorKickOff> {
    const query = new URLSearchParams();
    if (request.types) query.set('_type', request.types.join(','));
    if (request.since) query.set('_since', request.since);
    const qs = query.toString();
    const url = `${this.base}/Group/${encodeURIComponent(request.groupId)}/$export${qs ? `?${qs}` : ''}`;
    const res = await this.call('GET', url, { accept: 'application/fhir+json', prefer: 'respond-async' }, false);
    if (res.status === 429) return { accepted: false, retryAfterSeconds: Math.ceil((retryAfterMs(res.headers.get('retry-after')) ?? 3_600_000) / 1000) };
    if (res.status !== 202) throw vendorFailure(res);
    const location = res.headers.get('content-location');
    if (!location) throw malformedResponse();
    const statusUrl = new URL(location, url).href;
    if (!this.isOwnOrigin(statusUrl)) throw foreign();
    return { accepted: true, statusUrl };
  }

  async status(statusUrl: string): Promise<VendorExportStatus> {
    // Not retried in-request: the runner polls again on the vendor's own schedule.
    const res = await this.call('GET', statusUrl, { accept: 'application/json' }, false);
    const retryAfterSeconds = Math.max(1, Math.ceil((retryAfterMs(res.headers.get('retry-after')) ?? DEFAULT_VENDOR_POLL_SECONDS * 1000) / 1000));
    if (res.status === 202 || res.status === 429 || res.status === 503) return { state: 'running', retryAfterSeconds, progress: res.headers.get('x-progress') };
    if (res.status !== 200) return { state: 'failed', reason: `vendor_status_${res.status}` };
    let manifest: Manifest;
    try {
      manifest = JSON.parse(res.text) as Manifest;
    } catch {
      throw malformedResponse();
    }
    const files = (value: unknown): VendorExportFile[] => (Array.isArray(value) ? value : []).map((f) => this.fileOf(f, statusUrl));
    return { state: 'complete', transactionTime: typeof manifest.transactionTime === 'string' ? manifest.transactionTime : null, output: files(manifest.output), error: files(manifest.error) };
  }

  async cancel(statusUrl: string): Promise<void> {
    const res = await this.call('DELETE', statusUrl, { accept: 'application/fhir+json' }, false);
    if (res.status >= 500) throw vendorFailure(res);
  }

  async file(url: string): Promise<Readable> {
    const res = await this.download(url, { authorization: `Bearer ${await this.bearer()}`, accept: 'application/fhir+ndjson', 'accept-encoding': 'gzip' }, MAX_VENDOR_FILE_BYTES);
    if (res.status !== 200) {
      res.body.destroy();
      throw new SbError(ErrorCode.VendorError, 'The EHR did not serve an export file', { details: { vendorStatus: res.status } });
    }
    if (!/\bgzip\b/i.test(res.headers.get('content-encoding') ?? '')) return res.body;
    const gunzip = createGunzip();
    // A failure on either side destroys both: the reader sees the error.
    pipeline(res.body, gunzip).catch(() => undefined);
    return gunzip;
  }

  private fileOf(raw: unknown, statusUrl: string): VendorExportFile {
    const f = (raw ?? {}) as { type?: unknown; url?: unknown; count?: unknown };
    if (typeof f.type !== 'string' || typeof f.url !== 'string') throw malformedResponse();
    const url = new URL(f.url, statusUrl).href;
    if (!this.isOwnOrigin(url)) throw foreign();
    return { type: f.type, url, count: typeof f.count === 'number' ? f.count : null };
  }
}

const foreign = (): SbError => new SbError(ErrorCode.VendorError, 'Vendor sent a link to another host; not followed', { details: { reason: 'foreign_link' } });
