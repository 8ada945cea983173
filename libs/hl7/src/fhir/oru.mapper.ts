import type { Attachment, CodeableConcept, DiagnosticReport, Identifier, Patient, Resource } from '@medplum/fhirtypes';
import { Hl7ErrorCode } from '../hl7-ack';
import { failConversion, type ConversionContext } from './conversion-context';
import type { Hl7Conversion } from './conversion.types';
import { encounterReference } from './encounter.mapper';
import { mapObx, type ObxGroup } from './observation.mapper';
import { mapPatient, requirePatientSegment } from './patient.mapper';
import { asCode, codeableConcept, entityKey, orderIdentifier } from './v2-datatypes';
import type { V2Segment } from './v2-message';
import { REPORT_STATUS } from './v2-tables';

/**
 * ORU^R01 (unsolicited observation result) → US Core DiagnosticReport (lab) per OBR and
 * US Core Observation (lab) per OBX, after the HL7 v2-to-FHIR message map ORU^R01 → Bundle
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-message-oru-r01-to-bundle.html).
 */

/** An OBR with the OBX (and NTE) segments that belong to it. */
interface ObrGroup {
  readonly obr: V2Segment;
  readonly notes: V2Segment[];
  readonly results: ObxGroup[];
}

/**
 * Groups OBX under the preceding OBR and NTE under the preceding OBX (or OBR). Tolerates odd
 * orders: OBX sent before any OBR belong to the first OBR; other segments (ORC, SPM, TQ1, PV1…)
 * do not break a group.
 */
function groupResults(segments: readonly V2Segment[]): ObrGroup[] {
  const groups: ObrGroup[] = [];
  const orphans: ObxGroup[] = [];
  let group: ObrGroup | undefined;
  let lastObx: ObxGroup | undefined;
  for (const s of segments) {
    if (s.id === 'OBR') {
      group = { obr: s, notes: [], results: groups.length === 0 ? orphans : [] };
      groups.push(group);
      lastObx = undefined;
    } else if (s.id === 'OBX') {
      lastObx = { obx: s, notes: [] };
      (group?.results ?? orphans).push(lastObx);
    } else if (s.id === 'NTE') {
      if (lastObx) lastObx.notes.push(s);
      else group?.notes.push(s);
    } else if (s.id === 'SPM' || s.id === 'ORC' || s.id === 'PID') {
      lastObx = undefined;
    }
  }
  return groups;
}

/**
 * The natural key of a report: OBR-3 filler order number, else OBR-2 placer order number,
 * else the patient, OBR-4 code and OBR-7 time. 101 at OBR-3 when none of them is sent.
 */
function reportKey(ctx: ConversionContext, obr: V2Segment, patientKey: string): string {
  const filler = entityKey(obr.rep(3));
  if (filler) return `filler|${filler}`;
  const placer = entityKey(obr.rep(2));
  if (placer) return `placer|${placer}`;
  const code = obr.value(4, 1);
  const when = ctx.dateTime(obr, 7);
  if (code && when) return `order|${patientKey}|${obr.value(4, 3)}|${code}|${when.dateTime}`;
  return failConversion(Hl7ErrorCode.RequiredFieldMissing, 'filler or placer order number is missing', {
    segment: 'OBR',
    sequence: obr.sequence,
    field: 3,
  });
}

const LAB_CATEGORY: CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }],
};

export function convertOru(ctx: ConversionContext): Omit<Hl7Conversion, 'messageType'> {
  const pid = requirePatientSegment(ctx);
  const groups = groupResults(ctx.message.segments);
  if (groups.length === 0) failConversion(Hl7ErrorCode.RequiredFieldMissing, 'required segment OBR is missing', { segment: 'OBR' });
  const { patient, key } = mapPatient(ctx, pid);
  const subject = ctx.ref<Patient>('Patient', patient.id);
  const encounter = encounterReference(ctx, key);
  const resources: Resource[] = [patient];
  const events: Hl7Conversion['events'] = [];
  const taken = new Set<string>();

  for (const group of groups) {
    const obr = group.obr;
    const parentKey = reportKey(ctx, obr, key);
    const effective = ctx.dateTime(obr, 7);
    const issued = ctx.dateTime(obr, 22);
    const report: DiagnosticReport & { id: string } = {
      resourceType: 'DiagnosticReport',
      id: ctx.id('DiagnosticReport', parentKey),
      status: REPORT_STATUS[obr.value(25).toUpperCase()] ?? 'unknown',
      category: [LAB_CATEGORY],
      code: codeableConcept(obr.rep(4), ctx.dialect, 'OBR-4') ?? { text: 'unknown' },
      subject,
      ...(encounter ? { encounter } : {}),
    };
    const identifier = [orderIdentifier(obr.rep(2), 'PLAC', ctx.dialect), orderIdentifier(obr.rep(3), 'FILL', ctx.dialect)].filter((i): i is Identifier => i !== undefined);
    if (identifier.length) report.identifier = identifier;
    const section = obr.value(24).toUpperCase();
    if (section && section !== 'LAB') report.category?.push({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: asCode(section) }] });
    if (effective) report.effectiveDateTime = effective.dateTime;
    if (issued?.instant) report.issued = issued.instant;
    const interpreter = obr.rep(32).sub(1);
    const interpreterName = [interpreter.c(3), interpreter.c(2)].filter(Boolean).join(' ') || interpreter.c(1);
    if (interpreterName) report.resultsInterpreter = [{ display: interpreterName }];
    const conclusion = group.notes.flatMap((nte) => nte.texts(3)).join('\n');
    if (conclusion) report.conclusion = conclusion;

    const observations: Resource[] = [];
    const presentedForm: Attachment[] = [];
    group.results.forEach((result, i) => {
      const mapped = mapObx(ctx, result, {
        parentKey,
        position: i + 1,
        taken,
        category: { code: 'laboratory', display: 'Laboratory' },
        subject,
        ...(encounter ? { encounter } : {}),
        ...(effective ? { fallbackEffective: effective.dateTime } : {}),
      });
      if (mapped?.kind === 'observation') observations.push(mapped.observation);
      else if (mapped?.kind === 'attachment') presentedForm.push(mapped.attachment);
    });
    if (observations.length) report.result = observations.map((o) => ({ reference: `Observation/${o.id}` }));
    if (presentedForm.length) report.presentedForm = presentedForm;
    resources.push(report, ...observations);
    events.push({ type: 'result.received', resourceType: 'DiagnosticReport', resourceId: report.id });
  }
  return { patientKey: key, resources, events };
}
