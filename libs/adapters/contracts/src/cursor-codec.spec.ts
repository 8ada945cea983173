import { randomBytes } from 'node:crypto';
import { CursorCodec } from './cursor-codec';

describe('CursorCodec', () => {
  const codec = new CursorCodec(randomBytes(32));
  const url = 'https://ehr.example/fhir/Observation?page=opaque-2';

  it('round-trips and hides the vendor URL', () => {
    const cursor = codec.seal('c1', url);
    expect(cursor).not.toContain('ehr.example');
    expect(codec.open('c1', cursor)).toBe(url);
  });

  it('refuses a cursor issued for another connection, tampered or expired', () => {
    const cursor = codec.seal('c1', url, 0);
    expect(() => codec.open('c2', codec.seal('c1', url))).toThrow(/Invalid search/);
    expect(() => codec.open('c1', `${cursor.slice(0, -2)}AA`)).toThrow(/Invalid search/);
    expect(() => codec.open('c1', cursor, 61 * 60_000)).toThrow(/Invalid search/);
    expect(() => codec.open('c1', 'garbage')).toThrow(/Invalid search/);
  });

  it('opens cursors sealed under a previous master key after a change, and seals only under the new one', () => {
    const old = randomBytes(32);
    const fresh = randomBytes(32);
    const before = new CursorCodec(old).seal('c1', url);
    const after = new CursorCodec(fresh, [old]);
    expect(after.open('c1', before)).toBe(url);
    expect(() => new CursorCodec(old).open('c1', after.seal('c1', url))).toThrow(/Invalid search/);
    expect(() => new CursorCodec(fresh).open('c1', before)).toThrow(/Invalid search/);
  });

  it('gives every cursor its own nonce, across refills of the nonce pool, and each opens to its URL', () => {
    const cursors = Array.from({ length: 700 }, (_, i) => codec.seal('c1', `${url}&page=${i}`));
    const nonces = new Set(cursors.map((c) => Buffer.from(c, 'base64url').subarray(0, 12).toString('hex')));
    expect(nonces.size).toBe(cursors.length);
    cursors.forEach((c, i) => expect(codec.open('c1', c)).toBe(`${url}&page=${i}`));
  });
});
