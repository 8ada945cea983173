import type { INestApplication } from '@nestjs/common';
import { createLogger } from '@sb/telemetry';
import { deleteRedisKeys, testConfig, testRedisPrefix } from '@sb/testing';
import request from 'supertest';
import { createApiApp } from './create-api-app';

const redisPrefix = testRedisPrefix('unstorable-input');
let app: INestApplication;

beforeAll(async () => {
  app = await createApiApp(testConfig({ SB_REDIS_PREFIX: redisPrefix }), createLogger({ serviceName: 'api', level: 'silent' }));
  await app.init();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

const post = (path: string, body: string, type = 'application/json') => request(app.getHttpServer()).post(path).set('content-type', type).send(body);

describe('text Postgres cannot store is refused before anything is done with it', () => {
  it.each([
    ['U+0000', '{"name":"a\\u0000b"}'],
    ['a lone high surrogate', '{"name":"a\\ud83d"}'],
    ['a lone low surrogate in a key', '{"n\\ude00":1}'],
  ])('a JSON body holding %s is a 400 problem', async (_what, body) => {
    const res = await post('/v1/tenants', body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body).toMatchObject({ code: 'validation_failed' });
  });

  it('answers a FHIR body with an OperationOutcome', async () => {
    const res = await post('/fhir/r4/6f1c9a4e-9b1e-4a55-9a51-2d1c0f7f0b11/DocumentReference', '{"resourceType":"DocumentReference","description":"x\\u0000"}', 'application/fhir+json');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it('lets an escaped backslash before u0000, paired surrogates and other escapes through to the route', async () => {
    // No credentials: passing the body check means reaching authentication.
    for (const body of ['{"name":"a\\\\u0000"}', '{"name":"\\ud83d\\ude00"}', '{"name":"tab\\u0009"}']) {
      expect((await post('/v1/tenants', body)).status).toBe(401);
    }
  });

  it('refuses a NUL in the query string or path', async () => {
    for (const path of ['/v1/connections?name=a%00b', '/v1/connections/a%00b']) {
      const res = await request(app.getHttpServer()).get(path);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
  });

  it('still answers malformed JSON as such', async () => {
    const res = await post('/v1/tenants', '{"name":"\\u00');
    expect(res.body).toMatchObject({ code: 'malformed_json' });
  });
});
