/**
 * The events a tenant can subscribe to: typed, versioned, each with the JSON Schema
 * (draft 2020-12) of its `data`. `data` is PHI-minimized — FHIR references and the
 * least needed; endpoints that opt into `payload: "full"` also get the resources.
 */
export interface EventTypeDefinition {
  type: string;
  version: number;
  description: string;
  /** Whether anything emits it yet (the rest arrive with the issues that build their sources). */
  emitted: boolean;
  schema: Record<string, unknown>;
}

const reference = (type: string) => ({ type: 'string', pattern: `^${type}/[A-Za-z0-9\\-.]{1,64}$`, description: `A FHIR reference, ${type}/<id>, readable through /fhir/r4/{connectionId}/` });
const dataSchema = (properties: Record<string, unknown>, required: string[]) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const patientEvent = (type: string, description: string, extra: Record<string, unknown> = {}, extraRequired: string[] = []): EventTypeDefinition => ({
  type,
  version: 1,
  description,
  emitted: true,
  schema: dataSchema({ patient: reference('Patient'), encounter: reference('Encounter'), ...extra }, ['patient', ...extraRequired]),
});

export const EVENT_TYPES: readonly EventTypeDefinition[] = [
  patientEvent('patient.admitted', 'An inpatient admission (HL7 ADT^A01)'),
  patientEvent('patient.discharged', 'A discharge (HL7 ADT^A03)'),
  patientEvent('patient.transferred', 'A transfer to another location (HL7 ADT^A02)'),
  patientEvent('patient.registered', 'A registration or a new person (HL7 ADT^A04, ADT^A28)'),
  patientEvent('patient.updated', 'Demographics changed (HL7 ADT^A08, ADT^A31)'),
  patientEvent('patient.merged', 'Two patient records merged (HL7 ADT^A40); `replaced` is the retired record', { replaced: reference('Patient') }, ['replaced']),
  patientEvent('result.received', 'A result arrived (HL7 ORU^R01)', { report: reference('DiagnosticReport') }, ['report']),
  patientEvent('appointment.booked', 'An appointment was booked (HL7 SIU^S12)', { appointment: reference('Appointment') }, ['appointment']),
  patientEvent('appointment.rescheduled', 'An appointment moved or changed (HL7 SIU^S13, SIU^S14)', { appointment: reference('Appointment') }, ['appointment']),
  patientEvent('appointment.cancelled', 'An appointment was cancelled (HL7 SIU^S15)', { appointment: reference('Appointment') }, ['appointment']),
  patientEvent('document.created', 'A clinical document was filed (HL7 MDM^T02)', { document: reference('DocumentReference') }, ['document']),
  {
    type: 'connection.health_changed',
    version: 1,
    description: 'A connection became healthy or unhealthy',
    emitted: false,
    schema: dataSchema({ connectionId: { type: 'string', format: 'uuid' }, healthy: { type: 'boolean' }, errorCode: { type: ['string', 'null'] } }, ['connectionId', 'healthy']),
  },
  {
    type: 'export.completed',
    version: 1,
    description: 'A bulk export finished',
    emitted: false,
    schema: dataSchema({ exportId: { type: 'string' }, status: { type: 'string' } }, ['exportId', 'status']),
  },
  {
    type: 'endpoint.test',
    version: 1,
    description: 'Sent to one endpoint on request, to check it receives and verifies deliveries',
    emitted: true,
    schema: dataSchema({ endpointId: { type: 'string', format: 'uuid' } }, ['endpointId']),
  },
  {
    type: 'endpoint.disabled',
    version: 1,
    description: 'An endpoint was disabled: it answered 410, or failed continuously for 5 days',
    emitted: true,
    schema: dataSchema({ endpointId: { type: 'string', format: 'uuid' }, reason: { type: 'string', enum: ['gone', 'failing'] } }, ['endpointId', 'reason']),
  },
];

export type EventType = (typeof EVENT_TYPES)[number]['type'];

const KNOWN = new Set(EVENT_TYPES.map((e) => e.type));
export const isEventType = (type: string): boolean => KNOWN.has(type);
export const eventTypeDefinition = (type: string): EventTypeDefinition | undefined => EVENT_TYPES.find((e) => e.type === type);
