import { EHR_RECORD_TYPES, type AdapterContext } from '@sb/adapters/contracts';
import { FhirAdapter, GENERIC_CAPABILITIES } from '@sb/adapters/fhir';

/** SMART v1 scope syntax, which Oracle Health system accounts use (`system/Patient.read`). */
export const ORACLE_DEFAULT_SCOPES: readonly string[] = [
  ...EHR_RECORD_TYPES.map((t) => `system/${t}.read`),
  'system/DocumentReference.write',
  'system/Appointment.write',
];

/**
 * Oracle Health Millennium (https://fhir.cerner.com): a system account with a client
 * secret at a tenant-scoped token endpoint, SMART v1 scopes, and a strict
 * `Accept: application/fhir+json`.
 */
export class OracleAdapter extends FhirAdapter {
  constructor(ctx: AdapterContext) {
    super(ctx, {
      auth: { kind: 'client_secret_basic', secretName: ctx.connection.clientSecretName ?? 'client_secret' },
      scopes: ctx.connection.scopes.length > 0 ? ctx.connection.scopes : ORACLE_DEFAULT_SCOPES,
      capabilities: GENERIC_CAPABILITIES,
      accept: 'application/fhir+json',
    });
  }
}
