import type { INestApplication } from '@nestjs/common';
import { sha256Hex } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { SmartAppRepository } from '@sb/db';
import { SmartAppsService } from '@sb/smart';
import { ApiKeyService } from '@sb/tenancy';
import { createLogger, PinoNestLogger, requestTelemetry } from '@sb/telemetry';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('smart-apps');
const CLIENT_ID = /^sbsa_[A-Za-z0-9]{20}$/;
const CLIENT_SECRET = /^sbss_[A-Za-z0-9_-]{43}$/;
const PASSWORD = 'violet-harbour-lantern-42';

/** Every response body: a client secret may appear only in the answer that issued it. */
const bodies: { route: string; text: string }[] = [];
/** Every client secret issued in this run. */
const secrets: string[] = [];
/** What the app logged (Nest's logger and the request lines), at the most verbose level. */
const logged: string[] = [];

let app: INestApplication;
let config: AppConfig;
let a: TenantFixture;
let b: TenantFixture;
let keyA: string;
let keyB: string;
let oauthOnlyKey: string;
let narrowKey: string;

async function call(method: 'get' | 'post' | 'patch' | 'delete', path: string, headers: Record<string, string>, body?: unknown) {
  const req = request(app.getHttpServer())[method](path).set(headers);
  const res = body === undefined ? await req : await req.send(body as object);
  bodies.push({ route: `${method} ${path}`, text: res.text });
  return res;
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const valid = {
  name: 'Telehealth Visit',
  launchUrl: 'https://tele.example.com/smart/launch',
  redirectUris: ['https://tele.example.com/smart/callback'],
  scopes: ['launch', 'openid', 'fhirUser', 'patient/Patient.read', 'patient/Observation.rs?category=laboratory'],
};
const CANONICAL_SCOPES = ['launch', 'openid', 'fhirUser', 'patient/Patient.rs', 'patient/Observation.rs?category=laboratory'];

/** A console user of tenant A with `role`, signed in (cookie and CSRF token), invited by the operator. */
async function signedInUser(role: string): Promise<{ headers: Record<string, string>; userId: string }> {
  const email = `smart-${randomUUID().slice(0, 8)}@clinic.example`;
  const invite = await request(app.getHttpServer()).post(`/v1/tenants/${a.tenant.id}/invites`).set(bearer(config.adminToken)).send({ email, role });
  expect(invite.status).toBe(201);
  const token = new URL(invite.body.inviteUrl as string).hash.slice(1);
  expect((await request(app.getHttpServer()).post(`/v1/console/invites/${token}/accept`).send({ name: `A ${role}`, password: PASSWORD })).status).toBe(200);
  const session = await request(app.getHttpServer()).post('/v1/console/session').send({ email, password: PASSWORD });
  expect(session.status).toBe(200);
  const cookie = (session.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
  return { headers: { cookie, 'x-csrf-token': session.body.csrfToken as string }, userId: session.body.user.id as string };
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  const logger = createLogger({ serviceName: 'api', level: 'trace', destination: { write: (line: string) => void logged.push(line) } });
  app = moduleRef.createNestApplication({ logger: new PinoNestLogger(logger) });
  app.use(requestTelemetry(logger));
  await app.init();
  config = app.get<AppConfig>(APP_CONFIG);
  const fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'smart a' })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'smart b' })).key;
  oauthOnlyKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'oauth clients only', scopes: ['admin:oauth-clients'] })).key;
  narrowKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'webhooks only', scopes: ['admin:webhooks', 'admin:api-keys'] })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('POST /v1/smart-apps', () => {
  it('registers a public app (201): a client id, no secret, scopes stored canonical', async () => {
    const res = await call('post', '/v1/smart-apps', bearer(keyA), valid);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'Telehealth Visit',
      clientId: expect.stringMatching(CLIENT_ID),
      clientType: 'public',
      confidential: false,
      hasSecret: false,
      jwksUrl: null,
      launchUrl: valid.launchUrl,
      redirectUris: valid.redirectUris,
      scopes: CANONICAL_SCOPES,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.text).not.toContain('sbss_');
    expect((await app.get(SmartAppRepository).findCredentialByClientId(a.tenant.id, res.body.clientId as string))?.secretHash).toBeNull();
  });

  it('registers a confidential app with a client secret shown once, stored only as its SHA-256, never read back', async () => {
    const res = await call('post', '/v1/smart-apps', bearer(keyA), { ...valid, name: 'Confidential', confidential: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ clientType: 'confidential-symmetric', confidential: true, hasSecret: true, jwksUrl: null });
    const secret = res.body.clientSecret as string;
    expect(secret).toMatch(CLIENT_SECRET);
    expect(Buffer.from(secret.slice('sbss_'.length), 'base64url')).toHaveLength(32);
    secrets.push(secret);
    expect(res.text.split(secret)).toHaveLength(2);

    const stored = await app.get(SmartAppRepository).findCredentialByClientId(a.tenant.id, res.body.clientId as string);
    expect(stored?.secretHash).toBe(sha256Hex(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);

    const got = await call('get', `/v1/smart-apps/${res.body.id}`, bearer(keyA));
    const list = await call('get', '/v1/smart-apps', bearer(keyA));
    for (const read of [got, list]) {
      expect(read.status).toBe(200);
      expect(read.text).not.toContain(secret);
      expect(read.text).not.toContain(sha256Hex(secret));
      expect(read.text).not.toMatch(/clientSecret|secretHash/);
    }
    expect(got.body).toMatchObject({ id: res.body.id, hasSecret: true });
  });

  it('registers a confidential asymmetric app (jwksUrl): no secret', async () => {
    const res = await call('post', '/v1/smart-apps', bearer(keyA), { ...valid, name: 'Keys', confidential: true, jwksUrl: 'https://tele.example.com/.well-known/jwks.json' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ clientType: 'confidential-asymmetric', confidential: true, hasSecret: false, jwksUrl: 'https://tele.example.com/.well-known/jwks.json' });
    expect(res.body).not.toHaveProperty('clientSecret');
  });

  it('gives every app its own client id', async () => {
    const list = await call('get', '/v1/smart-apps', bearer(keyA));
    const ids = (list.body.items as { clientId: string }[]).map((i) => i.clientId);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['no name', { name: '' }, 'name', /required/],
    ['a name over 100 characters', { name: 'n'.repeat(101) }, 'name', /at most 100/],
    ['a relative launch URL', { launchUrl: 'launch' }, 'launchUrl', /absolute http or https URL/],
    ['a launch URL with a fragment', { launchUrl: 'https://tele.example.com/launch#here' }, 'launchUrl', /fragment/],
    ['a javascript: launch URL', { launchUrl: 'javascript:alert(1)' }, 'launchUrl', /http or https/],
    ['no redirect URIs', { redirectUris: [] }, 'redirectUris', /at least one/],
    ['eleven redirect URIs', { redirectUris: Array.from({ length: 11 }, (_, i) => `https://tele.example.com/cb/${i}`) }, 'redirectUris', /at most 10/],
    ['a redirect URI twice', { redirectUris: ['https://tele.example.com/cb', 'https://tele.example.com/cb'] }, 'redirectUris.1', /duplicate of redirectUris\.0/],
    ['a redirect URI with a fragment', { redirectUris: ['https://tele.example.com/cb#x'] }, 'redirectUris.0', /fragment/],
    ['a redirect URI with credentials', { redirectUris: ['https://me:pw@tele.example.com/cb'] }, 'redirectUris.0', /credentials/],
    ['no scopes', { scopes: [] }, 'scopes', /at least one/],
    ['51 scopes', { scopes: Array.from({ length: 51 }, () => 'openid') }, 'scopes', /at most 50/],
    ['an invalid scope, named', { scopes: ['launch', 'patient/Patient.readwrite'] }, 'scopes.1', /not a SMART scope: "patient\/Patient\.readwrite"/],
    ['a jwksUrl without confidential', { jwksUrl: 'https://tele.example.com/jwks' }, 'jwksUrl', /only a confidential app/],
    ['a client secret of its own', { confidential: true, clientSecret: 'sbss_mine' }, '(body)', /Unrecognized key/],
  ])('refuses %s with 400 validation_failed', async (_what, change, path, message) => {
    const res = await call('post', '/v1/smart-apps', bearer(keyA), { ...valid, ...change });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    expect(res.body.issues).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
  });

  it('refuses a body that is missing every required field, naming each', async () => {
    const res = await call('post', '/v1/smart-apps', bearer(keyA), {});
    expect(res.status).toBe(400);
    expect((res.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['launchUrl', 'name', 'redirectUris', 'scopes']);
  });
});

describe('production mode', () => {
  let production: SmartAppsService;
  beforeAll(() => {
    production = new SmartAppsService({ ...config, mode: 'production' }, app.get(SmartAppRepository));
  });

  const issuesOf = async (change: Record<string, unknown>) => {
    try {
      const { app: created } = await production.create(a.tenant.id, { ...valid, scopes: CANONICAL_SCOPES, confidential: false, ...change });
      return { created: created.id };
    } catch (e) {
      const err = e as { code: string; issues: { path: string; message: string }[] };
      return { code: err.code, issues: err.issues };
    }
  };

  it('requires https for launch and redirect URIs, except to a loopback host', async () => {
    expect(await issuesOf({ launchUrl: 'http://tele.example.com/launch', redirectUris: ['https://tele.example.com/cb', 'http://tele.example.com/cb'] })).toEqual({
      code: 'validation_failed',
      issues: [
        { path: 'launchUrl', message: 'must be an https URL in production mode (http only for a loopback host)' },
        { path: 'redirectUris.1', message: 'must be an https URL in production mode (http only for a loopback host)' },
      ],
    });
    expect(await issuesOf({ launchUrl: 'http://localhost:4000/launch', redirectUris: ['http://127.0.0.1:4000/cb', 'http://[::1]:4000/cb'] })).toEqual({ created: expect.any(String) });
  });

  it('requires https for the JWKS URL the gateway fetches, loopback included', async () => {
    expect(await issuesOf({ confidential: true, jwksUrl: 'http://localhost/jwks' })).toEqual({
      code: 'validation_failed',
      issues: [{ path: 'jwksUrl', message: 'must be an https URL in production mode' }],
    });
  });

  it('checks an update the same way', async () => {
    const { app: created } = await production.create(a.tenant.id, { ...valid, scopes: CANONICAL_SCOPES, confidential: false });
    await expect(production.update(a.tenant.id, created.id, { redirectUris: ['http://tele.example.com/cb'] })).rejects.toMatchObject({
      code: 'validation_failed',
      issues: [{ path: 'redirectUris.0', message: expect.stringMatching(/https/) }],
    });
  });
});

describe('PATCH, rotate and DELETE /v1/smart-apps/{id}', () => {
  let publicApp: { id: string; clientId: string };
  let symmetric: Record<string, unknown> & { id: string; clientId: string; clientSecret: string };
  let asymmetric: { id: string };

  beforeAll(async () => {
    publicApp = (await call('post', '/v1/smart-apps', bearer(keyA), { ...valid, name: 'Public to edit' })).body;
    symmetric = (await call('post', '/v1/smart-apps', bearer(keyA), { ...valid, name: 'Symmetric to rotate', confidential: true })).body;
    secrets.push(symmetric.clientSecret);
    asymmetric = (await call('post', '/v1/smart-apps', bearer(keyA), { ...valid, name: 'Asymmetric', confidential: true, jwksUrl: 'https://tele.example.com/jwks' })).body;
  });

  it('updates the name, launch URL, redirect URIs and scopes (validated again), nothing else', async () => {
    const res = await call('patch', `/v1/smart-apps/${publicApp.id.toUpperCase()}`, bearer(keyA), {
      name: 'Telehealth Visit v2',
      launchUrl: 'https://tele.example.com/v2/launch',
      redirectUris: ['https://tele.example.com/v2/cb', 'http://localhost:5173/cb'],
      scopes: ['launch/patient', 'patient/*.read', 'offline_access'],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: publicApp.id,
      clientId: publicApp.clientId,
      name: 'Telehealth Visit v2',
      launchUrl: 'https://tele.example.com/v2/launch',
      redirectUris: ['https://tele.example.com/v2/cb', 'http://localhost:5173/cb'],
      scopes: ['launch/patient', 'patient/*.rs', 'offline_access'],
      clientType: 'public',
    });
    expect((await call('get', `/v1/smart-apps/${publicApp.id}`, bearer(keyA))).body).toMatchObject({ name: 'Telehealth Visit v2' });

    const bad: [unknown, string, RegExp][] = [
      [{}, '(body)', /at least one field/],
      [{ redirectUris: ['https://a.example/cb', 'https://a.example/cb'] }, 'redirectUris.1', /duplicate/],
      [{ scopes: ['patient/Nope'] }, 'scopes.0', /not a SMART scope: "patient\/Nope"/],
      [{ launchUrl: 'https://a.example/#f' }, 'launchUrl', /fragment/],
      [{ confidential: true }, '(body)', /Unrecognized key/],
      [{ clientId: 'sbsa_AAAAAAAAAAAAAAAAAAAA' }, '(body)', /Unrecognized key/],
      [{ jwksUrl: 'https://tele.example.com/jwks' }, 'jwksUrl', /a public app authenticates with no keys/],
    ];
    for (const [body, path, message] of bad) {
      const r = await call('patch', `/v1/smart-apps/${publicApp.id}`, bearer(keyA), body);
      expect({ body, status: r.status, code: r.body.code }).toEqual({ body, status: 400, code: 'validation_failed' });
      expect(r.body.issues).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    }
  });

  it('changes the JWKS URL of an asymmetric app only', async () => {
    const ok = await call('patch', `/v1/smart-apps/${asymmetric.id}`, bearer(keyA), { jwksUrl: 'https://tele.example.com/keys/v2' });
    expect([ok.status, ok.body.jwksUrl, ok.body.clientType]).toEqual([200, 'https://tele.example.com/keys/v2', 'confidential-asymmetric']);
    const refused = await call('patch', `/v1/smart-apps/${symmetric.id}`, bearer(keyA), { jwksUrl: 'https://tele.example.com/jwks' });
    expect([refused.status, refused.body.issues[0].path]).toEqual([400, 'jwksUrl']);
    expect(refused.body.issues[0].message).toMatch(/client secret/);
  });

  it('rotates the secret of a confidential symmetric app: a new one once, the old one no longer matches, the view otherwise unchanged', async () => {
    const repo = app.get(SmartAppRepository);
    const before = await call('get', `/v1/smart-apps/${symmetric.id}`, bearer(keyA));
    const res = await call('post', `/v1/smart-apps/${symmetric.id}/secret`, bearer(keyA));
    expect(res.status).toBe(200);
    const rotated = res.body.clientSecret as string;
    expect(rotated).toMatch(CLIENT_SECRET);
    expect(rotated).not.toBe(symmetric.clientSecret);
    secrets.push(rotated);
    const { clientSecret: _c, updatedAt: _u, ...view } = res.body as Record<string, unknown>;
    const { updatedAt: _v, ...viewBefore } = before.body as Record<string, unknown>;
    expect(view).toEqual(viewBefore);

    const stored = await repo.findCredentialByClientId(a.tenant.id, symmetric.clientId);
    expect(stored?.secretHash).toBe(sha256Hex(rotated));
    expect(stored?.secretHash).not.toBe(sha256Hex(symmetric.clientSecret));
    const after = await call('get', `/v1/smart-apps/${symmetric.id}`, bearer(keyA));
    expect(after.text).not.toContain(rotated);
  });

  it('refuses to rotate what has no secret (409)', async () => {
    for (const id of [publicApp.id, asymmetric.id]) {
      const res = await call('post', `/v1/smart-apps/${id}/secret`, bearer(keyA));
      expect([res.status, res.body.code]).toEqual([409, 'conflict']);
      expect(res.text).not.toContain('sbss_');
    }
  });

  it('answers 404 for another tenant on get, patch, rotate and delete, never the row; the list is its own', async () => {
    for (const target of [publicApp, symmetric]) {
      const base = `/v1/smart-apps/${target.id}`;
      const routes: ['get' | 'post' | 'patch' | 'delete', string, unknown?][] = [
        ['get', base],
        ['patch', base, { name: 'mine now' }],
        ['post', `${base}/secret`],
        ['delete', base],
      ];
      for (const [method, path, body] of routes) {
        const res = await call(method, path, bearer(keyB), body);
        expect({ route: `${method} ${path}`, status: res.status, code: res.body.code }).toEqual({ route: `${method} ${path}`, status: 404, code: 'not_found' });
        expect(res.text).not.toContain(target.clientId);
        expect(res.text).not.toContain('tele.example.com');
      }
    }
    expect((await call('get', '/v1/smart-apps', bearer(keyB))).body).toEqual({ items: [] });
    // Unchanged, and the secret still the one rotated in, for its own tenant.
    expect((await call('get', `/v1/smart-apps/${symmetric.id}`, bearer(keyA))).body).toMatchObject({ name: 'Symmetric to rotate', hasSecret: true });
    expect((await app.get(SmartAppRepository).findCredentialByClientId(a.tenant.id, symmetric.clientId))?.secretHash).toBe(sha256Hex(secrets.at(-1)!));
    // Tenant B cannot find A's app by its client id either.
    expect(await app.get(SmartAppRepository).findCredentialByClientId(b.tenant.id, symmetric.clientId)).toBeNull();
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of [randomUUID(), 'not-an-id']) {
      const res = await call('get', `/v1/smart-apps/${id}`, bearer(keyA));
      expect([res.status, res.body.code]).toEqual([404, 'not_found']);
    }
  });

  it('deletes (204), then 404', async () => {
    const res = await call('delete', `/v1/smart-apps/${symmetric.id}`, bearer(keyA));
    expect([res.status, res.text]).toEqual([204, '']);
    expect((await call('get', `/v1/smart-apps/${symmetric.id}`, bearer(keyA))).status).toBe(404);
    expect((await call('delete', `/v1/smart-apps/${symmetric.id}`, bearer(keyA))).status).toBe(404);
    expect(await app.get(SmartAppRepository).findCredentialByClientId(a.tenant.id, symmetric.clientId)).toBeNull();
  });
});

describe('access', () => {
  it('needs admin:oauth-clients for every route (403 otherwise), and that scope is enough', async () => {
    const id = randomUUID();
    const routes: ['get' | 'post' | 'patch' | 'delete', string, unknown?][] = [
      ['post', '/v1/smart-apps', valid],
      ['get', '/v1/smart-apps'],
      ['get', `/v1/smart-apps/${id}`],
      ['patch', `/v1/smart-apps/${id}`, { name: 'x' }],
      ['post', `/v1/smart-apps/${id}/secret`],
      ['delete', `/v1/smart-apps/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(method, path, bearer(narrowKey), body);
      expect({ route: `${method} ${path}`, status: res.status, code: res.body.code }).toEqual({ route: `${method} ${path}`, status: 403, code: 'forbidden' });
    }
    const created = await call('post', '/v1/smart-apps', bearer(oauthOnlyKey), { ...valid, name: 'Scoped key' });
    expect(created.status).toBe(201);
    expect((await call('delete', `/v1/smart-apps/${created.body.id}`, bearer(oauthOnlyKey))).status).toBe(204);
    expect((await call('get', '/v1/smart-apps', {})).status).toBe(401);
  });

  it('a console viewer cannot, a developer can; every change a person makes is audited, never with the secret', async () => {
    const viewer = await signedInUser('viewer');
    expect((await call('get', '/v1/smart-apps', viewer.headers)).status).toBe(403);

    const developer = await signedInUser('developer');
    const created = await call('post', '/v1/smart-apps', developer.headers, { ...valid, name: 'By a person', confidential: true });
    expect(created.status).toBe(201);
    secrets.push(created.body.clientSecret as string);
    const id = created.body.id as string;
    expect((await call('patch', `/v1/smart-apps/${id}`, developer.headers, { name: 'By a person (renamed)' })).status).toBe(200);
    const rotated = await call('post', `/v1/smart-apps/${id}/secret`, developer.headers);
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.clientSecret as string);
    expect((await call('delete', `/v1/smart-apps/${id}`, developer.headers)).status).toBe(204);

    const records = await call('get', '/v1/audit-records?order=desc&limit=100', bearer(keyA));
    expect(records.status).toBe(200);
    const mine = (records.body.items as { actorId: string; actorType: string; operation: string; objectRef: string; outcome: string }[]).filter((r) => r.actorId === developer.userId);
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actorType: 'user', operation: 'POST /v1/smart-apps', objectRef: 'smart-apps', outcome: 'success' }),
        expect.objectContaining({ operation: 'PATCH /v1/smart-apps/:id', objectRef: `smart-apps/${id}`, outcome: 'success' }),
        expect.objectContaining({ operation: 'POST /v1/smart-apps/:id/secret', objectRef: `smart-apps/${id}/secret`, outcome: 'success' }),
        expect.objectContaining({ operation: 'DELETE /v1/smart-apps/:id', objectRef: `smart-apps/${id}`, outcome: 'success' }),
      ]),
    );
    for (const s of secrets) expect(records.text).not.toContain(s);
  });
});

describe('secrets', () => {
  it('appear only in the answer that issued them, never as a hash', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const { route, text } of bodies) {
      const issued = secrets.filter((s) => text.includes(s));
      const issuer = route === 'post /v1/smart-apps' || /^post \/v1\/smart-apps\/[^/]+\/secret$/.test(route);
      expect({ route, leaked: issuer ? issued.length > 1 : issued.length > 0 }).toEqual({ route, leaked: false });
      for (const s of secrets) expect({ route, hash: text.includes(sha256Hex(s)) }).toEqual({ route, hash: false });
    }
  });

  it('never reach the logs', async () => {
    // Request lines are written when a response finishes: wait for the last one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const all = logged.join('');
    expect(all).toMatch(/"path":"\/v1\/smart-apps/);
    for (const s of secrets) {
      expect(all).not.toContain(s);
      expect(all).not.toContain(s.slice('sbss_'.length));
      expect(all).not.toContain(sha256Hex(s));
    }
  });
});
