import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, foundOrFail, notFound, SbError, scopesGrant, type Actor } from '@sb/core';
import { EventRepository, Hl7InboundRepository, Hl7OutboundRepository, type Connection, type Hl7InboundStatus, type Hl7MessageDetail, type Hl7MessageSummary, type Hl7OutboundSummary, type SourcedEvent } from '@sb/db';
import { deterministicId, hl7ErrorMeaning, PatientIdentifierHasher, patientKeyOf } from '@sb/hl7';
import { TransactionPipeline } from '@sb/transactions';
import { z } from 'zod';
import { dialectOf } from './connection-dialect';

export const MESSAGE_LOG_MAX_PAGE = 200;
/** Events listed for one message: each processing raises a few, so this covers many reprocessings. */
export const MESSAGE_EVENTS_MAX = 200;
/** Cursors are Postgres bigint ids. */
const MAX_CURSOR = 2n ** 63n - 1n;
const CURSOR = /^\d{1,19}$/;

const receivedAt = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v))
  .optional();

const messageLogFilters = {
  limit: z.coerce.number().int().min(1).max(MESSAGE_LOG_MAX_PAGE).default(50),
  before: z
    .string()
    .regex(CURSOR, 'a cursor from a previous page')
    // Zod runs the refinement even when the regex failed.
    .refine((v) => !CURSOR.test(v) || BigInt(v) <= MAX_CURSOR, 'a cursor from a previous page')
    .optional(),
  status: z.enum(['received', 'processed', 'failed', 'quarantined', 'rejected']).optional(),
  type: z.string().regex(/^[A-Z0-9]{3}(\^[A-Z0-9]{3})?$/, 'a message type such as ADT^A01').optional(),
  /** MSH-10, exact. */
  controlId: z.string().min(1).max(199).optional(),
  /** Received at or after (ISO 8601 date-time with offset). */
  from: receivedAt,
  /** Received at or before. */
  to: receivedAt,
};

// Object refinements run even when a field failed (zod 4): `from`/`to` may still be raw strings here.
const fromNotAfterTo = (q: { from?: unknown; to?: unknown }): boolean => !(q.from instanceof Date && q.to instanceof Date) || q.from.getTime() <= q.to.getTime();

/** `GET …/hl7/messages`: filters that carry no PHI, so they may travel in a URL. */
export const messageLogQuerySchema = z.strictObject(messageLogFilters).refine(fromNotAfterTo, { path: ['from'], message: 'must not be after `to`' });

/**
 * `POST …/hl7/messages/search`: the same filters plus `patientIdentifier`, in the body,
 * because a patient identifier is PHI and must never be in a URL (browsers, proxies
 * and access logs keep URLs).
 */
export const messageSearchSchema = z
  .strictObject({
    ...messageLogFilters,
    /** A patient identifier value (an MRN, say), any authority. PHI: needs a scope that searches Patient. */
    patientIdentifier: z
      .string()
      .max(199)
      .refine((v) => v.trim() !== '', 'must not be blank')
      .refine((v) => ![...v].some((c) => c.charCodeAt(0) < 0x20), 'must not contain control characters')
      .optional(),
  })
  .refine(fromNotAfterTo, { path: ['from'], message: 'must not be after `to`' });
export type MessageLogQuery = z.infer<typeof messageSearchSchema>;

/** A message log row, with what its error code means. */
export type MessageLogItem = Hl7MessageSummary & { errorMeaning: string | null };

/** One message for the console: raw text, ACKs, produced FHIR resources and what its error code means. */
export type MessageLogDetail = Hl7MessageDetail & { errorMeaning: string | null };

/** The scope a patient-identifier lookup needs: it finds a patient's messages, so it is a Patient search. */
export const PATIENT_LOOKUP_SCOPE = { resourceType: 'Patient', interaction: 's' } as const;

export interface MessageLogPage {
  items: MessageLogItem[];
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
  private readonly hasher: PatientIdentifierHasher;

  constructor(
    private readonly inbound: Hl7InboundRepository,
    private readonly outbound: Hl7OutboundRepository,
    private readonly events: EventRepository,
    private readonly pipeline: TransactionPipeline,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.hasher = new PatientIdentifierHasher(config.keyedHashKey);
  }

  /**
   * A page of the log. With `patientIdentifier` the lookup is a PHI search: only actors
   * that may search Patient get it (403 and nothing else otherwise), it matches the keyed
   * hash stored with each message, and it runs through the pipeline so it is audited
   * per patient found, like any other patient search.
   */
  async list(actor: Actor, connection: Connection, query: MessageLogQuery): Promise<MessageLogPage> {
    const filter = {
      limit: query.limit + 1,
      before: query.before !== undefined ? BigInt(query.before) : undefined,
      status: query.status as Hl7InboundStatus | undefined,
      messageType: query.type,
      controlId: query.controlId,
      from: query.from,
      to: query.to,
    };
    let rows: Awaited<ReturnType<Hl7InboundRepository['list']>>;
    if (query.patientIdentifier === undefined) {
      rows = await this.inbound.list(connection.tenantId, connection.id, filter);
    } else {
      if (actor.type === 'operator' || !scopesGrant(actor.scopes, PATIENT_LOOKUP_SCOPE)) {
        throw new SbError(ErrorCode.Forbidden, 'Searching messages by patient identifier needs access to patient data', { details: { requiredScope: 'system/Patient.s' } });
      }
      const patientIdHash = this.hasher.hash(connection.tenantId, query.patientIdentifier);
      ({ result: rows } = await this.pipeline.run(
        { tenantId: connection.tenantId, connectionId: connection.id, operation: 'search', resourceType: 'Patient', actor, connection },
        {
          call: () => this.inbound.list(connection.tenantId, connection.id, { ...filter, patientIdHash }),
          patientRefsOf: (found) => [...new Set(found.flatMap((r) => (r.patientKey ? [`Patient/${deterministicId(connection.id, 'Patient', r.patientKey)}`] : [])))],
        },
      ));
    }
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ seq: _seq, patientKey: _key, ...summary }) => ({ ...summary, errorMeaning: hl7ErrorMeaning(summary.errorCode) })),
      next: rows.length > query.limit && last ? last.seq.toString() : null,
    };
  }

  /** One message with its raw text, ACKs and produced resources: through the pipeline, so the read is authorized, metered and audited per patient. */
  async read(actor: Actor, connection: Connection, messageId: string): Promise<MessageLogDetail> {
    const found = foundOrFail(await this.inbound.find(connection.tenantId, connection.id, messageId), 'HL7 message');
    const patientKey = patientKeyOf(found.raw, dialectOf(connection));
    const patientRef = patientKey ? `Patient/${deterministicId(connection.id, 'Patient', patientKey)}` : null;
    const { result } = await this.pipeline.run(
      { tenantId: connection.tenantId, connectionId: connection.id, operation: 'read', resourceType: 'MessageHeader', actor, patientRef },
      { call: () => Promise.resolve(found) },
    );
    return { ...result, errorMeaning: hl7ErrorMeaning(result.errorCode) };
  }

  /** Back to `received` under the connection's current dialect (its patient key and lookup hashes recomputed). */
  async reprocess(connection: Connection, messageId: string): Promise<MessageLogItem> {
    const found = foundOrFail(await this.inbound.find(connection.tenantId, connection.id, messageId), 'HL7 message');
    const dialect = dialectOf(connection);
    const keys = { patientKey: patientKeyOf(found.raw, dialect), patientIdHashes: this.hasher.hashesOf(connection.tenantId, found.raw, dialect) };
    if (!(await this.inbound.reprocess(connection.tenantId, connection.id, messageId, keys))) {
      throw new SbError(ErrorCode.Conflict, 'Only processed or failed messages can be reprocessed', { details: { status: found.status } });
    }
    const { raw: _raw, ack: _ack, applicationAck: _app, resources: _resources, ...summary } = foundOrFail(await this.inbound.find(connection.tenantId, connection.id, messageId), 'HL7 message');
    return { ...summary, errorMeaning: hl7ErrorMeaning(summary.errorCode) };
  }

  /** The events processing this message raised (every processing of it), newest first: metadata, never data. */
  async eventsOf(connection: Connection, messageId: string): Promise<SourcedEvent[]> {
    if (!(await this.inbound.exists(connection.tenantId, connection.id, messageId))) throw notFound('HL7 message');
    return this.events.listBySourceMessage(connection.tenantId, messageId, MESSAGE_EVENTS_MAX);
  }

  async listOutbound(connection: Connection, limit: number): Promise<Hl7OutboundSummary[]> {
    return this.outbound.list(connection.tenantId, connection.id, limit);
  }
}
