import type { TestingModule } from '@nestjs/testing';
import { ConnectionHealthRepository, ConnectionRepository, Database, MllpPeerCertificateRepository, unwrapTx, type Connection } from '@sb/db';
import { APP_CONFIG } from '@sb/config';
import { EventWriter } from '@sb/events';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { VaultService } from '@sb/vault';
import { ConnectionHealthModule } from './connection-health.module';
import { ConnectionHealthMonitor } from './connection-health.monitor';
import { HealthProbe } from './health-probe';
import { HealthAlertEvaluator } from './alerts/health-alert-evaluator';
import { HealthAlertRulesService } from './alerts/health-alert-rules.service';

/** A FHIR server whose `metadata` answers what the test says (500s are not retried, so one check is one request). */
class FlakyFhirServer {
  status = 200;
  requests = 0;
  private server!: Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests += 1;
      if (req.url !== '/fhir/metadata') return void res.writeHead(404).end();
      if (this.status !== 200) return void res.writeHead(this.status, { 'content-type': 'application/json' }).end('{}');
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'CapabilityStatement', status: 'active' }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/fhir`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const prefix = testRedisPrefix('connection-health');
let app: TestingModule;
let monitor: ConnectionHealthMonitor;
let health: ConnectionHealthRepository;
let fhir: FlakyFhirServer;
let tenantId: string;
let otherTenantId: string;

beforeAll(async () => {
  app = await createTestingApp([TenancyModule, ConnectionHealthModule], { SB_REDIS_PREFIX: prefix, SB_HEALTH_CHECK_SECONDS: '60' });
  monitor = app.get(ConnectionHealthMonitor);
  health = app.get(ConnectionHealthRepository);
  fhir = new FlakyFhirServer();
  await fhir.start();
  tenantId = (await new Fixtures(app).newTenant()).tenant.id;
  otherTenantId = (await new Fixtures(app).newTenant()).tenant.id;
});
afterAll(async () => {
  await fhir.close();
  await app.close();
  await deleteRedisKeys(prefix);
});

const newConnection = (overrides: Partial<Connection> = {}, tenant = tenantId): Promise<Connection> =>
  app.get(Database).transaction((tx) =>
    app.get(ConnectionRepository).create(tx, tenant, {
      name: `fhir ${randomUUID().slice(0, 6)}`,
      vendor: 'fhir',
      environment: 'sandbox',
      status: 'live',
      fhirBaseUrl: fhir.baseUrl,
      ...overrides,
    }),
  );

/** Runs rounds at `now` until the connection has been checked (other tenants' connections share the rounds). */
const checkAt = async (connection: Connection, now: Date): Promise<void> => {
  for (let round = 0; round < 50; round += 1) {
    await monitor.checkDue(now);
    const state = (await health.states(connection.tenantId, [connection.id])).get(connection.id);
    if (state?.lastCheckAt?.getTime() === now.getTime()) return;
  }
  throw new Error('the connection was never checked');
};

const eventsOf = (connection: Connection) =>
  app.get(Database).transaction(
    (tx) => unwrapTx(tx).$queryRaw<{ id: string; data: Record<string, unknown> }[]>`
      SELECT "id"::text AS id, "data" FROM "Event" WHERE "connectionId" = ${connection.id}::uuid AND "type" = 'connection.health_changed' ORDER BY "seq"`,
  );

describe('the connection health monitor', () => {
  const minute = 60_000;
  const t0 = Date.now() + 3_600_000; // later than any row's nextCheckAt

  it('checks a live FHIR connection, and announces each status change once with its event', async () => {
    const connection = await newConnection();
    fhir.status = 200;
    await checkAt(connection, new Date(t0));
    fhir.status = 500;
    await checkAt(connection, new Date(t0 + minute));
    await checkAt(connection, new Date(t0 + 2 * minute));
    await checkAt(connection, new Date(t0 + 3 * minute));
    fhir.status = 200;
    await checkAt(connection, new Date(t0 + 4 * minute));

    const changes = (await health.changes(tenantId, connection.id, 10)).reverse();
    expect(changes.map((c) => [c.from, c.to, c.reason, c.errorCode])).toEqual([
      ['unknown', 'healthy', 'check_passed', null],
      ['healthy', 'degraded', 'check_failed', 'http_500'],
      ['degraded', 'down', 'check_failed', 'http_500'],
      ['down', 'healthy', 'check_passed', null],
    ]);
    const events = await eventsOf(connection);
    // The first healthy is the baseline: recorded, not announced.
    expect(events.map((e) => e.data)).toEqual([
      { connectionId: connection.id, status: 'degraded', previousStatus: 'healthy', healthy: false, reason: 'check_failed', errorCode: 'http_500' },
      { connectionId: connection.id, status: 'down', previousStatus: 'degraded', healthy: false, reason: 'check_failed', errorCode: 'http_500' },
      { connectionId: connection.id, status: 'healthy', previousStatus: 'down', healthy: true, reason: 'check_passed', errorCode: null },
    ]);
    expect(changes.map((c) => c.eventId)).toEqual([null, ...events.map((e) => e.id)]);
  });

  it('claims each due connection for one worker only: two monitors racing check it once and record one change', async () => {
    const connection = await newConnection();
    fhir.status = 200;
    const before = fhir.requests;
    // A second worker's monitor: its own instance over the same database.
    const second = new ConnectionHealthMonitor(app.get(APP_CONFIG), app.get(Database), health, app.get(ConnectionRepository), app.get(HealthProbe), app.get(EventWriter), app.get(HealthAlertEvaluator));
    const now = new Date(t0 + 10 * minute);
    // Racing rounds at one instant until this connection's turn comes (other suites' connections share the database).
    let state = (await health.states(tenantId, [connection.id])).get(connection.id);
    for (let round = 0; round < 50 && state?.lastCheckAt?.getTime() !== now.getTime(); round += 1) {
      await Promise.all([monitor.checkDue(now), second.checkDue(now)]);
      state = (await health.states(tenantId, [connection.id])).get(connection.id);
    }
    expect(state?.status).toBe('healthy');
    expect(await health.changes(tenantId, connection.id, 10)).toHaveLength(1);
    // This connection's check (and any other due ones): never two requests for one connection in one round.
    const checkedThisRound = fhir.requests - before;
    const dueFhirConnections = 2; // this one and the first test's
    expect(checkedThisRound).toBeLessThanOrEqual(dueFhirConnections);
  });

  it('degrades a busy connection whose real calls mostly fail, from the usage rollups', async () => {
    const connection = await newConnection();
    fhir.status = 200;
    const now = new Date(t0 + 20 * minute);
    await app.get(Database).transaction(
      (tx) => unwrapTx(tx).$executeRaw`
        INSERT INTO "UsageRollup" ("tenantId", "bucketStart", "connectionId", "vendor", "operation", "resourceType", "class", "environment", "outcome", "billable", "count", "units", "updatedAt")
        VALUES (${tenantId}::uuid, ${new Date(Math.floor(now.getTime() / (15 * minute)) * 15 * minute)}, ${connection.id}::uuid, 'fhir', 'read', 'Patient', 'fhir.read', 'sandbox', 'error', false, 30, 30, ${now}),
               (${tenantId}::uuid, ${new Date(Math.floor(now.getTime() / (15 * minute)) * 15 * minute)}, ${connection.id}::uuid, 'fhir', 'read', 'Patient', 'fhir.read', 'sandbox', 'success', false, 10, 10, ${now})`,
    );
    await checkAt(connection, now);
    const state = (await health.states(tenantId, [connection.id])).get(connection.id);
    expect(state).toMatchObject({ status: 'degraded', recentCalls: 40, recentErrors: 30, lastCheckOk: true });
    expect((await health.changes(tenantId, connection.id, 1))[0]).toMatchObject({ to: 'degraded', reason: 'error_rate' });
  });

  it('lists key pairs past their rotation age as expiring, and leaves draft connections and other tenants alone', async () => {
    const connection = await newConnection();
    const old = new Date(t0 - 170 * 86_400_000);
    await app.get(Database).transaction(
      (tx) => unwrapTx(tx).$executeRaw`
        INSERT INTO "ConnectionKey" ("kid", "tenantId", "connectionId", "alg", "publicJwk", "secretName", "status", "createdAt")
        VALUES (${`kid-${randomUUID()}`}, ${tenantId}::uuid, ${connection.id}::uuid, 'RS384', '{}'::jsonb, 'key-1', 'active', ${old})`,
    );
    const draft = await newConnection({ status: 'draft' });
    const elsewhere = await newConnection({}, otherTenantId);
    const checkedAt = new Date(t0 + 30 * minute);
    await checkAt(connection, checkedAt);
    // A round checks what is due in some order: wait for the other tenant's connection too (CI once read it unchecked).
    await checkAt(elsewhere, checkedAt);
    const state = (await health.states(tenantId, [connection.id, draft.id, elsewhere.id])).get(connection.id);
    expect(state?.expiresSoon).toEqual([{ kind: 'signing-key', name: expect.stringMatching(/^kid-/), at: new Date(old.getTime() + 180 * 86_400_000).toISOString() }]);
    expect((await health.states(tenantId, [draft.id])).size).toBe(0);
    // Tenant-scoped reads: another tenant's connection is not among this tenant's states.
    expect((await health.states(tenantId, [elsewhere.id])).size).toBe(0);
    expect((await health.states(otherTenantId, [elsewhere.id])).get(elsewhere.id)?.status).toBe('healthy');
  });

  it('lists vault secrets with an expiry and the certificates MLLP peers presented, soonest first; not far-off or superseded ones', async () => {
    const now = new Date(t0 + 40 * minute);
    const day = 86_400_000;
    const connection = await newConnection({ vendor: 'hl7v2', fhirBaseUrl: null, mllpClientCertSecretName: 'mllp-client' });
    const vault = app.get(VaultService);
    const actor = (await new Fixtures(app).newTenant()).actor();
    const ref = (name: string) => ({ tenantId, connectionId: connection.id, name });
    await vault.put(actor, ref('vendor-secret'), Buffer.from('v1'), { expiresAt: new Date(now.getTime() + 3 * day) });
    await vault.put(actor, ref('vendor-secret'), Buffer.from('v2'), { expiresAt: new Date(now.getTime() + 20 * day) }); // the rotation replaces the first
    await vault.put(actor, ref('far-off'), Buffer.from('v'), { expiresAt: new Date(now.getTime() + 90 * day) });
    await vault.put(actor, ref('mllp-client'), Buffer.from('pem'), { expiresAt: new Date(now.getTime() + 10 * day) });
    await app.get(MllpPeerCertificateRepository).recordSeen(tenantId, connection.id, 'outbound', 'AB:CD', new Date(now.getTime() + 5 * day));
    await app.get(MllpPeerCertificateRepository).recordSeen(tenantId, connection.id, 'inbound', 'EF:01', new Date(now.getTime() - day)); // already expired

    await checkAt(connection, now);
    const state = (await health.states(tenantId, [connection.id])).get(connection.id);
    const iso = (days: number) => new Date(now.getTime() + days * day).toISOString();
    expect(state?.expiresSoon).toEqual([
      { kind: 'mllp-peer-certificate', name: 'inbound EF:01', at: iso(-1) },
      { kind: 'mllp-peer-certificate', name: 'outbound AB:CD', at: iso(5) },
      { kind: 'tls-certificate', name: 'mllp-client', at: iso(10) },
      { kind: 'client-secret', name: 'vendor-secret', at: iso(20) },
    ]);
  });

  it('degrades a watched HL7 feed silent during its hours (announced once), and restores it on its next message', async () => {
    // All-day watch: the feed never sent anything since it was first checked.
    const feed = await newConnection({ vendor: 'hl7v2', fhirBaseUrl: null, hl7Silence: { minutes: 30, hours: null } });
    const unwatched = await newConnection({ vendor: 'hl7v2', fhirBaseUrl: null });
    const start = t0 + 60 * minute;
    await checkAt(feed, new Date(start));
    await checkAt(unwatched, new Date(start));
    expect((await health.states(tenantId, [feed.id])).get(feed.id)?.status).toBe('unknown');
    await checkAt(feed, new Date(start + 31 * minute));
    await checkAt(unwatched, new Date(start + 31 * minute));
    await checkAt(feed, new Date(start + 32 * minute));
    expect((await health.states(tenantId, [unwatched.id])).get(unwatched.id)?.status).toBe('unknown');

    // A message arrives (processed: counted in the usage rollups).
    const arrived = new Date(start + 33 * minute);
    await app.get(Database).transaction(
      (tx) => unwrapTx(tx).$executeRaw`
        INSERT INTO "UsageRollup" ("tenantId", "bucketStart", "connectionId", "vendor", "operation", "resourceType", "class", "environment", "outcome", "billable", "count", "units", "updatedAt")
        VALUES (${tenantId}::uuid, ${new Date(Math.floor(arrived.getTime() / (15 * minute)) * 15 * minute)}, ${feed.id}::uuid, 'hl7v2', 'message.in', 'ADT^A01', 'hl7.in', 'sandbox', 'success', false, 1, 1, ${arrived})`,
    );
    await checkAt(feed, new Date(start + 34 * minute));
    expect((await health.changes(tenantId, feed.id, 10)).reverse().map((c) => [c.from, c.to, c.reason, c.errorCode])).toEqual([
      ['unknown', 'degraded', 'no_messages', 'hl7_feed_silent'],
      ['degraded', 'healthy', 'traffic_ok', null],
    ]);
    expect((await eventsOf(feed)).map((e) => [e.data.status, e.data.reason])).toEqual([
      ['degraded', 'no_messages'],
      ['healthy', 'traffic_ok'],
    ]);
  });

  it('as the module builds it (the worker’s), applies the tenant’s alert rules to each transition', async () => {
    const connection = await newConnection();
    const rule = await app.get(HealthAlertRulesService).create(tenantId, { name: 'down', connectionIds: [connection.id], to: ['degraded'] });
    fhir.status = 200;
    const start = t0 + 120 * minute;
    await checkAt(connection, new Date(start));
    fhir.status = 500;
    await checkAt(connection, new Date(start + minute));
    fhir.status = 200;
    expect((await app.get(HealthAlertRulesService).firings(tenantId, rule.id)).map((f) => [f.connectionId, f.status, f.suppressed, typeof f.eventId])).toEqual([
      [connection.id, 'degraded', false, 'string'],
    ]);
  });
});
