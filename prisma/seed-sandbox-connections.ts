/**
 * Gives the demo tenant one live connection to each simulated EHR. Run by
 * `npm start` once the api and sandbox answer (the sandbox fetches the
 * connection's JWKS from the api while verifying the first token request).
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@sb/config';
import { ConnectionsModule, ConnectionService, SandboxProvisioner } from '@sb/connections';
import { DbModule, TenantRepository } from '@sb/db';

const DEMO_CONNECTIONS = [
  { name: 'Epic sandbox', vendor: 'epic' },
  { name: 'Oracle Health sandbox', vendor: 'oracle' },
] as const;

@Module({ imports: [ConfigModule, DbModule, ConnectionsModule] })
class SeedConnectionsModule {}

async function seedConnections(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(SeedConnectionsModule, { logger: ['error'] });
  try {
    const tenant = await app.get(TenantRepository).findBySlug('demo');
    if (!tenant) throw new Error('the demo tenant is missing: run the seed first');
    const connections = app.get(ConnectionService);
    const existing = await connections.list(tenant.id);
    const lines: string[] = ['', '  Demo connections to the sandbox EHRs:'];
    for (const demo of DEMO_CONNECTIONS) {
      let connection = existing.find((c) => c.name === demo.name && c.status === 'live');
      if (!connection) {
        const created = await app.get(SandboxProvisioner).create({ type: 'operator', id: 'operator' }, tenant.id, {
          name: demo.name,
          vendor: demo.vendor,
          environment: 'sandbox',
          ...(demo.vendor === 'epic' ? { authAlg: 'RS384' as const } : { clientSecretName: 'client_secret' }),
        } as never);
        connection = created.connection;
      }
      const patients = (await (await fetch(`${config.sandboxUrl}/_sandbox/patients?vendor=${demo.vendor}`)).json()) as { id: string }[];
      lines.push(
        `    ${demo.name.padEnd(22)} ${connection.id} (${connection.status})`,
        `      curl -s -H "Authorization: Bearer $KEY" ${config.publicUrl}/fhir/r4/${connection.id}/Patient/${patients[0]?.id ?? '<id>'}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  } finally {
    await app.close();
  }
}

seedConnections().catch((e: unknown) => {
  process.stderr.write(`sandbox connection seed failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}\n`);
  process.exit(1);
});
