import type { Bundle, CodeableConcept, HumanName, Observation, Resource } from '@medplum/fhirtypes';
import { validateFhirResource } from '@sb/fhir';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { convertMessage, type Hl7Conversion } from './convert-message';

/**
 * The public corpus of Microsoft FHIR-Converter (MIT; see test/fixtures/hl7/README.md): every
 * message of a supported type is converted, every resource must pass the R4 JSON schema, and
 * key fields must agree with FHIR-Converter's expected bundle for that message. Expected values
 * come from those bundles only. The corpus lives in ../shared (not in this repo); without it
 * there are no corpus cases and one test records that the directory is absent.
 */

function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
const CORPUS = resolve(repoRoot(), '..', 'shared/fixtures/hl7/fhir-converter');

/** Message types (pairs.tsv first column) the converter supports. */
const SUPPORTED = new Set([
  ...['A01', 'A02', 'A03', 'A04', 'A08', 'A11', 'A13', 'A28', 'A31', 'A40'].map((t) => `ADT_${t}`),
  'ORU_R01',
  ...['S12', 'S13', 'S14', 'S15', 'S26'].map((t) => `SIU_${t}`),
  'VXU_V04',
  'MDM_T02',
]);

interface CorpusCase {
  type: string;
  file: string;
  expected: Bundle;
}

function loadCases(): CorpusCase[] {
  const rows = readFileSync(join(CORPUS, 'pairs.tsv'), 'utf8')
    .split(/\r?\n/)
    .filter(Boolean)
    .map((line) => line.split('\t'));
  // MDM^T02 has expected bundles but no pairs.tsv rows: pair them by file name.
  const mdmDir = join(CORPUS, 'expected', 'MDM_T02');
  if (existsSync(mdmDir)) {
    for (const expected of readdirSync(mdmDir).filter((f) => f.endsWith('-expected.json'))) {
      const file = expected.replace(/-expected\.json$/, '.hl7');
      if (!rows.some(([, f]) => f === file) && existsSync(join(CORPUS, 'messages', file))) rows.push(['MDM_T02', file, expected]);
    }
  }
  return rows
    .filter(([type]) => SUPPORTED.has(type))
    .map(([type, file, expected]) => ({ type, file, expected: JSON.parse(readFileSync(join(CORPUS, 'expected', type, expected), 'utf8')) as Bundle }));
}

const present = existsSync(CORPUS);
const cases = present ? loadCases() : [];

type ResourceOf<K extends Resource['resourceType']> = Extract<Resource, { resourceType: K }>;
const resourcesIn = <K extends Resource['resourceType']>(bundle: Bundle, type: K): ResourceOf<K>[] =>
  (bundle.entry ?? []).map((e) => e.resource).filter((r): r is ResourceOf<K> => r?.resourceType === type);
const ofType = <K extends Resource['resourceType']>(c: Hl7Conversion, type: K): ResourceOf<K>[] =>
  c.resources.filter((r): r is ResourceOf<K> => r.resourceType === type);
const codesOf = (cc: CodeableConcept | undefined): string[] => (cc?.coding ?? []).map((c) => c.code ?? '');
const firstCode = (cc: CodeableConcept | undefined): string | undefined => cc?.coding?.[0]?.code;

/** My name is in the expected bundle: same family, and its given names are among the expected ones. */
function nameMatches(mine: HumanName, expected: HumanName[]): boolean {
  return expected.some((e) => (e.family ?? '') === (mine.family ?? '') && (mine.given ?? []).every((g) => (e.given ?? []).includes(g)));
}

/** The value of an Observation in comparable form, or undefined when it has none of the compared kinds. */
function valueOf(o: Observation): string | undefined {
  if (o.valueQuantity?.value !== undefined) return `Quantity:${o.valueQuantity.value}`;
  if (o.valueString !== undefined) return `String:${o.valueString}`;
  if (o.valueCodeableConcept) return `Code:${firstCode(o.valueCodeableConcept)}`;
  return undefined;
}

if (!present) {
  it('without ../shared there are no corpus cases: the corpus directory is absent', () => {
    expect(existsSync(CORPUS)).toBe(false);
    expect(cases).toEqual([]);
  });
} else {
  it('finds every supported message of the corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.type))).toEqual(SUPPORTED);
  });
}

describe('Microsoft FHIR-Converter corpus', () => {
  if (cases.length === 0) return;

  it.each(cases.map((c) => [`${c.type} ${c.file}`, c] as const))('%s', (_, { file, expected }) => {
    const raw = readFileSync(join(CORPUS, 'messages', file), 'utf8');
    const outcome = convertMessage(raw, {}, { idNamespace: 'corpus' });
    if (!outcome.ok) throw new Error(`${file}: ${JSON.stringify(outcome.error)}`);
    const c = outcome.value;

    // Every resource passes the official R4 JSON schema.
    const issues = c.resources.flatMap((r) => validateFhirResource(r).map((i) => `${r.resourceType} ${i.path}: ${i.message}`));
    expect(issues).toEqual([]);
    expect(new Set(c.resources.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(c.resources.length);

    // Patient: identifiers, names, birth date, gender.
    const [patient] = ofType(c, 'Patient');
    const [expectedPatient] = resourcesIn(expected, 'Patient');
    if (expectedPatient) {
      expect(patient).toBeDefined();
      const expectedIds = new Set((expectedPatient.identifier ?? []).map((i) => i.value));
      expect((patient.identifier ?? []).map((i) => i.value).filter((v) => !expectedIds.has(v))).toEqual([]);
      const unmatched = (patient.name ?? []).filter((n) => (n.family || n.given) && !nameMatches(n, expectedPatient.name ?? []));
      expect(unmatched).toEqual([]);
      expect(patient.birthDate).toBe(expectedPatient.birthDate);
      expect(patient.gender).toBe(expectedPatient.gender ?? 'unknown');
    } else {
      // Microsoft's ADT^A40 template emits no Patient; the merges themselves are checked instead:
      // one per PID/MRG pair (ADT-A40-02 has two), each with its own patient.merged.
      const pairs = raw.split(/\r\n|\r|\n/).filter((line) => line.startsWith('MRG|')).length;
      expect(c.merges).toHaveLength(pairs);
      expect(c.merges?.[0]).toEqual({ survivorPatientId: patient.id, retiredPatientId: expect.any(String) });
      expect(c.events.filter((e) => e.type === 'patient.merged')).toHaveLength(pairs);
    }

    // Observations: each has an expected one with the same code; values agree where both have one.
    const expectedObservations = resourcesIn(expected, 'Observation');
    for (const o of ofType(c, 'Observation')) {
      const sameCode = expectedObservations.filter((e) => firstCode(e.code) === firstCode(o.code));
      expect({ code: firstCode(o.code), found: sameCode.length > 0 }).toEqual({ code: firstCode(o.code), found: true });
      const mine = valueOf(o);
      const theirs = sameCode.map(valueOf).filter((v) => v !== undefined);
      if (mine !== undefined && theirs.length) expect(theirs).toContain(mine);
    }

    if (c.messageType === 'ORU^R01') {
      expect(ofType(c, 'Observation')).toHaveLength(expectedObservations.length);
      expect(ofType(c, 'DiagnosticReport').map((r) => firstCode(r.code))).toEqual(resourcesIn(expected, 'DiagnosticReport').map((r) => firstCode(r.code)));
    }

    // Appointment: type, service and times.
    const [appointment] = ofType(c, 'Appointment');
    const [expectedAppointment] = resourcesIn(expected, 'Appointment');
    if (expectedAppointment) {
      expect(firstCode(appointment.appointmentType)).toBe(firstCode(expectedAppointment.appointmentType));
      // FHIR-Converter puts AIS-3 on the ServiceRequest the Appointment is basedOn; this converter on serviceType.
      const requests = resourcesIn(expected, 'ServiceRequest');
      const expectedServices = expectedAppointment.serviceType?.length
        ? expectedAppointment.serviceType.map(firstCode)
        : (expectedAppointment.basedOn ?? []).map((ref) => firstCode(requests.find((r) => `ServiceRequest/${r.id}` === ref.reference)?.code));
      expect((appointment.serviceType ?? []).map(firstCode)).toEqual(expectedServices);
      if (expectedAppointment.start) expect(Date.parse(appointment.start ?? '')).toBe(Date.parse(expectedAppointment.start));
      if (expectedAppointment.end) expect(Date.parse(appointment.end ?? '')).toBe(Date.parse(expectedAppointment.end));
    }

    // Immunizations: vaccine codes, dates, lot numbers, in message order.
    const pick = (i: { vaccineCode: CodeableConcept; occurrenceDateTime?: string; lotNumber?: string }) => ({
      codes: codesOf(i.vaccineCode),
      occurrence: i.occurrenceDateTime,
      lot: i.lotNumber,
    });
    expect(ofType(c, 'Immunization').map(pick)).toEqual(resourcesIn(expected, 'Immunization').map(pick));

    // DocumentReference: document number.
    const [document] = ofType(c, 'DocumentReference');
    const [expectedDocument] = resourcesIn(expected, 'DocumentReference');
    if (expectedDocument) expect(document.masterIdentifier?.value).toBe(expectedDocument.masterIdentifier?.value);
  });
});
