import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import {
  BULK_EXPORT_CHANNEL,
  BulkExportRepository,
  CallRecordRepository,
  ClinicalStoreRepository,
  ConnectionRepository,
  OutboxNotifications,
  type BulkExportLease,
  type Connection,
  type DbTransaction,
} from '@sb/db';
import { EventWriter } from '@sb/events';
import { ProcessingLoop, ProcessingLoopService } from '@sb/queue';
import { OBJECT_STORAGE, type ObjectStorage } from '@sb/storage';
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { exportPrefix, fileKey, writeNdjsonFile } from './ndjson-file';
import { bulkSupportOf } from './bulk-support';
import { materializeFromStore } from './store-export';
import { LeaseLost, vendorStep } from './vendor-export-step';
import { VendorExports, VendorFileRejected } from './vendor-exports';

/** A step holds its export this long; renewed after every file, so a crashed worker's export is taken over soon after. */
export const EXPORT_LEASE_MS = 60_000;
/** How often a running step checks whether its export was cancelled (the issue: a cancel stops within 5 s). */
export const CANCEL_CHECK_MS = 1_000;
/** Exports one worker advances at once. */
export const EXPORT_CONCURRENCY = 2;
/**
 * Fallback poll. Kick-offs and cancellations wake the loop by NOTIFY, and the worker wakes itself
 * when a vendor poll or retry it scheduled falls due; this catches what another worker scheduled
 * before it stopped, and expired exports to purge.
 */
export const EXPORT_IDLE_POLL_MS = 10_000;

/** A transaction id derived from a stable name: the usage line of (export, type) is written once, however often completion is retried. */
export const stableTransactionId = (name: string): string => {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
};

/** Consecutive failed steps before an export is given up (≈ 1 h of backoff). */
export const MAX_STEP_FAILURES = 12;
const backoffSeconds = (failures: number): number => Math.min(600, 2 ** failures);

/**
 * Advances Bulk Data exports in the worker: each export is a state machine in Postgres,
 * leased by one worker at a time (a crashed worker's lease lapses and another takes over).
 * Cancelled exports and those past their retention have their objects deleted.
 */
@Injectable()
export class BulkExportRunner extends ProcessingLoopService {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger(BulkExportRunner.name);
  protected readonly loop = new ProcessingLoop('bulk-export', () => this.runDue(), { idleMs: EXPORT_IDLE_POLL_MS, errorMs: EXPORT_IDLE_POLL_MS * 5 });

  constructor(
    private readonly exports: BulkExportRepository,
    private readonly connections: ConnectionRepository,
    private readonly store: ClinicalStoreRepository,
    private readonly calls: CallRecordRepository,
    private readonly events: EventWriter,
    private readonly notifications: OutboxNotifications,
    private readonly vendors: VendorExports,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  override start(): void {
    void this.notifications.listen(() => this.loop.poke(), BULK_EXPORT_CHANNEL);
    super.start();
  }

  /** One pass: advances every export due that this process can lease; returns how many. */
  async runDue(): Promise<number> {
    const leases = await this.exports.claimDue(this.owner, EXPORT_LEASE_MS, EXPORT_CONCURRENCY);
    await Promise.all(leases.map((lease) => this.step(lease)));
    return leases.length;
  }

  private async step(lease: BulkExportLease): Promise<void> {
    const exp = lease.export;
    const cancelled = new AbortController();
    const watch = setInterval(() => {
      this.exports.isCancelled(exp.tenantId, exp.id).then(
        (yes) => yes && cancelled.abort(),
        () => undefined,
      );
    }, CANCEL_CHECK_MS);
    try {
      if (exp.status === 'cancelled' || exp.status === 'completed' || exp.status === 'failed') return await this.purge(lease);
      const connection = await this.connections.findById(exp.tenantId, exp.connectionId);
      if (!connection) return await this.fail(lease, 'connection_removed');
      if (bulkSupportOf(connection).source === 'store') return await this.materialize(lease, connection, cancelled.signal);
      const client = this.vendors.clientFor(connection);
      if (!client) return await this.fail(lease, 'vendor_has_no_export');
      const outcome = await vendorStep({ exports: this.exports, storage: this.storage, client, connection, leaseMs: EXPORT_LEASE_MS, signal: cancelled.signal }, lease);
      if (outcome.next === 'wait') this.wakeAt(outcome.at);
      else if (outcome.next === 'fail') await this.fail(lease, outcome.errorCode);
      else if (outcome.next === 'complete') await this.complete(lease, connection, outcome.counts);
    } catch (error) {
      if (cancelled.signal.aborted || error instanceof LeaseLost) {
        // Cancelled meanwhile (or taken over): give the lease back so the purge runs now, not when it lapses.
        await this.exports.release(lease).catch(() => undefined);
        this.loop.poke();
        return;
      }
      await this.stepFailed(lease, error).catch(() => undefined);
    } finally {
      clearInterval(watch);
    }
  }

  /** A failed step is retried with backoff (the vendor is down, storage hiccuped); past MAX_STEP_FAILURES, or for bad vendor data, the export fails. */
  private async stepFailed(lease: BulkExportLease, error: unknown): Promise<void> {
    const exp = lease.export;
    const failures = exp.failures + 1;
    this.logger.warn({ event: 'bulk_export_step_failed', exportId: exp.id, status: exp.status, failures, err: error });
    if (error instanceof VendorFileRejected) return this.fail(lease, `vendor_file_${error.reason}`);
    if (failures >= MAX_STEP_FAILURES) return this.fail(lease, 'too_many_failures');
    const at = new Date(Date.now() + backoffSeconds(failures) * 1000);
    await this.exports.advance(lease, { failures, nextRunAt: at, releaseLease: true });
    this.wakeAt(at);
  }

  /** Pokes the loop when work this process scheduled falls due (a timer that does not keep the process alive). */
  private wakeAt(at: Date): void {
    setTimeout(() => this.loop.poke(), Math.max(0, at.getTime() - Date.now()) + 20).unref();
  }

  /** The gateway's own store: one step writes every file, then completes. A rerun after a crash rewrites the same keys. */
  private async materialize(lease: BulkExportLease, connection: Connection, signal: AbortSignal): Promise<void> {
    const exp = lease.export;
    const transactionTime = exp.transactionTime ?? new Date();
    if (exp.status === 'requested') {
      if (!(await this.exports.advance(lease, { status: 'downloading', transactionTime }))) throw new LeaseLost();
    }
    await this.exports.forgetFiles(exp.tenantId, exp.id);
    const counts: Record<string, number> = {};
    await materializeFromStore({ store: this.store, storage: this.storage, signal }, exp, connection, transactionTime, async (file, done) => {
      await this.exports.recordFile(exp.tenantId, exp.id, { kind: 'output', resourceType: file.resourceType, seq: file.seq, objectKey: file.objectKey, vendorUrl: null, bytes: file.bytes, lines: file.lines, sha256: file.sha256 });
      counts[file.resourceType] = (counts[file.resourceType] ?? 0) + file.lines;
      const progressPercent = Math.min(99, Math.floor(((done.types + 0.5) / done.of) * 100));
      if (!(await this.exports.progress(lease, progressPercent, EXPORT_LEASE_MS))) throw new LeaseLost();
    });
    await this.writeIssues(lease);
    await this.complete(lease, connection, counts);
  }

  /** The manifest's `error` file: one OperationOutcome per parameter `Prefer: handling=lenient` let through. */
  private async writeIssues(lease: BulkExportLease): Promise<void> {
    const exp = lease.export;
    if (exp.issues.length === 0) return;
    const objectKey = fileKey(exp.tenantId, exp.connectionId, exp.id, 'error', 'OperationOutcome', 1);
    const outcomes = (async function* () {
      for (const issue of exp.issues) yield { resourceType: 'OperationOutcome', issue: [issue] } as Record<string, unknown>;
    })();
    const written = await writeNdjsonFile(this.storage, objectKey, outcomes);
    await this.exports.recordFile(exp.tenantId, exp.id, { kind: 'error', resourceType: 'OperationOutcome', seq: 1, objectKey, vendorUrl: null, ...written });
  }

  /** Completion: status, the event, and one usage line per exported type, in one transaction. */
  private async complete(lease: BulkExportLease, connection: Connection, counts: Record<string, number>): Promise<void> {
    const exp = lease.export;
    const now = new Date();
    const resourceCount = Object.values(counts).reduce((a, b) => a + b, 0);
    const moved = await this.exports.advance(
      lease,
      { status: 'completed', counts, resourceCount, progressPercent: 100, completedAt: now, expiresAt: new Date(now.getTime() + this.config.bulkExportRetentionMs), releaseLease: true },
      (tx) => this.recordCompletion(tx, lease, connection, 'completed', counts, now),
    );
    if (!moved) throw new LeaseLost();
    this.logger.log({ event: 'bulk_export_completed', exportId: exp.id, connectionId: exp.connectionId, resourceCount });
  }

  private async fail(lease: BulkExportLease, errorCode: string): Promise<void> {
    const exp = lease.export;
    const now = new Date();
    const moved = await this.exports.advance(
      lease,
      { status: 'failed', errorCode, completedAt: now, expiresAt: new Date(now.getTime() + this.config.bulkExportRetentionMs), releaseLease: true },
      (tx) => this.recordCompletion(tx, lease, null, 'failed', {}, now),
    );
    if (moved) this.logger.warn({ event: 'bulk_export_failed', exportId: exp.id, errorCode });
  }

  private async recordCompletion(tx: DbTransaction, lease: BulkExportLease, connection: Connection | null, status: 'completed' | 'failed', counts: Record<string, number>, at: Date): Promise<void> {
    const exp = lease.export;
    await this.events.append(tx, [
      {
        tenantId: exp.tenantId,
        connectionId: exp.connectionId,
        type: 'export.completed',
        data: { exportId: exp.id, connectionId: exp.connectionId, status, counts, manifestUrl: `${this.config.publicUrl}/fhir/r4/${exp.connectionId}/$export-status/${exp.id}` },
      },
    ]);
    if (!connection) return;
    const lines = Object.entries(counts).filter(([, n]) => n > 0);
    await this.calls.recordAll(
      lines.map(([resourceType, units]) => ({
        call: {
          tenantId: exp.tenantId,
          connectionId: exp.connectionId,
          transactionId: stableTransactionId(`bulk-export:${exp.id}:${resourceType}`),
          vendor: connection.vendor,
          environment: connection.environment,
          operation: 'bulk-export',
          resourceType,
          outcome: 'success',
          durationMs: Math.max(0, at.getTime() - exp.createdAt.getTime()),
          occurredAt: at,
          units,
          actorType: 'system',
          actorId: 'bulk-export',
          purpose: null,
        },
        patientRefs: [],
      })),
      tx,
    );
  }

  /** Cancelled, or past retention: the vendor job is released, the objects go; the row stays (status 404s to clients), marked purged. */
  private async purge(lease: BulkExportLease): Promise<void> {
    const exp = lease.export;
    if (exp.vendorStatusUrl && exp.status === 'cancelled') await this.cancelAtVendor(exp.tenantId, exp.connectionId, exp.vendorStatusUrl);
    const removed = await this.storage.deletePrefix(exportPrefix(exp.tenantId, exp.connectionId, exp.id));
    await this.exports.markPurged(lease);
    this.logger.log({ event: 'bulk_export_purged', exportId: exp.id, status: exp.status, objects: removed });
  }

  /** Best effort: a vendor that cannot be told keeps its job until its own retention ends. */
  private async cancelAtVendor(tenantId: string, connectionId: string, statusUrl: string): Promise<void> {
    const connection = await this.connections.findById(tenantId, connectionId);
    const client = connection ? this.vendors.clientFor(connection) : null;
    await client?.cancel(statusUrl).catch((e: unknown) => this.logger.warn({ event: 'bulk_export_vendor_cancel_failed', connectionId, err: e }));
  }
}
