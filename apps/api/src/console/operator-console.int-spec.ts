import type { INestApplication } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { OperatorUsersService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

/** Operator users: the same console sign-in as a tenant's users, the operator's routes and none of a tenant's. */
const redisPrefix = testRedisPrefix('operator-console');
const PASSWORD = 'copper-lighthouse-orchard-57';
const bodies: string[] = [];

let app: INestApplication;
let config: AppConfig;
let a: TenantFixture;

interface Session {
  cookie: string;
  csrf: string;
  me: { user: { id: string; email: string; name: string }; tenant: { id: string } | null; role: string; phi: boolean; scopes: string[] };
}

const http = () => request(app.getHttpServer());
const operatorToken = () => ({ authorization: `Bearer ${config.adminToken}` });
const uniqueEmail = (who: string) => `${who}-${randomUUID().slice(0, 8)}@switchboard.example`;
const as = (s: Session, withCsrf = true): Record<string, string> => ({ cookie: s.cookie, ...(withCsrf ? { 'x-csrf-token': s.csrf } : {}) });

async function call(method: 'get' | 'post' | 'patch' | 'delete', path: string, headers: Record<string, string>, body?: unknown) {
  const req = http()[method](path).set(headers);
  const res = body === undefined ? await req : await req.send(body as object);
  bodies.push(res.text);
  return res;
}

async function signIn(email: string, password = PASSWORD): Promise<Session> {
  const res = await call('post', '/v1/console/session', {}, { email, password });
  expect(res.status).toBe(200);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
  return { cookie, csrf: res.body.csrfToken as string, me: res.body };
}

async function newOperatorUser(): Promise<{ id: string; email: string }> {
  const email = uniqueEmail('operator');
  const user = await app.get(OperatorUsersService).create({ email, name: 'Olga Operator', password: PASSWORD });
  return { id: user.id, email };
}

/** Invites through the given credential and returns the token from the link's fragment. */
async function invite(tenantId: string, headers: Record<string, string>, email: string, role: string): Promise<string> {
  const res = await call('post', `/v1/tenants/${tenantId}/invites`, headers, { email, role, phi: false });
  expect(res.status).toBe(201);
  return new URL(res.body.inviteUrl as string).hash.slice(1);
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  config = app.get(APP_CONFIG);
  a = await new Fixtures(moduleRef).newTenant();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('operator users in the console', () => {
  it('sign in through the console session route with the same cookie; /me has no tenant, role operator, no scopes', async () => {
    const operator = await newOperatorUser();
    const res = await call('post', '/v1/console/session', {}, { email: operator.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(setCookie).toMatch(/^sb_session=sbses_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const expected = { user: { id: operator.id, email: operator.email, name: 'Olga Operator' }, tenant: null, role: 'operator', phi: false, scopes: [] };
    expect(res.body).toEqual({ ...expected, csrfToken: expect.any(String) });

    const me = await call('get', '/v1/console/me', { cookie: setCookie.split(';')[0]! });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ ...expected, csrfToken: res.body.csrfToken });
  });

  it('a wrong password is the same 401 invalid_credentials as for anyone', async () => {
    const operator = await newOperatorUser();
    const wrong = await call('post', '/v1/console/session', {}, { email: operator.email, password: 'not-the-password-1' });
    const unknown = await call('post', '/v1/console/session', {}, { email: uniqueEmail('nobody'), password: 'not-the-password-1' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('creates a tenant and invites its first owner, who accepts and signs in to that tenant; writes need the CSRF header', async () => {
    const operator = await signIn((await newOperatorUser()).email);
    const slug = `op-${randomUUID().slice(0, 8)}`;
    const forged = await call('post', '/v1/tenants', as(operator, false), { name: 'Forged Health', slug });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('csrf_failed');

    const created = await call('post', '/v1/tenants', as(operator), { name: 'Harbor Health', slug });
    expect(created.status).toBe(201);
    const listed = await call('get', '/v1/tenants', as(operator, false));
    expect(listed.status).toBe(200);
    expect((listed.body.items as { slug: string }[]).map((t) => t.slug)).toContain(slug);

    const email = uniqueEmail('owner');
    const token = await invite(created.body.id as string, as(operator), email, 'owner');
    expect((await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Hana Owner', password: PASSWORD })).status).toBe(200);
    const owner = await signIn(email);
    expect(owner.me).toMatchObject({ role: 'owner', tenant: { id: created.body.id }, user: { email } });
  });

  it('its email is taken for tenant users, and a tenant user’s email is taken for operator users', async () => {
    const operator = await newOperatorUser();
    const refused = await call('post', `/v1/tenants/${a.tenant.id}/invites`, operatorToken(), { email: operator.email, role: 'viewer', phi: false });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('conflict');

    const email = uniqueEmail('owner');
    const token = await invite(a.tenant.id, operatorToken(), email, 'owner');
    expect((await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Otto', password: PASSWORD })).status).toBe(200);
    await expect(app.get(OperatorUsersService).create({ email: email.toUpperCase(), name: 'Copy', password: PASSWORD })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('cannot use tenant-only routes (403, like the admin token), and a tenant owner cannot list tenants', async () => {
    const operator = await signIn((await newOperatorUser()).email);
    for (const path of ['/v1/connections', '/v1/users', '/v1/invites', '/v1/webhook-endpoints']) {
      const res = await call('get', path, as(operator, false));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
    const email = uniqueEmail('owner');
    const token = await invite(a.tenant.id, operatorToken(), email, 'owner');
    await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Olive', password: PASSWORD });
    const owner = await signIn(email);
    const res = await call('get', '/v1/tenants', as(owner, false));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
  });

  it('a revoked operator user is refused: the session ends at once and sign-in is 401', async () => {
    const user = await newOperatorUser();
    const session = await signIn(user.email);
    await app.get(OperatorUsersService).revoke(user.id);
    expect((await call('get', '/v1/console/me', as(session, false))).status).toBe(401);
    expect((await call('get', '/v1/tenants', as(session, false))).status).toBe(401);
    const again = await call('post', '/v1/console/session', {}, { email: user.email, password: PASSWORD });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('invalid_credentials');
  });

  it('sign-out ends the operator session', async () => {
    const session = await signIn((await newOperatorUser()).email);
    expect((await call('delete', '/v1/console/session', as(session))).status).toBe(204);
    expect((await call('get', '/v1/console/me', as(session, false))).status).toBe(401);
  });

  it('the admin token has no console user', async () => {
    const res = await call('get', '/v1/console/me', operatorToken());
    expect(res.status).toBe(403);
  });
});

it('no response carried a password hash or a session token', () => {
  const all = bodies.join('\n');
  expect(all).not.toMatch(/\$argon2id\$/);
  expect(all).not.toMatch(/sbses_[A-Za-z0-9_-]{43}/);
  expect(all).not.toMatch(/"tokenHash"|"passwordHash"/);
});
