/**
 * Gives the demo tenant one live connection to each simulated EHR. Run by
 * `npm start` once the api and sandbox answer (the sandbox fetches the
 * connection's JWKS from the api while verifying the first token request).
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@sb/config';
import { ConnectionsModule, ConnectionService, SandboxProvisioner } from '@sb/connections';
import { ClinicalStoreRepository, DbModule, TenantRepository, type Connection } from '@sb/db';

const DEMO_CONNECTIONS = [
  { name: 'Epic sandbox', vendor: 'epic' },
  { name: 'Oracle Health sandbox', vendor: 'oracle' },
  { name: 'athenahealth sandbox', vendor: 'athena' },
] as const;

/** An HL7 v2 site: the sandbox's simulated hospital streams ADT/ORU/SIU/MDM to the mllp listener and takes orders back. */
const HL7_DEMO = { name: 'HL7 v2 sandbox site', facility: 'SANDBOX-SITE', messages: 20 } as const;

/** The first patient the worker filed from the stream (it processes within moments), to show a read. */
async function firstFiledPatient(store: ClinicalStoreRepository, connection: Connection): Promise<string | null> {
  for (let i = 0; i < 40; i++) {
    const [patient] = await store.search(connection.tenantId, connection.id, { resourceType: 'Patient', limit: 1 });
    if (patient) return patient.id;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

async function seedHl7Site(connections: ConnectionService, store: ClinicalStoreRepository, tenantId: string, existing: Connection | undefined): Promise<string[]> {
  const config = loadConfig();
  const connection =
    existing ??
    (await connections.create(tenantId, {
      name: HL7_DEMO.name,
      vendor: 'hl7v2',
      environment: 'sandbox',
      hl7SendingFacility: HL7_DEMO.facility,
      hl7AckMode: 'original',
      mllpHost: '127.0.0.1',
      mllpPort: config.sandboxMllpPort ?? 2576,
      mllpTls: false,
    }));
  const stream = await fetch(`${config.sandboxUrl}/_sandbox/hl7/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ host: '127.0.0.1', port: config.mllpPort, sendingFacility: HL7_DEMO.facility, count: HL7_DEMO.messages, seed: 1 }),
  });
  return [
    `    ${HL7_DEMO.name.padEnd(22)} ${connection.id} (${stream.ok ? `${HL7_DEMO.messages} messages streaming in over MLLP` : 'the sandbox site did not start its stream'})`,
    `      curl -s -H "Authorization: Bearer $KEY" ${config.publicUrl}/v1/connections/${connection.id}/hl7/messages`,
    ...[await firstFiledPatient(store, connection)].flatMap((id) => (id ? [`      curl -s -H "Authorization: Bearer $KEY" ${config.publicUrl}/fhir/r4/${connection.id}/Patient/${id}`] : [])),
  ];
}

/** The sandbox dataset's "today": its booked appointments and open slots lie after it. */
async function sandboxAnchor(sandboxUrl: string): Promise<string> {
  const health = (await (await fetch(`${sandboxUrl}/_sandbox/health`)).json()) as { anchor?: string };
  return health.anchor ?? '2026-11-02';
}

/** How to try a SMART EHR launch: register an app, then open the sandbox EHR's launch button in a browser. */
function smartLaunchHint(publicUrl: string, sandboxUrl: string, patientId: string): string[] {
  const app = { name: 'My telehealth app', launchUrl: 'http://localhost:8080/launch', redirectUris: ['http://localhost:8080/callback'], scopes: ['launch', 'openid', 'fhirUser', 'patient/*.rs'] };
  return [
    `      SMART EHR launch: register an app (note its clientId), then open the EHR's launch in a browser:`,
    `      curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '${JSON.stringify(app)}' ${publicUrl}/v1/smart-apps`,
    `      ${sandboxUrl}/_sandbox/smart/launch?vendor=epic&patient=${patientId}&app=${encodeURIComponent(`${publicUrl}/smart/launch?app=`)}<clientId>`,
  ];
}

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
        // athena's simulated practice books into open slots; its schedule follows the sandbox dataset's anchor date.
        ...(demo.vendor === 'athena' ? [`      curl -s -H "Authorization: Bearer $KEY" '${config.publicUrl}/fhir/r4/${connection.id}/Slot?start=ge${await sandboxAnchor(config.sandboxUrl)}'`] : []),
        ...(demo.vendor === 'epic' ? smartLaunchHint(config.publicUrl, config.sandboxUrl, patients[0]?.id ?? '<id>') : []),
      );
    }
    lines.push(...(await seedHl7Site(connections, app.get(ClinicalStoreRepository), tenant.id, existing.find((c) => c.name === HL7_DEMO.name))));
    process.stdout.write(`${lines.join('\n')}\n\n`);
  } finally {
    await app.close();
  }
}

seedConnections().catch((e: unknown) => {
  process.stderr.write(`sandbox connection seed failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}\n`);
  process.exit(1);
});
