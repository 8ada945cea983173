import type { INestApplication } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('health-alert-rules');
const PATH = '/v1/health-alert-rules';

let app: INestApplication;
let a: TenantFixture;
let b: TenantFixture;
let keyA: string;
let keyB: string;
let readOnlyA: string;
let webhooksOnlyA: string;
let operator: string;

const call = (method: 'get' | 'post' | 'patch' | 'delete', path: string, key: string, body?: object) => {
  const req = request(app.getHttpServer())[method](path).set('authorization', `Bearer ${key}`);
  return body === undefined ? req : req.send(body);
};

const valid = { name: 'Lab feed down', to: ['down', 'healthy'] };

const create = async (key: string, body: object = valid): Promise<Record<string, unknown> & { id: string }> => {
  const res = await call('post', PATH, key, body);
  expect(res.status).toBe(201);
  return res.body as Record<string, unknown> & { id: string };
};

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  operator = app.get<AppConfig>(APP_CONFIG).adminToken;
  const fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  const keys = app.get(ApiKeyService);
  keyA = (await keys.create(a.actor(), a.tenant.id, { name: 'alerts a' })).key;
  keyB = (await keys.create(b.actor(), b.tenant.id, { name: 'alerts b' })).key;
  readOnlyA = (await keys.create(a.actor(), a.tenant.id, { name: 'connections read', scopes: ['connections:read'] })).key;
  webhooksOnlyA = (await keys.create(a.actor(), a.tenant.id, { name: 'webhooks only', scopes: ['admin:webhooks'] })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('health alert rules API', () => {
  it('creates, reads, lists, updates and deletes a rule of the caller’s tenant', async () => {
    const created = await create(keyA, {
      name: ' Night pager ',
      connectionIds: [a.echo.id.toUpperCase(), a.echo.id],
      to: ['degraded', 'down', 'degraded'],
      quietHours: { from: '22:00', to: '07:00', timezone: 'America/New_York' },
    });
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Night pager',
      connectionIds: [a.echo.id],
      to: ['degraded', 'down'],
      quietHours: { from: '22:00', to: '07:00', timezone: 'America/New_York' },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const all = await create(keyA, valid);
    expect(all).toMatchObject({ connectionIds: [], to: ['down', 'healthy'], quietHours: null });

    expect((await call('get', `${PATH}/${created.id}`, keyA)).body).toEqual(created);
    expect((await call('get', PATH, keyA)).body.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([created.id, all.id]));
    expect((await call('get', `${PATH}/${created.id}/firings`, keyA)).body).toEqual({ items: [] });

    const patched = await call('patch', `${PATH}/${created.id}`, keyA, { to: ['healthy'], quietHours: null, connectionIds: [] });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...created, to: ['healthy'], quietHours: null, connectionIds: [], updatedAt: expect.any(String) });
    const renamed = await call('patch', `${PATH}/${created.id}`, keyA, { name: 'Recoveries' });
    expect(renamed.body).toMatchObject({ name: 'Recoveries', to: ['healthy'], quietHours: null });

    expect((await call('delete', `${PATH}/${created.id}`, keyA)).status).toBe(204);
    expect((await call('get', `${PATH}/${created.id}`, keyA)).status).toBe(404);
    expect((await call('patch', `${PATH}/${created.id}`, keyA, { name: 'x' })).status).toBe(404);
    expect((await call('delete', `${PATH}/${created.id}`, keyA)).status).toBe(404);
    expect((await call('get', PATH, keyA)).body.items.map((r: { id: string }) => r.id)).not.toContain(created.id);
  });

  describe('another tenant', () => {
    it.each<[string, 'get' | 'patch' | 'delete', string, object | undefined]>([
      ['GET :id', 'get', '', undefined],
      ['GET :id/firings', 'get', '/firings', undefined],
      ['PATCH :id', 'patch', '', { name: 'taken over', to: ['degraded'] }],
      ['DELETE :id', 'delete', '', undefined],
    ])('%s of tenant A’s rule is a 404 to tenant B, and leaves it unchanged', async (_route, method, suffix, body) => {
      const rule = await create(keyA, { ...valid, connectionIds: [a.echo.id] });
      const res = await call(method, `${PATH}/${rule.id}${suffix}`, keyB, body);
      expect([res.status, res.body.code, res.body.title]).toEqual([404, 'not_found', 'Health alert rule not found']);
      expect(res.text).not.toContain(a.echo.id);
      expect((await call('get', `${PATH}/${rule.id}`, keyA)).body).toEqual(rule);
    });

    it('B’s list holds none of A’s rules', async () => {
      const rule = await create(keyA);
      const listed = await call('get', PATH, keyB);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((r: { id: string }) => r.id)).not.toContain(rule.id);
    });

    it('B cannot list A’s connection in its rule (400 naming it, the same as an id that does not exist)', async () => {
      const ghost = randomUUID();
      const res = await call('post', PATH, keyB, { ...valid, connectionIds: [b.echo.id, a.echo.id, ghost] });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.issues).toEqual([
        { path: 'connectionIds.1', message: `${a.echo.id} is not a connection of this tenant` },
        { path: 'connectionIds.2', message: `${ghost} is not a connection of this tenant` },
      ]);
      const own = await create(keyB, { ...valid, connectionIds: [b.echo.id] });
      const patched = await call('patch', `${PATH}/${own.id}`, keyB, { connectionIds: [a.echo.id] });
      expect([patched.status, patched.body.issues]).toEqual([400, [{ path: 'connectionIds.0', message: `${a.echo.id} is not a connection of this tenant` }]]);
      expect((await call('get', `${PATH}/${own.id}`, keyB)).body.connectionIds).toEqual([b.echo.id]);
    });
  });

  it('a malformed id is a 404', async () => {
    expect((await call('get', `${PATH}/not-a-uuid`, keyA)).status).toBe(404);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an empty `to`', { to: [] }, 'to'],
    ['no `to`', { to: undefined }, 'to'],
    ['`unknown` in `to`', { to: ['unknown'] }, 'to.0'],
    ['an empty name', { name: '  ' }, 'name'],
    ['a name over 100 characters', { name: 'n'.repeat(101) }, 'name'],
    ['a connection id that is not a UUID', { connectionIds: ['lab'] }, 'connectionIds.0'],
    ['a bad time zone', { quietHours: { from: '22:00', to: '07:00', timezone: 'Mars/Olympus_Mons' } }, 'quietHours.timezone'],
    ['an offset for a time zone', { quietHours: { from: '22:00', to: '07:00', timezone: '+05:00' } }, 'quietHours.timezone'],
    ['an hour past 23', { quietHours: { from: '24:00', to: '07:00', timezone: 'UTC' } }, 'quietHours.from'],
    ['a time without two-digit hours', { quietHours: { from: '22:00', to: '7:00', timezone: 'UTC' } }, 'quietHours.to'],
    ['minutes past 59', { quietHours: { from: '22:60', to: '07:00', timezone: 'UTC' } }, 'quietHours.from'],
    ['an empty window', { quietHours: { from: '08:00', to: '08:00', timezone: 'UTC' } }, 'quietHours.to'],
    ['quiet hours without a time zone', { quietHours: { from: '22:00', to: '07:00' } }, 'quietHours.timezone'],
    ['an unknown field', { severity: 'high' }, ''],
  ])('refuses %s with 400 validation_failed', async (_name, change, path) => {
    const res = await call('post', PATH, keyA, { ...valid, ...change });
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    if (path) expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('a PATCH is validated the same way, and must change something', async () => {
    const rule = await create(keyA);
    for (const body of [{}, { to: [] }, { quietHours: { from: '22:00', to: '07:00', timezone: 'Nowhere/Land' } }, { name: '' }]) {
      const res = await call('patch', `${PATH}/${rule.id}`, keyA, body);
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    }
    expect((await call('get', `${PATH}/${rule.id}`, keyA)).body).toEqual(rule);
  });

  it('reading needs connections:read, changing needs admin:connections; the operator has no tenant here', async () => {
    const rule = await create(keyA);
    expect((await call('get', PATH, readOnlyA)).status).toBe(200);
    expect((await call('get', `${PATH}/${rule.id}`, readOnlyA)).status).toBe(200);
    expect((await call('get', `${PATH}/${rule.id}/firings`, readOnlyA)).status).toBe(200);
    expect((await call('post', PATH, readOnlyA, valid)).status).toBe(403);
    expect((await call('patch', `${PATH}/${rule.id}`, readOnlyA, { name: 'x' })).status).toBe(403);
    expect((await call('delete', `${PATH}/${rule.id}`, readOnlyA)).status).toBe(403);
    expect((await call('get', PATH, webhooksOnlyA)).status).toBe(403);
    expect((await call('get', PATH, operator)).status).toBe(403);
    expect((await request(app.getHttpServer()).get(PATH)).status).toBe(401);
  });
});
