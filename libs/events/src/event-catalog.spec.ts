import Ajv2020 from 'ajv/dist/2020';
import { EVENT_TYPES } from './event-catalog';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('event catalog examples', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat('uuid', UUID);

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

  it('examples carry references and ids only, never a name, date of birth or identifier value', () => {
    for (const { example } of EVENT_TYPES) {
      for (const value of Object.values(example)) {
        if (typeof value === 'string') expect(value).toMatch(/^([A-Za-z]+\/)?[0-9a-f-]{36}$|^[a-z_]+$/);
      }
    }
  });
});
