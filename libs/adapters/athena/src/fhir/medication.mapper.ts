import type { Coding, Dosage, MedicationRequest, Practitioner, Reference } from '@medplum/fhirtypes';
import { athenaFhirId } from '../athena-ids';
import { malformedResponse, type AthenaMedication } from '../wire';
import { SYSTEMS, athenaSystem, coding, concept, metaOf, patientRef, practitionerRef, type AthenaChartScope, type AthenaMapContext } from './map-context';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/medicationrequest-category';

/** `source` values that say the entry was reported (medication history), not prescribed in athena. */
const REPORTED_SOURCES: ReadonlySet<string> = new Set(['PATIENT', 'PATIENT REPORTED', 'PATIENT-REPORTED', 'PATIENTREPORTED', 'HISTORICAL', 'HISTORY', 'OUTSIDE', 'OUTSIDE PRESCRIPTION']);

/** An entry the patient or an outside source reported (ordering mode HISTORICAL, or such a `source`) rather than one prescribed in athena. */
export const isReportedMedication = (m: AthenaMedication): boolean => m.orderingMode === 'HISTORICAL' || REPORTED_SOURCES.has((m.source ?? '').trim().toUpperCase());

const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

/**
 * The prescriber: athena's provider id when sent, else its name as a display-only reference. US Core
 * requires a requester on an order (us-core-21); when athena names none, the element says why it is
 * absent (data-absent-reason `unknown`), as the HL7 path does for a missing name — never an invented person.
 */
function requesterOf(ctx: AthenaMapContext, m: AthenaMedication): Reference<Practitioner> {
  if (m.providerId) return { ...practitionerRef(ctx, m.providerId), ...(m.prescribedBy ? { display: m.prescribedBy } : {}) };
  if (m.prescribedBy) return { display: m.prescribedBy };
  return { extension: [{ url: DATA_ABSENT_REASON, valueCode: 'unknown' }] };
}

function statusOf(m: AthenaMedication): MedicationRequest['status'] {
  if (m.isDiscontinued) return 'stopped';
  if (m.events.some((e) => e.type === 'END')) return 'completed';
  return 'active';
}

function dosageOf(m: AthenaMedication): Dosage | undefined {
  const sig = m.structuredSig;
  const dosage: Dosage = {
    ...(m.unstructuredSig ? { text: m.unstructuredSig } : {}),
    ...(sig?.frequencyDescription ? { timing: { code: { text: sig.frequencyDescription } } } : {}),
    ...(sig?.route ? { route: { text: sig.route } } : {}),
    ...(sig?.doseQuantity !== undefined ? { doseAndRate: [{ doseQuantity: { value: sig.doseQuantity, ...(sig.doseUnit ? { unit: sig.doseUnit } : {}) } }] } : {}),
  };
  return Object.keys(dosage).length ? dosage : undefined;
}

/**
 * athena medication entry → US Core 6.1.0 MedicationRequest. Status: discontinued → stopped, an END
 * event → completed, else active; intent order; history entries are `reportedBoolean: true`
 * (category community) and prescriptions outpatient. The medication is athena's name as text with its
 * RxNorm (when sent), First Databank and athena medication ids; the sig text is the dosage text; the
 * requester is the prescriber athena names (see {@link requesterOf}).
 */
export function toMedicationRequest(m: AthenaMedication, ctx: AthenaMapContext, scope: AthenaChartScope): MedicationRequest & { id: string } {
  const codings: Coding[] = [
    ...m.rxnormCodes.map((c) => coding(SYSTEMS.rxnorm, c)),
    ...(m.fdbMedicationId ? [coding(athenaSystem('fdbmedicationid'), m.fdbMedicationId)] : []),
    ...(m.medicationId ? [coding(athenaSystem('medication'), m.medicationId)] : []),
  ];
  const medication = concept(codings, m.medication);
  if (!medication) throw malformedResponse('medication', ['medication']);
  const reported = isReportedMedication(m);
  const authoredOn = m.events.find((e) => e.type === 'START')?.date ?? m.events.find((e) => e.type === 'ENTER')?.date;
  const dosage = dosageOf(m);
  return {
    resourceType: 'MedicationRequest',
    id: athenaFhirId(ctx.practiceId, 'medication', m.medicationEntryId, scope.patientId),
    meta: metaOf(ctx, 'us-core-medicationrequest'),
    identifier: [{ system: athenaSystem('medicationentry', ctx.practiceId), value: m.medicationEntryId }],
    status: statusOf(m),
    ...(m.stopReason ? { statusReason: { text: m.stopReason } } : {}),
    intent: 'order',
    category: [reported ? { coding: [coding(CATEGORY, 'community', 'Community')] } : { coding: [coding(CATEGORY, 'outpatient', 'Outpatient')] }],
    reportedBoolean: reported,
    medicationCodeableConcept: medication,
    subject: patientRef(ctx, scope.patientId),
    ...(authoredOn ? { authoredOn } : {}),
    requester: requesterOf(ctx, m),
    ...(dosage ? { dosageInstruction: [dosage] } : {}),
    ...(m.providerNote ? { note: [{ text: m.providerNote }] } : {}),
  };
}
