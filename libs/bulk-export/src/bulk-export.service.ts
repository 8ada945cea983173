import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, notFound, SbError, scopesGrant, type TenantActor } from '@sb/core';
import { AuditRepository, BulkExportRepository, ConnectionRepository, Database, TenantRepository, type BulkExport, type BulkExportFile, type BulkExportIssue, type Connection } from '@sb/db';
import { OBJECT_STORAGE, type ObjectStorage } from '@sb/storage';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { withBulkExport } from './bulk-capability';
import { bulkSupportOf, LEVEL_NAMES } from './bulk-support';
import { parseKickOff, requestHashOf, type ExportLevel, type ExportParams, type KickOffInput } from './export-request';
import { PollPacer } from './poll-pacer';
import { SignedFileUrls } from './signed-file-urls';
import { typesOf } from './store-export';

/** What a client is told to wait between status polls while an export runs. */
export const STATUS_RETRY_AFTER_SECONDS = 2;
/** Longest wait a client is told (bulk-data-client clamps to 60 s anyway). */
export const MAX_STATUS_RETRY_AFTER_SECONDS = 60;

/** While the vendor works, our next look at it is when anything can change: tell the client to come back then. */
export function retryAfterOf(exp: Pick<BulkExport, 'status' | 'nextRunAt'>, nowMs = Date.now()): number {
  if (exp.status !== 'kicked_off') return STATUS_RETRY_AFTER_SECONDS;
  const untilNextPoll = Math.ceil((exp.nextRunAt.getTime() - nowMs) / 1000) + 1;
  return Math.min(MAX_STATUS_RETRY_AFTER_SECONDS, Math.max(STATUS_RETRY_AFTER_SECONDS, untilNextPoll));
}

/** Polls sooner than this after the previous one count as early; past the burst they get 429. */
export const EARLY_POLL_MS = 500;
export const EARLY_POLL_BURST = 10;

export interface BulkManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: { type: 'OperationOutcome'; url: string }[];
}

/** Exports a connection lists. */
export const EXPORT_LIST_LIMIT = 50;

export interface ExportSummary {
  id: string;
  level: string;
  groupId: string | null;
  /** The export's state; `expired` once its files were deleted after retention. */
  status: string;
  progressPercent: number;
  resourceCount: number;
  counts: Record<string, number>;
  errorCode: string | null;
  requestUrl: string;
  statusUrl: string;
  createdAt: Date;
  completedAt: Date | null;
  expiresAt: Date | null;
}

export type ExportStatusAnswer =
  | { state: 'running'; progressPercent: number; retryAfterSeconds: number }
  | { state: 'completed'; manifest: BulkManifest; expiresAt: Date }
  | { state: 'failed'; errorCode: string };

/** A file as the download route serves it: the stored gzip bytes, or null when gone. */
export interface ExportFileStream {
  body: Readable;
  bytes: number;
}

const FILE_NAME = /^(output|error)-(\d{1,6})\.([A-Z][A-Za-z]{1,63})\.ndjson$/;

/** The Bulk Data API over every connection (https://hl7.org/fhir/uv/bulkdata/STU2/export.html), answered from our database. */
@Injectable()
export class BulkExportService {
  constructor(
    private readonly exports: BulkExportRepository,
    private readonly connections: ConnectionRepository,
    private readonly audit: AuditRepository,
    private readonly db: Database,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly tenants: TenantRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.signer = new SignedFileUrls(config.vaultMasterKey, config.previousMasterKeys);
  }

  private readonly signer: SignedFileUrls;
  private readonly pacer = new PollPacer(EARLY_POLL_MS, EARLY_POLL_BURST);

  base(connectionId: string): string {
    return `${this.config.publicUrl}/fhir/r4/${connectionId}`;
  }

  statusUrl(exp: Pick<BulkExport, 'id' | 'connectionId'>): string {
    return `${this.base(exp.connectionId)}/$export-status/${exp.id}`;
  }

  /** Validates and records a kick-off; returns the export to poll. Vendor rules refuse with 429 and the seconds to wait. */
  async kickOff(actor: TenantActor, connectionId: string, level: ExportLevel, groupId: string | null, input: Omit<KickOffInput, 'level'>, requestUrl: string): Promise<BulkExport> {
    const connection = await this.connectionOf(actor.tenantId, connectionId);
    const support = bulkSupportOf(connection);
    if (!support.levels.includes(level)) {
      const supported = support.levels.map((l) => LEVEL_NAMES[l]).join(', ') || 'none';
      throw new SbError(ErrorCode.ValidationFailed, 'Export level not supported by this connection', {
        issues: [{ path: 'level', message: `this connection supports: ${supported}` }],
      });
    }
    if (groupId !== null && !support.groups.includes(groupId)) throw notFound('Group');
    const { params, ignored } = parseKickOff({ ...input, level });
    this.assertScopes(actor, typesOf({ level }, params));
    const signedUrls = (await this.tenants.findById(actor.tenantId))?.bulkSignedUrls ?? false;
    const issues: BulkExportIssue[] = ignored.map((i) => ({ severity: 'warning', code: 'not-supported', diagnostics: `${i.parameter} was ignored: ${i.message}` }));
    const result = await this.exports.create(
      actor.tenantId,
      { connectionId, level, groupId, requestUrl, params: params as unknown as Record<string, unknown>, requestHash: requestHashOf(connectionId, level, groupId, params), requiresAccessToken: !signedUrls, issues },
      { groupWindowSeconds: support.groupWindowSeconds, oneAtATime: support.oneAtATime },
    );
    if (!result.created) {
      const message =
        result.reason === 'group_window' ? 'This group was exported too recently; the EHR refuses another export yet' : result.reason === 'busy' ? 'An export is already running on this connection' : 'An identical export is already running';
      throw new SbError(ErrorCode.RateLimited, message, { details: { retryAfterSeconds: result.retryAfterSeconds, reason: result.reason } });
    }
    await this.auditAction(actor, result.export, 'bulk-export.kick-off');
    return result.export;
  }

  /** The status of a running, finished or failed export; 404 once cancelled or expired. Far-too-frequent polling gets 429. */
  async status(tenantId: string, connectionId: string, exportId: string): Promise<ExportStatusAnswer> {
    const exp = await this.visibleExport(tenantId, connectionId, exportId);
    if (!this.pacer.allow(exportId)) throw new SbError(ErrorCode.RateLimited, 'Status polled too often; wait as Retry-After says', { details: { retryAfterSeconds: STATUS_RETRY_AFTER_SECONDS } });
    if (exp.status === 'failed') return { state: 'failed', errorCode: exp.errorCode ?? 'failed' };
    if (exp.status !== 'completed') return { state: 'running', progressPercent: exp.progressPercent, retryAfterSeconds: retryAfterOf(exp) };
    const files = await this.exports.files(tenantId, exportId);
    return { state: 'completed', manifest: this.manifestOf(exp, files), expiresAt: exp.expiresAt ?? new Date() };
  }

  /** Cancels (or releases) an export: whoever may read every type it exports may cancel it; audited. */
  async cancel(actor: TenantActor, connectionId: string, exportId: string): Promise<void> {
    const exp = await this.visibleExport(actor.tenantId, connectionId, exportId);
    this.assertScopes(actor, typesOf(exp, exp.params as unknown as ExportParams));
    if (!(await this.exports.cancel(actor.tenantId, exportId))) throw notFound('Export');
    await this.auditAction(actor, exp, 'bulk-export.cancel');
  }

  /** Opens one file of a completed export for download with the tenant's credential, and audits the download. */
  async openFile(actor: TenantActor, connectionId: string, exportId: string, fileName: string): Promise<ExportFileStream> {
    const exp = await this.visibleExport(actor.tenantId, connectionId, exportId);
    // The file holds PHI of its type: the credential must be allowed to read it (the status and manifest carry none).
    const type = FILE_NAME.exec(fileName)?.[3];
    if (type && type !== 'OperationOutcome') this.assertScopes(actor, [type]);
    return this.serveFile(exp, fileName, { type: actor.type, id: actor.id });
  }

  /** Opens a file through a signed URL (no credential): 403 for a bad or expired signature, 404 for anything not there. */
  async openSignedFile(connectionId: string, exportId: string, fileName: string, given: { expires: string; signature: string }): Promise<ExportFileStream> {
    const exp = await this.exports.findBySignedUrl(exportId);
    if (!exp || exp.connectionId !== connectionId || exp.requiresAccessToken || exp.status !== 'completed' || exp.purged) throw notFound('File');
    const check = this.signer.check({ tenantId: exp.tenantId, connectionId, exportId, fileName }, given);
    if (check !== 'ok') throw new SbError(ErrorCode.Forbidden, check === 'expired' ? 'The signed URL has expired; fetch the manifest again for a fresh one' : 'The signed URL is not valid');
    return this.serveFile(exp, fileName, { type: 'signed-url', id: exportId });
  }

  private async serveFile(exp: BulkExport, fileName: string, actor: { type: string; id: string }): Promise<ExportFileStream> {
    const match = FILE_NAME.exec(fileName);
    if (exp.status !== 'completed' || !match) throw notFound('File');
    const [, kind, seq, type] = match;
    const file = (await this.exports.files(exp.tenantId, exp.id)).find((f) => f.done && f.kind === kind && f.seq === Number(seq) && f.resourceType === type);
    const stored = file ? await this.storage.get(file.objectKey) : null;
    if (!file || !stored) throw notFound('File');
    const exportId = exp.id;
    const connectionId = exp.connectionId;
    await this.db.transaction((tx) =>
      this.audit.append(tx, {
        tenantId: exp.tenantId,
        transactionId: randomUUID(),
        connectionId,
        actorType: actor.type,
        actorId: actor.id,
        operation: 'bulk-export.download',
        resourceType: file.resourceType,
        patientRef: null,
        purpose: null,
        objectRef: `BulkExport/${exportId}`,
        outcome: 'success',
        occurredAt: new Date(),
      }),
    );
    return { body: stored.body, bytes: stored.bytes };
  }

  /** A connection's recent exports, newest first (no PHI: states, counts, the status URL). */
  async list(tenantId: string, connectionId: string): Promise<ExportSummary[]> {
    await this.connectionOf(tenantId, connectionId);
    const rows = await this.exports.listForConnection(tenantId, connectionId, EXPORT_LIST_LIMIT);
    return rows.map((e) => ({
      id: e.id,
      level: e.level,
      groupId: e.groupId,
      status: e.purged && e.status !== 'cancelled' ? 'expired' : e.status,
      progressPercent: e.progressPercent,
      resourceCount: e.resourceCount,
      counts: e.counts,
      errorCode: e.errorCode,
      requestUrl: e.requestUrl,
      statusUrl: this.statusUrl(e),
      createdAt: e.createdAt,
      completedAt: e.completedAt,
      expiresAt: e.expiresAt,
    }));
  }

  /** The connection's CapabilityStatement with its Bulk Data export levels declared. */
  async withExportCapability(tenantId: string, connectionId: string, statement: CapabilityStatement): Promise<CapabilityStatement> {
    return withBulkExport(statement, bulkSupportOf(await this.connectionOf(tenantId, connectionId)));
  }

  /** The groups a connection can export, as FHIR Group resources (ids only: membership stays with the EHR). */
  async groups(tenantId: string, connectionId: string): Promise<{ id: string }[]> {
    return bulkSupportOf(await this.connectionOf(tenantId, connectionId)).groups.map((id) => ({ id }));
  }

  private manifestOf(exp: BulkExport, files: readonly BulkExportFile[]): BulkManifest {
    const urlOf = (f: BulkExportFile): string => {
      const fileName = `${f.kind}-${f.seq}.${f.resourceType}.ndjson`;
      if (exp.requiresAccessToken) return `${this.base(exp.connectionId)}/$export-file/${exp.id}/${fileName}`;
      const s = this.signer.sign({ tenantId: exp.tenantId, connectionId: exp.connectionId, exportId: exp.id, fileName });
      return `${this.base(exp.connectionId)}/$export-signed/${exp.id}/${fileName}?expires=${s.expires}&signature=${s.signature}`;
    };
    const done = files.filter((f) => f.done);
    return {
      transactionTime: (exp.transactionTime ?? exp.createdAt).toISOString(),
      request: exp.requestUrl,
      requiresAccessToken: exp.requiresAccessToken,
      output: done.filter((f) => f.kind === 'output').map((f) => ({ type: f.resourceType, url: urlOf(f), count: f.lines })),
      error: done.filter((f) => f.kind === 'error').map((f) => ({ type: 'OperationOutcome' as const, url: urlOf(f) })),
    };
  }

  /** The caller's own export on this connection, not cancelled or purged; 404 for anything else (another tenant's included). */
  private async visibleExport(tenantId: string, connectionId: string, exportId: string): Promise<BulkExport> {
    const exp = await this.exports.find(tenantId, exportId);
    const expired = exp?.expiresAt ? exp.expiresAt.getTime() <= Date.now() : false;
    if (!exp || exp.connectionId !== connectionId || exp.status === 'cancelled' || exp.purged || expired) throw notFound('Export');
    return exp;
  }

  private async connectionOf(tenantId: string, connectionId: string): Promise<Connection> {
    const connection = await this.connections.findById(tenantId, connectionId);
    if (!connection) throw notFound('Connection');
    return connection;
  }

  private async auditAction(actor: TenantActor, exp: BulkExport, operation: string): Promise<void> {
    await this.db.transaction((tx) =>
      this.audit.append(tx, {
        tenantId: exp.tenantId,
        transactionId: randomUUID(),
        connectionId: exp.connectionId,
        actorType: actor.type,
        actorId: actor.id,
        operation,
        resourceType: 'BulkExport',
        patientRef: null,
        purpose: null,
        objectRef: `BulkExport/${exp.id}`,
        outcome: 'success',
        occurredAt: new Date(),
      }),
    );
  }

  /** Exporting a type reads every resource of it: the credential needs read access to each. */
  private assertScopes(actor: TenantActor, types: readonly string[]): void {
    if (actor.type === 'smart-app') throw new SbError(ErrorCode.Forbidden, 'Bulk Data export needs a backend credential, not a SMART app’s token');
    const missing = types.filter((resourceType) => !scopesGrant(actor.scopes, { resourceType, interaction: 'r' }));
    if (missing.length > 0) {
      throw new SbError(ErrorCode.Forbidden, 'The credential may not read every exported type', { details: { missingScopes: missing.map((t) => `system/${t}.r`) } });
    }
  }
}

