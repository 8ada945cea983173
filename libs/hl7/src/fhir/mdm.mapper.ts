import type { Attachment, CodeableConcept, DocumentReference, Resource } from '@medplum/fhirtypes';
import { Hl7ErrorCode } from '../hl7-ack';
import { failConversion, type ConversionContext } from './conversion-context';
import type { Hl7Conversion } from './conversion.types';
import { encounterReference } from './encounter.mapper';
import { encapsulatedData } from './observation.mapper';
import { mapPatient, requirePatientSegment } from './patient.mapper';
import { codeableConcept, entityKey, identifierSystem, personDisplay } from './v2-datatypes';
import type { V2Segment } from './v2-message';
import { DOCUMENT_STATUS, DOCUMENT_TYPE_LOINC, LOINC } from './v2-tables';

/**
 * MDM^T02 (original document notification and content) → US Core DocumentReference, after the
 * HL7 v2-to-FHIR segment map TXA → DocumentReference
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-segment-txa-to-documentreference.html).
 * The document body is the text of the OBX segments (one line per OBX-5 repetition) as a
 * text/plain attachment; OBX of type ED add their own attachment.
 */

const CLINICAL_NOTE: CodeableConcept = {
  coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }],
};
const MIME_TYPE_SUFFICIENT = {
  system: 'http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode',
  code: 'urn:ihe:iti:xds:2017:mimeTypeSufficient',
  display: 'mimeType Sufficient',
};

/** TXA-2 → type: the dialect's mapped coding or a LOINC code as sent, else the LOINC note code for table 0270, plus the local coding. */
function documentType(ctx: ConversionContext, txa: V2Segment): CodeableConcept {
  const sent = codeableConcept(txa.rep(2), ctx.dialect, 'TXA-2');
  const codings = sent?.coding ?? [];
  if (codings.some((c) => c.system === LOINC)) return sent as CodeableConcept;
  const local = txa.value(2, 1).toUpperCase();
  const loinc = DOCUMENT_TYPE_LOINC[local];
  const localCodings = codings.map((c) => (c.system || txa.value(2, 3) ? c : { system: 'http://terminology.hl7.org/CodeSystem/v2-0270', ...c }));
  if (loinc) return { coding: [{ system: LOINC, ...loinc }, ...localCodings], ...(sent?.text ? { text: sent.text } : {}) };
  return sent ? { ...sent, coding: localCodings } : { text: 'unknown' };
}

/** The document text: every non-ED OBX-5 repetition, one line each (components of coded values joined by spaces). */
function documentText(obxs: readonly V2Segment[]): string {
  const lines: string[] = [];
  for (const obx of obxs) {
    const type = obx.value(2).toUpperCase();
    if (type === 'ED') continue;
    if (type === 'TX' || type === 'FT' || type === 'ST' || type === '') lines.push(...obx.texts(5));
    else for (const rep of obx.reps(5)) lines.push([1, 2, 3, 4, 5, 6].map((i) => rep.c(i)).filter(Boolean).join(' '));
  }
  return lines.join('\n');
}

export function convertMdm(ctx: ConversionContext): Omit<Hl7Conversion, 'messageType'> {
  const pid = requirePatientSegment(ctx);
  const txa = ctx.requireSegment('TXA');
  const documentNumber = entityKey(txa.rep(12));
  if (!documentNumber) {
    failConversion(Hl7ErrorCode.RequiredFieldMissing, 'unique document number is missing', { segment: 'TXA', sequence: txa.sequence, field: 12 });
  }
  const obxs = ctx.message.all('OBX');
  const content: { attachment: Attachment; format: typeof MIME_TYPE_SUFFICIENT }[] = [];
  const text = documentText(obxs);
  if (text) content.push({ attachment: { contentType: 'text/plain', data: Buffer.from(text, 'utf8').toString('base64') }, format: MIME_TYPE_SUFFICIENT });
  for (const obx of obxs) {
    if (obx.value(2).toUpperCase() !== 'ED') continue;
    const attachment = encapsulatedData(obx);
    if (attachment) content.push({ attachment, format: MIME_TYPE_SUFFICIENT });
  }
  if (content.length === 0) {
    const first = obxs[0];
    failConversion(
      Hl7ErrorCode.RequiredFieldMissing,
      'document content is missing',
      first ? { segment: 'OBX', sequence: first.sequence, field: 5 } : { segment: 'OBX' },
    );
  }

  const { patient, key } = mapPatient(ctx, pid);
  const activity = ctx.dateTime(txa, 4);
  const origination = ctx.dateTime(txa, 6);
  const created = origination ?? activity;
  const encounter = encounterReference(ctx, key);
  const master = txa.rep(12);
  const documentIdentifier = {
    system: identifierSystem({ value: master.c(1), authority: master.c(2), universalId: master.c(3), universalIdType: master.c(4).toUpperCase(), typeCode: '' }, ctx.dialect),
    value: master.c(1),
  };
  const document: DocumentReference & { id: string } = {
    resourceType: 'DocumentReference',
    id: ctx.id('DocumentReference', `document|${documentNumber}`),
    masterIdentifier: documentIdentifier,
    identifier: [{ ...documentIdentifier }],
    status: 'current',
    type: documentType(ctx, txa),
    category: [CLINICAL_NOTE],
    subject: ctx.ref('Patient', patient.id),
    content,
  };
  const docStatus = DOCUMENT_STATUS[txa.value(17).toUpperCase()];
  if (docStatus) document.docStatus = docStatus;
  if (created?.instant) document.date = created.instant;
  const authors = [...txa.reps(9), ...txa.reps(5)].map(personDisplay).filter(Boolean);
  if (authors.length) document.author = [...new Set(authors)].map((display) => ({ display }));
  if (encounter || activity) {
    document.context = {
      ...(encounter ? { encounter: [encounter] } : {}),
      ...(activity ? { period: { start: activity.dateTime } } : {}),
    };
  }
  const resources: Resource[] = [patient, document];
  return { patientKey: key, resources, events: [{ type: 'document.created', resourceType: 'DocumentReference', resourceId: document.id }] };
}
