import { ObjectKeyError, parseObjectKey, parseObjectPrefix, type ObjectKeyProblem } from './object-key';

describe('parseObjectKey', () => {
  it.each([
    'a',
    'tenants/0b6f1c1e-6a0e-4a57-9f43-3f0b8ad1f0a2/connections/c_1/exports/e-2/1.Patient.ndjson.gz',
    'exports/2026-12-03T07=56=08Z/part_0001.ndjson',
    `${'x'.repeat(200)}/y`,
  ])('accepts %s', (key) => {
    expect(parseObjectKey(key)).toEqual(key.split('/'));
  });

  it.each<[unknown, ObjectKeyProblem]>([
    [undefined, 'not a string'],
    [['a'], 'not a string'],
    ['', 'empty'],
    ['a'.repeat(1025), 'too long'],
    ['/a', 'absolute path'],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['..', 'dot segment'],
    ['a/../b', 'dot segment'],
    ['./a', 'dot segment'],
    ['x'.repeat(201), 'segment too long'],
    ['.env', 'unsafe character'],
    ['a\\b', 'unsafe character'],
    ['C:', 'unsafe character'],
    ['a b', 'unsafe character'],
    ['a~tmp', 'unsafe character'],
    ['naïve', 'unsafe character'],
    ['-a', 'unsafe character'],
  ])('rejects %j: %s', (key, problem) => {
    let error: unknown;
    try {
      parseObjectKey(key);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ObjectKeyError);
    expect(error).toMatchObject({ problem, code: 'bad_request', status: 400, message: `Invalid object storage key: ${problem}` });
  });
});

describe('parseObjectPrefix', () => {
  it('takes a key with or without one trailing slash', () => {
    expect(parseObjectPrefix('tenants/t1/')).toEqual(['tenants', 't1']);
    expect(parseObjectPrefix('tenants/t1')).toEqual(['tenants', 't1']);
  });

  it.each(['', '/', '//', 'a//', '../', 'a/../'])('rejects %j', (prefix) => {
    expect(() => parseObjectPrefix(prefix)).toThrow(ObjectKeyError);
  });
});
