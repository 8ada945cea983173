/**
 * Revocation across api processes: two application contexts, each with its own credential
 * cache and its own Redis subscriber, on the machine's Redis and the run's fresh database.
 * Instance B reaches Redis through a TCP proxy the tests can cut or silence.
 */
import type { TestingModule } from '@nestjs/testing';
import { processEnv } from '@sb/config';
import { ApiKeyRepository } from '@sb/db';
import { ApiKeyService, ConsoleUsersService, OAuthClientService, TenancyModule, TenantService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { AuthModule } from './auth.module';
import { AuthenticationService } from './authentication.service';
import { ConsoleSessionService } from './console/console-session.service';
import { credentialInvalidationChannel, CredentialInvalidations, INVALIDATION_HEARTBEAT_MS } from './credential-invalidations';
import { TokenService } from './token.service';

const redisPrefix = testRedisPrefix('credential-revocation');
const redisUrl = new URL(processEnv().REDIS_URL ?? 'redis://127.0.0.1:6379');
/** What the tests allow for a revocation to reach the other instance; the target is 1 s. */
const BOUND_MS = 2_000;
const PASSWORD = 'copper-meadow-whistle-73';

/** A TCP proxy to Redis: `cut` closes every connection and refuses new ones; `silence` keeps them open but forwards nothing. */
class RedisProxy {
  private mode: 'open' | 'cut' | 'silent' = 'open';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor() {
    this.server = createServer((client) => {
      if (this.mode === 'cut') return void client.destroy();
      const upstream = connect(Number(redisUrl.port || 6379), redisUrl.hostname);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(from);
        from.on('data', (chunk: Buffer) => {
          if (this.mode === 'open') to.write(chunk);
        });
        from.on('close', () => to.destroy());
        from.on('error', () => to.destroy());
      }
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  set(mode: 'open' | 'cut' | 'silent'): void {
    if (mode === this.mode) return;
    this.mode = mode;
    // Connections that lived through a cut or a silence are dropped: ioredis makes new ones.
    if (mode !== 'silent') this.closeAll();
  }

  async close(): Promise<void> {
    this.closeAll();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private closeAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

interface Instance {
  app: TestingModule;
  auth: AuthenticationService;
  invalidations: CredentialInvalidations;
  /** Database reads of API keys: what shows whether a call was served from the cache. */
  keyReads: jest.SpyInstance;
}

async function instance(overrides: Record<string, string> = {}): Promise<Instance> {
  const app = await createTestingApp([AuthModule, TenancyModule], { SB_REDIS_PREFIX: redisPrefix, ...overrides });
  const invalidations = app.get(CredentialInvalidations);
  return { app, auth: app.get(AuthenticationService), invalidations, keyReads: jest.spyOn(app.get(ApiKeyRepository), 'findCredentialByHash') };
}

/** Polls until `check` holds; fails after `withinMs`. Times nothing beyond that bound. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, withinMs = BOUND_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ready = (i: Instance, withinMs = 10_000) => eventually('subscribed', () => i.invalidations.isTrusted, withinMs);

let proxy: RedisProxy;
let a: Instance;
let b: Instance;
let tenant: TenantFixture;
let raw: Redis;

beforeAll(async () => {
  proxy = new RedisProxy();
  const proxiedUrl = await proxy.listen();
  a = await instance();
  b = await instance({ REDIS_URL: proxiedUrl });
  raw = new Redis(redisUrl.toString(), { lazyConnect: true });
  await raw.connect();
  tenant = await new Fixtures(a.app).newTenant();
});

beforeEach(async () => {
  proxy.set('open');
  await Promise.all([ready(a), ready(b)]);
});

afterAll(async () => {
  proxy?.set('open');
  await a?.app.close();
  await b?.app.close();
  await proxy?.close();
  raw?.disconnect();
  await deleteRedisKeys(redisPrefix);
});

/** A live key that both instances have verified once and now serve from their caches. */
async function keyCachedInBoth(t: TenantFixture = tenant): Promise<{ id: string; key: string }> {
  const { apiKey, key } = await a.app.get(ApiKeyService).create(t.actor(), t.tenant.id, { name: `k-${randomUUID().slice(0, 6)}` });
  for (const i of [a, b]) {
    await expect(i.auth.authenticate(key)).resolves.toMatchObject({ type: 'api-key', id: apiKey.id });
    const reads = i.keyReads.mock.calls.length;
    await expect(i.auth.authenticate(key)).resolves.toMatchObject({ type: 'api-key', id: apiKey.id });
    expect(i.keyReads.mock.calls.length).toBe(reads); // served from the cache
  }
  return { id: apiKey.id, key };
}

describe('a revocation in one api process reaches the others', () => {
  it('refuses a revoked API key in the other process within the bound, and publishes only its id', async () => {
    const heard: string[] = [];
    const listener = raw.duplicate();
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(credentialInvalidationChannel(redisPrefix));
    try {
      const { id, key } = await keyCachedInBoth();
      await a.app.get(ApiKeyService).revoke(tenant.tenant.id, id);
      await expect(a.auth.authenticate(key)).resolves.toBeNull();
      await eventually('B refuses the revoked key', async () => (await b.auth.authenticate(key)) === null);
      expect(b.invalidations.isTrusted).toBe(true); // B heard of it; its cache was not bypassed
      await eventually('the notice', () => heard.length > 0);
      expect(heard.map((m) => JSON.parse(m))).toEqual([{ kind: 'api-key', id }]);
      expect(heard.join()).not.toContain(key.slice(-20));
    } finally {
      listener.disconnect();
    }
  });

  it('refuses the keys of a suspended tenant in the other process within the bound', async () => {
    const other = await new Fixtures(a.app).newTenant();
    const { key } = await keyCachedInBoth(other);
    await a.app.get(TenantService).update({ type: 'operator', id: 'operator' }, other.tenant.id, { status: 'suspended' });
    await expect(a.auth.authenticate(key)).resolves.toBeNull();
    await eventually('B refuses the suspended tenant’s key', async () => (await b.auth.authenticate(key)) === null);
  });

  it('refuses an ended console session in the other process within the bound', async () => {
    const email = `rev-${randomUUID().slice(0, 8)}@clinic.example`;
    const users = a.app.get(ConsoleUsersService);
    const { inviteUrl } = await users.invite({ type: 'operator', id: 'operator' }, tenant.tenant.id, { email, role: 'admin', phi: false });
    await users.accept(new URL(inviteUrl).hash.slice(1), { name: 'Rev Admin', password: PASSWORD });
    const signedIn = await a.app.get(ConsoleSessionService).signIn(email, PASSWORD, '127.0.0.1');
    for (const i of [a, b]) await expect(i.app.get(ConsoleSessionService).authenticate(signedIn.token)).resolves.not.toBeNull();
    await a.app.get(ConsoleSessionService).signOut(signedIn.actor);
    await eventually('B refuses the ended session', async () => (await b.app.get(ConsoleSessionService).authenticate(signedIn.token)) === null);
  });

  it('refuses an access token of a revoked OAuth client in the other process within the bound', async () => {
    const clients = a.app.get(OAuthClientService);
    const { client, clientSecret } = await clients.create(tenant.actor(), tenant.tenant.id, { name: 'rev', authMethod: 'client_secret' });
    const { access_token } = await a.app.get(TokenService).issue({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: clientSecret! });
    for (const i of [a, b]) await expect(i.auth.authenticate(access_token)).resolves.toMatchObject({ type: 'oauth-client', id: client.id });
    await clients.revoke(tenant.tenant.id, client.id);
    await eventually('B refuses the revoked client’s token', async () => (await b.auth.authenticate(access_token)) === null);
  });
});

describe('when the other process cannot hear revocations', () => {
  it('bypasses its cache while its subscriber is disconnected, and caches again once resubscribed', async () => {
    const { id, key } = await keyCachedInBoth();
    proxy.set('cut');
    await eventually('B distrusts its cache', () => !b.invalidations.isTrusted);
    await a.app.get(ApiKeyService).revoke(tenant.tenant.id, id); // B cannot hear this
    await expect(b.auth.authenticate(key)).resolves.toBeNull(); // the very next call sees it

    const live = await a.app.get(ApiKeyService).create(tenant.actor(), tenant.tenant.id, { name: 'while-down' });
    const reads = b.keyReads.mock.calls.length;
    await expect(b.auth.authenticate(live.key)).resolves.not.toBeNull();
    await expect(b.auth.authenticate(live.key)).resolves.not.toBeNull();
    expect(b.keyReads.mock.calls.length).toBe(reads + 2); // nothing cached while down

    proxy.set('open');
    await ready(b);
    await keyCachedInBoth(); // trusted again: served from the cache
  });

  it('keeps trusting a subscriber connection that answers its heartbeats', async () => {
    await ready(b);
    let distrusted = false;
    const until = Date.now() + 3 * INVALIDATION_HEARTBEAT_MS + 500;
    while (Date.now() < until) {
      if (!b.invalidations.isTrusted) distrusted = true;
      // A distrusted connection is reconnected after ioredis's first retry delay (50 ms): sampled finer than that.
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(distrusted).toBe(false);
  });

  it('distrusts a subscriber connection that stops answering (no close seen) within the heartbeat bound', async () => {
    const { id, key } = await keyCachedInBoth();
    proxy.set('silent');
    await eventually('B distrusts its silent subscriber', () => !b.invalidations.isTrusted, 2 * INVALIDATION_HEARTBEAT_MS + 1_000);
    await a.app.get(ApiKeyService).revoke(tenant.tenant.id, id);
    await expect(b.auth.authenticate(key)).resolves.toBeNull();
    proxy.set('open');
    await ready(b);
  });

  it('drops everything it cached on a notice it cannot read', async () => {
    const { key } = await keyCachedInBoth();
    await raw.publish(credentialInvalidationChannel(redisPrefix), '{"kind":"something-new"}');
    const reads = b.keyReads.mock.calls.length;
    await eventually('B reads the key from the database again', async () => {
      await b.auth.authenticate(key);
      return b.keyReads.mock.calls.length > reads;
    });
  });
});
