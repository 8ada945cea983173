import type { INestApplication } from '@nestjs/common';
import { UsageAlertEvaluator, type AlertSpendSource, type CurrentSpend } from '@sb/billing';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ConnectionService } from '@sb/connections';
import { BillingPlanRepository, CallRecordRepository, Database, EventRepository, UsageAlertRepository, type Connection } from '@sb/db';
import { EventWriter } from '@sb/events';
import { UsageRollupService } from '@sb/metering';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, startWebhookReceiver, testRedisPrefix, type TenantFixture, type WebhookReceiver } from '@sb/testing';
import { WebhookDeliveryModule, WebhookRelay } from '@sb/webhooks';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('usage-alerts');
const DAY = 86_400_000;

let app: INestApplication;
let fixtures: Fixtures;
let receiver: WebhookReceiver;
let operator: string;

const api = (method: 'get' | 'post' | 'delete', path: string, token: string, body?: object) => {
  const req = request(app.getHttpServer())[method](path).set('authorization', `Bearer ${token}`);
  return body === undefined ? req : req.send(body);
};
const financeKey = async (t: TenantFixture) => (await app.get(ApiKeyService).create(t.actor(), t.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;

/** `times` usage events written the way the pipeline writes them (queued for the rollup). */
async function usage(connection: Connection, at: string, options: { operation?: string; times?: number; environment?: 'sandbox' | 'production' } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < (options.times ?? 1); i++) {
    const transactionId = randomUUID();
    const occurredAt = new Date(at);
    const operation = options.operation ?? 'read';
    await app.get(CallRecordRepository).record(
      { tenantId: connection.tenantId, connectionId: connection.id, transactionId, vendor: connection.vendor, operation, resourceType: 'Patient', outcome: 'success', durationMs: 5, occurredAt, environment: options.environment ?? 'production', actorType: 'system', actorId: 'alert-test', purpose: null },
      [],
    );
    ids.push(transactionId);
  }
  await app.get(UsageRollupService).drainAll();
  return ids;
}

/** A second evaluator (another worker), with its own spend source when given. */
const evaluator = (spend: AlertSpendSource | null = null) =>
  new UsageAlertEvaluator(app.get(Database), app.get(UsageAlertRepository), app.get(BillingPlanRepository), app.get(EventWriter), spend);

const crossedEvents = async (tenantId: string) =>
  (await app.get(EventRepository).recent(tenantId, 100)).filter((e) => e.type === 'usage.threshold_crossed').reverse();

async function newRule(t: TenantFixture, body: Record<string, unknown>): Promise<string> {
  const res = await api('post', '/v1/usage/alerts', operator, { tenantId: t.tenant.id, ...body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule, WebhookDeliveryModule], { SB_REDIS_PREFIX: redisPrefix, SB_ALLOW_PRIVATE_TARGETS: 'true' });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  operator = app.get<AppConfig>(APP_CONFIG).adminToken;
  fixtures = new Fixtures(moduleRef);
  receiver = await startWebhookReceiver(() => ({ status: 200 }));
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('usage alert rules API', () => {
  let a: TenantFixture;
  let b: TenantFixture;
  let keyA: string;
  let keyB: string;
  let labA: Connection;
  beforeAll(async () => {
    [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
    [keyA, keyB] = [await financeKey(a), await financeKey(b)];
    labA = await app.get(ConnectionService).create(a.tenant.id, { name: 'Lab feed', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `LAB-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
  });

  it('a tenant with usage:read creates, lists and deletes its own rules', async () => {
    const created = await api('post', '/v1/usage/alerts', keyA, { name: 'Lab messages', metric: 'units', threshold: '5000', connectionId: labA.id, class: 'hl7.in' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      tenantId: a.tenant.id,
      name: 'Lab messages',
      metric: 'units',
      threshold: '5000',
      connectionId: labA.id,
      class: 'hl7.in',
      createdAt: expect.any(String),
      lastFiring: null,
    });
    const spend = await api('post', '/v1/usage/alerts', keyA, { name: 'Spend', metric: 'amount', threshold: '250.50' });
    expect(spend.status).toBe(201);
    const listed = await api('get', '/v1/usage/alerts', keyA);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([created.body.id, spend.body.id]);
    expect((await api('delete', `/v1/usage/alerts/${created.body.id}`, keyA)).status).toBe(204);
    expect((await api('get', '/v1/usage/alerts', keyA)).body.data.map((r: { id: string }) => r.id)).toEqual([spend.body.id]);
    expect((await api('delete', `/v1/usage/alerts/${created.body.id}`, keyA)).status).toBe(404);
  });

  it('another tenant’s rule is a 404 to delete and absent from its list; another tenant’s connection is a 404', async () => {
    const rule = await api('post', '/v1/usage/alerts', keyA, { name: 'Reads', metric: 'units', threshold: '10' });
    const del = await api('delete', `/v1/usage/alerts/${rule.body.id}`, keyB);
    expect([del.status, del.body.code]).toEqual([404, 'not_found']);
    expect((await api('get', '/v1/usage/alerts', keyA)).body.data.map((r: { id: string }) => r.id)).toContain(rule.body.id);
    expect((await api('get', '/v1/usage/alerts', keyB)).body.data).toEqual([]);
    const foreignConnection = await api('post', '/v1/usage/alerts', keyB, { name: 'Theirs', metric: 'units', threshold: '10', connectionId: labA.id });
    expect([foreignConnection.status, foreignConnection.body.title]).toEqual([404, 'Connection not found']);
    // Naming the other tenant explicitly changes nothing.
    expect((await api('get', `/v1/usage/alerts?tenantId=${a.tenant.id}`, keyB)).status).toBe(404);
    expect((await api('delete', `/v1/usage/alerts/${rule.body.id}?tenantId=${a.tenant.id}`, keyB)).status).toBe(404);
    expect((await api('post', '/v1/usage/alerts', keyB, { tenantId: a.tenant.id, name: 'x', metric: 'units', threshold: '1' })).status).toBe(404);
  });

  it('the operator names the tenant (400 without it)', async () => {
    expect((await api('get', `/v1/usage/alerts?tenantId=${a.tenant.id}`, operator)).body.data.length).toBeGreaterThan(0);
    const missing = await api('post', '/v1/usage/alerts', operator, { name: 'x', metric: 'units', threshold: '1' });
    expect([missing.status, missing.body.issues]).toEqual([400, [expect.objectContaining({ path: 'tenantId' })]]);
    expect((await api('get', '/v1/usage/alerts', operator)).status).toBe(400);
    expect((await api('post', '/v1/usage/alerts', operator, { tenantId: randomUUID(), name: 'x', metric: 'units', threshold: '1' })).status).toBe(404);
  });

  it('needs usage:read', async () => {
    const key = (await app.get(ApiKeyService).create(a.actor(), a.tenant.id, { name: 'connections', scopes: ['admin:connections'] })).key;
    expect((await api('get', '/v1/usage/alerts', key)).status).toBe(403);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown metric', { metric: 'calls' }, 'metric'],
    ['an unknown class', { class: 'fhir.everything' }, 'class'],
    ['a per-period class', { class: 'activeConnection' }, 'class'],
    ['a threshold that is not a decimal string', { threshold: 'lots' }, 'threshold'],
    ['a numeric threshold', { threshold: 100 }, 'threshold'],
    ['a negative threshold', { threshold: '-5' }, 'threshold'],
    ['a zero threshold', { threshold: '0.00' }, 'threshold'],
    ['an exponent', { threshold: '1e3' }, 'threshold'],
    ['fractional units', { threshold: '10.5' }, 'threshold'],
    ['includedPercent without a class', { metric: 'includedPercent', threshold: '80' }, 'class'],
    ['an amount per connection', { metric: 'amount', threshold: '10', connectionId: randomUUID() }, 'connectionId'],
    ['an empty name', { name: '' }, 'name'],
    ['a name over 100 characters', { name: 'n'.repeat(101) }, 'name'],
    ['an unknown field', { severity: 'high' }, ''],
  ])('refuses %s with 400 validation_failed', async (_name, change, path) => {
    const res = await api('post', '/v1/usage/alerts', keyA, { name: 'Rule', metric: 'units', threshold: '100', ...change });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    if (path) expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('includedPercent needs a plan that includes units of the class', async () => {
    const t = await fixtures.newTenant();
    await withPlan(t, [{ class: 'fhir.read', model: 'unit', unitPrice: '0.01', includedUnits: 10 }]);
    expect((await api('post', '/v1/usage/alerts', operator, { tenantId: t.tenant.id, name: 'Reads', metric: 'includedPercent', threshold: '80', class: 'fhir.read' })).status).toBe(201);
    const none = await api('post', '/v1/usage/alerts', operator, { tenantId: t.tenant.id, name: 'Searches', metric: 'includedPercent', threshold: '80', class: 'fhir.search' });
    expect([none.status, none.body.issues]).toEqual([400, [expect.objectContaining({ path: 'class' })]]);
  });
});

/** Gives the tenant a plan with these components, in force from 2026-01-01 (UTC months). */
async function withPlan(t: TenantFixture, components: Record<string, unknown>[]): Promise<void> {
  const plans = app.get(BillingPlanRepository);
  await app.get(Database).transaction(async (tx) => {
    const { plan, version } = await plans.createPlan(tx, {
      name: `Plan ${randomUUID().slice(0, 8)}`,
      currency: 'USD',
      definition: { currency: 'USD', components },
      definitionHash: randomUUID(),
      createdBy: 'alert-test',
    });
    await plans.insertTerms(tx, {
      tenantId: t.tenant.id,
      planId: plan.id,
      planVersion: version.version,
      timezone: 'UTC',
      anchorDay: 1,
      currency: 'USD',
      graceMinutes: 60,
      effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      createdBy: 'alert-test',
    });
  });
}

describe('UsageAlertEvaluator', () => {
  const MID_MARCH = new Date('2026-03-20T00:00:00Z');
  const MARCH = { id: '2026-03', start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' };

  it('fires once when units reach the threshold, with four evaluators racing, and never below it', async () => {
    const t = await fixtures.newTenant();
    const ruleId = await newRule(t, { name: 'Reads this month', metric: 'units', threshold: '3' });
    await usage(t.echo, '2026-03-02T10:00:00Z', { times: 2 });
    await usage(t.echo, '2026-03-02T10:00:00Z', { environment: 'sandbox', times: 5 }); // never billable: does not count
    await evaluator().evaluateOnce(MID_MARCH);
    expect(await crossedEvents(t.tenant.id)).toEqual([]);

    await usage(t.echo, '2026-03-03T10:00:00Z');
    await Promise.all([evaluator(), evaluator(), evaluator(), app.get(UsageAlertEvaluator)].map((e) => e.evaluateOnce(MID_MARCH)));
    await evaluator().evaluateOnce(MID_MARCH); // and a later round (a restart) finds it fired
    const events = await crossedEvents(t.tenant.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual(
      expect.objectContaining({
        type: 'usage.threshold_crossed',
        version: 1,
        tenantId: t.tenant.id,
        connectionId: null,
        data: { ruleId, ruleName: 'Reads this month', metric: 'units', threshold: '3', value: '3', period: MARCH },
      }),
    );
    expect(await app.get(UsageAlertRepository).firings(t.tenant.id, ruleId)).toEqual([
      expect.objectContaining({ ruleId, periodStart: new Date(MARCH.start), value: '3', eventId: events[0]!.id }),
    ]);
    const listed = await api('get', `/v1/usage/alerts?tenantId=${t.tenant.id}`, operator);
    expect(listed.body.data[0].lastFiring).toEqual({ periodStart: MARCH.start, value: '3', eventId: events[0]!.id, firedAt: expect.any(String) });
  });

  it('fires again in the next period, once that period reaches the threshold', async () => {
    const t = await fixtures.newTenant();
    await newRule(t, { name: 'Reads', metric: 'units', threshold: '2' });
    await usage(t.echo, '2026-03-05T10:00:00Z', { times: 2 });
    await evaluator().evaluateOnce(MID_MARCH);
    const april = new Date('2026-04-10T00:00:00Z');
    await evaluator().evaluateOnce(april);
    expect(await crossedEvents(t.tenant.id)).toHaveLength(1); // April has no usage yet
    await usage(t.echo, '2026-04-02T10:00:00Z', { times: 2 });
    await evaluator().evaluateOnce(april);
    await evaluator().evaluateOnce(april);
    const periods = (await crossedEvents(t.tenant.id)).map((e) => (e.data as { period: { id: string } }).period.id);
    expect(periods).toEqual(['2026-03', '2026-04']);
  });

  it('narrows to a connection and a class, and counts adjustments: a voided call no longer counts', async () => {
    const t = await fixtures.newTenant();
    const lab = await app.get(ConnectionService).create(t.tenant.id, { name: 'Lab', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `LAB-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
    const labRule = await newRule(t, { name: 'Lab messages', metric: 'units', threshold: '2', connectionId: lab.id });
    const searchRule = await newRule(t, { name: 'Searches', metric: 'units', threshold: '2', class: 'fhir.search' });
    await usage(t.echo, '2026-03-06T10:00:00Z', { times: 5 }); // reads on another connection: neither rule
    await usage(lab, '2026-03-06T10:00:00Z', { operation: 'message.in', times: 2 });
    const searches = await usage(t.echo, '2026-03-06T10:00:00Z', { operation: 'search', times: 2 });
    const voided = await api('post', '/v1/usage/adjustments', operator, { tenantId: t.tenant.id, transactionIds: [searches[0]], action: 'void', reason: 'duplicate page' }).set('idempotency-key', randomUUID());
    expect(voided.status).toBe(201);
    await evaluator().evaluateOnce(MID_MARCH);
    const events = await crossedEvents(t.tenant.id);
    expect(events.map((e) => (e.data as { ruleId: string }).ruleId)).toEqual([labRule]);
    expect(events[0]).toEqual(expect.objectContaining({ connectionId: lab.id, data: expect.objectContaining({ connectionId: lab.id, value: '2' }) }));
    expect(await app.get(UsageAlertRepository).firings(t.tenant.id, searchRule)).toEqual([]);
  });

  it('a deleted rule does not fire', async () => {
    const t = await fixtures.newTenant();
    const ruleId = await newRule(t, { name: 'Reads', metric: 'units', threshold: '1' });
    expect((await api('delete', `/v1/usage/alerts/${ruleId}?tenantId=${t.tenant.id}`, operator)).status).toBe(204);
    await usage(t.echo, '2026-03-07T10:00:00Z');
    await evaluator().evaluateOnce(MID_MARCH);
    expect(await crossedEvents(t.tenant.id)).toEqual([]);
  });

  it('percent of included units: 7 of 10 included reads is below 80 %, 8 reaches it (value 80.00)', async () => {
    const t = await fixtures.newTenant();
    await withPlan(t, [{ class: 'fhir.read', model: 'unit', unitPrice: '0.01', includedUnits: 10 }]);
    const ruleId = await newRule(t, { name: 'Included reads', metric: 'includedPercent', threshold: '80', class: 'fhir.read' });
    await usage(t.echo, '2026-03-08T10:00:00Z', { times: 7 });
    await evaluator().evaluateOnce(MID_MARCH);
    expect(await crossedEvents(t.tenant.id)).toEqual([]);
    await usage(t.echo, '2026-03-08T11:00:00Z');
    await evaluator().evaluateOnce(MID_MARCH);
    expect((await crossedEvents(t.tenant.id)).map((e) => e.data)).toEqual([
      { ruleId, ruleName: 'Included reads', metric: 'includedPercent', threshold: '80', value: '80.00', period: MARCH, class: 'fhir.read' },
    ]);
  });

  describe('amounts (from the spend source: the invoice preview)', () => {
    const spend = (total: string, lines: CurrentSpend['lines']): AlertSpendSource => ({
      currentSpend: () => Promise.resolve({ period: { id: MARCH.id, start: new Date(MARCH.start), end: new Date(MARCH.end) }, total, lines }),
    });
    const preview = spend('120.00', [
      { class: 'fhir.read', amount: '100.00' },
      { class: 'fhir.search', amount: '20.00' },
      { class: null, amount: '0.00' },
    ]);

    it('amount: the total, or one class’s lines', async () => {
      const t = await fixtures.newTenant();
      const total = await newRule(t, { name: 'Spend', metric: 'amount', threshold: '120' });
      const reads = await newRule(t, { name: 'Read spend', metric: 'amount', threshold: '100.00', class: 'fhir.read' });
      await newRule(t, { name: 'Search spend', metric: 'amount', threshold: '20.01', class: 'fhir.search' });
      await evaluator(preview).evaluateOnce(MID_MARCH);
      const byRule = Object.fromEntries((await crossedEvents(t.tenant.id)).map((e) => [(e.data as { ruleId: string }).ruleId, (e.data as { value: string }).value]));
      expect(byRule).toEqual({ [total]: '120.00', [reads]: '100.00' });
    });

    it('projected spend: $120 after 10 of 31 days projects $372.00; not evaluated in the first day', async () => {
      const t = await fixtures.newTenant();
      const ruleId = await newRule(t, { name: 'Projected', metric: 'projectedSpend', threshold: '372' });
      await newRule(t, { name: 'Projected high', metric: 'projectedSpend', threshold: '372.01' });
      await evaluator(spend('50.00', [])).evaluateOnce(new Date(new Date(MARCH.start).getTime() + DAY - 1)); // $50 in the first day would "project" $1,550
      expect(await crossedEvents(t.tenant.id)).toEqual([]);
      await evaluator(preview).evaluateOnce(new Date(new Date(MARCH.start).getTime() + 10 * DAY));
      expect((await crossedEvents(t.tenant.id)).map((e) => e.data)).toEqual([
        { ruleId, ruleName: 'Projected', metric: 'projectedSpend', threshold: '372', value: '372.00', period: MARCH },
      ]);
    });

    it('with the real invoice preview: 9 reads at $0.50 ($4.50) are below $5, the 10th reaches it', async () => {
      const t = await fixtures.newTenant();
      await withPlan(t, [{ class: 'fhir.read', model: 'unit', unitPrice: '0.50' }]);
      const ruleId = await newRule(t, { name: 'Five dollars', metric: 'amount', threshold: '5' });
      await usage(t.echo, '2026-03-10T10:00:00Z', { times: 9 });
      await app.get(UsageAlertEvaluator).evaluateOnce(MID_MARCH);
      expect(await crossedEvents(t.tenant.id)).toEqual([]);
      await usage(t.echo, '2026-03-10T11:00:00Z');
      await app.get(UsageAlertEvaluator).evaluateOnce(MID_MARCH);
      expect((await crossedEvents(t.tenant.id)).map((e) => e.data)).toEqual([
        { ruleId, ruleName: 'Five dollars', metric: 'amount', threshold: '5', value: '5.00', period: MARCH },
      ]);
    });

    it('without a spend source, amount rules wait (nothing fires)', async () => {
      const t = await fixtures.newTenant();
      await newRule(t, { name: 'Spend', metric: 'amount', threshold: '0.01' });
      await evaluator(null).evaluateOnce(MID_MARCH);
      expect(await crossedEvents(t.tenant.id)).toEqual([]);
    });
  });

  it('the event is delivered once as a signed webhook to an endpoint subscribed to usage.threshold_crossed', async () => {
    const t = await fixtures.newTenant();
    const key = (await app.get(ApiKeyService).create(t.actor(), t.tenant.id, { name: 'all' })).key;
    const endpoint = await api('post', '/v1/webhook-endpoints', key, { url: receiver.url(`/alerts-${t.tenant.id}`), eventTypes: ['usage.threshold_crossed'] });
    expect(endpoint.status).toBe(201);
    const ruleId = await newRule(t, { name: 'First read', metric: 'units', threshold: '1' });
    await usage(t.echo, '2026-03-09T10:00:00Z');
    await Promise.all([evaluator().evaluateOnce(MID_MARCH), evaluator().evaluateOnce(MID_MARCH)]);

    const mine = () => receiver.received.filter((r) => r.path === `/alerts-${t.tenant.id}`);
    const until = Date.now() + 15_000;
    while (mine().length === 0 && Date.now() < until) {
      await app.get(WebhookRelay).step();
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 5; i++) await app.get(WebhookRelay).step(); // nothing more to deliver
    await new Promise((r) => setTimeout(r, 300));
    expect(mine()).toHaveLength(1);
    const [delivered] = mine();
    expect(delivered!.headers['webhook-signature']).toMatch(/^v1,/);
    const body = JSON.parse(delivered!.body) as { type: string; data: Record<string, unknown> };
    expect(body.type).toBe('usage.threshold_crossed');
    expect(body.data).toEqual({ ruleId, ruleName: 'First read', metric: 'units', threshold: '1', value: '1', period: MARCH });
  }, 30_000);
});
