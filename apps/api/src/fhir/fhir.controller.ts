import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { isClinicalResourceType, parseSearchParams, type ClinicalResourceType } from '@sb/adapters/contracts';
import { Authenticated, CurrentActor } from '@sb/auth';
import { BulkExportService } from '@sb/bulk-export';
import { ClinicalService } from '@sb/clinical';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, notFound, SbError, type Actor } from '@sb/core';
import { IdParam, DocumentResponse } from '@sb/http';
import { smartUrls } from '@sb/connections';
import { withSmartSecurity } from '@sb/smart';
import type { Response } from 'express';
import { Inject } from '@nestjs/common';
import { tenantOf } from '../admin/tenant-of';
import { fhirBundleSchema, fhirResourceSchema } from '../admin/response-schemas';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * FHIR's version ETag (`W/"<versionId>"`) on a resource the facade answers with, when the EHR sent a
 * version; Express then answers a matching `If-None-Match` with 304. The api's other JSON answers carry
 * none: it does not hash its response bodies (only the console's and the docs' static files keep theirs).
 */
function setVersionETag(res: Response, resource: Resource | null | undefined): void {
  const versionId = resource?.meta?.versionId;
  if (typeof versionId === 'string' && FHIR_ID.test(versionId)) res.setHeader('ETag', `W/"${versionId}"`);
}

/** A type in the URL: ours, or 501 for a real-looking type we do not serve, or 404. */
function resourceTypeOf(raw: string): ClinicalResourceType {
  if (isClinicalResourceType(raw)) return raw;
  if (/^[A-Z][A-Za-z]{2,63}$/.test(raw)) {
    throw new SbError(ErrorCode.NotSupported, 'Resource type not supported', { details: { resourceType: raw } });
  }
  throw notFound('Resource type');
}

/**
 * The FHIR R4 facade: one normalized API over every connection, whatever its
 * vendor. Paging links are ours (sealed cursors), never the vendor's URLs.
 * Scopes are checked per resource type by the transaction pipeline.
 */
@ApiTags('fhir')
@ApiBearerAuth()
@Controller('fhir/r4')
export class FhirController {
  constructor(
    private readonly clinical: ClinicalService,
    private readonly bulk: BulkExportService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private baseOf(connectionId: string): string {
    return `${this.config.publicUrl}/fhir/r4/${connectionId}`;
  }

  @Get(':connectionId/metadata')
  @Authenticated()
  @ApiOperation({ summary: "The connection's CapabilityStatement, computed from its adapter" })
  @DocumentResponse(fhirResourceSchema)
  async metadata(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @Res({ passthrough: true }) res: Response) {
    res.type(FHIR_JSON);
    const statement = await this.clinical.capabilityStatement(tenantOf(actor), connectionId, actor);
    const connection = await this.clinical.connection(tenantOf(actor), connectionId, actor);
    const secured = connection.smartClientId ? withSmartSecurity(statement, smartUrls(this.config.publicUrl)) : statement;
    return this.bulk.withExportCapability(tenantOf(actor), connectionId, secured);
  }

  @Get(':connectionId/:type/:id')
  @Authenticated()
  @ApiOperation({ summary: 'Read a resource' })
  @DocumentResponse(fhirResourceSchema)
  async read(
    @CurrentActor() actor: Actor,
    @IdParam('Connection', 'connectionId') connectionId: string,
    @Param('type') rawType: string,
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const type = resourceTypeOf(rawType);
    if (!FHIR_ID.test(id)) throw notFound('Resource');
    const resource = await this.clinical.read(actor, tenantOf(actor), connectionId, type, id);
    res.type(FHIR_JSON);
    setVersionETag(res, resource);
    return resource;
  }

  @Get(':connectionId/:type')
  @Authenticated()
  @ApiOperation({ summary: 'Search; page with the `next` link (a gateway cursor)' })
  @DocumentResponse(fhirBundleSchema)
  async search(
    @CurrentActor() actor: Actor,
    @IdParam('Connection', 'connectionId') connectionId: string,
    @Param('type') rawType: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Bundle> {
    const type = resourceTypeOf(rawType);
    const { _cursor: cursor, ...criteria } = query;
    if (cursor !== undefined && typeof cursor !== 'string') throw new SbError(ErrorCode.ValidationFailed, 'Invalid search parameters', { issues: [{ path: '_cursor', message: 'one cursor' }] });
    const params = cursor ? {} : parseSearchParams(type, criteria);
    const page = await this.clinical.search(actor, tenantOf(actor), connectionId, type, params, cursor);
    const base = this.baseOf(connectionId);
    const entries: BundleEntry[] = page.resources.map((resource: Resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: 'match' },
    }));
    for (const warning of page.warnings) entries.push({ resource: warning, search: { mode: 'outcome' } });
    res.type(FHIR_JSON);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(page.total !== undefined ? { total: page.total } : {}),
      link: [
        { relation: 'self', url: cursor ? `${base}/${type}?_cursor=${cursor}` : `${base}/${type}?${new URLSearchParams(flatten(params)).toString()}` },
        ...(page.nextCursor ? [{ relation: 'next', url: `${base}/${type}?_cursor=${page.nextCursor}` }] : []),
      ],
      entry: entries,
    };
  }

  @Post(':connectionId/:type')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: 'Create a resource (e.g. a clinical note); `Idempotency-Key` replays the stored answer' })
  @DocumentResponse(fhirResourceSchema, 201)
  async create(
    @CurrentActor() actor: Actor,
    @IdParam('Connection', 'connectionId') connectionId: string,
    @Param('type') rawType: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const type = resourceTypeOf(rawType);
    const created = await this.clinical.create(actor, tenantOf(actor), connectionId, type, asResourceBody(type, body), idempotencyKey);
    res.location(`${this.baseOf(connectionId)}/${type}/${created.id}`);
    if (created.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.type(FHIR_JSON);
    setVersionETag(res, created.resource);
    return created.resource ?? { resourceType: type, id: created.id };
  }

  @Put(':connectionId/:type/:id')
  @Authenticated()
  @ApiOperation({ summary: 'Update a resource where the EHR allows it (e.g. cancel an Appointment by setting its status)' })
  @DocumentResponse(fhirResourceSchema)
  async update(
    @CurrentActor() actor: Actor,
    @IdParam('Connection', 'connectionId') connectionId: string,
    @Param('type') rawType: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const type = resourceTypeOf(rawType);
    if (!FHIR_ID.test(id)) throw notFound('Resource');
    const updated = await this.clinical.update(actor, tenantOf(actor), connectionId, type, id, asResourceBody(type, body));
    res.type(FHIR_JSON);
    setVersionETag(res, updated);
    return updated;
  }
}

const asResourceBody = (type: ClinicalResourceType, body: unknown): Resource => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new SbError(ErrorCode.ValidationFailed, 'Resource is not valid FHIR R4', { issues: [{ path: type, message: 'a JSON resource is required' }] });
  }
  return body as Resource;
};

const flatten = (params: Record<string, string[]>): [string, string][] => Object.entries(params).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]));
