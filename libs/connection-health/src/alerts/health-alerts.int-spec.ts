import type { TestingModule } from '@nestjs/testing';
import { APP_CONFIG } from '@sb/config';
import {
  ConnectionHealthRepository,
  ConnectionRepository,
  Database,
  HealthAlertRepository,
  PrismaService,
  unwrapTx,
  type Connection,
  type DueConnection,
} from '@sb/db';
import { EventWriter } from '@sb/events';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ConnectionHealthModule } from '../connection-health.module';
import { ConnectionHealthMonitor } from '../connection-health.monitor';
import { HealthProbe } from '../health-probe';
import { HealthAlertEvaluator } from './health-alert-evaluator';
import { HealthAlertRulesService } from './health-alert-rules.service';
import type { CreateHealthAlertRuleInput } from './health-alert-rule.schemas';

/** A FHIR server whose `metadata` answers what the test says (500s are not retried: one check, one request). */
class FlakyFhirServer {
  status = 200;
  private server!: Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
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

/**
 * The real repository, except that a round claims only the connections this file queued. Test
 * files share the run's database, and another file's monitor claims every due connection: this
 * file's connections are therefore never due (their `nextCheckAt` is far ahead), and its monitors
 * never claim another file's.
 */
class QueuedConnections extends ConnectionHealthRepository {
  private queue: Connection[] = [];
  /** Awaited after reading the states and before checking: lets two workers read the same state. */
  claimed: () => Promise<void> = () => Promise.resolve();

  enqueue(connection: Connection): void {
    this.queue.push(connection);
  }

  override async claimDue(): Promise<DueConnection[]> {
    const batch = this.queue.splice(0);
    const due: DueConnection[] = [];
    for (const c of batch) {
      const state = (await this.states(c.tenantId, [c.id])).get(c.id);
      if (state) due.push({ ...state, vendor: c.vendor });
    }
    await this.claimed();
    return due;
  }
}

/** Resolves for everyone once `parties` callers have arrived. */
const barrier = (parties: number): (() => Promise<void>) => {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived += 1;
    if (arrived === parties) release();
    return all;
  };
};

const NEVER_DUE = new Date('2100-01-01T00:00:00Z');
const prefix = testRedisPrefix('health-alerts');
let app: TestingModule;
let fhir: FlakyFhirServer;
let rulesService: HealthAlertRulesService;
let tenantId: string;
let otherTenantId: string;
const newTenant = async (): Promise<string> => (await new Fixtures(app).newTenant()).tenant.id;

/** A monitor of another worker: its own instance (and claim queue) over the same database. */
const newMonitor = () => {
  const health = new QueuedConnections(app.get(PrismaService));
  const monitor = new ConnectionHealthMonitor(
    app.get(APP_CONFIG),
    app.get(Database),
    health,
    app.get(ConnectionRepository),
    app.get(HealthProbe),
    app.get(EventWriter),
    app.get(HealthAlertEvaluator),
  );
  return { health, monitor };
};
let worker: ReturnType<typeof newMonitor>;

beforeAll(async () => {
  app = await createTestingApp([TenancyModule, ConnectionHealthModule], { SB_REDIS_PREFIX: prefix, SB_HEALTH_CHECK_SECONDS: '60' });
  rulesService = app.get(HealthAlertRulesService);
  fhir = new FlakyFhirServer();
  await fhir.start();
  otherTenantId = await newTenant();
  worker = newMonitor();
});
// Each test its own tenant: a rule for all of a tenant's connections would see the other tests'.
beforeEach(async () => {
  tenantId = await newTenant();
});
afterAll(async () => {
  await fhir.close();
  await app.close();
  await deleteRedisKeys(prefix);
});

/** A live FHIR connection on the flaky server, with its health state row (never due for another file's monitor). */
const newConnection = (tenant = tenantId): Promise<Connection> =>
  app.get(Database).transaction(async (tx) => {
    const connection = await app.get(ConnectionRepository).create(tx, tenant, {
      name: `fhir ${randomUUID().slice(0, 6)}`,
      vendor: 'fhir',
      environment: 'sandbox',
      status: 'live',
      fhirBaseUrl: fhir.baseUrl,
    });
    await unwrapTx(tx).$executeRaw`
      INSERT INTO "ConnectionHealthState" ("connectionId", "tenantId", "nextCheckAt") VALUES (${connection.id}::uuid, ${tenant}::uuid, ${NEVER_DUE})`;
    return connection;
  });

/** One check of the connection at `now` with the server answering `status`. */
const checkAt = async (connection: Connection, status: number, now: Date, monitor = worker): Promise<void> => {
  fhir.status = status;
  monitor.health.enqueue(connection);
  expect(await monitor.monitor.checkDue(now)).toBe(1);
};

const rule = async (input: Partial<CreateHealthAlertRuleInput> & Pick<CreateHealthAlertRuleInput, 'to'>, tenant = tenantId): Promise<string> =>
  (await rulesService.create(tenant, { name: `rule ${randomUUID().slice(0, 6)}`, connectionIds: [], ...input })).id;

const alertsOf = (connection: Connection) =>
  app.get(Database).transaction(
    (tx) => unwrapTx(tx).$queryRaw<{ id: string; tenantId: string; data: Record<string, unknown> }[]>`
      SELECT "id"::text AS id, "tenantId"::text AS "tenantId", "data" FROM "Event"
      WHERE "connectionId" = ${connection.id}::uuid AND "type" = 'connection.health_alert' ORDER BY "seq"`,
  );

const firingsOf = (ruleId: string, tenant = tenantId) => app.get(HealthAlertRepository).firings(tenant, ruleId, 100);

const minute = 60_000;

describe('health alert rules, evaluated by the monitor in the transition’s transaction', () => {
  it('alerts once per matching rule and transition: never for the baseline, another connection’s rule or another tenant’s', async () => {
    const lab = await newConnection();
    const pharmacy = await newConnection();
    const allDown = await rule({ name: 'all down', to: ['down'] });
    const labDegradedOrBack = await rule({ name: 'lab degraded or back', connectionIds: [lab.id], to: ['degraded', 'healthy'] });
    const pharmacyDown = await rule({ name: 'pharmacy down', connectionIds: [pharmacy.id], to: ['down', 'degraded'] });
    const elsewhere = await rule({ name: 'theirs', to: ['down', 'degraded', 'healthy'] }, otherTenantId);

    const t0 = Date.parse('2026-06-01T12:00:00Z');
    await checkAt(lab, 200, new Date(t0)); // unknown → healthy: the baseline, not a recovery
    await checkAt(lab, 500, new Date(t0 + minute)); // → degraded
    await checkAt(lab, 500, new Date(t0 + 2 * minute)); // → down
    await checkAt(lab, 500, new Date(t0 + 3 * minute)); // still down: no transition
    await checkAt(lab, 200, new Date(t0 + 4 * minute)); // → healthy
    await checkAt(lab, 200, new Date(t0 + 5 * minute)); // still healthy

    const changes = (await app.get(ConnectionHealthRepository).changes(tenantId, lab.id, 10)).reverse();
    expect(changes.map((c) => c.to)).toEqual(['healthy', 'degraded', 'down', 'healthy']);
    const [, degraded, down, back] = changes;
    const alerts = await alertsOf(lab);
    expect(alerts.map((e) => e.data)).toEqual([
      { ruleId: labDegradedOrBack, ruleName: 'lab degraded or back', connectionId: lab.id, status: 'degraded', previousStatus: 'healthy', reason: 'check_failed', errorCode: 'http_500' },
      { ruleId: allDown, ruleName: 'all down', connectionId: lab.id, status: 'down', previousStatus: 'degraded', reason: 'check_failed', errorCode: 'http_500' },
      { ruleId: labDegradedOrBack, ruleName: 'lab degraded or back', connectionId: lab.id, status: 'healthy', previousStatus: 'down', reason: 'check_passed', errorCode: null },
    ]);
    expect(alerts.every((e) => e.tenantId === tenantId)).toBe(true);

    // Each firing names its change and the event it appended.
    expect(await firingsOf(allDown)).toEqual([{ ruleId: allDown, changeId: down!.id, connectionId: lab.id, status: 'down', suppressed: false, eventId: alerts[1]!.id, at: down!.at }]);
    expect((await firingsOf(labDegradedOrBack)).map((f) => [f.changeId, f.status, f.suppressed, f.eventId])).toEqual([
      [back!.id, 'healthy', false, alerts[2]!.id],
      [degraded!.id, 'degraded', false, alerts[0]!.id],
    ]);
    expect(await firingsOf(pharmacyDown)).toEqual([]);
    expect(await firingsOf(elsewhere, otherTenantId)).toEqual([]);
    expect(await alertsOf(pharmacy)).toEqual([]);
  });

  it('within a rule’s quiet hours (its own time zone, across midnight) records the firing as suppressed and sends nothing; other rules still alert', async () => {
    const connection = await newConnection();
    const nightQuiet = await rule({ name: 'quiet at night', connectionIds: [connection.id], to: ['degraded', 'down'], quietHours: { from: '22:00', to: '07:00', timezone: 'America/New_York' } });
    const always = await rule({ name: 'always', connectionIds: [connection.id], to: ['degraded'] });

    await checkAt(connection, 200, new Date('2026-07-01T02:00:00Z')); // 22:00 EDT: baseline
    await checkAt(connection, 500, new Date('2026-07-01T03:00:00Z')); // 23:00 EDT: degraded, quiet
    await checkAt(connection, 200, new Date('2026-07-01T10:30:00Z')); // 06:30 EDT: healthy (not a status the rules watch)
    await checkAt(connection, 500, new Date('2026-07-01T10:59:00Z')); // 06:59 EDT: degraded, quiet (after midnight)
    await checkAt(connection, 500, new Date('2026-07-01T11:00:00Z')); // 07:00 EDT: down, no longer quiet

    const alerts = await alertsOf(connection);
    expect(alerts.map((e) => [e.data.ruleName, e.data.status])).toEqual([
      ['always', 'degraded'],
      ['always', 'degraded'],
      ['quiet at night', 'down'],
    ]);
    const quiet = (await firingsOf(nightQuiet)).reverse();
    expect(quiet.map((f) => [f.status, f.suppressed, f.eventId === null, f.at.toISOString()])).toEqual([
      ['degraded', true, true, '2026-07-01T03:00:00.000Z'],
      ['degraded', true, true, '2026-07-01T10:59:00.000Z'],
      ['down', false, false, '2026-07-01T11:00:00.000Z'],
    ]);
    expect(quiet[2]!.eventId).toBe(alerts[2]!.id);
    expect((await firingsOf(always)).every((f) => !f.suppressed && f.eventId !== null)).toBe(true);
  });

  it('two workers checking the same connection at once: one change, one alert per rule', async () => {
    const connection = await newConnection();
    const ruleId = await rule({ connectionIds: [connection.id], to: ['degraded'] });
    const [first, second] = [newMonitor(), newMonitor()];
    await checkAt(connection, 200, new Date('2026-08-01T12:00:00Z'));
    fhir.status = 500;
    first.health.enqueue(connection);
    second.health.enqueue(connection);
    // Both read the connection healthy before either records what it saw.
    first.health.claimed = second.health.claimed = barrier(2);
    const now = new Date('2026-08-01T12:01:00Z');
    expect(await Promise.all([first.monitor.checkDue(now), second.monitor.checkDue(now)])).toEqual([1, 1]);

    expect((await app.get(ConnectionHealthRepository).changes(tenantId, connection.id, 10)).map((c) => c.to)).toEqual(['degraded', 'healthy']);
    expect((await alertsOf(connection)).map((e) => e.data.ruleId)).toEqual([ruleId]);
    expect(await firingsOf(ruleId)).toHaveLength(1);
  });

  it('the (rule, change) firing makes an alert once-only, even when one change is evaluated twice at once', async () => {
    const connection = await newConnection();
    await checkAt(connection, 200, new Date('2026-08-02T12:00:00Z'));
    await checkAt(connection, 500, new Date('2026-08-02T12:01:00Z'));
    const [change] = await app.get(ConnectionHealthRepository).changes(tenantId, connection.id, 1);
    // A rule created after the change: nothing fired it yet, so two evaluations race for it.
    const ruleId = await rule({ connectionIds: [connection.id], to: ['degraded'] });
    const evaluator = app.get(HealthAlertEvaluator);
    const evaluate = () =>
      app.get(Database).transaction((tx) => evaluator.evaluate(tx, { tenantId, connectionId: connection.id, changeId: change!.id, transition: change!, at: change!.at }));
    const outcomes = await Promise.all([evaluate(), evaluate(), evaluate()]);
    expect(outcomes.map((o) => o.alerted).sort()).toEqual([0, 0, 1]);
    expect((await alertsOf(connection)).map((e) => e.data.ruleId)).toEqual([ruleId]);
    expect(await firingsOf(ruleId)).toHaveLength(1);
    // And later, sequentially: found, nothing written.
    expect(await evaluate()).toEqual({ alerted: 0, suppressed: 0 });
    expect(await alertsOf(connection)).toHaveLength(1);
  });

  it('a deleted rule stops alerting; an updated one applies from the next transition', async () => {
    const connection = await newConnection();
    const deleted = await rule({ connectionIds: [connection.id], to: ['degraded', 'down'] });
    const updated = await rule({ connectionIds: [connection.id], to: ['healthy'] });
    await rulesService.remove(tenantId, deleted);
    await rulesService.update(tenantId, updated, { to: ['down'] });
    await checkAt(connection, 200, new Date('2026-08-03T12:00:00Z'));
    await checkAt(connection, 500, new Date('2026-08-03T12:01:00Z'));
    await checkAt(connection, 500, new Date('2026-08-03T12:02:00Z'));
    expect((await alertsOf(connection)).map((e) => [e.data.ruleId, e.data.status])).toEqual([[updated, 'down']]);
    expect(await firingsOf(deleted)).toEqual([]);
  });
});
