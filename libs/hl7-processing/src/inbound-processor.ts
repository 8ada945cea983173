import { Injectable, Logger } from '@nestjs/common';
import { toStoredResource } from '@sb/adapters/hl7v2';
import { ErrorCode, isSbError, SbError, type Actor } from '@sb/core';
import { ClinicalStoreRepository, ConnectionCache, Hl7InboundRepository, type ClaimedHl7Message, type Connection } from '@sb/db';
import { buildAck, convertMessage, Hl7ErrorCode, parseHeader, type Hl7Conversion, type Hl7ConversionError } from '@sb/hl7';
import { EventWriter } from '@sb/events';
import { TransactionPipeline } from '@sb/transactions';
import { randomBytes } from 'node:crypto';
import { ApplicationAckPublisher } from './application-ack.publisher';
import { dialectOf } from './connection-dialect';
import { conversionEvents } from './conversion-events';

/** How long a claimed message is held; a worker killed mid-message frees it after this. */
export const INBOUND_LEASE_MS = 30_000;
/** Messages claimed per step (each is a different patient's oldest). */
export const INBOUND_BATCH = 32;
/** Transient failures (database, connection lookup) retried this often before the message is marked failed. */
export const INBOUND_MAX_ATTEMPTS = 10;
/** Wait before retrying after a transient failure: attempt × this. */
export const INBOUND_RETRY_STEP_MS = 2_000;

type Outcome = { status: 'processed' } | { status: 'failed'; error: Hl7ConversionError };

/** The message's lease expired and a newer claim owns it: this attempt's writes must not commit. */
class LeaseLost extends Error {
  constructor() {
    super('HL7 inbound lease lost');
  }
}

class ConversionFailed extends SbError {
  constructor(readonly failure: Hl7ConversionError) {
    super(ErrorCode.ValidationFailed, 'HL7 message could not be converted', { details: { hl7ErrorCode: failure.code } });
  }
}

/** A message of a batch, converted and ready to commit with the others. */
interface Prepared {
  message: ClaimedHl7Message;
  connection: Connection;
  conversion: Hl7Conversion;
  applicationAck: string | null;
}

/** The patients a conversion's data is about: one audit record each. */
const patientRefsOf = (conversion: Hl7Conversion): string[] => conversion.resources.filter((r) => r.resourceType === 'Patient').map((r) => `Patient/${r.id ?? ''}`);

const systemActor = (connection: Connection): Actor => ({ type: 'system', id: `hl7v2:${connection.id}`, tenantId: connection.tenantId, scopes: ['system/*.cruds'] });

/**
 * The worker side of an HL7 v2 site: parse → the connection's dialect → FHIR R4 /
 * US Core → the connection's clinical store, each message in one database
 * transaction with its usage event, audit records, outbox events and its own status (so a crash
 * at any point means "not processed", never "half processed", and a claimed
 * message is applied exactly once). One patient's messages apply in the order
 * received: the repository claims only the oldest unprocessed message per patient.
 */
@Injectable()
export class Hl7InboundProcessor {
  private readonly logger = new Logger(Hl7InboundProcessor.name);
  private workWasWaiting = false;

  constructor(
    private readonly inbound: Hl7InboundRepository,
    private readonly store: ClinicalStoreRepository,
    private readonly connections: ConnectionCache,
    private readonly pipeline: TransactionPipeline,
    private readonly applicationAcks: ApplicationAckPublisher,
    private readonly events: EventWriter,
  ) {}

  /**
   * Claims and processes one batch; returns how many messages it took. The messages that convert
   * cleanly (no patient merge) commit together in one transaction — their resources, events, statuses,
   * usage and audit in a statement each. If that batch cannot commit (a lost lease, a constraint, the
   * database), or for the rest, each message goes through the one-message path, with its own outcome.
   */
  async processBatch(limit = INBOUND_BATCH): Promise<number> {
    const claimed = await this.inbound.claim(limit, INBOUND_LEASE_MS);
    this.workWasWaiting = (claimed[0]?.seen ?? 0) > claimed.length;
    const prepared = await Promise.all(claimed.map((m) => this.prepare(m)));
    const batch = prepared.filter((p): p is Prepared => p !== null);
    const batched = new Set<string>();
    if (batch.length > 1) {
      try {
        await this.applyBatch(batch);
        for (const p of batch) batched.add(p.message.id);
      } catch (error) {
        this.logger.debug({ err: error, size: batch.length }, 'inbound HL7 batch not committed; processing its messages one by one');
      }
    }
    await Promise.all(claimed.filter((m) => !batched.has(m.id)).map((m) => this.processOne(m)));
    return claimed.length;
  }

  /**
   * Whether the last claim left unprocessed messages behind: queued behind a patient's head (a
   * backlog to go on with at once, not a trickle to wait for), or leased by another claim or
   * waiting for a retry. The last two are not this worker's to take, but they also count: the
   * answer errs toward going on at once, never toward waiting.
   */
  leftWorkWaiting(): boolean {
    return this.workWasWaiting;
  }

  /** A message ready for the batch: its connection found and its conversion clean, without a merge. Null otherwise. */
  private async prepare(message: ClaimedHl7Message): Promise<Prepared | null> {
    try {
      const connection = await this.connections.findById(message.tenantId, message.connectionId);
      if (!connection) return null;
      const converted = convertMessage(message.raw, dialectOf(connection), { idNamespace: connection.id });
      if (!converted.ok || converted.value.merges?.length) return null;
      return { message, connection, conversion: converted.value, applicationAck: this.applicationAckFor(message, connection, null) };
    } catch {
      return null;
    }
  }

  private async applyBatch(batch: readonly Prepared[]): Promise<void> {
    await this.pipeline.commitBatch(
      batch.map(({ connection, conversion }) => ({
        req: { tenantId: connection.tenantId, connectionId: connection.id, operation: 'message.in', resourceType: conversion.messageType, actor: systemActor(connection), connection },
        patientRefs: patientRefsOf(conversion),
      })),
      async (tx) => {
        await this.store.upsertMany(
          tx,
          batch.map(({ message, connection, conversion }) => ({
            tenantId: connection.tenantId,
            connectionId: connection.id,
            resources: conversion.resources.map((r) => toStoredResource(r as unknown as Record<string, unknown>)),
            sourceMessageId: message.id,
          })),
        );
        await this.events.append(tx, batch.flatMap(({ message, connection, conversion }) => conversionEvents(conversion, connection.tenantId, connection.id, message.id)));
        const completed = await this.inbound.completeMany(
          tx,
          batch.map(({ message, conversion, applicationAck }) => ({ id: message.id, attempt: message.attempts, applicationAck, resources: conversion.resources })),
        );
        if (completed !== batch.length) throw new LeaseLost();
      },
    );
    for (const { message, connection, applicationAck } of batch) {
      if (applicationAck) await this.applicationAcks.publish({ messageId: message.id, connectionId: connection.id, ack: applicationAck });
    }
  }

  private async processOne(message: ClaimedHl7Message): Promise<void> {
    try {
      const connection = await this.connections.findById(message.tenantId, message.connectionId);
      if (!connection) return; // deleted meanwhile: its messages went with it (cascade)
      const outcome = await this.apply(message, connection);
      this.logger.debug({ connectionId: connection.id, status: outcome.status }, 'inbound HL7 message handled');
    } catch (error) {
      // Another claim took the message after this one's lease expired: it is that claim's to apply.
      if (error instanceof LeaseLost) return this.logger.warn('inbound HL7 message lease lost before commit; left to the newer claim');
      await this.transientFailure(message, error);
    }
  }

  private async apply(message: ClaimedHl7Message, connection: Connection): Promise<Outcome> {
    const converted = convertMessage(message.raw, dialectOf(connection), { idNamespace: connection.id });
    const messageType = converted.ok ? converted.value.messageType : 'HL7';
    const applicationAck = this.applicationAckFor(message, connection, converted.ok ? null : converted.error);
    try {
      await this.pipeline.run(
        { tenantId: connection.tenantId, connectionId: connection.id, operation: 'message.in', resourceType: messageType, actor: systemActor(connection), connection },
        {
          call: () => (converted.ok ? Promise.resolve(converted.value) : Promise.reject(new ConversionFailed(converted.error))),
          persist: async (tx, conversion: Hl7Conversion) => {
            await this.store.upsert(tx, connection.tenantId, connection.id, conversion.resources.map((r) => toStoredResource(r as unknown as Record<string, unknown>)), message.id);
            // One PID/MRG pair at a time, in message order: a later pair sees what the earlier ones moved.
            for (const merge of conversion.merges ?? []) {
              await this.store.mergePatients(tx, connection.tenantId, connection.id, merge.retiredPatientId, merge.survivorPatientId);
            }
            await this.events.append(tx, conversionEvents(conversion, connection.tenantId, connection.id, message.id));
            if (!(await this.inbound.complete(tx, message.id, message.attempts, { status: 'processed', applicationAck, resources: conversion.resources }))) throw new LeaseLost();
          },
          patientRefsOf,
        },
      );
      if (applicationAck) await this.applicationAcks.publish({ messageId: message.id, connectionId: connection.id, ack: applicationAck });
      return { status: 'processed' };
    } catch (error) {
      if (!(error instanceof ConversionFailed)) throw error;
      // A newer claim took the message after this one's lease expired: failing it is that claim's to do.
      if (!(await this.inbound.fail(message.id, message.attempts, error.failure.code, applicationAck))) throw new LeaseLost();
      if (applicationAck) await this.applicationAcks.publish({ messageId: message.id, connectionId: connection.id, ack: applicationAck });
      return { status: 'failed', error: error.failure };
    }
  }

  /**
   * Enhanced mode: the application ACK the sender asked for in MSH-16 (AL always,
   * ER on error, SU on success), or null (HL7 v2.5.1 ch. 2, "Enhanced acknowledgment mode").
   */
  private applicationAckFor(message: ClaimedHl7Message, connection: Connection, failure: Hl7ConversionError | null): string | null {
    if (connection.hl7AckMode !== 'enhanced') return null;
    const parsed = parseHeader(message.raw);
    if (!parsed.ok) return null;
    const wanted = parsed.header.applicationAckType ?? '';
    if (!(wanted === 'AL' || (wanted === 'ER' && failure) || (wanted === 'SU' && !failure))) return null;
    const controlId = randomBytes(10).toString('hex');
    if (!failure) return buildAck(parsed.header, { code: 'AA', controlId });
    return buildAck(parsed.header, { code: 'AE', controlId, error: { code: failure.code, text: failure.reason, location: failure.location } });
  }

  private async transientFailure(message: ClaimedHl7Message, error: unknown): Promise<void> {
    const code = isSbError(error) ? error.code : 'internal';
    this.logger.warn({ err: error, code, attempts: message.attempts }, 'inbound HL7 message not processed; will retry');
    try {
      if (message.attempts >= INBOUND_MAX_ATTEMPTS) await this.inbound.fail(message.id, message.attempts, Hl7ErrorCode.ApplicationInternalError, null);
      else await this.inbound.release(message.id, message.attempts, message.attempts * INBOUND_RETRY_STEP_MS);
    } catch {
      // The database is down too: the lease expires and the message is claimed again.
    }
  }
}
