import type { Observation, Resource } from '@medplum/fhirtypes';
import { athenaDay, dateCriterion, dateFilter, dateMatches, dayWindow, stringFilter, tokenFilter } from './search-filters';

const obs = (effectiveDateTime: string, code = '8867-4'): Resource =>
  ({ resourceType: 'Observation', effectiveDateTime, code: { coding: [{ system: 'http://loinc.org', code }] } }) as Resource;

const codings = (r: Resource) => (r as Observation).code.coding ?? [];

describe('FHIR search semantics on mapped resources', () => {
  it('compares days in the resource’s own zone, instants as instants', () => {
    // 19:00 in New York on the 5th is the 6th in UTC: still the 5th for date=2026-03-05.
    expect(dateMatches(dateCriterion('date', '2026-03-05'), '2026-03-05T19:00:00-05:00')).toBe(true);
    expect(dateMatches(dateCriterion('date', 'gt2026-03-05'), '2026-03-05T19:00:00-05:00')).toBe(false);
    expect(dateMatches(dateCriterion('date', 'ge2026-03'), '2026-03-01')).toBe(true);
    expect(dateMatches(dateCriterion('date', 'lt2026'), '2025-12-31T23:00:00-08:00')).toBe(true);
    expect(dateMatches(dateCriterion('date', 'ne2026-03-05'), '2026-03-06')).toBe(true);
    expect(dateMatches(dateCriterion('date', 'ge2026-03-06T00:00:00Z'), '2026-03-05T19:00:00-05:00')).toBe(true);
    expect(dateMatches(dateCriterion('date', 'lt2026-03-06T00:00:00Z'), '2026-03-05T19:00:00-05:00')).toBe(false);
    expect(dateMatches(dateCriterion('date', '2026-03-05'), undefined)).toBe(false);
  });

  it('refuses prefixes and values it cannot answer exactly, naming the parameter', () => {
    expect(() => dateCriterion('date', 'sa2026-01-01')).toThrow(expect.objectContaining({ code: 'validation_failed', issues: [expect.objectContaining({ path: 'date' })] }));
    expect(() => dateCriterion('start', '2026-02-30')).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: 'start' })] }));
    expect(() => dateCriterion('date', '2026-03-05T10:00')).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: 'date' })] }));
  });

  it('narrows athena’s day range from the criteria (instants widened a day for department zones)', () => {
    expect(dayWindow([dateCriterion('d', 'ge2026-03-01'), dateCriterion('d', 'lt2026-04-01')])).toEqual({ from: '2026-03-01', to: '2026-03-31' });
    expect(dayWindow([dateCriterion('d', '2026-03')])).toEqual({ from: '2026-03-01', to: '2026-03-31' });
    expect(dayWindow([dateCriterion('d', 'gt2026-03-05')])).toEqual({ from: '2026-03-06', to: null });
    expect(dayWindow([dateCriterion('d', 'ge2026-03-05T02:00:00Z')])).toEqual({ from: '2026-03-04', to: null });
    expect(dayWindow([])).toEqual({ from: null, to: null });
    expect(athenaDay('2026-03-05')).toBe('03/05/2026');
  });

  it('matches tokens (system|code, code, any-of with commas, all-of when repeated) and strings by prefix', () => {
    const hr = obs('2026-03-05', '8867-4');
    expect(tokenFilter(['http://loinc.org|8867-4'], codings)(hr)).toBe(true);
    expect(tokenFilter(['8480-6,8867-4'], codings)(hr)).toBe(true);
    expect(tokenFilter(['http://snomed.info/sct|8867-4'], codings)(hr)).toBe(false);
    expect(tokenFilter(['8867-4', '8480-6'], codings)(hr)).toBe(false);
    expect(stringFilter(['jose'], () => ['José'])(hr)).toBe(true);
    expect(stringFilter(['ose'], () => ['José'])(hr)).toBe(false);
    expect(dateFilter('date', ['ge2026-03-01', 'le2026-03-31'], (r) => (r as Observation).effectiveDateTime)(hr)).toBe(true);
  });
});
