import { AthenaAdapter } from '@sb/adapters/athena';
import type { AdapterContext, EhrAdapter } from '@sb/adapters/contracts';
import { EpicAdapter } from '@sb/adapters/epic';
import { Hl7v2Adapter } from '@sb/adapters/hl7v2';
import { FhirAdapter, GENERIC_CAPABILITIES } from '@sb/adapters/fhir';
import { OracleAdapter } from '@sb/adapters/oracle';
import { ErrorCode, SbError } from '@sb/core';
import type { ConnectionVendor } from '@sb/db';

type AdapterFactory = (ctx: AdapterContext) => EhrAdapter;

const notYet = (vendor: string): AdapterFactory => () => {
  throw new SbError(ErrorCode.NotSupported, 'This vendor has no FHIR adapter yet', { details: { vendor } });
};

/**
 * The only place that knows every vendor: a `Record` over the vendor union, so a
 * new vendor does not compile until it is wired here.
 */
export const ADAPTER_FACTORIES: Record<ConnectionVendor, AdapterFactory> = {
  epic: (ctx) => new EpicAdapter(ctx),
  oracle: (ctx) => new OracleAdapter(ctx),
  fhir: (ctx) => new FhirAdapter(ctx, { auth: { kind: 'private_key_jwt' }, scopes: ctx.connection.scopes, capabilities: GENERIC_CAPABILITIES }),
  athena: (ctx) => new AthenaAdapter(ctx),
  hl7v2: (ctx) => new Hl7v2Adapter(ctx),
  echo: notYet('echo'),
};
