import type { INestApplication } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { open } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { Database, WebhookEndpointRepository } from '@sb/db';
import { EventWriter } from '@sb/events';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import { PREVIOUS_SECRET_GRACE_MS, WebhookEndpointService, type WebhookChangeActor } from '@sb/webhooks';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('webhook-endpoints');
const SECRET = /^whsec_[A-Za-z0-9+/]{32}$/;
/** Every response body: secrets may appear only in the create and rotate answers. */
const bodies: { route: string; text: string }[] = [];
const secrets: string[] = [];

let app: INestApplication;
let keyA: string;
let keyB: string;
let narrowKey: string;

async function call(method: 'get' | 'post' | 'patch' | 'delete', path: string, token: string, body?: unknown) {
  const req = request(app.getHttpServer())[method](path).set('authorization', `Bearer ${token}`);
  const res = body === undefined ? await req : await req.send(body as object);
  bodies.push({ route: `${method} ${path}`, text: res.text });
  return res;
}

async function gql(token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await request(app.getHttpServer()).post('/graphql').set('authorization', `Bearer ${token}`).send({ query, variables });
  bodies.push({ route: 'graphql', text: res.text });
  expect(res.status).toBe(200);
  return res.body as { data?: Record<string, any> | null; errors?: { message: string; extensions: { code: string; issues?: { path: string; message: string }[] } }[] };
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix, SB_ALLOW_PRIVATE_TARGETS: 'true' });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const fixtures = new Fixtures(moduleRef);
  const apiKeys = app.get(ApiKeyService);
  const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'webhooks a' })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'webhooks b' })).key;
  narrowKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'usage only', scopes: ['usage:read'] })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('REST /v1/webhook-endpoints', () => {
  let id: string;
  let secret: string;

  it('creates an endpoint (201) and returns its whsec_ secret once, sealed to the endpoint', async () => {
    const res = await call('post', '/v1/webhook-endpoints', keyA, { url: 'http://127.0.0.1:9/hooks', eventTypes: ['patient.admitted', 'endpoint.test'], description: 'ward feed' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['patient.admitted', 'endpoint.test'], payload: 'thin', orderingKey: 'none', status: 'enabled', createdAt: expect.any(String) });
    expect(res.body.secret).toMatch(SECRET);
    expect(Buffer.from(res.body.secret.slice(6), 'base64')).toHaveLength(24);
    ({ id, secret } = res.body);
    secrets.push(secret);

    expect(res.text.match(/whsec_/g)).toHaveLength(1);
  });

  it('lists, reads and updates without the secret; rejects bad input with 400 validation_failed', async () => {
    const list = await call('get', '/v1/webhook-endpoints', keyA);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([expect.objectContaining({ id })]);
    const got = await call('get', `/v1/webhook-endpoints/${id.toUpperCase()}`, keyA);
    expect(got.body).toMatchObject({ id, description: 'ward feed' });
    expect(got.body).not.toHaveProperty('secret');

    const patched = await call('patch', `/v1/webhook-endpoints/${id}`, keyA, { eventTypes: ['*'], orderingKey: 'patient', payload: 'full' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ eventTypes: ['*'], orderingKey: 'patient', payload: 'full' });

    const bad: [unknown, string, RegExp][] = [
      [{ url: 'not a url', eventTypes: ['patient.admitted'] }, 'url', /valid absolute URL/],
      [{ url: 'ftp://hooks.example.com/', eventTypes: ['patient.admitted'] }, 'url', /http/],
      [{ url: 'https://user:pw@hooks.example.com/', eventTypes: ['patient.admitted'] }, 'url', /credentials/],
      [{ url: 'https://169.254.169.254/latest', eventTypes: ['patient.admitted'] }, 'url', /metadata address/],
      [{ url: 'https://hooks.example.com/', eventTypes: ['patient.exploded'] }, 'eventTypes.0', /unknown event type/],
      [{ url: 'https://hooks.example.com/', eventTypes: [] }, 'eventTypes', /./],
      [{ url: 'https://hooks.example.com/' }, 'eventTypes', /./],
      [{ url: 'https://hooks.example.com/', eventTypes: ['*'], payload: 'huge' }, 'payload', /./],
      [{ url: 'https://hooks.example.com/', eventTypes: ['*'], orderingKey: 'tenant' }, 'orderingKey', /./],
      [{ url: 'https://hooks.example.com/', eventTypes: ['*'], secret: 'whsec_mine' }, '', /./],
    ];
    for (const [body, path, message] of bad) {
      const res = await call('post', '/v1/webhook-endpoints', keyA, body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'validation_failed' });
      expect(res.body.issues).toEqual(expect.arrayContaining([{ path: path || expect.any(String), message: expect.stringMatching(message) }]));
    }
    const badPatch = await call('patch', `/v1/webhook-endpoints/${id}`, keyA, { url: 'https://[::ffff:169.254.169.254]/' });
    expect([badPatch.status, badPatch.body.code]).toEqual([400, 'validation_failed']);
    const badReplay = await call('post', `/v1/webhook-endpoints/${id}/replay`, keyA, { since: 'yesterday' });
    expect([badReplay.status, badReplay.body.code, badReplay.body.issues[0].path]).toEqual([400, 'validation_failed', 'since']);
    const badRange = await call('post', `/v1/webhook-endpoints/${id}/replay`, keyA, { since: '2025-02-01T00:00:00Z', until: '2025-01-01T00:00:00Z' });
    expect([badRange.status, badRange.body.issues[0].path]).toEqual([400, 'until']);
    const badCursor = await call('get', `/v1/webhook-endpoints/${id}/attempts?before=nope`, keyA);
    expect([badCursor.status, badCursor.body.issues[0].path]).toEqual([400, 'before']);
  });

  it('needs admin:webhooks', async () => {
    const res = await call('get', '/v1/webhook-endpoints', narrowKey);
    expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
  });

  it('sends a test event (202) to this endpoint only, and replays it', async () => {
    const test = await call('post', `/v1/webhook-endpoints/${id}/test`, keyA);
    expect(test.status).toBe(202);
    expect(test.body.eventId).toEqual(expect.any(String));
    const deliveries = await call('get', `/v1/webhook-endpoints/${id}/deliveries`, keyA);
    expect(deliveries.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ eventId: test.body.eventId, eventType: 'endpoint.test' })]));

    const one = await call('post', `/v1/webhook-endpoints/${id}/replay/${test.body.eventId}`, keyA);
    expect(one.status).toBe(202);
    expect(one.body).toMatchObject({ eventId: test.body.eventId, deliveryId: expect.any(String) });
    const unknown = await call('post', `/v1/webhook-endpoints/${id}/replay/${randomUUID()}`, keyA);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);

    const range = await call('post', `/v1/webhook-endpoints/${id}/replay`, keyA, { since: '2020-01-01T00:00:00Z', eventTypes: ['patient.admitted'] });
    expect(range.status).toBe(202);
    expect(range.body).toEqual({ scheduled: expect.any(Number) });

    const attempts = await call('get', `/v1/webhook-endpoints/${id}/attempts?limit=10`, keyA);
    expect(attempts.status).toBe(200);
    expect(attempts.body).toEqual({ data: expect.any(Array), next: null });
  });

  it('disables (test and replay then 409) and enables again', async () => {
    expect((await call('post', `/v1/webhook-endpoints/${id}/disable`, keyA)).body).toMatchObject({ status: 'disabled', disabledReason: 'manual' });
    const refused = await call('post', `/v1/webhook-endpoints/${id}/test`, keyA);
    expect([refused.status, refused.body.code]).toEqual([409, 'conflict']);
    const replay = await call('post', `/v1/webhook-endpoints/${id}/replay`, keyA, { since: '2020-01-01T00:00:00Z' });
    expect([replay.status, replay.body.code]).toEqual([409, 'conflict']);
    expect((await call('post', `/v1/webhook-endpoints/${id}/enable`, keyA)).body).toMatchObject({ status: 'enabled', disabledReason: null });
  });

  it('rotates the secret: a new one once, the previous keeps signing for 24 h', async () => {
    const before = Date.now();
    const res = await call('post', `/v1/webhook-endpoints/${id}/rotate-secret`, keyA);
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(SECRET);
    expect(res.body.secret).not.toBe(secret);
    secrets.push(res.body.secret);
    const expires = Date.parse(res.body.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + PREVIOUS_SECRET_GRACE_MS);
    expect(expires).toBeLessThanOrEqual(Date.now() + PREVIOUS_SECRET_GRACE_MS);
    expect(PREVIOUS_SECRET_GRACE_MS).toBe(24 * 3600_000);
  });

  it('answers 404 for another tenant on every route, never the row', async () => {
    const base = `/v1/webhook-endpoints/${id}`;
    const routes: ['get' | 'post' | 'patch' | 'delete', string, unknown?][] = [
      ['get', base],
      ['patch', base, { description: 'mine now' }],
      ['post', `${base}/disable`],
      ['post', `${base}/enable`],
      ['post', `${base}/rotate-secret`],
      ['post', `${base}/test`],
      ['post', `${base}/replay`, { since: '2020-01-01T00:00:00Z' }],
      ['post', `${base}/replay/${randomUUID()}`],
      ['get', `${base}/attempts`],
      ['get', `${base}/deliveries?status=failed`],
      ['delete', base],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(method, path, keyB, body);
      expect({ route: `${method} ${path}`, status: res.status, code: res.body.code }).toEqual({ route: `${method} ${path}`, status: 404, code: 'not_found' });
      expect(res.text).not.toContain('127.0.0.1');
    }
    expect((await call('get', '/v1/webhook-endpoints', keyB)).body).toEqual({ data: [] });
    // Still there, unchanged, for its own tenant.
    expect((await call('get', base, keyA)).body).toMatchObject({ id, status: 'enabled', description: 'ward feed' });
  });

  it('deletes (204), then 404', async () => {
    expect((await call('delete', `/v1/webhook-endpoints/${id}`, keyA)).status).toBe(204);
    expect((await call('get', `/v1/webhook-endpoints/${id}`, keyA)).status).toBe(404);
  });
});

describe('GraphQL webhook endpoints', () => {
  const FIELDS = 'id url description eventTypes payload orderingKey status disabledReason previousSecretExpiresAt createdAt updatedAt';
  let id: string;

  it('creates (secret once), reads with attempts and deliveries, updates, tests, replays, rotates and deletes', async () => {
    const created = await gql(keyA, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${FIELDS} } } }`, {
      input: { url: 'http://127.0.0.1:9/gql', eventTypes: ['result.received'], orderingKey: 'patient' },
    });
    expect(created.errors).toBeUndefined();
    const { secret, endpoint } = created.data!.createWebhookEndpoint;
    expect(secret).toMatch(SECRET);
    secrets.push(secret);
    expect(endpoint).toMatchObject({ url: 'http://127.0.0.1:9/gql', eventTypes: ['result.received'], orderingKey: 'patient', payload: 'thin', status: 'enabled' });
    id = endpoint.id;

    const read = await gql(keyA, `query($id: ID!) { webhookEndpoint(id: $id) { id attempts(first: 5) { data { id status statusCode } next } deliveries(status: failed) { id } } webhookEndpoints { id } }`, { id });
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ webhookEndpoint: { id, attempts: { data: [], next: null }, deliveries: [] }, webhookEndpoints: [{ id }] });

    const updated = await gql(keyA, `mutation($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { eventTypes description } }`, {
      id,
      input: { eventTypes: ['result.received', 'endpoint.test'], description: 'labs' },
    });
    expect(updated.data!.updateWebhookEndpoint).toEqual({ eventTypes: ['result.received', 'endpoint.test'], description: 'labs' });

    const test = await gql(keyA, `mutation($id: ID!) { sendTestWebhook(id: $id) { eventId } }`, { id });
    expect(test.data!.sendTestWebhook.eventId).toEqual(expect.any(String));
    const replay = await gql(keyA, `mutation($id: ID!, $input: ReplayWebhookEventsInput) { replayWebhookEvents(id: $id, input: $input) { scheduled } }`, {
      id,
      input: { since: '2020-01-01T00:00:00Z' },
    });
    expect(replay.data!.replayWebhookEvents).toEqual({ scheduled: expect.any(Number) });
    const replayOne = await gql(keyA, `mutation($id: ID!, $eventId: ID) { replayWebhookEvents(id: $id, eventId: $eventId) { scheduled } }`, { id, eventId: test.data!.sendTestWebhook.eventId });
    expect(replayOne.data!.replayWebhookEvents).toEqual({ scheduled: 1 });

    const rotated = await gql(keyA, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }`, { id });
    expect(rotated.data!.rotateWebhookSecret.secret).toMatch(SECRET);
    expect(rotated.data!.rotateWebhookSecret.endpoint.previousSecretExpiresAt).toEqual(expect.any(String));
    secrets.push(rotated.data!.rotateWebhookSecret.secret);
  });

  it('rejects bad input with validation_failed', async () => {
    const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`;
    for (const input of [
      { url: 'nope', eventTypes: ['*'] },
      { url: 'https://hooks.example.com/', eventTypes: ['no.such'] },
      { url: 'https://169.254.169.254/', eventTypes: ['*'] },
    ]) {
      const res = await gql(keyA, CREATE, { input });
      expect(res.errors?.[0]?.extensions.code).toBe('validation_failed');
    }
  });

  it('answers not_found for another tenant on every field and mutation', async () => {
    const ops: [string, Record<string, unknown>][] = [
      [`query($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id }],
      [`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { description: "x" }) { id } }`, { id }],
      [`mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id } }`, { id }],
      [`mutation($id: ID!) { enableWebhookEndpoint(id: $id) { id } }`, { id }],
      [`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id }],
      [`mutation($id: ID!) { sendTestWebhook(id: $id) { eventId } }`, { id }],
      [`mutation($id: ID!) { replayWebhookEvents(id: $id, input: { since: "2020-01-01T00:00:00Z" }) { scheduled } }`, { id }],
      [`mutation($id: ID!, $e: ID) { replayWebhookEvents(id: $id, eventId: $e) { scheduled } }`, { id, e: randomUUID() }],
      [`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id }],
    ];
    for (const [query, variables] of ops) {
      const res = await gql(keyB, query, variables);
      expect({ query, code: res.errors?.[0]?.extensions.code }).toEqual({ query, code: 'not_found' });
    }
    expect((await gql(keyB, `{ webhookEndpoints { id } }`)).data).toEqual({ webhookEndpoints: [] });
    const own = await gql(keyA, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id });
    expect(own.data).toEqual({ deleteWebhookEndpoint: true });
  });
});

describe('URL policy in production mode', () => {
  let production: WebhookEndpointService;
  let tenantId: string;
  let actor: WebhookChangeActor;

  beforeAll(async () => {
    const config = app.get<AppConfig>(APP_CONFIG);
    production = new WebhookEndpointService(
      { ...config, mode: 'production', allowPrivateTargets: false },
      app.get(Database),
      app.get(WebhookEndpointRepository),
      app.get(EventWriter),
      app.get(AuditService),
    );
    production.resolver = async (host) => (host === 'rebind.example.com' ? [{ address: '10.0.0.5', family: 4 }] : [{ address: '93.184.216.34', family: 4 }]);
    const tenant = await new Fixtures(app as never).newTenant();
    tenantId = tenant.tenant.id;
    actor = tenant.actor();
  });

  const issueOf = async (url: string) => {
    try {
      await production.create(actor, tenantId, { url, eventTypes: ['*'] });
    } catch (e) {
      const err = e as { code: string; issues: { path: string; message: string }[] };
      return { code: err.code, ...err.issues[0] };
    }
    return null;
  };

  it.each([
    ['http://hooks.example.com/in', /must be an https URL in production mode/],
    ['https://127.0.0.1/in', /loopback address/],
    ['https://10.1.2.3/in', /private address/],
    ['https://192.168.0.10/in', /private address/],
    ['https://169.254.10.10/in', /private address \(link-local\)/],
    ['https://169.254.169.254/latest/meta-data', /cloud metadata address/],
    ['https://[::1]/in', /loopback address/],
    ['https://rebind.example.com/in', /private address/],
  ])('refuses %s', async (url, message) => {
    expect(await issueOf(url)).toEqual({ code: 'validation_failed', path: 'url', message: expect.stringMatching(message) });
  });

  it('accepts a public https URL', async () => {
    const { endpoint, secret } = await production.create(actor, tenantId, { url: 'https://hooks.example.com/in', eventTypes: ['*'] });
    secrets.push(secret);
    expect(endpoint.url).toBe('https://hooks.example.com/in');
  });
});

describe('secret sealing', () => {
  it('seals the create and rotate secrets under the endpoint id, the previous one expiring after the grace period', async () => {
    const config = app.get<AppConfig>(APP_CONFIG);
    const sealed: string[] = [];
    let previous: { sealed: string; until: Date }[] = [];
    const repo = {
      create: (tenantId: string, input: { id: string; secretSealed: string }) => {
        sealed.push(input.secretSealed);
        return Promise.resolve({ id: input.id, tenantId });
      },
      lockSecrets: () => Promise.resolve({ secretSealed: sealed.at(-1), previousSecrets: [] }),
      setSecrets: (_t: string, id: string, next: { secretSealed: string; previousSecrets: { sealed: string; until: Date }[] }) => {
        sealed.push(next.secretSealed);
        previous = next.previousSecrets;
        return Promise.resolve({ id });
      },
    } as unknown as WebhookEndpointRepository;
    const audit = { append: () => Promise.resolve({ id: randomUUID() }) } as unknown as AuditService;
    const service = new WebhookEndpointService(config, app.get(Database), repo, app.get(EventWriter), audit);
    const actor = { type: 'api-key', id: randomUUID() } as const;
    const { endpoint, secret } = await service.create(actor, randomUUID(), { url: 'https://hooks.example.com/', eventTypes: ['*'] });
    const context = `webhook-secret:${endpoint.id}`;
    expect(open([config.vaultMasterKey], sealed[0]!, context)).toBe(secret);
    expect(sealed[0]).not.toContain(secret.slice(6));
    expect(() => open([config.vaultMasterKey], sealed[0]!, `webhook-secret:${randomUUID()}`)).toThrow();

    const now = new Date('2025-06-01T12:00:00Z');
    const rotated = await service.rotateSecret(actor, endpoint.tenantId, endpoint.id, now);
    expect(rotated.secret).toMatch(SECRET);
    expect(open([config.vaultMasterKey], sealed[1]!, context)).toBe(rotated.secret);
    expect(previous).toEqual([{ sealed: sealed[0], until: new Date('2025-06-02T12:00:00Z') }]);
  });
});

describe('audit records of endpoint changes', () => {
  it('every change through REST and GraphQL is in the tenant’s audit records (who, which endpoint, which fields), never a secret or the URL', async () => {
    const created = await call('post', '/v1/webhook-endpoints', keyA, { url: 'http://127.0.0.1:9/audited?token=tok-5d2e', eventTypes: ['patient.admitted'] });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    secrets.push(created.body.secret);
    expect((await call('patch', `/v1/webhook-endpoints/${id}`, keyA, { eventTypes: ['*'], description: 'audited' })).status).toBe(200);
    expect((await call('post', `/v1/webhook-endpoints/${id}/disable`, keyA)).status).toBe(200);
    const rotated = await gql(keyA, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id });
    secrets.push(rotated.data!.rotateWebhookSecret.secret);
    expect((await call('post', `/v1/webhook-endpoints/${id}/rotate-secret`, keyA)).status).toBe(200);
    expect((await call('patch', `/v1/webhook-endpoints/${id}`, keyB, { description: 'mine now' })).status).toBe(404);
    expect((await call('delete', `/v1/webhook-endpoints/${id}`, keyA)).status).toBe(204);

    const ref = `webhook-endpoints/${id}`;
    const page = await call('get', '/v1/audit-records?order=desc&limit=50', keyA);
    expect(page.status).toBe(200);
    const mine = (page.body.items as { operation: string; objectRef: string | null; purpose: string | null; actorType: string; resourceType: string }[]).filter((r) => r.objectRef === ref).reverse();
    expect(mine.map((r) => [r.operation, r.purpose])).toEqual([
      ['webhook-endpoint.create', 'fields: url, eventTypes, secret'],
      ['webhook-endpoint.update', 'fields: description, eventTypes'],
      ['webhook-endpoint.disable', 'fields: status'],
      ['webhook-endpoint.rotate-secret', 'fields: secret'],
      ['webhook-endpoint.rotate-secret', 'fields: secret'],
      ['webhook-endpoint.delete', null],
    ]);
    expect(mine.every((r) => r.actorType === 'api-key' && r.resourceType === 'WebhookEndpoint')).toBe(true);
    expect(page.text).not.toContain('tok-5d2e');
    expect((await call('get', '/v1/audit-records/verify', keyA)).body).toMatchObject({ ok: true });

    // Tenant B's failed attempt left nothing in its own trail, and it cannot read A's.
    const other = await call('get', '/v1/audit-records?order=desc&limit=50', keyB);
    expect((other.body.items as { objectRef: string | null }[]).filter((r) => r.objectRef === ref)).toEqual([]);
  });
});

describe('secrets in responses', () => {
  it('appear only in create and rotate answers', () => {
    for (const { route, text } of bodies) {
      const isIssuer = /createWebhookEndpoint|rotateWebhookSecret|"secret":"whsec_/.test(text) && (route === 'graphql' || route === 'post /v1/webhook-endpoints' || route.endsWith('/rotate-secret'));
      if (isIssuer) continue;
      for (const s of secrets) expect({ route, leaked: text.includes(s) }).toEqual({ route, leaked: false });
      expect({ route, whsec: /whsec_/.test(text) }).toEqual({ route, whsec: false });
    }
  });
});

