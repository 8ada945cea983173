import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { athenaSession } from '../athena/testing/athena-session';
import type { LayeredStore } from '../fhir/resource-store';
import { oracleSession, startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { testClock } from '../testing/bulk-harness';
import {
  APP_LAUNCH_URL,
  authorize,
  authorizeAndExchange,
  authorizeParams,
  codeForm,
  EHR_SCOPE,
  ehrLaunch,
  fhirGet,
  pkcePair,
  REDIRECT_URI,
  refreshForm,
  serverFor,
  tokenRequest,
  type SmartServerJson,
} from './testing/smart-app';

type Vendor = 'epic' | 'oracle' | 'athena';

describe('SMART EHR launch against each simulated EHR', () => {
  const clock = testClock();
  let sandbox: TestSandbox;
  let oracleTenant: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    oracleTenant = (await oracleSession(sandbox)).tenantId;
  });
  afterAll(async () => {
    await sandbox.dispose();
  });
  afterEach(() => clock.reset());

  const storeOf = (vendor: Vendor): LayeredStore =>
    vendor === 'epic' ? sandbox.state.epicStore : vendor === 'oracle' ? sandbox.state.oracleStore(oracleTenant) : (sandbox.state.athenaFhir.store('195900') as LayeredStore);
  const launchQuery = (vendor: Vendor, patient: string, encounter?: string): Record<string, string> => ({
    vendor,
    patient,
    ...(encounter ? { encounter } : {}),
    ...(vendor === 'oracle' ? { tenant: oracleTenant } : {}),
  });
  const server = (vendor: Vendor): Promise<SmartServerJson> => serverFor(sandbox, vendor, vendor === 'oracle' ? oracleTenant : undefined);

  describe.each<Vendor>(['epic', 'oracle', 'athena'])('%s', (vendor) => {
    it('advertises SMART App Launch in .well-known/smart-configuration, keeping backend services', async () => {
      const s = await server(vendor);
      const res = await fetch(`${s.fhirBaseUrl}/.well-known/smart-configuration`, { headers: { accept: 'text/html', origin: 'https://app.example.test' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const config = (await res.json()) as Record<string, unknown>;
      expect(config).toMatchObject({
        issuer: s.fhirBaseUrl,
        jwks_uri: s.jwksUrl,
        authorization_endpoint: s.authorizeUrl,
        token_endpoint: s.tokenUrl,
        code_challenge_methods_supported: ['S256'],
        response_types_supported: ['code'],
      });
      expect(config.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
      expect(config.capabilities).toEqual(
        expect.arrayContaining([
          'launch-ehr',
          'launch-standalone',
          'client-public',
          'client-confidential-symmetric',
          'context-ehr-patient',
          'context-ehr-encounter',
          'context-standalone-patient',
          'permission-patient',
          'permission-user',
          'permission-v2',
          'permission-v1',
          'permission-offline',
          'sso-openid-connect',
        ]),
      );
      expect(config.scopes_supported).toEqual(expect.arrayContaining(['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'patient/*.rs']));
      for (const url of [config.issuer, config.jwks_uri, config.authorization_endpoint, config.token_endpoint]) expect(String(url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const openid = (await (await fetch(`${s.fhirBaseUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(openid).toMatchObject({ issuer: s.fhirBaseUrl, jwks_uri: s.jwksUrl, authorization_endpoint: s.authorizeUrl, token_endpoint: s.tokenUrl, id_token_signing_alg_values_supported: ['ES384'] });
    });

    it('launch → authorize → token → FHIR read → refresh rotation, with a verifiable id_token', async () => {
      const s = await server(vendor);
      const store = storeOf(vendor);
      const patient = store.all('Patient')[2]?.id as string;
      const encounter = store.forPatient('Encounter', patient)[0]?.id as string;
      expect(encounter).toBeDefined();

      // The EHR opens the app with iss and a single-use launch, keeping the app URL's own query.
      const launched = await ehrLaunch(sandbox, launchQuery(vendor, patient, encounter));
      expect(launched.status).toBe(302);
      const appUrl = launched.location as URL;
      expect(`${appUrl.origin}${appUrl.pathname}`).toBe(APP_LAUNCH_URL.replace(/\?.*$/, ''));
      expect(appUrl.searchParams.get('tag')).toBe('kept');
      expect(appUrl.searchParams.get('iss')).toBe(s.fhirBaseUrl);
      const launch = appUrl.searchParams.get('launch') as string;
      expect(launch).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const pkce = pkcePair();
      const params = authorizeParams(s, pkce, { launch, aud: appUrl.searchParams.get('iss') as string, nonce: 'n-0123456789' });
      const answer = await authorize(s, params);
      expect(answer.status).toBe(302);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const callback = answer.location as URL;
      expect(`${callback.origin}${callback.pathname}`).toBe('https://app.example.test/smart/callback');
      expect(callback.searchParams.get('route')).toBe('kept');
      expect(callback.searchParams.get('state')).toBe(params.state);
      const code = callback.searchParams.get('code') as string;
      expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const token = await tokenRequest(s, codeForm(code, pkce));
      expect(token.status).toBe(200);
      expect(token.headers.get('cache-control')).toBe('no-store');
      expect(token.headers.get('pragma')).toBe('no-cache');
      expect(token.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: EHR_SCOPE,
        patient,
        encounter,
        need_patient_banner: true,
        id_token: expect.any(String),
        refresh_token: expect.any(String),
      });

      const idToken = token.body.id_token as string;
      expect(decodeProtectedHeader(idToken).alg).toBe('ES384');
      const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(s.jwksUrl)), { issuer: s.fhirBaseUrl, audience: 'test-app', currentDate: new Date(clock.now()) });
      const practitionerId = /\/Practitioner\/([^/]+)$/.exec(String(payload.fhirUser))?.[1] as string;
      expect(payload).toMatchObject({ fhirUser: `${s.fhirBaseUrl}/Practitioner/${practitionerId}`, sub: practitionerId, nonce: 'n-0123456789' });
      expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
      expect(store.get('Practitioner', practitionerId)).toBeDefined();

      // The user token reads this vendor's FHIR API, the practitioner included.
      const access = token.body.access_token as string;
      const read = await fhirGet(`${s.fhirBaseUrl}/Patient/${encodeURIComponent(patient)}`, access);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { id: string }).id).toBe(patient);
      expect((await fhirGet(`${s.fhirBaseUrl}/Encounter/${encodeURIComponent(encounter)}`, access)).status).toBe(200);
      expect((await fhirGet(String(payload.fhirUser), access)).status).toBe(200);

      // Refresh: a new access token, a rotated refresh token, the same context; the old refresh token is dead.
      const refreshToken = token.body.refresh_token as string;
      const refreshed = await tokenRequest(s, refreshForm(refreshToken));
      expect(refreshed.status).toBe(200);
      expect(refreshed.headers.get('cache-control')).toBe('no-store');
      expect(refreshed.body).toMatchObject({ token_type: 'Bearer', scope: EHR_SCOPE, patient, encounter, need_patient_banner: true, expires_in: 3600 });
      expect(refreshed.body.access_token).not.toBe(access);
      expect(refreshed.body.refresh_token).toEqual(expect.any(String));
      expect(refreshed.body.refresh_token).not.toBe(refreshToken);
      const { payload: refreshedId } = await jwtVerify(refreshed.body.id_token as string, createRemoteJWKSet(new URL(s.jwksUrl)), { issuer: s.fhirBaseUrl, audience: 'test-app', currentDate: new Date(clock.now()) });
      expect(refreshedId.fhirUser).toBe(payload.fhirUser);
      expect(await tokenRequest(s, refreshForm(refreshToken))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect((await fhirGet(`${s.fhirBaseUrl}/Patient/${encodeURIComponent(patient)}`, refreshed.body.access_token as string)).status).toBe(200);
      const again = await tokenRequest(s, refreshForm(refreshed.body.refresh_token as string));
      expect(again.status).toBe(200);

      // The launch was single use.
      const reused = await authorize(s, authorizeParams(s, pkcePair(), { launch }));
      expect(reused.location?.searchParams.get('error')).toBe('invalid_request');
    });

    it('refuses the user token once it expires, as the vendor refuses any expired token', async () => {
      const s = await server(vendor);
      const patient = storeOf(vendor).all('Patient')[0]?.id as string;
      const launched = await ehrLaunch(sandbox, launchQuery(vendor, patient));
      const launch = launched.location?.searchParams.get('launch') as string;
      const pkce = pkcePair();
      const answer = await authorize(s, authorizeParams(s, pkce, { launch, scope: 'launch patient/*.rs' }));
      const token = await tokenRequest(s, codeForm(answer.location?.searchParams.get('code') as string, pkce));
      expect(token.status).toBe(200);
      expect(token.body).not.toHaveProperty('refresh_token');
      expect(token.body).not.toHaveProperty('id_token');
      expect(token.body).not.toHaveProperty('encounter');
      const url = `${s.fhirBaseUrl}/Patient/${encodeURIComponent(patient)}`;
      expect((await fhirGet(url, token.body.access_token as string)).status).toBe(200);
      clock.advance(3600 * 1000 + 1);
      const expired = await fhirGet(url, token.body.access_token as string);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toMatch(/invalid_token/);
      expect(await expired.text()).toMatch(/expired/);
    });

    it('refuses a launch for an unknown patient, or an encounter of another patient', async () => {
      const store = storeOf(vendor);
      const [first, second] = store.all('Patient').map((p) => p.id);
      expect((await ehrLaunch(sandbox, launchQuery(vendor, 'no-such-patient'))).status).toBe(400);
      const otherEncounter = store.forPatient('Encounter', second as string)[0]?.id as string;
      const wrong = await ehrLaunch(sandbox, launchQuery(vendor, first as string, otherEncounter));
      expect(wrong.status).toBe(400);
      expect(wrong.location).toBeUndefined();
    });
  });

  it('keeps backend services working at the same token endpoints', async () => {
    const oracle = await oracleSession(sandbox);
    expect((await oracle.get('/Patient/' + String(sandbox.state.patients('oracle')[0]?.id))).status).toBe(200);
    const res = await fetch(`${sandbox.url}/epic/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    const unsupported = await fetch(`${sandbox.url}/epic/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password' }) });
    expect(await unsupported.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it("athena's FHIR base reads by id for user tokens only (a system token still gets the bulk-only 404)", async () => {
    const session = await athenaSession(sandbox);
    const athena = await server('athena');
    const base = athena.fhirBaseUrl;
    const { token } = await authorizeAndExchange(athena, { scope: 'launch/patient patient/*.rs' });
    expect((await fhirGet(`${base}/Patient/a-195901.E-7001`, token.body.access_token as string)).status).toBe(200);
    expect((await fhirGet(`${base}/Patient/a-195900.E-1`, token.body.access_token as string)).status).toBe(404);
    expect((await fhirGet(`${base}/Patient/a-195900.E-7001`, session.token)).status).toBe(404);
    expect((await fhirGet(`${base}/Patient/a-195900.E-7001`, 'not-a-token')).status).toBe(401);
  });

  it('leaves a private_key_jwt request for a user grant to the backend-services handler', async () => {
    const epic = await server('epic');
    const res = await fetch(epic.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_assertion: 'x.y.z' }) });
    expect(await res.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('validates the launch request itself', async () => {
    const patient = sandbox.state.patients('epic')[0]?.id as string;
    expect((await ehrLaunch(sandbox, { vendor: 'cerner', patient })).status).toBe(400);
    expect((await ehrLaunch(sandbox, { vendor: 'epic', patient, app: 'javascript:alert(1)' })).status).toBe(400);
    expect((await ehrLaunch(sandbox, { vendor: 'epic', patient, app: '/relative' })).status).toBe(400);
    expect((await ehrLaunch(sandbox, { vendor: 'oracle', patient: String(sandbox.state.patients('oracle')[0]?.id), tenant: 'not-a-tenant' })).status).toBe(400);
    const ok = await ehrLaunch(sandbox, { vendor: 'epic', patient, app: 'https://app.example.test/launch' });
    expect(ok.location?.href).toMatch(/^https:\/\/app\.example\.test\/launch\?iss=[^&]+&launch=[A-Za-z0-9_-]{43}$/);
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  it('expires an unused launch after five minutes', async () => {
    const s = await server('epic');
    const patient = sandbox.state.patients('epic')[0]?.id as string;
    const launch = (await ehrLaunch(sandbox, { vendor: 'epic', patient })).location?.searchParams.get('launch') as string;
    clock.advance(5 * 60_000 + 1);
    const answer = await authorize(s, authorizeParams(s, pkcePair(), { launch }));
    expect(answer.location?.searchParams.get('error')).toBe('invalid_request');
  });

  it("refuses another vendor's launch", async () => {
    const epic = await server('epic');
    const athenaPatient = sandbox.state.patients('athena')[0]?.id as string;
    const launch = (await ehrLaunch(sandbox, { vendor: 'athena', patient: athenaPatient })).location?.searchParams.get('launch') as string;
    const answer = await authorize(epic, authorizeParams(epic, pkcePair(), { launch }));
    expect(answer.location?.searchParams.get('error')).toBe('invalid_request');
    // Still unspent for its own server.
    const athena = await server('athena');
    expect((await authorize(athena, authorizeParams(athena, pkcePair(), { launch }))).location?.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('accepts an authorize POST and a confidential client authenticating with HTTP Basic', async () => {
    const s = await server('epic');
    const patient = sandbox.state.patients('epic')[0]?.id as string;
    const launch = (await ehrLaunch(sandbox, { vendor: 'epic', patient })).location?.searchParams.get('launch') as string;
    const pkce = pkcePair();
    const answer = await authorize(s, authorizeParams(s, pkce, { launch, client_id: 'conf app' }), 'POST');
    expect(answer.status).toBe(302);
    const code = answer.location?.searchParams.get('code') as string;
    const form = codeForm(code, pkce);
    delete form.client_id;
    const token = await tokenRequest(s, form, { clientId: 'conf app', secret: 's3cret:with colon' });
    expect(token.status).toBe(200);
    expect(token.body.patient).toBe(patient);
    expect(REDIRECT_URI).toContain('?route=kept');
  });
});
