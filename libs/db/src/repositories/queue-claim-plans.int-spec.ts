import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, planRowsRead } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '../prisma.service';
import { HL7_INBOUND_CLAIM_SQL, HL7_INBOUND_COMPLETE_MANY_SQL, HL7_INBOUND_COMPLETE_SQL } from './hl7-inbound.repository';
import { HL7_OUTBOUND_CLAIM_SQL } from './hl7-outbound.repository';
import { WEBHOOK_CLAIM_DUE_SQL } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

/** `$4` messages of one connection (`$1` tenant, `$2` connection) in status `$3`. */
const INBOUND_SQL = `
  INSERT INTO "Hl7InboundMessage" ("id", "tenantId", "connectionId", "controlId", "messageType", "version", "sendingApplication", "sendingFacility", "raw", "status", "ack", "ackCode", "patientKey")
  SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3 || i, 'ADT^A08', '2.5.1', 'APP', 'FAC', 'MSH|^~\\&|', $3::"Hl7InboundStatus", 'ACK', 'AA', 'MR|' || (i % 500)
  FROM generate_series(1, $4::int) i`;

/** Waiting messages of the given ids (`$3`), as a claim would have leased them (attempts 0). */
const KNOWN_SQL = `
  INSERT INTO "Hl7InboundMessage" ("id", "tenantId", "connectionId", "controlId", "messageType", "version", "sendingApplication", "sendingFacility", "raw", "status", "ack", "ackCode")
  SELECT id, $1::uuid, $2::uuid, id::text, 'ADT^A08', '2.5.1', 'APP', 'FAC', 'MSH|^~\\&|', 'received', 'ACK', 'AA' FROM unnest($3::uuid[]) id`;

/** `$4` outbound messages of one connection (`$1` tenant, `$2` connection) in status `$3`. */
const OUTBOUND_SQL = `
  INSERT INTO "Hl7OutboundMessage" ("id", "tenantId", "connectionId", "controlId", "messageType", "sourceRef", "raw", "status")
  SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3 || i, 'ORM^O01', 'ServiceRequest/' || i, 'MSH|^~\\&|', $3::"Hl7OutboundStatus"
  FROM generate_series(1, $4::int) i`;

/**
 * `$3` relayed events of tenant `$1`, each with a delivery to endpoint `$2` in status `$4`, the first `$5` of them
 * leased for an hour.
 */
const DELIVERIES_SQL = `
  WITH e AS (
    INSERT INTO "Event" ("id", "tenantId", "type", "data", "relayedAt")
    SELECT gen_random_uuid(), $1::uuid, 'patient.updated', '{}', now() FROM generate_series(1, $3::int)
    RETURNING "id"
  )
  INSERT INTO "WebhookDelivery" ("id", "tenantId", "endpointId", "eventId", "status", "leaseUntil")
  SELECT gen_random_uuid(), $1::uuid, $2::uuid, e."id", $4::"WebhookDeliveryStatus", CASE WHEN row_number() OVER () <= $5::int THEN now() + interval '1 hour' END FROM e`;

/**
 * Each queue's claim (and completion) on statistics taken before its backlog: the planner must not read an index over
 * every waiting row as "a few rows" and walk the backlog per claim. Each test commits history, analyzes, and builds the
 * backlog inside the transaction its statement is explained in and rolled back with (no other suite ever sees it).
 */
describe('queue claims read what they hand out, not the backlog (real Postgres)', () => {
  let app: TestingModule;
  let prisma: PrismaService;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  it('HL7 inbound: the claim and the completions read the messages they lease and complete, not a burst waiting behind them, even on statistics from before the burst', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    // The statistics the planner has are taken over processed history (enough of it that reading the table is no
    // plan's cheap way); the burst comes after them, inside the transaction each statement is explained in and
    // rolled back with, so no other suite's worker ever sees it waiting.
    await prisma.$executeRawUnsafe(INBOUND_SQL, tenant.id, echo.id, 'processed', 30_000);
    await prisma.$executeRawUnsafe('ANALYZE "Hl7InboundMessage"');
    const BURST = 3_000;
    const leased = Array.from({ length: 32 }, () => randomUUID());
    const setup = [
      { sql: INBOUND_SQL, values: [tenant.id, echo.id, 'received', BURST] },
      { sql: KNOWN_SQL, values: [tenant.id, echo.id, leased] },
    ];

    // Other suites' waiting messages may be in the window too: the claim reads its window, never the whole burst.
    expect(await planRowsRead(prisma, HL7_INBOUND_CLAIM_SQL, [256, 32, 60_000], 'Hl7InboundMessage', setup)).toBeLessThan(BURST / 4);
    const document = JSON.stringify(leased.map((id) => ({ id, attempt: 0, ack: null, resources: [] })));
    expect(await planRowsRead(prisma, HL7_INBOUND_COMPLETE_MANY_SQL, [document], 'Hl7InboundMessage', setup)).toBeLessThan(BURST / 4);
    expect(await planRowsRead(prisma, HL7_INBOUND_COMPLETE_SQL, [leased[0], 'processed', null, null, '[]', 0], 'Hl7InboundMessage', setup)).toBeLessThan(BURST / 4);
  });

  it('HL7 outbound: the claim reads each connection’s head, not the orders queued behind a site that is down, even on statistics from before the queue', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    // Statistics over sent history; the queue comes after them, inside the transaction the claim is explained in and
    // rolled back with, so no other suite's dispatcher ever sees it.
    await prisma.$executeRawUnsafe(OUTBOUND_SQL, tenant.id, echo.id, 'accepted', 30_000);
    await prisma.$executeRawUnsafe('ANALYZE "Hl7OutboundMessage"');
    const QUEUED = 3_000;
    const setup = [{ sql: OUTBOUND_SQL, values: [tenant.id, echo.id, 'pending', QUEUED] }];
    expect(await planRowsRead(prisma, HL7_OUTBOUND_CLAIM_SQL, [32, 60_000], 'Hl7OutboundMessage', setup)).toBeLessThan(QUEUED / 4);
  });

  it('webhooks: the claim reads the rows it hands out, not the backlog behind an endpoint at its in-flight cap, even on statistics from before the backlog', async () => {
    const fixtures = new Fixtures(app);
    const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
    const endpoints = app.get(WebhookEndpointRepository);
    const newEndpoint = (tenantId: string) => endpoints.create(tenantId, { id: randomUUID(), url: 'https://hooks.example.com/in', eventTypes: ['*'], secretSealed: 'sealed' });
    const [healthy, hanging] = [await newEndpoint(a.tenant.id), await newEndpoint(b.tenant.id)];
    // The statistics the planner has are taken over delivered history (enough of it that reading the table is no
    // plan's cheap way); the backlog comes after them, as behind an endpoint that starts hanging, inside the
    // transaction the claim is explained in and rolled back with, so no other suite ever claims it.
    await prisma.$executeRawUnsafe(DELIVERIES_SQL, a.tenant.id, healthy.id, 30_000, 'succeeded', 0);
    await prisma.$executeRawUnsafe('ANALYZE "WebhookDelivery"');
    const BACKLOG = 10_000;
    const CAP = 32;
    const setup = [
      { sql: DELIVERIES_SQL, values: [b.tenant.id, hanging.id, BACKLOG, 'pending', CAP] },
      { sql: DELIVERIES_SQL, values: [a.tenant.id, healthy.id, 3, 'pending', 0] },
    ];
    // The claim's own statement under a lock key of its own. Other suites' due deliveries may be claimed too (a few
    // rows per endpoint); the hanging endpoint's backlog must not be walked.
    expect(await planRowsRead(prisma, WEBHOOK_CLAIM_DUE_SQL, [987_654_321, CAP, 1_000, 60_000], 'WebhookDelivery', setup)).toBeLessThan(BACKLOG / 4);
  });
});
