import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentActor, Public } from '@sb/auth';
import { BulkExportService, type ExportFileStream, type ExportLevel } from '@sb/bulk-export';
import { ErrorCode, SbError, isTenantActor, type Actor, type TenantActor } from '@sb/core';
import { DocumentResponse, IdParam } from '@sb/http';
import { bulkManifestSchema, fhirBundleSchema, ndjsonSchema, operationOutcomeSchema } from '../admin/response-schemas';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parametersBody, valuesOfQuery } from './bulk-export-params';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const tenantActor = (actor: Actor): TenantActor => {
  if (!isTenantActor(actor)) throw new SbError(ErrorCode.Forbidden, 'This route acts on the caller’s tenant; use a tenant credential');
  // A launched SMART app's token is for one patient's (or one user's) reads and writes, never a bulk export.
  if (actor.type === 'smart-app') throw new SbError(ErrorCode.Forbidden, 'Bulk Data export needs a backend credential, not a SMART app’s token');
  return actor;
};

/**
 * FHIR Bulk Data export (https://hl7.org/fhir/uv/bulkdata/STU2/export.html) on every connection:
 * kick-off at the three levels (GET, or POST with a Parameters body), status from our own
 * database, files from our own storage. No vendor host, path or token ever reaches the client.
 * Registered before the FHIR facade so `Patient/$export` is not read as a resource id.
 */
@ApiTags('fhir')
@ApiBearerAuth()
@Controller('fhir/r4')
export class BulkExportController {
  constructor(private readonly bulk: BulkExportService) {}

  @Get(':connectionId/$export')
  @Authenticated()
  @ApiOperation({ summary: 'System-level export kick-off (Prefer: respond-async) → 202 with Content-Location' })
  @DocumentResponse(operationOutcomeSchema, 202, 'Accepted: poll Content-Location')
  systemGet(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @Req() req: Request, @Res() res: Response) {
    return this.kickOff(actor, connectionId, 'system', null, req, res, null);
  }

  @Post(':connectionId/$export')
  @Authenticated()
  @ApiOperation({ summary: 'System-level export kick-off with a Parameters body' })
  @DocumentResponse(operationOutcomeSchema, 202, 'Accepted: poll Content-Location')
  systemPost(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @Req() req: Request, @Res() res: Response, @Body() body: unknown) {
    return this.kickOff(actor, connectionId, 'system', null, req, res, body);
  }

  @Get(':connectionId/Patient/$export')
  @Authenticated()
  @ApiOperation({ summary: 'Patient-level export kick-off' })
  @DocumentResponse(operationOutcomeSchema, 202, 'Accepted: poll Content-Location')
  patientGet(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @Req() req: Request, @Res() res: Response) {
    return this.kickOff(actor, connectionId, 'patient', null, req, res, null);
  }

  @Post(':connectionId/Patient/$export')
  @Authenticated()
  @ApiOperation({ summary: 'Patient-level export kick-off with a Parameters body (repeated `patient` references)' })
  @DocumentResponse(operationOutcomeSchema, 202, 'Accepted: poll Content-Location')
  patientPost(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @Req() req: Request, @Res() res: Response, @Body() body: unknown) {
    return this.kickOff(actor, connectionId, 'patient', null, req, res, body);
  }

  @Get(':connectionId/Group/:groupId/$export')
  @Authenticated()
  @ApiOperation({ summary: 'Group-level export kick-off' })
  @DocumentResponse(operationOutcomeSchema, 202, 'Accepted: poll Content-Location')
  groupGet(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @Param('groupId') groupId: string, @Req() req: Request, @Res() res: Response) {
    return this.kickOff(actor, connectionId, 'group', groupId, req, res, null);
  }

  @Post(':connectionId/Group/:groupId/$export')
  @Authenticated()
  @ApiOperation({ summary: 'Group-level export kick-off with a Parameters body' })
  @DocumentResponse(operationOutcomeSchema, 202, 'Accepted: poll Content-Location')
  groupPost(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @Param('groupId') groupId: string, @Req() req: Request, @Res() res: Response, @Body() body: unknown) {
    return this.kickOff(actor, connectionId, 'group', groupId, req, res, body);
  }

  @Get(':connectionId/Group')
  @Authenticated()
  @ApiOperation({ summary: 'The groups this connection can export' })
  @DocumentResponse(fhirBundleSchema)
  async groups(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @Res({ passthrough: true }) res: Response) {
    const groups = await this.bulk.groups(tenantActor(actor).tenantId, connectionId);
    const base = this.bulk.base(connectionId);
    res.type(FHIR_JSON);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: groups.length,
      link: [{ relation: 'self', url: `${base}/Group` }],
      entry: groups.map((g) => ({ fullUrl: `${base}/Group/${g.id}`, resource: { resourceType: 'Group', id: g.id, type: 'person', actual: true }, search: { mode: 'match' } })),
    };
  }

  @Get(':connectionId/$export-status/:exportId')
  @Authenticated()
  @ApiOperation({ summary: 'Export status: 202 with X-Progress and Retry-After while running, 200 with the manifest when complete' })
  @DocumentResponse(bulkManifestSchema)
  async status(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @IdParam('Export', 'exportId') exportId: string, @Res() res: Response) {
    const answer = await this.bulk.status(tenantActor(actor).tenantId, connectionId, exportId);
    switch (answer.state) {
      case 'running':
        res.status(202).set({ 'X-Progress': `${answer.progressPercent}% complete`, 'Retry-After': String(answer.retryAfterSeconds) }).end();
        return;
      case 'failed':
        throw new SbError(ErrorCode.Internal, 'The export failed', { issues: [{ path: 'export', message: `failed: ${answer.errorCode}` }] });
      case 'completed':
        res.status(200).set({ Expires: answer.expiresAt.toUTCString() }).type('application/json').send(JSON.stringify(answer.manifest));
    }
  }

  @Delete(':connectionId/$export-status/:exportId')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Cancel an export (or release a finished one): 202, then its status is 404' })
  @DocumentResponse(operationOutcomeSchema, 202)
  async cancel(@CurrentActor() actor: Actor, @IdParam('Connection', 'connectionId') connectionId: string, @IdParam('Export', 'exportId') exportId: string, @Res({ passthrough: true }) res: Response) {
    await this.bulk.cancel(tenantActor(actor), connectionId, exportId);
    res.type(FHIR_JSON);
    return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'The export is cancelled and its files will be deleted' }] };
  }

  @Get(':connectionId/$export-file/:exportId/:fileName')
  @Authenticated()
  @ApiOperation({ summary: 'Download one NDJSON file of a completed export (gzip when Accept-Encoding allows)' })
  @DocumentResponse(ndjsonSchema)
  async file(
    @CurrentActor() actor: Actor,
    @IdParam('Connection', 'connectionId') connectionId: string,
    @IdParam('Export', 'exportId') exportId: string,
    @Param('fileName') fileName: string,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Res() res: Response,
  ) {
    await this.send(await this.bulk.openFile(tenantActor(actor), connectionId, exportId, fileName), acceptEncoding, res);
  }

  @Get(':connectionId/$export-signed/:exportId/:fileName')
  @Public()
  @ApiOperation({ summary: 'Download a file through a signed URL from the manifest (tenants that chose requiresAccessToken: false); valid ≤ 300 s' })
  @DocumentResponse(ndjsonSchema)
  async signedFile(
    @IdParam('Connection', 'connectionId') connectionId: string,
    @IdParam('Export', 'exportId') exportId: string,
    @Param('fileName') fileName: string,
    @Query('expires') expires: unknown,
    @Query('signature') signature: unknown,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Res() res: Response,
  ) {
    const given = { expires: typeof expires === 'string' ? expires : '', signature: typeof signature === 'string' ? signature : '' };
    await this.send(await this.bulk.openSignedFile(connectionId, exportId, fileName, given), acceptEncoding, res);
  }

  private async send(file: ExportFileStream, acceptEncoding: string | undefined, res: Response): Promise<void> {
    res.status(200).type('application/fhir+ndjson').set({ Vary: 'Accept-Encoding', 'Cache-Control': 'no-store' });
    if (/\bgzip\b/.test(acceptEncoding ?? '')) {
      res.set({ 'Content-Encoding': 'gzip', 'Content-Length': String(file.bytes) });
      await pipeline(file.body, res);
    } else {
      await pipeline(file.body, createGunzip(), res);
    }
  }

  private async kickOff(actor: Actor, connectionId: string, level: ExportLevel, groupId: string | null, req: Request, res: Response, body: unknown): Promise<void> {
    if (groupId !== null && !FHIR_ID.test(groupId)) throw new SbError(ErrorCode.NotFound, 'Group not found');
    const values = body === null ? valuesOfQuery(req.query) : parametersBody(body);
    const requestUrl = `${this.bulk.base(connectionId)}${req.originalUrl.replace(/^\/fhir\/r4\/[^/]+/, '')}`;
    const exp = await this.bulk.kickOff(tenantActor(actor), connectionId, level, groupId, { values, prefer: req.header('prefer'), accept: req.header('accept') }, requestUrl);
    res.status(202).set({ 'Content-Location': this.bulk.statusUrl(exp) }).type(FHIR_JSON).send(
      JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'Export accepted; poll Content-Location for its status' }] }),
    );
  }
}
