import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, planRowsRead } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '../prisma.service';
import { HL7_INBOUND_CLAIM_SQL, HL7_INBOUND_COMPLETE_MANY_SQL, HL7_INBOUND_COMPLETE_SQL } from './hl7-inbound.repository';

/** `$4` messages of one connection (`$1` tenant, `$2` connection) in status `$3`. */
const MESSAGES_SQL = `
  INSERT INTO "Hl7InboundMessage" ("id", "tenantId", "connectionId", "controlId", "messageType", "version", "sendingApplication", "sendingFacility", "raw", "status", "ack", "ackCode", "patientKey")
  SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3 || i, 'ADT^A08', '2.5.1', 'APP', 'FAC', 'MSH|^~\\&|', $3::"Hl7InboundStatus", 'ACK', 'AA', 'MR|' || (i % 500)
  FROM generate_series(1, $4::int) i`;

/** Waiting messages of the given ids (`$3`), as a claim would have leased them (attempts 0). */
const KNOWN_SQL = `
  INSERT INTO "Hl7InboundMessage" ("id", "tenantId", "connectionId", "controlId", "messageType", "version", "sendingApplication", "sendingFacility", "raw", "status", "ack", "ackCode")
  SELECT id, $1::uuid, $2::uuid, id::text, 'ADT^A08', '2.5.1', 'APP', 'FAC', 'MSH|^~\\&|', 'received', 'ACK', 'AA' FROM unnest($3::uuid[]) id`;

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
    // The statistics the planner has are taken over processed history (enough of it that reading the table is no
    // plan's cheap way); the burst comes after them, inside the transaction each statement is explained in and
    // rolled back with, so no other suite's worker ever sees it waiting.
    await prisma.$executeRawUnsafe(MESSAGES_SQL, tenant.id, echo.id, 'processed', 30_000);
    await prisma.$executeRawUnsafe('ANALYZE "Hl7InboundMessage"');
    const BURST = 3_000;
    const leased = Array.from({ length: 32 }, () => randomUUID());
    const setup = [
      { sql: MESSAGES_SQL, values: [tenant.id, echo.id, 'received', BURST] },
      { sql: KNOWN_SQL, values: [tenant.id, echo.id, leased] },
    ];

    // Other suites' waiting messages may be in the window too: the claim reads its window, never the whole burst.
    expect(await planRowsRead(prisma, HL7_INBOUND_CLAIM_SQL, [256, 32, 60_000], 'Hl7InboundMessage', setup)).toBeLessThan(BURST / 4);
    const document = JSON.stringify(leased.map((id) => ({ id, attempt: 0, ack: null, resources: [] })));
    expect(await planRowsRead(prisma, HL7_INBOUND_COMPLETE_MANY_SQL, [document], 'Hl7InboundMessage', setup)).toBeLessThan(BURST / 4);
    expect(await planRowsRead(prisma, HL7_INBOUND_COMPLETE_SQL, [leased[0], 'processed', null, null, '[]', 0], 'Hl7InboundMessage', setup)).toBeLessThan(BURST / 4);
  });
});
