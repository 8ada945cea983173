/**
 * Synthetic athenaOne payloads for the wire and FHIR mapper specs. Their SHAPES follow athena's
 * docs and recordings as cited in /work/shared/notes/athena.md (§5 response shapes from [EH]
 * go-athenahealth resources/*.json, [REC] HTD-Health VCR cassettes, [NET] SDK fixtures; §12 quirks);
 * every VALUE is synthetic (invented names, phones, ids), no real person's data.
 */

/** `GET /departments/{id}` → one-element array ([EH] GetDepartment.json shape). */
export const DEPARTMENT_EAST = [
  {
    departmentid: '1',
    name: 'Synth_Clinic_Boston',
    patientdepartmentname: 'Synth Clinic Boston',
    address: '1 Example Way',
    address2: 'SUITE 1',
    city: 'Boston',
    state: 'MA',
    zip: '02210',
    phone: '(555) 555-0100',
    fax: '(555) 555-0101',
    timezone: -4,
    timezoneoffset: -5,
    timezonename: 'US/Eastern',
    doesnotobservedst: false,
    providergroupid: '1',
    chartsharinggroupid: '1',
    placeofservicetypeid: '11',
    clinicals: 'ON',
    ishospitaldepartment: false,
  },
];

/** `GET /departments` page; ids as numbers in one, strings in the other (§12.3), `"false"` booleans. */
export const DEPARTMENT_PAGE = {
  departments: [
    { ...DEPARTMENT_EAST[0] },
    {
      departmentid: 150,
      name: 'Synth_Clinic_Chicago',
      patientdepartmentname: 'Synth Clinic Chicago',
      address: '2 Example Ave',
      city: 'Chicago',
      state: 'IL',
      zip: '60601',
      phone: '(555) 555-0200',
      timezonename: 'US/Central',
      timezoneoffset: '-6',
      doesnotobservedst: 'false',
      ishospitaldepartment: 'false',
      latitude: '41.88',
      longitude: '-87.63',
    },
    { departmentid: '162', name: 'Synth_Clinic_Phoenix', city: 'Phoenix', state: 'AZ', timezonename: 'US/Arizona', doesnotobservedst: true },
  ],
  totalcount: '3',
  next: '',
};

/** `GET /providers/{id}` ([EH] ListProviders.json shape: numeric providerid and npi). */
export const PROVIDER = [
  {
    providerid: 20,
    firstname: 'Avery',
    lastname: 'Synthwell',
    displayname: 'Avery Synthwell, MD',
    npi: 1234567893,
    specialty: 'Family Medicine',
    providertypeid: 'MD',
    providertype: 'MEDICAL DOCTOR',
    sex: 'F',
    entitytype: 'Person',
    billable: true,
  },
];

/** The [EH] fixture's own NPI is 8 digits: not a valid NPI. */
export const PROVIDER_BAD_NPI = { providerid: '21', firstname: 'Blake', lastname: 'Placeholder', npi: 12356789, billable: 'true' };

/** `GET /patients/{id}` → one-element array ([EH] GetPatient.json, [REC] find_patient.yml shapes). */
export const PATIENT = [
  {
    patientid: '5309',
    firstname: 'Jordan',
    middlename: 'Q',
    lastname: 'Testperson',
    suffix: '',
    preferredname: 'Jo',
    dob: '01/15/1985',
    sex: 'F',
    assignedsexatbirth: 'F',
    address1: '100 Sample St',
    address2: '',
    city: 'BOSTON',
    state: 'MA',
    zip: '02210',
    countrycode3166: 'US',
    homephone: '5555550123',
    mobilephone: '5555550124',
    workphone: '',
    email: 'jordan@example.org',
    racecode: '2106-3',
    race: ['2106-3'],
    racename: 'White',
    ethnicitycode: '2186-5',
    language6392code: 'spa',
    maritalstatus: 'S',
    maritalstatusname: 'SINGLE',
    departmentid: '1',
    primarydepartmentid: '1',
    primaryproviderid: '20',
    status: 'active',
    deceaseddate: '',
    ssn: '*****0000',
    portalaccessgiven: true,
    balances: [{ balance: '-25.15', departmentlist: '1', providergroupid: 1, cleanbalance: true }],
    customfields: [{ customfieldid: '121', customfieldvalue: 'Y' }],
  },
];

/** `GET /patients` page ([REC] all_patients.yml: `next` carries /v1/{practiceid} and upper-cased params). */
export const PATIENT_PAGE = {
  patients: [PATIENT[0], { patientid: 5310, firstname: 'Riley', lastname: 'Sample', dob: '02/29/2000', sex: 'M', status: 'inactive' }],
  totalcount: 83,
  next: '/v1/195900/patients?DEPARTMENTID=1&offset=2',
};

/** A cancelled booked appointment ([EH] ListChangedAppointments.json shape; Eastern server stamps). */
export const CANCELLED_APPOINTMENT = {
  date: '06/02/2020',
  cancelreasonname: 'CANCELLED FROM API',
  appointmentid: '1050322',
  starttime: '10:00',
  cancelledby: 'API-15476',
  departmentid: '150',
  appointmentstatus: 'x',
  scheduledby: 'API-15476',
  cancelreasonnoshow: false,
  patientid: '5309',
  duration: 15,
  templateappointmenttypeid: '82',
  hl7providerid: 20,
  cancelreasonid: '-5',
  appointmenttypeid: '82',
  lastmodified: '06/02/2020 09:06:50',
  appointmenttype: 'Any 15',
  providerid: '20',
  scheduleddatetime: '06/01/2020 20:17:46',
  templateappointmentid: '1050322',
  cancelleddatetime: '06/02/2020 09:06:50',
  appointmentnotes: [{ displayonschedule: false, text: 'synthetic note', id: 43592 }],
  patientappointmenttypename: 'Any 15',
};

/** A booking's answer ([EH] BookAppointment.json: one-element array, status `f`, same id as the slot). */
export const BOOKED_APPOINTMENT = [
  {
    date: '03/10/2024',
    appointmentid: '2204083',
    starttime: '09:00',
    departmentid: '1',
    appointmentstatus: 'f',
    patientid: '5309',
    duration: 30,
    referringproviderid: '',
    appointmenttypeid: '44',
    appointmenttype: 'Telehealth Visit',
    providerid: '20',
    chargeentrynotrequired: false,
    patientappointmenttypename: 'Video visit',
    scheduleddatetime: '03/01/2024 12:00:00',
  },
];

/** `GET /appointments/open` ([EH] ListOpenAppointmentSlots.json: numeric ids, `reasonid` list); the second slot spans the 2024 spring DST change in Chicago. */
export const OPEN_SLOTS = {
  totalcount: 2,
  appointments: [
    { date: '03/10/2024', appointmentid: 2204083, departmentid: 1, localproviderid: 20, appointmenttype: 'Telehealth Visit', providerid: 20, starttime: '09:00', duration: 30, appointmenttypeid: 44, reasonid: ['-1'], patientappointmenttypename: 'Video visit' },
    { date: '03/10/2024', appointmentid: '2204084', departmentid: '150', providerid: '20', starttime: '01:30', duration: '60', appointmenttypeid: '44', appointmenttype: 'Telehealth Visit', reasonid: '-1' },
  ],
};

/** `GET /chart/{patientid}/encounters` ([NET] GetPatientEncounters.json shape). */
export const ENCOUNTERS = {
  encounters: [
    {
      encountertype: 'VISIT',
      patientstatusid: 4,
      status: 'CLOSED',
      appointmentstartdate: '2018-11-26T09:30:00-05:00',
      appointmentid: 1027094,
      departmentid: 1,
      diagnoses: [
        { diagnosisid: 14864, icdcodes: [{ codeset: 'ICD10', description: 'Low back pain', code: 'M54.5' }], snomedcode: 278862001, description: 'Acute low back pain' },
        { diagnosisid: 14865, icdcodes: [], snomedcode: 73211009, description: 'Diabetes mellitus' },
      ],
      providerid: 20,
      encounterdate: '11/26/2018',
      encountervisitname: 'New Patient Appointment',
      encounterid: 35713,
      lastupdated: '07/19/2019',
    },
    { encountertype: 'ORDERSONLY', stage: 'INTAKE', status: 'OPEN', departmentid: '1', diagnoses: [], encounterdate: '10/15/2019', encounterid: '36256' },
    { encountertype: 'VISIT', status: 'DELETED', departmentid: 1, diagnoses: [], encounterdate: '03/15/2018', encounterid: 35461, appointmentid: 961239 },
  ],
};

/** `GET /chart/{patientid}/problems` ([EH] ListProblems.json: numeric problemid, ISO lastmodifieddatetime). */
export const PROBLEMS = {
  lastmodifieddatetime: '2021-01-11T17:03:05-05:00',
  totalcount: 2,
  lastupdated: '01/11/2021',
  problems: [
    {
      lastmodifieddatetime: '2020-07-27T10:56:15-04:00',
      name: 'Essential hypertension',
      problemid: 1942,
      events: [{ eventtype: 'START', startdate: '07/27/2020', createddate: '07/28/2020', onsetdate: '07/01/2020', createdby: 'synthuser' }],
      codeset: 'SNOMED',
      code: '59621000',
      bestmatchicd10code: 'I10',
    },
    {
      lastmodifieddatetime: '2021-01-11T15:12:20-05:00',
      name: 'Insomnia',
      problemid: '3834',
      events: [
        { eventtype: 'START', startdate: '01/11/2020', createddate: '01/11/2020', onsetdate: '01/11/2020' },
        { eventtype: 'END', startdate: '01/11/2021', createddate: '01/11/2021' },
      ],
      codeset: 'SNOMED',
      code: 193462001,
      bestmatchicd10code: 'G47.00',
    },
  ],
};

/** `GET /chart/{patientid}/allergies` ([REC] patient_allergies.yml: `nkda` as the string "false"). */
export const ALLERGIES = {
  lastupdated: '05/26/2016',
  nkda: 'false',
  sectionnote: 'synthetic',
  allergies: [
    { allergenname: 'Penicillins', allergenid: '14041', criticality: 'High', reactions: [{ reactionname: 'anaphylaxis', snomedcode: '39579001', severity: 'severe' }] },
    { allergenname: 'weed pollen', onsetdate: '01/01/2010', allergenid: 92193, reactions: [{ reactionname: 'hives', snomedcode: 247472004 }], note: 'seasonal' },
    { allergenname: 'latex', allergenid: '55555', deactivatedate: '02/02/2020', reactions: [] },
  ],
};

/** The same endpoint for a patient with no known drug allergies (`nkda` a boolean here). */
export const ALLERGIES_NKDA = { nkda: true, allergies: [] };

/** `GET /chart/{patientid}/medications` ([EH] ListMedications.json: an array of arrays, prefixed entry ids). */
export const MEDICATIONS = {
  lastupdated: '03/16/2023',
  medications: [
    [
      {
        fdbmedicationid: '182394',
        medicationid: 231555,
        isdiscontinued: false,
        medicationentryid: 'H228145',
        structuredsig: { dosagefrequencyvalue: 1, dosageroute: 'oral', dosagequantityunit: 'tablet(s)', dosagequantityvalue: 1, dosagefrequencydescription: 'every day' },
        medication: 'naltrexone 50 mg tablet',
        unstructuredsig: 'Take 1 tablet every day by oral route.',
        source: 'Synth Staffer',
        prescribedby: 'Synth Staffer',
        events: [
          { eventdate: '03/16/2023', type: 'HIDE' },
          { eventdate: '03/16/2023', type: 'ENTER' },
          { eventdate: '03/14/2023', type: 'END' },
        ],
      },
    ],
    [
      {
        fdbmedicationid: 226373,
        medicationid: '241444',
        isdiscontinued: 'false',
        medicationentryid: 'C228147',
        medication: 'lisinopril 10 mg tablet',
        unstructuredsig: 'Take 1 tablet by mouth daily.',
        providerid: '20',
        events: [
          { eventdate: '03/14/2023', type: 'START' },
          { eventdate: '03/16/2023', type: 'ENTER' },
        ],
      },
    ],
    [{ medicationentryid: 'C228148', medication: 'Xanax 0.25 mg tablet', isdiscontinued: 'true', events: [{ eventdate: '03/17/2023', type: 'START' }] }],
  ],
  patientdownloadconsent: true,
  nomedicationsreported: 'false',
};

/** `GET /chart/{patientid}/vitals` ([NET] GetPatientVitals.json: readings arrays of arrays, values as text). */
export const VITALS = {
  totalcount: 4,
  vitals: [
    {
      ordering: 0,
      abbreviation: 'BP',
      key: 'BLOODPRESSURE',
      readings: [
        [
          { source: 'ENCOUNTER', value: '80', readingid: 1, clinicalelementid: 'VITALS.BLOODPRESSURE.DIASTOLIC', codedescription: 'Diastolic blood pressure', sourceid: 22449, readingtaken: '03/10/2024 09:15:00', codeset: 'LOINC', vitalid: 25967, createddate: '03/10/2024 09:20:18', code: '8462-4' },
          { source: 'ENCOUNTER', value: 123, readingid: '1', clinicalelementid: 'VITALS.BLOODPRESSURE.SYSTOLIC', codedescription: 'Systolic blood pressure', sourceid: 22449, readingtaken: '03/10/2024 09:15:00', codeset: 'LOINC', vitalid: '25968', createddate: '03/10/2024 09:20:18', code: '8480-6' },
          { source: 'ENCOUNTER', value: 'L arm', readingid: 1, clinicalelementid: 'VITALS.BLOODPRESSURE.SITE', sourceid: 22449, readingtaken: '03/10/2024 09:15:00', vitalid: 25969 },
        ],
        [
          { source: 'FLOWSHEET', value: '900', readingid: 0, clinicalelementid: 'VITALS.BLOODPRESSURE.DIASTOLIC', sourceid: 35617, readingtaken: '01/01/2016', codeset: 'LOINC', vitalid: 28736, code: '8462-4' },
          { source: 'FLOWSHEET', value: '160', readingid: 0, clinicalelementid: 'VITALS.BLOODPRESSURE.SYSTOLIC', sourceid: 35617, readingtaken: '01/01/2016', codeset: 'LOINC', vitalid: 28735, code: '8480-6' },
        ],
        [{ source: 'FLOWSHEET', value: 'abc', readingid: 2, clinicalelementid: 'VITALS.BLOODPRESSURE.SYSTOLIC', sourceid: 35618, readingtaken: '01/02/2016', vitalid: 28740, code: '8480-6', codeset: 'LOINC' }],
      ],
    },
    {
      key: 'WEIGHT',
      readings: [[{ value: '86182.5503', unit: 'g', readingid: 0, clinicalelementid: 'VITALS.WEIGHT', readingtaken: '03/10/2024', vitalid: 30001, codeset: 'LOINC', code: '29463-7' }]],
    },
    { key: 'HEIGHT', readings: [[{ value: '172.7', unit: 'cm', readingid: 0, clinicalelementid: 'VITALS.HEIGHT', readingtaken: '03/10/2024', vitalid: 30002 }]] },
    {
      key: 'TEMPERATURE',
      readings: [
        [{ value: '36.7', unit: 'F', readingid: 0, clinicalelementid: 'VITALS.TEMPERATURE', readingtaken: '03/10/2024', vitalid: 30003 }],
        [{ value: '98.6', unit: 'F', readingid: 1, clinicalelementid: 'VITALS.TEMPERATURE', readingtaken: '03/11/2024', vitalid: 30004 }],
      ],
    },
    { key: 'PULSE', readings: [[{ value: '72', readingid: 0, clinicalelementid: 'VITALS.PULSE.RATE', readingtaken: '03/10/2024', vitalid: 30005 }]] },
    { key: 'RESPIRATIONRATE', readings: [[{ value: '16', readingid: 0, clinicalelementid: 'VITALS.RESPIRATIONRATE', readingtaken: '03/10/2024', vitalid: 30006 }]] },
    { key: 'O2SATURATION', readings: [[{ value: '98', unit: '%', readingid: 0, clinicalelementid: 'VITALS.O2SATURATION', readingtaken: '03/10/2024', vitalid: 30007 }]] },
    { key: 'BMI', readings: [[{ value: '28.9', readingid: 0, clinicalelementid: 'VITALS.BMI', readingtaken: '03/10/2024', vitalid: 30008, code: '39156-5', codeset: 'LOINC' }]] },
    { key: 'PAINSCALE', readings: [[{ value: '3', readingid: 0, clinicalelementid: 'VITALS.PAINSCALE', readingtaken: '03/10/2024', vitalid: 30009 }]] },
  ],
};

/** `GET /chart/{patientid}/labresults` ([EH] ListLabResults.json, [REC] patient_lab_results.yml shapes). */
export const LAB_RESULTS = {
  totalcount: 2,
  results: [
    {
      labresultid: 1083579,
      priority: '2',
      labresultloinc: '24323-8',
      attachmentexists: false,
      providerid: 20,
      labresultdate: '08/10/2023',
      createddatetime: '08/10/2023 14:56:52',
      description: 'Comprehensive metabolic panel',
      labresultdatetime: '08/10/2023 14:59:00',
      performinglabname: 'SynthLab',
      isreviewedbyprovider: '1',
      resultstatus: 'Final',
      analytes: [
        { analytedate: '08/10/2023', analytename: 'Glucose', loinc: '2345-7', value: '105', units: 'mg/dL', referencerange: '70-99', abnormalflag: 'H', analytedatetime: '08/10/2023 14:59:00', analyteid: 907435 },
        { analytename: 'HIV 1+2 Ab', value: 'Nonreactive', analyteid: '907436', analytedate: '08/10/2023' },
        { analytename: 'Comment', analyteid: 907437, note: 'see report', analytedate: '08/10/2023' },
      ],
    },
    { labresultid: '1083509', priority: '2', createddatetime: '08/10/2023 14:05:43', description: 'lab result', analytes: [] },
  ],
};

/** A clinical document as read back (fields after [NET] Document.cs; the text in `documentdata`). */
export const CLINICAL_DOCUMENT = [
  {
    clinicaldocumentid: 101,
    patientid: '5309',
    departmentid: 1,
    documentclass: 'CLINICALDOCUMENT',
    documentsubclass: 'CLINICALDOCUMENT_CONSULTNOTE',
    documentdescription: 'Consult note',
    documenttypeid: 423482,
    status: 'CLOSED',
    providerid: 20,
    observationdate: '03/10/2024',
    observationtime: '09:45',
    createddatetime: '03/10/2024 10:00:00',
    documentdata: 'Synthetic visit note. Plan: follow up in two weeks.',
  },
];

/** Failure bodies athena answers with HTTP 200 (§8, [REC] create_patient_problem_with_wrong_data.yml, [EH] UpdateBookedAppointment_StringResponse.json). */
export const FAILURE_STRING_SUCCESS = { success: 'false', errormessage: "Submitted snomedcode of '0' is not valid." };
export const FAILURE_BOOLEAN_SUCCESS = { success: false };
export const FAILURE_BARE_STRING = 'Invalid PROVIDERID input';
