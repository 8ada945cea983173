import { CONDITIONS, DIASTOLIC, ENCOUNTER_CLASS_DISPLAY, ENCOUNTER_TYPES, LABS, NO_KNOWN_ALLERGY, PANELS, SMOKING_STATUS, SYSTEM, SYSTOLIC, VITALS, type Coding } from '../dataset/code-sets';
import type {
  SynthAllergy,
  SynthAppointment,
  SynthCondition,
  SynthDataset,
  SynthEncounter,
  SynthLocation,
  SynthMedication,
  SynthNote,
  SynthObservation,
  SynthPatient,
  SynthPractitioner,
  SynthReport,
} from '../dataset/dataset.types';
import type { FhirResource, ReferenceJson, ResourceType } from './fhir-types';
import type { VendorDialect } from './vendor-dialect';

const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition/';
const profile = (name: string): string => `${US_CORE}${name}`;
/** HL7's marker for test data (v3 ActReason HTEST), on every synthetic resource. */
const TEST_DATA_TAG = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' };

const meta = (profiles: string[], lastUpdated: string): FhirResource['meta'] => ({
  versionId: '1',
  lastUpdated: lastUpdated.length === 10 ? `${lastUpdated}T00:00:00Z` : lastUpdated,
  // FHIR JSON forbids empty arrays.
  ...(profiles.length > 0 ? { profile: profiles } : {}),
  tag: [TEST_DATA_TAG],
});
const cc = (coding: Coding | Coding[], text?: string): { coding: Coding[]; text: string } => {
  const codings = Array.isArray(coding) ? coding : [coding];
  return { coding: codings, text: text ?? (codings[0] as Coding).display };
};
const concept = (system: string, code: string, display: string): { coding: Coding[]; text: string } => cc({ system, code, display });

const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

export const nameDisplay = (family: string, given: string[]): string => `${given.join(' ')} ${family}`;

export interface BuiltResources {
  resources: FhirResource[];
  /** Note bodies served as Binary when the dialect keeps them out of the DocumentReference. */
  binaries: FhirResource[];
}

/** Renders the whole synthetic dataset as one vendor's FHIR R4 resources. */
export function buildResources(dataset: SynthDataset, dialect: VendorDialect): BuiltResources {
  const resources: FhirResource[] = [];
  const binaries: FhirResource[] = [];
  const practitioners = new Map(dataset.practitioners.map((p) => [p.key, p]));
  const locations = new Map(dataset.locations.map((l) => [l.key, l]));
  const ref = (type: ResourceType, key: string, display?: string): ReferenceJson => ({ reference: `${type}/${dialect.id(type, key)}`, ...(display ? { display } : {}) });
  const practitionerRef = (key: string): ReferenceJson => {
    const p = practitioners.get(key) as SynthPractitioner;
    return ref('Practitioner', key, nameDisplay(p.family, p.given));
  };
  const locationRef = (key: string): ReferenceJson => ref('Location', key, (locations.get(key) as SynthLocation).name);
  const orgRef = ref('Organization', dataset.organization.key, dataset.organization.name);

  const o = dataset.organization;
  resources.push({
    resourceType: 'Organization',
    id: dialect.id('Organization', o.key),
    meta: meta([profile('us-core-organization')], `${dataset.anchor}`),
    identifier: [{ system: SYSTEM.npi, value: o.npi }],
    active: true,
    type: [concept('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    name: o.name,
    telecom: [{ system: 'phone', value: o.phone, use: 'work' }],
    address: [{ use: 'work', ...o.address, country: 'US' }],
  });
  for (const l of dataset.locations) {
    resources.push({
      resourceType: 'Location',
      id: dialect.id('Location', l.key),
      meta: meta([profile('us-core-location')], dataset.anchor),
      status: 'active',
      name: l.name,
      mode: 'instance',
      type: [l.kind === 'virtual' ? concept('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'VR', 'Virtual') : concept('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'OF', 'Outpatient facility')],
      ...(l.address ? { address: { use: 'work', ...l.address, country: 'US' } } : {}),
      ...(l.kind === 'virtual' ? { physicalType: concept('http://terminology.hl7.org/CodeSystem/location-physical-type', 'vi', 'Virtual') } : {}),
      managingOrganization: orgRef,
    });
  }
  for (const p of dataset.practitioners) {
    resources.push({
      resourceType: 'Practitioner',
      id: dialect.id('Practitioner', p.key),
      meta: meta([profile('us-core-practitioner')], dataset.anchor),
      identifier: [{ system: SYSTEM.npi, value: p.npi }],
      active: true,
      name: [{ use: 'official', text: `${nameDisplay(p.family, p.given)}, MD`, family: p.family, given: p.given, prefix: ['Dr.'], suffix: ['MD'] }],
      gender: p.gender,
      qualification: [{ code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }], text: `MD, ${p.specialty}` } }],
    });
  }

  for (const patient of dataset.patients) {
    const patientId = dialect.id('Patient', patient.key);
    const subject: ReferenceJson = { reference: `Patient/${patientId}`, display: nameDisplay(patient.family, patient.given) };
    const encounterRef = (key: string): ReferenceJson => ref('Encounter', key);
    resources.push(patientResource(patient, patientId, dialect, practitionerRef(patient.pcpKey), orgRef));
    for (const e of patient.encounters) resources.push(encounterResource(e, dialect, subject, practitionerRef(e.practitionerKey), locationRef(e.locationKey), orgRef, patient.conditions));
    for (const c of patient.conditions) resources.push(conditionResource(c, dialect, subject, c.encounterKey ? encounterRef(c.encounterKey) : undefined));
    for (const a of patient.allergies) resources.push(allergyResource(a, dialect, subject));
    for (const m of patient.medications) resources.push(medicationResource(m, dialect, subject, encounterRef(m.encounterKey), practitionerRef(m.requesterKey), ref('Condition', m.reasonConditionKey)));
    for (const obs of patient.observations) resources.push(observationResource(obs, dialect, subject, encounterRef(obs.encounterKey), orgRef));
    for (const r of patient.reports) resources.push(reportResource(r, dialect, subject, encounterRef(r.encounterKey), orgRef, r.resultKeys.map((k) => ref('Observation', k))));
    for (const n of patient.notes) {
      const { document, binary } = noteResources(n, dialect, subject, encounterRef(n.encounterKey), practitionerRef(n.authorKey), orgRef, patient.encounters);
      resources.push(document);
      if (binary) binaries.push(binary);
    }
    for (const ap of patient.appointments) resources.push(appointmentResource(ap, dialect, subject, practitionerRef(ap.practitionerKey), locationRef(ap.locationKey), patient.conditions));
  }
  return { resources, binaries };
}

function patientResource(p: SynthPatient, id: string, dialect: VendorDialect, pcp: ReferenceJson, org: ReferenceJson): FhirResource {
  return {
    resourceType: 'Patient',
    id,
    meta: meta([profile('us-core-patient')], p.encounters[p.encounters.length - 1]?.end ?? p.birthDate),
    extension: [
      {
        url: `${US_CORE}us-core-race`,
        extension: [
          { url: 'ombCategory', valueCoding: p.race },
          { url: 'text', valueString: p.race.display },
        ],
      },
      {
        url: `${US_CORE}us-core-ethnicity`,
        extension: [
          { url: 'ombCategory', valueCoding: p.ethnicity },
          { url: 'text', valueString: p.ethnicity.display },
        ],
      },
      { url: `${US_CORE}us-core-birthsex`, valueCode: p.gender === 'female' ? 'F' : 'M' },
      ...dialect.patientExtensions(p),
    ],
    identifier: dialect.patientIdentifiers(p, id),
    active: true,
    name: [{ use: 'official', text: dialect.patientNameText(p), family: p.family, given: p.given }],
    telecom: [
      { system: 'phone', value: p.phone, use: 'home' },
      { system: 'email', value: p.email, use: 'home' },
    ],
    gender: p.gender,
    birthDate: p.birthDate,
    address: [{ use: 'home', line: p.address.line, city: p.address.city, state: p.address.state, postalCode: p.address.postalCode, country: 'US' }],
    maritalStatus: concept('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', p.maritalStatus[0], p.maritalStatus[1]),
    communication: [{ language: cc(p.language), preferred: true }],
    generalPractitioner: [pcp],
    managingOrganization: org,
  };
}

function encounterResource(
  e: SynthEncounter,
  dialect: VendorDialect,
  subject: ReferenceJson,
  practitioner: ReferenceJson,
  location: ReferenceJson,
  org: ReferenceJson,
  conditions: SynthCondition[],
): FhirResource {
  const spec = ENCOUNTER_TYPES[e.kind];
  const reason = conditions.find((c) => c.key === e.reasonConditionKey);
  return {
    resourceType: 'Encounter',
    id: dialect.id('Encounter', e.key),
    meta: meta([profile('us-core-encounter')], e.end),
    identifier: dialect.encounterIdentifiers(e, dialect.id('Encounter', e.key)),
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: spec.classCode, display: ENCOUNTER_CLASS_DISPLAY[spec.classCode] },
    type: [cc(spec.type)],
    subject,
    participant: [
      {
        type: [concept('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'ATND', 'attender')],
        period: { start: e.start, end: e.end },
        individual: practitioner,
      },
    ],
    period: { start: e.start, end: e.end },
    ...(reason ? { reasonCode: [cc([reason.definition.snomed, reason.definition.icd10], reason.definition.snomed.display)] } : {}),
    location: [{ location }],
    serviceProvider: org,
  };
}

function conditionResource(c: SynthCondition, dialect: VendorDialect, subject: ReferenceJson, encounter?: ReferenceJson): FhirResource {
  const active = !c.abatement;
  return {
    resourceType: 'Condition',
    id: dialect.id('Condition', c.key),
    meta: meta([profile(c.category === 'encounter-diagnosis' ? 'us-core-condition-encounter-diagnosis' : 'us-core-condition-problems-health-concerns')], c.abatement ?? c.recorded),
    clinicalStatus: concept(CONDITION_CLINICAL, active ? 'active' : 'resolved', active ? 'Active' : 'Resolved'),
    verificationStatus: concept(CONDITION_VERIFICATION, 'confirmed', 'Confirmed'),
    category: [concept(CONDITION_CATEGORY, c.category, c.category === 'encounter-diagnosis' ? 'Encounter Diagnosis' : 'Problem List Item')],
    code: cc([c.definition.snomed, c.definition.icd10], c.definition.snomed.display),
    subject,
    ...(encounter ? { encounter } : {}),
    onsetDateTime: c.onset,
    ...(c.abatement ? { abatementDateTime: c.abatement } : {}),
    recordedDate: c.recorded,
  };
}

function allergyResource(a: SynthAllergy, dialect: VendorDialect, patient: ReferenceJson): FhirResource {
  const base = {
    resourceType: 'AllergyIntolerance',
    id: dialect.id('AllergyIntolerance', a.key),
    meta: meta([profile('us-core-allergyintolerance')], a.recorded),
    clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
    verificationStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed'),
  };
  if (!a.definition) return { ...base, code: cc(NO_KNOWN_ALLERGY), patient, recordedDate: a.recorded };
  return {
    ...base,
    type: 'allergy',
    category: [a.definition.category],
    criticality: a.definition.criticality,
    code: cc(a.definition.coding),
    patient,
    recordedDate: a.recorded,
    reaction: [{ manifestation: [cc(a.definition.reaction)], severity: a.definition.criticality === 'high' ? 'severe' : 'mild' }],
  };
}

function medicationResource(m: SynthMedication, dialect: VendorDialect, subject: ReferenceJson, encounter: ReferenceJson, requester: ReferenceJson, reason: ReferenceJson): FhirResource {
  return {
    resourceType: 'MedicationRequest',
    id: dialect.id('MedicationRequest', m.key),
    meta: meta([profile('us-core-medicationrequest')], m.authoredOn),
    status: m.status,
    intent: 'order',
    category: [concept('http://terminology.hl7.org/CodeSystem/medicationrequest-category', 'outpatient', 'Outpatient')],
    reportedBoolean: false,
    medicationCodeableConcept: cc(m.definition.coding),
    subject,
    encounter,
    authoredOn: m.authoredOn,
    requester,
    reasonReference: [reason],
    dosageInstruction: [{ text: m.definition.dosage }],
  };
}

function interpretation(value: number, low: number, high: number): { coding: Coding[]; text: string } {
  if (value < low) return concept(INTERPRETATION, 'L', 'Low');
  if (value > high) return concept(INTERPRETATION, 'H', 'High');
  return concept(INTERPRETATION, 'N', 'Normal');
}

function quantity(value: number, unit: string): Record<string, unknown> {
  return { value, unit, system: SYSTEM.ucum, code: unit };
}

function observationResource(obs: SynthObservation, dialect: VendorDialect, subject: ReferenceJson, encounter: ReferenceJson, org: ReferenceJson): FhirResource {
  const id = dialect.id('Observation', obs.key);
  const category = (code: string, display: string): unknown[] => [concept(OBSERVATION_CATEGORY, code, display)];
  if (obs.smoking && obs.value.kind === 'coded') {
    return {
      resourceType: 'Observation',
      id,
      meta: meta([profile('us-core-smokingstatus')], obs.effective),
      status: 'final',
      category: category('social-history', 'Social History'),
      code: cc(SMOKING_STATUS),
      subject,
      encounter,
      effectiveDateTime: obs.effective,
      valueCodeableConcept: cc(obs.value.coding),
    };
  }
  if (obs.category === 'vital-signs' && obs.vital) {
    const vital = VITALS[obs.vital];
    const base = {
      resourceType: 'Observation',
      id,
      meta: meta([profile('us-core-vital-signs'), vital.profile], obs.effective),
      status: 'final',
      category: category('vital-signs', 'Vital Signs'),
      code: { coding: [...vital.codings, ...dialect.vitalCodings(obs.vital)], text: (vital.codings[0] as Coding).display },
      subject,
      encounter,
      effectiveDateTime: obs.effective,
    };
    if (obs.value.kind === 'blood-pressure') {
      return {
        ...base,
        component: [
          { code: cc(SYSTOLIC), valueQuantity: quantity(obs.value.systolic, 'mm[Hg]') },
          { code: cc(DIASTOLIC), valueQuantity: quantity(obs.value.diastolic, 'mm[Hg]') },
        ],
      };
    }
    if (obs.value.kind === 'quantity') return { ...base, valueQuantity: quantity(obs.value.value, obs.value.unit) };
  }
  if (obs.lab && obs.value.kind === 'quantity') {
    const lab = LABS[obs.lab];
    return {
      resourceType: 'Observation',
      id,
      meta: meta([profile('us-core-observation-lab')], obs.issued ?? obs.effective),
      status: 'final',
      category: category('laboratory', 'Laboratory'),
      code: cc(lab.coding),
      subject,
      encounter,
      effectiveDateTime: obs.effective,
      issued: obs.issued,
      performer: [org],
      valueQuantity: quantity(obs.value.value, lab.unit),
      interpretation: [interpretation(obs.value.value, lab.low, lab.high)],
      referenceRange: [{ ...(lab.low > 0 ? { low: quantity(lab.low, lab.unit) } : {}), high: quantity(lab.high, lab.unit) }],
    };
  }
  throw new Error(`observation ${obs.key} has no renderable value`);
}

function reportResource(r: SynthReport, dialect: VendorDialect, subject: ReferenceJson, encounter: ReferenceJson, org: ReferenceJson, results: ReferenceJson[]): FhirResource {
  return {
    resourceType: 'DiagnosticReport',
    id: dialect.id('DiagnosticReport', r.key),
    meta: meta([profile('us-core-diagnosticreport-lab')], r.issued),
    status: 'final',
    category: [concept('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
    code: cc(PANELS[r.panel].coding),
    subject,
    encounter,
    effectiveDateTime: r.effective,
    issued: r.issued,
    performer: [org],
    result: results,
  };
}

function noteResources(
  n: SynthNote,
  dialect: VendorDialect,
  subject: ReferenceJson,
  encounter: ReferenceJson,
  author: ReferenceJson,
  org: ReferenceJson,
  encounters: SynthEncounter[],
): { document: FhirResource; binary?: FhirResource } {
  const e = encounters.find((x) => x.key === n.encounterKey) as SynthEncounter;
  const data = Buffer.from(n.text, 'utf8').toString('base64');
  const binaryId = dialect.id('Binary', n.key);
  const attachment =
    dialect.noteContent === 'binary'
      ? { contentType: 'text/plain', url: `Binary/${binaryId}`, title: n.type.display, creation: n.date }
      : { contentType: 'text/plain', data, title: n.type.display, creation: n.date };
  const document = documentReference({
    id: dialect.id('DocumentReference', n.key),
    type: n.type,
    date: n.date,
    subject,
    author,
    custodian: org,
    attachment,
    encounter,
    period: { start: e.start, end: e.end },
  });
  const binary = dialect.noteContent === 'binary' ? { resourceType: 'Binary', id: binaryId, contentType: 'text/plain', data } : undefined;
  return { document, binary };
}

export interface DocumentReferenceParts {
  id: string;
  type: Coding | { coding?: unknown[]; text?: string };
  date: string;
  subject: ReferenceJson;
  author?: ReferenceJson;
  custodian?: ReferenceJson;
  attachment: Record<string, unknown>;
  encounter?: ReferenceJson;
  period?: { start?: string; end?: string };
  docStatus?: string;
  description?: string;
}

/** A US Core DocumentReference (clinical note); also used to store created notes. */
export function documentReference(parts: DocumentReferenceParts): FhirResource {
  const type = 'code' in parts.type && typeof parts.type.code === 'string' ? cc(parts.type as Coding) : parts.type;
  return {
    resourceType: 'DocumentReference',
    id: parts.id,
    meta: meta([profile('us-core-documentreference')], parts.date),
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${uuidFromId(parts.id)}` }],
    status: 'current',
    docStatus: parts.docStatus ?? 'final',
    type,
    category: [concept('http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', 'clinical-note', 'Clinical Note')],
    subject: parts.subject,
    date: parts.date,
    ...(parts.author ? { author: [parts.author] } : {}),
    ...(parts.custodian ? { custodian: parts.custodian } : {}),
    ...(parts.description ? { description: parts.description } : {}),
    content: [
      {
        attachment: parts.attachment,
        format: { system: 'http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode', code: 'urn:ihe:iti:xds:2017:mimeTypeSufficient', display: 'mimeType Sufficient' },
      },
    ],
    ...(parts.encounter || parts.period ? { context: { ...(parts.encounter ? { encounter: [parts.encounter] } : {}), ...(parts.period ? { period: parts.period } : {}) } } : {}),
  };
}

/** A stable UUID-shaped identifier derived from the resource id (no randomness in the dataset). */
function uuidFromId(id: string): string {
  let hex = '';
  for (let i = 0; hex.length < 32; i++) hex += ((id.charCodeAt(i % id.length) * 2654435761 + i * 40503) >>> 0).toString(16).padStart(8, '0');
  hex = hex.slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function appointmentResource(ap: SynthAppointment, dialect: VendorDialect, patient: ReferenceJson, practitioner: ReferenceJson, location: ReferenceJson, conditions: SynthCondition[]): FhirResource {
  const startMs = Date.parse(ap.start);
  const end = new Date(startMs + ap.minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const reason = conditions.find((c) => c.key === ap.reasonConditionKey);
  const participantStatus = ap.status === 'cancelled' ? 'declined' : 'accepted';
  return {
    resourceType: 'Appointment',
    id: dialect.id('Appointment', ap.key),
    meta: meta([], ap.created),
    status: ap.status,
    ...(ap.status === 'cancelled' ? { cancelationReason: concept('http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason', 'pat', 'Patient') } : {}),
    serviceType: [cc(ap.service)],
    appointmentType: concept('http://terminology.hl7.org/CodeSystem/v2-0276', ap.appointmentType, { ROUTINE: 'Routine appointment', FOLLOWUP: 'A follow up visit from a previous appointment', WALKIN: 'A previously unscheduled walk-in visit' }[ap.appointmentType]),
    ...(reason ? { reasonCode: [cc([reason.definition.snomed, CONDITIONS[reason.definition.kind].icd10], reason.definition.snomed.display)] } : {}),
    description: ap.description,
    start: ap.start,
    end,
    minutesDuration: ap.minutes,
    created: ap.created,
    participant: [
      { actor: patient, required: 'required', status: participantStatus },
      { actor: practitioner, required: 'required', status: participantStatus },
      { actor: location, required: 'required', status: 'accepted' },
    ],
  };
}
