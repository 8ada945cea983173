import { generateDataset } from '../dataset/generate-dataset';
import { epicDialect } from '../epic/epic-dialect';
import { oracleDialect } from '../oracle/oracle-dialect';
import { buildResources } from './build-resources';
import type { FhirResource } from './fhir-types';

const dataset = generateDataset();
const epic = buildResources(dataset, epicDialect);
const oracle = buildResources(dataset, oracleDialect);
const ofType = (resources: FhirResource[], type: string): FhirResource[] => resources.filter((r) => r.resourceType === type);
const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition/';

/** FHIR JSON has no empty arrays, empty objects, nulls or empty strings. */
function emptyValuePaths(value: unknown, path = ''): string[] {
  if (value === null || value === undefined || value === '') return [path];
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => emptyValuePaths(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => emptyValuePaths(v, `${path}.${k}`));
  }
  return [];
}

describe('buildResources', () => {
  it('renders every record for both vendors, with unique ids', () => {
    for (const built of [epic, oracle]) {
      expect(ofType(built.resources, 'Patient')).toHaveLength(dataset.patients.length);
      const keys = built.resources.map((r) => `${r.resourceType}/${r.id}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(ofType(epic.resources, 'Observation')).toHaveLength(ofType(oracle.resources, 'Observation').length);
  });

  it('uses Epic-style opaque ids and Oracle numeric ids', () => {
    for (const r of epic.resources) expect(r.id).toMatch(/^e[A-Za-z0-9.-]{22}3$/);
    for (const r of oracle.resources) expect(r.id).toMatch(/^\d+$/);
    expect(ofType(oracle.resources, 'Patient')[0]?.id).toBe('12724066');
  });

  it('never emits empty values (invalid FHIR JSON)', () => {
    for (const r of [...epic.resources, ...oracle.resources, ...epic.binaries]) expect(emptyValuePaths(r)).toEqual([]);
  });

  it('carries the US Core patient must-supports and race/ethnicity extensions', () => {
    for (const p of ofType(epic.resources, 'Patient')) {
      expect(p.meta?.profile).toContain(`${US_CORE}us-core-patient`);
      expect(p).toMatchObject({ gender: expect.any(String), birthDate: expect.any(String) });
      const ext = (p.extension as { url: string }[]).map((e) => e.url);
      expect(ext).toEqual(expect.arrayContaining([`${US_CORE}us-core-race`, `${US_CORE}us-core-ethnicity`, 'http://open.epic.com/FHIR/StructureDefinition/extension/legal-sex']));
      const systems = (p.identifier as { system: string }[]).map((i) => i.system);
      expect(systems).toContain('urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14');
      expect((p.name as { family: string }[])[0]?.family).toBeTruthy();
    }
    const oraclePatient = ofType(oracle.resources, 'Patient')[0] as FhirResource;
    expect((oraclePatient.identifier as { type: { coding: { code: string }[] } }[])[0]?.type.coding[0]?.code).toBe('MR');
  });

  it('gives observations status, category, code, subject, effective and a value', () => {
    for (const o of ofType(epic.resources, 'Observation')) {
      expect(o).toMatchObject({ status: 'final', category: expect.any(Array), code: expect.any(Object), subject: { reference: expect.stringMatching(/^Patient\//) }, effectiveDateTime: expect.any(String) });
      const code = (o.code as { coding: { code: string }[] }).coding[0]?.code;
      if (code === '85354-9') {
        expect((o.component as { code: { coding: { code: string }[] } }[]).map((c) => c.code.coding[0]?.code)).toEqual(['8480-6', '8462-4']);
      } else {
        expect(o.valueQuantity ?? o.valueCodeableConcept).toBeDefined();
      }
      if (o.valueQuantity) expect(o.valueQuantity).toMatchObject({ system: 'http://unitsofmeasure.org', code: expect.any(String) });
    }
    const codes = new Set(ofType(oracle.resources, 'Observation').map((o) => (o.code as { coding: { code: string }[] }).coding[0]?.code));
    for (const loinc of ['8867-4', '85354-9', '29463-7', '8302-2', '39156-5', '8310-5', '59408-5', '2345-7', '4548-4', '2160-0', '718-7', '2093-3']) expect(codes).toContain(loinc);
  });

  it('links diagnostic reports to their observations, and notes to text', () => {
    const observationIds = new Set(ofType(oracle.resources, 'Observation').map((o) => `Observation/${o.id}`));
    for (const r of ofType(oracle.resources, 'DiagnosticReport')) {
      for (const ref of r.result as { reference: string }[]) expect(observationIds.has(ref.reference)).toBe(true);
    }
    const oracleNote = ofType(oracle.resources, 'DocumentReference')[0] as FhirResource;
    const attachment = (oracleNote.content as { attachment: { data: string } }[])[0]?.attachment;
    expect(Buffer.from(attachment?.data ?? '', 'base64').toString()).toContain('Synthetic note');
    const epicNote = ofType(epic.resources, 'DocumentReference')[0] as FhirResource;
    const url = (epicNote.content as { attachment: { url: string } }[])[0]?.attachment.url ?? '';
    expect(epic.binaries.some((b) => `Binary/${b.id}` === url)).toBe(true);
  });
});
