import { ALL_TENANT_SCOPES, invalidScopes, parseScope, scopeCovered, scopesGrant } from './scopes';

describe('parseScope', () => {
  it.each(['system/Patient.rs', 'system/*.cruds', 'system/Observation.r', 'system/Patient.read', 'system/*.*', 'usage:read'])(
    'accepts %s',
    (s) => expect(parseScope(s)).not.toBeNull(),
  );

  it.each(['system/Patient.sr', 'system/Patient.rr', 'system/Patient.', 'user/Patient.rs', 'patient/*.read', 'admin:everything', 'system/patient.rs', ''])(
    'rejects %s',
    (s) => expect(parseScope(s)).toBeNull(),
  );

  it('maps v1 read to read+search', () => {
    const p = parseScope('system/Patient.read');
    expect(p?.kind === 'clinical' && [...p.interactions].sort()).toEqual(['r', 's']);
  });
});

describe('scopesGrant', () => {
  it('grants a resource interaction through a wildcard', () => {
    expect(scopesGrant(['system/*.rs'], { resourceType: 'Patient', interaction: 's' })).toBe(true);
  });
  it('does not grant a missing interaction', () => {
    expect(scopesGrant(['system/Patient.rs'], { resourceType: 'Patient', interaction: 'c' })).toBe(false);
  });
  it('does not grant another resource type', () => {
    expect(scopesGrant(['system/Patient.cruds'], { resourceType: 'Observation', interaction: 'r' })).toBe(false);
  });
  it('grants admin scopes only by exact name', () => {
    expect(scopesGrant(['usage:read'], { admin: 'usage:read' })).toBe(true);
    expect(scopesGrant(['system/*.cruds'], { admin: 'usage:read' })).toBe(false);
  });
});

describe('scopeCovered', () => {
  it('allows narrowing', () => {
    expect(scopeCovered(['system/*.cruds'], 'system/Patient.rs')).toBe(true);
    expect(scopeCovered(['system/Patient.r', 'system/Patient.s'], 'system/Patient.rs')).toBe(true);
  });
  it('refuses widening', () => {
    expect(scopeCovered(['system/Patient.rs'], 'system/*.rs')).toBe(false);
    expect(scopeCovered(['system/Patient.rs'], 'system/Patient.cruds')).toBe(false);
    expect(scopeCovered(['system/*.cruds'], 'admin:connections')).toBe(false);
  });
});

it('has only valid default scopes', () => {
  expect(invalidScopes(ALL_TENANT_SCOPES)).toEqual([]);
});
