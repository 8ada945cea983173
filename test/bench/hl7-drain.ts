import type { PrismaService } from '@sb/db';

/**
 * Waits until no message of `connectionIds` waits to be processed (or `timeoutMs` passes), asking
 * Postgres directly every 100 ms: one query over the partial index of waiting messages, so the
 * check barely loads the database whose drain it times (the api's message log, filtered by status
 * per connection, passed over every other connection's backlog: 6 ms a call).
 */
export async function waitForHl7Drain(prisma: PrismaService, connectionIds: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await prisma.$queryRawUnsafe<{ waiting: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM "Hl7InboundMessage" WHERE "status" = 'received' AND "connectionId" = ANY($1::uuid[])) AS "waiting"`,
      connectionIds,
    );
    if (!row?.waiting) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
