import { canonicalSmartScope, grantableScopes, invalidSmartScopes, parseSmartScope } from './smart-scopes';

const LAB = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

describe('SMART scopes', () => {
  it('parses v2 clinical scopes with their level, type, interactions and restriction', () => {
    const parsed = parseSmartScope(LAB);
    expect(parsed).toMatchObject({ kind: 'clinical', level: 'patient', resourceType: 'Observation' });
    expect(parsed?.kind === 'clinical' && [...parsed.interactions]).toEqual(['r', 's']);
    expect(parsed?.kind === 'clinical' && parsed.restriction).toEqual([['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory']]);
  });

  it('reads v1 permissions as v2 and writes them canonically', () => {
    expect(canonicalSmartScope('patient/*.read')).toBe('patient/*.rs');
    expect(canonicalSmartScope('user/Patient.write')).toBe('user/Patient.cud');
    expect(canonicalSmartScope('system/*.*')).toBe('system/*.cruds');
    expect(canonicalSmartScope('launch')).toBe('launch');
  });

  it('refuses what is outside the grammar', () => {
    expect(invalidSmartScopes(['patient/*.rs', 'openid', 'fhirUser', 'offline_access', 'launch/patient'])).toEqual([]);
    expect(invalidSmartScopes(['patient/*.sr', 'patient/*.read?category=x', 'clinic/*.rs', 'patient/observation.rs', 'patient/*.rs?=x', 'admin', 'patient/*.rs?category='])).toHaveLength(7);
  });

  it('grants what the registration covers and drops the rest', () => {
    const registered = ['launch', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs', 'user/Observation.rs?category=vital-signs'];
    expect(grantableScopes(['launch', 'openid', 'patient/Observation.read', 'patient/Patient.cruds', 'online_access'], registered)).toEqual(['launch', 'openid', 'patient/Observation.rs']);
    // A registered restriction holds: the request must carry it, and may narrow further.
    expect(grantableScopes(['user/Observation.rs'], registered)).toEqual([]);
    expect(grantableScopes(['user/Observation.r?category=vital-signs&code=1234'], registered)).toEqual(['user/Observation.r?category=vital-signs&code=1234']);
    expect(grantableScopes([LAB], ['patient/*.rs'])).toEqual([LAB]);
  });
});
