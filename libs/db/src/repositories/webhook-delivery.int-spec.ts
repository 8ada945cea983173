import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, planRowsRead } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '../prisma.service';
import { WEBHOOK_CLAIM_DUE_SQL } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

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

describe('WebhookDeliveryRepository claim (real Postgres)', () => {
  let app: TestingModule;
  let prisma: PrismaService;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  it('reads the rows it hands out, not the backlog behind an endpoint at its in-flight cap, even on statistics from before the backlog', async () => {
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
