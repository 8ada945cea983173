import { TRANSACTION_CLASSES } from '@sb/core';

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
  /** An example `data`, valid against `schema` (ids are made up). */
  example: Record<string, unknown>;
}

/** Made-up ids for the examples, shaped like the deterministic ids conversion gives. */
const EXAMPLE_IDS = {
  patient: 'Patient/3f1c9b2e-6a4d-5e8f-9b0a-1c2d3e4f5a6b',
  encounter: 'Encounter/7a8b9c0d-1e2f-5a3b-8c4d-5e6f7a8b9c0d',
  connection: '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b',
  endpoint: '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e',
};

const DECIMAL_PATTERN = '^\\d+(\\.\\d+)?$';
const SIGNED_DECIMAL_PATTERN = '^-?\\d+(\\.\\d+)?$';

const reference = (type: string) => ({ type: 'string', pattern: `^${type}/[A-Za-z0-9\\-.]{1,64}$`, description: `A FHIR reference, ${type}/<id>, readable through /fhir/r4/{connectionId}/` });
const dataSchema = (properties: Record<string, unknown>, required: string[]) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const patientEvent = (
  type: string,
  description: string,
  extra: Record<string, unknown> = {},
  extraRequired: string[] = [],
  example: { encounter?: boolean; extra?: Record<string, string> } = {},
): EventTypeDefinition => ({
  type,
  version: 1,
  description,
  emitted: true,
  schema: dataSchema({ patient: reference('Patient'), encounter: reference('Encounter'), ...extra }, ['patient', ...extraRequired]),
  example: { patient: EXAMPLE_IDS.patient, ...(example.encounter ? { encounter: EXAMPLE_IDS.encounter } : {}), ...example.extra },
});

export const EVENT_TYPES: readonly EventTypeDefinition[] = [
  patientEvent('patient.admitted', 'An inpatient admission (HL7 ADT^A01)', {}, [], { encounter: true }),
  patientEvent('patient.discharged', 'A discharge (HL7 ADT^A03)', {}, [], { encounter: true }),
  patientEvent('patient.transferred', 'A transfer to another location (HL7 ADT^A02)', {}, [], { encounter: true }),
  patientEvent('patient.registered', 'A registration or a new person (HL7 ADT^A04, ADT^A28)'),
  patientEvent('patient.updated', 'Demographics changed (HL7 ADT^A08, ADT^A31; athenaOne: a patient on the patients change feed whose demographics differ from its last known state)'),
  patientEvent('patient.merged', 'Two patient records merged (HL7 ADT^A40): `patient` is the surviving record, `replaced` the retired one. A message merging several pairs sends one event per pair, in message order', { replaced: reference('Patient') }, ['replaced'], {
    extra: { replaced: 'Patient/9c8b7a6d-5e4f-5a3b-8c2d-1e0f9a8b7c6d' },
  }),
  patientEvent('result.received', 'A result arrived (HL7 ORU^R01)', { report: reference('DiagnosticReport') }, ['report'], {
    extra: { report: 'DiagnosticReport/2b3c4d5e-6f7a-5b8c-9d0e-1f2a3b4c5d6e' },
  }),
  patientEvent('appointment.booked', 'An appointment was booked (HL7 SIU^S12; athenaOne: the appointments change feed, status f with a patient; or booked through the gateway)', { appointment: reference('Appointment') }, ['appointment'], {
    extra: { appointment: 'Appointment/4d5e6f7a-8b9c-5d0e-8f1a-2b3c4d5e6f7a' },
  }),
  patientEvent('appointment.rescheduled', 'An appointment moved or changed (HL7 SIU^S13, SIU^S14; athenaOne: the appointments change feed, a new date, start time, duration, provider or department)', { appointment: reference('Appointment') }, ['appointment'], {
    extra: { appointment: 'Appointment/4d5e6f7a-8b9c-5d0e-8f1a-2b3c4d5e6f7a' },
  }),
  patientEvent('appointment.cancelled', 'An appointment was cancelled (HL7 SIU^S15; athenaOne: the appointments change feed, status x, told once; or cancelled through the gateway)', { appointment: reference('Appointment') }, ['appointment'], {
    extra: { appointment: 'Appointment/4d5e6f7a-8b9c-5d0e-8f1a-2b3c4d5e6f7a' },
  }),
  patientEvent('document.created', 'A clinical document was filed (HL7 MDM^T02)', { document: reference('DocumentReference') }, ['document'], {
    extra: { document: 'DocumentReference/6f7a8b9c-0d1e-5f2a-9b3c-4d5e6f7a8b9c' },
  }),
  patientEvent(
    'immunization.recorded',
    'A vaccination record arrived (HL7 VXU^V04): one event per Immunization, so a message with several doses sends several events. Sent for every dose the message records, also one not given (status `not-done`) or marked deleted (`entered-in-error`): read the Immunization for its status',
    { immunization: reference('Immunization') },
    ['immunization'],
    { extra: { immunization: 'Immunization/8c9d0e1f-2a3b-5c4d-9e5f-6a7b8c9d0e1f' } },
  ),
  {
    type: 'connection.health_changed',
    version: 1,
    description:
      'The health monitor moved a connection to another status (`unknown`, `healthy`, `degraded`, `down`): sent once per transition (a new connection first found `healthy` sets its baseline without one; first found `degraded` or `down`, it is announced). `reason` says what decided it (`check_failed`, `check_passed`, `error_rate`, `traffic_ok`); `errorCode` is the failed check’s code',
    emitted: true,
    schema: dataSchema(
      {
        connectionId: { type: 'string', format: 'uuid' },
        status: { enum: ['unknown', 'healthy', 'degraded', 'down'] },
        previousStatus: { enum: ['unknown', 'healthy', 'degraded', 'down'] },
        healthy: { type: 'boolean' },
        reason: { type: 'string' },
        errorCode: { type: ['string', 'null'] },
      },
      ['connectionId', 'status', 'previousStatus', 'healthy', 'reason', 'errorCode'],
    ),
    example: { connectionId: EXAMPLE_IDS.connection, status: 'down', previousStatus: 'degraded', healthy: false, reason: 'check_failed', errorCode: 'circuit_open' },
  },
  {
    type: 'connection.health_alert',
    version: 1,
    description:
      'A tenant’s health alert rule matched a connection’s health transition: the connection is one the rule watches (or the rule watches all) and it arrived at one of the rule’s statuses (`healthy` is a recovery). Sent once per rule and transition; none within the rule’s quiet hours (the firing is recorded as suppressed). `reason` and `errorCode` are those of `connection.health_changed`',
    emitted: true,
    schema: dataSchema(
      {
        ruleId: { type: 'string', format: 'uuid' },
        ruleName: { type: 'string', maxLength: 100, description: 'The label the tenant gave the rule' },
        connectionId: { type: 'string', format: 'uuid' },
        status: { enum: ['healthy', 'degraded', 'down'] },
        previousStatus: { enum: ['unknown', 'healthy', 'degraded', 'down'] },
        reason: { type: 'string' },
        errorCode: { type: ['string', 'null'] },
      },
      ['ruleId', 'ruleName', 'connectionId', 'status', 'previousStatus', 'reason', 'errorCode'],
    ),
    example: { ruleId: '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968', ruleName: 'on_call_pager', connectionId: EXAMPLE_IDS.connection, status: 'down', previousStatus: 'degraded', reason: 'check_failed', errorCode: 'circuit_open' },
  },
  {
    type: 'export.completed',
    version: 1,
    description: 'A bulk export finished',
    emitted: false,
    schema: dataSchema({ exportId: { type: 'string' }, status: { type: 'string' } }, ['exportId', 'status']),
    example: { exportId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', status: 'completed' },
  },
  {
    type: 'endpoint.test',
    version: 1,
    description: 'Sent to one endpoint on request, to check it receives and verifies deliveries',
    emitted: true,
    schema: dataSchema({ endpointId: { type: 'string', format: 'uuid' } }, ['endpointId']),
    example: { endpointId: EXAMPLE_IDS.endpoint },
  },
  {
    type: 'endpoint.disabled',
    version: 1,
    description: 'An endpoint was disabled: it answered 410, or failed continuously for 5 days',
    emitted: true,
    schema: dataSchema({ endpointId: { type: 'string', format: 'uuid' }, reason: { type: 'string', enum: ['gone', 'failing'] } }, ['endpointId', 'reason']),
    example: { endpointId: EXAMPLE_IDS.endpoint, reason: 'failing' },
  },
  {
    type: 'usage.threshold_crossed',
    version: 1,
    description:
      'A usage alert rule reached its threshold in the current billing period: units, amount, percent of included units or projected spend, for the tenant, one connection or one class. Sent once per rule and period.',
    emitted: true,
    schema: dataSchema(
      {
        ruleId: { type: 'string', format: 'uuid' },
        ruleName: { type: 'string', maxLength: 100, description: 'The label the tenant gave the rule' },
        metric: { type: 'string', enum: ['units', 'amount', 'includedPercent', 'projectedSpend'] },
        threshold: { type: 'string', pattern: DECIMAL_PATTERN, description: 'Units, an amount in the billing currency, or a percentage' },
        value: { type: 'string', pattern: SIGNED_DECIMAL_PATTERN, description: 'The value measured when the threshold was reached (≥ threshold)' },
        period: {
          type: 'object',
          additionalProperties: false,
          description: 'The billing period, [start, end), in the tenant’s billing timezone',
          properties: {
            id: { type: 'string', pattern: '^\\d{4}-\\d{2}(-\\d{2})?$' },
            start: { type: 'string', format: 'date-time' },
            end: { type: 'string', format: 'date-time' },
          },
          required: ['id', 'start', 'end'],
        },
        connectionId: { type: 'string', format: 'uuid', description: 'Present when the rule watches one connection' },
        class: { type: 'string', enum: [...TRANSACTION_CLASSES], description: 'Present when the rule watches one transaction class' },
      },
      ['ruleId', 'ruleName', 'metric', 'threshold', 'value', 'period'],
    ),
    example: {
      ruleId: '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968',
      ruleName: 'FHIR reads at 80% of included',
      metric: 'includedPercent',
      threshold: '80',
      value: '80.01',
      period: { id: '2026-03', start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T04:00:00.000Z' },
      connectionId: EXAMPLE_IDS.connection,
      class: 'fhir.read',
    },
  },
];

export type EventType = (typeof EVENT_TYPES)[number]['type'];

const KNOWN = new Set(EVENT_TYPES.map((e) => e.type));
export const isEventType = (type: string): boolean => KNOWN.has(type);
export const eventTypeDefinition = (type: string): EventTypeDefinition | undefined => EVENT_TYPES.find((e) => e.type === type);
