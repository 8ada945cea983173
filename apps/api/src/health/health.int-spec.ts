import { Module } from '@nestjs/common';
import { QueueModule } from '@sb/queue';
import { createTestingApp, freePort } from '@sb/testing';
import request from 'supertest';
import { HealthController } from './health.controller';

@Module({ imports: [QueueModule], controllers: [HealthController] })
class HealthTestModule {}

async function healthWith(overrides: Record<string, string>) {
  const moduleRef = await createTestingApp([HealthTestModule], overrides);
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const res = await request(app.getHttpServer()).get('/health');
  await app.close();
  return res;
}

describe('GET /health', () => {
  it('is 200 when Postgres and Redis answer', async () => {
    const res = await healthWith({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', db: 'up', redis: 'up' });
  });

  it('is 503 naming Redis when Redis is down', async () => {
    const res = await healthWith({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', db: 'up', redis: 'down' });
  });

  it('is 503 naming the database when Postgres is unreachable', async () => {
    const res = await healthWith({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/nothing` });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', db: 'down', redis: 'up' });
  });
});
