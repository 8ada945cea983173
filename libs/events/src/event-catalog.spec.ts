import Ajv2020 from 'ajv/dist/2020';
import { EVENT_TYPES } from './event-catalog';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('event catalog examples', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat('uuid', UUID);
  ajv.addFormat('date-time', (v: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));

  it.each(EVENT_TYPES.map((t) => [t.type, t] as const))('%s has an example valid against its own schema', (_type, definition) => {
    const validate = ajv.compile(definition.schema);
    expect([validate(definition.example), validate.errors ?? []]).toEqual([true, []]);
  });

  it('the schemas refuse what the examples are not: a missing required field, an extra field, a bad reference', () => {
    const admitted = EVENT_TYPES.find((t) => t.type === 'patient.admitted')!;
    const validate = ajv.compile(admitted.schema);
    expect(validate({})).toBe(false);
    expect(validate({ ...admitted.example, name: 'Jane' })).toBe(false);
    expect(validate({ ...admitted.example, patient: 'Encounter/1' })).toBe(false);
    const disabled = EVENT_TYPES.find((t) => t.type === 'endpoint.disabled')!;
    expect(ajv.compile(disabled.schema)({ ...disabled.example, endpointId: 'not-a-uuid' })).toBe(false);
  });

  it('immunization.recorded names the patient and one Immunization, references only', () => {
    const recorded = EVENT_TYPES.find((t) => t.type === 'immunization.recorded');
    expect(recorded).toMatchObject({ version: 1, emitted: true, description: expect.stringContaining('VXU^V04') });
    const validate = ajv.compile(recorded!.schema);
    const { patient, immunization } = recorded!.example as { patient: string; immunization: string };
    expect(immunization).toMatch(/^Immunization\//);
    expect(validate({ patient, immunization })).toBe(true);
    expect(validate({ patient })).toBe(false);
    expect(validate({ immunization })).toBe(false);
    expect(validate({ patient, immunization: patient })).toBe(false);
    expect(validate({ patient, immunization: [immunization] })).toBe(false);
    expect(validate({ patient, immunization, vaccineCode: '208' })).toBe(false);
  });

  it('examples carry references and ids only, never a name, date of birth or identifier value', () => {
    // usage.threshold_crossed carries usage figures, not patient data: checked on its own below.
    for (const { example } of EVENT_TYPES.filter((t) => t.type !== 'usage.threshold_crossed')) {
      for (const value of Object.values(example)) {
        if (typeof value === 'string') expect(value).toMatch(/^([A-Za-z]+\/)?[0-9a-f-]{36}$|^[a-z_]+$/);
      }
    }
  });

  describe('usage.threshold_crossed', () => {
    const crossed = EVENT_TYPES.find((t) => t.type === 'usage.threshold_crossed')!;
    const validate = ajv.compile(crossed.schema);

    it('carries usage figures of a rule and its period, nothing about a patient', () => {
      expect(Object.keys((crossed.schema as { properties: object }).properties).sort()).toEqual(
        ['class', 'connectionId', 'metric', 'period', 'ruleId', 'ruleName', 'threshold', 'value'].sort(),
      );
      expect(JSON.stringify(crossed.schema)).not.toMatch(/Patient|patient/);
    });

    it('accepts a tenant-wide rule without connection or class', () => {
      const { connectionId: _c, class: _k, ...tenantWide } = crossed.example;
      expect(validate(tenantWide)).toBe(true);
    });

    it.each([
      ['a missing period', (e: Record<string, unknown>) => ({ ...e, period: undefined })],
      ['a period without an end', (e: Record<string, unknown>) => ({ ...e, period: { id: '2026-03', start: '2026-03-01T05:00:00.000Z' } })],
      ['a period id that is not YYYY-MM[-DD]', (e: Record<string, unknown>) => ({ ...e, period: { ...(e.period as object), id: 'March' } })],
      ['a numeric value', (e: Record<string, unknown>) => ({ ...e, value: 80.01 })],
      ['a value in exponent form', (e: Record<string, unknown>) => ({ ...e, value: '8e1' })],
      ['an unknown metric', (e: Record<string, unknown>) => ({ ...e, metric: 'calls' })],
      ['an unknown class', (e: Record<string, unknown>) => ({ ...e, class: 'fhir.everything' })],
      ['an extra field', (e: Record<string, unknown>) => ({ ...e, patient: 'Patient/1' })],
    ])('refuses %s', (_name, change) => {
      expect(validate(JSON.parse(JSON.stringify(change(crossed.example))))).toBe(false);
    });
  });
});
