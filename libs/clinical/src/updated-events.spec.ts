import type { Appointment } from '@medplum/fhirtypes';
import { updatedEvents } from './created-events';

const appointment = (status: Appointment['status']): Appointment => ({
  resourceType: 'Appointment',
  id: 'a-195900.appointment-1001',
  status,
  participant: [{ actor: { reference: 'Patient/a-195900.E-7' }, status: 'accepted' }],
});

describe('updatedEvents', () => {
  it('makes a cancelled appointment an appointment.cancelled event carrying references only in data', () => {
    const [event, ...rest] = updatedEvents('Appointment', appointment('cancelled'), 'tenant', 'connection');
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      type: 'appointment.cancelled',
      data: { patient: 'Patient/a-195900.E-7', appointment: 'Appointment/a-195900.appointment-1001' },
      patientRef: 'Patient/a-195900.E-7',
    });
  });

  it('emits nothing for other statuses, other types, or an appointment without a patient', () => {
    expect(updatedEvents('Appointment', appointment('booked'), 't', 'c')).toEqual([]);
    expect(updatedEvents('Appointment', { ...appointment('cancelled'), participant: [{ status: 'accepted', actor: { reference: 'Location/x' } }] }, 't', 'c')).toEqual([]);
    expect(updatedEvents('DocumentReference', { resourceType: 'DocumentReference', id: 'd', status: 'current', content: [] }, 't', 'c')).toEqual([]);
  });
});
