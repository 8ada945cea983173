import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { Database } from './database';
import { PrismaService } from './prisma.service';
import { EventRepository } from './repositories/event.repository';
import { queryIn } from './sql-transaction';

describe('Database.sqlTransaction (real Postgres)', () => {
  let app: TestingModule;
  let tenantId: string;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
    tenantId = (await new Fixtures(app).newTenant()).tenant.id;
  });
  afterAll(() => app.close());

  const eventsOfKind = async (kind: string) =>
    (await app.get(PrismaService).event.findMany({ where: { tenantId, data: { path: ['kind'], equals: kind } } })).length;
  const appendIn = (db: Database, kind: string, then: () => void = () => undefined) =>
    db.sqlTransaction(async (tx) => {
      await app.get(EventRepository).append(tx, [{ tenantId, connectionId: null, type: 'endpoint.test', version: 1, data: { kind } }]);
      then();
    });

  it('commits what was written through it, and nothing when its work throws', async () => {
    const db = app.get(Database);
    const kept = randomUUID();
    const dropped = randomUUID();
    await appendIn(db, kept);
    await expect(
      appendIn(db, dropped, () => {
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    expect(await eventsOfKind(kept)).toBe(1);
    expect(await eventsOfKind(dropped)).toBe(0);
  });

  it('rejects when its connection drops mid-transaction, without ending the process, and the pool goes on', async () => {
    const db = app.get(Database);
    const prisma = app.get(PrismaService);
    await expect(
      db.sqlTransaction(async (tx) => {
        const [{ pid }] = await queryIn<{ pid: number }>(tx, 'sb_test_backend_pid', 'SELECT pg_backend_pid() AS pid', []);
        await prisma.$queryRaw`SELECT pg_terminate_backend(${pid}::int)`;
        await new Promise((r) => setTimeout(r, 100));
        await queryIn(tx, 'sb_test_after_drop', 'SELECT 1', []);
      }),
    ).rejects.toThrow();
    const after = randomUUID();
    await appendIn(db, after);
    expect(await eventsOfKind(after)).toBe(1);
  });
});
