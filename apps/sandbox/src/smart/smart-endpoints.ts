import { ATHENA_FHIR_PATH } from '../athena/athena-fhir-routes';
import { ATHENA_TOKEN_PATH } from '../athena/athena-token';
import { EPIC_FHIR_PATH, EPIC_TOKEN_PATH } from '../epic/epic-routes';
import type { Vendor } from '../faults/fault-queue';
import type { SandboxState } from '../sandbox-state';

/** Which simulated authorization server: Oracle's are per tenant, as its FHIR bases are. */
export type SmartTarget = { vendor: 'epic' } | { vendor: 'athena' } | { vendor: 'oracle'; tenantId: string };

/** Epic: https://fhir.epic.com/Documentation?docId=oauth2 — /oauth2/authorize next to /oauth2/token. */
export const EPIC_AUTHORIZE_PATH = '/epic/oauth2/authorize';
export const EPIC_JWKS_PATH = '/epic/oauth2/jwks';
/** Oracle Health: per tenant, the provider persona's authorize next to the smart-v1 token endpoint. */
export const ORACLE_OAUTH_PREFIX = '/oracle/tenants/:tenantId/protocols/oauth2/profiles/smart-v1';
export const ORACLE_TOKEN_ROUTE = `${ORACLE_OAUTH_PREFIX}/token`;
export const ORACLE_AUTHORIZE_ROUTE = `${ORACLE_OAUTH_PREFIX}/personas/provider/authorize`;
export const ORACLE_JWKS_ROUTE = `${ORACLE_OAUTH_PREFIX}/jwks`;
/** athenahealth: /oauth2/v1/authorize next to /oauth2/v1/token. */
export const ATHENA_AUTHORIZE_PATH = '/athena/oauth2/v1/authorize';
export const ATHENA_JWKS_PATH = '/athena/oauth2/v1/jwks';
export { ATHENA_FHIR_PATH, ATHENA_TOKEN_PATH, EPIC_FHIR_PATH, EPIC_TOKEN_PATH };

/** The absolute URLs of one simulated SMART authorization server and the FHIR base it guards. */
export interface SmartServer {
  target: SmartTarget;
  vendor: Vendor;
  /** Also the id_token issuer and the `aud` an authorize request must carry. */
  fhirBase: string;
  authorizeUrl: string;
  tokenUrl: string;
  jwksUrl: string;
}

export function smartServer(state: SandboxState, target: SmartTarget): SmartServer {
  const origin = state.publicUrl;
  switch (target.vendor) {
    case 'epic':
      return { target, vendor: 'epic', fhirBase: state.epicBase, authorizeUrl: `${origin}${EPIC_AUTHORIZE_PATH}`, tokenUrl: state.epicTokenUrl, jwksUrl: `${origin}${EPIC_JWKS_PATH}` };
    case 'athena':
      return {
        target,
        vendor: 'athena',
        fhirBase: `${origin}${ATHENA_FHIR_PATH}`,
        authorizeUrl: `${origin}${ATHENA_AUTHORIZE_PATH}`,
        tokenUrl: state.athenaTokenUrl,
        jwksUrl: `${origin}${ATHENA_JWKS_PATH}`,
      };
    case 'oracle': {
      const prefix = `${origin}${ORACLE_OAUTH_PREFIX.replace(':tenantId', encodeURIComponent(target.tenantId))}`;
      return {
        target,
        vendor: 'oracle',
        fhirBase: state.oracleBase(target.tenantId),
        authorizeUrl: `${prefix}/personas/provider/authorize`,
        tokenUrl: state.oracleTokenUrl(target.tenantId),
        jwksUrl: `${prefix}/jwks`,
      };
    }
  }
}

export const sameTarget = (a: SmartTarget, b: SmartTarget): boolean =>
  a.vendor === b.vendor && (a.vendor !== 'oracle' || (b.vendor === 'oracle' && a.tenantId === b.tenantId));
