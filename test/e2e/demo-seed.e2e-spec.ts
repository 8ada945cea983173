/**
 * The demo seed (`npm start` runs it after migrations), built, on a database of its own: the
 * demo tenant gets a priced plan and billing terms, so the console's finance pages have
 * something to price from the first start; a second run (every later `npm start`) changes
 * neither.
 */
import type { TestingModule } from '@nestjs/testing';
import { processEnv } from '@sb/config';
import { PrismaService } from '@sb/db';
import { createTestingApp } from '@sb/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseName, dropDatabase, withDatabase } from '../../libs/db/src/migrate/database-admin';

const ROOT = join(__dirname, '..', '..');
const runUrl = processEnv().DATABASE_URL as string;
const database = `${databaseName(runUrl)}_seed`;
const url = withDatabase(runUrl, database);
const stateDir = mkdtempSync(join(tmpdir(), 'sb-seed-'));

function runBuilt(script: string): void {
  const run = spawnSync(process.execPath, ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', join(ROOT, 'dist', script)], {
    env: { ...processEnv(), DATABASE_URL: url, SB_STATE_DIR: stateDir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`${script} exited ${run.status}: ${run.stderr}`);
}

let db: TestingModule;
const query = <T>(sql: string): Promise<T[]> => db.get(PrismaService).$queryRawUnsafe<T[]>(sql);

const billingOfDemo = () =>
  query<{ name: string; planVersion: number; timezone: string; anchorDay: number; currency: string; components: number; minimum: string }>(`
    SELECT p."name", b."planVersion", b."timezone", b."anchorDay", b."currency",
           jsonb_array_length(v."definition"->'components') AS "components", v."definition"->>'minimumCommitment' AS "minimum"
    FROM "TenantBilling" b JOIN "Tenant" t ON t."id" = b."tenantId" JOIN "BillingPlan" p ON p."id" = b."planId"
    JOIN "BillingPlanVersion" v ON v."planId" = p."id" AND v."version" = b."planVersion"
    WHERE t."slug" = 'demo'`);

beforeAll(async () => {
  runBuilt('scripts/db-migrate.js');
  db = await createTestingApp([], { DATABASE_URL: url });
}, 180_000);

afterAll(async () => {
  await db?.close();
  await dropDatabase(runUrl, database);
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the demo seed', () => {
  it('puts the demo tenant on a usage-based plan in New York from its first period, and a second run adds nothing', async () => {
    runBuilt('prisma/seed.js');
    const first = await billingOfDemo();
    expect(first).toEqual([{ name: 'Demo usage-based', planVersion: 1, timezone: 'America/New_York', anchorDay: 1, currency: 'USD', components: 8, minimum: '500.00' }]);

    runBuilt('prisma/seed.js');
    expect(await billingOfDemo()).toEqual(first);
    expect(await query(`SELECT "id" FROM "BillingPlan"`)).toHaveLength(1);
  }, 240_000);
});
