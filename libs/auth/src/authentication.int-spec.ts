import type { TestingModule } from '@nestjs/testing';
import { ApiKeyService, TenancyModule, TenantService } from '@sb/tenancy';
import { createTestingApp, Fixtures, testConfig, type TenantFixture } from '@sb/testing';
import { decodeProtectedHeader } from 'jose';
import { AuthModule } from './auth.module';
import { AuthenticationService } from './authentication.service';
import { GatewayKeyService } from './gateway-keys.service';
import { TokenService } from './token.service';
import { OAuthClientService } from '@sb/tenancy';

describe('authentication (real Postgres)', () => {
  let app: TestingModule;
  let auth: AuthenticationService;
  let a: TenantFixture;

  beforeAll(async () => {
    app = await createTestingApp([AuthModule, TenancyModule]);
    await app.get(GatewayKeyService).start();
    auth = app.get(AuthenticationService);
    a = await new Fixtures(app).newTenant();
  });
  afterAll(() => app.close());

  it('recognises the operator token and nothing close to it', async () => {
    const { adminToken } = testConfig();
    await expect(auth.authenticate(adminToken)).resolves.toEqual({ type: 'operator', id: 'operator' });
    await expect(auth.authenticate(`${adminToken}x`)).resolves.toBeNull();
  });

  it('accepts a live API key with its scopes and records when it was used', async () => {
    const keys = app.get(ApiKeyService);
    const { apiKey, key } = await keys.create(a.actor(), a.tenant.id, { name: 'live', scopes: ['usage:read'] });
    await expect(auth.authenticate(key)).resolves.toEqual({ type: 'api-key', id: apiKey.id, tenantId: a.tenant.id, scopes: ['usage:read'] });
    await new Promise((r) => setTimeout(r, 100));
    const [listed] = (await keys.list(a.tenant.id)).filter((k) => k.id === apiKey.id);
    expect(listed?.lastUsedAt).not.toBeNull();
  });

  it('refuses revoked and expired keys, and keys of a suspended tenant', async () => {
    const keys = app.get(ApiKeyService);
    const revoked = await keys.create(a.actor(), a.tenant.id, { name: 'revoked' });
    await keys.revoke(a.tenant.id, revoked.apiKey.id);
    await expect(auth.authenticate(revoked.key)).resolves.toBeNull();

    const expiring = await keys.create(a.actor(), a.tenant.id, { name: 'expiring', expiresAt: new Date(Date.now() + 300) });
    await expect(auth.authenticate(expiring.key)).resolves.not.toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    await expect(auth.authenticate(expiring.key)).resolves.toBeNull();

    const b = await new Fixtures(app).newTenant();
    const bKey = await keys.create(b.actor(), b.tenant.id, { name: 'b' });
    await app.get(TenantService).update({ type: 'operator', id: 'operator' }, b.tenant.id, { status: 'suspended' });
    await expect(auth.authenticate(bKey.key)).resolves.toBeNull();
  });

  it('keeps tokens signed by a rotated key valid while it is published', async () => {
    const { client, clientSecret } = await app.get(OAuthClientService).create(a.actor(), a.tenant.id, { name: 'rot', authMethod: 'client_secret' });
    const tokens = app.get(TokenService);
    const issue = () => tokens.issue({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: clientSecret! });
    const before = await issue();
    const keys = app.get(GatewayKeyService);
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    const newKid = await keys.rotateIfStale(true);
    expect(newKid).not.toBe(oldKid);
    const after = await issue();
    expect(decodeProtectedHeader(after.access_token).kid).toBe(newKid);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    await expect(auth.authenticate(before.access_token)).resolves.toMatchObject({ type: 'oauth-client', tenantId: a.tenant.id });
    await expect(auth.authenticate(after.access_token)).resolves.toMatchObject({ type: 'oauth-client' });
  });

  it('refuses a token whose signature was tampered with', async () => {
    const { client, clientSecret } = await app.get(OAuthClientService).create(a.actor(), a.tenant.id, { name: 'tamper', authMethod: 'client_secret' });
    const { access_token } = await app.get(TokenService).issue({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: clientSecret! });
    const [h, p] = access_token.split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scope: 'system/*.cruds admin:api-keys' })).toString('base64url');
    await expect(auth.authenticate(`${h}.${widened}.${access_token.split('.')[2]}`)).resolves.toBeNull();
  });
});

describe('gateway signing keys after a master key change', () => {
  it('starts a new signing key when the active one was sealed under another master key', async () => {
    const first = await createTestingApp([AuthModule]);
    const firstKid = await first.get(GatewayKeyService).rotateIfStale(true);
    await first.close();
    const rotated = await createTestingApp([AuthModule], { SB_VAULT_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') });
    const keys = rotated.get(GatewayKeyService);
    const kid = await keys.rotateIfStale();
    expect(kid).not.toBe(firstKid);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([firstKid, kid]));
    await rotated.close();
  });
});
