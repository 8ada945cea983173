import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, planRowsRead } from '@sb/testing';
import { PrismaService } from '../prisma.service';
import { HL7_OUTBOUND_CLAIM_SQL } from './hl7-outbound.repository';

/** `$4` outbound messages of one connection (`$1` tenant, `$2` connection) in status `$3`. */
const MESSAGES_SQL = `
  INSERT INTO "Hl7OutboundMessage" ("id", "tenantId", "connectionId", "controlId", "messageType", "sourceRef", "raw", "status")
  SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3 || i, 'ORM^O01', 'ServiceRequest/' || i, 'MSH|^~\\&|', $3::"Hl7OutboundStatus"
  FROM generate_series(1, $4::int) i`;

describe('Hl7OutboundRepository claim (real Postgres)', () => {
  let app: TestingModule;
  let prisma: PrismaService;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  it('reads each connection’s head, not the orders queued behind a site that is down, even on statistics from before the queue', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    // Statistics over sent history; the queue comes after them, inside the transaction the claim is explained in and
    // rolled back with, so no other suite's dispatcher ever sees it.
    await prisma.$executeRawUnsafe(MESSAGES_SQL, tenant.id, echo.id, 'accepted', 30_000);
    await prisma.$executeRawUnsafe('ANALYZE "Hl7OutboundMessage"');
    const QUEUED = 3_000;
    const setup = [{ sql: MESSAGES_SQL, values: [tenant.id, echo.id, 'pending', QUEUED] }];
    expect(await planRowsRead(prisma, HL7_OUTBOUND_CLAIM_SQL, [32, 60_000], 'Hl7OutboundMessage', setup)).toBeLessThan(QUEUED / 4);
  });
});
