import type { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { createTestingApp, deleteRedisKeys, testRedisPrefix } from '@sb/testing';
import { openApiDocument, printSdl, renderSchemaDocuments } from './api-schemas';
import { AppModule } from './app.module';

const redisPrefix = testRedisPrefix('api-schemas');

/** The schema files are generated without a database (preview mode): they must equal what the running api serves. */
describe('generated API schemas match the running api', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await deleteRedisKeys(redisPrefix);
  });

  it('the same OpenAPI document and GraphQL SDL', async () => {
    const rendered = await renderSchemaDocuments();
    expect(openApiDocument(app)).toEqual(rendered.document);
    expect(rendered.graphql.endsWith(printSdl(app.get(GraphQLSchemaHost).schema))).toBe(true);
  }, 60_000);
});
