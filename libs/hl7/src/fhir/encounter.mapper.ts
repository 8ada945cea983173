import type { CodeableConcept, Encounter, EncounterLocation, EncounterParticipant, Reference } from '@medplum/fhirtypes';
import type { ConversionContext } from './conversion-context';
import { asCode, codeableConcept, identifierSystem, locationDisplay, personDisplay, readCx } from './v2-datatypes';
import type { V2Segment } from './v2-message';
import { PATIENT_CLASS, V2_0203 } from './v2-tables';

/**
 * PV1/PV2 → US Core Encounter, after the HL7 v2-to-FHIR segment maps PV1 → Encounter and
 * PV2 → Encounter (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-segment-pv1-to-encounter.html).
 */

export type EncounterStatus = Encounter['status'];

/**
 * The natural key of the visit: PV1-19 visit number, else the patient and PV1-44 admit time.
 * Undefined when the message identifies the visit by neither.
 */
export function encounterKey(ctx: ConversionContext, pv1: V2Segment, patientKey: string): string | undefined {
  const visit = readCx(pv1.rep(19));
  if (visit.value) return `visit|${identifierSystem(visit, ctx.dialect)}|${visit.value}`;
  const admitted = ctx.dateTime(pv1, 44);
  return admitted ? `admit|${patientKey}|${admitted.dateTime}` : undefined;
}

/** A reference to the visit's Encounter (same id the ADT messages give it), when PV1 identifies one. */
export function encounterReference(ctx: ConversionContext, patientKey: string): Reference<Encounter> | undefined {
  const pv1 = ctx.message.first('PV1');
  const key = pv1 && encounterKey(ctx, pv1, patientKey);
  return key ? ctx.ref('Encounter', ctx.id('Encounter', key)) : undefined;
}

export interface EncounterOptions {
  /** The status the trigger event implies; `derive` reads it from PV1-44/45. */
  readonly status: EncounterStatus | 'derive';
  /** Class when PV1-2 is empty (A04 registers outpatients). */
  readonly defaultClass?: string;
  /** Key used when PV1 identifies the visit by neither visit number nor admit time (see `encounterKey`). */
  readonly fallbackKey?: string;
}

const PARTICIPANT_FIELDS: readonly [field: number, code: string, display: string][] = [
  [7, 'ATND', 'attender'],
  [8, 'REF', 'referrer'],
  [9, 'CON', 'consultant'],
  [17, 'ADM', 'admitter'],
];

/** PV1 (+ PV2) → Encounter; undefined when the visit cannot be keyed and no fallback key is given. */
export function mapEncounter(
  ctx: ConversionContext,
  pv1: V2Segment,
  patient: { id: string; key: string },
  options: EncounterOptions,
): (Encounter & { id: string }) | undefined {
  const key = encounterKey(ctx, pv1, patient.key) ?? options.fallbackKey;
  if (!key) return undefined;
  const admitted = ctx.dateTime(pv1, 44);
  const discharged = ctx.dateTime(pv1, 45);
  let status: EncounterStatus;
  if (options.status === 'derive') status = discharged ? 'finished' : admitted ? 'in-progress' : 'unknown';
  else status = options.status;

  const classCode = pv1.value(2).toUpperCase() || options.defaultClass || '';
  const actClass = PATIENT_CLASS[classCode];
  const encounter: Encounter & { id: string } = {
    resourceType: 'Encounter',
    id: ctx.id('Encounter', key),
    status,
    class: actClass
      ? { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', ...actClass }
      : { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK', display: 'unknown' },
    type: [encounterType(pv1, actClass?.display)],
    subject: ctx.ref('Patient', patient.id),
  };

  const visit = readCx(pv1.rep(19));
  if (visit.value) {
    encounter.identifier = [
      { type: { coding: [{ system: V2_0203, code: 'VN', display: 'Visit number' }] }, system: identifierSystem(visit, ctx.dialect), value: visit.value },
    ];
  }
  const end = status === 'finished' ? discharged : undefined;
  if (admitted || end) encounter.period = { ...(admitted ? { start: admitted.dateTime } : {}), ...(end ? { end: end.dateTime } : {}) };

  const service = pv1.value(10);
  if (service) encounter.serviceType = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0069', code: asCode(service) }] };

  const participant: EncounterParticipant[] = [];
  for (const [field, code, display] of PARTICIPANT_FIELDS) {
    for (const xcn of pv1.reps(field)) {
      const name = personDisplay(xcn);
      if (!name) continue;
      participant.push({
        type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code, display }] }],
        individual: { display: name },
      });
    }
  }
  if (participant.length) encounter.participant = participant;

  const location: EncounterLocation[] = [];
  const current = locationDisplay(pv1.rep(3));
  if (current) location.push({ location: { display: current }, status: status === 'finished' ? 'completed' : 'active' });
  const prior = locationDisplay(pv1.rep(6));
  if (prior) location.push({ location: { display: prior }, status: 'completed' });
  if (location.length) encounter.location = location;

  const admitSource = pv1.value(14);
  const disposition = pv1.value(36);
  if (admitSource || disposition) {
    encounter.hospitalization = {
      ...(admitSource ? { admitSource: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0023', code: asCode(admitSource) }] } } : {}),
      ...(disposition ? { dischargeDisposition: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0112', code: asCode(disposition) }] } } : {}),
    };
  }

  const pv2 = ctx.message.first('PV2');
  const reason = pv2 && codeableConcept(pv2.rep(3), ctx.dialect, 'PV2-3');
  if (reason) encounter.reasonCode = [reason];
  return encounter;
}

/** US Core requires a type: PV1-4 admission type (table 0007), else PV1-18 patient type, else the class as text. */
function encounterType(pv1: V2Segment, classDisplay: string | undefined): CodeableConcept {
  const admissionType = pv1.value(4);
  if (admissionType) return { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0007', code: asCode(admissionType) }] };
  const patientType = pv1.value(18);
  if (patientType) return { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0018', code: asCode(patientType) }] };
  return { text: classDisplay ?? 'encounter' };
}
