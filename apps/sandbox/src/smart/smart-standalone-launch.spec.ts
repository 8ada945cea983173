import { decodeJwt } from 'jose';
import { startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { authorize, authorizeAndExchange, authorizeParams, fhirGet, pkcePair, putSmartSettings, resetSmart, serverFor, STANDALONE_SCOPE, type SmartServerJson } from './testing/smart-app';

describe('SMART standalone launch', () => {
  let sandbox: TestSandbox;
  let epic: SmartServerJson;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    epic = await serverFor(sandbox, 'epic');
  });
  afterAll(async () => {
    await sandbox.dispose();
  });
  afterEach(async () => {
    await resetSmart(sandbox);
  });

  it("selects the dataset's first patient by default, signs in as the synthetic practitioner", async () => {
    const { token } = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
    const first = sandbox.state.patients('epic')[0]?.id as string;
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ patient: first, need_patient_banner: true, scope: STANDALONE_SCOPE, refresh_token: expect.any(String), id_token: expect.any(String) });
    expect(token.body).not.toHaveProperty('encounter');
    const practitioner = sandbox.state.epicStore.all('Practitioner')[0]?.id as string;
    expect(decodeJwt(token.body.id_token as string)).toMatchObject({ fhirUser: `${epic.fhirBaseUrl}/Practitioner/${practitioner}`, sub: practitioner });
    expect((await fhirGet(`${epic.fhirBaseUrl}/Patient/${first}`, token.body.access_token as string)).status).toBe(200);
  });

  it('selects the patient set with PUT /_sandbox/smart/settings, until reset with null', async () => {
    const chosen = sandbox.state.patients('athena')[3]?.id as string;
    const put = await putSmartSettings(sandbox, { vendor: 'athena', standalonePatient: chosen });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ error: null, accessTokenTtlSeconds: 3600, standalonePatient: chosen });
    const athena = await serverFor(sandbox, 'athena');
    const { token } = await authorizeAndExchange(athena, { scope: STANDALONE_SCOPE });
    expect(token.body.patient).toBe(chosen);
    expect((await fhirGet(`${athena.fhirBaseUrl}/Patient/${chosen}`, token.body.access_token as string)).status).toBe(200);
    // Other vendors keep their default.
    expect((await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE })).token.body.patient).toBe(sandbox.state.patients('epic')[0]?.id);

    await putSmartSettings(sandbox, { vendor: 'athena', standalonePatient: null });
    expect((await authorizeAndExchange(athena, { scope: STANDALONE_SCOPE })).token.body.patient).toBe(sandbox.state.patients('athena')[0]?.id);
  });

  it('refuses a standalone patient the vendor does not have', async () => {
    const res = await putSmartSettings(sandbox, { vendor: 'epic', standalonePatient: 'a-195900.E-7001' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('gives no patient context without launch/patient, and no refresh token or id_token unless asked', async () => {
    const { token } = await authorizeAndExchange(epic, { scope: 'user/*.rs' });
    expect(token.status).toBe(200);
    expect(Object.keys(token.body).sort()).toEqual(['access_token', 'expires_in', 'need_patient_banner', 'scope', 'token_type']);
  });

  it('issues a refresh token for online_access as well', async () => {
    const { token } = await authorizeAndExchange(epic, { scope: 'launch/patient online_access patient/Observation.rs' });
    expect(token.body.refresh_token).toEqual(expect.any(String));
  });

  it('grants the requested scopes it knows and drops the rest', async () => {
    const lab = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
    const { token } = await authorizeAndExchange(epic, { scope: `launch/patient ${lab} patient/*.read system/Patient.read made-up/scope patient/Observation.sr user/*.cruds` });
    expect(token.body.scope).toBe(`launch/patient ${lab} patient/*.read user/*.cruds`);
  });

  it('answers invalid_scope when nothing requested can be granted', async () => {
    const params = authorizeParams(epic, pkcePair(), { scope: 'system/*.read nonsense' });
    const answer = await authorize(epic, params);
    expect(answer.location?.searchParams.get('error')).toBe('invalid_scope');
    expect(answer.location?.searchParams.get('state')).toBe(params.state);
  });

  it('uses the configured access token lifetime', async () => {
    await putSmartSettings(sandbox, { vendor: 'epic', accessTokenTtlSeconds: 120 });
    const { token } = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
    expect(token.body.expires_in).toBe(120);
    const settings = (await (await fetch(`${sandbox.url}/_sandbox/smart/settings`)).json()) as Record<string, { accessTokenTtlSeconds: number }>;
    expect(settings.epic?.accessTokenTtlSeconds).toBe(120);
    expect(settings.oracle?.accessTokenTtlSeconds).toBe(3600);
  });
});
