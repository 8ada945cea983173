import type { Resource } from '@medplum/fhirtypes';
import type { Hl7ErrorCode } from '../hl7-ack';

/** What a converted message tells downstream consumers happened. */
export type Hl7EventType =
  | 'patient.admitted'
  | 'patient.discharged'
  | 'patient.transferred'
  | 'patient.registered'
  | 'patient.updated'
  | 'patient.merged'
  | 'result.received'
  | 'appointment.booked'
  | 'appointment.rescheduled'
  | 'appointment.cancelled'
  | 'document.created'
  | 'immunization.recorded';

export interface Hl7ConversionEvent {
  readonly type: Hl7EventType;
  /** What the event is about; when it is a Patient, that patient is the event's `patient`. */
  readonly resourceType: string;
  readonly resourceId: string;
  /** `patient.merged`: the retired Patient's id (the event's `replaced`). */
  readonly retiredPatientId?: string;
}

/** One ADT^A40 PID/MRG pair: MRG's patient is merged into PID's. */
export interface Hl7PatientMerge {
  readonly survivorPatientId: string;
  readonly retiredPatientId: string;
}

/** A converted message (see `convertMessage`). */
export interface Hl7Conversion {
  /** MSH-9.1^MSH-9.2, e.g. `ADT^A01`. */
  messageType: string;
  /** `${system}|${value}` of the patient's chosen identifier (MRN); null when the message has no patient. */
  patientKey: string | null;
  /** Patient first; every resource has a deterministic `id`. */
  resources: Resource[];
  /** ADT^A40: one merge per PID/MRG pair, in message order (the order they are applied in). */
  merges?: readonly Hl7PatientMerge[];
  events: Hl7ConversionEvent[];
}

/** Where a conversion error is (ERR-2 shape); numbers are 1-based like HL7 paths. */
export interface Hl7ConversionErrorLocation {
  segment: string;
  /** Occurrence of the segment in the message (ERR-2.2). */
  sequence?: number;
  field?: number;
  component?: number;
}

/** Why a message could not be converted. `reason` is static text and never carries message content. */
export interface Hl7ConversionError {
  code: Hl7ErrorCode;
  reason: string;
  location?: Hl7ConversionErrorLocation;
}

export type ConversionOutcome = { ok: true; value: Hl7Conversion } | { ok: false; error: Hl7ConversionError };
