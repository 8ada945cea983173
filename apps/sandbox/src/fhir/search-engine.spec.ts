import type { FhirResource } from './fhir-types';
import { LayeredStore, ResourceStore } from './resource-store';
import { executeSearch, parseSearch } from './search-engine';
import { dateRange } from './search-parameters';

const obs = (id: string, effective: string, code = '8867-4', category = 'vital-signs'): FhirResource => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: effective,
});

describe('search engine', () => {
  const store = new LayeredStore(
    new ResourceStore([
      { resourceType: 'Patient', id: 'p1', name: [{ family: 'Ñúñez', given: ['Ada'] }], birthDate: '1980-04-02', identifier: [{ system: 'urn:mrn', value: '42' }], gender: 'female' },
      { resourceType: 'Patient', id: 'p2', name: [{ family: 'Nunn', given: ['Bo'] }], birthDate: '1990-01-01', identifier: [{ system: 'urn:other', value: '42' }], gender: 'male' },
      obs('o1', '2024-03-01T10:00:00Z'),
      obs('o2', '2024-03-15T10:00:00Z'),
      obs('o3', '2024-04-01T10:00:00Z', '2345-7', 'laboratory'),
    ]),
    new ResourceStore(),
  );
  const ids = (type: 'Patient' | 'Observation', query: string): string[] => {
    const parsed = parseSearch(type, new URLSearchParams(query));
    return executeSearch(store, type, parsed.criteria).map((r) => r.id);
  };

  it('matches strings by case- and accent-insensitive prefix, or exactly with :exact', () => {
    expect(ids('Patient', 'family=nun')).toEqual(['p1', 'p2']);
    expect(ids('Patient', 'family:exact=Nunn')).toEqual(['p2']);
    expect(ids('Patient', 'name=ada')).toEqual(['p1']);
  });

  it('matches tokens with and without a system', () => {
    expect(ids('Patient', 'identifier=42')).toEqual(['p1', 'p2']);
    expect(ids('Patient', 'identifier=urn:mrn|42')).toEqual(['p1']);
    expect(ids('Observation', 'patient=p1&code=http://loinc.org|8867-4')).toEqual(['o1', 'o2']);
    expect(ids('Observation', 'patient=p1&category=laboratory,vital-signs')).toEqual(['o1', 'o2', 'o3']);
  });

  it('applies date prefixes at the precision given', () => {
    expect(ids('Observation', 'patient=p1&date=2024-03')).toEqual(['o1', 'o2']);
    expect(ids('Observation', 'patient=p1&date=ge2024-03-15')).toEqual(['o2', 'o3']);
    expect(ids('Observation', 'patient=p1&date=le2024-03-15')).toEqual(['o1', 'o2']);
    expect(ids('Observation', 'patient=p1&date=gt2024-03-15&date=lt2024-05')).toEqual(['o3']);
    expect(ids('Patient', 'birthdate=1980-04-02')).toEqual(['p1']);
  });

  it('accepts patient references as id, Type/id or absolute URL', () => {
    expect(ids('Observation', 'patient=Patient/p1&code=2345-7')).toEqual(['o3']);
    expect(ids('Observation', 'subject=https://ehr.example/fhir/Patient/p1&code=2345-7')).toEqual(['o3']);
    expect(ids('Observation', 'patient=p2&code=2345-7')).toEqual([]);
  });

  it('reports unknown and invalid parameters by name', () => {
    const parsed = parseSearch('Observation', new URLSearchParams('patient=p1&foo=1&date=yesterday&_count=0'));
    expect(parsed.unknown).toEqual(['foo']);
    expect(parsed.invalid).toEqual(['date', '_count']);
  });

  it('turns dates into intervals', () => {
    expect(dateRange('2024')).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1)]);
    expect(dateRange('2024-02-29')).toEqual([Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 1)]);
    expect(dateRange('2024-02-30')).toBeUndefined();
    expect(dateRange('2024-03-01T10:00:00+02:00')).toEqual([Date.UTC(2024, 2, 1, 8), Date.UTC(2024, 2, 1, 8) + 1000]);
    expect(dateRange('soon')).toBeUndefined();
  });
});
