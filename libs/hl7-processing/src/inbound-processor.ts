import { Injectable, Logger } from '@nestjs/common';
import { toStoredResource } from '@sb/adapters/hl7v2';
import { ErrorCode, isSbError, SbError, type Actor } from '@sb/core';
import { ClinicalStoreRepository, ConnectionRepository, Hl7InboundRepository, type ClaimedHl7Message, type Connection } from '@sb/db';
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

  constructor(
    private readonly inbound: Hl7InboundRepository,
    private readonly store: ClinicalStoreRepository,
    private readonly connections: ConnectionRepository,
    private readonly pipeline: TransactionPipeline,
    private readonly applicationAcks: ApplicationAckPublisher,
    private readonly events: EventWriter,
  ) {}

  /** Claims and processes one batch; returns how many messages it took. */
  async processBatch(limit = INBOUND_BATCH): Promise<number> {
    const claimed = await this.inbound.claim(limit, INBOUND_LEASE_MS);
    // One read per connection per batch: a batch holds many patients of few sites.
    const connections = new Map<string, Promise<Connection | null>>();
    const connectionOf = (m: ClaimedHl7Message) => {
      let found = connections.get(m.connectionId);
      if (!found) connections.set(m.connectionId, (found = this.connections.findById(m.tenantId, m.connectionId)));
      return found;
    };
    await Promise.all(claimed.map((m) => this.processOne(m, connectionOf)));
    return claimed.length;
  }

  private async processOne(message: ClaimedHl7Message, connectionOf: (m: ClaimedHl7Message) => Promise<Connection | null>): Promise<void> {
    try {
      const connection = await connectionOf(message);
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
            if (conversion.merge) await this.store.mergePatients(tx, connection.tenantId, connection.id, conversion.merge.retiredPatientId, conversion.merge.survivorPatientId);
            await this.events.append(tx, conversionEvents(conversion, connection.tenantId, connection.id, message.id));
            if (!(await this.inbound.complete(tx, message.id, message.attempts, { status: 'processed', applicationAck, resources: conversion.resources }))) throw new LeaseLost();
          },
          patientRefsOf: (conversion) => conversion.resources.filter((r) => r.resourceType === 'Patient').map((r) => `Patient/${r.id ?? ''}`),
        },
      );
      if (applicationAck) await this.applicationAcks.publish({ messageId: message.id, connectionId: connection.id, ack: applicationAck });
      return { status: 'processed' };
    } catch (error) {
      if (!(error instanceof ConversionFailed)) throw error;
      await this.inbound.fail(message.id, error.failure.code, applicationAck);
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
      if (message.attempts >= INBOUND_MAX_ATTEMPTS) await this.inbound.fail(message.id, Hl7ErrorCode.ApplicationInternalError, null);
      else await this.inbound.release(message.id, message.attempts * INBOUND_RETRY_STEP_MS);
    } catch {
      // The database is down too: the lease expires and the message is claimed again.
    }
  }
}
