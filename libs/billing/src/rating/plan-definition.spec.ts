import { planCreateSchema, planVersionSchema } from './plan-definition';
import { periodQuantitiesSchema } from './rated-period-schema';

const graduated = {
  class: 'fhir.read',
  model: 'graduated',
  tiers: [
    { upTo: 1000, unitPrice: '0.10' },
    { upTo: 10000, unitPrice: '0.05' },
    { upTo: null, unitPrice: '0.01' },
  ],
};
const valid = {
  name: 'Growth',
  currency: 'USD',
  components: [graduated, { class: 'activeConnection', model: 'unit', unitPrice: '0.99' }, { class: 'hl7.in', model: 'package', unitPrice: '5', packageSize: 100, includedUnits: 1000 }],
  minimumCommitment: '50.00',
  cap: '10000.00',
};

/** The issues of a failed parse as `path: message` lines. */
function issuesOf(body: unknown, schema: typeof planCreateSchema | typeof planVersionSchema = planCreateSchema): string[] {
  const parsed = schema.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const withComponent = (component: Record<string, unknown>) => ({ ...valid, components: [component] });

describe('plan definition validation', () => {
  it('accepts a well-formed plan and a version without a name', () => {
    expect(issuesOf(valid)).toEqual([]);
    const { name: _name, ...version } = valid;
    expect(issuesOf(version, planVersionSchema)).toEqual([]);
    expect(issuesOf({ ...version, name: 'x' }, planVersionSchema)).toEqual([expect.stringMatching(/^: Unrecognized key/)]);
    expect(issuesOf({ ...valid, components: [] })).toEqual([]);
  });

  it.each([
    [
      'overlapping tiers',
      withComponent({ ...graduated, tiers: [{ upTo: 1000, unitPrice: '0.10' }, { upTo: 1000, unitPrice: '0.05' }, { upTo: null, unitPrice: '0.01' }] }),
      "components.0.tiers.1.upTo: tiers must ascend without overlap: must be greater than the previous tier's upTo (1000)",
    ],
    [
      'unsorted tiers',
      withComponent({ ...graduated, tiers: [{ upTo: 10000, unitPrice: '0.10' }, { upTo: 1000, unitPrice: '0.05' }, { upTo: null, unitPrice: '0.01' }] }),
      "components.0.tiers.1.upTo: tiers must ascend without overlap: must be greater than the previous tier's upTo (10000)",
    ],
    ['a bounded last tier', withComponent({ ...graduated, tiers: [{ upTo: 1000, unitPrice: '0.10' }] }), 'components.0.tiers.0.upTo: the last tier must be unbounded (upTo null)'],
    [
      'an unbounded tier before the last',
      withComponent({ ...graduated, tiers: [{ upTo: null, unitPrice: '0.10' }, { upTo: null, unitPrice: '0.05' }] }),
      'components.0.tiers.0.upTo: only the last tier may be unbounded (null)',
    ],
    ['a zero upTo', withComponent({ ...graduated, tiers: [{ upTo: 0, unitPrice: '0.10' }, { upTo: null, unitPrice: '0.05' }] }), 'components.0.tiers.0.upTo: upTo must be at least 1'],
    ['a fractional upTo', withComponent({ ...graduated, tiers: [{ upTo: 10.5, unitPrice: '0.10' }, { upTo: null, unitPrice: '0.05' }] }), 'components.0.tiers.0.upTo: upTo must be an integer'],
    ['no tiers', withComponent({ ...graduated, tiers: [] }), 'components.0.tiers: must have at least one tier'],
    ['a negative price', withComponent({ class: 'fhir.read', model: 'unit', unitPrice: '-0.01' }), 'components.0.unitPrice: must not be negative'],
    ['a negative tier price', withComponent({ ...graduated, tiers: [{ upTo: 10, unitPrice: '-1' }, { upTo: null, unitPrice: '0' }] }), 'components.0.tiers.0.unitPrice: must not be negative'],
    ['a non-decimal price', withComponent({ class: 'fhir.read', model: 'unit', unitPrice: 'ten' }), expect.stringMatching(/^components\.0\.unitPrice: must be a decimal string/)],
    ['an exponent', withComponent({ class: 'fhir.read', model: 'unit', unitPrice: '1e-2' }), expect.stringMatching(/^components\.0\.unitPrice: must be a decimal string/)],
    ['a number price', withComponent({ class: 'fhir.read', model: 'unit', unitPrice: 0.1 }), 'components.0.unitPrice: must be a decimal string like "0.10"'],
    ['7 fractional digits', withComponent({ class: 'fhir.read', model: 'unit', unitPrice: '0.0000001' }), 'components.0.unitPrice: must have at most 6 fractional digits'],
    ['an unknown class', withComponent({ class: 'fhir.delete', model: 'unit', unitPrice: '1' }), expect.stringMatching(/^components\.0\.class: must be one of fhir\.read, .*connectionGoLive$/)],
    ['an unknown model', withComponent({ class: 'fhir.read', model: 'tiered', unitPrice: '1' }), 'components.0.model: must be one of unit, graduated, volume, package'],
    ['an unknown currency', { ...valid, currency: 'XYZ' }, expect.stringMatching(/^currency: unknown currency \(supported: AED, .*USD/)],
    ['a lower-case currency', { ...valid, currency: 'usd' }, expect.stringMatching(/^currency: unknown currency/)],
    ['unit without unitPrice', withComponent({ class: 'fhir.read', model: 'unit' }), 'components.0.unitPrice: is required for model "unit"'],
    ['unit with tiers', withComponent({ class: 'fhir.read', model: 'unit', unitPrice: '1', tiers: graduated.tiers }), 'components.0.tiers: is not allowed for model "unit"'],
    ['volume without tiers', withComponent({ class: 'fhir.read', model: 'volume' }), 'components.0.tiers: is required for model "volume"'],
    ['graduated with a unitPrice', withComponent({ ...graduated, unitPrice: '1' }), 'components.0.unitPrice: is not allowed for model "graduated"'],
    ['package without packageSize', withComponent({ class: 'hl7.in', model: 'package', unitPrice: '5' }), 'components.0.packageSize: is required for model "package"'],
    ['packageSize 0', withComponent({ class: 'hl7.in', model: 'package', unitPrice: '5', packageSize: 0 }), 'components.0.packageSize: packageSize must be at least 1'],
    ['packageSize on unit', withComponent({ class: 'hl7.in', model: 'unit', unitPrice: '5', packageSize: 10 }), 'components.0.packageSize: is not allowed for model "unit"'],
    ['negative includedUnits', withComponent({ class: 'hl7.in', model: 'unit', unitPrice: '5', includedUnits: -1 }), 'components.0.includedUnits: includedUnits must be at least 0'],
    ['an unknown component field', withComponent({ class: 'hl7.in', model: 'unit', unitPrice: '5', unit_price: '5' }), expect.stringMatching(/^components\.0: Unrecognized key.*unit_price/)],
    [
      'two components for one class',
      { ...valid, components: [graduated, { class: 'fhir.read', model: 'unit', unitPrice: '1' }] },
      'components.1.class: one component per class: fhir.read is already priced by components.0',
    ],
    ['a negative minimum', { ...valid, minimumCommitment: '-50' }, 'minimumCommitment: must not be negative'],
    ['a cap under the minimum', { ...valid, minimumCommitment: '50', cap: '49.99' }, 'cap: must not be less than minimumCommitment'],
    ['an empty name', { ...valid, name: '  ' }, 'name: must not be empty'],
  ])('refuses %s', (_what, body, expected) => {
    expect(issuesOf(body)).toEqual([expected]);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf({ ...valid, currency: 'XYZ', components: [{ ...graduated, tiers: [{ upTo: 5, unitPrice: '1' }, { upTo: 2, unitPrice: 'x' }, { upTo: null, unitPrice: '1' }] }] });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^currency: unknown currency/),
        expect.stringMatching(/^components\.0\.tiers\.1\.unitPrice: must be a decimal string/),
      ]),
    );
  });
});

describe('period quantities (a quote body)', () => {
  it('accepts counts per transaction class and per-period counts', () => {
    expect(periodQuantitiesSchema.parse({ usage: { 'fhir.read': 15000 }, activeConnections: 3 })).toEqual({ usage: { 'fhir.read': 15000 }, activeConnections: 3 });
    expect(periodQuantitiesSchema.parse({})).toEqual({ usage: {} });
  });
  it('refuses unknown classes, negative and fractional counts', () => {
    const r = periodQuantitiesSchema.safeParse({ usage: { 'fhir.read': -1, activeConnection: 2, bogus: 1, 'hl7.in': 1.5 }, distinctPatients: -2 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).sort()).toEqual([
      'distinctPatients: distinctPatients must not be negative',
      'usage.activeConnection: unknown transaction class (one of fhir.read, fhir.search, fhir.write, hl7.in, hl7.out, bulk.resource, smart.launch; per-period counts have their own fields)',
      'usage.bogus: unknown transaction class (one of fhir.read, fhir.search, fhir.write, hl7.in, hl7.out, bulk.resource, smart.launch; per-period counts have their own fields)',
      'usage.fhir.read: units must not be negative',
      'usage.hl7.in: units must be an integer',
    ]);
  });
});
