/**
 * The scopes this authorization server grants in a user-facing launch
 * (https://hl7.org/fhir/smart-app-launch/STU2.2/scopes-and-launch-context.html).
 * Any other requested scope is dropped from the grant rather than refused, as
 * SMART allows ("the granted scopes may differ"); system/ scopes belong to
 * backend services and are dropped here too.
 */
const CONTEXT_AND_IDENTITY = new Set(['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access']);
const RESOURCE_TYPE = '(?:\\*|[A-Z][A-Za-z]{1,63})';
/** v1: `patient/Observation.read`, `user/*.write`, `patient/*.*`. */
const V1 = new RegExp(`^(?:patient|user)/${RESOURCE_TYPE}\\.(?:read|write|\\*)$`);
/** v2: `patient/Observation.rs`, with an optional `?param=value&…` constraint; permissions in c r u d s order. */
const V2 = new RegExp(`^(?:patient|user)/${RESOURCE_TYPE}\\.(?=[cruds])c?r?u?d?s?(?:\\?[^\\s?]+)?$`);

export const SCOPES_SUPPORTED: readonly string[] = [
  ...CONTEXT_AND_IDENTITY,
  'patient/*.rs',
  'patient/*.cruds',
  'patient/*.read',
  'patient/*.write',
  'user/*.rs',
  'user/*.cruds',
  'user/*.read',
  'user/*.write',
];

export const isGrantableScope = (scope: string): boolean => CONTEXT_AND_IDENTITY.has(scope) || V1.test(scope) || V2.test(scope);

/** The requested scopes this server grants, in request order, without duplicates. */
export function grantableScopes(requested: string | undefined): string[] {
  const scopes = (requested ?? '').split(/\s+/).filter((s) => s !== '');
  return [...new Set(scopes.filter(isGrantableScope))];
}

/** Whether a user's refresh token grant should be issued: offline_access (long-lived) or online_access. */
export function refreshKind(scopes: readonly string[]): 'offline' | 'online' | undefined {
  if (scopes.includes('offline_access')) return 'offline';
  if (scopes.includes('online_access')) return 'online';
  return undefined;
}
