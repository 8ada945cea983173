import { Injectable } from '@nestjs/common';
import { ErrorCode, foundOrFail, SbError, type Actor } from '@sb/core';
import { Hl7InboundRepository, Hl7OutboundRepository, type Connection, type Hl7InboundStatus, type Hl7MessageDetail, type Hl7MessageSummary, type Hl7OutboundSummary } from '@sb/db';
import { deterministicId, patientKeyOf } from '@sb/hl7';
import { TransactionPipeline } from '@sb/transactions';
import { z } from 'zod';
import { dialectOf } from './connection-dialect';

export const MESSAGE_LOG_MAX_PAGE = 200;

export const messageLogQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MESSAGE_LOG_MAX_PAGE).default(50),
  before: z.string().regex(/^\d{1,19}$/, 'a cursor from a previous page').optional(),
  status: z.enum(['received', 'processed', 'failed', 'quarantined', 'rejected']).optional(),
  type: z.string().regex(/^[A-Z0-9]{3}(\^[A-Z0-9]{3})?$/, 'a message type such as ADT^A01').optional(),
});
export type MessageLogQuery = z.infer<typeof messageLogQuerySchema>;

export interface MessageLogPage {
  items: Hl7MessageSummary[];
  /** Pass as `before` for the next (older) page; null at the end. */
  next: string | null;
}

/**
 * The message log of an HL7 v2 connection: list rows say what happened (type,
 * control id, status, codes, times) and never what a message says; reading one
 * message's raw text is a PHI read, authorized and audited like any other.
 */
@Injectable()
export class Hl7MessageLogService {
  constructor(
    private readonly inbound: Hl7InboundRepository,
    private readonly outbound: Hl7OutboundRepository,
    private readonly pipeline: TransactionPipeline,
  ) {}

  async list(connection: Connection, query: MessageLogQuery): Promise<MessageLogPage> {
    const rows = await this.inbound.list(connection.tenantId, connection.id, {
      limit: query.limit + 1,
      before: query.before !== undefined ? BigInt(query.before) : undefined,
      status: query.status as Hl7InboundStatus | undefined,
      messageType: query.type,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map(({ seq: _seq, ...summary }) => summary), next: rows.length > query.limit && last ? last.seq.toString() : null };
  }

  /** One message with its raw text and ACKs: through the pipeline, so the read is authorized, metered and audited per patient. */
  async read(actor: Actor, connection: Connection, messageId: string): Promise<Hl7MessageDetail> {
    const found = foundOrFail(await this.inbound.find(connection.tenantId, connection.id, messageId), 'HL7 message');
    const patientKey = patientKeyOf(found.raw, dialectOf(connection));
    const patientRef = patientKey ? `Patient/${deterministicId(connection.id, 'Patient', patientKey)}` : null;
    const { result } = await this.pipeline.run(
      { tenantId: connection.tenantId, connectionId: connection.id, operation: 'read', resourceType: 'MessageHeader', actor, patientRef },
      { call: () => Promise.resolve(found) },
    );
    return result;
  }

  async reprocess(connection: Connection, messageId: string): Promise<Hl7MessageSummary> {
    const found = foundOrFail(await this.inbound.find(connection.tenantId, connection.id, messageId), 'HL7 message');
    const patientKey = patientKeyOf(found.raw, dialectOf(connection));
    if (!(await this.inbound.reprocess(connection.tenantId, connection.id, messageId, patientKey))) {
      throw new SbError(ErrorCode.Conflict, 'Only processed or failed messages can be reprocessed', { details: { status: found.status } });
    }
    const { raw: _raw, ack: _ack, applicationAck: _app, ...summary } = foundOrFail(await this.inbound.find(connection.tenantId, connection.id, messageId), 'HL7 message');
    return summary;
  }

  async listOutbound(connection: Connection, limit: number): Promise<Hl7OutboundSummary[]> {
    return this.outbound.list(connection.tenantId, connection.id, limit);
  }
}
