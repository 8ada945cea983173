import type { InboundRoute } from '@sb/db';
import { RouteCache } from './route-cache';

const route = (connectionId: string, version = 'v1'): InboundRoute => ({ connectionId, tenantId: 't', ackMode: 'original', dialect: {}, version });

describe('RouteCache', () => {
  let clock: number;
  let table: Map<string, InboundRoute>;
  let lookups: number;
  const lookup = (facility: string, application: string): Promise<InboundRoute | null> => {
    lookups += 1;
    return Promise.resolve(table.get(`${facility}/${application}`) ?? null);
  };
  const cache = (ttlMs = 2_000, maxEntries = 100) => new RouteCache(lookup, { ttlMs, maxEntries, now: () => clock });

  beforeEach(() => {
    clock = 0;
    lookups = 0;
    table = new Map([['LAB/APP', route('c1')]]);
  });

  it('reuses a lookup within the TTL, and sees a change (a disabled connection) once it expires', async () => {
    const routes = cache();
    expect(await routes.find('LAB', 'APP')).toMatchObject({ connectionId: 'c1' });
    table.delete('LAB/APP'); // the connection is disabled
    clock = 1_999;
    expect(await routes.find('LAB', 'APP')).toMatchObject({ connectionId: 'c1' });
    expect(lookups).toBe(1);
    clock = 2_000;
    expect(await routes.find('LAB', 'APP')).toBeNull();
    expect(lookups).toBe(2);
  });

  it('remembers unknown senders for the TTL too, so a new connection routes within it', async () => {
    const routes = cache();
    expect(await routes.find('NEW', 'APP')).toBeNull();
    table.set('NEW/APP', route('c2'));
    expect(await routes.find('NEW', 'APP')).toBeNull();
    clock = 2_000;
    expect(await routes.find('NEW', 'APP')).toMatchObject({ connectionId: 'c2' });
  });

  it('keys by facility and application', async () => {
    table.set('LAB/OTHER', route('c3'));
    const routes = cache();
    expect(await routes.find('LAB', 'APP')).toMatchObject({ connectionId: 'c1' });
    expect(await routes.find('LAB', 'OTHER')).toMatchObject({ connectionId: 'c3' });
  });

  it('shares one query between concurrent lookups and does not keep a failure', async () => {
    let fail = true;
    let calls = 0;
    const routes = new RouteCache(
      () => {
        calls += 1;
        return fail ? Promise.reject(new Error('db down')) : Promise.resolve(route('c1'));
      },
      { ttlMs: 2_000, maxEntries: 10, now: () => clock },
    );
    const [a, b] = await Promise.allSettled([routes.find('LAB', 'APP'), routes.find('LAB', 'APP')]);
    expect([a.status, b.status, calls]).toEqual(['rejected', 'rejected', 1]);
    fail = false;
    expect(await routes.find('LAB', 'APP')).toMatchObject({ connectionId: 'c1' });
    expect(calls).toBe(2);
  });

  it('stays bounded, dropping expired then oldest entries', async () => {
    const routes = cache(2_000, 3);
    for (const f of ['A', 'B', 'C']) await routes.find(f, 'X');
    clock = 1_000;
    await routes.find('D', 'X');
    expect(routes.size).toBe(3);
    lookups = 0;
    await routes.find('A', 'X'); // evicted: queried again
    expect(lookups).toBe(1);
    clock = 2_500; // B, C, D… expired except the newest
    await routes.find('E', 'X');
    expect(routes.size).toBeLessThanOrEqual(3);
  });

  it('with a TTL of 0 always asks', async () => {
    const routes = cache(0);
    await routes.find('LAB', 'APP');
    await routes.find('LAB', 'APP');
    expect(lookups).toBe(2);
    expect(routes.size).toBe(0);
  });
});
