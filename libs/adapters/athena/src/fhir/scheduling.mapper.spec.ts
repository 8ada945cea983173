import { ErrorCode, SbError } from '@sb/core';
import { parseAppointmentOrSlot, parseBookedAppointment, parseOpenSlotPage, type AthenaAppointment } from '../wire';
import * as F from '../wire/testing/athena-fixtures';
import { athenaScheduleId, parseAthenaScheduleId, toAppointment, toSchedule, toSlot } from './index';
import { CTX, expectConformant } from './testing/map-fixtures';

const booked = (overrides: Record<string, unknown> = {}): AthenaAppointment => parseBookedAppointment([{ ...F.BOOKED_APPOINTMENT[0], ...overrides }]);

describe('toAppointment', () => {
  const appointment = toAppointment(booked(), CTX);
  const cancelled = toAppointment(parseAppointmentOrSlot(F.CANCELLED_APPOINTMENT) as AthenaAppointment, CTX);

  it('conforms to R4 (US Core has no Appointment profile)', () => {
    expectConformant([appointment, cancelled, ...['2', '3', '4'].map((s) => toAppointment(booked({ appointmentstatus: s }), CTX))]);
  });

  it('places the department-local start in its zone (EDT on the day DST began) and adds the duration', () => {
    expect(appointment).toMatchObject({
      id: 'a-195900.appointment-2204083',
      status: 'booked',
      start: '2024-03-10T09:00:00-04:00',
      end: '2024-03-10T09:30:00-04:00',
      minutesDuration: 30,
      created: '2024-03-01T12:00:00-05:00',
      slot: [{ reference: 'Slot/a-195900.slot-2204083' }],
      appointmentType: { coding: [{ system: 'urn:athenahealth:athenanet:appointmenttype:195900', code: '44' }], text: 'Video visit' },
    });
    expect(new Date(appointment.start as string).toISOString()).toBe('2024-03-10T13:00:00.000Z');
    expect(new Date(toAppointment(booked({ date: '03/09/2024' }), CTX).start as string).toISOString()).toBe('2024-03-09T14:00:00.000Z');
    expect(appointment.participant.map((p) => p.actor?.reference)).toEqual(['Patient/a-195900.E-5309', 'Practitioner/a-195900.Provider-20', 'Location/a-195900.Department-1']);
  });

  it('maps every athena status', () => {
    expect(['f', '2', '3', '4'].map((s) => toAppointment(booked({ appointmentstatus: s }), CTX).status)).toEqual(['booked', 'checked-in', 'fulfilled', 'fulfilled']);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      start: '2020-06-02T10:00:00-05:00',
      cancelationReason: { text: 'CANCELLED FROM API', coding: [{ code: '-5' }] },
      created: '2020-06-01T20:17:46-04:00',
      meta: { lastUpdated: '2020-06-02T09:06:50-04:00' },
    });
    expect(cancelled.participant[0].status).toBe('declined');
    expect(toAppointment(parseAppointmentOrSlot({ ...F.CANCELLED_APPOINTMENT, cancelreasonnoshow: 'true' }) as AthenaAppointment, CTX).status).toBe('noshow');
  });

  it('refuses to guess a time for a department the practice does not list', () => {
    let error: unknown;
    try {
      toAppointment(booked({ departmentid: '999' }), CTX);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SbError);
    expect(error).toMatchObject({ code: ErrorCode.VendorError, details: { reason: 'unknown_department_time_zone', departmentId: '999' } });
  });
});

describe('toSlot and the schedule id scheme', () => {
  const slots = parseOpenSlotPage(F.OPEN_SLOTS).items.map((s) => toSlot(s, CTX));

  it('conforms to R4', () => expectConformant([...slots, toSchedule({ departmentId: '1', providerId: '20' }, CTX)]));

  it('is free, in its schedule, with start and end across a DST change in the department zone', () => {
    expect(slots[0]).toMatchObject({
      id: 'a-195900.slot-2204083',
      status: 'free',
      schedule: { reference: 'Schedule/a-195900.schedule-1-20' },
      start: '2024-03-10T09:00:00-04:00',
      end: '2024-03-10T09:30:00-04:00',
      serviceType: [{ coding: [{ code: '44', display: 'Telehealth Visit' }] }],
    });
    // Chicago, 2024-03-10 01:30 CST + 60 min = 03:30 CDT (02:00–03:00 does not exist that day).
    expect(slots[1]).toMatchObject({ start: '2024-03-10T01:30:00-06:00', end: '2024-03-10T03:30:00-05:00' });
    expect(Date.parse(slots[1].end) - Date.parse(slots[1].start)).toBe(60 * 60_000);
  });

  it('round-trips schedule ids and refuses foreign ones', () => {
    expect(athenaScheduleId('195900', '150', '20')).toBe('a-195900.schedule-150-20');
    expect(parseAthenaScheduleId('Schedule/a-195900.schedule-150-20', '195900')).toEqual({ departmentId: '150', providerId: '20' });
    expect(parseAthenaScheduleId('a-195900.schedule-150', '195900')).toEqual({ departmentId: '150' });
    expect(parseAthenaScheduleId('a-195901.schedule-150-20', '195900')).toBeNull();
    expect(parseAthenaScheduleId('a-195900.schedule-1-2-3', '195900')).toBeNull();
  });
});
