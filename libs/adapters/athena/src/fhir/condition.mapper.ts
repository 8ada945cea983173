import type { CodeableConcept, Condition } from '@medplum/fhirtypes';
import { athenaFhirId } from '../athena-ids';
import type { AthenaProblem, AthenaProblemEvent } from '../wire';
import { SYSTEMS, coding, concept, metaOf, patientRef, type AthenaChartScope, type AthenaMapContext } from './map-context';

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

/** Events in time order (by start, then created date); athena lists them in no promised order. */
function chronological(events: readonly AthenaProblemEvent[]): AthenaProblemEvent[] {
  const when = (e: AthenaProblemEvent) => e.startDate ?? e.createdDate ?? '';
  return [...events].sort((a, b) => when(a).localeCompare(when(b)));
}

function problemCode(p: AthenaProblem): CodeableConcept {
  const main = p.code && p.codeset === 'SNOMED' ? coding(SYSTEMS.snomed, p.code, p.name) : p.code && p.codeset?.startsWith('ICD10') ? coding(SYSTEMS.icd10cm, p.code, p.name) : undefined;
  const icd = p.bestMatchIcd10Code && main?.system !== SYSTEMS.icd10cm ? coding(SYSTEMS.icd10cm, p.bestMatchIcd10Code) : undefined;
  return concept([main, icd], p.name ?? p.code) ?? { text: 'Problem' };
}

/**
 * athena problem → US Core 6.1.0 Condition (Problems and Health Concerns): SNOMED and ICD-10-CM codes,
 * category problem-list-item; clinical status from the last event (END → resolved, its date the
 * abatement), onset from the first event, recorded date when athena entered it.
 */
export function toCondition(p: AthenaProblem, ctx: AthenaMapContext, scope: AthenaChartScope): Condition & { id: string } {
  const events = chronological(p.events);
  const first = events[0];
  const last = events[events.length - 1];
  const resolved = last?.eventType === 'END';
  const onset = first?.onsetDate ?? first?.startDate;
  const recorded = first?.createdDate;
  const condition: Condition & { id: string } = {
    resourceType: 'Condition',
    id: athenaFhirId(ctx.practiceId, 'problem', p.problemId, scope.patientId),
    meta: metaOf(ctx, 'us-core-condition-problems-health-concerns', p.lastModifiedAt),
    clinicalStatus: { coding: [resolved ? coding(CLINICAL, 'resolved', 'Resolved') : coding(CLINICAL, 'active', 'Active')] },
    verificationStatus: { coding: [coding(VERIFICATION, 'confirmed', 'Confirmed')] },
    category: [{ coding: [coding('http://terminology.hl7.org/CodeSystem/condition-category', 'problem-list-item', 'Problem List Item')] }],
    code: problemCode(p),
    subject: patientRef(ctx, scope.patientId),
  };
  if (onset) condition.onsetDateTime = onset;
  if (resolved && (last.startDate ?? last.createdDate)) condition.abatementDateTime = last.startDate ?? last.createdDate;
  if (recorded) condition.recordedDate = recorded;
  const notes = events.map((e) => e.note).filter((n): n is string => !!n);
  if (notes.length) condition.note = notes.map((text) => ({ text }));
  return condition;
}
