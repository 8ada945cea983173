import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures } from '@sb/testing';
import { PrismaService } from '../prisma.service';
import { MllpPeerCertificateRepository, PEER_CERTIFICATE_REWRITE_MS } from './mllp-peer-certificate.repository';

describe('MllpPeerCertificateRepository (real Postgres)', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
  });
  afterAll(() => app.close());

  it('follows what processes see: two processes seeing two certificates of one site end on the one seen last once their memory is stale', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    // Two api/worker processes: each its own repository (and memory) over the same database.
    const a = new MllpPeerCertificateRepository(app.get(PrismaService));
    const b = new MllpPeerCertificateRepository(app.get(PrismaService));
    const old = new Date('2027-01-10T00:00:00.000Z');
    const renewed = new Date('2028-01-10T00:00:00.000Z');
    const t0 = Date.now();
    const stored = async () => (await a.list(tenant.id, echo.id)).map((c) => [c.direction, c.fingerprint, c.notAfter.toISOString()]);

    await a.recordSeen(tenant.id, echo.id, 'outbound', 'AA:01', old, t0);
    await b.recordSeen(tenant.id, echo.id, 'outbound', 'BB:02', renewed, t0);
    expect(await stored()).toEqual([['outbound', 'BB:02', renewed.toISOString()]]);
    // A sees its certificate again at once: its memory spares the write.
    await a.recordSeen(tenant.id, echo.id, 'outbound', 'AA:01', old, t0 + 1_000);
    expect(await stored()).toEqual([['outbound', 'BB:02', renewed.toISOString()]]);
    // Later, what A sees is written again: the expiring certificate still in use is what is watched.
    await a.recordSeen(tenant.id, echo.id, 'outbound', 'AA:01', old, t0 + PEER_CERTIFICATE_REWRITE_MS + 1_000);
    expect(await stored()).toEqual([['outbound', 'AA:01', old.toISOString()]]);
    // Directions are kept apart; another tenant reads none of it.
    await b.recordSeen(tenant.id, echo.id, 'inbound', 'CC:03', renewed, t0);
    expect(await stored()).toEqual([
      ['inbound', 'CC:03', renewed.toISOString()],
      ['outbound', 'AA:01', old.toISOString()],
    ]);
    const other = await new Fixtures(app).newTenant();
    expect(await a.list(other.tenant.id, echo.id)).toEqual([]);
  });
});
