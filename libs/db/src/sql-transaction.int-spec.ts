import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, lockTenantRow } from '@sb/testing';
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

describe('the hot-path pool under SB_DB_STATEMENT_TIMEOUT_MS (real Postgres)', () => {
  const TIMEOUT_MS = 1_500;
  let app: TestingModule;
  let tenantId: string;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule], { SB_DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS) });
    tenantId = (await new Fixtures(app).newTenant()).tenant.id;
  });
  afterAll(() => app.close());

  const append = (tx: Parameters<Parameters<Database['sqlTransaction']>[0]>[0], kind: string) =>
    app.get(EventRepository).append(tx, [{ tenantId, connectionId: null, type: 'endpoint.test', version: 1, data: { kind } }]);
  const eventsOfKind = async (kind: string) =>
    (await app.get(PrismaService).event.findMany({ where: { tenantId, data: { path: ['kind'], equals: kind } } })).length;

  it('ends a statement that waits on a lock, while the lock is still held, and the pool goes on', async () => {
    const db = app.get(Database);
    // The tenant's row locked for update: an event's foreign-key check on it waits.
    const lock = await lockTenantRow(app.get(PrismaService), tenantId);
    let outcome: string | undefined;
    const blocked = randomUUID();
    try {
      outcome = await db.sqlTransaction((tx) => append(tx, blocked)).then(
        () => 'committed',
        (error: Error & { code?: string }) => error.code,
      );
    } finally {
      await lock.release();
    }
    expect(outcome).toBe('57014');
    expect(await eventsOfKind(blocked)).toBe(0);
    const after = randomUUID();
    await db.sqlTransaction((tx) => append(tx, after));
    expect(await eventsOfKind(after)).toBe(1);
  });

  it('ends a transaction left idle, so its locks are not held forever, and the pool goes on', async () => {
    const db = app.get(Database);
    const idle = randomUUID();
    let appended = false;
    await expect(
      db.sqlTransaction(async (tx) => {
        await append(tx, idle);
        appended = true;
        await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2));
        await queryIn(tx, 'sb_test_after_idle', 'SELECT 1', []);
      }),
    ).rejects.toThrow(/idle-in-transaction timeout|Connection terminated|connection error/);
    expect(appended).toBe(true);
    expect(await eventsOfKind(idle)).toBe(0);
    const after = randomUUID();
    await db.sqlTransaction((tx) => append(tx, after));
    expect(await eventsOfKind(after)).toBe(1);
  });
});
