import type { AthenaRecordState, NewAthenaRecordState } from '@sb/db';
import type { AppointmentChange, PatientChange } from './change-items';

export type DerivedEventType = 'appointment.booked' | 'appointment.rescheduled' | 'appointment.cancelled' | 'patient.updated';

/** An event a feed item implies, in athena ids (references are built from them with `athenaFhirId`). */
export interface DerivedEvent {
  type: DerivedEventType;
  patientId: string;
  appointmentId?: string;
}

/**
 * How an item compares with the last known state of its record:
 * first — never seen; duplicate — the same state again (a replay, a touch that changed
 * nothing that matters); stale — an older snapshot replayed after a newer one;
 * changed — a new state.
 */
export type Sighting = 'first' | 'duplicate' | 'stale' | 'changed';

export interface Derivation {
  sighting: Sighting;
  events: DerivedEvent[];
  /** The record's new last known state, or null to leave it as it is (or unrecorded). */
  next: NewAthenaRecordState | null;
}

export interface DeriveContext {
  /** When the feed was first polled: a first sighting of something that happened before is not a change the feed owes. */
  feedStartedAt: Date;
  /** Tolerance between athena's clock and ours. */
  clockSkewMs: number;
}

/** How many earlier fingerprints a record keeps, to recognize older snapshots a replay window returns again. */
export const PREVIOUS_FINGERPRINTS_KEPT = 8;

type Known = Pick<AthenaRecordState, 'fingerprint' | 'status' | 'patientId' | 'scheduleHash' | 'modifiedAt' | 'previous'>;

function sightingOf(known: Known | null, fingerprint: string, modifiedAt: Date | null): Sighting {
  if (!known) return 'first';
  if (known.fingerprint === fingerprint) return 'duplicate';
  // athena's modification times order snapshots (to the second); within one second, or without them,
  // an earlier state seen again is a replay.
  if (modifiedAt && known.modifiedAt && modifiedAt.getTime() !== known.modifiedAt.getTime()) return modifiedAt.getTime() < known.modifiedAt.getTime() ? 'stale' : 'changed';
  return known.previous.includes(fingerprint) ? 'stale' : 'changed';
}

const previousOf = (known: Known | null, fingerprint: string): string[] =>
  known ? [known.fingerprint, ...known.previous.filter((f) => f !== known.fingerprint && f !== fingerprint)].slice(0, PREVIOUS_FINGERPRINTS_KEPT) : [];

/** The same state again: keep the newer modification time (if any), nothing else. */
function duplicate(known: Known, recordId: string, modifiedAt: Date | null): Derivation {
  const newer = modifiedAt && (!known.modifiedAt || modifiedAt.getTime() > known.modifiedAt.getTime());
  return { sighting: 'duplicate', events: [], next: newer ? { recordId, ...known, modifiedAt } : null };
}

/** Whether a first-seen fact stamped `at` (null: unknown, so assumed new) happened while this feed was followed. */
const withinFeed = (at: Date | null, ctx: DeriveContext): boolean => !at || at.getTime() >= ctx.feedStartedAt.getTime() - ctx.clockSkewMs;

/** A booking that is current: a patient in it, not cancelled, not an open slot. */
const isBooked = (status: string | null, patientId: string | null): boolean => !!patientId && status !== 'x' && status !== 'o';

/**
 * Events from an appointments-feed item:
 * - booked (`f` with a patient) where there was no current booking of that patient → appointment.booked
 *   (a first sighting only when it was booked while the feed was followed, by `scheduleddatetime`) —
 *   or appointment.rescheduled when it carries `rescheduledappointmentid` (athena's reschedule books a new
 *   appointment id and cancels the old one, whose cancellation is told as appointment.cancelled);
 * - still `f`, same patient, and date, start time, duration, provider or department changed → appointment.rescheduled;
 * - `x` → appointment.cancelled, once (a first sighting only when cancelled while followed);
 * - a booking that became an open slot (no patient) → appointment.cancelled for the patient it had;
 * - an open slot never booked, check-in/out (2, 3, 4) → nothing (their state is kept when the record is known or booked).
 * A duplicate or stale snapshot produces nothing.
 */
export function deriveAppointment(known: Known | null, item: AppointmentChange, hashes: { fingerprint: string; scheduleHash: string }, ctx: DeriveContext): Derivation {
  const sighting = sightingOf(known, hashes.fingerprint, item.modifiedAt);
  if (sighting === 'duplicate') return duplicate(known as Known, item.appointmentId, item.modifiedAt);
  if (sighting === 'stale') return { sighting, events: [], next: null };

  const next: NewAthenaRecordState = {
    recordId: item.appointmentId,
    fingerprint: hashes.fingerprint,
    status: item.status,
    patientId: item.patientId || null,
    scheduleHash: hashes.scheduleHash,
    modifiedAt: item.modifiedAt,
    previous: previousOf(known, hashes.fingerprint),
  };
  const appointmentId = item.appointmentId;
  const events: DerivedEvent[] = [];
  const hadBooking = !!known && isBooked(known.status, known.patientId);

  if (!item.patientId) {
    // An open slot: nothing to tell unless it was somebody's booking. Slots never booked are not recorded.
    if (hadBooking) events.push({ type: 'appointment.cancelled', patientId: known.patientId as string, appointmentId });
    return { sighting, events, next: known ? next : null };
  }
  if (item.status === 'x') {
    const alreadyCancelled = known?.status === 'x' && known.patientId === item.patientId;
    if (!alreadyCancelled && (known || withinFeed(item.cancelledAt, ctx))) events.push({ type: 'appointment.cancelled', patientId: item.patientId, appointmentId });
    return { sighting, events, next };
  }
  if (item.status === 'f') {
    if (hadBooking && known.patientId !== item.patientId) events.push({ type: 'appointment.cancelled', patientId: known.patientId as string, appointmentId });
    if (!hadBooking || known.patientId !== item.patientId) {
      // athena moves a booking into a new appointment id (the old one is cancelled): the new one is the move.
      const type = item.rescheduledFrom ? 'appointment.rescheduled' : 'appointment.booked';
      if (known || withinFeed(item.scheduledAt, ctx)) events.push({ type, patientId: item.patientId, appointmentId });
    } else if (known.status === 'f' && known.scheduleHash !== hashes.scheduleHash) {
      events.push({ type: 'appointment.rescheduled', patientId: item.patientId, appointmentId });
    }
    return { sighting, events, next };
  }
  // Checked in, checked out, charge entered (or a code we do not know): no event; the state is kept.
  return { sighting, events, next };
}

/**
 * Events from a patients-feed item: any change of the fields that matter → patient.updated.
 * First sighting: the feed only carries changes made after the subscription, and replay
 * windows never reach before the feed was first polled, so a patient seen for the first
 * time did change while it was followed → patient.updated, unless athena's own
 * modification time says the change is older than that.
 */
export function derivePatient(known: Known | null, item: PatientChange, fingerprint: string, ctx: DeriveContext): Derivation {
  const sighting = sightingOf(known, fingerprint, item.modifiedAt);
  if (sighting === 'duplicate') return duplicate(known as Known, item.patientId, item.modifiedAt);
  if (sighting === 'stale') return { sighting, events: [], next: null };
  const next: NewAthenaRecordState = {
    recordId: item.patientId,
    fingerprint,
    status: null,
    patientId: null,
    scheduleHash: null,
    modifiedAt: item.modifiedAt,
    previous: previousOf(known, fingerprint),
  };
  const tell = sighting === 'changed' || withinFeed(item.modifiedAt, ctx);
  return { sighting, events: tell ? [{ type: 'patient.updated', patientId: item.patientId }] : [], next };
}
