import { isSbError, type SbError } from '@sb/core';
import { parseKickOff, requestHashOf, type KickOffInput } from './export-request';

const ASYNC = 'respond-async';
const input = (values: Record<string, string[]>, over: Partial<KickOffInput> = {}): KickOffInput => ({
  level: 'group',
  values: new Map(Object.entries(values)),
  prefer: ASYNC,
  accept: 'application/fhir+json',
  ...over,
});
const failure = (fn: () => unknown): SbError => {
  try {
    fn();
  } catch (e) {
    if (isSbError(e)) return e;
    throw e;
  }
  throw new Error('expected a validation error');
};

describe('parseKickOff', () => {
  it('normalizes types, since, filters and patients so equal requests hash alike', () => {
    const a = parseKickOff(input({ _type: ['Observation,Patient', 'Patient'], _since: ['2026-01-02T03:04:05+01:00'], patient: ['Patient/p2', 'p1'] }));
    expect(a.params).toEqual({ types: ['Observation', 'Patient'], since: '2026-01-02T02:04:05.000Z', typeFilters: [], patients: ['p1', 'p2'] });
    const b = parseKickOff(input({ patient: ['p1', 'Patient/p2'], _type: ['Patient', 'Observation'], _since: ['2026-01-02T02:04:05Z'] }));
    expect(requestHashOf('c', 'group', 'g', a.params)).toBe(requestHashOf('c', 'group', 'g', b.params));
    expect(requestHashOf('c', 'group', 'other', a.params)).not.toBe(requestHashOf('c', 'group', 'g', a.params));
  });

  it('accepts the three NDJSON spellings and nothing else', () => {
    for (const format of ['application/fhir+ndjson', 'application/ndjson', 'ndjson']) expect(() => parseKickOff(input({ _outputFormat: [format] }))).not.toThrow();
    expect(failure(() => parseKickOff(input({ _outputFormat: ['text/csv'] }))).issues).toEqual([{ path: '_outputFormat', message: expect.any(String) }]);
  });

  it('requires Prefer: respond-async and a FHIR JSON Accept', () => {
    expect(failure(() => parseKickOff(input({}, { prefer: undefined }))).issues?.map((i) => i.path)).toEqual(['Prefer']);
    expect(failure(() => parseKickOff(input({}, { accept: 'text/html' }))).issues?.map((i) => i.path)).toEqual(['Accept']);
  });

  it('rejects a bad _since even when lenient, and an unknown _type unless lenient', () => {
    expect(failure(() => parseKickOff(input({ _since: ['yesterday'] }, { prefer: 'respond-async, handling=lenient' }))).issues?.[0]?.path).toBe('_since');
    const strict = failure(() => parseKickOff(input({ _type: ['Patient,Spaceship'] })));
    expect(strict.issues).toEqual([{ path: '_type', message: 'Spaceship is not a resource type this server exports' }]);
    const lenient = parseKickOff(input({ _type: ['Patient,Spaceship'], _elements: ['id'] }, { prefer: 'respond-async; handling=lenient' }));
    expect(lenient.params.types).toEqual(['Patient']);
    expect(lenient.ignored.map((i) => i.parameter).sort()).toEqual(['_elements', '_type']);
  });

  it('never echoes a client value that is not a type name', () => {
    const e = failure(() => parseKickOff(input({ _type: ['<script>ssn=123-45-6789'] })));
    expect(JSON.stringify(e.issues)).not.toContain('123-45-6789');
  });

  it('refuses patient on a system export and parses _typeFilter per query', () => {
    expect(failure(() => parseKickOff(input({ patient: ['p1'] }, { level: 'system' }))).issues?.[0]?.path).toBe('patient');
    const k = parseKickOff(input({ _type: ['Observation'], _typeFilter: ['Observation?category=laboratory,Observation?code=http://loinc.org|1234-5'] }));
    expect(k.params.typeFilters).toEqual([
      { type: 'Observation', criteria: [['category', 'laboratory']] },
      { type: 'Observation', criteria: [['code', 'http://loinc.org|1234-5']] },
    ]);
    expect(failure(() => parseKickOff(input({ _type: ['Patient'], _typeFilter: ['Observation?category=laboratory'] }))).issues?.[0]?.path).toBe('_typeFilter');
  });
});
