import type { Appointment } from '@medplum/fhirtypes';
import { convertMessage } from './convert-message';
import { convertOrFail, onlyResource } from './testing/convert-or-fail';
import { hl7, msh, segment, SYNTHETIC_PID } from './testing/synthetic-messages';

const SCH = segment('SCH', { 1: 'PLC-9^SYNEHR', 2: 'APT-9^SYNSCHED', 7: 'FOLLOWUP^Follow-up visit^HL70276', 9: '30', 10: 'min', 25: 'Booked' });
const TQ1 = segment('TQ1', { 7: '20241103013000', 8: '20241103020000' });
const AIS = segment('AIS', { 1: '1', 3: '185389009^Follow-up visit^SCT', 4: '20241103013000', 7: '30', 8: 'min' });
const AIL = segment('AIL', { 1: '1', 3: 'CLINIC-A^Room 4^^Synthetic Clinic' });
const AIP = segment('AIP', { 1: '1', 3: '4455^Provider^Casey^^^Dr', 4: 'ATND^Attending^HL70443' });

const siu = (trigger: string, ...rest: string[]): string => hl7(msh(`SIU^${trigger}^SIU_S12`), SCH, 'NTE|1||Bring medication list', TQ1, SYNTHETIC_PID, 'RGS|1', AIS, AIL, AIP, ...rest);
const CHICAGO = { timezone: 'America/Chicago' };

describe('SIU → Appointment', () => {
  it('S12 books: SCH ids, TQ1 start/end in the dialect zone, service, participants, comment', () => {
    const c = convertOrFail(siu('S12'), CHICAGO);
    const appointment = onlyResource<Appointment>(c, 'Appointment');
    expect(c.resources[0].resourceType).toBe('Patient');
    expect(c.patientKey).toBe('urn:switchboard:hl7:SYNHOSP|100001');
    expect(appointment).toMatchObject({
      status: 'booked',
      identifier: [
        { type: { coding: [{ code: 'PLAC' }] }, system: 'urn:switchboard:hl7:SYNEHR', value: 'PLC-9' },
        { type: { coding: [{ code: 'FILL' }] }, system: 'urn:switchboard:hl7:SYNSCHED', value: 'APT-9' },
      ],
      appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP', display: 'Follow-up visit' }] },
      serviceType: [{ coding: [{ system: 'http://snomed.info/sct', code: '185389009' }] }],
      // 2024-11-03 01:30 happens twice in Chicago: the earlier (CDT) occurrence is used; 02:00 is CST.
      start: '2024-11-03T01:30:00-05:00',
      end: '2024-11-03T02:00:00-06:00',
      minutesDuration: 30,
      comment: 'Bring medication list',
      participant: [
        { actor: { reference: `Patient/${c.resources[0].id}` }, status: 'accepted' },
        { actor: { display: 'CLINIC-A Room 4 Synthetic Clinic' }, status: 'accepted' },
        { actor: { display: 'Dr Casey Provider' }, type: [{ coding: [{ code: 'ATND' }] }], status: 'accepted' },
      ],
    });
    expect(c.events).toEqual([{ type: 'appointment.booked', resourceType: 'Appointment', resourceId: appointment.id }]);
  });

  it.each([
    ['S13', 'booked', 'appointment.rescheduled'],
    ['S14', 'booked', 'appointment.rescheduled'],
    ['S15', 'cancelled', 'appointment.cancelled'],
    ['S26', 'noshow', undefined],
  ])('%s → status %s, event %s, same Appointment id as the booking', (trigger, status, event) => {
    const booked = onlyResource<Appointment>(convertOrFail(siu('S12')), 'Appointment');
    const c = convertOrFail(siu(trigger));
    const appointment = onlyResource<Appointment>(c, 'Appointment');
    expect(appointment.id).toBe(booked.id);
    expect(appointment.status).toBe(status);
    expect(c.events).toEqual(event ? [{ type: event, resourceType: 'Appointment', resourceId: appointment.id }] : []);
  });

  it('S14 takes the status the filler sends in SCH-25', () => {
    const c = convertOrFail(siu('S14').replace('|Booked', '|Pending'));
    expect(onlyResource<Appointment>(c, 'Appointment').status).toBe('pending');
  });

  it('without TQ1 reads the pre-2.5 SCH-11 timing, else AIS-4 plus the duration', () => {
    const legacy = hl7(msh('SIU^S12', { version: '2.3' }), segment('SCH', { 2: 'APT-10', 11: '^^^202406010900-0400^202406010945-0400' }), SYNTHETIC_PID);
    expect(onlyResource<Appointment>(convertOrFail(legacy), 'Appointment')).toMatchObject({ start: '2024-06-01T09:00:00-04:00', end: '2024-06-01T09:45:00-04:00' });
    const fromAis = hl7(msh('SIU^S12'), segment('SCH', { 2: 'APT-11' }), SYNTHETIC_PID, 'RGS|1', AIS);
    expect(onlyResource<Appointment>(convertOrFail(fromAis), 'Appointment')).toMatchObject({ start: '2024-11-03T01:30:00+00:00', end: '2024-11-03T02:00:00+00:00' });
  });

  it('needs SCH (101) and an appointment id (101 at SCH-2)', () => {
    expect(convertMessage(hl7(msh('SIU^S12'), SYNTHETIC_PID), {}, { idNamespace: 'c' })).toEqual({
      ok: false,
      error: { code: '101', reason: 'required segment SCH is missing', location: { segment: 'SCH' } },
    });
    expect(convertMessage(hl7(msh('SIU^S12'), 'SCH|||', SYNTHETIC_PID), {}, { idNamespace: 'c' })).toMatchObject({
      ok: false,
      error: { code: '101', location: { segment: 'SCH', sequence: 1, field: 2 } },
    });
  });
});
