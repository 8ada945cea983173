import { diffResources } from './resource-diff';

describe('diffResources', () => {
  const patient = { resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:a', value: '1' }], gender: 'female' };

  it('reports nothing for identical conversions', () => {
    expect(diffResources([patient], [structuredClone(patient)])).toEqual([]);
  });

  it('reports changed, added and removed fields with their paths', () => {
    const after = { resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:b', value: '1' }, { value: '2' }], birthDate: '1980-01-01' };
    expect(diffResources([patient], [after])).toEqual([
      { op: 'change', path: 'Patient/p1.identifier[0].system', before: 'urn:a', after: 'urn:b' },
      { op: 'add', path: 'Patient/p1.identifier[1]', after: { value: '2' } },
      { op: 'remove', path: 'Patient/p1.gender', before: 'female' },
      { op: 'add', path: 'Patient/p1.birthDate', after: '1980-01-01' },
    ]);
  });

  it('reports whole resources that appear or disappear', () => {
    const obs = { resourceType: 'Observation', id: 'o1', status: 'final' };
    expect(diffResources([patient], [patient, obs])).toEqual([{ op: 'add', path: 'Observation/o1', after: obs }]);
    expect(diffResources([patient, obs], [patient])).toEqual([{ op: 'remove', path: 'Observation/o1', before: obs }]);
  });
});
