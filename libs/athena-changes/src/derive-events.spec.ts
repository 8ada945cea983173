import { ChangeFingerprints } from './change-fingerprints';
import { appointmentChangeOf, patientChangeOf } from './change-items';
import { deriveAppointment, derivePatient, type DeriveContext, type Derivation } from './derive-events';

// Synthetic athena records (no real people), shaped like ListChangedAppointments / ListChangedPatients.
const TENANT = '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b';
const fingerprints = new ChangeFingerprints(Buffer.alloc(32, 7));
const ctx: DeriveContext = { feedStartedAt: new Date('2026-03-01T15:00:00Z'), clockSkewMs: 120_000 };

const appointment = (fields: Record<string, unknown> = {}) => ({
  appointmentid: '1050322',
  patientid: '7965',
  departmentid: '150',
  providerid: 27,
  date: '03/10/2026',
  starttime: '10:00',
  duration: 15,
  appointmentstatus: 'f',
  scheduleddatetime: '03/01/2026 11:17:46',
  lastmodified: '03/01/2026 11:17:46',
  ...fields,
});

type Known = Parameters<typeof deriveAppointment>[0];

/** Feeds items one after another through the derivation, as the processor does (one known state per appointment). */
function runAppointments(items: Record<string, unknown>[], start: Map<string, NonNullable<Known>> = new Map()): { events: string[][]; sightings: string[]; known: Map<string, NonNullable<Known>> } {
  const known = new Map(start);
  const events: string[][] = [];
  const sightings: string[] = [];
  for (const item of items) {
    const change = appointmentChangeOf(item);
    if (!change) throw new Error('unparseable test item');
    const result: Derivation = deriveAppointment(known.get(change.appointmentId) ?? null, change, fingerprints.appointment(TENANT, change), ctx);
    events.push(result.events.map((e) => `${e.type} ${e.patientId}/${e.appointmentId ?? ''}`));
    sightings.push(result.sighting);
    if (result.next) known.set(change.appointmentId, result.next);
  }
  return { events, sightings, known };
}

describe('athena appointment changes → events', () => {
  it.each([
    ['a new booking', [appointment()], [['appointment.booked 7965/1050322']]],
    ['a slot without a patient', [appointment({ patientid: '', appointmentstatus: 'o' })], [[]]],
    ['booked, then moved to another day', [appointment(), appointment({ date: '03/11/2026', lastmodified: '03/01/2026 12:00:00' })], [['appointment.booked 7965/1050322'], ['appointment.rescheduled 7965/1050322']]],
    ['booked, then another start time', [appointment(), appointment({ starttime: '10:30', lastmodified: '03/01/2026 12:00:00' })], [['appointment.booked 7965/1050322'], ['appointment.rescheduled 7965/1050322']]],
    ['booked, then another provider', [appointment(), appointment({ providerid: '28', lastmodified: '03/01/2026 12:00:00' })], [['appointment.booked 7965/1050322'], ['appointment.rescheduled 7965/1050322']]],
    ['booked, then another department', [appointment(), appointment({ departmentid: '1', lastmodified: '03/01/2026 12:00:00' })], [['appointment.booked 7965/1050322'], ['appointment.rescheduled 7965/1050322']]],
    [
      'booked, cancelled, and the cancellation again',
      [appointment(), appointment({ appointmentstatus: 'x', lastmodified: '03/01/2026 12:00:00' }), appointment({ appointmentstatus: 'x', lastmodified: '03/01/2026 12:00:00' })],
      [['appointment.booked 7965/1050322'], ['appointment.cancelled 7965/1050322'], []],
    ],
    [
      'the cancellation touched later (nothing that matters changed)',
      [appointment({ appointmentstatus: 'x', cancelleddatetime: '03/01/2026 12:00:00' }), appointment({ appointmentstatus: 'x', lastmodified: '03/02/2026 09:00:00' })],
      [['appointment.cancelled 7965/1050322'], []],
    ],
    ['booked, then checked in and out', [appointment(), appointment({ appointmentstatus: '2', lastmodified: '03/10/2026 10:01:00' }), appointment({ appointmentstatus: '3', lastmodified: '03/10/2026 10:30:00' })], [['appointment.booked 7965/1050322'], [], []]],
    [
      'an open slot that gets booked',
      [appointment({ patientid: '', appointmentstatus: 'o' }), appointment({ lastmodified: '03/01/2026 12:00:00' })],
      [[], ['appointment.booked 7965/1050322']],
    ],
    [
      'a booking that becomes an open slot again',
      [appointment(), appointment({ patientid: '', appointmentstatus: 'o', lastmodified: '03/01/2026 12:00:00' })],
      [['appointment.booked 7965/1050322'], ['appointment.cancelled 7965/1050322']],
    ],
    [
      'the same appointment id booked for another patient',
      [appointment(), appointment({ patientid: '8000', lastmodified: '03/01/2026 12:00:00' })],
      [['appointment.booked 7965/1050322'], ['appointment.cancelled 7965/1050322', 'appointment.booked 8000/1050322']],
    ],
    [
      "athena's reschedule: a new appointment id replacing the old booking, which is cancelled",
      [appointment(), appointment({ appointmentid: '1050400', rescheduledappointmentid: '1050322', date: '03/12/2026' }), appointment({ appointmentstatus: 'x', cancelreasonname: 'RESCHEDULED' })],
      [['appointment.booked 7965/1050322'], ['appointment.rescheduled 7965/1050400'], ['appointment.cancelled 7965/1050322']],
    ],
    ['a change that is not about the schedule (notes, type)', [appointment(), appointment({ appointmenttypeid: '99', appointmentnotes: [{ text: 'x' }], lastmodified: '03/01/2026 12:00:00' })], [['appointment.booked 7965/1050322'], []]],
  ])('%s', (_name, items, expected) => {
    expect(runAppointments(items).events).toEqual(expected);
  });

  it('a replay window that returns what was already seen produces no second event, older snapshots included', () => {
    const booked = appointment();
    const moved = appointment({ date: '03/11/2026', lastmodified: '03/01/2026 12:00:00' });
    const cancelled = appointment({ date: '03/11/2026', appointmentstatus: 'x', lastmodified: '03/01/2026 13:00:00' });
    const first = runAppointments([booked, moved, cancelled]);
    expect(first.events.flat()).toHaveLength(3);
    const replayed = runAppointments([booked, moved, cancelled], first.known);
    expect(replayed.events).toEqual([[], [], []]);
    expect(replayed.sightings).toEqual(['stale', 'stale', 'duplicate']);
  });

  it('without athena modification times, older snapshots are recognized by the fingerprints kept', () => {
    const strip = (a: Record<string, unknown>) => ({ ...a, lastmodified: undefined });
    const items = [appointment(), appointment({ starttime: '11:00' }), appointment({ starttime: '11:00', appointmentstatus: 'x' })].map(strip);
    const first = runAppointments(items);
    expect(first.events.flat()).toEqual(['appointment.booked 7965/1050322', 'appointment.rescheduled 7965/1050322', 'appointment.cancelled 7965/1050322']);
    expect(runAppointments(items, first.known).events.flat()).toEqual([]);
  });

  it('two changes within one second (same lastmodified) replayed are still recognized', () => {
    const at = { lastmodified: '03/01/2026 12:00:00' };
    const items = [appointment(at), appointment({ ...at, starttime: '11:00' })];
    const first = runAppointments(items);
    expect(first.events.flat()).toEqual(['appointment.booked 7965/1050322', 'appointment.rescheduled 7965/1050322']);
    expect(runAppointments(items, first.known).sightings).toEqual(['stale', 'duplicate']);
  });

  it('a lost read replayed after a crash still tells what was not yet told', () => {
    const booked = appointment();
    const cancelled = appointment({ appointmentstatus: 'x', lastmodified: '03/01/2026 13:00:00' });
    const knownAfterBooking = runAppointments([booked]).known;
    // The read that returned the cancellation was lost; the replay returns both snapshots.
    expect(runAppointments([booked, cancelled], knownAfterBooking).events).toEqual([[], ['appointment.cancelled 7965/1050322']]);
  });

  it('first sightings of bookings and cancellations made before the feed was followed are recorded, not told', () => {
    const old = { scheduleddatetime: '02/01/2026 09:00:00', lastmodified: '03/01/2026 11:00:00' };
    expect(runAppointments([appointment(old)]).events).toEqual([[]]);
    expect(runAppointments([appointment({ ...old, appointmentstatus: 'x', cancelleddatetime: '02/02/2026 09:00:00' })]).events).toEqual([[]]);
    // …but once known, later changes are told.
    const known = runAppointments([appointment(old)]).known;
    expect(runAppointments([appointment({ ...old, appointmentstatus: 'x', lastmodified: '03/01/2026 12:00:00' })], known).events).toEqual([['appointment.cancelled 7965/1050322']]);
  });

  it('items without a usable appointment id are not derived from', () => {
    expect(appointmentChangeOf({ patientid: '1' })).toBeNull();
    expect(appointmentChangeOf({ appointmentid: '12/3' })).toBeNull();
    expect(appointmentChangeOf('text')).toBeNull();
    expect(appointmentChangeOf([{ appointmentid: 5, patientid: 6, appointmentstatus: 'F' }])).toMatchObject({ appointmentId: '5', patientId: '6', status: 'f' });
  });
});

describe('athena patient changes → events', () => {
  const patient = (fields: Record<string, unknown> = {}) => ({ patientid: '7965', firstname: 'Test', lastname: 'Patient', dob: '01/01/1950', sex: 'M', zip: '02210', ...fields });
  const run = (items: Record<string, unknown>[], start: Known = null) => {
    let known = start;
    const out: string[][] = [];
    for (const item of items) {
      const change = patientChangeOf(item);
      if (!change) throw new Error('unparseable test item');
      const result = derivePatient(known, change, fingerprints.patient(TENANT, change), ctx);
      out.push(result.events.map((e) => `${e.type} ${e.patientId}`));
      if (result.next) known = result.next;
    }
    return { out, known };
  };

  it.each([
    ['first sighting (a change made while the feed is followed)', [patient()], [['patient.updated 7965']]],
    ['a demographic change', [patient(), patient({ zip: '02211' })], [['patient.updated 7965'], ['patient.updated 7965']]],
    ['the same record again', [patient(), patient()], [['patient.updated 7965'], []]],
    ['a field that does not matter (balances, insurance, portal flag)', [patient(), patient({ balances: [{ balance: '1.00' }], portalaccessgiven: true })], [['patient.updated 7965'], []]],
    ['a number that arrives as a string', [patient({ primaryproviderid: 27 }), patient({ primaryproviderid: '27' })], [['patient.updated 7965'], []]],
  ])('%s', (_name, items, expected) => {
    expect(run(items).out).toEqual(expected);
  });

  it('a replayed older snapshot is not a change; a later genuine revert with a newer time is', () => {
    const a = patient({ lastmodifieddatetime: '2026-03-01T12:00:00-05:00' });
    const b = patient({ zip: '02211', lastmodifieddatetime: '2026-03-01T12:05:00-05:00' });
    const first = run([a, b]);
    expect(run([a, b], first.known).out).toEqual([[], []]);
    const revert = patient({ lastmodifieddatetime: '2026-03-01T12:10:00-05:00' });
    expect(run([revert], first.known).out).toEqual([['patient.updated 7965']]);
  });

  it('a first sighting whose athena time is before the feed was followed is recorded without an event', () => {
    expect(run([patient({ lastmodifieddatetime: '2026-02-01T12:00:00-05:00' })]).out).toEqual([[]]);
  });

  it('fingerprints are keyed per tenant: the same record hashes differently for another tenant', () => {
    const change = patientChangeOf(patient());
    if (!change) throw new Error('unparseable');
    expect(fingerprints.patient(TENANT, change)).not.toBe(fingerprints.patient('5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e', change));
    expect(fingerprints.patient(TENANT, change)).not.toContain('1950');
  });
});
