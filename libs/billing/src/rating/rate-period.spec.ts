import { compareDecimal, parseDecimal, sumDecimals } from './decimal';
import { planVersionSchema, type PlanDefinition, type PriceComponent } from './plan-definition';
import { correctionLines, rateDifference, ratePeriod, withExtraLines, type RatedPeriod } from './rate-period';

const TIERS = [
  { upTo: 1000, unitPrice: '0.10' },
  { upTo: 10000, unitPrice: '0.05' },
  { upTo: null, unitPrice: '0.01' },
];

/** A definition that went through the same validation the api applies. */
function plan(components: unknown[], extra: Record<string, unknown> = {}, currency = 'USD'): PlanDefinition {
  return planVersionSchema.parse({ currency, components, ...extra });
}

const reads = (units: number) => ({ usage: { 'fhir.read': units } });

describe('ratePeriod — golden examples', () => {
  it('graduated 1,000 @ 0.10 / 9,000 @ 0.05 / rest @ 0.01: 15,000 units = 600.00', () => {
    const rated = ratePeriod(plan([{ class: 'fhir.read', model: 'graduated', tiers: TIERS }]), reads(15000));
    expect(rated).toEqual({
      currency: 'USD',
      lines: [
        {
          kind: 'usage',
          class: 'fhir.read',
          model: 'graduated',
          quantity: 15000,
          tiers: [
            { from: 1, upTo: 1000, quantity: 1000, unitPrice: '0.10', amount: '100.00' },
            { from: 1001, upTo: 10000, quantity: 9000, unitPrice: '0.05', amount: '450.00' },
            { from: 10001, upTo: null, quantity: 5000, unitPrice: '0.01', amount: '50.00' },
          ],
          amount: '600.00',
          description: '1,000 × 0.10 + 9,000 × 0.05 + 5,000 × 0.01',
        },
      ],
      subtotal: '600.00',
      total: '600.00',
    });
  });

  it('the same tiers as volume tiers: 15,000 units = 150.00', () => {
    const rated = ratePeriod(plan([{ class: 'fhir.read', model: 'volume', tiers: TIERS }]), reads(15000));
    expect(rated.lines[0]).toMatchObject({
      tiers: [{ from: 10001, upTo: null, quantity: 15000, unitPrice: '0.01', amount: '150.00' }],
      amount: '150.00',
      description: '15,000 × 0.01 (volume tier 10,001–∞)',
    });
    expect(rated.total).toBe('150.00');
  });

  it.each([
    // volume: upTo is inclusive; one more unit moves every unit to the next tier
    ['volume', 1000, '100.00'],
    ['volume', 1001, '50.05'],
    ['volume', 10000, '500.00'],
    ['volume', 10001, '100.01'],
    ['graduated', 1000, '100.00'],
    ['graduated', 1001, '100.05'],
    ['graduated', 10000, '550.00'],
    ['graduated', 10001, '550.01'],
    ['graduated', 0, '0.00'],
    ['volume', 0, '0.00'],
  ] as const)('%s at %d units = %s', (model, units, amount) => {
    expect(ratePeriod(plan([{ class: 'fhir.read', model, tiers: TIERS }]), reads(units)).total).toBe(amount);
  });

  it('a 50.00 minimum with 3 × 10.00 used bills a 20.00 true-up line', () => {
    const rated = ratePeriod(plan([{ class: 'connectionGoLive', model: 'unit', unitPrice: '10.00' }], { minimumCommitment: '50.00' }), { usage: {}, newLiveConnections: 3 });
    expect(rated.lines).toEqual([
      { kind: 'usage', class: 'connectionGoLive', model: 'unit', quantity: 3, tiers: [{ from: 1, upTo: null, quantity: 3, unitPrice: '10.00', amount: '30.00' }], amount: '30.00', description: '3 × 10.00' },
      { kind: 'minimumTrueUp', class: null, quantity: 1, tiers: [], amount: '20.00', description: 'minimum commitment 50.00 − usage 30.00 = 20.00' },
    ]);
    expect([rated.subtotal, rated.total]).toEqual(['30.00', '50.00']);
  });

  it('no true-up when usage reaches the minimum', () => {
    const rated = ratePeriod(plan([{ class: 'fhir.write', model: 'unit', unitPrice: '10' }], { minimumCommitment: '50' }), { usage: { 'fhir.write': 5 } });
    expect(rated.lines.map((l) => l.kind)).toEqual(['usage']);
    expect(rated.total).toBe('50.00');
  });

  it('packages of 100 at 5.00: 250 units = 3 packages = 15.00 (rounded up)', () => {
    const definition = plan([{ class: 'hl7.in', model: 'package', unitPrice: '5.00', packageSize: 100 }]);
    const line = ratePeriod(definition, { usage: { 'hl7.in': 250 } }).lines[0];
    expect(line).toMatchObject({ quantity: 250, tiers: [{ from: 1, upTo: null, quantity: 3, unitPrice: '5.00', amount: '15.00' }], amount: '15.00', description: '250 in packages of 100 → 3 × 5.00' });
    expect(ratePeriod(definition, { usage: { 'hl7.in': 200 } }).total).toBe('10.00');
    expect(ratePeriod(definition, { usage: { 'hl7.in': 201 } }).total).toBe('15.00');
    expect(ratePeriod(definition, { usage: { 'hl7.in': 1 } }).total).toBe('5.00');
    expect(ratePeriod(definition, { usage: {} }).total).toBe('0.00');
  });

  it('included units are free first units; the tiers apply to the units beyond them', () => {
    const unit = plan([{ class: 'fhir.search', model: 'unit', unitPrice: '0.01', includedUnits: 1000 }]);
    expect(ratePeriod(unit, { usage: { 'fhir.search': 1500 } }).lines[0]).toMatchObject({
      quantity: 1500,
      includedUnits: 1000,
      tiers: [{ from: 1, upTo: null, quantity: 500, unitPrice: '0.01', amount: '5.00' }],
      amount: '5.00',
      description: '1,500 − 1,000 included = 500: 500 × 0.01',
    });
    expect(ratePeriod(unit, { usage: { 'fhir.search': 800 } }).lines[0]).toMatchObject({ tiers: [], amount: '0.00', description: '800 − 800 included = 0: 0 billable' });
    const tiered = plan([{ class: 'fhir.read', model: 'graduated', tiers: TIERS, includedUnits: 1000 }]);
    expect(ratePeriod(tiered, reads(16000)).total).toBe('600.00');
  });

  it('a cap bills a negative cap line', () => {
    const rated = ratePeriod(plan([{ class: 'fhir.read', model: 'unit', unitPrice: '1.00' }], { cap: '100.00', minimumCommitment: '10' }), reads(150));
    expect(rated.lines[1]).toEqual({ kind: 'cap', class: null, quantity: 1, tiers: [], amount: '-50.00', description: 'cap 100.00 − usage 150.00 = -50.00' });
    expect([rated.subtotal, rated.total]).toEqual(['150.00', '100.00']);
    expect(ratePeriod(plan([{ class: 'fhir.read', model: 'unit', unitPrice: '1.00' }], { cap: '100.00' }), reads(100)).lines).toHaveLength(1);
  });

  it('per-period classes price the period counts', () => {
    const rated = ratePeriod(
      plan([
        { class: 'fhir.search', model: 'graduated', tiers: [{ upTo: 100000, unitPrice: '0.0049' }, { upTo: 1000000, unitPrice: '0.0039' }, { upTo: null, unitPrice: '0.0029' }] },
        { class: 'activeConnection', model: 'unit', unitPrice: '0.99' },
        { class: 'distinctPatient', model: 'volume', tiers: [{ upTo: 1000, unitPrice: '0.50' }, { upTo: null, unitPrice: '0.25' }] },
        { class: 'connectionGoLive', model: 'unit', unitPrice: '500' },
      ]),
      { usage: { 'fhir.search': 100500, 'fhir.read': 999 }, activeConnections: 50, distinctPatients: 2000, newLiveConnections: 2 },
    );
    // 100,000 × 0.0049 = 490 and 500 × 0.0039 = 1.95; 50 × 0.99; 2,000 × 0.25; 2 × 500. fhir.read is not priced.
    expect(rated.lines.map((l) => [l.class, l.quantity, l.amount])).toEqual([
      ['fhir.search', 100500, '491.95'],
      ['activeConnection', 50, '49.50'],
      ['distinctPatient', 2000, '500.00'],
      ['connectionGoLive', 2, '1000.00'],
    ]);
    expect(rated.lines[0].tiers.map((t) => t.amount)).toEqual(['490.00', '1.95']);
    expect(rated.total).toBe('2041.45');
  });

  it('a component with no usage still shows, at zero', () => {
    const rated = ratePeriod(plan([{ class: 'hl7.out', model: 'unit', unitPrice: '0.02' }]), { usage: {} });
    expect(rated.lines).toEqual([{ kind: 'usage', class: 'hl7.out', model: 'unit', quantity: 0, tiers: [], amount: '0.00', description: '0 billable' }]);
  });

  it('refuses a negative or fractional quantity', () => {
    const definition = plan([{ class: 'fhir.read', model: 'unit', unitPrice: '1' }]);
    expect(() => ratePeriod(definition, reads(-1))).toThrow(RangeError);
    expect(() => ratePeriod(definition, reads(1.5))).toThrow(RangeError);
  });
});

describe('ratePeriod — rounding once per line, half-even', () => {
  it.each([
    ['USD', '0.125', 1, '0.125', '0.12'],
    ['USD', '0.135', 1, '0.135', '0.14'],
    ['USD', '0.005', 3, '0.015', '0.02'],
    ['USD', '0.005', 5, '0.025', '0.02'],
    ['JPY', '0.5', 3, '1.5', '2'],
    ['JPY', '0.5', 5, '2.5', '2'],
    ['JPY', '12', 1000, '12000', '12000'],
    ['KWD', '0.0125', 1, '0.0125', '0.012'],
    ['KWD', '0.0135', 1, '0.0135', '0.014'],
    ['KWD', '1', 2, '2.000', '2.000'],
  ] as const)('%s: %d × %s = exact %s, line %s', (currency, unitPrice, units, exact, amount) => {
    const rated = ratePeriod(plan([{ class: 'fhir.read', model: 'unit', unitPrice }], {}, currency), reads(units));
    expect([rated.lines[0].tiers[0].amount, rated.lines[0].amount, rated.total]).toEqual([exact, amount, amount]);
  });

  it('rounds the line, not each tier', () => {
    // 0.005 + 0.005: per tier would be 0.00 + 0.00 (half-even); once per line it is 0.01
    const rated = ratePeriod(plan([{ class: 'fhir.read', model: 'graduated', tiers: [{ upTo: 1, unitPrice: '0.005' }, { upTo: null, unitPrice: '0.005' }] }]), reads(2));
    expect(rated.lines[0].tiers.map((t) => t.amount)).toEqual(['0.005', '0.005']);
    expect(rated.total).toBe('0.01');
  });

  it('the total is the sum of the rounded lines, not the rounded sum of exact amounts', () => {
    // three lines of 0.005 each: exact sum 0.015 would round to 0.02; each line rounds to 0.00
    const rated = ratePeriod(
      plan(['fhir.read', 'fhir.search', 'fhir.write'].map((c) => ({ class: c, model: 'unit', unitPrice: '0.005' }))),
      { usage: { 'fhir.read': 1, 'fhir.search': 1, 'fhir.write': 1 } },
    );
    expect(rated.lines.map((l) => l.amount)).toEqual(['0.00', '0.00', '0.00']);
    expect(rated.total).toBe('0.00');
  });
});

/** Mulberry32: a small seeded PRNG so the property runs are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomComponent(random: () => number, cls: string, model: PriceComponent['model']): Record<string, unknown> {
  const price = () => (Math.floor(random() * 1_000_000) / 10 ** Math.floor(random() * 7)).toFixed(Math.floor(random() * 7));
  const included = random() < 0.3 ? { includedUnits: Math.floor(random() * 5000) } : {};
  if (model === 'unit') return { class: cls, model, unitPrice: price(), ...included };
  if (model === 'package') return { class: cls, model, unitPrice: price(), packageSize: 1 + Math.floor(random() * 500), ...included };
  const tiers: { upTo: number | null; unitPrice: string }[] = [];
  let upTo = 0;
  const count = 1 + Math.floor(random() * 5);
  for (let i = 0; i < count - 1; i++) {
    upTo += 1 + Math.floor(random() * 10000);
    tiers.push({ upTo, unitPrice: price() });
  }
  tiers.push({ upTo: null, unitPrice: price() });
  return { class: cls, model, tiers, ...included };
}

const total = (rated: RatedPeriod) => parseDecimal(rated.total);

describe('ratePeriod — properties (seeded)', () => {
  it('graduated, unit and package totals never decrease as usage grows', () => {
    const random = prng(20260312);
    for (let run = 0; run < 300; run++) {
      const model = (['graduated', 'unit', 'package'] as const)[run % 3];
      const definition = plan([randomComponent(random, 'fhir.read', model)], {}, ['USD', 'JPY', 'KWD'][run % 3]);
      let units = 0;
      let previous = total(ratePeriod(definition, reads(0)));
      for (let step = 0; step < 20; step++) {
        units += Math.floor(random() * 3000);
        const current = total(ratePeriod(definition, reads(units)));
        expect(compareDecimal(current, previous)).toBeGreaterThanOrEqual(0);
        previous = current;
      }
    }
  });

  it('the total always equals the exact sum of the lines, and each line the sum of its tiers rounded', () => {
    const random = prng(42);
    const classes = ['fhir.read', 'fhir.search', 'hl7.in', 'activeConnection', 'distinctPatient'];
    for (let run = 0; run < 300; run++) {
      const components = classes.filter(() => random() < 0.7).map((cls) => randomComponent(random, cls, (['unit', 'graduated', 'volume', 'package'] as const)[Math.floor(random() * 4)]));
      const extra = random() < 0.5 ? { minimumCommitment: String(Math.floor(random() * 2000)) } : {};
      const definition = plan(components, extra, ['USD', 'JPY', 'KWD', 'EUR'][run % 4]);
      const rated = ratePeriod(definition, {
        usage: { 'fhir.read': Math.floor(random() * 1e6), 'fhir.search': Math.floor(random() * 1e5), 'hl7.in': Math.floor(random() * 1e4) },
        activeConnections: Math.floor(random() * 100),
        distinctPatients: Math.floor(random() * 1e5),
      });
      const sum = sumDecimals(rated.lines.map((l) => parseDecimal(l.amount)));
      expect(compareDecimal(parseDecimal(rated.total), sum)).toBe(0);
      for (const line of rated.lines.filter((l) => l.kind === 'usage')) {
        const tierUnits = line.tiers.reduce((n, t) => n + t.quantity, 0);
        if (line.model === 'graduated' || line.model === 'volume' || line.model === 'unit') expect(tierUnits).toBe(Math.max(0, line.quantity - (line.includedUnits ?? 0)));
      }
      if (definition.minimumCommitment !== undefined) expect(parseDecimal(rated.total).coefficient >= 0n).toBe(true);
    }
  });
});

describe('rateDifference and correction lines', () => {
  const definition = plan([{ class: 'fhir.read', model: 'graduated', tiers: TIERS }, { class: 'hl7.in', model: 'unit', unitPrice: '0.02' }]);

  it('voiding 1,000 reads in the 0.01 tier credits 10.00', () => {
    const diff = rateDifference(definition, { usage: { 'fhir.read': 15000, 'hl7.in': 10 } }, { usage: { 'fhir.read': 14000, 'hl7.in': 10 } });
    expect(diff).toEqual({
      currency: 'USD',
      parts: [{ kind: 'usage', class: 'fhir.read', quantityBefore: 15000, quantityAfter: 14000, amountBefore: '600.00', amountAfter: '590.00', amount: '-10.00' }],
      total: '-10.00',
    });
    const lines = correctionLines(diff, { invoiceId: 'inv_1', invoiceNumber: 'SB-000001', period: '2026-03' });
    expect(lines).toEqual([
      {
        kind: 'correction',
        class: 'fhir.read',
        quantity: -1000,
        tiers: [],
        amount: '-10.00',
        invoiceId: 'inv_1',
        period: '2026-03',
        description: 'correction of fhir.read on invoice SB-000001 (2026-03): 15,000 → 14,000 units, 600.00 → 590.00',
      },
    ]);
    const next = withExtraLines(ratePeriod(definition, { usage: { 'hl7.in': 500 } }), lines);
    expect([next.subtotal, next.total]).toEqual(['10.00', '0.00']);
  });

  it('under a minimum commitment the true-up absorbs the credit: the parts net to zero', () => {
    const withMinimum = plan([{ class: 'fhir.read', model: 'graduated', tiers: TIERS }], { minimumCommitment: '700' });
    const diff = rateDifference(withMinimum, reads(15000), reads(14000));
    expect(diff.parts.map((p) => [p.kind, p.amount])).toEqual([
      ['usage', '-10.00'],
      ['minimumTrueUp', '10.00'],
    ]);
    expect(diff.total).toBe('0.00');
  });

  it('no change, no parts', () => {
    expect(rateDifference(definition, reads(5), reads(5))).toEqual({ currency: 'USD', parts: [], total: '0.00' });
  });
});
