import type { AllergyIntolerance, AllergyIntoleranceReaction, CodeableConcept } from '@medplum/fhirtypes';
import { athenaFhirId } from '../athena-ids';
import type { AthenaAllergy, AthenaAllergyList } from '../wire';
import { SYSTEMS, athenaSystem, coding, concept, metaOf, patientRef, type AthenaChartScope, type AthenaMapContext } from './map-context';

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

/** The id part of the "no known drug allergies" record (athena has no allergen id for it). */
export const NKDA_RECORD_ID = 'nkda';

const CRITICALITY: Readonly<Record<string, AllergyIntolerance['criticality']>> = {
  HIGH: 'high',
  LOW: 'low',
  'UNABLE TO ASSESS': 'unable-to-assess',
  'UNABLE-TO-ASSESS': 'unable-to-assess',
};
const SEVERITY: Readonly<Record<string, AllergyIntoleranceReaction['severity']>> = { MILD: 'mild', MODERATE: 'moderate', SEVERE: 'severe' };

function reactionOf(r: AthenaAllergy['reactions'][number]): AllergyIntoleranceReaction | undefined {
  const manifestation = concept([r.snomedCode ? coding(SYSTEMS.snomed, r.snomedCode, r.reactionName) : undefined], r.reactionName);
  if (!manifestation) return undefined;
  const severity = r.severity ? SEVERITY[r.severity.toUpperCase()] : undefined;
  return { manifestation: [manifestation], ...(severity ? { severity } : {}) };
}

/**
 * athena allergy → US Core 6.1.0 AllergyIntolerance: the allergen as text with athena's allergen id
 * (athena keeps proprietary allergen ids, /work/shared/notes/athena.md §11), SNOMED reactions; a
 * deactivated allergy is inactive.
 */
export function toAllergyIntolerance(a: AthenaAllergy, ctx: AthenaMapContext, scope: AthenaChartScope): AllergyIntolerance & { id: string } {
  const code = concept([coding(athenaSystem('allergen'), a.allergenId, a.allergenName)], a.allergenName) as CodeableConcept;
  const reactions = a.reactions.map(reactionOf).filter((r): r is AllergyIntoleranceReaction => r !== undefined);
  const criticality = a.criticality ? CRITICALITY[a.criticality.toUpperCase()] : undefined;
  return {
    resourceType: 'AllergyIntolerance',
    id: athenaFhirId(ctx.practiceId, 'allergy', a.allergenId, scope.patientId),
    meta: metaOf(ctx, 'us-core-allergyintolerance'),
    clinicalStatus: { coding: [a.deactivatedDate ? coding(CLINICAL, 'inactive', 'Inactive') : coding(CLINICAL, 'active', 'Active')] },
    verificationStatus: { coding: [coding(VERIFICATION, 'confirmed', 'Confirmed')] },
    ...(criticality ? { criticality } : {}),
    code,
    patient: patientRef(ctx, scope.patientId),
    ...(a.onsetDate ? { onsetDateTime: a.onsetDate } : {}),
    ...(a.note ? { note: [{ text: a.note }] } : {}),
    ...(reactions.length ? { reaction: reactions } : {}),
  };
}

/**
 * athena's `nkda: true` → an AllergyIntolerance recording "No known drug allergy" (SNOMED 409137002,
 * in US Core's allergy value set as a refutation), as Epic/Oracle charts carry it.
 */
export function toNoKnownDrugAllergy(ctx: AthenaMapContext, scope: AthenaChartScope, recordedDate?: string): AllergyIntolerance & { id: string } {
  return {
    resourceType: 'AllergyIntolerance',
    id: athenaFhirId(ctx.practiceId, 'allergy', NKDA_RECORD_ID, scope.patientId),
    meta: metaOf(ctx, 'us-core-allergyintolerance'),
    clinicalStatus: { coding: [coding(CLINICAL, 'active', 'Active')] },
    verificationStatus: { coding: [coding(VERIFICATION, 'confirmed', 'Confirmed')] },
    category: ['medication'],
    code: { coding: [coding(SYSTEMS.snomed, '409137002', 'No known drug allergy')], text: 'No known drug allergy' },
    patient: patientRef(ctx, scope.patientId),
    ...(recordedDate ? { recordedDate } : {}),
  };
}

/** A chart's allergy list → its AllergyIntolerances (plus the NKDA record when athena says so). */
export function toAllergyIntolerances(list: AthenaAllergyList, ctx: AthenaMapContext, scope: AthenaChartScope): (AllergyIntolerance & { id: string })[] {
  const out = list.allergies.map((a) => toAllergyIntolerance(a, ctx, scope));
  if (list.nkda) out.push(toNoKnownDrugAllergy(ctx, scope, list.lastUpdated));
  return out;
}
