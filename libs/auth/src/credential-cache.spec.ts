import { CredentialCache } from './credential-cache';

type Cred = { id: string; tenantId: string };
const cred = (id: string, tenantId = 't1'): Cred => ({ id, tenantId });

describe('CredentialCache', () => {
  let now = 0;
  /** A cache whose invalidations are flowing (trusted). */
  const cache = () => {
    const c = new CredentialCache<Cred>(5000, 2, () => now);
    c.trust();
    return c;
  };
  const put = (c: CredentialCache<Cred>, hash: string, value: Cred) => c.set(hash, value, c.mark());

  beforeEach(() => (now = 0));

  it('serves an entry until its TTL', () => {
    const c = cache();
    put(c, 'h1', cred('k1'));
    now = 4999;
    expect(c.get('h1')).toEqual(cred('k1'));
    now = 5000;
    expect(c.get('h1')).toBeUndefined();
  });

  it('forgets a credential by id at once (revocation)', () => {
    const c = cache();
    put(c, 'h1', cred('k1'));
    put(c, 'h2', cred('k2'));
    c.forget('k1');
    expect(c.get('h1')).toBeUndefined();
    expect(c.get('h2')).toEqual(cred('k2'));
  });

  it('forgets every credential of a tenant at once (suspension)', () => {
    const c = new CredentialCache<Cred>(5000, 10, () => now);
    c.trust();
    put(c, 'a1', cred('k1', 'a'));
    put(c, 'a2', cred('k2', 'a'));
    put(c, 'b1', cred('k3', 'b'));
    c.forgetTenant('a');
    expect([c.get('a1'), c.get('a2'), c.get('b1')]).toEqual([undefined, undefined, cred('k3', 'b')]);
  });

  it('does not store a read that raced an invalidation', () => {
    const c = cache();
    const mark = c.mark();
    c.forget('k1'); // the revocation arrives while the database read is in flight
    c.set('h1', cred('k1'), mark);
    expect(c.get('h1')).toBeUndefined();
    put(c, 'h1', cred('k1'));
    expect(c.get('h1')).toEqual(cred('k1'));
  });

  it('serves and stores nothing until trusted, and drops everything when distrusted', () => {
    const c = new CredentialCache<Cred>(5000, 2, () => now);
    put(c, 'h1', cred('k1'));
    expect(c.get('h1')).toBeUndefined();
    c.trust();
    put(c, 'h1', cred('k1'));
    expect(c.get('h1')).toEqual(cred('k1'));
    const mark = c.mark();
    c.distrust();
    expect(c.get('h1')).toBeUndefined();
    c.trust();
    expect(c.get('h1')).toBeUndefined(); // not served again after resubscribing: it may have been revoked meanwhile
    c.set('h1', cred('k1'), mark); // nor stored from a read that began before the drop
    expect(c.get('h1')).toBeUndefined();
  });

  it('stays bounded', () => {
    const c = cache();
    put(c, 'a', cred('a'));
    put(c, 'b', cred('b'));
    put(c, 'c', cred('c'));
    expect(c.get('a')).toBeUndefined();
    expect(c.get('c')).toEqual(cred('c'));
  });
});
