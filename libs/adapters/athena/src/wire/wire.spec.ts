import { ErrorCode, SbError } from '@sb/core';
import {
  athenaFailure,
  parseAllergyList,
  parseAppointmentOrSlot,
  parseAppointmentPage,
  parseBookedAppointment,
  parseClinicalDocument,
  parseDepartment,
  parseDepartmentPage,
  parseEncounterPage,
  parseLabResultPage,
  parseMedicationList,
  parseOpenSlotPage,
  parsePatient,
  parsePatientPage,
  parseProblemPage,
  parseProvider,
  parseVitals,
} from './index';
import * as F from './testing/athena-fixtures';

/** The SbError a parse throws, for assertions. */
function thrown(fn: () => unknown): SbError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SbError) return err;
    throw err;
  }
  throw new Error('expected an SbError');
}

describe('athena wire: type drift is normalized', () => {
  it('unwraps one-element arrays and coerces numeric ids, numbers and string booleans', () => {
    const [east, central, phoenix] = parseDepartmentPage(F.DEPARTMENT_PAGE).items;
    expect(parseDepartment(F.DEPARTMENT_EAST)).toEqual(east);
    expect(east).toMatchObject({ departmentId: '1', timeZone: 'America/New_York', isHospitalDepartment: false });
    expect(central).toMatchObject({ departmentId: '150', timeZone: 'America/Chicago', isHospitalDepartment: false, latitude: 41.88 });
    expect(phoenix.timeZone).toBe('America/Phoenix');
    expect(parseProvider(F.PROVIDER)).toMatchObject({ providerId: '20', npi: '1234567893', billable: true });
    expect(parseProvider(F.PROVIDER_BAD_NPI)).toMatchObject({ providerId: '21', npi: '12356789', billable: true });
  });

  it('reads a patient, dropping blanks and fields the gateway does not serve', () => {
    const p = parsePatient(F.PATIENT);
    expect(p).toMatchObject({ patientId: '5309', dob: '1985-01-15', raceCodes: ['2106-3'], ethnicityCodes: ['2186-5'], status: 'active', primaryProviderId: '20' });
    expect(p).not.toHaveProperty('suffix');
    expect(p).not.toHaveProperty('workPhone');
    expect(JSON.stringify(p)).not.toContain('0000');
    expect(parsePatient([{ ...F.PATIENT[0], lastupdated: '06/02/2020 09:06:50', primaryproviderid: 20 }])).toMatchObject({ lastUpdated: '2020-06-02T09:06:50-04:00', primaryProviderId: '20' });
    expect(parsePatient([{ ...F.PATIENT[0], lastupdated: '06/02/2020' }]).lastUpdated).toBe('2020-06-02');
    const page = parsePatientPage(F.PATIENT_PAGE);
    expect(page.items.map((x) => x.patientId)).toEqual(['5309', '5310']);
    expect(page).toMatchObject({ totalCount: 83, next: '/v1/195900/patients?DEPARTMENTID=1&offset=2' });
  });

  it('tells open slots from booked appointments and reads Eastern server stamps', () => {
    const cancelled = parseAppointmentOrSlot([F.CANCELLED_APPOINTMENT]);
    expect(cancelled).toMatchObject({
      kind: 'booked',
      status: 'x',
      date: '2020-06-02',
      startTime: '10:00:00',
      durationMinutes: 15,
      scheduledAt: '2020-06-01T20:17:46-04:00',
      cancelledAt: '2020-06-02T09:06:50-04:00',
      cancelReasonNoShow: false,
    });
    const slots = parseOpenSlotPage(F.OPEN_SLOTS).items;
    expect(slots.map((s) => [s.appointmentId, s.departmentId, s.providerId, s.durationMinutes, s.reasonIds])).toEqual([
      ['2204083', '1', '20', 30, ['-1']],
      ['2204084', '150', '20', 60, ['-1']],
    ]);
    expect(parseBookedAppointment(F.BOOKED_APPOINTMENT)).toMatchObject({ kind: 'booked', status: 'f', appointmentId: '2204083' });
    expect(thrown(() => parseBookedAppointment([F.OPEN_SLOTS.appointments[0]])).details).toMatchObject({ reason: 'malformed_response', paths: ['appointmentstatus'] });
    expect(parseAppointmentPage({ appointments: [F.CANCELLED_APPOINTMENT, F.OPEN_SLOTS.appointments[1]] }).items.map((i) => i.kind)).toEqual(['booked', 'open']);
  });

  it('flattens medications [[…]] and vitals readings [[…]]', () => {
    const meds = parseMedicationList(F.MEDICATIONS);
    expect(meds.medications.map((m) => [m.medicationEntryId, m.isDiscontinued])).toEqual([
      ['H228145', false],
      ['C228147', false],
      ['C228148', true],
    ]);
    expect(meds.noMedicationsReported).toBe(false);
    expect(meds.medications[1].fdbMedicationId).toBe('226373');
    const vitals = parseVitals(F.VITALS).items;
    expect(vitals).toHaveLength(15);
    expect(vitals[1]).toMatchObject({ key: 'BLOODPRESSURE', vitalId: '25968', readingId: '1', value: '123', readingTaken: '2024-03-10T09:15:00-04:00', createdAt: '2024-03-10T09:20:18-04:00' });
  });

  it('reads problems, allergies (nkda as "false" or true), encounters and lab results', () => {
    const problems = parseProblemPage(F.PROBLEMS).items;
    expect(problems.map((p) => [p.problemId, p.code, p.events.map((e) => e.eventType)])).toEqual([
      ['1942', '59621000', ['START']],
      ['3834', '193462001', ['START', 'END']],
    ]);
    expect(parseAllergyList(F.ALLERGIES)).toMatchObject({ nkda: false, lastUpdated: '2016-05-26' });
    expect(parseAllergyList(F.ALLERGIES).allergies[1]).toMatchObject({ allergenId: '92193', reactions: [{ snomedCode: '247472004' }] });
    expect(parseAllergyList(F.ALLERGIES_NKDA)).toEqual({ allergies: [], nkda: true });
    const encounters = parseEncounterPage(F.ENCOUNTERS).items;
    expect(encounters[0]).toMatchObject({ encounterId: '35713', appointmentId: '1027094', appointmentStart: '2018-11-26T09:30:00-05:00', status: 'CLOSED' });
    expect(encounters[0].diagnoses[0]).toEqual({ diagnosisId: '14864', snomedCode: '278862001', description: 'Acute low back pain', icdCodes: [{ codeset: 'ICD10', code: 'M54.5', description: 'Low back pain' }] });
    const labs = parseLabResultPage(F.LAB_RESULTS).items;
    expect(labs[0]).toMatchObject({ labResultId: '1083579', observedAt: '2023-08-10T14:59:00-04:00', createdAt: '2023-08-10T14:56:52-04:00', isReviewedByProvider: true });
    expect(labs[0].analytes.map((a) => a.analyteId)).toEqual(['907435', '907436', '907437']);
  });

  it('reads a clinical document with its text as base64 content', () => {
    const doc = parseClinicalDocument(F.CLINICAL_DOCUMENT);
    expect(doc).toMatchObject({ clinicalDocumentId: '101', documentSubclass: 'CLINICALDOCUMENT_CONSULTNOTE', observedAt: '2024-03-10T09:45:00', content: { contentType: 'text/plain' } });
    expect(Buffer.from(doc.content?.base64 ?? '', 'base64').toString('utf8')).toContain('Synthetic visit note');
  });
});

describe('athena wire: bad input is refused whole, with paths and no values', () => {
  const secretName = 'Zebediah-Uniquename';

  it('refuses a record with a missing id or an impossible date, naming only the paths', () => {
    const err = thrown(() => parsePatient([{ ...F.PATIENT[0], patientid: '', firstname: secretName, dob: '02/30/1985' }]));
    expect(err.code).toBe(ErrorCode.VendorError);
    expect(err.message).toBe('athena sent a response the gateway cannot read');
    expect(err.details).toEqual({ reason: 'malformed_response', record: 'patient', paths: ['patientid', 'dob'] });
    expect(JSON.stringify({ message: err.message, details: err.details, cause: err.cause })).not.toContain(secretName);
    expect(err.cause).toBeUndefined();
  });

  it('refuses the whole page when one item is unreadable (never a shorter list)', () => {
    const bad = { appointments: [F.CANCELLED_APPOINTMENT, { ...F.CANCELLED_APPOINTMENT, starttime: '25:00' }] };
    expect(thrown(() => parseAppointmentPage(bad)).details).toMatchObject({ paths: ['appointments[1].starttime'] });
    expect(thrown(() => parseAppointmentPage({ appointments: [{ ...F.CANCELLED_APPOINTMENT, appointmentstatus: 'q' }] })).details).toMatchObject({ paths: ['appointments[0].appointmentstatus'] });
    expect(thrown(() => parseAppointmentPage({ appointments: [{ ...F.CANCELLED_APPOINTMENT, patientid: '' }] })).details).toMatchObject({ paths: ['appointments[0].patientid'] });
  });

  it('refuses unexpected types and shapes', () => {
    expect(thrown(() => parseDepartment([{ ...F.DEPARTMENT_EAST[0], departmentid: { id: 1 } }])).details).toMatchObject({ paths: ['departmentid'] });
    expect(thrown(() => parseAllergyList({ nkda: 'maybe', allergies: [] })).details).toMatchObject({ paths: ['nkda'] });
    expect(thrown(() => parsePatientPage({ totalcount: 3 })).details).toMatchObject({ paths: ['patients'] });
    expect(thrown(() => parsePatientPage('Invalid practice.')).details).toMatchObject({ reason: 'malformed_response' });
    expect(thrown(() => parsePatient([F.PATIENT[0], F.PATIENT[0]])).details).toMatchObject({ paths: ['(root)'] });
    expect(parsePatientPage({ totalcount: 0 }).items).toEqual([]);
  });

  it('answers not found for an empty single-record array', () => {
    expect(thrown(() => parsePatient([])).code).toBe(ErrorCode.NotFound);
  });
});

describe('athenaFailure', () => {
  it('recognizes 200 bodies that are failures', () => {
    expect(athenaFailure(F.FAILURE_STRING_SUCCESS)).toBe("Submitted snomedcode of '0' is not valid.");
    expect(athenaFailure(F.FAILURE_BOOLEAN_SUCCESS)).toBe('athena reported a failure without a message');
    expect(athenaFailure(F.FAILURE_BARE_STRING)).toBe('Invalid PROVIDERID input');
    expect(athenaFailure('  ')).toBe('athena sent an empty response');
  });

  it('lets successes and data through', () => {
    expect(athenaFailure({ success: true, clinicaldocumentid: 101 })).toBeNull();
    expect(athenaFailure({ success: 'true' })).toBeNull();
    expect(athenaFailure(1)).toBeNull();
    expect(athenaFailure(F.PATIENT)).toBeNull();
    expect(athenaFailure({ patients: [] })).toBeNull();
    expect(athenaFailure(null)).toBeNull();
  });
});
