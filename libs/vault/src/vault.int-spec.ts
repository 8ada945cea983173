import type { TestingModule } from '@nestjs/testing';
import { AuditService } from '@sb/audit';
import { processEnv } from '@sb/config';
import { ErrorCode, type Actor } from '@sb/core';
import { Database, SecretRepository, type SealedSecret, type SecretMetadata } from '@sb/db';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, type TenantFixture } from '@sb/testing';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { databaseName, dropDatabase, withDatabase } from '../../db/src/migrate/database-admin';
import { newDataKey, sealValue } from './envelope';
import { fingerprintOf } from './fingerprint';
import { KekRotationService, REWRAP_BATCH_SIZE, type RotationProgress } from './kek-rotation.service';
import { localKekId, type KmsProvider } from './kms';
import { KMS_PROVIDER, MAX_SECRET_BYTES, SecretAuditOperation } from './vault.constants';
import { VaultModule } from './vault.module';
import { VaultService } from './vault.service';

const ROOT = resolve(__dirname, '../../..');

/** No row is ever wrapped under this KEK, so "not wrapped under it" pages through every version. */
const NO_SUCH_KEK = { provider: 'local', id: 'local:none', version: '0' };

async function everyVersion(secrets: SecretRepository, notUnder = NO_SUCH_KEK, pageSize = 1000): Promise<SealedSecret[]> {
  const rows: SealedSecret[] = [];
  for (;;) {
    const page = await secrets.findNotWrappedUnder(notUnder.provider, notUnder.id, notUnder.version, pageSize, rows.at(-1)?.id);
    rows.push(...page);
    if (page.length < pageSize) return rows;
  }
}

/** Every way a value could show up in serialized output. */
const encodingsOf = (value: Buffer): string[] => [value.toString('utf8'), value.toString('base64'), value.toString('hex')];

const expectNoValueIn = (json: string, value: Buffer): void => {
  for (const encoded of encodingsOf(value)) expect(json).not.toContain(encoded);
};

describe('VaultService (real Postgres)', () => {
  let app: TestingModule;
  let vault: VaultService;
  let secrets: SecretRepository;
  let audit: AuditService;
  let a: TenantFixture;
  let b: TenantFixture;
  let actor: Actor;

  beforeAll(async () => {
    app = await createTestingApp([TenancyModule, VaultModule]);
    vault = app.get(VaultService);
    secrets = app.get(SecretRepository);
    audit = app.get(AuditService);
    const fixtures = new Fixtures(app);
    a = await fixtures.newTenant();
    b = await fixtures.newTenant();
    actor = a.actor();
  });
  afterAll(() => app.close());

  const refA = (name: string) => ({ tenantId: a.tenant.id, connectionId: a.echo.id, name });
  const newValue = (): Buffer => Buffer.from(`sk_test_${randomBytes(24).toString('hex')}`);
  const reveal = (ref: { tenantId: string; connectionId: string; name: string }) => vault.reveal({ ...ref, actor, purpose: 'integration test' });
  const auditOf = async (tenantId: string, operation: string, name: string) =>
    (await audit.list(tenantId, { limit: 1000 })).filter((r) => r.operation === operation && (r.purpose ?? '').startsWith(`${name}: `));

  describe('put, list and reveal', () => {
    const name = 'epic.client-secret';
    const value = newValue();
    let metadata: SecretMetadata;

    beforeAll(async () => {
      metadata = await vault.put(actor, refA(name), value);
    });

    it('lists metadata only: no sealed material and no trace of the value', async () => {
      const listed = await vault.list(a.tenant.id, a.echo.id);
      const entry = listed.find((s) => s.name === name);
      expect(entry).toMatchObject({ version: 1, byteLength: value.length, kmsProvider: 'local', fingerprint: fingerprintOf(value), supersededAt: null });
      expect(Object.keys(entry ?? {}).sort()).toEqual(
        ['byteLength', 'connectionId', 'createdAt', 'expiresAt', 'fingerprint', 'id', 'kekId', 'kekVersion', 'kmsProvider', 'lastUsedAt', 'name', 'supersededAt', 'tenantId', 'version'],
      );
      expectNoValueIn(JSON.stringify(listed), value);
      expectNoValueIn(JSON.stringify(metadata), value);
    });

    it('reveals the value and audits the decrypt without the value', async () => {
      expect(await reveal(refA(name))).toEqual(value);

      const [record, ...more] = await auditOf(a.tenant.id, SecretAuditOperation.Decrypt, name);
      expect(more).toHaveLength(0);
      expect(record).toMatchObject({
        tenantId: a.tenant.id,
        connectionId: a.echo.id,
        actorType: actor.type,
        actorId: actor.id,
        resourceType: 'Secret',
        patientRef: null,
        purpose: `${name}: integration test`,
        outcome: 'success',
      });
      expectNoValueIn(JSON.stringify(record), value);
      expect(await auditOf(a.tenant.id, SecretAuditOperation.Write, name)).toHaveLength(1);
    });

    it('a second put makes version 2, which reveal returns, and supersedes version 1', async () => {
      const ref = refA('epic.rotating-secret');
      const v1 = newValue();
      const v2 = newValue();
      await vault.put(actor, ref, v1);
      const second = await vault.put(actor, ref, v2);
      expect(second.version).toBe(2);
      expect(await reveal(ref)).toEqual(v2);

      const current = (await vault.list(a.tenant.id, a.echo.id)).filter((s) => s.name === ref.name);
      expect(current.map((s) => s.version)).toEqual([2]);
      const versions = (await everyVersion(secrets)).filter((s) => s.connectionId === a.echo.id && s.name === ref.name);
      expect(versions.map((s) => [s.version, s.supersededAt === null]).sort()).toEqual([
        [1, false],
        [2, true],
      ]);
    });

    it('delete removes every version: reveal is not_found, and the delete is audited', async () => {
      const ref = refA('epic.to-delete');
      await vault.put(actor, ref, newValue());
      await vault.put(actor, ref, newValue());
      await vault.delete(actor, ref);

      await expect(reveal(ref)).rejects.toMatchObject({ code: ErrorCode.NotFound });
      expect((await vault.list(a.tenant.id, a.echo.id)).some((s) => s.name === ref.name)).toBe(false);
      expect((await everyVersion(secrets)).some((s) => s.connectionId === a.echo.id && s.name === ref.name)).toBe(false);
      expect(await auditOf(a.tenant.id, SecretAuditOperation.Delete, ref.name)).toHaveLength(1);
      await expect(vault.delete(actor, ref)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    });
  });

  describe('validation', () => {
    it('accepts a value of exactly 64 KiB', async () => {
      const ref = refA('big.exactly-max');
      const value = randomBytes(MAX_SECRET_BYTES);
      await vault.put(actor, ref, value);
      expect(await reveal(ref)).toEqual(value);
    });

    it('refuses a value over 64 KiB with payload_too_large and stores nothing', async () => {
      const ref = refA('big.over-max');
      await expect(vault.put(actor, ref, randomBytes(MAX_SECRET_BYTES + 1))).rejects.toMatchObject({ code: ErrorCode.PayloadTooLarge });
      expect(await secrets.findCurrentSealed(ref.tenantId, ref.connectionId, ref.name)).toBeNull();
      expect(await auditOf(a.tenant.id, SecretAuditOperation.Write, ref.name)).toHaveLength(0);
    });

    it('refuses an empty value', async () => {
      const ref = refA('empty.value');
      await expect(vault.put(actor, ref, Buffer.alloc(0))).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
      expect(await secrets.findCurrentSealed(ref.tenantId, ref.connectionId, ref.name)).toBeNull();
    });

    it.each([
      ['empty', ''],
      ['upper case', 'Epic.Secret'],
      ['a space', 'epic secret'],
      ['a slash', 'epic/secret'],
      ['a leading dot', '.epic'],
      ['a leading dash', '-epic'],
      ['129 characters', 'a'.repeat(129)],
      ['a newline', 'epic\nsecret'],
    ])('refuses a name with %s with validation_failed and stores nothing', async (_label, name) => {
      await expect(vault.put(actor, refA(name), newValue())).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
      expect(await secrets.findCurrentSealed(a.tenant.id, a.echo.id, name)).toBeNull();
    });

    it('accepts a name of 128 characters from the allowed alphabet', async () => {
      const name = `a0_.:-${'z'.repeat(122)}`;
      await vault.put(actor, refA(name), newValue());
      expect((await vault.list(a.tenant.id, a.echo.id)).some((s) => s.name === name)).toBe(true);
    });
  });

  describe('sealed material moved to another row fails to open', () => {
    let rowA: SealedSecret;
    let rowB: SealedSecret;
    const valueA = newValue();

    beforeAll(async () => {
      await vault.put(actor, refA('forge.a'), valueA);
      await vault.put(actor, refA('forge.b'), newValue());
      rowA = (await secrets.findCurrentSealed(a.tenant.id, a.echo.id, 'forge.a')) as SealedSecret;
      rowB = (await secrets.findCurrentSealed(a.tenant.id, a.echo.id, 'forge.b')) as SealedSecret;
      // Opening A puts its data key in the cache, so the forgeries below also meet a warm cache.
      expect(await vault.open(rowA)).toEqual(valueA);
    });

    const materialOf = (s: SealedSecret) => ({ ciphertext: s.ciphertext, nonce: s.nonce, authTag: s.authTag });

    it("row B carrying all of A's material (ciphertext, nonce, tag, wrapped key)", async () => {
      await expect(vault.open({ ...rowB, ...materialOf(rowA), wrappedKey: rowA.wrappedKey })).rejects.toThrow();
    });

    it("row B carrying A's ciphertext under B's own wrapped key", async () => {
      await expect(vault.open({ ...rowB, ...materialOf(rowA) })).rejects.toMatchObject({ code: ErrorCode.Internal });
    });

    it.each<[string, (s: SealedSecret) => Partial<SealedSecret>]>([
      ["B's name", () => ({ name: rowB.name })],
      ['another version', (s) => ({ version: s.version + 1 })],
      ['another connection of another tenant', () => ({ tenantId: b.tenant.id, connectionId: b.echo.id })],
    ])("A's own row and material (its data key cached) relabelled with %s", async (_label, relabel) => {
      await expect(vault.open({ ...rowA, ...relabel(rowA) })).rejects.toMatchObject({ code: ErrorCode.Internal });
    });

    it('the untouched rows still open', async () => {
      expect(await vault.open(rowA)).toEqual(valueA);
      await expect(vault.open(rowB)).resolves.toBeInstanceOf(Buffer);
    });
  });

  describe('detached seals', () => {
    const ref = () => ({ tenantId: a.tenant.id, connectionId: '00000000-0000-4000-8000-000000000001', name: 'smart-launch:tokens' });

    it('opens for the same reference and carries no trace of the value', async () => {
      const value = randomBytes(48);
      const seal = await vault.sealDetached(ref(), value);
      expectNoValueIn(JSON.stringify(seal), value);
      expect(await vault.openDetached(ref(), seal)).toEqual(value);
    });

    it('refuses to open for another tenant, connection or name, or with a changed byte', async () => {
      const seal = await vault.sealDetached(ref(), Buffer.from('upstream tokens'));
      for (const other of [{ ...ref(), tenantId: b.tenant.id }, { ...ref(), connectionId: '00000000-0000-4000-8000-000000000002' }, { ...ref(), name: 'smart-launch:verifier' }]) {
        await expect(vault.openDetached(other, seal)).rejects.toThrow();
      }
      const tampered = Buffer.from(seal.ciphertext ?? '', 'base64');
      tampered[0] = (tampered[0] ?? 0) ^ 1;
      await expect(vault.openDetached(ref(), { ...seal, ciphertext: tampered.toString('base64') })).rejects.toThrow();
    });
  });

  describe('cross-tenant', () => {
    const name = 'shared-name.client-secret';
    const valueA = newValue();
    const valueB = newValue();

    beforeAll(async () => {
      await vault.put(actor, refA(name), valueA);
      await vault.put(b.actor(), { tenantId: b.tenant.id, connectionId: b.echo.id, name }, valueB);
    });

    const aSecretAsB = () => ({ tenantId: b.tenant.id, connectionId: a.echo.id, name });

    it("tenant B revealing tenant A's secret gets not_found, and nothing is audited for B", async () => {
      await expect(vault.reveal({ ...aSecretAsB(), actor: b.actor(), purpose: 'probe' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      expect(await auditOf(b.tenant.id, SecretAuditOperation.Decrypt, name)).toHaveLength(0);
    });

    it("tenant B listing tenant A's connection gets nothing", async () => {
      expect(await vault.list(b.tenant.id, a.echo.id)).toEqual([]);
    });

    it("tenant B deleting tenant A's secret gets not_found and A's secret survives", async () => {
      await expect(vault.delete(b.actor(), aSecretAsB())).rejects.toMatchObject({ code: ErrorCode.NotFound });
      expect(await reveal(refA(name))).toEqual(valueA);
    });

    it('the same name in each tenant holds each tenant its own value', async () => {
      expect(await vault.reveal({ tenantId: b.tenant.id, connectionId: b.echo.id, name, actor: b.actor(), purpose: 'own' })).toEqual(valueB);
      expect(await reveal(refA(name))).toEqual(valueA);
    });
  });
});

/**
 * Rotation works on every row of the table, so it gets a database of its own: rows
 * other test files write concurrently (under other keys) would otherwise change the
 * counts, and its 10,000 rows would land in their rotations. The name keeps the
 * run's prefix and timestamp, so a crashed run's leftover is swept like the run's own.
 */
describe('KEK rotation of 10,000 secrets (real Postgres, own database)', () => {
  const SECRETS = 10_000;
  const INSERT_CHUNK = 1_000;
  const K1 = randomBytes(32).toString('base64');
  const K2 = randomBytes(32).toString('base64');
  const k1Id = localKekId(Buffer.from(K1, 'base64'));
  const k2Id = localKekId(Buffer.from(K2, 'base64'));
  const runUrl = processEnv().DATABASE_URL ?? '';
  const dbName = `${databaseName(runUrl)}_kek`;
  const dbUrl = withDatabase(runUrl, dbName);
  const local = (masterKey: string, previous?: string): Record<string, string> => ({
    DATABASE_URL: dbUrl,
    SB_KMS_PROVIDER: 'local',
    SB_VAULT_MASTER_KEY: masterKey,
    ...(previous === undefined ? {} : { SB_VAULT_PREVIOUS_MASTER_KEYS: previous, SB_KEYED_HASH_KEY: previous }),
  });
  const valueOf = (name: string) => Buffer.from(`value of ${name}`);

  let writer: TestingModule; // K1 only
  let rotator: TestingModule; // K2, with K1 as a previous key
  let reader: TestingModule; // K2 only
  let secrets: SecretRepository;
  let before: Map<string, SealedSecret>;

  beforeAll(async () => {
    const migrate = join(ROOT, 'dist', 'scripts', 'db-migrate.js');
    if (!existsSync(migrate)) throw new Error(`${migrate} is missing: run \`npm run build\` first`);
    const migrated = spawnSync(process.execPath, ['--experimental-wasm-modules', migrate], {
      cwd: ROOT,
      env: { ...processEnv(), DATABASE_URL: dbUrl },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (migrated.status !== 0) throw new Error(`migrating ${dbName} failed:\n${migrated.stdout}${migrated.stderr}`);

    writer = await createTestingApp([TenancyModule, VaultModule], local(K1));
    rotator = await createTestingApp([VaultModule], local(K2, K1));
    reader = await createTestingApp([VaultModule], local(K2));
    secrets = writer.get(SecretRepository);

    // Two tenants, so the rows carry different identities (AAD and wrap context).
    const fixtures = new Fixtures(writer);
    const owners = [await fixtures.newTenant(), await fixtures.newTenant()];
    const kms = writer.get<KmsProvider>(KMS_PROVIDER);
    const db = writer.get(Database);
    // Sealed exactly as VaultService.putInTransaction does, minus the per-row lock and audit
    // record it needs for concurrent writers: that keeps 10,000 inserts to seconds.
    const insertChunk = (from: number) =>
      db.transaction(
        async (tx) => {
          for (let i = from; i < Math.min(from + INSERT_CHUNK, SECRETS); i++) {
            const { tenant, echo } = owners[i % owners.length];
            const name = `bulk.${String(i).padStart(5, '0')}`;
            const value = valueOf(name);
            const dataKey = newDataKey();
            try {
              const sealed = sealValue(value, dataKey, { tenantId: tenant.id, connectionId: echo.id, name, version: 1 });
              const wrapped = await kms.wrap(dataKey, { tenantId: tenant.id, connectionId: echo.id, secretName: name, version: 1 });
              await secrets.insertVersion(tx, tenant.id, echo.id, 1, {
                name,
                ...sealed,
                wrappedKey: wrapped.ciphertext,
                kmsProvider: kms.name,
                kekId: wrapped.kek.id,
                kekVersion: wrapped.kek.version,
                fingerprint: fingerprintOf(value),
                byteLength: value.length,
              });
            } finally {
              dataKey.fill(0);
            }
          }
        },
        { timeoutMs: 120_000 },
      );
    const chunks: number[] = [];
    for (let from = 0; from < SECRETS; from += INSERT_CHUNK) chunks.push(from);
    // A few transactions at once: the pool has connections to spare and Postgres does the waiting.
    for (let i = 0; i < chunks.length; i += 4) await Promise.all(chunks.slice(i, i + 4).map(insertChunk));

    before = new Map((await everyVersion(secrets)).map((s) => [s.id, s]));
  }, 120_000);

  afterAll(async () => {
    // Any of them is missing when beforeAll failed part way; the database must go regardless.
    for (const m of [writer, rotator, reader] as (TestingModule | undefined)[]) await m?.close();
    await dropDatabase(runUrl, dbName);
  });

  it('starts with all 10,000 under K1, which an app with only K2 cannot open', async () => {
    expect(before.size).toBe(SECRETS);
    expect(await secrets.countByKek()).toEqual([{ kmsProvider: 'local', kekId: k1Id, kekVersion: '1', count: SECRETS }]);
    const [first] = before.values();
    await expect(reader.get(VaultService).open(first)).rejects.toThrow();
    expect(await writer.get(VaultService).open(first)).toEqual(valueOf(first.name));
  });

  it('an interrupted rotation is finished by running it again', async () => {
    const rotation = rotator.get(KekRotationService);
    const interrupted: RotationProgress[] = [];
    await expect(
      rotation.rotate((p) => {
        interrupted.push(p);
        if (p.rewrapped > 0) throw new Error('operator pressed ctrl-c');
      }),
    ).rejects.toThrow('operator pressed ctrl-c');
    expect(interrupted).toEqual([
      { rewrapped: 0, failed: 0, total: SECRETS },
      { rewrapped: REWRAP_BATCH_SIZE, failed: 0, total: SECRETS },
    ]);
    const remaining = SECRETS - REWRAP_BATCH_SIZE;
    expect(await secrets.countNotWrappedUnder('local', k2Id, '1')).toBe(remaining);

    const progress: RotationProgress[] = [];
    const report = await rotation.rotate((p) => progress.push(p));
    expect(report).toEqual({
      rewrapped: remaining,
      failed: 0,
      total: remaining,
      kek: { provider: 'local', id: k2Id, version: '1' },
      remainingByKek: [],
    });
    expect(progress.at(-1)).toEqual({ rewrapped: remaining, failed: 0, total: remaining });
    expect(progress.map((p) => p.rewrapped)).toEqual([...progress.map((p) => p.rewrapped)].sort((x, y) => x - y));
    expect(await secrets.countByKek()).toEqual([{ kmsProvider: 'local', kekId: k2Id, kekVersion: '1', count: SECRETS }]);
  }, 120_000);

  it('re-wrapped every data key and left every ciphertext, nonce and tag as it was', async () => {
    const after = await everyVersion(secrets, { provider: 'local', id: k1Id, version: '1' });
    expect(after).toHaveLength(SECRETS);
    const changed = after.filter((row) => {
      const old = before.get(row.id);
      return (
        !old ||
        row.kekId !== k2Id ||
        !row.ciphertext.equals(old.ciphertext) ||
        !row.nonce.equals(old.nonce) ||
        !row.authTag.equals(old.authTag) ||
        row.wrappedKey.equals(old.wrappedKey)
      );
    });
    expect(changed.map((r) => r.name)).toEqual([]);
  });

  it('every one of the 10,000 decrypts with K2 alone', async () => {
    const open = reader.get(VaultService);
    const rows = await everyVersion(secrets);
    expect(rows).toHaveLength(SECRETS);
    const wrong: string[] = [];
    for (const row of rows) {
      const value = await open.open(row);
      if (!value.equals(valueOf(row.name))) wrong.push(row.name);
      value.fill(0);
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('a rotation with nothing left to do re-wraps nothing', async () => {
    const report = await rotator.get(KekRotationService).rotate();
    expect(report).toMatchObject({ rewrapped: 0, failed: 0, total: 0, remainingByKek: [] });
  });
});
