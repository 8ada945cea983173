import type { INestApplication } from '@nestjs/common';
import { ACCOUNT_LOCK_AFTER } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { scopesOfRole } from '@sb/core';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('console-auth');
const PASSWORD = 'violet-harbour-lantern-42';
/** Every response body of the run: scanned for tokens and hashes at the end. */
const bodies: string[] = [];

let app: INestApplication;
let config: AppConfig;
let a: TenantFixture;
let b: TenantFixture;

interface Session {
  cookie: string;
  csrf: string;
  me: { user: { id: string; email: string }; role: string; phi: boolean; scopes: string[]; tenant: { id: string } };
}

const http = () => request(app.getHttpServer());
const operator = () => ({ authorization: `Bearer ${config.adminToken}` });
const uniqueEmail = (who: string) => `${who}-${randomUUID().slice(0, 8)}@clinic.example`;

async function call(method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, headers: Record<string, string>, body?: unknown) {
  const req = http()[method](path).set(headers);
  const res = body === undefined ? await req : await req.send(body as object);
  bodies.push(res.text);
  return res;
}

const as = (s: Session, withCsrf = true): Record<string, string> => ({ cookie: s.cookie, ...(withCsrf ? { 'x-csrf-token': s.csrf } : {}) });

/** Invites through the given credential and returns the token from the link's fragment. */
async function invite(tenantId: string, headers: Record<string, string>, email: string, role: string, phi = false): Promise<string> {
  const res = await call('post', `/v1/tenants/${tenantId}/invites`, headers, { email, role, phi });
  expect(res.status).toBe(201);
  const url = new URL(res.body.inviteUrl as string);
  expect(url.pathname).toBe('/console/invite');
  expect(url.search).toBe('');
  return url.hash.slice(1);
}

async function signIn(email: string, password = PASSWORD): Promise<Session> {
  const res = await call('post', '/v1/console/session', {}, { email, password });
  expect(res.status).toBe(200);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
  return { cookie, csrf: res.body.csrfToken as string, me: res.body };
}

/** A signed-in user of `tenant` with `role`, invited by the operator. */
async function newUser(tenant: TenantFixture, role: string, phi = false): Promise<Session> {
  const email = uniqueEmail(role);
  const token = await invite(tenant.tenant.id, operator(), email, role, phi);
  expect((await call('post', `/v1/console/invites/${token}/accept`, {}, { name: `A ${role}`, password: PASSWORD })).status).toBe(200);
  return signIn(email);
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  config = app.get(APP_CONFIG);
  const fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('invites', () => {
  it('the operator invites an owner, who sees the invite, accepts it once and signs in', async () => {
    const email = uniqueEmail('owner');
    const token = await invite(a.tenant.id, operator(), email, 'owner');
    const described = await call('get', `/v1/console/invites/${token}`, {});
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({ email, tenantName: a.tenant.name, role: 'owner', phi: false });

    const accepted = await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Olive Owner', password: PASSWORD });
    expect(accepted.body).toEqual({ email });
    const reused = await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Mallory', password: PASSWORD });
    expect(reused.status).toBe(404);
    expect(reused.body.code).toBe('not_found');

    const session = await signIn(email);
    expect(session.me).toMatchObject({ role: 'owner', phi: false, tenant: { id: a.tenant.id }, user: { email } });
    expect(session.me.scopes).toEqual(scopesOfRole('owner', false));
  });

  it('refuses short and common passwords with validation_failed, and the invite stays usable', async () => {
    const email = uniqueEmail('dev');
    const token = await invite(a.tenant.id, operator(), email, 'developer');
    for (const password of ['short-pw-1', 'Password1234', 'aaaaaaaaaaaaaaaa', `${email.split('@')[0]}-x`]) {
      const res = await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Dev', password });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.issues[0].path).toBe('password');
      expect(res.text).not.toContain(password);
    }
    expect((await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Dev', password: PASSWORD })).status).toBe(200);
  });

  it('an invite older than 72 hours is 410 invite_expired and creates nobody', async () => {
    const email = uniqueEmail('late');
    const token = await invite(a.tenant.id, operator(), email, 'viewer');
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 72 * 3_600_000 + 1_000);
    const res = await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Late', password: PASSWORD });
    clock.mockRestore();
    expect(res.status).toBe(410);
    expect(res.body.code).toBe('invite_expired');
    expect((await call('post', '/v1/console/session', {}, { email, password: PASSWORD })).status).toBe(401);
  });

  it('resending an invite makes the old link stop working', async () => {
    const owner = await newUser(a, 'owner');
    const email = uniqueEmail('resend');
    const oldToken = await invite(a.tenant.id, as(owner), email, 'finance');
    const list = await call('get', '/v1/invites', as(owner));
    const pending = (list.body.items as { id: string; email: string; status: string }[]).find((i) => i.email === email)!;
    expect(pending.status).toBe('pending');
    const resent = await call('post', `/v1/invites/${pending.id}/resend`, as(owner));
    expect(resent.status).toBe(201);
    expect((await call('get', `/v1/console/invites/${oldToken}`, {})).status).toBe(404);
    const newToken = new URL(resent.body.inviteUrl as string).hash.slice(1);
    expect((await call('get', `/v1/console/invites/${newToken}`, {})).body.role).toBe('finance');
  });

  it('a garbage or unknown token is 404', async () => {
    expect((await call('get', '/v1/console/invites/not-a-token', {})).status).toBe(404);
    expect((await call('get', `/v1/console/invites/sbinv_${'A'.repeat(43)}`, {})).status).toBe(404);
  });
});

describe('sessions', () => {
  it('sets an HttpOnly SameSite=Strict cookie (no Secure on http) and /me answers with the CSRF token', async () => {
    const email = uniqueEmail('cookie');
    const token = await invite(a.tenant.id, operator(), email, 'admin');
    await call('post', `/v1/console/invites/${token}/accept`, {}, { name: 'Ada', password: PASSWORD });
    const res = await call('post', '/v1/console/session', {}, { email: email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(setCookie).toMatch(/^sb_session=sbses_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = setCookie.split(';')[0]!;
    const me = await call('get', '/v1/console/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body.csrfToken).toBe(res.body.csrfToken);
    expect(me.body.role).toBe('admin');
  });

  it('a wrong password and an unknown email get the same 401 invalid_credentials', async () => {
    const owner = await newUser(a, 'owner');
    const wrong = await call('post', '/v1/console/session', {}, { email: owner.me.user.email, password: 'not-the-password-1' });
    const unknown = await call('post', '/v1/console/session', {}, { email: uniqueEmail('nobody'), password: 'not-the-password-1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('cookie-authenticated writes need the CSRF header: without it 403 csrf_failed and nothing is created', async () => {
    const owner = await newUser(a, 'owner');
    const before = (await call('get', '/v1/connections', as(owner, false))).body.items.length as number;
    const body = { name: 'Forged', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `F${randomUUID().slice(0, 6)}` };
    const forged = await call('post', '/v1/connections', as(owner, false), body);
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('csrf_failed');
    const wrongToken = await call('post', '/v1/connections', { cookie: owner.cookie, 'x-csrf-token': 'x'.repeat(32) }, body);
    expect(wrongToken.body.code).toBe('csrf_failed');
    expect((await call('get', '/v1/connections', as(owner, false))).body.items.length).toBe(before);
    expect((await call('post', '/v1/connections', as(owner), body)).status).toBe(201);
  });

  it('GraphQL over the cookie works for queries and needs the CSRF header like REST', async () => {
    const owner = await newUser(a, 'owner');
    const query = { query: '{ viewer { actorType tenant { id } } }' };
    const without = await http().post('/graphql').set(as(owner, false)).send(query);
    expect(without.body.errors[0].extensions.code).toBe('csrf_failed');
    expect(without.body.data?.viewer ?? null).toBeNull();
    const ok = await http().post('/graphql').set(as(owner)).send(query);
    expect(ok.body.data.viewer).toEqual({ actorType: 'user', tenant: { id: a.tenant.id } });
  });

  it('sign-out ends the session: the same cookie is then 401', async () => {
    const user = await newUser(a, 'developer');
    expect((await call('delete', '/v1/console/session', as(user))).status).toBe(204);
    const after = await call('get', '/v1/console/me', as(user, false));
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('unauthenticated');
  });

  it('a session idle past the timeout is refused', async () => {
    const user = await newUser(a, 'viewer');
    const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + config.consoleIdleTimeoutMs + 1_000);
    const res = await call('get', '/v1/console/me', as(user, false));
    clock.mockRestore();
    expect(res.status).toBe(401);
  });

  it('repeated failures on one account are refused with 429 and Retry-After, even with the right password', async () => {
    const user = await newUser(a, 'finance');
    const email = user.me.user.email;
    for (let i = 0; i < ACCOUNT_LOCK_AFTER; i += 1) {
      expect((await call('post', '/v1/console/session', {}, { email, password: `wrong-password-${i}` })).status).toBe(401);
    }
    const locked = await call('post', '/v1/console/session', {}, { email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Another account from the same address is not locked by it.
    const other = await newUser(a, 'viewer');
    expect(other.me.role).toBe('viewer');
  }, 30_000);

  it('an API key cannot use /me', async () => {
    const res = await call('get', '/v1/console/me', operator());
    expect(res.status).toBe(403);
  });
});

describe('roles and the PHI grant', () => {
  it('a viewer reads connections but cannot change anything (403), and without PHI cannot read FHIR', async () => {
    const viewer = await newUser(a, 'viewer');
    expect((await call('get', '/v1/connections', as(viewer))).status).toBe(200);
    const create = await call('post', '/v1/connections', as(viewer), { name: 'No', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: 'NOPE' });
    expect(create.status).toBe(403);
    expect(create.body.code).toBe('forbidden');
    expect((await call('post', `/v1/connections/${a.echo.id}/test`, as(viewer))).status).toBe(403);
    expect((await call('get', '/v1/usage/totals', as(viewer))).status).toBe(403);
    expect((await call('get', '/v1/users', as(viewer))).status).toBe(403);
    expect((await call('get', `/fhir/r4/${a.echo.id}/Patient/1`, as(viewer))).status).toBe(403);
  });

  it('a finance user reads usage and nothing else', async () => {
    const finance = await newUser(a, 'finance');
    expect((await call('get', '/v1/usage/totals', as(finance))).status).toBe(200);
    for (const path of ['/v1/connections', '/v1/webhook-endpoints', '/v1/audit-records', '/v1/api-keys', '/v1/users']) {
      expect((await call('get', path, as(finance))).status).toBe(403);
    }
  });

  it('the PHI grant adds clinical read scopes', async () => {
    const viewer = await newUser(a, 'viewer', true);
    expect(viewer.me.phi).toBe(true);
    expect(viewer.me.scopes).toContain('system/*.rs');
  });

  it('a developer may change sandbox connections but not take a production one live', async () => {
    const dev = await newUser(a, 'developer');
    const created = await call('post', '/v1/connections', as(dev), {
      name: 'Prod site',
      vendor: 'hl7v2',
      environment: 'production',
      hl7SendingFacility: `P${randomUUID().slice(0, 6)}`,
      mllpHost: 'mllp.hospital.example',
      mllpPort: 2575,
    });
    expect(created.status).toBe(201);
    const live = await call('post', `/v1/connections/${created.body.id}/status`, as(dev), { status: 'live' });
    expect(live.status).toBe(403);
    expect(live.body.requiredScope).toBe('connections:go-live');
    expect((await call('get', `/v1/connections/${created.body.id}`, as(dev))).body.status).toBe('draft');
  });

  it('an admin cannot manage owners; a role change applies to the next request; one owner always remains', async () => {
    const owner = await newUser(a, 'owner');
    const admin = await newUser(a, 'admin');
    const viewer = await newUser(a, 'viewer');
    const promote = await call('patch', `/v1/users/${viewer.me.user.id}`, as(admin), { role: 'owner' });
    expect(promote.status).toBe(403);
    const demoteOwner = await call('patch', `/v1/users/${owner.me.user.id}`, as(admin), { role: 'viewer' });
    expect(demoteOwner.status).toBe(403);
    expect((await call('get', '/v1/console/me', as(owner))).body.role).toBe('owner');

    expect((await call('patch', `/v1/users/${viewer.me.user.id}`, as(admin), { role: 'developer' })).body.role).toBe('developer');
    expect((await call('get', '/v1/console/me', as(viewer))).body.scopes).toEqual(scopesOfRole('developer', false));

    const badRole = await call('patch', `/v1/users/${viewer.me.user.id}`, as(admin), { role: 'superuser' });
    expect(badRole.status).toBe(400);
    expect(badRole.body.code).toBe('validation_failed');
  });

  it('tenant B never has a last owner removed by tenant A, and a lone owner cannot be demoted', async () => {
    const lone = await newUser(b, 'owner');
    const demote = await call('patch', `/v1/users/${lone.me.user.id}`, as(lone), { role: 'admin' });
    expect(demote.status).toBe(409);
    expect((await call('get', '/v1/console/me', as(lone))).body.role).toBe('owner');
  });

  it('revoking a user ends their sessions at once and refuses their sign-in', async () => {
    const owner = await newUser(a, 'owner');
    const dev = await newUser(a, 'developer');
    expect((await call('get', '/v1/console/me', as(dev))).status).toBe(200);
    const revoked = await call('post', `/v1/users/${dev.me.user.id}/revoke`, as(owner));
    expect(revoked.body.status).toBe('revoked');
    expect((await call('get', '/v1/console/me', as(dev))).status).toBe(401);
    expect((await call('post', '/v1/console/session', {}, { email: dev.me.user.email, password: PASSWORD })).status).toBe(401);
  });

  it('reinstating a revoked user lets them sign in again in their role; the ended sessions stay ended; same rules as revoking; audited', async () => {
    const owner = await newUser(a, 'owner');
    const admin = await newUser(a, 'admin');
    const viewer = await newUser(a, 'viewer');
    const dev = await newUser(a, 'developer', true);
    const otherOwner = await newUser(a, 'owner');
    const reinstate = (who: Session, by: Session) => call('post', `/v1/users/${who.me.user.id}/reinstate`, as(by));

    // Not revoked: nothing to reinstate.
    expect([(await reinstate(dev, admin)).status, (await reinstate(dev, admin)).body.code]).toEqual([409, 'conflict']);

    expect((await call('post', `/v1/users/${dev.me.user.id}/revoke`, as(owner))).body.status).toBe('revoked');
    expect((await call('post', '/v1/console/session', {}, { email: dev.me.user.email, password: PASSWORD })).status).toBe(401);
    // A viewer may not; without the CSRF header nothing happens either.
    expect((await reinstate(dev, viewer)).status).toBe(403);
    expect((await call('post', `/v1/users/${dev.me.user.id}/reinstate`, as(admin, false))).status).toBe(403);
    expect((await call('get', '/v1/users', as(owner))).body.items.find((u: { id: string }) => u.id === dev.me.user.id).status).toBe('revoked');

    const back = await reinstate(dev, admin);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id: dev.me.user.id, status: 'active', revokedAt: null, role: 'developer', phi: true });
    // The session that revocation ended stays ended; a new sign-in works, with the same role and grant.
    expect((await call('get', '/v1/console/me', as(dev))).status).toBe(401);
    const again = await signIn(dev.me.user.email);
    expect((await call('get', '/v1/console/me', as(again))).body).toMatchObject({ role: 'developer', phi: true, scopes: scopesOfRole('developer', true) });

    // Owners: an admin may neither revoke nor reinstate one; another owner may.
    expect((await call('post', `/v1/users/${otherOwner.me.user.id}/revoke`, as(owner))).status).toBe(200);
    expect((await reinstate(otherOwner, admin)).status).toBe(403);
    expect((await reinstate(otherOwner, owner)).body.status).toBe('active');

    const records = (await call('get', '/v1/audit-records?order=desc&limit=100', as(owner))).body.items as { actorId: string; operation: string; objectRef: string; outcome: string }[];
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actorId: admin.me.user.id, operation: 'POST /v1/users/:id/reinstate', objectRef: `users/${dev.me.user.id}/reinstate`, outcome: 'success' }),
        expect.objectContaining({ actorId: admin.me.user.id, operation: 'POST /v1/users/:id/reinstate', objectRef: `users/${otherOwner.me.user.id}/reinstate`, outcome: 'error' }),
      ]),
    );
  });
});

describe('the audit of admin changes', () => {
  it('records a change made through a path cased differently (Express routes regardless of case)', async () => {
    const owner = await newUser(a, 'owner');
    const dev = await newUser(a, 'developer');
    const res = await call('post', `/V1/Users/${dev.me.user.id}/REVOKE`, as(owner));
    expect(res.status).toBe(200);
    const records = (await call('get', '/v1/audit-records?order=desc&limit=20', as(owner))).body.items as { actorId: string; operation: string; outcome: string }[];
    expect(records).toEqual(expect.arrayContaining([expect.objectContaining({ actorId: owner.me.user.id, operation: 'POST /v1/users/:id/revoke', outcome: 'success' })]));
  });
});

describe('tenant isolation', () => {
  it("tenant B's owner gets 404 for tenant A's users, invites and tenant", async () => {
    const ownerA = await newUser(a, 'owner');
    const ownerB = await newUser(b, 'owner');
    const inviteRes = await call('post', `/v1/tenants/${a.tenant.id}/invites`, as(ownerA), { email: uniqueEmail('x'), role: 'viewer' });
    expect((await call('patch', `/v1/users/${ownerA.me.user.id}`, as(ownerB), { phi: true })).status).toBe(404);
    expect((await call('post', `/v1/users/${ownerA.me.user.id}/revoke`, as(ownerB))).status).toBe(404);
    expect((await call('post', `/v1/users/${ownerA.me.user.id}/reinstate`, as(ownerB))).status).toBe(404);
    expect((await call('post', `/v1/invites/${inviteRes.body.id}/resend`, as(ownerB))).status).toBe(404);
    expect((await call('delete', `/v1/invites/${inviteRes.body.id}`, as(ownerB))).status).toBe(404);
    expect((await call('post', `/v1/tenants/${a.tenant.id}/invites`, as(ownerB), { email: uniqueEmail('y'), role: 'owner' })).status).toBe(404);
    expect((await call('get', `/v1/connections/${a.echo.id}`, as(ownerB))).status).toBe(404);
    const listB = (await call('get', '/v1/users', as(ownerB))).body.items as { id: string }[];
    expect(listB.map((u) => u.id)).not.toContain(ownerA.me.user.id);
  });
});

describe('audit of console actions', () => {
  it('records who changed what and which object, never the secret value', async () => {
    const owner = await newUser(a, 'owner');
    const secretValue = `s3cr3t-${randomUUID()}`;
    const created = await call('post', '/v1/connections', as(owner), {
      name: 'Audited',
      vendor: 'oracle',
      environment: 'sandbox',
      fhirBaseUrl: 'https://fhir.oracle.example/r4/tenant',
      clientId: 'audited-client',
    });
    expect(created.status).toBe(201);
    expect((await call('put', `/v1/connections/${created.body.id}/secrets/client_secret`, as(owner), { value: secretValue })).status).toBeLessThan(300);
    const refused = await call('post', `/v1/connections/${created.body.id}/status`, as(owner), { status: 'live' });
    expect(refused.status).toBe(409);

    const records = await call('get', '/v1/audit-records?limit=500', as(owner));
    const mine = (records.body.items as { actorId: string; operation: string; objectRef: string; outcome: string; actorType: string }[]).filter(
      (r) => r.actorId === owner.me.user.id,
    );
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actorType: 'user', operation: 'POST /v1/connections', outcome: 'success', objectRef: 'connections' }),
        expect.objectContaining({ operation: 'PUT /v1/connections/:id/secrets/:name', objectRef: `connections/${created.body.id}/secrets/client_secret` }),
        expect.objectContaining({ operation: 'POST /v1/connections/:id/status', outcome: 'error' }),
      ]),
    );
    expect(records.text).not.toContain(secretValue);
    expect((await call('get', '/v1/audit-records/verify', as(owner))).body.ok).toBe(true);
  });
});

it('no response carried a password hash, a session token or an invite token', () => {
  const all = bodies.join('\n');
  expect(all).not.toMatch(/\$argon2id\$/);
  expect(all).not.toMatch(/sbses_[A-Za-z0-9_-]{43}/);
  expect(all).not.toMatch(/"tokenHash"|"passwordHash"/);
});
