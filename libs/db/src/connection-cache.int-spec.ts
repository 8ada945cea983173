import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { ConnectionCache } from './connection-cache';
import { PrismaService } from './prisma.service';

const eventually = async (check: () => Promise<boolean>, timeoutMs = 2_000): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
};

describe('ConnectionCache (real Postgres, LISTEN/NOTIFY)', () => {
  let app: TestingModule;
  let cache: ConnectionCache;
  let prisma: PrismaService;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
    cache = app.get(ConnectionCache);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  /** Renames the row without firing its trigger (this session only): what a cache that ignored notifications would miss. */
  const renameSilently = (id: string, name: string) =>
    prisma.$transaction([prisma.$executeRaw`SET LOCAL session_replication_role = replica`, prisma.$executeRaw`UPDATE "Connection" SET "name" = ${name} WHERE "id" = ${id}::uuid`]);

  it('serves a connection from memory once read', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    expect((await cache.findById(tenant.id, echo.id))?.name).toBe(echo.name);
    await renameSilently(echo.id, 'renamed silently');
    expect((await cache.findById(tenant.id, echo.id))?.name).toBe(echo.name);
  });

  it('drops its copy when the row changes, whoever changed it', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    await cache.findById(tenant.id, echo.id);
    await prisma.$executeRaw`UPDATE "Connection" SET "status" = 'disabled' WHERE "id" = ${echo.id}::uuid`;
    expect(await eventually(async () => (await cache.findById(tenant.id, echo.id))?.status === 'disabled')).toBe(true);
  });

  it('never answers another tenant, cached or not', async () => {
    const a = await new Fixtures(app).newTenant();
    const b = await new Fixtures(app).newTenant();
    expect(await cache.findById(b.tenant.id, a.echo.id)).toBeNull();
    await cache.findById(a.tenant.id, a.echo.id);
    expect(await cache.findById(b.tenant.id, a.echo.id)).toBeNull();
    expect(await cache.findById(a.tenant.id, randomUUID())).toBeNull();
  });

  it('forgets a connection that was deleted', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    await cache.findById(tenant.id, echo.id);
    await prisma.$executeRaw`DELETE FROM "Connection" WHERE "id" = ${echo.id}::uuid`;
    expect(await eventually(async () => (await cache.findById(tenant.id, echo.id)) === null)).toBe(true);
  });
});
