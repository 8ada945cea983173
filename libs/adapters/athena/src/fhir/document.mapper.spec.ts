import type { Appointment, DocumentReference } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';
import { parseClinicalDocument, parseOpenSlotPage } from '../wire';
import * as F from '../wire/testing/athena-fixtures';
import { bookingForm, bookingFromAppointment, cancellationFromAppointment, clinicalDocumentFromDocumentReference, toDocumentReference } from './index';
import { CTX, expectConformant, SCOPE } from './testing/map-fixtures';

function issueOf(fn: () => unknown): { code: string; path: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof SbError) return { code: err.code, path: err.issues?.[0]?.path ?? '' };
    throw err;
  }
  throw new Error('expected an SbError');
}

const PDF_BASE64 = Buffer.from('%PDF-1.4 synthetic').toString('base64');

describe('toDocumentReference', () => {
  const note = toDocumentReference(parseClinicalDocument(F.CLINICAL_DOCUMENT), CTX, SCOPE);
  const pdf = toDocumentReference(
    parseClinicalDocument({ clinicaldocumentid: '102', documentsubclass: 'CLINICALDOCUMENT', attachmentcontents: PDF_BASE64, attachmenttype: 'PDF', status: 'OPEN', createddatetime: '2024-03-11T08:00:00-04:00' }),
    CTX,
    SCOPE,
  );

  it('conforms to R4 and US Core DocumentReference', () => expectConformant([note, pdf]));

  it('types the note by subclass and carries its text inline', () => {
    expect(note).toMatchObject({
      id: 'a-195900.document-5309-101',
      status: 'current',
      docStatus: 'final',
      type: { coding: [{ system: 'http://loinc.org', code: '11488-4' }, { code: 'CLINICALDOCUMENT_CONSULTNOTE' }, { code: '423482' }] },
      category: [{ coding: [{ code: 'clinical-note' }] }],
      subject: { reference: 'Patient/a-195900.E-5309' },
      date: '2024-03-10T10:00:00-04:00',
      author: [{ reference: 'Practitioner/a-195900.Provider-20' }],
      context: { period: { start: '2024-03-10T09:45:00-04:00' } },
      content: [{ attachment: { contentType: 'text/plain' } }],
    });
    expect(Buffer.from(note.content[0].attachment.data as string, 'base64').toString('utf8')).toBe('Synthetic visit note. Plan: follow up in two weeks.');
    expect(pdf.type?.coding?.[0].code).toBe('34133-9');
    expect(pdf).toMatchObject({ docStatus: 'preliminary', content: [{ attachment: { contentType: 'application/pdf', data: PDF_BASE64 } }] });
  });

  it('refuses a document whose body athena keeps in pages, unless the caller supplies it', () => {
    const paged = parseClinicalDocument({ clinicaldocumentid: '103', pages: [{ pageid: '1', contenttype: 'application/pdf', href: '/v1/195900/patients/5309/documents/clinicaldocument/103/pages/1' }] });
    expect(() => toDocumentReference(paged, CTX, SCOPE)).toThrow(expect.objectContaining({ code: ErrorCode.VendorError, details: { reason: 'document_content_unavailable', record: 'document' } }));
    expectConformant([toDocumentReference(paged, CTX, SCOPE, { contentType: 'application/pdf', base64: PDF_BASE64 })]);
  });
});

describe('bookingFromAppointment', () => {
  const slot = parseOpenSlotPage(F.OPEN_SLOTS).items[0];
  const request: Appointment = {
    resourceType: 'Appointment',
    status: 'booked',
    slot: [{ reference: 'Slot/a-195900.slot-2204083' }],
    start: '2024-03-10T13:00:00Z',
    comment: 'first visit',
    participant: [
      { actor: { reference: 'Patient/a-195900.E-5309' }, status: 'accepted' },
      { actor: { reference: 'Location/a-195900.Department-1' }, status: 'accepted' },
    ],
  };

  it('books the slot for the patient, type and department from the slot', () => {
    const booking = bookingFromAppointment(request, CTX, slot);
    expect(booking).toEqual({ slotId: '2204083', patientId: '5309', appointmentTypeId: '44', departmentId: '1', bookingNote: 'first visit' });
    expect(bookingForm(booking)).toEqual({ patientid: '5309', appointmenttypeid: '44', departmentid: '1', bookingnote: 'first visit' });
    expect(bookingFromAppointment({ ...request, start: undefined }, CTX)).toEqual({ slotId: '2204083', patientId: '5309', departmentId: '1', bookingNote: 'first visit' });
  });

  it('names the FHIR path of what is missing or contradicts the slot', () => {
    expect(issueOf(() => bookingFromAppointment({ ...request, slot: undefined }, CTX))).toEqual({ code: 'validation_failed', path: 'Appointment.slot' });
    expect(issueOf(() => bookingFromAppointment({ ...request, slot: [{ reference: 'Slot/a-195901.slot-1' }] }, CTX))).toEqual({ code: 'validation_failed', path: 'Appointment.slot[0]' });
    expect(issueOf(() => bookingFromAppointment({ ...request, participant: request.participant.slice(1) }, CTX))).toEqual({ code: 'validation_failed', path: 'Appointment.participant' });
    expect(issueOf(() => bookingFromAppointment({ ...request, status: 'cancelled' }, CTX))).toEqual({ code: 'validation_failed', path: 'Appointment.status' });
    expect(issueOf(() => bookingFromAppointment({ ...request, start: '2024-03-10T14:00:00Z' }, CTX, slot))).toEqual({ code: 'validation_failed', path: 'Appointment.start' });
    const elsewhere = { ...request, participant: [request.participant[0], { actor: { reference: 'Location/a-195900.Department-150' }, status: 'accepted' as const }] };
    expect(issueOf(() => bookingFromAppointment(elsewhere, CTX, slot))).toEqual({ code: 'validation_failed', path: 'Appointment.participant[1].actor' });
  });
});

describe('cancellationFromAppointment', () => {
  const appointment: Appointment = { resourceType: 'Appointment', id: 'a-195900.appointment-1050322', status: 'cancelled', participant: [{ actor: { reference: 'Patient/a-195900.E-5309' }, status: 'declined' }] };

  it('cancels with the given reason or athena-required default', () => {
    expect(cancellationFromAppointment(appointment, CTX)).toEqual({ appointmentId: '1050322', patientId: '5309', cancellationReason: 'Cancelled through Switchboard' });
    expect(cancellationFromAppointment({ ...appointment, cancelationReason: { coding: [{ system: 'urn:athenahealth:athenanet:cancelreason:195900', code: '-5', display: 'CANCELLED FROM API' }] } }, CTX)).toMatchObject({
      cancellationReason: 'CANCELLED FROM API',
      appointmentCancelReasonId: '-5',
    });
  });

  it('refuses anything but a cancellation of one of this practice’s appointments', () => {
    expect(issueOf(() => cancellationFromAppointment({ ...appointment, status: 'booked' }, CTX))).toEqual({ code: 'validation_failed', path: 'Appointment.status' });
    expect(issueOf(() => cancellationFromAppointment({ ...appointment, id: 'abc' }, CTX))).toEqual({ code: 'validation_failed', path: 'Appointment.id' });
  });
});

describe('clinicalDocumentFromDocumentReference', () => {
  const doc: DocumentReference = {
    resourceType: 'DocumentReference',
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '11488-4' }] },
    subject: { reference: 'Patient/a-195900.E-5309' },
    author: [{ reference: 'Practitioner/a-195900.Provider-20' }],
    context: { period: { start: '2024-03-10T14:45:00Z' } },
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from('Synthetic note text').toString('base64') } }],
  };

  it('sends text as documentdata, autoclosed, observed at the department-local date and time', () => {
    expect(clinicalDocumentFromDocumentReference(doc, CTX, '150')).toEqual({
      patientId: '5309',
      form: {
        departmentid: '150',
        documentsubclass: 'CLINICALDOCUMENT_CONSULTNOTE',
        documentdata: 'Synthetic note text',
        providerid: '20',
        observationdate: '03/10/2024',
        observationtime: '09:45',
        autoclose: true,
      },
    });
  });

  it('sends a PDF as attachmentcontents and refuses what athena cannot file', () => {
    const pdf = { ...doc, type: { text: 'Outside records' }, content: [{ attachment: { contentType: 'application/pdf', data: PDF_BASE64 } }] };
    expect(clinicalDocumentFromDocumentReference(pdf, CTX, '1').form).toMatchObject({ documentsubclass: 'CLINICALDOCUMENT', attachmentcontents: PDF_BASE64, attachmenttype: 'PDF' });
    expect(issueOf(() => clinicalDocumentFromDocumentReference({ ...doc, content: [{ attachment: { contentType: 'text/plain', url: 'https://example.org/n.txt' } }] }, CTX, '1')).path).toBe(
      'DocumentReference.content[0].attachment.data',
    );
    expect(issueOf(() => clinicalDocumentFromDocumentReference({ ...doc, content: [{ attachment: { contentType: 'application/msword', data: PDF_BASE64 } }] }, CTX, '1')).path).toBe(
      'DocumentReference.content[0].attachment.contentType',
    );
    expect(issueOf(() => clinicalDocumentFromDocumentReference({ ...doc, subject: { reference: 'Patient/123' } }, CTX, '1')).path).toBe('DocumentReference.subject');
  });
});
