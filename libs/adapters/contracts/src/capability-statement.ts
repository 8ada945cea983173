import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { Connection } from '@sb/db';
import type { AdapterCapabilities } from './resource-types';

/** https://hl7.org/fhir/R4/capabilitystatement.html for one connection, computed from its adapter's capabilities. */
export function capabilityStatementFor(connection: Pick<Connection, 'id' | 'vendor'>, capabilities: AdapterCapabilities): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    implementation: { description: `Switchboard connection ${connection.id} (${connection.vendor})` },
    rest: [
      {
        mode: 'server',
        resource: Object.entries(capabilities).map(([type, cap]) => ({
          type,
          interaction: cap.interactions.map((code) => ({ code: code === 'search' ? 'search-type' : code })),
          searchParam: cap.searchParams.map((name) => ({ name, type: 'string' })),
        })),
      },
    ],
  } as CapabilityStatement;
}
