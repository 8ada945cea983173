import type { TestingModule } from '@nestjs/testing';
import { ErrorCode } from '@sb/core';
import { TenancyModule, ApiKeyService, OAuthClientService, TenantService } from '@sb/tenancy';
import { createTestingApp, Fixtures, type TenantFixture } from '@sb/testing';
import { ApiKeyRepository } from './api-key.repository';
import { ConnectionRepository } from './connection.repository';
import { OAuthClientRepository } from './oauth-client.repository';

describe('tenant isolation in repositories (real Postgres)', () => {
  let app: TestingModule;
  let a: TenantFixture;
  let b: TenantFixture;

  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
    const fixtures = new Fixtures(app);
    a = await fixtures.newTenant();
    b = await fixtures.newTenant();
  });
  afterAll(() => app.close());

  it("never returns or revokes another tenant's API key", async () => {
    const { apiKey } = await app.get(ApiKeyService).create(a.actor(), a.tenant.id, { name: 'a-key' });
    const keys = app.get(ApiKeyRepository);
    expect(await keys.findById(b.tenant.id, apiKey.id)).toBeNull();
    expect((await keys.list(b.tenant.id)).map((k) => k.id)).not.toContain(apiKey.id);
    await expect(app.get(ApiKeyService).revoke(b.tenant.id, apiKey.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect((await keys.findById(a.tenant.id, apiKey.id))?.revokedAt).toBeNull();
  });

  it("never returns or revokes another tenant's OAuth client", async () => {
    const { client } = await app.get(OAuthClientService).create(a.actor(), a.tenant.id, { name: 'c', authMethod: 'client_secret' });
    const clients = app.get(OAuthClientRepository);
    expect(await clients.findById(b.tenant.id, client.id)).toBeNull();
    await expect(app.get(OAuthClientService).revoke(b.tenant.id, client.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect((await clients.findById(a.tenant.id, client.id))?.revokedAt).toBeNull();
  });

  it("never returns another tenant's connection", async () => {
    const connections = app.get(ConnectionRepository);
    expect(await connections.findById(b.tenant.id, a.echo.id)).toBeNull();
    expect((await connections.list(b.tenant.id)).map((c) => c.id)).toEqual([b.echo.id]);
  });

  it('reads a tenant through a tenant actor only when it is its own', async () => {
    const tenants = app.get(TenantService);
    await expect(tenants.getForActor(b.actor(), a.tenant.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(tenants.getForActor(a.actor(), a.tenant.id)).resolves.toMatchObject({ id: a.tenant.id });
  });

  it('refuses a duplicate slug as a conflict and leaves nothing half-written', async () => {
    await expect(app.get(TenantService).create({ name: 'dup', slug: a.tenant.slug })).rejects.toMatchObject({ code: ErrorCode.Conflict });
  });

  it('stores only a hash of an API key, with a visible prefix', async () => {
    const { apiKey, key } = await app.get(ApiKeyService).create(a.actor(), a.tenant.id, { name: 'hash-check' });
    expect(key.startsWith(`${apiKey.prefix}_`)).toBe(true);
    expect(JSON.stringify(await app.get(ApiKeyRepository).list(a.tenant.id))).not.toContain(key);
  });

  it('does not let a narrow credential mint a wider key', async () => {
    await expect(
      app.get(ApiKeyService).create(a.actor(['system/Patient.rs', 'admin:api-keys']), a.tenant.id, { name: 'wider', scopes: ['system/*.cruds'] }),
    ).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    const { apiKey } = await app.get(ApiKeyService).create(a.actor(['system/Patient.rs', 'admin:api-keys']), a.tenant.id, { name: 'default' });
    expect(apiKey.scopes).toEqual(['system/Patient.rs', 'admin:api-keys']);
  });
});
