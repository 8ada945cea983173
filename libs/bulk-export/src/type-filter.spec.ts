import { parseTypeFilter, passesTypeFilters, type TypeFilter } from './type-filter';

const filter = (raw: string): TypeFilter => {
  const parsed = parseTypeFilter(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.filter;
};
const lab = { resourceType: 'Observation', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }], code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] } };
const vitals = { resourceType: 'Observation', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }], code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] } };

describe('_typeFilter', () => {
  it('matches token values by code, system|code, |code and system|', () => {
    expect(passesTypeFilters(lab, [filter('Observation?category=laboratory')])).toBe(true);
    expect(passesTypeFilters(vitals, [filter('Observation?category=laboratory')])).toBe(false);
    expect(passesTypeFilters(lab, [filter('Observation?code=http://loinc.org|718-7')])).toBe(true);
    expect(passesTypeFilters(lab, [filter('Observation?code=http://snomed.info/sct|718-7')])).toBe(false);
    expect(passesTypeFilters(lab, [filter('Observation?code=|718-7')])).toBe(false);
    expect(passesTypeFilters(lab, [filter('Observation?code=http://loinc.org|')])).toBe(true);
  });

  it('ORs filters and comma alternatives, ANDs the criteria of one filter', () => {
    expect(passesTypeFilters(vitals, [filter('Observation?category=laboratory'), filter('Observation?code=8867-4')])).toBe(true);
    expect(passesTypeFilters(vitals, [filter('Observation?category=laboratory,vital-signs')])).toBe(true);
    expect(passesTypeFilters(vitals, [filter('Observation?category=vital-signs&code=718-7')])).toBe(false);
  });

  it('leaves other types alone and refuses what it cannot apply', () => {
    expect(passesTypeFilters({ resourceType: 'Patient' }, [filter('Observation?category=laboratory')])).toBe(true);
    expect(parseTypeFilter('Observation?_sort=date')).toEqual({ ok: false, message: '_sort is not allowed in a _typeFilter' });
    expect(parseTypeFilter('Observation?value-quantity=5').ok).toBe(false);
    expect(parseTypeFilter('category=laboratory').ok).toBe(false);
  });
});
