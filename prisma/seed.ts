/**
 * Seeds the demo tenant and the operator user (idempotent) and prints a fresh demo API key. Run by
 * `npm start` after migrations; `npm run db:seed` runs it alone.
 */
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { hashPassword, verifyPassword } from '@sb/auth';
import { BillingModule } from '@sb/billing';
import { ConfigModule, devSecret, loadConfig } from '@sb/config';
import { ConnectionRepository, ConsoleUserRepository, Database, DbModule, TenantRepository } from '@sb/db';
import { ApiKeyService, generateOperatorPassword, OperatorUsersService, TenancyModule, TenantService } from '@sb/tenancy';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { seedDemoBilling } from './seed-demo-billing';

const DEMO_SLUG = 'demo';
const DEMO_KEY_NAME = 'demo (npm start)';
const DEMO_OWNER_EMAIL = 'owner@demo.example';
const DEMO_OWNER_PASSWORD_FILE = 'demo-owner-password';
/** The installation's first operator user; more with `npm run operator:add -- <email> <name>`. */
const OPERATOR_EMAIL = 'operator@switchboard.local';
const OPERATOR_PASSWORD_FILE = 'operator-password';

@Module({ imports: [ConfigModule, DbModule, TenancyModule, BillingModule] })
class SeedModule {}

async function seed(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(SeedModule, { logger: ['error'] });
  try {
    const tenants = app.get(TenantRepository);
    const tenant =
      (await tenants.findBySlug(DEMO_SLUG)) ??
      (await app.get(TenantService).create({
        name: 'Demo Telehealth',
        slug: DEMO_SLUG,
        plan: 'developer',
        owner: { email: DEMO_OWNER_EMAIL, name: 'Demo Owner' },
      }));

    // A new key each start; the previous demo key is revoked so only one is live.
    const apiKeys = app.get(ApiKeyService);
    for (const old of await apiKeys.list(tenant.id)) {
      if (old.name === DEMO_KEY_NAME && !old.revokedAt) await apiKeys.revoke(tenant.id, old.id);
    }
    const { key } = await apiKeys.create({ type: 'operator', id: 'operator' }, tenant.id, { name: DEMO_KEY_NAME });
    const echo = await app.get(ConnectionRepository).findFirstByVendor(tenant.id, 'echo');
    await seedDemoBilling(app, tenant.id);

    // The demo owner's console password: generated once into the state directory, like the admin token.
    const password = devSecret(config.stateDir, DEMO_OWNER_PASSWORD_FILE, () => randomBytes(18).toString('base64url'));
    const users = app.get(ConsoleUserRepository);
    const owner = await users.findCredentialByEmail(DEMO_OWNER_EMAIL);
    if (owner && owner.tenantId === tenant.id && !(await verifyPassword(owner.passwordHash, password))) {
      const passwordHash = await hashPassword(password);
      await app.get(Database).transaction((tx) => users.setPassword(tx, tenant.id, owner.id, passwordHash));
    }
    // The demo's data is synthetic, so its owner holds the PHI grant and can open messages and resources.
    if (owner && owner.tenantId === tenant.id && !owner.phiAccess) {
      await app.get(Database).transaction((tx) => users.update(tx, tenant.id, owner.id, { phiAccess: true }));
    }

    // The operator user's console password: generated once into the state directory, like the demo owner's.
    const operatorPassword = devSecret(config.stateDir, OPERATOR_PASSWORD_FILE, generateOperatorPassword);
    await app.get(OperatorUsersService).ensure({ email: OPERATOR_EMAIL, name: 'Switchboard operator', password: operatorPassword });

    const url = config.publicUrl;
    process.stdout.write(
      [
        '',
        '  Switchboard demo is seeded.',
        `    tenant         ${tenant.slug} (${tenant.id})`,
        `    demo API key   ${key}`,
        `    admin token    in ${join(config.stateDir, 'admin-token')} (or SB_ADMIN_TOKEN)`,
        '',
        `  Console: ${url}/console`,
        `    sign in as     ${DEMO_OWNER_EMAIL}`,
        `    password       ${password}   (kept in ${join(config.stateDir, DEMO_OWNER_PASSWORD_FILE)})`,
        `    operator       ${OPERATOR_EMAIL} (creates tenants, invites their owners)`,
        `    password       ${operatorPassword}   (kept in ${join(config.stateDir, OPERATOR_PASSWORD_FILE)})`,
        '',
        '  Try:',
        `    curl -s ${url}/health`,
        `    curl -s -H "Authorization: Bearer ${key}" -H 'content-type: application/json' \\`,
        `      -d '{"query":"{ viewer { tenant { id slug } scopes } }"}' ${url}/graphql`,
        ...(echo
          ? [
              `    curl -s -H "Authorization: Bearer ${key}" -H 'content-type: application/json' \\`,
              `      -d '{"message":"hello"}' ${url}/v1/connections/${echo.id}/echo`,
            ]
          : []),
        `    API docs: ${url}/docs`,
        '',
      ].join('\n') + '\n',
    );
  } finally {
    await app.close();
  }
}

seed().catch((e: unknown) => {
  process.stderr.write(`seed failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}\n`);
  process.exit(1);
});
