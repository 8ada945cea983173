import { athenaWantsProvisioning, createConnectionSchema, updateConnectionSchema, VENDOR_FIELDS } from './connection.schemas';

const issuesOf = (body: unknown) => {
  const parsed = createConnectionSchema.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('athena connection settings', () => {
  it('accepts a production practice with its client id, endpoints, departments and poll settings', () => {
    const parsed = createConnectionSchema.parse({
      name: 'Valley Clinic',
      vendor: 'athena',
      environment: 'production',
      athenaPracticeId: '1959222',
      clientId: '0oa1b2c3',
      athenaBaseUrl: 'https://api.platform.athenahealth.com',
      tokenUrl: 'https://api.platform.athenahealth.com/oauth2/v1/token',
      departmentIds: ['1', '150'],
      changePollSeconds: 60,
      changeReplayMinutes: 30,
    });
    expect(parsed).toMatchObject({ vendor: 'athena', clientSecretName: 'client_secret', departmentIds: ['1', '150'], changePollSeconds: 60 });
  });

  it('needs the practice id and client id, naming each missing field, unless a sandbox connection is to be provisioned', () => {
    expect(issuesOf({ name: 'x', vendor: 'athena', environment: 'production' })).toEqual([
      { path: 'athenaPracticeId', message: expect.stringMatching(/required/) },
      { path: 'clientId', message: expect.stringMatching(/required/) },
    ]);
    expect(issuesOf({ name: 'x', vendor: 'athena', environment: 'sandbox', athenaBaseUrl: 'https://athena.example' })).toHaveLength(2);
    expect(issuesOf({ name: 'x', vendor: 'athena', environment: 'sandbox', clientId: 'c' })).toEqual([{ path: 'athenaPracticeId', message: expect.stringMatching(/required/) }]);
    expect(issuesOf({ name: 'x', vendor: 'athena', environment: 'sandbox' })).toEqual([]);
    expect(issuesOf({ name: 'x', vendor: 'athena' })).toEqual([]);
  });

  it('provisions only sandbox connections given neither credentials nor endpoints', () => {
    expect(athenaWantsProvisioning({ environment: 'sandbox' })).toBe(true);
    expect(athenaWantsProvisioning({ environment: 'production' })).toBe(false);
    expect(athenaWantsProvisioning({ environment: 'sandbox', clientId: 'c' })).toBe(false);
    expect(athenaWantsProvisioning({ environment: 'sandbox', tokenUrl: 'https://t.example/token' })).toBe(false);
  });

  it('refuses the FHIR settings athena does not use, and bad ids and poll settings, naming the field', () => {
    const base = { name: 'x', vendor: 'athena', athenaPracticeId: '195900', clientId: 'c' };
    for (const field of ['fhirBaseUrl', 'scopes', 'authAlg']) {
      expect(issuesOf({ ...base, [field]: field === 'scopes' ? ['system/Patient.read'] : 'RS384' })[0]?.message).toContain(field);
    }
    expect(issuesOf({ ...base, athenaPracticeId: '12a' })).toEqual([{ path: 'athenaPracticeId', message: 'digits only' }]);
    expect(issuesOf({ ...base, departmentIds: ['1', 'x'] })).toEqual([{ path: 'departmentIds.1', message: 'digits only' }]);
    expect(issuesOf({ ...base, changePollSeconds: 1 })).toEqual([{ path: 'changePollSeconds', message: 'at least 5 seconds' }]);
    expect(issuesOf({ ...base, changeReplayMinutes: 100_000 })[0]?.path).toBe('changeReplayMinutes');
    expect(issuesOf({ ...base, dialect: { requestsPerSecond: -1 } })[0]?.path).toBe('dialect.requestsPerSecond');
  });

  it('updates the same settings, and only those', () => {
    expect(VENDOR_FIELDS.athena).toEqual(
      expect.arrayContaining(['athenaPracticeId', 'clientId', 'athenaBaseUrl', 'tokenUrl', 'departmentIds', 'changePollSeconds', 'changeReplayMinutes', 'clientSecretName', 'dialect']),
    );
    expect(VENDOR_FIELDS.athena).not.toContain('fhirBaseUrl');
    expect(VENDOR_FIELDS.athena).not.toContain('scopes');
    expect(VENDOR_FIELDS.epic).not.toContain('departmentIds');
    expect(updateConnectionSchema.parse({ athenaBaseUrl: null, changePollSeconds: null, departmentIds: [] })).toEqual({ athenaBaseUrl: null, changePollSeconds: null, departmentIds: [] });
  });
});
