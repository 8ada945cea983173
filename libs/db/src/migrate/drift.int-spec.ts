// The migrations are the only way schema changes reach a database, so schema.prisma must
// never get ahead of them. Runs the compiled CLI because the wasm schema engine is ESM and
// cannot load inside jest's CommonJS runtime.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

const ROOT = resolve(__dirname, '../../../..');
const DB_DIFF = join(ROOT, 'dist', 'scripts', 'db-diff.js');
const SPAWN_TIMEOUT_MS = 60_000;

function dbDiff(...args: string[]): { status: number | null; output: string } {
  // Inherits DATABASE_URL from global-setup: the shadow database goes on the test server.
  const result = spawnSync(process.execPath, ['--experimental-wasm-modules', DB_DIFF, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: SPAWN_TIMEOUT_MS,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  if (!existsSync(DB_DIFF)) throw new Error(`${DB_DIFF} is missing: run \`npm run build\` first`);
});

describe('schema.prisma and prisma/migrations', () => {
  it('are in sync (otherwise: npm run db:diff -- <name>)', () => {
    expect(dbDiff('--check')).toEqual({ status: 0, output: expect.stringContaining('no changes') });
  });

  describe('on a copy with a model the migrations lack', () => {
    let dir: string;
    let schema: string;
    let migrations: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sb-drift-'));
      schema = join(dir, 'schema.prisma');
      migrations = join(dir, 'migrations');
      copyFileSync(join(ROOT, 'prisma', 'schema.prisma'), schema);
      cpSync(join(ROOT, 'prisma', 'migrations'), migrations, { recursive: true });
      appendFileSync(schema, '\nmodel DriftProbe {\n  id    Int    @id\n  label String\n}\n');
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the check fails and shows the missing SQL', () => {
      const before = readdirSync(migrations);
      const result = dbDiff('--check', '--schema', schema, '--migrations', migrations);
      expect(result).toEqual({ status: 1, output: expect.stringContaining('CREATE TABLE "DriftProbe"') });
      expect(readdirSync(migrations)).toEqual(before);
    });

    it('a written migration brings them back in sync', () => {
      const written = dbDiff('drift_probe', '--schema', schema, '--migrations', migrations);
      expect(written).toEqual({ status: 0, output: expect.stringMatching(/wrote .*\d{14}_drift_probe/) });
      expect(dbDiff('--check', '--schema', schema, '--migrations', migrations)).toEqual({
        status: 0,
        output: expect.stringContaining('no changes'),
      });
    });
  });
});

describe('AuditRecord', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    // Everything happens in a transaction rolled back at the end: audit rows cannot be removed.
    await client.query('BEGIN');
  });

  afterAll(async () => {
    await client.query('ROLLBACK');
    await client.end();
  });

  async function errorOf(sql: string, params: unknown[] = []): Promise<string> {
    await client.query('SAVEPOINT attempt');
    try {
      await client.query(sql, params);
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT attempt');
      return error instanceof Error ? error.message : String(error);
    }
    throw new Error(`not refused: ${sql}`);
  }

  it('is append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const tenant = await client.query<{ id: string }>(
      `INSERT INTO "Tenant" ("id", "name", "slug", "updatedAt")
       VALUES (gen_random_uuid(), 'Audit probe', $1, now()) RETURNING "id"`,
      [`audit-probe-${process.env.SB_TEST_RUN_ID ?? 'local'}`],
    );
    const record = await client.query<{ id: string }>(
      `INSERT INTO "AuditRecord" ("id", "tenantId", "sequence", "transactionId", "actorType", "actorId",
         "operation", "resourceType", "outcome", "prevHash", "hash")
       VALUES (gen_random_uuid(), $1, 1, gen_random_uuid(), 'system', 'drift-spec', 'read', 'Patient',
         'success', '', 'h1') RETURNING "id"`,
      [tenant.rows[0].id],
    );
    const id = record.rows[0].id;

    await expect(errorOf('UPDATE "AuditRecord" SET "hash" = $2 WHERE "id" = $1', [id, 'forged'])).resolves.toMatch(
      /append-only: UPDATE refused/,
    );
    await expect(errorOf('DELETE FROM "AuditRecord" WHERE "id" = $1', [id])).resolves.toMatch(
      /append-only: DELETE refused/,
    );
    await expect(errorOf('TRUNCATE "AuditRecord"')).resolves.toMatch(/append-only: TRUNCATE refused/);

    const after = await client.query<{ hash: string }>('SELECT "hash" FROM "AuditRecord" WHERE "id" = $1', [id]);
    expect(after.rows).toEqual([{ hash: 'h1' }]);
  });

  it('lets an unchained record be chained once, and nothing else', async () => {
    const tenant = await client.query<{ id: string }>(
      `INSERT INTO "Tenant" ("id", "name", "slug", "updatedAt") VALUES (gen_random_uuid(), 'Chain probe', $1, now()) RETURNING "id"`,
      [`chain-probe-${process.env.SB_TEST_RUN_ID ?? 'local'}`],
    );
    const record = await client.query<{ id: string }>(
      `INSERT INTO "AuditRecord" ("id", "tenantId", "transactionId", "actorType", "actorId", "operation", "resourceType", "outcome")
       VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'system', 'drift-spec', 'read', 'Patient', 'success') RETURNING "id"`,
      [tenant.rows[0].id],
    );
    const id = record.rows[0].id;
    await expect(errorOf('UPDATE "AuditRecord" SET "patientRef" = $2 WHERE "id" = $1', [id, 'Patient/forged'])).resolves.toMatch(/append-only: UPDATE refused/);
    await expect(
      errorOf('UPDATE "AuditRecord" SET "sequence" = 1, "prevHash" = $2, "hash" = $3, "operation" = $4 WHERE "id" = $1', [id, 'p', 'h', 'delete']),
    ).resolves.toMatch(/append-only: UPDATE refused/);
    await client.query('UPDATE "AuditRecord" SET "sequence" = 1, "prevHash" = $2, "hash" = $3 WHERE "id" = $1', [id, 'p', 'h']);
    await expect(errorOf('UPDATE "AuditRecord" SET "hash" = $2 WHERE "id" = $1', [id, 'h2'])).resolves.toMatch(/append-only: UPDATE refused/);
  });
});
