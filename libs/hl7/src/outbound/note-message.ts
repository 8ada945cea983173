import type { Attachment, DocumentReference, Patient, Practitioner } from '@medplum/fhirtypes';
import { assemble, checkHeaderOptions, patientIdentifiers, pidSegment, pv1Segment, type OutboundHeaderOptions } from './common-segments';
import { Hl7BuildError } from './hl7-build-error';
import { comp, cwe, ei, hl7DateTime, hl7Timestamp, resolvePractitioner, segment, textLines, xcn, type Encoded, type Part } from './v2-datatypes';

export interface NoteMessageOptions extends OutboundHeaderOptions {
  /** Practitioners the document refers to (author, authenticator), when not contained in it. */
  practitioners?: readonly Practitioner[];
}

/** LOINC note types with a code of their own in HL7 user-defined table 0270 (document type). */
const DOCUMENT_TYPE_0270: Readonly<Record<string, string>> = {
  '11506-3': 'PR', // Progress note
  '34117-2': 'HP', // History and physical note
  '11488-4': 'CN', // Consult note
  '18842-5': 'DS', // Discharge summary
  '28570-0': 'PN', // Procedure note
  '11504-8': 'OP', // Surgical operation note
  '34111-5': 'ED', // Emergency department note
  '18748-4': 'DI', // Diagnostic imaging study
  '18761-7': 'TS', // Transfer summary note
};

/** DocumentReference.docStatus → TXA-17 document completion status (table 0271). */
const COMPLETION: Readonly<Record<NonNullable<DocumentReference['docStatus']>, string>> = {
  preliminary: 'IP',
  final: 'AU',
  amended: 'AU',
  'entered-in-error': 'AU',
};

/** DocumentReference.status → TXA-19 document availability status (table 0273). */
const AVAILABILITY: Readonly<Record<DocumentReference['status'], string>> = {
  current: 'AV',
  superseded: 'OB',
  'entered-in-error': 'CA',
};

/** docStatus → OBX-11 observation result status (table 0085). */
const RESULT_STATUS: Readonly<Record<NonNullable<DocumentReference['docStatus']>, string>> = {
  preliminary: 'P',
  final: 'F',
  amended: 'C',
  'entered-in-error': 'W',
};

/**
 * Writes a DocumentReference as `MDM^T02` (original document notification and content),
 * HL7 v2.5.1 chapter 9 ("MDM/ACK - original document notification and content (event T02)",
 * "TXA - transcription document header segment"),
 * https://www.hl7.org/implement/standards/product_brief.cfm?product_id=144, with the
 * TXA mappings of the FHIR DocumentReference ↔ v2 table (masterIdentifier TXA-12,
 * status TXA-19, docStatus TXA-17, type TXA-2, author TXA-9, authenticator TXA-10).
 *
 * Segments: MSH, EVN, PID, PV1, TXA, OBX…
 * - TXA-2: the table 0270 code for known LOINC note types, else the type's code itself
 *   (0270 is user-defined). TXA-3 `TX`. TXA-4 activity: `context.period.start`, else
 *   `date`. TXA-6 origination: `date`. TXA-12 unique document number: masterIdentifier,
 *   else the first identifier, else the id.
 * - One OBX per line of every inline `text/*` attachment (OBX-2 `TX`, OBX-3 the document
 *   type, OBX-4 the attachment's ordinal); other inline attachments as one `ED` OBX
 *   (Base64). Attachments given only by URL are left out.
 *
 * Throws `Hl7BuildError` when `type`, `subject`, a patient identifier or inline content
 * is missing, or when attachment data is not decodable.
 */
export function buildNoteMessage(doc: DocumentReference, patient: Patient | undefined, opts: NoteMessageOptions): string {
  checkHeaderOptions(opts);
  const typeCoding = doc.type?.coding?.find((c) => c.code);
  if (!typeCoding?.code && !doc.type?.text) throw new Hl7BuildError('missing_document_type', 'DocumentReference.type');
  const identifiers = patientIdentifiers(patient, doc.subject, 'DocumentReference.subject');
  const documentNumber = doc.masterIdentifier?.value ?? doc.identifier?.find((i) => i.value)?.value ?? doc.id;
  if (!documentNumber) throw new Hl7BuildError('missing_order_number', 'DocumentReference.masterIdentifier');

  const contents = (doc.content ?? []).map((c, i) => decodeAttachment(c.attachment, i));
  const observationId = cwe(doc.type);
  const resultStatus = doc.docStatus ? RESULT_STATUS[doc.docStatus] : 'F';
  const obx: string[] = [];
  contents.forEach((content, index) => {
    if (!content) return;
    const subId = String(index + 1);
    if (content.kind === 'text') {
      for (const line of content.lines) obx.push(obxSegment(obx.length + 1, 'TX', observationId, subId, line, resultStatus));
    } else {
      obx.push(obxSegment(obx.length + 1, 'ED', observationId, subId, comp(undefined, content.typeOfData, content.subtype, 'Base64', content.data), resultStatus));
    }
  });
  if (obx.length === 0) throw new Hl7BuildError('missing_document_content', 'DocumentReference.content.attachment.data');

  const author = doc.author?.[0];
  const authenticator = doc.authenticator;
  const txa = segment('TXA', [
    '1',
    typeCoding?.code ? (DOCUMENT_TYPE_0270[typeCoding.code] ?? typeCoding.code) : doc.type?.text,
    contents.some((c) => c?.kind === 'text') ? 'TX' : 'AP',
    hl7DateTime(doc.context?.period?.start ?? doc.date),
    undefined,
    hl7DateTime(doc.date),
    undefined,
    undefined,
    optional(xcn(author, resolvePractitioner(author, doc.contained, opts.practitioners))),
    optional(xcn(authenticator, resolvePractitioner(authenticator, doc.contained, opts.practitioners))),
    undefined,
    ei(documentNumber, opts.sendingApplication),
    undefined,
    undefined,
    undefined,
    undefined,
    doc.docStatus ? COMPLETION[doc.docStatus] : 'DO',
    undefined,
    AVAILABILITY[doc.status] ?? 'AV',
  ]);

  return assemble(opts, ['MDM', 'T02', 'MDM_T02'], [
    // EVN-1 (deprecated but still commonly read) and EVN-2 recorded date/time.
    segment('EVN', ['T02', hl7Timestamp(opts.now)]),
    pidSegment(patient, identifiers),
    pv1Segment(opts.patientClass, doc.context?.encounter?.[0]),
    txa,
    ...obx,
  ]);
}

type DecodedContent = { kind: 'text'; lines: string[] } | { kind: 'binary'; typeOfData: string; subtype: string; data: string };

function decodeAttachment(attachment: Attachment | undefined, index: number): DecodedContent | undefined {
  if (!attachment?.data) return undefined;
  const path = `DocumentReference.content[${index}].attachment`;
  const data = attachment.data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) throw new Hl7BuildError('invalid_attachment', `${path}.data`);
  const [mime = 'application/octet-stream', ...params] = (attachment.contentType ?? 'text/plain').split(';').map((p) => p.trim());
  const [major = 'application', minor = 'octet-stream'] = mime.toLowerCase().split('/');
  if (major !== 'text') {
    // ED type of data (table 0191): images as IM, everything else as application data.
    return { kind: 'binary', typeOfData: major === 'image' ? 'IM' : 'AP', subtype: minor.toUpperCase(), data };
  }
  const charset = params.find((p) => p.toLowerCase().startsWith('charset='))?.slice('charset='.length).replace(/"/g, '') ?? 'utf-8';
  let text: string;
  try {
    text = new TextDecoder(charset).decode(Buffer.from(data, 'base64'));
  } catch {
    throw new Hl7BuildError('invalid_attachment', `${path}.contentType`);
  }
  return { kind: 'text', lines: textLines(text) };
}

function obxSegment(setId: number, valueType: 'TX' | 'ED', observationId: Encoded, subId: string, value: Part, resultStatus: string): string {
  // A blank line stays an OBX with an empty OBX-5 (OBX-11 follows, so it is not trimmed away).
  return segment('OBX', [String(setId), valueType, observationId, subId, value, undefined, undefined, undefined, undefined, undefined, resultStatus]);
}

const optional = (value: Encoded): Encoded | undefined => (value.text === '' ? undefined : value);
