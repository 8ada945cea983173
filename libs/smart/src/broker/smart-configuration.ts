import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { SmartUrls } from '@sb/connections';

/** The capabilities the gateway offers every app, whatever the EHR behind it (SMART App Launch 2.2 §conformance). */
export const SMART_CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-banner',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'permission-offline',
  'permission-online',
  'sso-openid-connect',
] as const;

/** `<FHIR base>/.well-known/smart-configuration` for one connection: every URL absolute, on the gateway. */
export function smartConfigurationOf(urls: SmartUrls, connectionId: string) {
  return {
    issuer: urls.issuer(connectionId),
    jwks_uri: urls.jwks,
    authorization_endpoint: urls.authorize,
    token_endpoint: urls.token,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'offline_access', 'online_access', 'patient/*.cruds', 'user/*.cruds', 'patient/*.read', 'user/*.read'],
    capabilities: [...SMART_CAPABILITIES],
  };
}

/** The CapabilityStatement's `rest.security` with the SMART oauth-uris extension (and the service coding). */
export function smartSecurityOf(urls: SmartUrls) {
  return {
    service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'authorize', valueUri: urls.authorize },
          { url: 'token', valueUri: urls.token },
        ],
      },
    ],
  };
}

/** The statement with the SMART security block on its server `rest` entry (a connection set up for SMART launch). */
export function withSmartSecurity(statement: CapabilityStatement, urls: SmartUrls): CapabilityStatement {
  return { ...statement, rest: (statement.rest ?? []).map((rest) => (rest.mode === 'server' ? { ...rest, security: { ...rest.security, ...smartSecurityOf(urls) } } : rest)) };
}
