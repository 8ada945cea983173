import type { EventInput } from '@sb/events';
import type { Hl7Conversion } from '@sb/hl7';

/** Which `data` key names the resource an event is about (the patient is always `patient`). */
const KEY_BY_TYPE: Record<string, string> = {
  DiagnosticReport: 'report',
  Appointment: 'appointment',
  DocumentReference: 'document',
  Encounter: 'encounter',
};

/**
 * The outbox events of one converted message: references only in `data` (PHI
 * minimization); the resources themselves in `full`, for endpoints that opted in;
 * `sourceMessageId` so the message log can follow a message to its deliveries.
 */
export function conversionEvents(conversion: Hl7Conversion, tenantId: string, connectionId: string, messageId: string): EventInput[] {
  const patient = conversion.resources.find((r) => r.resourceType === 'Patient');
  if (!patient?.id) return [];
  const patientRef = `Patient/${patient.id}`;
  return conversion.events.map((event) => {
    const subject = conversion.resources.find((r) => r.resourceType === event.resourceType && r.id === event.resourceId);
    const key = KEY_BY_TYPE[event.resourceType];
    const data: Record<string, unknown> = { patient: patientRef };
    if (key) data[key] = `${event.resourceType}/${event.resourceId}`;
    if (event.type === 'patient.merged' && conversion.merge) data.replaced = `Patient/${conversion.merge.retiredPatientId}`;
    const resources = subject && subject !== patient ? [patient, subject] : [patient];
    return { tenantId, connectionId, type: event.type, data, full: { resources }, patientRef, sourceMessageId: messageId };
  });
}
