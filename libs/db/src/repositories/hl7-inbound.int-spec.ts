import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, planRowsRead } from '@sb/testing';
import { PrismaService } from '../prisma.service';
import { CLAIM_SQL, COMPLETE_MANY_SQL } from './hl7-inbound.repository';

describe('Hl7InboundRepository claim and completion (real Postgres)', () => {
  let app: TestingModule;
  let prisma: PrismaService;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  it('read the messages they lease and complete, not a burst waiting behind them, even on statistics from before the burst', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    const messages = (status: 'received' | 'processed', count: number) => prisma.$executeRawUnsafe(
      `INSERT INTO "Hl7InboundMessage" ("id", "tenantId", "connectionId", "controlId", "messageType", "version", "sendingApplication", "sendingFacility", "raw", "status", "ack", "ackCode", "patientKey")
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3 || i, 'ADT^A08', '2.5.1', 'APP', 'FAC', 'MSH|^~\\&|', $3::"Hl7InboundStatus", 'ACK', 'AA', 'MR|' || (i % 500)
       FROM generate_series(1, $4::int) i`,
      tenant.id, echo.id, status, count,
    );
    // The statistics the planner has are taken over processed history (enough of it that reading the table is no plan's cheap way); the burst comes after them.
    await messages('processed', 30_000);
    await prisma.$executeRawUnsafe('ANALYZE "Hl7InboundMessage"');
    const BURST = 3_000;
    await messages('received', BURST);

    // Other suites' waiting messages may be in the window too: the claim reads its window, never the whole burst.
    expect(await planRowsRead(prisma, CLAIM_SQL, [256, 32, 60_000], 'Hl7InboundMessage')).toBeLessThan(BURST / 4);

    const heads = await prisma.$queryRawUnsafe<{ id: string; attempts: number }[]>(
      `SELECT "id", "attempts" FROM "Hl7InboundMessage" WHERE "connectionId" = $1::uuid AND "status" = 'received' ORDER BY "seq" LIMIT 32`,
      echo.id,
    );
    const document = JSON.stringify(heads.map((h) => ({ id: h.id, attempt: h.attempts, ack: null, resources: [] })));
    expect(await planRowsRead(prisma, COMPLETE_MANY_SQL, [document], 'Hl7InboundMessage')).toBeLessThan(BURST / 4);
  });
});
