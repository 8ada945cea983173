import type { AllergyIntolerance } from '@medplum/fhirtypes';
import type { ConversionContext } from './conversion-context';
import { codeableConcept } from './v2-datatypes';
import type { V2Segment } from './v2-message';
import { ALLERGY_CATEGORY, ALLERGY_CRITICALITY } from './v2-tables';

/**
 * AL1 → US Core AllergyIntolerance, after the HL7 v2-to-FHIR segment map AL1 → AllergyIntolerance
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-segment-al1-to-allergyintolerance.html).
 * Keyed on the patient and the allergen code (AL1-3); an AL1 without an allergen is skipped.
 */
export function mapAllergy(ctx: ConversionContext, al1: V2Segment, patient: { id: string; key: string }): (AllergyIntolerance & { id: string }) | undefined {
  const allergen = al1.rep(3);
  const code = codeableConcept(allergen, ctx.dialect, 'AL1-3');
  if (!code) return undefined;
  const naturalKey = `${patient.key}|${al1.value(3, 3)}|${al1.value(3, 1) || al1.value(3, 2)}`;
  const allergy: AllergyIntolerance & { id: string } = {
    resourceType: 'AllergyIntolerance',
    id: ctx.id('AllergyIntolerance', naturalKey),
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active', display: 'Active' }],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed', display: 'Confirmed' }],
    },
    type: 'allergy',
    code,
    patient: ctx.ref('Patient', patient.id),
  };
  const category = ALLERGY_CATEGORY[al1.value(2).toUpperCase()];
  if (category) allergy.category = [category];
  const criticality = ALLERGY_CRITICALITY[al1.value(4).toUpperCase()];
  if (criticality) allergy.criticality = criticality;
  const reactions = al1.texts(5);
  const onset = ctx.dateTime(al1, 6);
  if (onset) allergy.onsetDateTime = onset.dateTime;
  if (reactions.length) allergy.reaction = [{ manifestation: reactions.map((text) => ({ text })) }];
  return allergy;
}
