import { grantableScopes, isGrantableScope, refreshKind } from './smart-scopes';

describe('SMART scopes granted in a user-facing launch', () => {
  it.each([
    'openid',
    'fhirUser',
    'launch',
    'launch/patient',
    'launch/encounter',
    'offline_access',
    'online_access',
    'patient/*.read',
    'user/Observation.write',
    'patient/*.*',
    'patient/Observation.rs',
    'user/*.cruds',
    'patient/Condition.c',
    'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
  ])('grants %s', (scope) => {
    expect(isGrantableScope(scope)).toBe(true);
  });

  it.each(['system/Patient.read', 'system/*.rs', 'patient/Observation.sr', 'patient/Observation.', 'patient/observation.read', 'patient/*.x', 'launch/questionnaire', 'email', 'patient/*.rs?', ''])('drops %p', (scope) => {
    expect(isGrantableScope(scope)).toBe(false);
  });

  it('keeps request order without duplicates', () => {
    expect(grantableScopes('  openid patient/*.rs bogus openid\tlaunch ')).toEqual(['openid', 'patient/*.rs', 'launch']);
    expect(grantableScopes(undefined)).toEqual([]);
  });

  it('tells which refresh token a grant earns', () => {
    expect(refreshKind(['offline_access', 'online_access'])).toBe('offline');
    expect(refreshKind(['online_access'])).toBe('online');
    expect(refreshKind(['openid'])).toBeUndefined();
  });
});
