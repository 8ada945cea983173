import type { CodeableConcept, DocumentReference, Encounter } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';
import { athenaFhirId } from '../athena-ids';
import { resolveDateTime, type AthenaClinicalDocument } from '../wire';
import { SYSTEMS, athenaRef, athenaSystem, coding, concept, departmentZone, metaOf, patientRef, practiceRef, practitionerRef, type AthenaChartScope, type AthenaMapContext } from './map-context';

/** athena document subclasses → LOINC document types (US Core DocumentReference type value set). */
export const SUBCLASS_LOINC: Readonly<Record<string, [string, string]>> = {
  CLINICALDOCUMENT: ['34133-9', 'Summary of episode note'],
  CLINICALDOCUMENT_CONSULTNOTE: ['11488-4', 'Consult note'],
  CLINICALDOCUMENT_ADMISSIONDISCHARGE: ['18842-5', 'Discharge summary'],
  CLINICALDOCUMENT_OPERATIVENOTE: ['11504-8', 'Surgical operation note'],
  CLINICALDOCUMENT_PROCEDURENOTE: ['28570-0', 'Procedure note'],
  PROGRESSNOTE: ['11506-3', 'Progress note'],
  PROCEDUREDOC: ['28570-0', 'Procedure note'],
};

const MIME_TYPE_SUFFICIENT = { system: 'http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode', code: 'urn:ihe:iti:xds:2017:mimeTypeSufficient', display: 'mimeType Sufficient' };

/** Inline content for a document whose body athena serves apart (its pages). */
export interface AthenaDocumentContent {
  contentType: string;
  base64: string;
}

/**
 * athena clinical document → US Core 6.1.0 DocumentReference: status current (entered-in-error when
 * athena deleted it), type LOINC by subclass (consult note 11488-4, a plain clinical document
 * 34133-9…) with athena's subclass, category clinical-note, the body inline as base64 with its MIME
 * type. A document whose body is neither inline nor given as `content` has nothing US Core can carry
 * (us-core-6 needs data or a URL): a typed vendor error, not an empty document.
 */
export function toDocumentReference(doc: AthenaClinicalDocument, ctx: AthenaMapContext, scope: AthenaChartScope, content?: AthenaDocumentContent): DocumentReference & { id: string } {
  const body = doc.content ?? content;
  if (!body) {
    throw new SbError(ErrorCode.VendorError, 'athena sent a document without its content', { details: { reason: 'document_content_unavailable', record: 'document' } });
  }
  const patientId = doc.patientId ?? scope.patientId;
  const subclass = doc.documentSubclass ?? 'CLINICALDOCUMENT';
  const loinc = SUBCLASS_LOINC[subclass] ?? SUBCLASS_LOINC.CLINICALDOCUMENT;
  const type = concept(
    [coding(SYSTEMS.loinc, loinc[0], loinc[1]), coding(athenaSystem('documentsubclass'), subclass), doc.documentTypeId ? coding(athenaSystem('documenttype', ctx.practiceId), doc.documentTypeId, doc.description) : undefined],
    doc.description ?? loinc[1],
  ) as CodeableConcept;
  const zone = departmentZone(ctx, doc.departmentId ?? scope.departmentId);
  const observed = doc.observedAt ? resolveDateTime(doc.observedAt, zone) : undefined;
  const date = doc.createdAt ?? (observed && observed.length > 10 ? observed : undefined);
  const context = {
    ...(doc.encounterId ? { encounter: [athenaRef<Encounter>(ctx, 'Encounter', 'encounter', doc.encounterId)] } : {}),
    ...(observed ? { period: { start: observed } } : {}),
  };
  return {
    resourceType: 'DocumentReference',
    id: athenaFhirId(ctx.practiceId, 'document', doc.clinicalDocumentId, patientId),
    meta: metaOf(ctx, 'us-core-documentreference', doc.lastModifiedAt),
    identifier: [{ system: athenaSystem('clinicaldocument', ctx.practiceId), value: doc.clinicalDocumentId }],
    status: doc.status === 'DELETED' ? 'entered-in-error' : 'current',
    ...(doc.status === 'CLOSED' ? { docStatus: 'final' as const } : doc.status === 'OPEN' || doc.status === 'REVIEW' ? { docStatus: 'preliminary' as const } : {}),
    type,
    category: [{ coding: [coding('http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', 'clinical-note', 'Clinical Note')] }],
    subject: patientRef(ctx, patientId),
    ...(date ? { date } : {}),
    ...(doc.providerId ? { author: [practitionerRef(ctx, doc.providerId)] } : {}),
    custodian: practiceRef(ctx),
    ...(doc.description ? { description: doc.description } : {}),
    content: [{ attachment: { contentType: body.contentType, data: body.base64, ...(doc.description ? { title: doc.description } : {}) }, format: MIME_TYPE_SUFFICIENT }],
    ...(Object.keys(context).length ? { context } : {}),
  };
}
