import { randomBytes } from 'node:crypto';
import { SIGNED_URL_TTL_SECONDS, SignedFileUrls } from './signed-file-urls';

const file = { tenantId: 't1', connectionId: 'c1', exportId: 'e1', fileName: 'output-1.Patient.ndjson' };
const urls = new SignedFileUrls(randomBytes(32));
const NOW = 1_800_000_000_000;

describe('SignedFileUrls', () => {
  it('accepts its own signature until it expires, then refuses it', () => {
    const s = urls.sign(file, NOW);
    const given = { expires: String(s.expires), signature: s.signature };
    expect(urls.check(file, given, NOW)).toBe('ok');
    expect(urls.check(file, given, NOW + SIGNED_URL_TTL_SECONDS * 1000)).toBe('ok');
    expect(urls.check(file, given, NOW + (SIGNED_URL_TTL_SECONDS + 1) * 1000)).toBe('expired');
  });

  it('refuses a signature moved to another file, export or tenant, an altered one, or a pushed-out expiry', () => {
    const s = urls.sign(file, NOW);
    const given = { expires: String(s.expires), signature: s.signature };
    expect(urls.check({ ...file, fileName: 'output-2.Patient.ndjson' }, given, NOW)).toBe('invalid');
    expect(urls.check({ ...file, exportId: 'e2' }, given, NOW)).toBe('invalid');
    expect(urls.check({ ...file, tenantId: 't2' }, given, NOW)).toBe('invalid');
    const flipped = `${s.signature.slice(0, -1)}${s.signature.endsWith('A') ? 'B' : 'A'}`;
    expect(urls.check(file, { ...given, signature: flipped }, NOW)).toBe('invalid');
    expect(urls.check(file, { ...given, expires: String(s.expires + 3600) }, NOW)).toBe('invalid');
    expect(new SignedFileUrls(randomBytes(32)).check(file, given, NOW)).toBe('invalid');
  });

  it('accepts URLs signed under a previous master key after a change, and signs only under the new one', () => {
    const old = randomBytes(32);
    const fresh = randomBytes(32);
    const s = new SignedFileUrls(old).sign(file, NOW);
    const given = { expires: String(s.expires), signature: s.signature };
    const after = new SignedFileUrls(fresh, [old]);
    expect(after.check(file, given, NOW)).toBe('ok');
    expect(new SignedFileUrls(fresh).check(file, given, NOW)).toBe('invalid');
    const signedAfter = after.sign(file, NOW);
    expect(new SignedFileUrls(old).check(file, { expires: String(signedAfter.expires), signature: signedAfter.signature }, NOW)).toBe('invalid');
  });
});
