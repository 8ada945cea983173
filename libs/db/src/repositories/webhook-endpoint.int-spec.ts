import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { Database } from '../database';
import { PrismaService } from '../prisma.service';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

describe('WebhookEndpointRepository (real Postgres)', () => {
  let app: TestingModule;
  let repo: WebhookEndpointRepository;
  let prisma: PrismaService;
  let db: Database;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
    repo = app.get(WebhookEndpointRepository);
    prisma = app.get(PrismaService);
    db = app.get(Database);
  });
  afterAll(() => app.close());

  const newEndpoint = (tenantId: string, over: { eventTypes?: string[]; orderingKey?: 'none' | 'patient' } = {}) =>
    repo.create(tenantId, { id: randomUUID(), url: 'https://hooks.example.com/in', eventTypes: over.eventTypes ?? ['*'], orderingKey: over.orderingKey, secretSealed: 'sealed-current' });

  let position = BigInt(Date.now()) * 1000n;
  /** A relayed event (position set), as the relay leaves it. */
  async function event(tenantId: string, type: string, occurredAt: Date, extra: { data?: Record<string, unknown>; patientRef?: string; relayed?: boolean } = {}): Promise<string> {
    const row = await prisma.event.create({
      data: {
        tenantId,
        type,
        occurredAt,
        data: (extra.data ?? { patient: 'Patient/1' }) as object,
        patientRef: extra.patientRef ?? null,
        ...(extra.relayed === false ? {} : { position: ++position, relayedAt: occurredAt }),
      },
    });
    return row.id;
  }

  it('creates, lists, finds, updates and deletes within the tenant only; another tenant sees nothing', async () => {
    const fixtures = new Fixtures(app);
    const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
    const e = await newEndpoint(a.tenant.id);
    expect(e).toMatchObject({ tenantId: a.tenant.id, payload: 'thin', orderingKey: 'none', status: 'enabled', previousSecretUntil: null });
    expect(e).not.toHaveProperty('secretSealed');

    expect(await repo.find(b.tenant.id, e.id)).toBeNull();
    expect(await repo.list(b.tenant.id)).toEqual([]);
    expect(await repo.update(b.tenant.id, e.id, { url: 'https://evil.example.com/' })).toBeNull();
    expect(await repo.setStatus(b.tenant.id, e.id, { status: 'disabled', reason: 'manual' })).toBeNull();
    expect(await db.transaction((tx) => repo.lockSecrets(b.tenant.id, e.id, tx))).toBeNull();
    expect(await db.transaction((tx) => repo.setSecrets(b.tenant.id, e.id, { secretSealed: 'sealed-evil', previousSecrets: [] }, tx))).toBeNull();
    expect(await repo.listAttempts(b.tenant.id, e.id, { limit: 10 })).toEqual([]);
    expect(await repo.listDeliveries(b.tenant.id, e.id, { limit: 10 })).toEqual([]);
    expect(await repo.replay(b.tenant.id, e.id, { since: new Date(0) })).toBe(0);
    expect(await repo.delete(b.tenant.id, e.id)).toBe(false);
    expect(await repo.find(a.tenant.id, e.id)).toMatchObject({ url: 'https://hooks.example.com/in', status: 'enabled' });

    expect(await repo.update(a.tenant.id, e.id, { description: 'mine', eventTypes: ['patient.admitted'] })).toMatchObject({ description: 'mine', eventTypes: ['patient.admitted'] });
    expect(await repo.setStatus(a.tenant.id, e.id, { status: 'disabled', reason: 'manual' })).toMatchObject({ status: 'disabled', disabledReason: 'manual' });
    expect(await repo.setStatus(a.tenant.id, e.id, { status: 'enabled' })).toMatchObject({ status: 'enabled', disabledReason: null, failingSince: null });
    expect((await repo.list(a.tenant.id)).map((x) => x.id)).toEqual([e.id]);
    expect(await repo.delete(a.tenant.id, e.id)).toBe(true);
    expect(await repo.find(a.tenant.id, e.id)).toBeNull();
  });

  it('stores several previous secrets, each with its own expiry; previousSecretUntil is the latest', async () => {
    const { tenant } = await new Fixtures(app).newTenant();
    const e = await newEndpoint(tenant.id);
    expect(await db.transaction((tx) => repo.lockSecrets(tenant.id, e.id, tx))).toEqual({ secretSealed: 'sealed-current', previousSecrets: [] });
    const older = new Date('2030-01-01T00:00:00.000Z');
    const newer = new Date('2030-01-01T06:00:00.000Z');
    const previousSecrets = [
      { sealed: 'sealed-current', until: newer },
      { sealed: 'sealed-first', until: older },
    ];
    expect(await db.transaction((tx) => repo.setSecrets(tenant.id, e.id, { secretSealed: 'sealed-next', previousSecrets }, tx))).toMatchObject({ previousSecretUntil: newer });
    expect(await db.transaction((tx) => repo.lockSecrets(tenant.id, e.id, tx))).toEqual({ secretSealed: 'sealed-next', previousSecrets });
    const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: e.id } });
    expect(row).toMatchObject({ secretSealed: 'sealed-next', previousSecretUntil: newer });

    // One previous secret is stored as before several were kept: the bare sealed value and its expiry.
    await db.transaction((tx) => repo.setSecrets(tenant.id, e.id, { secretSealed: 'sealed-last', previousSecrets: [{ sealed: 'sealed-next', until: older }] }, tx));
    expect(await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: e.id } })).toMatchObject({ previousSecretSealed: 'sealed-next', previousSecretUntil: older });
    expect(await db.transaction((tx) => repo.lockSecrets(tenant.id, e.id, tx))).toEqual({ secretSealed: 'sealed-last', previousSecrets: [{ sealed: 'sealed-next', until: older }] });

    expect(await db.transaction((tx) => repo.setSecrets(tenant.id, e.id, { secretSealed: 'sealed-last', previousSecrets: [] }, tx))).toMatchObject({ previousSecretUntil: null });
    expect(await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: e.id } })).toMatchObject({ previousSecretSealed: null, previousSecretUntil: null });
  });

  it('reads a row rotated before several previous secrets were kept (one bare sealed value) as one previous secret', async () => {
    const { tenant } = await new Fixtures(app).newTenant();
    const e = await newEndpoint(tenant.id);
    const until = new Date('2030-01-01T00:00:00.000Z');
    await prisma.webhookEndpoint.update({ where: { id: e.id }, data: { secretSealed: 'sealed-next', previousSecretSealed: 'sealed-current', previousSecretUntil: until } });
    expect(await db.transaction((tx) => repo.lockSecrets(tenant.id, e.id, tx))).toEqual({ secretSealed: 'sealed-next', previousSecrets: [{ sealed: 'sealed-current', until }] });
  });

  it('replay schedules relayed, subscribed events in range in one statement, resets existing deliveries, and skips other endpoints’ test events', async () => {
    const fixtures = new Fixtures(app);
    const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
    const t0 = new Date('2025-03-01T00:00:00Z');
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const e = await newEndpoint(a.tenant.id, { eventTypes: ['patient.admitted', 'result.received', 'endpoint.test'], orderingKey: 'patient' });
    const admitted = await event(a.tenant.id, 'patient.admitted', at(1), { patientRef: 'Patient/7' });
    const result = await event(a.tenant.id, 'result.received', at(2));
    await event(a.tenant.id, 'patient.discharged', at(3)); // not subscribed
    await event(a.tenant.id, 'patient.admitted', at(-10)); // before since
    await event(a.tenant.id, 'patient.admitted', at(120)); // after until
    await event(a.tenant.id, 'patient.admitted', at(4), { relayed: false }); // not committed to the feed yet
    await event(a.tenant.id, 'endpoint.test', at(5), { data: { endpointId: randomUUID() } }); // another endpoint's test
    const ownTest = await event(a.tenant.id, 'endpoint.test', at(6), { data: { endpointId: e.id } });
    await event(b.tenant.id, 'patient.admitted', at(1)); // another tenant's

    // One of them was delivered and failed: replay sends it again from scratch.
    const old = await prisma.webhookDelivery.create({
      data: { tenantId: a.tenant.id, endpointId: e.id, eventId: result, status: 'failed', attempts: 12, completedAt: at(30), nextAttemptAt: at(30) },
    });

    expect(await repo.replay(a.tenant.id, e.id, { since: at(0), until: at(60) })).toBe(3);
    const rows = await prisma.webhookDelivery.findMany({ where: { endpointId: e.id }, orderBy: { seq: 'asc' } });
    expect(new Set(rows.map((r) => r.eventId))).toEqual(new Set([admitted, result, ownTest]));
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 0 && r.completedAt === null && r.tenantId === a.tenant.id)).toBe(true);
    expect(rows.find((r) => r.eventId === result)?.id).toBe(old.id);
    expect(rows.find((r) => r.eventId === admitted)?.orderingKey).toBe('Patient/7');

    expect(await repo.replay(a.tenant.id, e.id, { since: at(0), until: at(60), eventTypes: ['patient.admitted'] })).toBe(1);
    expect(await repo.replay(a.tenant.id, e.id, { since: at(0), eventTypes: ['patient.discharged'] })).toBe(0);

    const failed = await repo.listDeliveries(a.tenant.id, e.id, { status: 'pending', limit: 10 });
    expect(failed).toHaveLength(3);
    expect(failed.find((d) => d.eventId === admitted)?.eventType).toBe('patient.admitted');
  });

  it('schedules one event for one endpoint, only when both are the tenant’s', async () => {
    const fixtures = new Fixtures(app);
    const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
    const e = await newEndpoint(a.tenant.id);
    const mine = await event(a.tenant.id, 'patient.updated', new Date());
    const theirs = await event(b.tenant.id, 'patient.updated', new Date());
    expect(await repo.scheduleDelivery(null, b.tenant.id, e.id, mine)).toBeNull();
    expect(await repo.scheduleDelivery(null, a.tenant.id, e.id, theirs)).toBeNull();
    const id = await repo.scheduleDelivery(null, a.tenant.id, e.id, mine);
    expect(id).toEqual(expect.any(String));
    expect(await repo.scheduleDelivery(null, a.tenant.id, e.id, mine)).toBe(id);
  });

  it('lists attempts newest first with a keyset cursor', async () => {
    const { tenant } = await new Fixtures(app).newTenant();
    const e = await newEndpoint(tenant.id);
    const eventId = await event(tenant.id, 'patient.updated', new Date());
    const deliveryId = (await repo.scheduleDelivery(null, tenant.id, e.id, eventId))!;
    const base = Date.now();
    for (const [i, statusCode] of [500, 503, 200].entries()) {
      await prisma.webhookAttempt.create({ data: { tenantId: tenant.id, deliveryId, endpointId: e.id, eventId, statusCode, durationMs: 10 + i, attemptedAt: new Date(base + i * 1000) } });
    }
    const first = await repo.listAttempts(tenant.id, e.id, { limit: 2 });
    expect(first.map((a) => a.statusCode)).toEqual([200, 503]);
    const last = first[1]!;
    const second = await repo.listAttempts(tenant.id, e.id, { limit: 2, before: { attemptedAt: last.attemptedAt, id: last.id } });
    expect(second.map((a) => a.statusCode)).toEqual([500]);
  });
});
