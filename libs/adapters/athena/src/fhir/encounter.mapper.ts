import type { CodeableConcept, Coding, Encounter } from '@medplum/fhirtypes';
import { athenaFhirId } from '../athena-ids';
import type { AthenaDiagnosis, AthenaEncounter } from '../wire';
import { SYSTEMS, athenaRef, athenaSystem, coding, concept, locationRef, metaOf, patientRef, practiceRef, practitionerRef, type AthenaChartScope, type AthenaMapContext } from './map-context';

/** athena encounter status → FHIR (/work/shared/notes/athena.md §13.2); TEMP is a draft, not yet a visit. */
const STATUS: Readonly<Record<string, Encounter['status']>> = {
  OPEN: 'in-progress',
  REVIEW: 'in-progress',
  PEND: 'in-progress',
  CLOSED: 'finished',
  DELETED: 'entered-in-error',
  TEMP: 'planned',
};

/** An encounter diagnosis as a reason: SNOMED and its ICD-10-CM codes. */
export function diagnosisConcept(d: AthenaDiagnosis): CodeableConcept | undefined {
  const codings: Coding[] = [];
  if (d.snomedCode) codings.push(coding(SYSTEMS.snomed, d.snomedCode));
  for (const icd of d.icdCodes) if (icd.codeset === undefined || icd.codeset === 'ICD10') codings.push(coding(SYSTEMS.icd10cm, icd.code, icd.description));
  return concept(codings, d.description);
}

/**
 * athena encounter → US Core 6.1.0 Encounter: ambulatory (athenaOne is an ambulatory EHR), type from
 * the visit name, the appointment it came from, the department as location, diagnoses as reasons.
 */
export function toEncounter(e: AthenaEncounter, ctx: AthenaMapContext, scope: AthenaChartScope): Encounter & { id: string } {
  const patientId = e.patientId ?? scope.patientId;
  const type = concept([e.encounterType ? coding(athenaSystem('encountertype'), e.encounterType) : undefined], e.encounterVisitName ?? e.encounterType ?? 'Encounter') as CodeableConcept;
  const start = e.appointmentStart ?? e.encounterDate;
  const reasons = e.diagnoses.map(diagnosisConcept).filter((c): c is CodeableConcept => c !== undefined);
  return {
    resourceType: 'Encounter',
    id: athenaFhirId(ctx.practiceId, 'encounter', e.encounterId),
    meta: metaOf(ctx, 'us-core-encounter'),
    identifier: [{ use: 'usual', system: athenaSystem('encounter', ctx.practiceId), value: e.encounterId }],
    status: (e.status ? STATUS[e.status] : undefined) ?? 'unknown',
    class: coding(SYSTEMS.v3ActCode, 'AMB', 'ambulatory'),
    type: [type],
    subject: patientRef(ctx, patientId),
    ...(e.providerId ? { participant: [{ type: [{ coding: [coding('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'ATND', 'attender')] }], individual: practitionerRef(ctx, e.providerId) }] } : {}),
    ...(e.appointmentId ? { appointment: [athenaRef(ctx, 'Appointment', 'appointment', e.appointmentId)] } : {}),
    ...(start ? { period: { start } } : {}),
    ...(reasons.length ? { reasonCode: reasons } : {}),
    ...(e.departmentId ? { location: [{ location: locationRef(ctx, e.departmentId) }] } : {}),
    serviceProvider: practiceRef(ctx),
  };
}
