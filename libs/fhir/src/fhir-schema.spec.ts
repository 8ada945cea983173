import { MAX_FHIR_NESTING, validateFhirResource } from './fhir-schema';

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

  it('validates a contained resource by its own type and locates its violations', () => {
    const ok = { resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'o1', name: 'Clinic' }], managingOrganization: { reference: '#o1' } };
    expect(validateFhirResource(ok)).toEqual([]);
    const bad = { resourceType: 'Patient', contained: [{ resourceType: 'Patient', id: 'c1' }, { resourceType: 'Organization', id: 'o1', active: 'yes' }] };
    expect(validateFhirResource(bad).map((i) => i.path)).toEqual(['Patient.contained[1].active']);
    expect(validateFhirResource({ resourceType: 'Patient', contained: [{ resourceType: 'Spaceship' }] })).toEqual([
      { path: 'Patient.contained[0].resourceType', message: 'must name a FHIR R4 resource type' },
    ]);
  });

  it('refuses a contained resource that contains resources (dom-2), at any depth', () => {
    const nest = (levels: number): Record<string, unknown> => ({ resourceType: 'Patient', ...(levels > 0 ? { contained: [nest(levels - 1), nest(levels - 1)] } : {}) });
    expect(validateFhirResource(nest(2)).map((i) => i.path)).toEqual(['Patient.contained[0].contained', 'Patient.contained[1].contained']);
    // Eight levels of two siblings each: 510 resources, answered without trying every resource type at every level.
    expect(validateFhirResource(nest(8)).map((i) => i.message)).toContain('a contained resource must not contain resources (dom-2)');
  });

  it('validates the resources of a Bundle and of Parameters by their type', () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', gender: 'female' } }, { resource: { resourceType: 'Observation', status: 'done' } }] };
    const issues = validateFhirResource(bundle).map((i) => i.path);
    expect(issues).toContain('Bundle.entry[1].resource.status');
    expect(issues).not.toContain('Bundle.entry[0].resource.gender');
    expect(validateFhirResource({ resourceType: 'Parameters', parameter: [{ name: 'p', resource: { resourceType: 'Patient', birthDate: 'soon' } }] }).map((i) => i.path)).toEqual([
      'Parameters.parameter[0].resource.birthDate',
    ]);
  });

  it('refuses nesting deeper than the limit instead of overflowing the stack', () => {
    const extension = (depth: number): Record<string, unknown> => {
      let e: Record<string, unknown> = { url: 'http://example.org/leaf', valueString: 'x' };
      for (let i = 1; i < depth; i++) e = { url: 'http://example.org/node', extension: [e] };
      return e;
    };
    expect(validateFhirResource({ resourceType: 'Patient', extension: [extension(20)] })).toEqual([]);
    expect(validateFhirResource({ resourceType: 'Patient', extension: [extension(5_000)] })).toEqual([{ path: 'Patient', message: `nests deeper than ${MAX_FHIR_NESTING} levels` }]);
  });
});
