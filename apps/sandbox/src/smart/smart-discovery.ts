import { SCOPES_SUPPORTED } from './smart-scopes';
import type { SmartServer } from './smart-endpoints';
import { ID_TOKEN_ALGORITHM } from './smart-signing-key';

/**
 * What the simulated servers support for SMART App Launch 2.2
 * (https://hl7.org/fhir/smart-app-launch/STU2.2/conformance.html#capabilities).
 */
export const SMART_LAUNCH_CAPABILITIES: readonly string[] = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'context-banner',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'permission-offline',
  'permission-online',
  'sso-openid-connect',
];
export const SMART_LAUNCH_GRANT_TYPES: readonly string[] = ['authorization_code', 'refresh_token'];

const union = (existing: unknown, added: readonly string[]): string[] => [...new Set([...(Array.isArray(existing) ? (existing as string[]) : []), ...added])];

/**
 * A vendor's `.well-known/smart-configuration` with SMART App Launch added to
 * what it already says about backend services: the endpoints, PKCE S256 only
 * (never plain), and the union of grant types, scopes and capabilities.
 */
export function withSmartLaunch(backendServices: Record<string, unknown>, server: SmartServer): Record<string, unknown> {
  return {
    issuer: server.fhirBase,
    jwks_uri: server.jwksUrl,
    authorization_endpoint: server.authorizeUrl,
    ...backendServices,
    grant_types_supported: union(backendServices.grant_types_supported, [...SMART_LAUNCH_GRANT_TYPES, 'client_credentials']),
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: union(backendServices.scopes_supported, SCOPES_SUPPORTED),
    capabilities: union(backendServices.capabilities, SMART_LAUNCH_CAPABILITIES),
  };
}

/** `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3), for OIDC client libraries. */
export function openidConfiguration(server: SmartServer): Record<string, unknown> {
  return {
    issuer: server.fhirBase,
    authorization_endpoint: server.authorizeUrl,
    token_endpoint: server.tokenUrl,
    jwks_uri: server.jwksUrl,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ID_TOKEN_ALGORITHM],
    scopes_supported: ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'],
    grant_types_supported: [...SMART_LAUNCH_GRANT_TYPES],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'fhirUser', 'profile'],
  };
}
