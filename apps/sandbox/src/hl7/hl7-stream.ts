import type { DocumentReference, Patient, Practitioner } from '@medplum/fhirtypes';
import { buildNoteMessage } from '@sb/hl7';
import { LABS, PANELS } from '../dataset/code-sets';
import type { SynthAppointment, SynthDataset, SynthEncounter, SynthPatient, SynthPractitioner, SynthReport } from '../dataset/dataset.types';
import { hash32, Prng } from '../dataset/prng';
import { c, dt, dtm, mshSeg, r, s, seg, type Raw } from './v2-text';

export const HL7_STREAM_TYPES = ['ADT', 'ORU', 'SIU', 'MDM'] as const;
export type Hl7StreamType = (typeof HL7_STREAM_TYPES)[number];

export interface Hl7StreamOptions {
  seed: number;
  count: number;
  types: readonly Hl7StreamType[];
  sendingFacility: string;
  sendingApplication: string;
  receivingApplication: string;
  receivingFacility: string;
}

export interface Hl7StreamMessage {
  controlId: string;
  /** MSH-9.1^MSH-9.2, e.g. `ADT^A04`. */
  type: string;
  raw: string;
}

/** One clinical event before it becomes a message: when it happened, its kind, and how to write it. */
interface StoryEvent {
  at: string;
  kind: Hl7StreamType;
  write(controlId: string): { type: string; raw: string };
}

const NPI_AUTHORITY = s('NPI', '2.16.840.1.113883.4.6', 'ISO');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const plus = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const SERVICE_COMMENTS = ['Specimen received in good condition.', 'Result verified by repeat analysis.', 'Hemolysis not detected.', 'Specimen collected at the clinic draw station.'];
const CANCEL_REASONS = ['Cancelled by patient', 'Provider unavailable', 'Patient rescheduled by phone'];
const WARDS = [
  ['4W', '412', 'A'],
  ['4E', '420', 'B'],
  ['5N', '507', 'A'],
  ['3S', '318', 'B'],
] as const;

/**
 * The sandbox hospital's HL7 v2.5.1 feed: for each synthetic patient (in a seeded order) a
 * short visit story — scheduling (SIU S12/S13/S15), registration or admission, update,
 * transfer and discharge (ADT A04/A01/A08/A02/A03), lab results (ORU R01: NM values with
 * units, ranges and flags, an ST comment and a CWE fasting status, LOINC-coded) and the
 * visit note (MDM T02) — in time order, filtered to `types`, cut at `count`.
 *
 * The same dataset, seed and options give byte-identical messages (timestamps come from
 * the dataset, never the clock), so control ids repeat too: use another seed for new ones.
 * PID-3 carries the patient's Epic-side MRN, as an HL7 feed from the same hospital would.
 */
export function generateHl7Stream(dataset: SynthDataset, options: Hl7StreamOptions): Hl7StreamMessage[] {
  const practitioners = new Map(dataset.practitioners.map((p) => [p.key, p]));
  const order = Prng.derive(options.seed, 'hl7-stream').sample(dataset.patients, dataset.patients.length);
  const prefix = `SB${(hash32(`hl7:${options.seed}`) % 36 ** 6).toString(36).toUpperCase().padStart(6, '0')}`;
  const wanted = new Set(options.types);
  const out: Hl7StreamMessage[] = [];
  for (let cycle = 0; out.length < options.count; cycle++) {
    const before = out.length;
    for (const patient of order) {
      const events = story(dataset, practitioners, patient, cycle, options).filter((e) => wanted.has(e.kind));
      for (const event of events) {
        if (out.length >= options.count) break;
        const controlId = `${prefix}${String(out.length + 1).padStart(6, '0')}`;
        out.push({ controlId, ...event.write(controlId) });
      }
      if (out.length >= options.count) break;
    }
    if (out.length === before) break; // nothing of the wanted types exists at all
  }
  return out;
}

function story(dataset: SynthDataset, practitioners: Map<string, SynthPractitioner>, patient: SynthPatient, cycle: number, o: Hl7StreamOptions): StoryEvent[] {
  const rng = Prng.derive(o.seed, `hl7-story:${patient.key}:${cycle}`);
  const encounter = rng.pick(patient.encounters);
  const inpatient = rng.chance(0.25);
  const doctor = practitioners.get(encounter.practitionerKey) as SynthPractitioner;
  const visit = `V${String(hash32(`${o.seed}:${encounter.key}:${cycle}`) % 100_000_000).padStart(8, '0')}`;
  const clinic = dataset.locations.find((l) => l.key === encounter.locationKey)?.name ?? 'Sandbox Family Clinic';
  const [ward, room, bed] = rng.pick(WARDS);
  const [toWard, toRoom, toBed] = rng.pick(WARDS.filter((w) => w[0] !== ward));
  const admitted = encounter.start;
  const discharged = inpatient ? plus(encounter.start, rng.int(2, 5) * DAY_MS) : encounter.end;

  const msh = (at: string, type: [string, string, string], controlId: string): string =>
    mshSeg({ 3: o.sendingApplication, 4: o.sendingFacility, 5: o.receivingApplication, 6: o.receivingFacility, 7: dtm(at), 9: c(...type), 10: controlId, 11: 'P', 12: '2.5.1' });
  const pid = seg('PID', {
    1: '1',
    3: c(patient.epicMrn, undefined, undefined, o.sendingFacility, 'MR'),
    5: c(patient.family, patient.given[0], patient.given.slice(1).join(' ') || undefined, undefined, undefined, undefined, 'L'),
    7: dt(patient.birthDate),
    8: patient.gender === 'female' ? 'F' : 'M',
    10: c(patient.race.code, patient.race.display, 'CDCREC'),
    11: c(patient.address.line[0], undefined, patient.address.city, patient.address.state, patient.address.postalCode, 'USA', 'H'),
    13: r(c(undefined, 'PRN', 'PH', undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, patient.phone), c(undefined, 'NET', 'Internet', patient.email)),
    16: c(patient.maritalStatus[0], patient.maritalStatus[1], 'HL70002'),
    22: c(patient.ethnicity.code, patient.ethnicity.display, 'CDCREC'),
  });
  const xcn = (p: SynthPractitioner): Raw => c(p.npi, p.family, p.given[0], undefined, undefined, undefined, undefined, undefined, NPI_AUTHORITY, 'L', undefined, undefined, 'NPI');
  const pv1 = (extra: Record<number, string | Raw | undefined> = {}, location = inpatient ? c(ward, room, bed, o.sendingFacility) : c(clinic, undefined, undefined, o.sendingFacility)): string =>
    seg('PV1', { 1: '1', 2: inpatient ? 'I' : 'O', 3: location, 4: inpatient ? 'U' : 'R', 7: xcn(doctor), 10: 'MED', 19: c(visit, undefined, undefined, o.sendingFacility, 'VN'), 44: dtm(admitted), ...extra });

  const adt = (at: string, trigger: string, extra: string[] = [], pv1Segment = pv1()): StoryEvent => ({
    at,
    kind: 'ADT',
    write: (id) => ({ type: `ADT^${trigger}`, raw: [msh(at, ['ADT', trigger, trigger === 'A08' || trigger === 'A04' ? 'ADT_A01' : trigger === 'A02' ? 'ADT_A02' : trigger === 'A03' ? 'ADT_A03' : 'ADT_A01'], id), seg('EVN', { 1: trigger, 2: dtm(at), 6: dtm(at) }), pid, pv1Segment, ...extra].join('\r') }),
  });
  const reason = patient.conditions.find((cond) => cond.key === encounter.reasonConditionKey);
  const dg1 = reason ? [seg('DG1', { 1: '1', 3: c(reason.definition.icd10.code, reason.definition.icd10.display, 'I10'), 6: 'W' })] : [];
  const al1 = patient.allergies.filter((a) => a.definition).map((a, i) => seg('AL1', { 1: String(i + 1), 2: c(a.definition?.category === 'medication' ? 'DA' : a.definition?.category === 'food' ? 'FA' : 'EA', undefined, 'HL70127'), 3: c(a.definition?.coding.code, a.definition?.coding.display, a.definition?.coding.system.includes('rxnorm') ? 'RXNORM' : 'SCT'), 4: a.definition?.criticality === 'high' ? 'SV' : 'MI' }));

  const events: StoryEvent[] = [];
  // Scheduling: the booking comes first, then a reschedule or a cancellation.
  const appointment = patient.appointments.length > 0 ? rng.pick(patient.appointments) : undefined;
  if (appointment) events.push(...scheduling(appointment, rng, practitioners, o, msh, pid, xcn, dataset));

  // Registration (outpatient) or admission, an update, a transfer for inpatients, the discharge.
  events.push(adt(admitted, inpatient ? 'A01' : 'A04', [...al1, ...dg1]));
  events.push(adt(plus(admitted, 10 * 60_000), 'A08', dg1));
  if (inpatient) {
    const transferAt = plus(admitted, rng.int(4, 30) * HOUR_MS);
    events.push(adt(transferAt, 'A02', [], pv1({ 6: c(ward, room, bed, o.sendingFacility) }, c(toWard, toRoom, toBed, o.sendingFacility))));
  }

  // Lab results for this visit (any of the patient's reports when the visit had none).
  const reports = patient.reports.filter((rep) => rep.encounterKey === encounter.key);
  const labReports = reports.length > 0 ? reports : patient.reports.length > 0 ? [rng.pick(patient.reports)] : [];
  for (const report of labReports) events.push(labResult(report, patient, doctor, rng, o, msh, pid, pv1, xcn));

  // The visit note, written with the gateway's own MDM builder.
  const note = patient.notes.find((n) => n.encounterKey === encounter.key);
  if (note) {
    const author = practitioners.get(note.authorKey) as SynthPractitioner;
    events.push({
      at: note.date,
      kind: 'MDM',
      write: (id) => ({ type: 'MDM^T02', raw: noteMessage(note, patient, author, encounter, visit, inpatient ? 'I' : 'O', id, o) }),
    });
  }

  const dischargeAt = inpatient ? discharged : plus(encounter.end, 5 * 60_000);
  events.push(adt(dischargeAt, 'A03', dg1, pv1({ 36: '01', 45: dtm(discharged) }, inpatient ? c(toWard, toRoom, toBed, o.sendingFacility) : undefined)));
  // Stable: events at the same instant keep their story order.
  return events.map((e, i) => ({ e, i })).sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i).map(({ e }) => e);
}

type Msh = (at: string, type: [string, string, string], controlId: string) => string;

function scheduling(
  appointment: SynthAppointment,
  rng: Prng,
  practitioners: Map<string, SynthPractitioner>,
  o: Hl7StreamOptions,
  msh: Msh,
  pid: string,
  xcn: (p: SynthPractitioner) => Raw,
  dataset: SynthDataset,
): StoryEvent[] {
  const doctor = practitioners.get(appointment.practitionerKey) as SynthPractitioner;
  const location = dataset.locations.find((l) => l.key === appointment.locationKey)?.name ?? 'Sandbox Family Clinic';
  const placer = `APT${hash32(`${o.seed}:${appointment.key}`) % 10_000_000}`;
  const siu = (at: string, trigger: 'S12' | 'S13' | 'S15', start: string, status: string, reason: string): StoryEvent => ({
    at,
    kind: 'SIU',
    write: (id) => {
      const end = plus(start, appointment.minutes * 60_000);
      const action = trigger === 'S12' ? 'A' : trigger === 'S15' ? 'D' : 'U';
      return {
        type: `SIU^${trigger}`,
        raw: [
          msh(at, ['SIU', trigger, 'SIU_S12'], id),
          seg('SCH', {
            1: c(placer, o.sendingApplication),
            2: c(placer, o.sendingApplication),
            6: c(undefined, reason),
            7: c(appointment.appointmentType, undefined, 'HL70276'),
            8: c('Normal', undefined, 'HL70277'),
            9: String(appointment.minutes),
            10: c('min', 'minutes', 'UCUM'),
            11: c(undefined, undefined, `M${appointment.minutes}`, dtm(start), dtm(end)),
            16: xcn(doctor),
            20: xcn(doctor),
            25: c(status, undefined, 'HL70278'),
          }),
          seg('NTE', { 1: '1', 2: 'P', 3: appointment.description }),
          pid,
          seg('PV1', { 1: '1', 2: 'O' }),
          seg('RGS', { 1: '1', 2: action }),
          seg('AIS', { 1: '1', 2: action, 3: c(appointment.service.code, appointment.service.display, 'SCT'), 4: dtm(start), 7: String(appointment.minutes), 8: c('min', 'minutes', 'UCUM') }),
          seg('AIL', { 1: '1', 2: action, 3: c(location, undefined, undefined, o.sendingFacility), 6: dtm(start) }),
          seg('AIP', { 1: '1', 2: action, 3: xcn(doctor), 4: c('ATND', 'Attending', 'HL70443'), 6: dtm(start) }),
        ].join('\r'),
      };
    },
  });
  const events = [siu(appointment.created, 'S12', appointment.start, 'Booked', 'New appointment')];
  if (appointment.status === 'cancelled' || appointment.status === 'noshow') {
    events.push(siu(plus(appointment.start, -DAY_MS), 'S15', appointment.start, 'Cancelled', rng.pick(CANCEL_REASONS)));
  } else if (rng.chance(0.35)) {
    const moved = plus(appointment.start, rng.int(1, 14) * DAY_MS);
    events.push(siu(plus(appointment.created, DAY_MS), 'S13', moved, 'Booked', 'Rescheduled at patient request'));
  }
  return events;
}

function labResult(
  report: SynthReport,
  patient: SynthPatient,
  doctor: SynthPractitioner,
  rng: Prng,
  o: Hl7StreamOptions,
  msh: Msh,
  pid: string,
  pv1: () => string,
  xcn: (p: SynthPractitioner) => Raw,
): StoryEvent {
  const panel = PANELS[report.panel];
  const placer = `ORD${hash32(`${o.seed}:${report.key}`) % 10_000_000}`;
  const filler = `LAB${hash32(`filler:${o.seed}:${report.key}`) % 10_000_000}`;
  const fasting = rng.chance(0.6);
  const comment = rng.pick(SERVICE_COMMENTS);
  return {
    at: report.issued,
    kind: 'ORU',
    write: (id) => {
      const results = report.resultKeys
        .map((key) => patient.observations.find((obs) => obs.key === key))
        .filter((obs) => obs?.lab !== undefined && obs.value.kind === 'quantity');
      const obx: string[] = results.map((obs, i) => {
        const lab = LABS[obs?.lab as keyof typeof LABS];
        const value = obs?.value.kind === 'quantity' ? obs.value.value : 0;
        const flag = value > lab.high ? 'H' : value < lab.low ? 'L' : 'N';
        return seg('OBX', {
          1: String(i + 1),
          2: 'NM',
          3: c(lab.coding.code, lab.coding.display, 'LN'),
          5: value.toFixed(lab.decimals),
          6: c(lab.unit, lab.unit, 'UCUM'),
          7: `${lab.low}-${lab.high}`,
          8: flag,
          11: 'F',
          14: dtm(report.effective),
        });
      });
      obx.push(seg('OBX', { 1: String(obx.length + 1), 2: 'CWE', 3: c('49541-6', 'Fasting status - Reported', 'LN'), 5: fasting ? c('Y', 'Yes', 'HL70136') : c('N', 'No', 'HL70136'), 11: 'F', 14: dtm(report.effective) }));
      obx.push(seg('OBX', { 1: String(obx.length + 1), 2: 'ST', 3: c('8251-1', 'Service comment', 'LN'), 5: comment, 11: 'F', 14: dtm(report.effective) }));
      return {
        type: 'ORU^R01',
        raw: [
          msh(report.issued, ['ORU', 'R01', 'ORU_R01'], id),
          pid,
          pv1(),
          seg('ORC', { 1: 'RE', 2: c(placer, o.sendingApplication), 3: c(filler, 'SB_LAB'), 5: 'CM', 9: dtm(report.issued), 12: xcn(doctor) }),
          seg('OBR', {
            1: '1',
            2: c(placer, o.sendingApplication),
            3: c(filler, 'SB_LAB'),
            4: c(panel.coding.code, panel.coding.display, 'LN'),
            7: dtm(report.effective),
            16: xcn(doctor),
            22: dtm(report.issued),
            24: 'LAB',
            25: 'F',
          }),
          ...obx,
        ].join('\r'),
      };
    },
  };
}

function noteMessage(
  note: SynthPatient['notes'][number],
  patient: SynthPatient,
  author: SynthPractitioner,
  encounter: SynthEncounter,
  visit: string,
  patientClass: 'I' | 'O',
  controlId: string,
  o: Hl7StreamOptions,
): string {
  const fhirPatient: Patient = {
    resourceType: 'Patient',
    identifier: [{ type: { coding: [{ code: 'MR' }] }, value: patient.epicMrn, assigner: { display: o.sendingFacility } }],
    name: [{ use: 'official', family: patient.family, given: patient.given }],
    birthDate: patient.birthDate,
    gender: patient.gender,
  };
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    id: author.key,
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: author.npi }],
    name: [{ family: author.family, given: author.given }],
  };
  const doc: DocumentReference = {
    resourceType: 'DocumentReference',
    masterIdentifier: { value: `${o.sendingFacility}-${note.key}` },
    status: 'current',
    docStatus: 'final',
    type: { coding: [note.type] },
    subject: { identifier: fhirPatient.identifier?.[0] },
    date: note.date,
    author: [{ reference: `Practitioner/${author.key}` }],
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(note.text, 'utf8').toString('base64') } }],
    context: { encounter: [{ identifier: { value: visit, assigner: { display: o.sendingFacility } } }], period: { start: encounter.start } },
  };
  return buildNoteMessage(doc, fhirPatient, {
    controlId,
    sendingApplication: o.sendingApplication,
    sendingFacility: o.sendingFacility,
    receivingApplication: o.receivingApplication,
    receivingFacility: o.receivingFacility,
    now: new Date(note.date),
    patientClass,
    practitioners: [practitioner],
  });
}
