import type { INestApplication } from '@nestjs/common';
import { createLogger } from '@sb/telemetry';
import { deleteRedisKeys, testConfig, testRedisPrefix } from '@sb/testing';
import request from 'supertest';
import { createApiApp } from '../create-api-app';
import { consoleDistDir } from './console-static';

const redisPrefix = testRedisPrefix('console-static');
let app: INestApplication;

beforeAll(async () => {
  // `npm test` builds the console first (pretest); the suite needs it to serve.
  if (!consoleDistDir()) throw new Error('apps/console/dist is missing: run `npm run build` first');
  // Built as main.ts builds it: serve-static attaches to the HTTP adapter NestFactory creates
  // (a Nest testing module has none yet when the module's providers are made, so it would serve nothing).
  app = await createApiApp(testConfig({ SB_REDIS_PREFIX: redisPrefix }), createLogger({ serviceName: 'api', level: 'silent' }));
  await app.init();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('the console at /console', () => {
  it.each(['/console', '/console/', '/console/login', '/console/connections/6f1c9a4e-9b1e-4a55-9a51-2d1c0f7f0b11', '/console/webhooks/new'])(
    'answers %s with the app (SPA fallback)',
    async (path) => {
      const res = await request(app.getHttpServer()).get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('<div id="root">');
      expect(res.headers['cache-control']).toBe('no-cache');
    },
  );

  it('serves hashed assets as immutable', async () => {
    const html = (await request(app.getHttpServer()).get('/console/')).text;
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const res = await request(app.getHttpServer()).get(asset!);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('leaves API 404s as problem+json', async () => {
    const res = await request(app.getHttpServer()).get('/v1/no-such-route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });
});
