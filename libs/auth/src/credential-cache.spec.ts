import { CredentialCache } from './credential-cache';

describe('CredentialCache', () => {
  let now = 0;
  const cache = () => new CredentialCache<{ id: string }>(5000, 2, () => now);

  it('serves an entry until its TTL', () => {
    const c = cache();
    c.set('h1', { id: 'k1' });
    now = 4999;
    expect(c.get('h1')).toEqual({ id: 'k1' });
    now = 5000;
    expect(c.get('h1')).toBeUndefined();
  });

  it('forgets a credential by id at once (revocation)', () => {
    now = 0;
    const c = cache();
    c.set('h1', { id: 'k1' });
    c.forget('k1');
    expect(c.get('h1')).toBeUndefined();
  });

  it('stays bounded', () => {
    now = 0;
    const c = cache();
    c.set('a', { id: 'a' });
    c.set('b', { id: 'b' });
    c.set('c', { id: 'c' });
    expect(c.get('a')).toBeUndefined();
    expect(c.get('c')).toEqual({ id: 'c' });
  });
});
