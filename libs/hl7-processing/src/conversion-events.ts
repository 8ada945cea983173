import type { EventInput } from '@sb/events';
import type { Hl7Conversion } from '@sb/hl7';

/** Which `data` key names the resource an event is about (the patient is always `patient`). */
const KEY_BY_TYPE: Record<string, string> = {
  DiagnosticReport: 'report',
  Appointment: 'appointment',
  DocumentReference: 'document',
  Encounter: 'encounter',
  Immunization: 'immunization',
};

/**
 * The outbox events of one converted message: references only in `data` (PHI
 * minimization); the resources themselves in `full`, for endpoints that opted in;
 * `sourceMessageId` so the message log can follow a message to its deliveries.
 * An event about a Patient (each pair of an ADT^A40) names that patient; the others name
 * the message's patient (its first).
 */
export function conversionEvents(conversion: Hl7Conversion, tenantId: string, connectionId: string, messageId: string): EventInput[] {
  const messagePatient = conversion.resources.find((r) => r.resourceType === 'Patient');
  if (!messagePatient?.id) return [];
  return conversion.events.map((event) => {
    const subject = conversion.resources.find((r) => r.resourceType === event.resourceType && r.id === event.resourceId);
    const patient = subject?.resourceType === 'Patient' ? subject : messagePatient;
    const patientRef = `Patient/${patient.id ?? ''}`;
    const key = KEY_BY_TYPE[event.resourceType];
    const data: Record<string, unknown> = { patient: patientRef };
    if (key) data[key] = `${event.resourceType}/${event.resourceId}`;
    if (event.type === 'patient.merged' && event.retiredPatientId) data.replaced = `Patient/${event.retiredPatientId}`;
    const resources = subject && subject !== patient ? [patient, subject] : [patient];
    return { tenantId, connectionId, type: event.type, data, full: { resources }, patientRef, sourceMessageId: messageId };
  });
}
