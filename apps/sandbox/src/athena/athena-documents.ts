import { EASTERN, isoWithOffset, parseUsDate, usDate } from './athena-time';
import type { AthenaParams } from './athena-params';

/** Subclasses athena accepts on POST …/documents/clinicaldocument. */
export const CLINICAL_DOCUMENT_SUBCLASSES = [
  'CLINICALDOCUMENT',
  'CLINICALDOCUMENT_ADMISSIONDISCHARGE',
  'CLINICALDOCUMENT_CONSULTNOTE',
  'CLINICALDOCUMENT_MENTALHEALTH',
  'CLINICALDOCUMENT_OPERATIVENOTE',
  'CLINICALDOCUMENT_URGENTCARE',
] as const;

/** The practice's document types (practice-configured in athena; 423482 is the one Metriport writes notes with). */
export const DOCUMENT_TYPES: Readonly<Record<number, string>> = { 423482: 'Clinical Note', 186_003: 'Visit summary', 186_004: 'Outside records' };
export const DEFAULT_DOCUMENT_TYPE = 423482;
const ATTACHMENT_TYPES: Readonly<Record<string, string>> = { PDF: 'application/pdf', JPG: 'image/jpeg', JPEG: 'image/jpeg', PNG: 'image/png', TIFF: 'image/tiff', GIF: 'image/gif', TXT: 'text/plain', HTML: 'text/html' };

export type DocumentContent = { kind: 'text'; text: string } | { kind: 'attachment'; contentType: string; bytes: Buffer };

export interface ClinicalDocument {
  clinicaldocumentid: number;
  patientid: string;
  departmentid: string;
  documentsubclass: string;
  documenttypeid: number | undefined;
  description: string;
  providerid?: number;
  encounterid?: string;
  status: 'OPEN' | 'CLOSED';
  createdMs: number;
  lastmodifiedMs: number;
  observationMs: number;
  source: string;
  internalnote?: string;
  priority: number;
  content: DocumentContent;
}

export const clinicalDocumentOf = (d: Omit<ClinicalDocument, 'lastmodifiedMs' | 'priority'> & { priority?: number }): ClinicalDocument => ({
  ...d,
  priority: d.priority ?? 2,
  lastmodifiedMs: d.createdMs,
});

/**
 * GET …/documents/clinicaldocument item: clinicaldocumentid, documenttypeid,
 * providerid and priority as numbers, departmentid a string, ISO datetimes with
 * the Eastern offset. Text notes carry `documentdata`; attachments list `pages`.
 */
export function renderDocument(d: ClinicalDocument, practiceId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    clinicaldocumentid: d.clinicaldocumentid,
    patientid: d.patientid,
    departmentid: d.departmentid,
    documentclass: 'CLINICALDOCUMENT',
    documentsubclass: d.documentsubclass,
    documentdescription: d.description,
    status: d.status,
    priority: d.priority,
    createddate: usDate(d.createdMs, EASTERN),
    createddatetime: isoWithOffset(d.createdMs, EASTERN),
    lastmodifieddatetime: isoWithOffset(d.lastmodifiedMs, EASTERN),
    observationdatetime: isoWithOffset(d.observationMs, EASTERN),
    documentroute: d.source === 'ENCOUNTER' ? 'INTERFACE' : 'API',
    documentsource: d.source,
  };
  if (d.documenttypeid !== undefined) out.documenttypeid = d.documenttypeid;
  if (d.providerid !== undefined) out.providerid = d.providerid;
  if (d.encounterid !== undefined) out.encounterid = Number(d.encounterid);
  if (d.internalnote) out.internalnote = d.internalnote;
  if (d.content.kind === 'text') out.documentdata = d.content.text;
  else {
    out.pages = [
      {
        pageid: '1',
        pageordering: '1',
        contenttype: d.content.contentType,
        href: `/v1/${practiceId}/patients/${d.patientid}/documents/clinicaldocument/${d.clinicaldocumentid}/pages/1`,
      },
    ];
  }
  return out;
}

export type UploadCheck = { ok: true; upload: Omit<ClinicalDocument, 'clinicaldocumentid' | 'patientid' | 'createdMs' | 'lastmodifiedMs' | 'observationMs'> & { observationDate?: string; observationTime?: string } } | { ok: false; errormessage: string };

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/**
 * POST …/documents/clinicaldocument's checks. Every refusal is athena's
 * "200 that is a failure": `{"success":"false","errormessage":…}`.
 */
export function checkUpload(params: AthenaParams, departmentExists: (id: string) => boolean): UploadCheck {
  const departmentid = params.get('departmentid');
  const subclass = params.get('documentsubclass');
  const missing = [departmentid ? undefined : 'departmentid', subclass ? undefined : 'documentsubclass'].filter(Boolean);
  if (missing.length > 0) return { ok: false, errormessage: `Additional fields are required: ${missing.join(', ')}.` };
  if (!departmentExists(departmentid as string)) return { ok: false, errormessage: 'The department ID is invalid.' };
  if (!(CLINICAL_DOCUMENT_SUBCLASSES as readonly string[]).includes((subclass as string).toUpperCase())) return { ok: false, errormessage: 'Invalid DOCUMENTSUBCLASS input.' };
  const typeText = params.get('documenttypeid');
  const documenttypeid = typeText === undefined ? DEFAULT_DOCUMENT_TYPE : Number(typeText);
  if (!DOCUMENT_TYPES[documenttypeid]) return { ok: false, errormessage: 'Invalid DOCUMENTTYPEID input.' };
  const text = params.get('documentdata');
  const attachment = params.get('attachmentcontents');
  if (!text && !attachment) return { ok: false, errormessage: 'Either documentdata or attachmentcontents is required.' };
  let content: DocumentContent;
  if (attachment) {
    const type = (params.get('attachmenttype') ?? 'PDF').toUpperCase();
    const contentType = ATTACHMENT_TYPES[type];
    if (!contentType) return { ok: false, errormessage: 'Invalid ATTACHMENTTYPE input.' };
    if (!BASE64.test(attachment)) return { ok: false, errormessage: 'The attachment contents are not valid base64.' };
    content = { kind: 'attachment', contentType, bytes: Buffer.from(attachment, 'base64') };
  } else content = { kind: 'text', text: text as string };
  const observationDate = params.get('observationdate');
  if (observationDate !== undefined && !parseUsDate(observationDate)) return { ok: false, errormessage: 'Invalid OBSERVATIONDATE input.' };
  const providerText = params.get('providerid');
  const autoclose = (params.get('autoclose') ?? 'false').toLowerCase() === 'true';
  const priority = params.get('priority');
  return {
    ok: true,
    upload: {
      departmentid: departmentid as string,
      documentsubclass: (subclass as string).toUpperCase(),
      documenttypeid,
      description: DOCUMENT_TYPES[documenttypeid] as string,
      providerid: providerText !== undefined && /^\d+$/.test(providerText) ? Number(providerText) : undefined,
      status: autoclose ? 'CLOSED' : 'OPEN',
      source: 'API',
      internalnote: params.get('internalnote'),
      priority: priority === '1' ? 1 : 2,
      content,
      observationDate,
      observationTime: params.get('observationtime'),
    },
  };
}
