import { z } from 'zod';
import { parseAthenaDate, parseAthenaTime } from './athena-time';
import { malformedResponse, parseOrFail } from './wire-errors';
import { compact, list, optEasternDateTime, optDateOrDateTime, optId, optText } from './wire-primitives';
import { parseSingle, type AthenaPage } from './wire-records';

/** athena's `attachmenttype` / `contenttype` spellings → MIME types. */
const ATTACHMENT_MIME: Readonly<Record<string, string>> = {
  PDF: 'application/pdf',
  JPG: 'image/jpeg',
  JPEG: 'image/jpeg',
  PNG: 'image/png',
  GIF: 'image/gif',
  TIF: 'image/tiff',
  TIFF: 'image/tiff',
  TXT: 'text/plain',
  TEXT: 'text/plain',
  HTML: 'text/html',
  XML: 'application/xml',
};

/** A MIME type for athena's `attachmenttype` (`PDF`) or an already-MIME `contenttype`; undefined when unknown. */
export function mimeTypeOf(athenaType: string | undefined): string | undefined {
  if (!athenaType) return undefined;
  if (/^[a-z]+\/[a-z0-9.+-]+$/i.test(athenaType)) return athenaType.toLowerCase();
  return ATTACHMENT_MIME[athenaType.toUpperCase()];
}

export interface AthenaDocumentPage {
  pageId?: string;
  contentType?: string;
  href?: string;
}

/**
 * A clinical document (`GET /patients/{patientid}/documents/clinicaldocument[/{id}]`), fields after
 * [NET] Document.cs and the write parameters in /work/shared/notes/athena.md §4 (`documentdata` for
 * text, `attachmentcontents` base64 + `attachmenttype`).
 */
export interface AthenaClinicalDocument {
  clinicalDocumentId: string;
  patientId?: string;
  departmentId?: string;
  documentClass?: string;
  /** CLINICALDOCUMENT, CLINICALDOCUMENT_CONSULTNOTE… (upper-cased). */
  documentSubclass?: string;
  documentTypeId?: string;
  /** `documentdescription` or `documenttype`. */
  description?: string;
  /** athena's document status (OPEN, CLOSED, REVIEW, DELETED…), upper-cased. */
  status?: string;
  encounterId?: string;
  providerId?: string;
  /** When the observation was made: `observationdatetime` (ISO with offset), else `observationdate` + `observationtime`, department-local (`YYYY-MM-DDTHH:mm:ss`, placed by `resolveDateTime`), else a date. */
  observedAt?: string;
  /** `createddatetime` (ISO, or a US Eastern server stamp). */
  createdAt?: string;
  lastModifiedAt?: string;
  /** Inline content: `documentdata` as text/plain, or `attachmentcontents` (base64) with its MIME type. */
  content?: { contentType: string; base64: string };
  pages: AthenaDocumentPage[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const clinicalDocumentSchema = z
  .object({
    clinicaldocumentid: optId,
    documentid: optId,
    patientid: optId,
    departmentid: optId,
    documentclass: optText,
    documentsubclass: optText,
    documenttypeid: optText,
    documentdescription: optText,
    documenttype: optText,
    status: optText,
    encounterid: optId,
    providerid: optId,
    observationdatetime: optDateOrDateTime,
    observationdate: optText,
    observationtime: optText,
    createddatetime: optEasternDateTime,
    lastmodifieddatetime: optEasternDateTime,
    documentdata: z.string().optional().nullable(),
    attachmentcontents: optText,
    attachmenttype: optText,
    contenttype: optText,
    pages: list(z.object({ pageid: optText, contenttype: optText, href: optText })),
  })
  .superRefine((d, ctx) => {
    if (!d.clinicaldocumentid && !d.documentid) ctx.addIssue({ code: 'custom', path: ['clinicaldocumentid'], message: 'required' });
    if (d.observationdate && !parseAthenaDate(d.observationdate)) ctx.addIssue({ code: 'custom', path: ['observationdate'], message: 'expected MM/DD/YYYY' });
    if (d.observationtime && !parseAthenaTime(d.observationtime)) ctx.addIssue({ code: 'custom', path: ['observationtime'], message: 'expected HH:mm' });
    if (d.attachmentcontents !== undefined) {
      const data = d.attachmentcontents.replace(/\s+/g, '');
      if (!BASE64.test(data) || data.length % 4 !== 0) ctx.addIssue({ code: 'custom', path: ['attachmentcontents'], message: 'expected base64' });
      if (!mimeTypeOf(d.attachmenttype ?? d.contenttype)) ctx.addIssue({ code: 'custom', path: ['attachmenttype'], message: 'unknown attachment type' });
    }
  })
  .transform((d): AthenaClinicalDocument => {
    const date = d.observationdate ? parseAthenaDate(d.observationdate) : undefined;
    const time = d.observationtime ? parseAthenaTime(d.observationtime) : undefined;
    const text = typeof d.documentdata === 'string' && d.documentdata.trim() !== '' ? d.documentdata : undefined;
    const content = text
      ? { contentType: 'text/plain', base64: Buffer.from(text, 'utf8').toString('base64') }
      : d.attachmentcontents
        ? { contentType: mimeTypeOf(d.attachmenttype ?? d.contenttype) as string, base64: d.attachmentcontents.replace(/\s+/g, '') }
        : undefined;
    return compact({
      clinicalDocumentId: (d.clinicaldocumentid ?? d.documentid) as string,
      patientId: d.patientid,
      departmentId: d.departmentid,
      documentClass: d.documentclass?.toUpperCase(),
      documentSubclass: d.documentsubclass?.toUpperCase(),
      documentTypeId: d.documenttypeid,
      description: d.documentdescription ?? d.documenttype,
      status: d.status?.toUpperCase(),
      encounterId: d.encounterid,
      providerId: d.providerid,
      observedAt: d.observationdatetime ?? (date ? (time ? `${date}T${time}` : date) : undefined),
      createdAt: d.createddatetime,
      lastModifiedAt: d.lastmodifieddatetime,
      content,
      pages: d.pages.map((p) => compact({ pageId: p.pageid, contentType: mimeTypeOf(p.contenttype), href: p.href })),
    });
  });

/** One clinical document (a one-element array or an object). */
export const parseClinicalDocument = (json: unknown): AthenaClinicalDocument => parseSingle(clinicalDocumentSchema, json, 'document');

/** A list of clinical documents: `{clinicaldocuments: […]}` or `{documents: […]}` (or a bare array). */
export function parseClinicalDocumentPage(json: unknown): AthenaPage<AthenaClinicalDocument> {
  const items = Array.isArray(json) ? json : json && typeof json === 'object' ? ((json as Record<string, unknown>).clinicaldocuments ?? (json as Record<string, unknown>).documents) : undefined;
  if (items === undefined && !(json && typeof json === 'object' && Number((json as { totalcount?: unknown }).totalcount) === 0)) {
    throw malformedResponse('document', ['clinicaldocuments']);
  }
  const envelope = z.object({ items: list(clinicalDocumentSchema), totalcount: z.unknown(), next: optText });
  const page = parseOrFail(envelope, { ...(Array.isArray(json) ? {} : (json as object)), items }, 'document');
  const total = Number(page.totalcount);
  return { items: page.items, ...(page.totalcount !== undefined && Number.isFinite(total) ? { totalCount: total } : {}), next: page.next ?? null };
}
