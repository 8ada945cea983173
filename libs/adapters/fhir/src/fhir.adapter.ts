import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import {
  capabilityStatementFor,
  EHR_RECORD_TYPES,
  COMMON_SEARCH_PARAMS,
  SEARCH_PARAMS,
  toQueryString,
  type AdapterCapabilities,
  type AdapterContext,
  type ClinicalResourceType,
  type CreateResult,
  type EhrAdapter,
  type SearchPage,
  type SearchParams,
  type VendorBulkExport,
  type VendorResponse,
} from '@sb/adapters/contracts';
import { ErrorCode, SbError } from '@sb/core';
import { FhirAuth, type TokenAuthStyle } from './fhir.auth';
import { FhirBulkExport } from './fhir.bulk';
import { malformedResponse, vendorFailure } from './fhir.errors';
import { idFromLocation, normalizeResource, splitSearchBundle } from './fhir.mappers';

export interface FhirAdapterOptions {
  auth: TokenAuthStyle;
  /** Scopes requested at the token endpoint (empty: let the server decide). */
  scopes: readonly string[];
  capabilities: AdapterCapabilities;
  accept?: string;
}

/** Read and search every clinical type; create notes and appointments (what a SMART server commonly allows). */
export const GENERIC_CAPABILITIES: AdapterCapabilities = Object.fromEntries(
  EHR_RECORD_TYPES.map((type) => [
    type,
    {
      interactions: type === 'DocumentReference' || type === 'Appointment' ? ['read', 'search', 'create'] : ['read', 'search'],
      searchParams: [...COMMON_SEARCH_PARAMS, ...SEARCH_PARAMS[type]],
    },
  ]),
);

/**
 * The adapter for any SMART-conformant FHIR R4 server
 * (https://hl7.org/fhir/R4/http.html); Epic and Oracle specialise it with their
 * quirks through `FhirAdapterOptions`.
 */
export class FhirAdapter implements EhrAdapter {
  private readonly auth: FhirAuth;
  private readonly base: string;

  constructor(
    protected readonly ctx: AdapterContext,
    protected readonly options: FhirAdapterOptions,
  ) {
    const base = ctx.connection.fhirBaseUrl;
    if (!base) throw new SbError(ErrorCode.Conflict, 'Connection has no FHIR base URL');
    this.base = base.replace(/\/+$/, '');
    this.auth = new FhirAuth(ctx, options.auth, options.scopes);
  }

  capabilities(): AdapterCapabilities {
    return this.options.capabilities;
  }

  capabilityStatement(): CapabilityStatement {
    return capabilityStatementFor(this.ctx.connection, this.capabilities());
  }

  async read(type: ClinicalResourceType, id: string): Promise<Resource> {
    const res = await this.call('GET', `${this.base}/${type}/${encodeURIComponent(id)}`);
    if (res.status !== 200) throw vendorFailure(res);
    const resource = parseJson<Resource>(res);
    if (resource.resourceType !== type) throw malformedResponse();
    return normalizeResource(resource, this.ctx.connection);
  }

  async search(type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage> {
    const url = cursor ? this.ctx.cursors.open(this.ctx.connection.id, cursor) : `${this.base}/${type}?${toQueryString(this.vendorParams(type, params))}`;
    const res = await this.call('GET', url);
    if (res.status !== 200) throw vendorFailure(res);
    const bundle = parseJson<Bundle>(res);
    if (bundle.resourceType !== 'Bundle') throw malformedResponse();
    const page = splitSearchBundle(bundle, this.ctx.connection);
    if (page.nextUrl && !this.ctx.http.isOwnOrigin(page.nextUrl)) {
      throw new SbError(ErrorCode.VendorError, 'Vendor sent a link to another host; not followed', { details: { reason: 'foreign_link' } });
    }
    return {
      resources: page.resources,
      warnings: page.warnings,
      nextCursor: page.nextUrl ? this.ctx.cursors.seal(this.ctx.connection.id, page.nextUrl) : null,
      ...(page.total !== undefined ? { total: page.total } : {}),
    };
  }

  async create(type: ClinicalResourceType, resource: Resource): Promise<CreateResult> {
    const res = await this.call('POST', `${this.base}/${type}`, JSON.stringify(resource));
    if (res.status !== 201 && res.status !== 200) throw vendorFailure(res);
    const body = res.text.trim() ? parseJson<Resource>(res) : null;
    const id = body?.id ?? idFromLocation(res.headers.get('location') ?? '', type);
    if (!id) throw malformedResponse();
    // Some servers (Epic) answer 201 with only a Location: read the stored resource back.
    const stored = body?.resourceType === type ? normalizeResource(body, this.ctx.connection) : await this.read(type, id).catch(() => null);
    return { id, resource: stored };
  }

  /** The server's Bulk Data Group export, with this connection's token and origins. */
  bulkExport(): VendorBulkExport {
    return new FhirBulkExport(
      this.base,
      (method, url, headers, idempotent) => this.authorized(method, url, headers, idempotent),
      () => this.auth.bearer(),
      (url, headers, maxBytes) => this.ctx.http.download(url, headers, maxBytes),
      (url) => this.ctx.http.isOwnOrigin(url),
    );
  }

  /** Vendor-specific parameter spelling; the generic server takes ours as they are. */
  protected vendorParams(_type: ClinicalResourceType, params: SearchParams): SearchParams {
    return params;
  }

  private call(method: 'GET' | 'POST', url: string, body?: string): Promise<VendorResponse> {
    const headers = { accept: this.options.accept ?? 'application/fhir+json', ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) };
    return this.authorized(method, url, headers, method === 'GET', body);
  }

  /**
   * A request with the connection's bearer token; a 401 gets one retry with a fresh token. A
   * SMART-launched user's token the EHR still refuses after its renewal ends that launch's
   * access (401 to the app, which launches again), not a vendor failure.
   */
  private async authorized(method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, idempotent: boolean, body?: string): Promise<VendorResponse> {
    const send = async (token: string) => this.ctx.http.request({ method, url, idempotent, body, headers: { ...headers, authorization: `Bearer ${token}` } });
    const token = await this.auth.bearer();
    const first = await send(token);
    if (first.status !== 401) return first;
    this.auth.invalidate(token);
    const second = await send(await this.auth.bearer());
    if (second.status === 401 && this.auth.forLaunchedUser) {
      throw new SbError(ErrorCode.Unauthenticated, 'The EHR refused the launched user’s session: launch the app again', { details: { vendorStatus: 401 } });
    }
    return second;
  }
}

function parseJson<T>(res: VendorResponse): T {
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw malformedResponse();
  }
}
