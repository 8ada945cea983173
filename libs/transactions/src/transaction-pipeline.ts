import { Injectable } from '@nestjs/common';
import { trace, SpanStatusCode, type Span } from '@opentelemetry/api';
import { ErrorCode, foundOrFail, isSbError, SbError, scopesGrant, type Actor } from '@sb/core';
import { CallRecordRepository, ConnectionCache, Database, statementGaveUpWaiting, type CallRecordInput, type Connection, type DbTransaction, type SqlTransaction, type TransactionOutcome } from '@sb/db';
import { assertSmartConnection, smartGrantFor, type SmartInteraction } from '@sb/smart';
import { setSafeSpanAttributes } from '@sb/telemetry';
import { randomUUID } from 'node:crypto';
import { INTERACTION_FOR, type Operation } from './operations';

export interface TransactionRequest {
  tenantId: string;
  connectionId: string;
  operation: Operation;
  resourceType: string;
  actor: Actor;
  /** The patient whose data is touched, when known before the call (e.g. `Patient/123`). */
  patientRef?: string | null;
  purpose?: string | null;
  /** The connection row when the caller has just read it (a worker batch); otherwise it is looked up. */
  connection?: Connection;
}

export interface TransactionContext {
  transactionId: string;
  connection: Connection;
  /** Says, from `persist`, that an earlier attempt had done this work: the call is metered as a duplicate. */
  alreadyDone: () => void;
}

export interface TransactionWork<R> {
  /** The call across the trust boundary. Runs outside any database transaction. */
  call: (ctx: TransactionContext) => Promise<R>;
  /**
   * The work's own writes; committed in one transaction with the usage event and audit record.
   * When it finds the work already done by an earlier attempt (a job retry), it calls
   * `ctx.alreadyDone()`: the call is then metered as a duplicate, counted and never billable.
   */
  persist?: (tx: DbTransaction, result: R, ctx: TransactionContext) => Promise<void>;
  /** The patients whose data the result holds (a search may hold several): one audit record each. */
  patientRefsOf?: (result: R) => string[];
}

/** One call of a batch whose result is already in hand (a worker's converted message): what it was and whom it touched. */
export interface BatchedCall {
  req: TransactionRequest;
  patientRefs: string[];
}

export interface TransactionResult<R> {
  transactionId: string;
  result: R;
}

const tracer = trace.getTracer('switchboard.transactions');

/**
 * The operations a SMART app's token may make, with the interaction each needs; its patient
 * compartment and query restrictions are checked by the clinical service around the EHR call.
 */
const SMART_INTERACTIONS: Partial<Record<Operation, SmartInteraction>> = { read: 'r', search: 's', create: 'c', update: 'u' };

/**
 * The one choke point for every call to or from a hospital: authorizes, traces
 * (PHI-free attributes only), runs the work, and records exactly one usage event
 * and one audit record per call — with the work's own writes when it has any.
 */
@Injectable()
export class TransactionPipeline {
  constructor(
    private readonly db: Database,
    private readonly connections: ConnectionCache,
    private readonly calls: CallRecordRepository,
  ) {}

  async run<R>(req: TransactionRequest, work: TransactionWork<R>): Promise<TransactionResult<R>> {
    const connection = await this.authorize(req);
    let alreadyDone = false;
    const ctx: TransactionContext = { transactionId: randomUUID(), connection, alreadyDone: () => (alreadyDone = true) };
    return tracer.startActiveSpan(`sb.transaction ${req.operation}`, async (span) => {
      setSafeSpanAttributes(span, {
        transactionId: ctx.transactionId,
        tenantId: req.tenantId,
        connectionId: connection.id,
        vendor: connection.vendor,
        operation: req.operation,
        resourceType: req.resourceType,
        actorType: req.actor.type,
      });
      const startedAt = Date.now();
      let recording = false;
      try {
        const result = await work.call(ctx);
        const persist = work.persist;
        const write = persist
          ? async (tx: DbTransaction) => {
              alreadyDone = false; // a retried database transaction starts over
              await persist(tx, result, ctx);
              return alreadyDone;
            }
          : undefined;
        recording = true;
        await this.commit(req, ctx, 'success', startedAt, work.patientRefsOf?.(result) ?? [], write);
        setSafeSpanAttributes(span, { outcome: 'success' });
        return { transactionId: ctx.transactionId, result };
      } catch (error) {
        this.markFailed(span, error);
        const errorRecord = this.commit(req, ctx, 'error', startedAt, [], undefined).catch(() => undefined);
        // When the call's own record gave up waiting (a statement timeout behind a lock), its error record is still
        // made, but the failure is answered without waiting as long again for it.
        if (!(recording && statementGaveUpWaiting(error))) await errorRecord;
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * Commits a batch of successful calls whose work is already in hand (nothing to call across the trust
   * boundary): `persist` writes every call's own data, and every call's usage event and audit records go
   * in the same transaction, one statement for all. All or nothing: when anything fails nothing commits
   * and the error is thrown, and the caller runs the calls one by one through {@link run}.
   * Returns each call's transaction id, in order.
   */
  async commitBatch(calls: readonly BatchedCall[], persist: (tx: SqlTransaction) => Promise<void>): Promise<string[]> {
    const authorized = await Promise.all(calls.map(async (c) => ({ ...c, connection: await this.authorize(c.req) })));
    const first = authorized[0];
    if (!first) return [];
    return tracer.startActiveSpan(`sb.transaction ${first.req.operation}`, async (span) => {
      setSafeSpanAttributes(span, { operation: first.req.operation, actorType: first.req.actor.type });
      const startedAt = Date.now();
      try {
        const records = await this.db.sqlTransaction(async (tx) => {
          await persist(tx);
          const occurredAt = new Date();
          const recorded = authorized.map(({ req, connection, patientRefs }) => ({
            call: this.callRecord(req, { transactionId: randomUUID(), connection, alreadyDone: () => undefined }, 'success', startedAt, occurredAt, false),
            patientRefs: [...(req.patientRef ? [req.patientRef] : []), ...patientRefs],
          }));
          await this.calls.recordAll(recorded, tx);
          return recorded;
        });
        setSafeSpanAttributes(span, { outcome: 'success' });
        return records.map((r) => r.call.transactionId);
      } catch (error) {
        this.markFailed(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * Records a resend or replay of work already done — an HL7 message sent again after a lost
   * ACK, an `Idempotency-Key` replay — as what it is: one usage event marked duplicate (counted,
   * never billable) and its audit record per patient disclosed, in one statement, with no call
   * to the EHR. Authorized like {@link run}. Returns the duplicate's own transaction id.
   */
  async recordDuplicate(req: TransactionRequest, patientRefs: readonly string[] = []): Promise<string> {
    const connection = await this.authorize(req);
    const ctx: TransactionContext = { transactionId: randomUUID(), connection, alreadyDone: () => undefined };
    await this.commit(req, ctx, 'success', Date.now(), [...patientRefs], undefined, true);
    return ctx.transactionId;
  }

  private async authorize(req: TransactionRequest): Promise<Connection> {
    const { actor } = req;
    // A launched SMART app: its own connection only (any other is unknown to it), clinical calls only, by its SMART scopes.
    if (actor.type === 'smart-app') {
      assertSmartConnection(actor, req.tenantId, req.connectionId);
      const interaction = SMART_INTERACTIONS[req.operation];
      if (!interaction) throw new SbError(ErrorCode.Forbidden, 'A SMART app’s token is for FHIR reads, searches and writes only');
      const grant = smartGrantFor(actor, req.resourceType, interaction);
      if (grant.compartmentPatientId !== null && req.patientRef && req.patientRef !== `Patient/${grant.compartmentPatientId}`) {
        throw new SbError(ErrorCode.Forbidden, 'The SMART app’s scopes do not cover this resource');
      }
    }
    if (actor.type === 'operator' || actor.tenantId !== req.tenantId) {
      throw new SbError(ErrorCode.Forbidden, 'Only the tenant’s own credentials can transact on its connections');
    }
    const required = { resourceType: req.resourceType, interaction: INTERACTION_FOR[req.operation] };
    if (actor.type !== 'smart-app' && !scopesGrant(actor.scopes, required)) {
      throw new SbError(ErrorCode.Forbidden, 'The credential does not allow this operation', {
        details: { requiredScope: `system/${required.resourceType}.${required.interaction}` },
      });
    }
    const preloaded = req.connection?.id === req.connectionId && req.connection.tenantId === req.tenantId ? req.connection : null;
    const connection = preloaded ?? foundOrFail(await this.connections.findById(req.tenantId, req.connectionId), 'Connection');
    if (connection.status === 'disabled') throw new SbError(ErrorCode.Conflict, 'Connection is disabled');
    return connection;
  }

  /** Usage and audit in one statement; in one transaction with the work's own writes when it has any. */
  private async commit(
    req: TransactionRequest,
    ctx: TransactionContext,
    outcome: TransactionOutcome,
    startedAt: number,
    learnedPatientRefs: string[],
    /** The work's writes; resolves whether an earlier attempt had done the work (then metered as a duplicate). */
    persist: ((tx: DbTransaction) => Promise<boolean>) | undefined,
    duplicate = false,
  ): Promise<void> {
    const call = this.callRecord(req, ctx, outcome, startedAt, new Date(), duplicate);
    const patientRefs = [...(req.patientRef ? [req.patientRef] : []), ...learnedPatientRefs];
    if (!persist) return this.calls.record(call, patientRefs);
    await this.db.transaction(async (tx) => {
      const done = await persist(tx);
      await this.calls.record(done ? { ...call, duplicate: true } : call, patientRefs, tx);
    });
  }

  private callRecord(req: TransactionRequest, ctx: TransactionContext, outcome: TransactionOutcome, startedAt: number, occurredAt: Date, duplicate: boolean): CallRecordInput {
    return {
      tenantId: req.tenantId,
      connectionId: ctx.connection.id,
      transactionId: ctx.transactionId,
      vendor: ctx.connection.vendor,
      operation: req.operation,
      resourceType: req.resourceType,
      outcome,
      durationMs: occurredAt.getTime() - startedAt,
      occurredAt,
      environment: ctx.connection.environment,
      duplicate,
      actorType: req.actor.type,
      actorId: req.actor.id,
      purpose: req.purpose ?? null,
    };
  }

  private markFailed(span: Span, error: unknown): void {
    const code = isSbError(error) ? error.code : ErrorCode.Internal;
    setSafeSpanAttributes(span, { outcome: 'error', errorCode: code });
    // The message may carry vendor text; only the stable code is traced.
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }
}
