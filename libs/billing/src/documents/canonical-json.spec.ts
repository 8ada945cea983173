import { canonicalJson, sha256Hex } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives one text for one value, whatever the key order', () => {
    const a = { total: '600.00', lines: [{ amount: '600.00', class: 'fhir.read' }], currency: 'USD' };
    const b = { currency: 'USD', lines: [{ class: 'fhir.read', amount: '600.00' }], total: '600.00' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(sha256Hex(canonicalJson(a))).toBe(sha256Hex(canonicalJson(b)));
  });

  it('sorts by UTF-16 code units (upper case before lower case, "10" before "9")', () => {
    expect(canonicalJson({ b: 0, B: 0, a: 0, 10: 0, 9: 0, é: 0 })).toBe('{"10":0,"9":0,"B":0,"a":0,"b":0,"é":0}');
  });

  it('follows JSON.stringify for values: toJSON, undefined, escapes, numbers', () => {
    expect(canonicalJson({ at: new Date('2026-03-01T05:00:00Z'), gone: undefined, f: () => 1 })).toBe('{"at":"2026-03-01T05:00:00.000Z"}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson('quote " backslash \\ newline \n tab \t')).toBe('"quote \\" backslash \\\\ newline \\n tab \\t"');
    expect(canonicalJson({ n: [0, -0, 1.5, 1e21, 1e-7, -12] })).toBe('{"n":[0,0,1.5,1e+21,1e-7,-12]}');
    expect(canonicalJson('Hôpital 漢')).toBe('"Hôpital 漢"');
  });

  it('refuses what JSON cannot hold faithfully', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(Buffer.from('abc'))).toBe(sha256Hex('abc'));
  });
});
