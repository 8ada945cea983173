import type { TestingModule } from '@nestjs/testing';
import { AuditService } from '@sb/audit';
import { Database, WebhookEndpointRepository, type AuditRecord } from '@sb/db';
import { createTestingApp, Fixtures } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { MAX_PREVIOUS_SECRETS, PREVIOUS_SECRET_GRACE_MS, WebhookEndpointService } from './webhook-endpoint.service';
import { WebhookAuditOperation } from './webhook-endpoint-audit';
import { WebhookEndpointsModule } from './webhook-endpoints.module';

/** A receiver URL carrying its own token: a value the audit trail must never hold. */
const URL_TOKEN = 'tok-a81f3c9e';

describe('webhook endpoint changes: audit records and secret rotation (real Postgres)', () => {
  let app: TestingModule;
  let service: WebhookEndpointService;
  let audit: AuditService;
  let repo: WebhookEndpointRepository;
  let db: Database;
  let fixtures: Fixtures;

  beforeAll(async () => {
    app = await createTestingApp([TenancyModule, WebhookEndpointsModule]);
    service = app.get(WebhookEndpointService);
    // Public answers for every host, so the SSRF check passes without DNS.
    service.resolver = () => Promise.resolve([{ address: '93.184.216.34', family: 4 }]);
    audit = app.get(AuditService);
    repo = app.get(WebhookEndpointRepository);
    db = app.get(Database);
    fixtures = new Fixtures(app);
  });
  afterAll(() => app.close());

  const records = (tenantId: string): Promise<AuditRecord[]> => audit.list(tenantId, { order: 'asc', limit: 500 });

  it('records create, update, disable, enable, rotate and delete: who, which tenant and endpoint, which fields — never a value', async () => {
    const { tenant, actor } = await fixtures.newTenant();
    const admin = actor();
    const { endpoint, secret } = await service.create(admin, tenant.id, { url: `https://hooks.example.com/in?token=${URL_TOKEN}`, eventTypes: ['patient.admitted'], description: 'ward feed' });
    const id = endpoint.id;
    await service.update(admin, tenant.id, id, { url: `https://hooks2.example.com/in?token=${URL_TOKEN}`, eventTypes: ['patient.admitted', 'result.received'], description: 'ward feed' });
    await service.update(admin, tenant.id, id, { payload: 'thin' });
    await service.disable(admin, tenant.id, id);
    await service.enable(admin, tenant.id, id);
    const sealed = await db.transaction((tx) => repo.lockSecrets(tenant.id, id, tx));
    const rotated = await service.rotateSecret(admin, tenant.id, id);
    const sealedAfter = await db.transaction((tx) => repo.lockSecrets(tenant.id, id, tx));
    await service.delete(admin, tenant.id, id);

    const rows = await records(tenant.id);
    const ref = `webhook-endpoints/${id}`;
    expect(rows.map((r) => [r.operation, r.purpose])).toEqual([
      [WebhookAuditOperation.Create, 'fields: url, eventTypes, description, secret'],
      [WebhookAuditOperation.Update, 'fields: url, eventTypes'],
      [WebhookAuditOperation.Update, 'fields: none'],
      [WebhookAuditOperation.Disable, 'fields: status'],
      [WebhookAuditOperation.Enable, 'fields: status'],
      [WebhookAuditOperation.RotateSecret, 'fields: secret'],
      [WebhookAuditOperation.Delete, null],
    ]);
    expect(WebhookAuditOperation.RotateSecret).toBe('webhook-endpoint.rotate-secret');
    for (const r of rows) {
      expect(r).toMatchObject({ tenantId: tenant.id, actorType: 'api-key', actorId: admin.id, resourceType: 'WebhookEndpoint', objectRef: ref, connectionId: null, patientRef: null, outcome: 'success' });
    }

    const text = JSON.stringify(rows);
    for (const value of [secret, rotated.secret, secret.slice('whsec_'.length), rotated.secret.slice('whsec_'.length), sealed?.secretSealed, sealedAfter?.secretSealed, URL_TOKEN, 'hooks.example.com', 'ward feed']) {
      expect({ value, found: text.includes(value ?? 'missing') }).toEqual({ value, found: false });
    }
    expect(text).not.toContain('whsec_');
    expect(await audit.verify(tenant.id)).toEqual({ ok: true, checked: rows.length });
  });

  it('records nothing when the change does not happen; another tenant neither changes the endpoint nor sees its records', async () => {
    const a = await fixtures.newTenant();
    const b = await fixtures.newTenant();
    const { endpoint } = await service.create(a.actor(), a.tenant.id, { url: 'https://hooks.example.com/a', eventTypes: ['*'] });
    const intruder = b.actor();
    const attempts = [
      () => service.update(intruder, b.tenant.id, endpoint.id, { description: 'mine now' }),
      () => service.disable(intruder, b.tenant.id, endpoint.id),
      () => service.enable(intruder, b.tenant.id, endpoint.id),
      () => service.rotateSecret(intruder, b.tenant.id, endpoint.id),
      () => service.delete(intruder, b.tenant.id, endpoint.id),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ code: 'not_found' });
    // A refused URL changes nothing either.
    await expect(service.update(a.actor(), a.tenant.id, endpoint.id, { url: 'https://169.254.169.254/latest' })).rejects.toMatchObject({ code: 'validation_failed' });

    expect(await records(b.tenant.id)).toEqual([]);
    expect((await records(a.tenant.id)).map((r) => r.operation)).toEqual([WebhookAuditOperation.Create]);
    expect(await service.get(a.tenant.id, endpoint.id)).toMatchObject({ status: 'enabled', description: null, url: 'https://hooks.example.com/a' });
  });

  it('keeps every previous secret until its own grace period ends, drops expired ones at the next rotation, and refuses a rotation past the cap', async () => {
    const { tenant, actor } = await fixtures.newTenant();
    const admin = actor();
    const { endpoint } = await service.create(admin, tenant.id, { url: 'https://hooks.example.com/r', eventTypes: ['*'] });
    const t0 = new Date('2030-03-01T00:00:00.000Z');
    const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);
    const stored = () => db.transaction((tx) => repo.lockSecrets(tenant.id, endpoint.id, tx));

    const before = await stored();
    await service.rotateSecret(admin, tenant.id, endpoint.id, hours(0));
    await service.rotateSecret(admin, tenant.id, endpoint.id, hours(1));
    const twice = await stored();
    // Newest first: the secret retired at 1 h (until 25 h), then the original one (until 24 h).
    expect(twice?.previousSecrets.map((p) => p.until)).toEqual([hours(25), hours(24)]);
    expect(twice?.previousSecrets[1]?.sealed).toBe(before?.secretSealed);

    // At 24 h the original's grace has ended: the next rotation does not keep it.
    const third = await service.rotateSecret(admin, tenant.id, endpoint.id, hours(24));
    expect((await stored())?.previousSecrets.map((p) => p.until)).toEqual([hours(48), hours(25)]);
    expect(third.endpoint.previousSecretUntil).toEqual(hours(48));

    // Up to the cap, then refused until the oldest still signing expires.
    for (let i = 2; i < MAX_PREVIOUS_SECRETS; i++) await service.rotateSecret(admin, tenant.id, endpoint.id, hours(24));
    expect((await stored())?.previousSecrets).toHaveLength(MAX_PREVIOUS_SECRETS);
    const kept = await stored();
    await expect(service.rotateSecret(admin, tenant.id, endpoint.id, hours(24))).rejects.toMatchObject({ code: 'conflict', details: { oldestExpiresAt: hours(25).toISOString() } });
    expect(await stored()).toEqual(kept);
    await service.rotateSecret(admin, tenant.id, endpoint.id, new Date(hours(1).getTime() + PREVIOUS_SECRET_GRACE_MS));
    expect((await stored())?.previousSecrets).toHaveLength(MAX_PREVIOUS_SECRETS);

    const rotations = (await records(tenant.id)).filter((r) => r.operation === WebhookAuditOperation.RotateSecret);
    expect(rotations).toHaveLength(MAX_PREVIOUS_SECRETS + 2);
  });
});
