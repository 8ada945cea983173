import type { INestApplication } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { Database } from '@sb/db';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('audit-records');
const PASSWORD = 'violet-harbour-lantern-42';
/** Synthetic patient references written into tenant A's records. */
const PATIENTS = [`Patient/aud-${randomUUID()}`, `Patient/aud-${randomUUID()}`];
/** Every answer to a caller without the PHI grant: must never carry a patient reference. */
const withoutPhi: string[] = [];

let app: INestApplication;
let a: TenantFixture;
let b: TenantFixture;
let phiKey: string;
let auditOnlyKey: string;
let observationKey: string;
let patientReadKey: string;
let keyB: string;
const consoleUser: Record<'withPhi' | 'withoutPhi', Record<string, string>> = { withPhi: {}, withoutPhi: {} };

interface Row {
  sequence: number;
  patientRef: string | null;
  patientRefHidden: boolean;
  operation: string;
}

async function list(headers: Record<string, string>, query: Record<string, string> = {}) {
  const res = await request(app.getHttpServer()).get(`/v1/audit-records?${new URLSearchParams(query).toString()}`).set(headers);
  return res;
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const sequences = (res: { body: { items: Row[] } }) => res.body.items.map((r) => r.sequence);

/** A console user of tenant A with the admin role, signed in; the operator invites them. */
async function signedInAdmin(config: AppConfig, phi: boolean): Promise<Record<string, string>> {
  const email = `audit-${randomUUID().slice(0, 8)}@clinic.example`;
  const invite = await request(app.getHttpServer()).post(`/v1/tenants/${a.tenant.id}/invites`).set(bearer(config.adminToken)).send({ email, role: 'admin', phi });
  expect(invite.status).toBe(201);
  const token = new URL(invite.body.inviteUrl as string).hash.slice(1);
  expect((await request(app.getHttpServer()).post(`/v1/console/invites/${token}/accept`).send({ name: 'Audit reader', password: PASSWORD })).status).toBe(200);
  const session = await request(app.getHttpServer()).post('/v1/console/session').send({ email, password: PASSWORD });
  expect(session.status).toBe(200);
  return { cookie: (session.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]! };
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const config = app.get<AppConfig>(APP_CONFIG);
  const fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  const apiKeys = app.get(ApiKeyService);
  phiKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'everything' })).key;
  auditOnlyKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'audit', scopes: ['audit:read'] })).key;
  observationKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'observations', scopes: ['audit:read', 'system/Observation.rs'] })).key;
  patientReadKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'patients', scopes: ['audit:read', 'system/Patient.r'] })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'b' })).key;

  // Twelve data-access records, every third about a patient.
  const audit = app.get(AuditService);
  const db = app.get(Database);
  for (let i = 0; i < 12; i++) {
    await db.transaction((tx) =>
      audit.append(tx, {
        tenantId: a.tenant.id,
        transactionId: randomUUID(),
        connectionId: a.echo.id,
        actorType: 'api-key',
        actorId: randomUUID(),
        operation: `read-${i}`,
        resourceType: 'Patient',
        patientRef: i % 3 === 0 ? (PATIENTS[(i / 3) % 2] ?? null) : null,
        purpose: null,
        outcome: 'success',
        occurredAt: new Date(),
      }),
    );
  }
  consoleUser.withPhi = await signedInAdmin(config, true);
  consoleUser.withoutPhi = await signedInAdmin(config, false);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('GET /v1/audit-records order and cursors', () => {
  let chain: Row[];
  beforeAll(async () => {
    chain = (await list(bearer(phiKey), { limit: '500' })).body.items as Row[];
  });

  it('keeps chain order by default, `next` being the next page’s `after`', async () => {
    expect(chain.length).toBeGreaterThanOrEqual(12);
    expect(chain.map((r) => r.sequence)).toEqual(chain.map((_, i) => i + 1));
    const first = await list(bearer(phiKey), { limit: '5' });
    expect([sequences(first), first.body.next]).toEqual([[1, 2, 3, 4, 5], 5]);
    const second = await list(bearer(phiKey), { limit: '5', after: '5' });
    expect(sequences(second)).toEqual([6, 7, 8, 9, 10]);
  });

  it('lists newest first with order=desc, `next` being the next page’s `before`, without probing for the end', async () => {
    const newest = chain.length;
    const seen: number[] = [];
    let before: number | null = null;
    let requests = 0;
    do {
      const res = await list(bearer(phiKey), { order: 'desc', limit: '5', ...(before !== null ? { before: String(before) } : {}) });
      expect(res.status).toBe(200);
      requests += 1;
      seen.push(...sequences(res));
      before = res.body.next as number | null;
    } while (before !== null && requests < 20);
    expect(seen[0]).toBe(newest);
    expect(seen).toEqual(chain.map((r) => r.sequence).reverse());
    expect(requests).toBe(Math.ceil(newest / 5));
  });

  it('bounds a window with after and before, in either order', async () => {
    expect(sequences(await list(bearer(phiKey), { after: '2', before: '6' }))).toEqual([3, 4, 5]);
    expect(sequences(await list(bearer(phiKey), { order: 'desc', after: '2', before: '6' }))).toEqual([5, 4, 3]);
    const lastTwo = await list(bearer(phiKey), { order: 'desc', after: String(chain.length - 2) });
    expect([sequences(lastTwo), lastTwo.body.next]).toEqual([[chain.length, chain.length - 1], null]);
  });

  it('rejects a bad order, cursor or window with 400 validation_failed', async () => {
    for (const [query, path] of [
      [{ order: 'newest' }, 'order'],
      [{ before: '0' }, 'before'],
      [{ after: '-1' }, 'after'],
      [{ after: 'x' }, 'after'],
      [{ after: '5', before: '5' }, 'after'],
      [{ order: 'desc', limit: '0' }, 'limit'],
      [{ cursor: '3' }, ''],
    ] as [Record<string, string>, string][]) {
      const res = await list(bearer(phiKey), query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'validation_failed' });
      if (path) expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
  });

  it('shows each tenant its own chain only', async () => {
    const res = await list(bearer(keyB), { order: 'desc', limit: '500' });
    expect(res.status).toBe(200);
    expect(res.body.items.every((r: Row) => !r.operation.startsWith('read-'))).toBe(true);
    expect(res.text).not.toContain(PATIENTS[0]);
  });
});

describe('patientRef and the PHI grant', () => {
  const about = (items: Row[]) => items.filter((r) => r.operation.startsWith('read-') && Number(r.operation.slice(5)) % 3 === 0);
  const notAbout = (items: Row[]) => items.filter((r) => r.operation.startsWith('read-') && Number(r.operation.slice(5)) % 3 !== 0);

  it('gives the patient reference to callers that may read patients', async () => {
    for (const headers of [bearer(phiKey), bearer(patientReadKey), consoleUser.withPhi]) {
      const items = (await list(headers, { limit: '500' })).body.items as Row[];
      expect(about(items).map((r) => r.patientRef)).toEqual([PATIENTS[0], PATIENTS[1], PATIENTS[0], PATIENTS[1]]);
      expect(items.every((r) => !r.patientRefHidden)).toBe(true);
    }
  });

  it('withholds it from everyone else: null and patientRefHidden, in both orders; the reference never leaves the API', async () => {
    for (const headers of [bearer(auditOnlyKey), bearer(observationKey), consoleUser.withoutPhi]) {
      for (const order of ['asc', 'desc']) {
        const res = await list(headers, { order, limit: '500' });
        expect(res.status).toBe(200);
        withoutPhi.push(res.text);
        const items = res.body.items as Row[];
        expect(about(items)).toHaveLength(4);
        expect(about(items).every((r) => r.patientRef === null && r.patientRefHidden)).toBe(true);
        expect(notAbout(items).every((r) => r.patientRef === null && !r.patientRefHidden)).toBe(true);
      }
    }
    for (const text of withoutPhi) for (const ref of PATIENTS) expect(text).not.toContain(ref);
  });
});
