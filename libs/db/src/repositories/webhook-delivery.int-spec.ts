import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '../prisma.service';
import { CLAIM_DUE_SQL } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

/** A plan node of `EXPLAIN (ANALYZE, FORMAT JSON)`, as much of it as the test reads. */
interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans of `relation` read: those they returned and those they read and dropped. */
function rowsRead(node: PlanNode, relation: string): number {
  const own =
    node['Relation Name'] === relation
      ? node['Actual Rows'] * node['Actual Loops'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, relation), 0);
}

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

    // The claim's own statement, explained inside a transaction rolled back (its leases are not kept), under a lock key of its own.
    let plan: PlanNode | undefined;
    await prisma
      .$transaction(async (tx) => {
        const [row] = await tx.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_DUE_SQL}`, 987_654_321, CAP, 1_000, 60_000);
        plan = row?.['QUERY PLAN'][0].Plan;
        throw new Error('rollback');
      })
      .catch((e: unknown) => {
        if (!(e instanceof Error) || e.message !== 'rollback') throw e;
      });
    expect(plan).toBeDefined();
    // Other suites' pending deliveries may be claimed too; the hanging endpoint's backlog must not be walked.
    expect(rowsRead(plan as PlanNode, 'WebhookDelivery')).toBeLessThan(BACKLOG / 4);
  });
});
