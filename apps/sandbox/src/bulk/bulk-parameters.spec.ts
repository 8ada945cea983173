import { RESOURCE_TYPES } from '../fhir/fhir-types';
import { parseExportParameters, type BulkParamPolicy } from './bulk-parameters';

const NO_RULES = { needsType: false, onePerType: false, excluded: new Set<string>() };
const EPIC: BulkParamPolicy = { since: 'ignored', typeFilter: 'ignored', typeFilterRules: NO_RULES, otherParameters: 'ignored', accepted: [], lenient: false };
const ORACLE: BulkParamPolicy = {
  since: 'supported',
  typeFilter: 'supported',
  typeFilterRules: { needsType: true, onePerType: true, excluded: new Set(['Patient', 'Practitioner']) },
  otherParameters: 'refused',
  accepted: ['includeAssociatedData'],
  lenient: true,
};
const ATHENA: BulkParamPolicy = { ...ORACLE, typeFilter: 'refused', accepted: [], lenient: false };

const parse = (query: string, policy: BulkParamPolicy, lenient = false) => parseExportParameters([...new URLSearchParams(query)], policy, lenient, RESOURCE_TYPES);
const messages = (result: ReturnType<typeof parse>): string => (result.ok ? '' : result.issues.map((i) => i.message).join(' | '));

describe('parseExportParameters', () => {
  it('defaults to every served type and application/fhir+ndjson', () => {
    const result = parse('', EPIC);
    expect(result.ok && result.params).toMatchObject({ types: [...RESOURCE_TYPES], typeGiven: false, outputFormat: 'application/fhir+ndjson' });
  });

  it('takes _type as a comma list or repeated, in the server order, without duplicates', () => {
    const result = parse('_type=Observation,Patient&_type=Patient', EPIC);
    expect(result.ok && result.params.types).toEqual(['Patient', 'Observation']);
  });

  it.each(['application/fhir+ndjson', 'application/fhir ndjson', 'application/ndjson', 'ndjson'])('accepts _outputFormat %s', (format) => {
    expect(parse(`_outputFormat=${encodeURIComponent(format)}`, EPIC).ok).toBe(true);
  });

  it('refuses other output formats and unknown types, naming the type only when it looks like one', () => {
    expect(messages(parse('_outputFormat=application/fhir%2Bjson', EPIC))).toContain('_outputFormat must be one of');
    expect(messages(parse('_type=Spaceship', EPIC))).toContain('_type names Spaceship');
    expect(messages(parse('_type=Smith%20John%201970', EPIC))).toContain('_type names a type');
  });

  it('Epic: ignores _since, _typeFilter and anything else', () => {
    const result = parse('_since=nonsense&_typeFilter=junk&_elements=id&patient=Patient/1', EPIC);
    expect(result.ok && result.params).toMatchObject({ since: undefined, typeFilters: new Map() });
  });

  it('validates _since as one FHIR instant', () => {
    const result = parse('_since=2026-01-01T00:00:00.000%2B02:00', ORACLE);
    expect(result.ok && result.params.sinceMs).toBe(Date.parse('2025-12-31T22:00:00Z'));
    for (const bad of ['2026-01-01', 'yesterday', '2026-01-01T00:00:00Z&_since=2026-02-01T00:00:00Z']) expect(messages(parse(`_since=${bad}`, ORACLE))).toContain('_since');
  });

  it('Oracle: _typeFilter paired with _type, once per type, not on excluded types, with known parameters', () => {
    const ok = parse(`_type=Observation&_typeFilter=${encodeURIComponent('Observation?category=laboratory,vital-signs')}`, ORACLE);
    expect(ok.ok && ok.params.typeFilters.get('Observation')?.[0]?.map((c) => [c.name, c.values])).toEqual([['category', ['laboratory', 'vital-signs']]]);
    expect(messages(parse(`_typeFilter=${encodeURIComponent('Observation?category=laboratory')}`, ORACLE))).toContain('must be paired with _type');
    expect(messages(parse(`_type=Patient&_typeFilter=${encodeURIComponent('Patient?gender=female')}`, ORACLE))).toContain('not supported for Patient');
    expect(messages(parse(`_type=Observation&_typeFilter=${encodeURIComponent('Observation?code=1,Observation?code=2')}`, ORACLE))).toContain('Only one _typeFilter');
    expect(messages(parse(`_type=Observation&_typeFilter=${encodeURIComponent('Observation?flavour=x')}`, ORACLE))).toContain('flavour');
    expect(messages(parse('_type=Observation&_typeFilter=Observation', ORACLE))).toContain('resource type, "?"');
  });

  it('Oracle: refuses unsupported parameters, accepts includeAssociatedData, and handling=lenient turns refusals into warnings', () => {
    expect(messages(parse('_elements=id&patient=Patient/1', ORACLE))).toMatch(/_elements[\s\S]*patient/);
    expect(parse('includeAssociatedData=LatestProvenanceResources', ORACLE).ok).toBe(true);
    const lenient = parse(`_type=Patient,Spaceship&_elements=id&_typeFilter=${encodeURIComponent('Patient?gender=female')}`, ORACLE, true);
    expect(lenient.ok).toBe(true);
    if (!lenient.ok) return;
    expect(lenient.params.types).toEqual(['Patient']);
    expect(lenient.params.typeFilters.size).toBe(0);
    expect(lenient.warnings.map((w) => [w.severity, w.expression?.[0]])).toEqual([
      ['warning', '_type'],
      ['warning', '_typeFilter'],
      ['warning', '_elements'],
    ]);
    expect(parse('_outputFormat=csv', ORACLE, true).ok).toBe(false);
  });

  it('athena: refuses _typeFilter and does not honour lenient', () => {
    expect(messages(parse(`_type=Observation&_typeFilter=${encodeURIComponent('Observation?category=laboratory')}`, ATHENA, true))).toContain('_typeFilter is not supported');
  });
});
