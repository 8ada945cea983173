import { hl7DialectSchema } from './hl7-dialect.schema';

const issuesOf = (input: unknown): string[] => {
  const result = hl7DialectSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

describe('hl7DialectSchema', () => {
  it('accepts the empty dialect and a full one', () => {
    expect(hl7DialectSchema.parse({})).toEqual({});
    const full = {
      timezone: 'America/Chicago',
      identifierSystems: { mrn: 'urn:oid:1.2.3.4', other: { SSA: 'http://hl7.org/fhir/sid/us-ssn', PI: 'https://example.org/ids/pi' } },
      patientIdentifier: { field: 'PID-2', typeCode: 'PI', assigningAuthority: 'SYNHOSP' },
      fieldOverrides: [
        { target: 'PID-3', from: 'PID-2' },
        { target: 'PV1-2', value: 'I' },
        { target: 'PID-3-4-1', value: 'SYNHOSP' },
      ],
      codeMaps: [{ field: 'OBX-3', sourceSystem: 'L', map: { GLU: { system: 'http://loinc.org', code: '2345-7', display: 'Glucose' } } }],
      zSegments: [{ segment: 'ZPI', field: 3, component: 1, resource: 'Patient', url: 'https://example.org/fhir/StructureDefinition/vip', valueType: 'boolean' }],
    };
    expect(hl7DialectSchema.parse(full)).toEqual(full);
  });

  it.each([
    [{ unknown: true }, ''],
    [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    [{ identifierSystems: { mrn: 'not a uri' } }, 'identifierSystems.mrn'],
    [{ identifierSystems: { extra: {} } }, 'identifierSystems'],
    [{ patientIdentifier: { field: 'PID-5' } }, 'patientIdentifier.field'],
    [{ fieldOverrides: [{ target: 'PID3', value: 'x' }] }, 'fieldOverrides.0.target'],
    [{ fieldOverrides: [{ target: 'MSH-2', value: 'x' }] }, 'fieldOverrides.0.target'],
    [{ fieldOverrides: [{ target: 'PID-3', from: 'PID-2', value: 'x' }] }, 'fieldOverrides.0'],
    [{ fieldOverrides: Array.from({ length: 201 }, () => ({ target: 'PV1-2', value: 'I' })) }, 'fieldOverrides'],
    [{ codeMaps: [{ field: 'PID-8', map: {} }] }, 'codeMaps.0.field'],
    [{ codeMaps: [{ field: 'OBX-3', map: { GLU: { system: 'http://loinc.org', code: ' 2345-7' } } }] }, 'codeMaps.0.map.GLU.code'],
    [{ zSegments: [{ segment: 'PID', field: 3, resource: 'Patient', url: 'urn:x:y', valueType: 'string' }] }, 'zSegments.0.segment'],
    [{ zSegments: [{ segment: 'ZPI', field: 3, resource: 'Practitioner', url: 'urn:x:y', valueType: 'string' }] }, 'zSegments.0.resource'],
  ])('rejects %j at %j', (input, path) => {
    expect(issuesOf(input)).toContain(path);
  });
});
