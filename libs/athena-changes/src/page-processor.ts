import { Inject, Injectable, Logger } from '@nestjs/common';
import { athenaEndpoints, athenaFhirId } from '@sb/adapters/athena';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import { AthenaChangeRepository, type AthenaFeedFence, type AthenaFeedName, type AthenaPendingPage, type AthenaRecordState, type Connection, type DbTransaction, type NewAthenaRecordState } from '@sb/db';
import { EventWriter, type EventInput } from '@sb/events';
import { TransactionPipeline } from '@sb/transactions';
import { ChangeFingerprints } from './change-fingerprints';
import { appointmentChangeOf, patientChangeOf } from './change-items';
import { deriveAppointment, derivePatient, type DerivedEvent, type DeriveContext, type Derivation } from './derive-events';

export const CHANGE_FINGERPRINTS = Symbol('ChangeFingerprints');

/** The feed's lease was lost (it expired and another process took it): this processing must not commit. */
export class LeaseLost extends Error {
  constructor() {
    super('athena change feed lease lost');
  }
}

/** How far back a first-seen appointment's event is looked for among the facade's own events. */
const FACADE_EVENT_LOOKBACK_MS = 24 * 3_600_000;

const RESOURCE_TYPE: Record<AthenaFeedName, string> = { appointments: 'Appointment', patients: 'Patient' };

const systemActor = (connection: Connection): Actor => ({ type: 'system', id: `athena-changes:${connection.id}`, tenantId: connection.tenantId, scopes: ['system/*.cruds'] });

export interface PageOutcome {
  /** False when the page had already been processed (by an earlier attempt that did commit). */
  processed: boolean;
  events: number;
}

/**
 * Turns one stored page of an athena change feed into events, in one transaction with
 * the records' new last known state, the page's "processed" mark, its usage event and
 * an audit record per patient (through the transaction pipeline, as an inbound
 * message). The transaction holds the feed row locked and commits only while the
 * poller still holds the feed's lease, so a page is applied exactly once.
 */
@Injectable()
export class AthenaPageProcessor {
  private readonly logger = new Logger(AthenaPageProcessor.name);

  constructor(
    private readonly repository: AthenaChangeRepository,
    private readonly pipeline: TransactionPipeline,
    private readonly events: EventWriter,
    @Inject(CHANGE_FINGERPRINTS) private readonly fingerprints: ChangeFingerprints,
  ) {}

  async process(fence: AthenaFeedFence, connection: Connection, page: AthenaPendingPage, ctx: DeriveContext): Promise<PageOutcome> {
    const practiceId = athenaEndpoints(connection).practiceId;
    if (!practiceId) throw new SbError(ErrorCode.ValidationFailed, 'The athena connection names no practice');
    const deriver = this.deriverFor(fence.feed, connection.tenantId, ctx);
    let outcome: PageOutcome = { processed: false, events: 0 };
    await this.pipeline.run(
      { tenantId: connection.tenantId, connectionId: connection.id, operation: 'message.in', resourceType: RESOURCE_TYPE[fence.feed], actor: systemActor(connection), connection },
      {
        // The page was read from athena and stored already: what crosses into processing is the stored page.
        call: async () => (await this.repository.pageItems(page.id)).map((item) => deriver.parse(item)),
        persist: async (tx, parsed, ctx) => {
          if (!(await this.repository.lockFeed(tx, fence))) throw new LeaseLost();
          // An earlier attempt committed it: this one is metered as a duplicate.
          if (!(await this.repository.lockUnprocessedPage(tx, page.id))) return ctx.alreadyDone();
          const events = await this.apply(tx, fence.feed, connection, practiceId, parsed);
          await this.events.append(tx, events);
          await this.repository.completePage(tx, page.id, events.length);
          outcome = { processed: true, events: events.length };
        },
        // One audit record per patient whose data the page holds.
        patientRefsOf: (parsed) => [...new Set(parsed.flatMap((p) => (p?.patientId ? [`Patient/${athenaFhirId(practiceId, 'patient', p.patientId)}`] : [])))],
      },
    );
    return outcome;
  }

  private async apply(tx: DbTransaction, feed: AthenaFeedName, connection: Connection, practiceId: string, parsed: readonly (ParsedItem | null)[]): Promise<EventInput[]> {
    const skipped = parsed.filter((p) => p === null).length;
    if (skipped > 0) this.logger.warn({ event: 'athena_change_items_skipped', connectionId: connection.id, feed, skipped }); // no usable id

    const ids = [...new Set(parsed.flatMap((p) => (p ? [p.recordId] : [])))];
    const known = new Map<string, Known & { updatedAt: Date | null }>();
    for (const state of await this.repository.findStates(tx, connection.id, feed, ids)) known.set(state.recordId, state);

    // Items apply in order: one page may hold several snapshots of one record.
    const derived: { event: DerivedEvent; knownSince: Date | null }[] = [];
    const changed = new Map<string, NewAthenaRecordState>();
    for (const p of parsed) {
      if (!p) continue;
      const before = known.get(p.recordId) ?? null;
      const result: Derivation = p.derive(before);
      for (const event of result.events) derived.push({ event, knownSince: before?.updatedAt ?? null });
      if (result.next) {
        changed.set(p.recordId, result.next);
        known.set(p.recordId, { ...result.next, updatedAt: before?.updatedAt ?? null });
      }
    }
    await this.repository.saveStates(tx, connection.tenantId, connection.id, feed, [...changed.values()]);

    const toEvent = (e: DerivedEvent): EventInput => {
      const patientRef = `Patient/${athenaFhirId(practiceId, 'patient', e.patientId)}`;
      const data: Record<string, unknown> = { patient: patientRef };
      if (e.appointmentId) data.appointment = `Appointment/${athenaFhirId(practiceId, 'appointment', e.appointmentId)}`;
      return { tenantId: connection.tenantId, connectionId: connection.id, type: e.type, data, patientRef };
    };
    const events = derived.map((d) => ({ ...d, input: toEvent(d.event) }));
    const told = await this.alreadyTold(tx, connection.id, events.map((e) => ({ input: e.input, knownSince: e.knownSince })));
    return events.filter((_, i) => !told[i]).map((e) => e.input);
  }

  /**
   * Which appointment events the gateway already wrote for the same change: a booking
   * or cancellation made through the facade has its own event, and athena's feed then
   * reports the same change. Matched by type and appointment after the record's last
   * known state was written (or within a day for a first sighting).
   */
  private async alreadyTold(tx: DbTransaction, connectionId: string, events: readonly { input: EventInput; knownSince: Date | null }[]): Promise<boolean[]> {
    const candidates = events.filter((e) => e.input.type === 'appointment.booked' || e.input.type === 'appointment.cancelled');
    if (candidates.length === 0) return events.map(() => false);
    const firstSightSince = new Date(Date.now() - FACADE_EVENT_LOOKBACK_MS);
    const sinceOf = (e: { knownSince: Date | null }) => e.knownSince ?? firstSightSince;
    const earliest = new Date(Math.min(...candidates.map((e) => sinceOf(e).getTime())));
    const existing = await this.repository.appointmentEventsSince(
      tx,
      connectionId,
      [...new Set(candidates.map((e) => e.input.patientRef as string))],
      ['appointment.booked', 'appointment.cancelled'],
      earliest,
    );
    return events.map(
      (e) =>
        (e.input.type === 'appointment.booked' || e.input.type === 'appointment.cancelled') &&
        existing.some((x) => x.type === e.input.type && x.appointment === e.input.data.appointment && x.occurredAt.getTime() > sinceOf(e).getTime()),
    );
  }

  private deriverFor(feed: AthenaFeedName, tenantId: string, ctx: DeriveContext): { parse: (item: unknown) => ParsedItem | null } {
    if (feed === 'appointments') {
      return {
        parse: (item) => {
          const change = appointmentChangeOf(item);
          if (!change) return null;
          const hashes = this.fingerprints.appointment(tenantId, change);
          return { recordId: change.appointmentId, patientId: change.patientId || null, derive: (known) => deriveAppointment(known, change, hashes, ctx) };
        },
      };
    }
    return {
      parse: (item) => {
        const change = patientChangeOf(item);
        if (!change) return null;
        const fingerprint = this.fingerprints.patient(tenantId, change);
        return { recordId: change.patientId, patientId: change.patientId, derive: (known) => derivePatient(known, change, fingerprint, ctx) };
      },
    };
  }
}

type Known = Pick<AthenaRecordState, 'fingerprint' | 'status' | 'patientId' | 'scheduleHash' | 'modifiedAt' | 'previous'>;

/** A feed item reduced to its record id, its patient (for the audit) and how to derive its events from the known state. */
interface ParsedItem {
  recordId: string;
  patientId: string | null;
  derive: (known: Known | null) => Derivation;
}
