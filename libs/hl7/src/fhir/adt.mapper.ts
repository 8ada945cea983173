import type { Patient, Resource } from '@medplum/fhirtypes';
import { Hl7ErrorCode } from '../hl7-ack';
import { mapAllergy } from './allergy.mapper';
import { failConversion, type ConversionContext } from './conversion-context';
import type { Hl7Conversion, Hl7EventType, Hl7PatientMerge } from './conversion.types';
import { mapEncounter, type EncounterOptions } from './encounter.mapper';
import { mapObx, type ObxGroup } from './observation.mapper';
import { chooseMergedIdentifier, mapPatient, requirePatientSegment } from './patient.mapper';
import type { V2Segment } from './v2-message';

/**
 * ADT (admit, discharge, transfer) messages → Patient, Encounter, AllergyIntolerance and
 * Observation, after the HL7 v2-to-FHIR message maps (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-message-adt-a01-to-bundle.html).
 */

interface AdtTrigger {
  /** Encounter handling; undefined: no Encounter (person-level events). */
  readonly encounter?: EncounterOptions & { readonly requiresPv1: boolean; readonly keyFallback: boolean };
  readonly event?: { readonly type: Hl7EventType; readonly on: 'Patient' | 'Encounter' };
}

export const ADT_TRIGGERS: Readonly<Record<string, AdtTrigger>> = {
  A01: { encounter: { status: 'in-progress', requiresPv1: true, keyFallback: true }, event: { type: 'patient.admitted', on: 'Encounter' } },
  A02: { encounter: { status: 'in-progress', requiresPv1: true, keyFallback: true }, event: { type: 'patient.transferred', on: 'Encounter' } },
  A03: { encounter: { status: 'finished', requiresPv1: true, keyFallback: true }, event: { type: 'patient.discharged', on: 'Encounter' } },
  A04: { encounter: { status: 'arrived', defaultClass: 'O', requiresPv1: false, keyFallback: true }, event: { type: 'patient.registered', on: 'Patient' } },
  A08: { encounter: { status: 'derive', requiresPv1: false, keyFallback: false }, event: { type: 'patient.updated', on: 'Patient' } },
  A11: { encounter: { status: 'entered-in-error', requiresPv1: true, keyFallback: true } },
  A13: { encounter: { status: 'in-progress', requiresPv1: true, keyFallback: true } },
  A28: { event: { type: 'patient.registered', on: 'Patient' } },
  A31: { event: { type: 'patient.updated', on: 'Patient' } },
  A40: {},
};

export function convertAdt(ctx: ConversionContext, trigger: string): Omit<Hl7Conversion, 'messageType'> {
  if (trigger === 'A40') return convertMerge(ctx);
  const spec = ADT_TRIGGERS[trigger];
  const pid = requirePatientSegment(ctx);
  const { patient, key } = mapPatient(ctx, pid);
  const resources: Resource[] = [patient];
  const patientRef = { id: patient.id, key };

  let encounterId: string | undefined;
  let parentKey = `patient|${key}`;
  if (spec.encounter) {
    const pv1 = spec.encounter.requiresPv1 ? ctx.requireSegment('PV1') : ctx.message.first('PV1');
    if (pv1) {
      const fallbackKey = spec.encounter.keyFallback ? `message|${key}|${ctx.message.header.controlId}` : undefined;
      const encounter = mapEncounter(ctx, pv1, patientRef, { ...spec.encounter, fallbackKey });
      if (encounter) {
        resources.push(encounter);
        encounterId = encounter.id;
        parentKey = `encounter|${encounter.id}`;
      }
    }
  }

  for (const al1 of ctx.message.all('AL1')) {
    const allergy = mapAllergy(ctx, al1, patientRef);
    if (allergy && !resources.some((r) => r.id === allergy.id && r.resourceType === 'AllergyIntolerance')) resources.push(allergy);
  }
  const taken = new Set<string>();
  obxGroups(ctx.message.segments).forEach((group, i) => {
    const mapped = mapObx(ctx, group, {
      parentKey,
      position: i + 1,
      taken,
      category: { code: 'exam', display: 'Exam' },
      subject: ctx.ref('Patient', patient.id),
      ...(encounterId ? { encounter: ctx.ref('Encounter', encounterId) } : {}),
    });
    if (mapped?.kind === 'observation') resources.push(mapped.observation);
  });

  const events: Hl7Conversion['events'] = [];
  if (spec.event) {
    const onEncounter = spec.event.on === 'Encounter' && encounterId !== undefined;
    events.push({
      type: spec.event.type,
      resourceType: onEncounter ? 'Encounter' : 'Patient',
      resourceId: onEncounter && encounterId ? encounterId : patient.id,
    });
  }
  return { patientKey: key, resources, events };
}

/** Every OBX with the NTE segments right after it. */
function obxGroups(segments: readonly V2Segment[]): ObxGroup[] {
  const groups: ObxGroup[] = [];
  let current: ObxGroup | undefined;
  for (const s of segments) {
    if (s.id === 'OBX') {
      current = { obx: s, notes: [] };
      groups.push(current);
    } else if (s.id === 'NTE') {
      current?.notes.push(s);
    } else {
      current = undefined;
    }
  }
  return groups;
}

/** One PATIENT group of ADT_A39: a PID and the MRG that follows it (PD1, PV1 between are ignored). */
interface MergePair {
  readonly pid: V2Segment;
  readonly mrg: V2Segment;
}

/**
 * The PID/MRG pairs of an ADT^A40, in message order (ADT_A39 structure: `{PID [PD1] MRG [PV1]}`).
 * An MRG before any PID or a second MRG for one PID is 100; a PID without its MRG is 101.
 */
function mergePairs(ctx: ConversionContext): MergePair[] {
  const groups: { pid: V2Segment; mrg?: V2Segment }[] = [];
  for (const s of ctx.message.segments) {
    if (s.id === 'PID') groups.push({ pid: s });
    else if (s.id === 'MRG') {
      const current = groups[groups.length - 1];
      if (!current || current.mrg) failConversion(Hl7ErrorCode.SegmentSequenceError, 'MRG must follow its own PID', { segment: 'MRG', sequence: s.sequence });
      current.mrg = s;
    }
  }
  if (groups.length === 0) failConversion(Hl7ErrorCode.RequiredFieldMissing, 'required segment PID is missing', { segment: 'PID' });
  return groups.map(({ pid, mrg }, i) => ({
    pid,
    mrg: mrg ?? failConversion(Hl7ErrorCode.RequiredFieldMissing, 'required segment MRG is missing', { segment: 'MRG', sequence: i + 1 }),
  }));
}

/**
 * ADT^A40 (merge patient): each PID/MRG pair merges MRG-1's patient (retired) into PID's
 * (surviving), https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-message-adt-a40-to-bundle.html.
 * Only the surviving Patients are emitted (with `link` replaces); the store applies `merges` in
 * message order, and each pair gets its own `patient.merged`. A pair whose MRG names the PID's own
 * patient merges nothing: no merge, no event. A survivor named by several pairs is emitted once,
 * with the later PID's demographics and every `replaces` link.
 */
function convertMerge(ctx: ConversionContext): Omit<Hl7Conversion, 'messageType'> {
  const survivors = new Map<string, Patient & { id: string }>();
  const merges: Hl7PatientMerge[] = [];
  const events: Hl7Conversion['events'] = [];
  let patientKey: string | undefined;
  for (const { pid, mrg } of mergePairs(ctx)) {
    const { patient, key } = mapPatient(ctx, pid);
    patientKey ??= key;
    const retired =
      chooseMergedIdentifier(mrg, ctx.dialect) ??
      failConversion(Hl7ErrorCode.RequiredFieldMissing, 'prior patient identifier is missing', { segment: 'MRG', sequence: mrg.sequence, field: 1 });
    const retiredPatientId = ctx.id('Patient', retired.key);
    const links = survivors.get(patient.id)?.link ?? [];
    if (retiredPatientId !== patient.id) {
      if (!links.some((l) => l.other.reference === `Patient/${retiredPatientId}`)) links.push({ other: ctx.ref('Patient', retiredPatientId), type: 'replaces' });
      merges.push({ survivorPatientId: patient.id, retiredPatientId });
      events.push({ type: 'patient.merged', resourceType: 'Patient', resourceId: patient.id, retiredPatientId });
    }
    if (links.length) patient.link = links;
    // A survivor seen before keeps its place: the first pair's patient stays first.
    survivors.set(patient.id, patient);
  }
  return { patientKey: patientKey ?? null, resources: [...survivors.values()], merges, events };
}
