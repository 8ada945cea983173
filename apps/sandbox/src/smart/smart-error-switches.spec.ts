import { epicSession, startTestSandbox, type EpicSession, type TestSandbox } from '../testing/sandbox-harness';
import {
  authorize,
  authorizeAndExchange,
  authorizeParams,
  codeForm,
  ehrLaunch,
  fhirGet,
  pkcePair,
  putSmartSettings,
  refreshForm,
  resetSmart,
  serverFor,
  STANDALONE_SCOPE,
  tokenRequest,
  type SmartServerJson,
} from './testing/smart-app';

describe('SMART error switches (modelled on smart-launcher)', () => {
  let sandbox: TestSandbox;
  let epic: SmartServerJson;
  let backend: EpicSession;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    epic = await serverFor(sandbox, 'epic');
    backend = await epicSession(sandbox);
  });
  afterAll(async () => {
    await backend.keys.close();
    await sandbox.dispose();
  });
  afterEach(async () => {
    await resetSmart(sandbox);
  });

  const setError = async (error: string | null, vendor = 'epic'): Promise<void> => {
    const res = await putSmartSettings(sandbox, { vendor, error });
    expect(res.status).toBe(200);
  };
  const codeFor = async () => {
    const pkce = pkcePair();
    const answer = await authorize(epic, authorizeParams(epic, pkce, { scope: STANDALONE_SCOPE }));
    return { pkce, code: answer.location?.searchParams.get('code') as string };
  };

  it.each([
    ['auth_invalid_client_id', 'invalid_client'],
    ['auth_invalid_scope', 'invalid_scope'],
    ['access_denied', 'access_denied'],
  ])('%s: authorize redirects with error=%s and the state', async (error, expected) => {
    await setError(error);
    const params = authorizeParams(epic, pkcePair(), { scope: STANDALONE_SCOPE });
    const answer = await authorize(epic, params);
    expect(answer.status).toBe(302);
    expect(answer.location?.searchParams.get('error')).toBe(expected);
    expect(answer.location?.searchParams.get('state')).toBe(params.state);
    expect(answer.location?.searchParams.has('code')).toBe(false);
  });

  it('access_denied spends the launch the user declined', async () => {
    await setError('access_denied');
    const launch = (await ehrLaunch(sandbox, { vendor: 'epic', patient: String(sandbox.state.patients('epic')[0]?.id) })).location?.searchParams.get('launch') as string;
    expect((await authorize(epic, authorizeParams(epic, pkcePair(), { launch }))).location?.searchParams.get('error')).toBe('access_denied');
    await setError(null);
    expect((await authorize(epic, authorizeParams(epic, pkcePair(), { launch }))).location?.searchParams.get('error')).toBe('invalid_request');
  });

  it('auth_invalid_redirect_uri: an error page, no redirect', async () => {
    await setError('auth_invalid_redirect_uri');
    const answer = await authorize(epic, authorizeParams(epic, pkcePair(), { scope: STANDALONE_SCOPE }));
    expect(answer.status).toBe(400);
    expect(answer.location).toBeUndefined();
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('upstream_down: authorize and token answer 503', async () => {
    const { pkce, code } = await codeFor();
    await setError('upstream_down');
    const answer = await authorize(epic, authorizeParams(epic, pkcePair(), { scope: STANDALONE_SCOPE }));
    expect(answer.status).toBe(503);
    expect(answer.location).toBeUndefined();
    expect(await tokenRequest(epic, codeForm(code, pkce))).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
    // Backend services (client_credentials) are not the SMART server's to take down.
    const res = await fetch(backend.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await backend.keys.assertion() }) });
    expect(res.status).toBe(200);
  });

  it('auth_invalid_client_secret: token 401 invalid_client', async () => {
    const { pkce, code } = await codeFor();
    await setError('auth_invalid_client_secret');
    const form = codeForm(code, pkce);
    delete form.client_id;
    const reply = await tokenRequest(epic, form, { clientId: 'test-app', secret: 'whatever' });
    expect(reply).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: expect.any(String) } });
    expect(reply.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('token_invalid_token: token 400 invalid_grant', async () => {
    const { pkce, code } = await codeFor();
    await setError('token_invalid_token');
    expect(await tokenRequest(epic, codeForm(code, pkce))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('token_invalid_scope: token 400 invalid_scope', async () => {
    const { pkce, code } = await codeFor();
    await setError('token_invalid_scope');
    expect(await tokenRequest(epic, codeForm(code, pkce))).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('token_expired_refresh_token: the refresh grant answers 400 invalid_grant, and the token stays dead', async () => {
    const { token } = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
    await setError('token_expired_refresh_token');
    expect(await tokenRequest(epic, refreshForm(token.body.refresh_token as string))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await setError(null);
    expect(await tokenRequest(epic, refreshForm(token.body.refresh_token as string))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // New authorizations are unaffected once cleared.
    const fresh = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
    expect((await tokenRequest(epic, refreshForm(fresh.token.body.refresh_token as string))).status).toBe(200);
  });

  it.each([
    ['request_invalid_token', /The access token provided is not valid/],
    ['request_expired_token', /expired/],
  ])('%s: FHIR calls with a user token answer 401 while it is set; system tokens are untouched', async (error, message) => {
    const { token } = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
    const url = `${epic.fhirBaseUrl}/Patient/${String(token.body.patient)}`;
    await setError(error);
    const refused = await fhirGet(url, token.body.access_token as string);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await refused.text()).toMatch(message);
    expect((await backend.get(`/Patient/${String(token.body.patient)}`)).status).toBe(200);
    await setError(null);
    expect((await fhirGet(url, token.body.access_token as string)).status).toBe(200);
  });

  it('switches are per vendor', async () => {
    await setError('upstream_down', 'oracle');
    const { token } = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
    expect(token.status).toBe(200);
  });

  it('refuses an unknown switch, and lists the settings of every vendor', async () => {
    const bad = await putSmartSettings(sandbox, { vendor: 'epic', error: 'token_invalid_jti' });
    expect(bad.status).toBe(400);
    expect((await putSmartSettings(sandbox, { vendor: 'epic', errror: 'access_denied' })).status).toBe(400);
    await setError('access_denied', 'athena');
    const settings = (await (await fetch(`${sandbox.url}/_sandbox/smart/settings`)).json()) as Record<string, unknown>;
    expect(settings).toEqual({
      epic: { error: null, accessTokenTtlSeconds: 3600, standalonePatient: sandbox.state.patients('epic')[0]?.id },
      oracle: { error: null, accessTokenTtlSeconds: 3600, standalonePatient: sandbox.state.patients('oracle')[0]?.id },
      athena: { error: 'access_denied', accessTokenTtlSeconds: 3600, standalonePatient: sandbox.state.patients('athena')[0]?.id },
    });
  });

  it('DELETE /_sandbox/smart clears the switches and revokes the user tokens', async () => {
    const { token } = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
    await setError('access_denied');
    await resetSmart(sandbox);
    const settings = (await (await fetch(`${sandbox.url}/_sandbox/smart/settings`)).json()) as Record<string, { error: unknown }>;
    expect(settings.epic?.error).toBeNull();
    expect((await fhirGet(`${epic.fhirBaseUrl}/Patient/${String(token.body.patient)}`, token.body.access_token as string)).status).toBe(401);
    expect(await tokenRequest(epic, refreshForm(token.body.refresh_token as string))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await backend.get(`/Patient/${String(token.body.patient)}`)).status).toBe(200);
  });
});
