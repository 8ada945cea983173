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
});
