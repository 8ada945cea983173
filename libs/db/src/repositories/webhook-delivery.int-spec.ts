import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, planRowsRead } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '../prisma.service';
import { CLAIM_DUE_SQL } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

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
    const deliveries = (tenantId: string, endpointId: string, count: number, leased: number) => prisma.$executeRawUnsafe(
      `WITH e AS (INSERT INTO "Event" ("id", "tenantId", "type", "data") SELECT gen_random_uuid(), $1::uuid, 'patient.updated', '{}' FROM generate_series(1, $3::int) RETURNING "id")
       INSERT INTO "WebhookDelivery" ("id", "tenantId", "endpointId", "eventId", "leaseUntil")
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, e."id", CASE WHEN row_number() OVER () <= $4::int THEN now() + interval '1 hour' END FROM e`,
      tenantId, endpointId, count, leased,
    );
    // The statistics the planner has are taken now; the backlog comes after them, as it does behind an endpoint that starts hanging.
    await prisma.$executeRawUnsafe('ANALYZE "WebhookDelivery"');
    const BACKLOG = 3_000;
    const CAP = 32;
    await deliveries(b.tenant.id, hanging.id, BACKLOG, CAP);
    await deliveries(a.tenant.id, healthy.id, 3, 0);

    // The claim's own statement (its leases rolled back), under a lock key of its own. Other suites' pending
    // deliveries may be claimed too; the hanging endpoint's backlog must not be walked.
    const read = await planRowsRead(prisma, CLAIM_DUE_SQL, [987_654_321, CAP, 1_000, 60_000], 'WebhookDelivery');
    expect(read).toBeLessThan(BACKLOG / 4);
  });
});
