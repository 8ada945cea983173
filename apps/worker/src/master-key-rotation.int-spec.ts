import type { TestingModule } from '@nestjs/testing';
import { GatewayKeyService, open } from '@sb/auth';
import { processEnv } from '@sb/config';
import { ConnectionsModule } from '@sb/connections';
import { Database, EventRepository, PrismaService } from '@sb/db';
import { QueueModule } from '@sb/queue';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, startWebhookReceiver, testRedisPrefix, type ReceivedWebhook, type WebhookReceiver } from '@sb/testing';
import { webhookSecretContext, WebhookDeliveryModule, WebhookEndpointService, WebhookEndpointsModule, WebhookRelay } from '@sb/webhooks';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { databaseName, dropDatabase, withDatabase } from '../../../libs/db/src/migrate/database-admin';
import { MasterKeyRotation, MasterKeyRotationModule } from './master-key-rotation';

const ROOT = resolve(__dirname, '../../..');

/** Whether one of the request's signatures is by `secret` (computed here, independently of the signer). */
const signedWith = (r: ReceivedWebhook, secret: string): boolean => {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${String(r.headers['webhook-id'])}.${String(r.headers['webhook-timestamp'])}.${r.body}`).digest('base64');
  return String(r.headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
};

/**
 * Changing the local master key (README "KEK rotation"): with the old key in
 * SB_VAULT_PREVIOUS_MASTER_KEYS, what it sealed directly (the gateway's signing keys,
 * webhook endpoint secrets) still opens; the rotation seals it again under the new key,
 * after which the old key can go. The gateway's signing keys are global rows, so the
 * test gets a database of its own: another file's processes would otherwise meet keys
 * sealed under keys they do not have.
 */
describe('changing the local master key (real Postgres and Redis, own database)', () => {
  const A = randomBytes(32).toString('base64');
  const B = randomBytes(32).toString('base64');
  const runUrl = processEnv().DATABASE_URL ?? '';
  const dbName = `${databaseName(runUrl)}_masterkey`;
  const dbUrl = withDatabase(runUrl, dbName);
  const prefix = testRedisPrefix('master-key-rotation-int');
  const settings = (masterKey: string, previous?: string): Record<string, string> => ({
    DATABASE_URL: dbUrl,
    SB_REDIS_PREFIX: prefix,
    SB_ALLOW_PRIVATE_TARGETS: 'true',
    SB_KMS_PROVIDER: 'local',
    SB_VAULT_MASTER_KEY: masterKey,
    // The runbook's step 1: the stored hashes stay under the first key.
    SB_KEYED_HASH_KEY: A,
    ...(previous === undefined ? {} : { SB_VAULT_PREVIOUS_MASTER_KEYS: previous }),
  });
  const modules = [QueueModule, TenancyModule, ConnectionsModule, WebhookDeliveryModule, WebhookEndpointsModule, MasterKeyRotationModule];

  let before: TestingModule; // A only
  let during: TestingModule; // B, with A as a previous key
  let after: TestingModule; // B only
  let receiver: WebhookReceiver;
  let tenantId: string;
  let endpointId: string;
  let firstSecret: string;
  let currentSecret: string;
  let signingKid: string;

  /** Emits one event through `app` and drives its relay until the receiver has it. */
  const deliverOne = async (app: TestingModule): Promise<ReceivedWebhook> => {
    const [eventId] = await app.get(Database).transaction((tx) => app.get(EventRepository).append(tx, [{ tenantId, connectionId: null, type: 'patient.admitted', version: 1, data: {} }]));
    const relay = app.get(WebhookRelay);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const got = receiver.received.find((r) => r.headers['webhook-id'] === eventId);
      if (got) return got;
      if (Date.now() > deadline) throw new Error('the event was not delivered');
      await relay.step();
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** A delivery through `app` signed with both webhook secrets, and `app`'s signing key still the first one. */
  const expectBothSecretsAndSameSigningKey = async (app: TestingModule) => {
    const delivered = await deliverOne(app);
    expect(signedWith(delivered, currentSecret)).toBe(true);
    expect(signedWith(delivered, firstSecret)).toBe(true);
    expect(await app.get(GatewayKeyService).rotateIfStale()).toBe(signingKid);
  };
  const sealedSecrets = async (app: TestingModule) =>
    app.get(PrismaService).webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId }, select: { secretSealed: true, previousSecretSealed: true } });

  beforeAll(async () => {
    const migrate = join(ROOT, 'dist', 'scripts', 'db-migrate.js');
    if (!existsSync(migrate)) throw new Error(`${migrate} is missing: run \`npm run build\` first`);
    const migrated = spawnSync(process.execPath, ['--experimental-wasm-modules', migrate], { cwd: ROOT, env: { ...processEnv(), DATABASE_URL: dbUrl }, encoding: 'utf8', timeout: 60_000 });
    if (migrated.status !== 0) throw new Error(`migrating ${dbName} failed:\n${migrated.stdout}${migrated.stderr}`);
    receiver = await startWebhookReceiver();

    before = await createTestingApp(modules, settings(A));
    const { tenant } = await new Fixtures(before).newTenant();
    tenantId = tenant.id;
    const endpoints = before.get(WebhookEndpointService);
    const actor = { type: 'operator' as const, id: 'operator' };
    const created = await endpoints.create(actor, tenantId, { url: receiver.url('/hook'), eventTypes: ['*'] });
    endpointId = created.endpoint.id;
    firstSecret = created.secret;
    currentSecret = (await endpoints.rotateSecret(actor, tenantId, endpointId)).secret;
    signingKid = await before.get(GatewayKeyService).rotateIfStale();
    during = await createTestingApp(modules, settings(B, A));
    after = await createTestingApp(modules, settings(B));
  }, 120_000);

  afterAll(async () => {
    for (const m of [before, during, after] as (TestingModule | undefined)[]) await m?.close();
    await receiver?.close();
    await deleteRedisKeys(prefix);
    await dropDatabase(runUrl, dbName);
  });

  it('before the rotation, the new key with the old one as previous signs deliveries with both secrets and keeps the signing key', async () => {
    await expectBothSecretsAndSameSigningKey(during);
  });

  it('the rotation seals the signing key and both webhook secrets under the new key, and a second run finds nothing to do', async () => {
    const sealedBefore = await sealedSecrets(during);
    const report = await during.get(MasterKeyRotation).run();
    expect(report.resealed).toEqual({ signingKeys: { resealed: 1, unchanged: 0, failed: 0 }, webhookSecrets: { resealed: 1, unchanged: 0, failed: 0 } });
    const sealedAfter = await sealedSecrets(during);
    expect(sealedAfter.secretSealed).not.toBe(sealedBefore.secretSealed);
    const keyB = [Buffer.from(B, 'base64')];
    expect(open(keyB, sealedAfter.secretSealed, webhookSecretContext(endpointId))).toBe(currentSecret);
    expect(open(keyB, sealedAfter.previousSecretSealed ?? '', webhookSecretContext(endpointId))).toBe(firstSecret);
    expect(() => open([Buffer.from(A, 'base64')], sealedAfter.secretSealed, webhookSecretContext(endpointId))).toThrow();

    const again = await during.get(MasterKeyRotation).run();
    expect(again.resealed).toEqual({ signingKeys: { resealed: 0, unchanged: 1, failed: 0 }, webhookSecrets: { resealed: 0, unchanged: 1, failed: 0 } });
  });

  it('after it, the new key alone signs deliveries with both secrets and keeps the same signing key', async () => {
    await expectBothSecretsAndSameSigningKey(after);
  });

  it('the old key alone opens nothing any more: its rotation reports the values as failed and leaves them', async () => {
    const report = await before.get(MasterKeyRotation).run();
    expect(report.resealed).toEqual({ signingKeys: { resealed: 0, unchanged: 0, failed: 1 }, webhookSecrets: { resealed: 0, unchanged: 0, failed: 1 } });
    const sealed = await sealedSecrets(after);
    expect(open([Buffer.from(B, 'base64')], sealed.secretSealed, webhookSecretContext(endpointId))).toBe(currentSecret);
  });
});
