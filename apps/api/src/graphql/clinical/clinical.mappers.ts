import type {
  AllergyIntolerance,
  Appointment,
  AppointmentParticipant,
  CodeableConcept,
  Condition,
  DiagnosticReport,
  Immunization,
  DocumentReference,
  Encounter,
  MedicationRequest,
  Observation,
  ObservationComponent,
  ObservationReferenceRange,
  Patient,
  Quantity,
  Reference,
  Resource,
  Slot,
} from '@medplum/fhirtypes';
import type {
  AllergyIntoleranceModel,
  AppointmentModel,
  CodingModel,
  ConditionModel,
  DiagnosticReportModel,
  ImmunizationModel,
  DocumentReferenceModel,
  EncounterModel,
  MedicationRequestModel,
  ObservationModel,
  PatientModel,
  SlotModel,
} from './clinical.types';

// FHIR R4 (https://hl7.org/fhir/R4/) → the friendly GraphQL fields. Pure functions:
// a missing element is null, never an error — EHRs omit far more than they send.

/** Required elements some EHRs still leave out: a non-null GraphQL field gets this, not an error. */
const UNKNOWN = 'unknown';
const MR_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const LOINC = 'http://loinc.org';
const US_CORE_DOC_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category';

/** Observation interpretation codes (http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation) shown when no display is sent. */
const INTERPRETATIONS: Record<string, string> = {
  H: 'High',
  HH: 'Critical high',
  HU: 'Significantly high',
  L: 'Low',
  LL: 'Critical low',
  LU: 'Significantly low',
  N: 'Normal',
  A: 'Abnormal',
  AA: 'Critical abnormal',
  POS: 'Positive',
  NEG: 'Negative',
  DET: 'Detected',
  ND: 'Not detected',
  IND: 'Indeterminate',
};

const base = (connectionId: string, resource: Resource) => ({
  id: resource.id ?? '',
  connectionId,
  resource: resource as unknown as Record<string, unknown>,
});

const orNull = <T>(value: T | undefined): T | null => (value === undefined || value === '' ? null : value);

export function codingOf(concept: CodeableConcept | undefined): CodingModel | null {
  const coding = concept?.coding?.[0];
  if (!coding) return null;
  return { system: orNull(coding.system), code: orNull(coding.code), display: orNull(coding.display) };
}

/** The text a person would read: `text`, else the first coding display, else its code. */
export function conceptText(concept: CodeableConcept | undefined): string | null {
  if (!concept) return null;
  if (concept.text) return concept.text;
  const coding = concept.coding?.find((c) => c.display) ?? concept.coding?.[0];
  return orNull(coding?.display ?? coding?.code);
}

const firstCode = (concepts: CodeableConcept[] | undefined): string | null => orNull(concepts?.[0]?.coding?.[0]?.code ?? concepts?.[0]?.text);
const statusCode = (concept: CodeableConcept | undefined): string | null => orNull(concept?.coding?.[0]?.code ?? concept?.text);
const referenceText = (ref: Reference | undefined): string | null => orNull(ref?.display ?? ref?.reference);

export function toPatient(connectionId: string, p: Patient): PatientModel {
  const identifiers = p.identifier ?? [];
  const mrn = identifiers.find((i) => i.type?.coding?.some((c) => c.code === 'MR' && (!c.system || c.system === MR_SYSTEM))) ?? identifiers[0];
  const name = p.name?.find((n) => n.use === 'official') ?? p.name?.find((n) => n.use !== 'old') ?? p.name?.[0];
  const given = name?.given ?? [];
  const display = [...given, name?.family].filter((s): s is string => !!s).join(' ');
  return {
    ...base(connectionId, p),
    mrn: orNull(mrn?.value),
    name: display || orNull(name?.text),
    family: orNull(name?.family),
    given,
    birthDate: orNull(p.birthDate),
    gender: orNull(p.gender),
  };
}

/** A quantity's number as written (no float noise), with its unit (`unit`, else the UCUM `code`). */
const quantity = (q: Quantity | undefined): { value: string | null; unit: string | null } => ({
  value: q?.value === undefined ? null : String(q.value),
  unit: orNull(q?.unit ?? q?.code),
});

type Valued = Pick<Observation, 'valueQuantity' | 'valueCodeableConcept' | 'valueString' | 'valueBoolean' | 'valueInteger' | 'valueTime' | 'valueDateTime' | 'valuePeriod' | 'valueRange' | 'valueRatio'>;

/** value[x] as text and unit; SampledData has no useful short form. */
export function valueOf(o: Valued): { value: string | null; unit: string | null } {
  if (o.valueQuantity) return quantity(o.valueQuantity);
  if (o.valueCodeableConcept) return { value: conceptText(o.valueCodeableConcept), unit: null };
  if (o.valueString !== undefined) return { value: o.valueString, unit: null };
  if (o.valueBoolean !== undefined) return { value: String(o.valueBoolean), unit: null };
  if (o.valueInteger !== undefined) return { value: String(o.valueInteger), unit: null };
  if (o.valueTime !== undefined) return { value: o.valueTime, unit: null };
  if (o.valueDateTime !== undefined) return { value: o.valueDateTime, unit: null };
  if (o.valuePeriod) return { value: [o.valuePeriod.start, o.valuePeriod.end].map((v) => v ?? '').join('–'), unit: null };
  if (o.valueRange) {
    const low = quantity(o.valueRange.low);
    const high = quantity(o.valueRange.high);
    return { value: `${low.value ?? ''}–${high.value ?? ''}`, unit: high.unit ?? low.unit };
  }
  if (o.valueRatio) {
    const n = quantity(o.valueRatio.numerator);
    const d = quantity(o.valueRatio.denominator);
    return { value: `${n.value ?? ''}/${d.value ?? ''}`, unit: n.unit };
  }
  return { value: null, unit: null };
}

/** Panels such as blood pressure carry their values in components: "120/80" when they share a unit. */
function componentValue(components: ObservationComponent[] | undefined): { value: string | null; unit: string | null } {
  const values = (components ?? []).map(valueOf).filter((v) => v.value !== null);
  if (values.length === 0) return { value: null, unit: null };
  const units = new Set(values.map((v) => v.unit));
  if (units.size === 1) return { value: values.map((v) => v.value).join('/'), unit: values[0]?.unit ?? null };
  return { value: values.map((v) => withUnit(v.value, v.unit)).join(', '), unit: null };
}

/** "72 /min", "98 %" → "98%", "120/80 mm[Hg]"; a value without a unit stays as it is. */
export function withUnit(value: string | null, unit: string | null): string | null {
  if (value === null) return null;
  if (!unit) return value;
  return unit === '%' ? `${value}%` : `${value} ${unit}`;
}

function interpretationOf(concepts: CodeableConcept[] | undefined): string | null {
  const concept = concepts?.[0];
  if (!concept) return null;
  if (concept.text) return concept.text;
  const coding = concept.coding?.[0];
  return orNull(coding?.display ?? (coding?.code ? (INTERPRETATIONS[coding.code] ?? coding.code) : undefined));
}

function rangeOf(ranges: ObservationReferenceRange[] | undefined): string | null {
  const range = ranges?.[0];
  if (!range) return null;
  if (range.text) return range.text;
  const low = quantity(range.low);
  const high = quantity(range.high);
  if (low.value === null && high.value === null) return null;
  const unit = high.unit ?? low.unit;
  const span = low.value !== null && high.value !== null ? `${low.value}–${high.value}` : low.value !== null ? `≥ ${low.value}` : `≤ ${high.value ?? ''}`;
  return withUnit(span, unit);
}

const effectiveOf = (r: Pick<Observation, 'effectiveDateTime' | 'effectiveInstant' | 'effectivePeriod' | 'issued'>): string | null =>
  orNull(r.effectiveDateTime ?? r.effectiveInstant ?? r.effectivePeriod?.start ?? r.issued);

export function toObservation(connectionId: string, o: Observation): ObservationModel {
  const own = valueOf(o);
  const { value, unit } = own.value !== null ? own : componentValue(o.component);
  return {
    ...base(connectionId, o),
    code: codingOf(o.code),
    display: conceptText(o.code),
    category: firstCode(o.category),
    effective: effectiveOf(o),
    value,
    unit,
    valueWithUnit: withUnit(value, unit),
    interpretation: interpretationOf(o.interpretation),
    referenceRange: rangeOf(o.referenceRange),
    status: o.status ?? UNKNOWN,
  };
}

export function toCondition(connectionId: string, c: Condition): ConditionModel {
  return {
    ...base(connectionId, c),
    code: codingOf(c.code),
    display: conceptText(c.code),
    clinicalStatus: statusCode(c.clinicalStatus),
    verificationStatus: statusCode(c.verificationStatus),
    category: firstCode(c.category),
    onset: orNull(c.onsetDateTime ?? c.onsetPeriod?.start ?? c.onsetString),
    recordedDate: orNull(c.recordedDate),
  };
}

export function toAllergyIntolerance(connectionId: string, a: AllergyIntolerance): AllergyIntoleranceModel {
  return {
    ...base(connectionId, a),
    code: codingOf(a.code),
    display: conceptText(a.code),
    clinicalStatus: statusCode(a.clinicalStatus),
    verificationStatus: statusCode(a.verificationStatus),
    criticality: orNull(a.criticality),
    categories: [...(a.category ?? [])],
    reactions: (a.reaction ?? []).flatMap((r) => (r.manifestation ?? []).map(conceptText)).filter((s): s is string => s !== null),
    recordedDate: orNull(a.recordedDate),
  };
}

export function toMedicationRequest(connectionId: string, m: MedicationRequest): MedicationRequestModel {
  return {
    ...base(connectionId, m),
    code: codingOf(m.medicationCodeableConcept),
    medication: conceptText(m.medicationCodeableConcept) ?? orNull(m.medicationReference?.display),
    status: m.status ?? UNKNOWN,
    intent: orNull(m.intent),
    authoredOn: orNull(m.authoredOn),
    dosage: orNull(m.dosageInstruction?.[0]?.text ?? m.dosageInstruction?.[0]?.patientInstruction),
    requester: orNull(m.requester?.display),
  };
}

export function toEncounter(connectionId: string, e: Encounter): EncounterModel {
  return {
    ...base(connectionId, e),
    status: e.status ?? UNKNOWN,
    class: orNull(e.class?.display ?? e.class?.code),
    type: conceptText(e.type?.[0]),
    start: orNull(e.period?.start),
    end: orNull(e.period?.end),
    reason: conceptText(e.reasonCode?.[0]) ?? orNull(e.reasonReference?.[0]?.display),
    location: orNull(e.location?.[0]?.location?.display),
  };
}

const participantText = (p: AppointmentParticipant): string | null => referenceText(p.actor) ?? conceptText(p.type?.[0]);

export function toAppointment(connectionId: string, a: Appointment): AppointmentModel {
  return {
    ...base(connectionId, a),
    status: a.status ?? UNKNOWN,
    start: orNull(a.start),
    end: orNull(a.end),
    minutesDuration: a.minutesDuration ?? null,
    description: orNull(a.description),
    serviceType: conceptText(a.serviceType?.[0]),
    participants: (a.participant ?? []).map(participantText).filter((s): s is string => s !== null),
  };
}

export function toSlot(connectionId: string, s: Slot): SlotModel {
  const minutes = s.start && s.end ? Math.round((Date.parse(s.end) - Date.parse(s.start)) / 60_000) : NaN;
  return {
    ...base(connectionId, s),
    status: s.status ?? UNKNOWN,
    start: orNull(s.start),
    end: orNull(s.end),
    minutesDuration: Number.isFinite(minutes) && minutes >= 0 ? minutes : null,
    appointmentType: conceptText(s.appointmentType) ?? conceptText(s.serviceType?.[0]),
    schedule: referenceText(s.schedule),
    comment: orNull(s.comment),
  };
}

/** The text of an inline `text/plain` attachment (any charset parameter is taken as UTF-8). */
export function attachmentText(attachment: { contentType?: string; data?: string } | undefined): string | null {
  if (!attachment?.data || !/^text\/plain\s*(;|$)/i.test(attachment.contentType ?? '')) return null;
  return Buffer.from(attachment.data, 'base64').toString('utf8');
}

export function toDocumentReference(connectionId: string, d: DocumentReference): DocumentReferenceModel {
  const attachments = (d.content ?? []).map((c) => c.attachment);
  const plain = attachments.find((a) => attachmentText(a) !== null);
  const first = plain ?? attachments[0];
  return {
    ...base(connectionId, d),
    status: d.status ?? UNKNOWN,
    type: conceptText(d.type),
    category: firstCode(d.category),
    date: orNull(d.date),
    title: orNull(d.description ?? first?.title),
    author: referenceText(d.author?.[0]),
    contentType: orNull(first?.contentType),
    url: orNull(first?.url),
    text: attachmentText(plain),
  };
}

export function toDiagnosticReport(connectionId: string, r: DiagnosticReport): DiagnosticReportModel {
  return {
    ...base(connectionId, r),
    code: codingOf(r.code),
    display: conceptText(r.code),
    status: r.status ?? UNKNOWN,
    category: firstCode(r.category),
    effective: orNull(r.effectiveDateTime ?? r.effectivePeriod?.start),
    issued: orNull(r.issued),
    conclusion: orNull(r.conclusion ?? conceptText(r.conclusionCode?.[0]) ?? undefined),
    resultIds: (r.result ?? []).map((ref) => /^Observation\/([^/]+)$/.exec(ref.reference ?? '')?.[1]).filter((s): s is string => !!s),
  };
}

export function toImmunization(connectionId: string, i: Immunization): ImmunizationModel {
  return {
    ...base(connectionId, i),
    code: codingOf(i.vaccineCode),
    display: conceptText(i.vaccineCode),
    status: i.status ?? UNKNOWN,
    occurrence: orNull(i.occurrenceDateTime ?? i.occurrenceString),
    lotNumber: orNull(i.lotNumber),
    dose: i.doseQuantity?.value !== undefined ? withUnit(String(i.doseQuantity.value), i.doseQuantity.unit ?? i.doseQuantity.code ?? null) : null,
  };
}

export interface NoteInput {
  patientId: string;
  text: string;
  title?: string;
  encounterId?: string;
  /** FHIR instant; omitted when undefined. */
  date?: string;
}

/**
 * A US Core 6.1.0 clinical note (https://hl7.org/fhir/us/core/STU6.1/StructureDefinition-us-core-documentreference.html):
 * a LOINC 11506-3 progress note, category clinical-note, the text inline as base64 text/plain.
 */
export function buildNote(input: NoteInput): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }], text: 'Progress note' },
    category: [{ coding: [{ system: US_CORE_DOC_CATEGORY, code: 'clinical-note', display: 'Clinical Note' }] }],
    subject: { reference: `Patient/${input.patientId}` },
    ...(input.date ? { date: input.date } : {}),
    ...(input.title ? { description: input.title } : {}),
    content: [
      {
        attachment: {
          contentType: 'text/plain',
          data: Buffer.from(input.text, 'utf8').toString('base64'),
          ...(input.title ? { title: input.title } : {}),
        },
      },
    ],
    ...(input.encounterId ? { context: { encounter: [{ reference: `Encounter/${input.encounterId}` }] } } : {}),
  };
}

export interface AppointmentInput {
  patientId: string;
  /** A free Slot to book (its time, and on athena its department and type, come from it). */
  slotId?: string;
  start?: string;
  end?: string;
  description?: string;
  practitionerId?: string;
}

/**
 * A booked Appointment (https://hl7.org/fhir/R4/appointment.html) with the patient (and
 * practitioner) accepted: at a time, or in a slot (`slot`).
 */
export function buildAppointment(input: AppointmentInput): Appointment {
  return {
    resourceType: 'Appointment',
    status: 'booked',
    ...(input.start ? { start: input.start } : {}),
    ...(input.end ? { end: input.end } : {}),
    ...(input.slotId ? { slot: [{ reference: `Slot/${input.slotId}` }] } : {}),
    ...(input.description ? { description: input.description } : {}),
    participant: [
      { actor: { reference: `Patient/${input.patientId}` }, required: 'required', status: 'accepted' },
      ...(input.practitionerId ? [{ actor: { reference: `Practitioner/${input.practitionerId}` }, required: 'required' as const, status: 'accepted' as const }] : []),
    ],
  };
}
