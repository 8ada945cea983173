import type { Encounter, Observation, Patient } from '@medplum/fhirtypes';
import { hl7DialectSchema, type Hl7Dialect } from '../dialect/hl7-dialect.schema';
import { convertMessage, patientKeyOf } from './convert-message';
import { convertOrFail, onlyResource, resourcesOf } from './testing/convert-or-fail';
import { hl7, msh, segment, SYNTHETIC_PID, syntheticPv1 } from './testing/synthetic-messages';

/** Every dialect in this file goes through the schema first, as a connection's would. */
const dialect = (input: unknown): Hl7Dialect => hl7DialectSchema.parse(input);

/** A site that sends its MRN in PID-2 and a billing number typed MR in PID-3. */
const LEGACY_PID = segment('PID', { 1: '1', 2: 'L-4242^^^LEGACY', 3: 'B-9000^^^BILLING^MR', 5: 'Legacyperson^Lee', 7: '19700101', 8: 'M' });
const adt = (pid: string, ...rest: string[]): string => hl7(msh('ADT^A01^ADT_A01'), pid, syntheticPv1(), ...rest);

describe('dialect features', () => {
  it('MRN in PID-2, chosen by patientIdentifier.field or copied into PID-3 by a field override', () => {
    const byField = dialect({ patientIdentifier: { field: 'PID-2' } });
    const viaField = convertOrFail(adt(LEGACY_PID), byField);
    expect(viaField.patientKey).toBe('urn:switchboard:hl7:LEGACY|L-4242');
    expect(patientKeyOf(adt(LEGACY_PID), byField)).toBe(viaField.patientKey);

    const byOverride = dialect({ fieldOverrides: [{ target: 'PID-3', from: 'PID-2' }] });
    const viaOverride = convertOrFail(adt(LEGACY_PID), byOverride);
    expect(viaOverride.patientKey).toBe('urn:switchboard:hl7:LEGACY|L-4242');
    expect(viaOverride.resources[0].id).toBe(viaField.resources[0].id);
    expect(patientKeyOf(adt(LEGACY_PID), byOverride)).toBe(viaOverride.patientKey);

    // Without a dialect the MR-typed billing number would be the MRN.
    expect(patientKeyOf(adt(LEGACY_PID), {})).toBe('urn:switchboard:hl7:BILLING|B-9000');
    // An empty PID-2 falls back to PID-3.
    expect(patientKeyOf(adt(SYNTHETIC_PID.replace('EXT-77^^^OLDSYS^PI', '')), byField)).toBe('urn:switchboard:hl7:SYNHOSP|100001');
  });

  it('typeCode and assigningAuthority choose among PID-3 repetitions', () => {
    const pid = segment('PID', { 1: '1', 3: 'A-1^^^SITE-A^PI~B-2^^^SITE-B^MR~C-3^^^SITE-C^PI', 5: 'Choice^Casey', 8: 'U' });
    expect(patientKeyOf(adt(pid), {})).toBe('urn:switchboard:hl7:SITE-B|B-2');
    expect(patientKeyOf(adt(pid), dialect({ patientIdentifier: { typeCode: 'PI' } }))).toBe('urn:switchboard:hl7:SITE-A|A-1');
    expect(patientKeyOf(adt(pid), dialect({ patientIdentifier: { typeCode: 'PI', assigningAuthority: 'SITE-C' } }))).toBe('urn:switchboard:hl7:SITE-C|C-3');
    // Preferences, not filters: no repetition typed XX → the first.
    expect(patientKeyOf(adt(pid), dialect({ patientIdentifier: { typeCode: 'XX' } }))).toBe('urn:switchboard:hl7:SITE-A|A-1');
  });

  it('identifierSystems: the MRN system, others by assigning authority or type code; ISO OIDs as urn:oid', () => {
    const pid = segment('PID', { 1: '1', 3: '100001^^^SYNHOSP^MR~999-00-1234^^^SSA^SS~X-5^^^&1.2.840.99.7&ISO^PI~DL-1^^^^DL', 5: 'Systems^Sam', 8: 'F' });
    const c = convertOrFail(
      adt(pid),
      dialect({ identifierSystems: { mrn: 'https://synhosp.example/mrn', other: { SSA: 'http://hl7.org/fhir/sid/us-ssn', DL: 'https://example.org/dl' } } }),
    );
    expect(c.patientKey).toBe('https://synhosp.example/mrn|100001');
    expect(onlyResource<Patient>(c, 'Patient').identifier?.map((i) => `${i.system}|${i.value}`)).toEqual([
      'https://synhosp.example/mrn|100001',
      'http://hl7.org/fhir/sid/us-ssn|999-00-1234',
      'urn:oid:1.2.840.99.7|X-5',
      'https://example.org/dl|DL-1',
    ]);
  });

  it('field overrides set literal values at field, component and subcomponent level, in order', () => {
    const c = convertOrFail(
      adt(SYNTHETIC_PID),
      dialect({
        fieldOverrides: [
          { target: 'PV1-2', value: 'E' },
          { target: 'PID-3-4', value: 'RENAMED' },
          { target: 'PID-5-1', value: 'Over^ridden' },
        ],
      }),
    );
    expect(onlyResource<Encounter>(c, 'Encounter').class.code).toBe('EMER');
    expect(c.patientKey).toBe('urn:switchboard:hl7:RENAMED|100001');
    // A literal is escaped, so a delimiter in it stays text.
    expect(onlyResource<Patient>(c, 'Patient').name?.[0].family).toBe('Over^ridden');
  });

  it('codeMaps put the standard coding first and keep the local one (OBX-3, OBR-4, OBX-5)', () => {
    const labDialect = dialect({
      codeMaps: [
        { field: 'OBX-3', sourceSystem: 'L', map: { GLU: { system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' } } },
        { field: 'OBR-4', map: { BMP: { system: 'http://loinc.org', code: '51990-0', display: 'Basic metabolic panel' } } },
        { field: 'OBX-5', map: { POS: { system: 'http://snomed.info/sct', code: '10828004', display: 'Positive' } } },
      ],
    });
    const c = convertOrFail(
      hl7(
        msh('ORU^R01^ORU_R01'),
        SYNTHETIC_PID,
        'OBR|1||F-1^SYNLAB|BMP^Basic panel^L|||20240105080000',
        'OBX|1|NM|GLU^Glucose^L||98|mg/dL|||||F',
        'OBX|2|NM|GLU^Glucose^99OTHER||99|mg/dL|||||F',
        'OBX|3|CWE|FLU^Influenza A^L||POS^Positive^L||||||F',
      ),
      labDialect,
    );
    const [mapped, otherSystem, coded] = resourcesOf<Observation>(c, 'Observation');
    expect(mapped.code.coding).toEqual([
      { system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' },
      { system: 'urn:switchboard:hl7:codesystem:L', code: 'GLU', display: 'Glucose' },
    ]);
    expect(otherSystem.code.coding?.map((x) => x.code)).toEqual(['GLU']);
    expect(coded.valueCodeableConcept?.coding?.[0]).toEqual({ system: 'http://snomed.info/sct', code: '10828004', display: 'Positive' });
    expect(c.resources[1]).toMatchObject({ code: { coding: [{ system: 'http://loinc.org', code: '51990-0' }, { code: 'BMP' }] } });
    // The id keys on the local code: adding a map later does not re-key stored results.
    expect(convertOrFail(hl7(msh('ORU^R01'), SYNTHETIC_PID, 'OBR|1||F-1^SYNLAB|BMP^Basic panel^L', 'OBX|1|NM|GLU^Glucose^L||98|mg/dL|||||F')).resources[2].id).toBe(mapped.id);
  });

  it('Z-segment values become extensions on the named resource type; values that do not fit are skipped', () => {
    const zDialect = dialect({
      zSegments: [
        { segment: 'ZPI', field: 1, resource: 'Patient', url: 'https://example.org/fhir/StructureDefinition/vip', valueType: 'boolean' },
        { segment: 'ZPI', field: 2, component: 2, resource: 'Patient', url: 'https://example.org/fhir/StructureDefinition/language-note', valueType: 'string' },
        { segment: 'ZPI', field: 3, resource: 'Patient', url: 'https://example.org/fhir/StructureDefinition/opt-in', valueType: 'dateTime' },
        { segment: 'ZPI', field: 4, resource: 'Patient', url: 'https://example.org/fhir/StructureDefinition/bad-bool', valueType: 'boolean' },
        { segment: 'ZVI', field: 1, resource: 'Encounter', url: 'https://example.org/fhir/StructureDefinition/acuity', valueType: 'integer' },
        { segment: 'ZVI', field: 2, resource: 'Encounter', url: 'https://example.org/fhir/StructureDefinition/unit', valueType: 'code' },
        { segment: 'ZXX', field: 1, resource: 'Encounter', url: 'https://example.org/fhir/StructureDefinition/absent', valueType: 'string' },
      ],
      timezone: 'America/New_York',
    });
    const c = convertOrFail(adt(SYNTHETIC_PID, 'ZPI|Y|x^needs interpreter|202401150900|maybe', 'ZVI|3|ICU'), zDialect);
    expect(onlyResource<Patient>(c, 'Patient').extension?.slice(2)).toEqual([
      { url: 'https://example.org/fhir/StructureDefinition/vip', valueBoolean: true },
      { url: 'https://example.org/fhir/StructureDefinition/language-note', valueString: 'needs interpreter' },
      { url: 'https://example.org/fhir/StructureDefinition/opt-in', valueDateTime: '2024-01-15T09:00:00-05:00' },
    ]);
    expect(onlyResource<Encounter>(c, 'Encounter').extension).toEqual([
      { url: 'https://example.org/fhir/StructureDefinition/acuity', valueInteger: 3 },
      { url: 'https://example.org/fhir/StructureDefinition/unit', valueCode: 'ICU' },
    ]);
  });

  it('the dialect time zone applies to every time without an offset, across a DST change', () => {
    const chicago = dialect({ timezone: 'America/Chicago' });
    const before = convertOrFail(adt(SYNTHETIC_PID.replace('19800229', '198002291200')), chicago);
    const pv1 = (admit: string, discharge: string) => syntheticPv1({ 44: admit, 45: discharge });
    const c = convertOrFail(hl7(msh('ADT^A03^ADT_A03'), SYNTHETIC_PID, pv1('20240309220000', '20240310220000')), chicago);
    expect(onlyResource<Encounter>(c, 'Encounter').period).toEqual({ start: '2024-03-09T22:00:00-06:00', end: '2024-03-10T22:00:00-05:00' });
    expect(onlyResource<Patient>(before, 'Patient').birthDate).toBe('1980-02-29');
    // Default: UTC.
    const utc = convertOrFail(hl7(msh('ADT^A03^ADT_A03'), SYNTHETIC_PID, pv1('20240309220000', '20240310220000')));
    expect(onlyResource<Encounter>(utc, 'Encounter').period?.start).toBe('2024-03-09T22:00:00+00:00');
  });

  it('an unvalidated dialect naming an unknown zone is refused (207), not thrown', () => {
    expect(convertMessage(adt(SYNTHETIC_PID), { timezone: 'Nowhere/Special' }, { idNamespace: 'c' })).toEqual({
      ok: false,
      error: { code: '207', reason: 'the connection dialect names an unknown time zone' },
    });
    expect(patientKeyOf(adt(SYNTHETIC_PID), { timezone: 'Nowhere/Special' })).toBeNull();
  });
});
