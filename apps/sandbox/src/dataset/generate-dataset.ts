import { clinicalNoteText } from './clinical-note-text';
import {
  ALLERGIES,
  APPOINTMENT_SERVICES,
  CONDITIONS,
  ENCOUNTER_TYPES,
  HISPANIC,
  LABS,
  LANGUAGES,
  MARITAL,
  MEDICATIONS,
  NOT_HISPANIC,
  PANELS,
  RACES,
  SMOKING_VALUES,
  VITALS,
  type Coding,
  type ConditionKind,
  type EncounterKind,
  type LabKind,
  type PanelKind,
  type VitalKind,
} from './code-sets';
import type {
  SynthAppointment,
  SynthCondition,
  SynthDataset,
  SynthEncounter,
  SynthLocation,
  SynthMedication,
  SynthObservation,
  SynthPatient,
  SynthPractitioner,
  SynthReport,
} from './dataset.types';
import { Prng } from './prng';
import { syntheticAddress, syntheticName, syntheticPhone } from './synthetic-names';

/** The seed `npm start` uses; documented in apps/sandbox/README.md. */
export const DEFAULT_SEED = 20260401;
/** The dataset's fixed "today", so the same seed gives the same dates on any day. */
export const DEFAULT_ANCHOR = '2026-11-02';
export const DEFAULT_PATIENT_COUNT = 60;

export interface DatasetOptions {
  seed?: number;
  patientCount?: number;
  anchor?: string;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const isoDate = (ms: number): string => iso(ms).slice(0, 10);
const round = (value: number, decimals: number): number => Number(value.toFixed(decimals));

/** NPI-shaped (10 digits, Luhn check over the 80840 prefix) but starting with 9, a digit never issued. */
function fictionalNpi(rng: Prng): string {
  const body = `9${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
  const digits = `80840${body}`.split('').map(Number);
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits[digits.length - 1 - i] as number;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

const SPECIALTIES = ['Family Medicine', 'Family Medicine', 'Internal Medicine', 'Internal Medicine', 'Cardiology', 'Endocrinology', 'Psychiatry', 'Pulmonology'];

function practitioners(seed: number): SynthPractitioner[] {
  const rng = Prng.derive(seed, 'practitioners');
  return Array.from({ length: 10 }, (_, i) => {
    const gender = rng.chance(0.5) ? 'female' : 'male';
    const name = syntheticName(rng, gender);
    return { key: `pr${i + 1}`, family: name.family, given: name.given.slice(0, 1), gender, npi: fictionalNpi(rng), specialty: SPECIALTIES[i % SPECIALTIES.length] as string };
  });
}

const CHRONIC_ODDS: readonly (readonly [ConditionKind, (age: number, gender: string) => number])[] = [
  ['hypertension', (age) => (age >= 50 ? 0.45 : 0.15)],
  ['diabetes', (age) => (age >= 50 ? 0.22 : 0.08)],
  ['hyperlipidemia', (age) => (age >= 45 ? 0.35 : 0.1)],
  ['asthma', () => 0.1],
  ['depression', () => 0.12],
  ['anxiety', () => 0.12],
  ['hypothyroidism', (_, gender) => (gender === 'female' ? 0.1 : 0.03)],
  ['obesity', () => 0.25],
  ['gerd', () => 0.1],
  ['knee-osteoarthritis', (age) => (age >= 55 ? 0.2 : 0.02)],
  ['migraine', (age, gender) => (age < 55 && gender === 'female' ? 0.12 : 0.04)],
];
const ACUTE: readonly ConditionKind[] = ['uri', 'sinusitis', 'uti', 'low-back-pain'];

/**
 * Builds the whole synthetic population from a seed: the same options always
 * give the same dataset, byte for byte. Patients draw from independent streams
 * (seed, patient index), the shared practitioners and locations from their own.
 */
export function generateDataset(options: DatasetOptions = {}): SynthDataset {
  const seed = options.seed ?? DEFAULT_SEED;
  const anchor = options.anchor ?? DEFAULT_ANCHOR;
  const anchorMs = Date.parse(`${anchor}T00:00:00Z`);
  if (Number.isNaN(anchorMs)) throw new Error('anchor must be a YYYY-MM-DD date');
  const orgRng = Prng.derive(seed, 'organization');
  const organization = {
    key: 'org1',
    name: 'Switchboard Sandbox Health System',
    npi: fictionalNpi(orgRng),
    phone: syntheticPhone(orgRng),
    address: syntheticAddress(orgRng),
  };
  const locations: SynthLocation[] = [
    { key: 'loc1', name: 'Sandbox Family Clinic', kind: 'clinic', address: syntheticAddress(orgRng) },
    { key: 'loc2', name: 'Sandbox Specialty Center', kind: 'clinic', address: syntheticAddress(orgRng) },
    { key: 'loc3', name: 'Sandbox Virtual Care', kind: 'virtual' },
  ];
  const staff = practitioners(seed);
  const patientCount = options.patientCount ?? DEFAULT_PATIENT_COUNT;
  const patients = Array.from({ length: patientCount }, (_, index) => generatePatient(seed, index, anchorMs, staff));
  return { seed, anchor, organization, locations, practitioners: staff, patients };
}

function generatePatient(seed: number, index: number, anchorMs: number, staff: SynthPractitioner[]): SynthPatient {
  const rng = Prng.derive(seed, `patient:${index}`);
  const key = `p${String(index + 1).padStart(3, '0')}`;
  const gender = rng.chance(0.52) ? 'female' : 'male';
  const name = syntheticName(rng, gender);
  const age = rng.int(18, 89);
  const anchorYear = new Date(anchorMs).getUTCFullYear();
  const birthDate = `${anchorYear - age}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  const primaryCare = staff.filter((p) => p.specialty === 'Family Medicine' || p.specialty === 'Internal Medicine');
  const pcp = rng.pick(primaryCare);
  const given0 = (name.given[0] as string).toLowerCase();

  const patient: SynthPatient = {
    key,
    index,
    family: name.family,
    given: name.given,
    gender,
    birthDate,
    race: rng.weighted(RACES),
    ethnicity: rng.chance(0.18) ? HISPANIC : NOT_HISPANIC,
    language: rng.weighted(LANGUAGES),
    maritalStatus: age < 25 ? (MARITAL.values[1] as readonly [string, string]) : rng.pick(MARITAL.values),
    address: syntheticAddress(rng),
    phone: syntheticPhone(rng),
    email: `${given0}.${name.family.toLowerCase()}@example.com`,
    pcpKey: pcp.key,
    epicMrn: String(200_000 + index * 1000 + rng.int(0, 999)),
    oracleMrn: String(10_000_000 + index * 1000 + rng.int(0, 999)),
    conditions: [],
    allergies: [],
    medications: [],
    encounters: [],
    observations: [],
    reports: [],
    notes: [],
    appointments: [],
  };

  // Chronic problems, each with an onset one to ten years back.
  const chronic = new Map<ConditionKind, SynthCondition>();
  for (const [kind, odds] of CHRONIC_ODDS) {
    if (!rng.chance(odds(age, gender))) continue;
    const onsetMs = anchorMs - rng.int(365, 3650) * DAY_MS;
    chronic.set(kind, {
      key: `${key}-c${patient.conditions.length + 1}`,
      definition: CONDITIONS[kind],
      category: 'problem-list-item',
      onset: isoDate(onsetMs),
      recorded: isoDate(onsetMs + rng.int(0, 30) * DAY_MS),
    });
  }
  if (age >= 60 && (chronic.has('hypertension') || chronic.has('diabetes')) && rng.chance(0.3)) {
    const onsetMs = anchorMs - rng.int(200, 1500) * DAY_MS;
    chronic.set('ckd3', { key: '', definition: CONDITIONS.ckd3, category: 'problem-list-item', onset: isoDate(onsetMs), recorded: isoDate(onsetMs + 7 * DAY_MS) });
  }
  for (const c of chronic.values()) {
    c.key = `${key}-c${patient.conditions.length + 1}`;
    patient.conditions.push(c);
  }

  const heightCm = rng.normal(gender === 'female' ? 163 : 176, 7, 145, 200);
  const bmi = chronic.has('obesity') ? rng.normal(33, 3, 30, 45) : rng.normal(25, 2.6, 18.5, 29.8);
  const baseWeight = bmi * (heightCm / 100) ** 2;
  const has = (kind: ConditionKind): boolean => chronic.has(kind);

  // Encounters: distinct days over the last three years, oldest first.
  const dayOffsets = rng.sample(Array.from({ length: 1090 }, (_, d) => d + 5), rng.int(3, 7)).sort((a, b) => b - a);
  let obsCount = 0;
  let reportCount = 0;
  const nextObsKey = (): string => `${key}-o${++obsCount}`;
  const addObservation = (o: Omit<SynthObservation, 'key'>): SynthObservation => {
    const observation = { key: nextObsKey(), ...o };
    patient.observations.push(observation);
    return observation;
  };
  const chronicList = [...chronic.values()];

  dayOffsets.forEach((daysBack, n) => {
    const kind: EncounterKind =
      n === 0 ? 'check-up' : rng.weighted<EncounterKind>([['follow-up', chronicList.length > 0 ? 3 : 0], ['telehealth', 3], ['symptom', 2], ['check-up', 1]]);
    const startMs = anchorMs - daysBack * DAY_MS + rng.int(13, 21) * 60 * MINUTE_MS + rng.pick([0, 15, 30, 45]) * MINUTE_MS;
    const spec = ENCOUNTER_TYPES[kind];
    const encounter: SynthEncounter = {
      key: `${key}-e${n + 1}`,
      kind,
      start: iso(startMs),
      end: iso(startMs + spec.minutes * MINUTE_MS),
      practitionerKey: rng.chance(0.75) ? pcp.key : rng.pick(staff).key,
      locationKey: spec.classCode === 'VR' ? 'loc3' : rng.pick(['loc1', 'loc1', 'loc2']),
    };
    let acute: ConditionKind | undefined;
    if (kind === 'symptom' || (kind === 'telehealth' && (chronicList.length === 0 || rng.chance(0.4)))) {
      acute = rng.pick(ACUTE);
      const abatementMs = startMs + rng.int(7, 21) * DAY_MS;
      const condition: SynthCondition = {
        key: `${key}-c${patient.conditions.length + 1}`,
        definition: CONDITIONS[acute],
        category: 'encounter-diagnosis',
        onset: isoDate(startMs - rng.int(1, 5) * DAY_MS),
        recorded: isoDate(startMs),
        abatement: abatementMs < anchorMs ? isoDate(abatementMs) : undefined,
        encounterKey: encounter.key,
      };
      patient.conditions.push(condition);
      encounter.reasonConditionKey = condition.key;
    } else if (kind !== 'check-up' && chronicList.length > 0) {
      encounter.reasonConditionKey = rng.pick(chronicList).key;
    }
    patient.encounters.push(encounter);

    // Vital signs: the full set in clinic, the home-measured ones on video.
    const fever = acute === 'uri' || acute === 'sinusitis';
    const vitalsAt = iso(startMs + 5 * MINUTE_MS);
    const weight = round(baseWeight + rng.normal(0, 1.5), 1);
    const systolic = Math.round(has('hypertension') ? rng.normal(142, 10, 118, 182) : rng.normal(117, 9, 94, 138));
    const diastolic = Math.round(has('hypertension') ? rng.normal(88, 7, 70, 112) : rng.normal(75, 6, 58, 88));
    const heartRate = Math.round(rng.normal(fever ? 86 : 72, 9, 50, 118));
    const vitals: [VitalKind, number | undefined][] =
      spec.classCode === 'VR'
        ? [['heart-rate', heartRate], ['blood-pressure', undefined], ['body-weight', weight]]
        : [
            ['heart-rate', heartRate],
            ['respiratory-rate', Math.round(rng.normal(15, 2, 11, 24))],
            ['blood-pressure', undefined],
            ['body-weight', weight],
            ['body-height', round(heightCm, 1)],
            ['bmi', round(weight / (heightCm / 100) ** 2, 1)],
            ['body-temperature', round(rng.normal(fever ? 37.9 : 36.8, 0.25, 35.9, 39.4), 1)],
            ['pulse-oximetry', Math.round(rng.normal(has('asthma') ? 96 : 98, 1, 91, 100))],
          ];
    for (const [vital, value] of vitals) {
      addObservation({
        category: 'vital-signs',
        vital,
        effective: vitalsAt,
        encounterKey: encounter.key,
        value: vital === 'blood-pressure' ? { kind: 'blood-pressure', systolic, diastolic } : { kind: 'quantity', value: value as number, unit: VITALS[vital].ucum },
      });
    }
    if (n === 0) {
      addObservation({ category: 'social-history', smoking: true, effective: vitalsAt, encounterKey: encounter.key, value: { kind: 'coded', coding: rng.weighted(SMOKING_VALUES) } });
    }

    // Laboratory panels, each reported by one DiagnosticReport.
    const panels = new Set<PanelKind>();
    if (kind === 'check-up') ['bmp', 'lipid', 'cbc', ...(has('diabetes') ? ['hba1c'] : [])].forEach((p) => panels.add(p as PanelKind));
    const reason = chronicList.find((c) => c.key === encounter.reasonConditionKey)?.definition.kind;
    if (kind === 'follow-up' && reason === 'diabetes') ['hba1c', 'bmp'].forEach((p) => panels.add(p as PanelKind));
    if (kind === 'follow-up' && reason === 'hyperlipidemia') panels.add('lipid');
    if (kind === 'follow-up' && (reason === 'hypertension' || reason === 'ckd3')) panels.add('bmp');
    const collectedMs = startMs + 20 * MINUTE_MS;
    for (const panel of panels) {
      const issued = iso(collectedMs + rng.int(18, 30) * 60 * MINUTE_MS);
      const results = PANELS[panel].labs.map((lab) =>
        addObservation({
          category: 'laboratory',
          lab,
          effective: iso(collectedMs),
          issued,
          encounterKey: encounter.key,
          value: { kind: 'quantity', value: labValue(rng, lab, gender, has), unit: LABS[lab].unit },
        }),
      );
      const report: SynthReport = {
        key: `${key}-r${++reportCount}`,
        panel,
        effective: iso(collectedMs),
        issued,
        encounterKey: encounter.key,
        resultKeys: results.map((r) => r.key),
        performerKey: 'org1',
      };
      patient.reports.push(report);
    }

    const acuteMed = acute === 'sinusitis' ? MEDICATIONS.find((m) => m.forConditions.includes('sinusitis')) : acute === 'low-back-pain' ? MEDICATIONS.find((m) => m.coding.code === '310965') : undefined;
    if (acuteMed && encounter.reasonConditionKey) {
      patient.medications.push({
        key: `${key}-m${patient.medications.length + 1}`,
        definition: acuteMed,
        status: 'completed',
        authoredOn: encounter.start,
        encounterKey: encounter.key,
        requesterKey: encounter.practitionerKey,
        reasonConditionKey: encounter.reasonConditionKey,
      });
    }
  });

  // Long-term medications for the chronic problems, prescribed at the first visit.
  const first = patient.encounters[0] as SynthEncounter;
  for (const condition of chronicList) {
    const options = MEDICATIONS.filter((m) => m.forConditions.includes(condition.definition.kind) && !m.forConditions.includes('sinusitis'));
    if (options.length === 0 || (condition.definition.kind === 'migraine' && rng.chance(0.5))) continue;
    const chosen = condition.definition.kind === 'hypertension' && rng.chance(0.3) ? rng.sample(options, 2) : [rng.pick(options)];
    for (const definition of chosen) {
      if (patient.medications.some((m) => m.definition === definition && m.status === 'active')) continue;
      const med: SynthMedication = {
        key: `${key}-m${patient.medications.length + 1}`,
        definition,
        status: rng.chance(0.1) ? 'stopped' : 'active',
        authoredOn: first.start,
        encounterKey: first.key,
        requesterKey: first.practitionerKey,
        reasonConditionKey: condition.key,
      };
      patient.medications.push(med);
    }
  }

  // Allergies: a third have one or two; everyone else carries "no known allergy".
  const recorded = first.start.slice(0, 10);
  if (rng.chance(0.35)) {
    rng.sample(ALLERGIES, rng.int(1, 2)).forEach((definition, i) => patient.allergies.push({ key: `${key}-a${i + 1}`, definition, recorded }));
  } else {
    patient.allergies.push({ key: `${key}-a1`, recorded });
  }

  // One note per encounter, written by its practitioner.
  const ageAt = (ms: number): number => Math.floor((ms - Date.parse(`${birthDate}T00:00:00Z`)) / (365.25 * DAY_MS));
  for (const encounter of patient.encounters) {
    const startMs = Date.parse(encounter.start);
    const vitalsOf = (vital: VitalKind): SynthObservation | undefined => patient.observations.find((o) => o.encounterKey === encounter.key && o.vital === vital);
    const bp = vitalsOf('blood-pressure')?.value;
    const hr = vitalsOf('heart-rate')?.value;
    const wt = vitalsOf('body-weight')?.value;
    const reason = patient.conditions.find((c) => c.key === encounter.reasonConditionKey);
    const activeProblems = patient.conditions.filter((c) => Date.parse(c.onset) <= startMs && (!c.abatement || Date.parse(c.abatement) > startMs));
    patient.notes.push({
      key: `${encounter.key}-n`,
      type: ENCOUNTER_TYPES[encounter.kind].note,
      date: encounter.end,
      encounterKey: encounter.key,
      authorKey: encounter.practitionerKey,
      text: clinicalNoteText(rng, {
        kind: encounter.kind,
        ageYears: ageAt(startMs),
        gender,
        problems: activeProblems.map((c) => c.definition.snomed.display),
        reason: reason?.definition.snomed.display,
        medications: patient.medications.filter((m) => Date.parse(m.authoredOn) <= startMs && m.status === 'active').map((m) => m.definition.coding.display),
        vitals:
          bp?.kind === 'blood-pressure' && hr?.kind === 'quantity' && wt?.kind === 'quantity' && encounter.kind !== 'telehealth'
            ? { systolic: bp.systolic, diastolic: bp.diastolic, heartRate: hr.value, weightKg: wt.value }
            : undefined,
      }),
    });
  }

  patient.appointments = appointments(rng, patient, anchorMs, pcp.key);
  return patient;
}

function appointments(rng: Prng, patient: SynthPatient, anchorMs: number, pcpKey: string): SynthAppointment[] {
  const out: SynthAppointment[] = [];
  const add = (a: Omit<SynthAppointment, 'key'>): void => {
    out.push({ key: `${patient.key}-ap${out.length + 1}`, ...a });
  };
  // Past video visits were booked as appointments and fulfilled.
  for (const encounter of patient.encounters.filter((e) => e.kind === 'telehealth')) {
    const startMs = Date.parse(encounter.start);
    add({
      status: 'fulfilled',
      service: APPOINTMENT_SERVICES[0] as Coding,
      appointmentType: 'FOLLOWUP',
      start: encounter.start,
      minutes: 15,
      created: iso(startMs - rng.int(2, 20) * DAY_MS),
      practitionerKey: encounter.practitionerKey,
      locationKey: 'loc3',
      reasonConditionKey: encounter.reasonConditionKey,
      description: 'Video visit',
    });
  }
  if (rng.chance(0.25)) {
    const startMs = anchorMs - rng.int(10, 300) * DAY_MS + rng.int(14, 21) * 60 * MINUTE_MS;
    add({ status: rng.chance(0.7) ? 'cancelled' : 'noshow', service: APPOINTMENT_SERVICES[1] as Coding, appointmentType: 'FOLLOWUP', start: iso(startMs), minutes: 20, created: iso(startMs - 14 * DAY_MS), practitionerKey: pcpKey, locationKey: 'loc1', description: 'Follow-up visit' });
  }
  // Upcoming visits, booked before the anchor date.
  const upcoming = rng.int(1, 2);
  for (let i = 0; i < upcoming; i++) {
    const video = rng.chance(0.6);
    const startMs = anchorMs + rng.int(2, 150) * DAY_MS + rng.int(14, 21) * 60 * MINUTE_MS + rng.pick([0, 30]) * MINUTE_MS;
    add({
      status: 'booked',
      service: (video ? APPOINTMENT_SERVICES[0] : rng.pick(APPOINTMENT_SERVICES.slice(1))) as Coding,
      appointmentType: video ? 'FOLLOWUP' : 'ROUTINE',
      start: iso(startMs),
      minutes: video ? 15 : 30,
      created: iso(anchorMs - rng.int(1, 30) * DAY_MS),
      practitionerKey: pcpKey,
      locationKey: video ? 'loc3' : 'loc1',
      reasonConditionKey: patient.conditions.find((c) => c.category === 'problem-list-item')?.key,
      description: video ? 'Video visit' : 'Office visit',
    });
  }
  return out.sort((a, b) => a.start.localeCompare(b.start));
}

function labValue(rng: Prng, lab: LabKind, gender: string, has: (kind: ConditionKind) => boolean): number {
  const d = LABS[lab].decimals;
  switch (lab) {
    case 'glucose':
      return round(has('diabetes') ? rng.normal(152, 30, 95, 320) : rng.normal(88, 9, 66, 124), d);
    case 'hba1c':
      return round(has('diabetes') ? rng.normal(7.6, 0.9, 6.1, 11) : rng.normal(5.3, 0.3, 4.3, 6.2), d);
    case 'creatinine':
      return round(has('ckd3') ? rng.normal(1.7, 0.25, 1.2, 2.6) : rng.normal(gender === 'female' ? 0.8 : 1.0, 0.14, 0.5, 1.35), d);
    case 'sodium':
      return round(rng.normal(140, 2, 133, 147), d);
    case 'potassium':
      return round(rng.normal(4.2, 0.35, 3.3, 5.4), d);
    case 'cholesterol':
      return round(has('hyperlipidemia') ? rng.normal(236, 25, 180, 320) : rng.normal(178, 22, 120, 240), d);
    case 'hdl':
      return round(rng.normal(52, 10, 28, 95), d);
    case 'ldl':
      return round(has('hyperlipidemia') ? rng.normal(156, 22, 100, 230) : rng.normal(104, 20, 50, 160), d);
    case 'triglycerides':
      return round(rng.normal(138, 45, 50, 400), d);
    case 'hemoglobin':
      return round(rng.normal(gender === 'female' ? 13.4 : 14.9, 0.9, 10, 18), d);
    case 'wbc':
      return round(rng.normal(7, 1.6, 3.5, 13), d);
    case 'platelets':
      return round(rng.normal(250, 50, 140, 450), d);
  }
}
