import { validateFhirResource } from './fhir-schema';

describe('validateFhirResource (official R4 JSON schema)', () => {
  it('accepts a valid Patient', () => {
    expect(validateFhirResource({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Doe', given: ['A'] }], gender: 'female', birthDate: '1980-01-02' })).toEqual([]);
  });

  it('locates violations by path', () => {
    const issues = validateFhirResource({ resourceType: 'Patient', gender: 'sometimes', name: [{ given: 'not-an-array' }], unknownElement: true });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.name[0].given', 'Patient.unknownElement']));
  });

  it('refuses unknown resource types and missing resourceType', () => {
    expect(validateFhirResource({ resourceType: 'Spaceship' })[0]?.path).toBe('resourceType');
    expect(validateFhirResource({})[0]?.path).toBe('resourceType');
  });
});
