import type { AdapterContext } from '@sb/adapters/contracts';
import { FhirAdapter, GENERIC_CAPABILITIES } from '@sb/adapters/fhir';

/**
 * Epic (https://fhir.epic.com): SMART Backend Services with a client assertion
 * verified against our per-connection JWKS URL; search Bundles mixing
 * OperationOutcome entries (lifted into warnings by the FHIR mappers); notes
 * created with 201 + Location and no body (read back by the FHIR adapter).
 */
export class EpicAdapter extends FhirAdapter {
  constructor(ctx: AdapterContext) {
    super(ctx, { auth: { kind: 'private_key_jwt' }, scopes: ctx.connection.scopes, capabilities: GENERIC_CAPABILITIES });
  }
}
