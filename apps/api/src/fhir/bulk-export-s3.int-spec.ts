import type { INestApplication } from '@nestjs/common';
import { BulkExportRunner } from '@sb/bulk-export';
import { ClinicalStoreRepository, ConnectionRepository, Database } from '@sb/db';
import { startTestS3, type TestS3 } from '../../../../libs/storage/src/testing/s3rver-harness';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import request from 'supertest';
import { AppModule } from '../app.module';

// The same export path with SB_EXPORT_STORAGE=s3: files land in the bucket under the tenant's
// prefix, are served from it, and are deleted from it on cancel.
const redisPrefix = testRedisPrefix('bulk-export-s3');
let s3: TestS3;
let app: INestApplication;
let key: string;
let tenantId: string;
let connectionId: string;

beforeAll(async () => {
  s3 = await startTestS3();
  const moduleRef = await createTestingApp([AppModule], {
    SB_REDIS_PREFIX: redisPrefix,
    SB_PUBLIC_URL: 'http://gateway.test',
    SB_EXPORT_STORAGE: 's3',
    SB_S3_BUCKET: s3.bucket,
    SB_S3_REGION: s3.region,
    SB_S3_ENDPOINT: s3.endpoint,
    SB_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    SB_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const t = await new Fixtures(moduleRef).newTenant();
  tenantId = t.tenant.id;
  key = (await app.get(ApiKeyService).create(t.actor(), tenantId, { name: 'bulk s3' })).key;
  const connection = await app.get(Database).transaction((tx) => app.get(ConnectionRepository).create(tx, tenantId, { name: 'hl7', vendor: 'hl7v2', environment: 'sandbox', status: 'live' }));
  connectionId = connection.id;
  await app.get(ClinicalStoreRepository).save(tenantId, connectionId, [
    { resourceType: 'Patient', id: 'p1', patientId: 'p1', identifiers: [], nameTokens: [], searchDate: null, resource: { resourceType: 'Patient', id: 'p1' } },
    { resourceType: 'Patient', id: 'p2', patientId: 'p2', identifiers: [], nameTokens: [], searchDate: null, resource: { resourceType: 'Patient', id: 'p2' } },
  ]);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await s3?.close();
  await deleteRedisKeys(redisPrefix);
});

it('stores export files in the S3 bucket, serves them from it, and deletes them on cancel', async () => {
  const auth = { authorization: `Bearer ${key}` };
  const kick = await request(app.getHttpServer()).get(`/fhir/r4/${connectionId}/Patient/$export`).set({ ...auth, accept: 'application/fhir+json', prefer: 'respond-async' });
  expect(kick.status).toBe(202);
  for (let i = 0; i < 10 && (await app.get(BulkExportRunner).runDue()) > 0; i++);
  const statusPath = new URL(kick.headers['content-location']).pathname;
  const manifest = (await request(app.getHttpServer()).get(statusPath).set(auth)).body;
  expect(manifest.output).toEqual([expect.objectContaining({ type: 'Patient', count: 2 })]);
  expect(s3.requests.filter((r) => r.startsWith('PUT') || r.startsWith('POST')).length).toBeGreaterThan(0);
  const file = await request(app.getHttpServer()).get(new URL(manifest.output[0].url).pathname).set(auth);
  expect(file.status).toBe(200);
  expect(file.text.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['p1', 'p2']);
  const listing = async () => {
    const res = await fetch(`${s3.endpoint}/${s3.bucket}?list-type=2&prefix=tenants/${tenantId}/`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain('<ListBucketResult');
    return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
  };
  expect(await listing()).toEqual([expect.stringMatching(new RegExp(`^tenants/${tenantId}/connections/${connectionId}/exports/.+/output-1\\.Patient\\.ndjson\\.gz$`))]);
  expect((await request(app.getHttpServer()).delete(statusPath).set(auth)).status).toBe(202);
  for (let i = 0; i < 10 && (await app.get(BulkExportRunner).runDue()) > 0; i++);
  expect(await listing()).toEqual([]);
});
