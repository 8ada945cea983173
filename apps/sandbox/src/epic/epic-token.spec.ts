import { EPIC_BULK_GROUP_ID } from './epic-bulk';
import { randomUUID } from 'node:crypto';
import { postJson, startJwksServer, startTestSandbox, tokenForm, type TestKeys, type TestSandbox } from '../testing/sandbox-harness';

describe('Epic token endpoint (SMART Backend Services)', () => {
  let sandbox: TestSandbox;
  let keys: TestKeys;
  let tokenUrl: string;
  const clientId = `epic-${randomUUID()}`;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    tokenUrl = `${sandbox.url}/epic/oauth2/token`;
    keys = await startJwksServer(clientId, tokenUrl);
    const res = await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'epic', clientId, jwksUrl: keys.jwksUrl });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ vendor: 'epic', clientId, fhirBaseUrl: `${sandbox.url}/epic/api/FHIR/R4`, tokenUrl, bulkGroupIds: [EPIC_BULK_GROUP_ID] });
  });
  afterAll(async () => {
    await keys.close();
    await sandbox.dispose();
  });

  const requestToken = async (assertion: string, extra: Record<string, string> = {}) => {
    const res = await fetch(tokenUrl, { method: 'POST', body: tokenForm(assertion, extra) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('advertises the token endpoint in smart-configuration and metadata', async () => {
    const config = (await (await fetch(`${sandbox.url}/epic/api/FHIR/R4/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ token_endpoint: tokenUrl, token_endpoint_auth_methods_supported: ['private_key_jwt'], token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'] });
    const metadata = (await (await fetch(`${sandbox.url}/epic/api/FHIR/R4/metadata`)).json()) as { resourceType: string; fhirVersion: string };
    expect(metadata).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
  });

  it('issues a 5-minute bearer token for a valid assertion, verified against the JWKS URL', async () => {
    const { status, body } = await requestToken(await keys.assertion(), { scope: 'system/Patient.read' });
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 300, scope: 'system/Patient.read' });
  });

  it('accepts ES384 keys too', async () => {
    const esClient = `epic-es-${randomUUID()}`;
    const esKeys = await startJwksServer(esClient, tokenUrl, 'ES384');
    try {
      await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'epic', clientId: esClient, jwksUrl: esKeys.jwksUrl });
      expect((await requestToken(await esKeys.assertion())).status).toBe(200);
    } finally {
      await esKeys.close();
    }
  });

  it('refuses a reused jti', async () => {
    const assertion = await keys.assertion();
    expect((await requestToken(assertion)).status).toBe(200);
    const replay = await requestToken(assertion);
    expect(replay).toEqual({ status: 400, body: { error: 'invalid_client', error_description: 'jti has already been used' } });
  });

  it('refuses exp more than five minutes ahead', async () => {
    const res = await requestToken(await keys.assertion({ exp: Math.floor(Date.now() / 1000) + 900 }));
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_client', error_description: expect.stringContaining('5 minutes') } });
  });

  it('refuses an expired assertion', async () => {
    const res = await requestToken(await keys.assertion({ exp: Math.floor(Date.now() / 1000) - 120 }));
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_client', error_description: 'client_assertion has expired' } });
  });

  it('refuses an aud other than the advertised token URL', async () => {
    const res = await requestToken(await keys.assertion({ aud: 'http://localhost/epic/oauth2/token' }));
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_client', error_description: expect.stringContaining('aud') } });
  });

  it('refuses sub different from iss, and an unregistered client', async () => {
    expect((await requestToken(await keys.assertion({ sub: 'someone-else' }))).body).toMatchObject({ error: 'invalid_client' });
    const stranger = await startJwksServer('not-registered', tokenUrl);
    try {
      expect(await requestToken(await stranger.assertion())).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    } finally {
      await stranger.close();
    }
  });

  it('refuses an assertion signed by a key not in the registered JWKS', async () => {
    const impostor = await startJwksServer(clientId, tokenUrl);
    try {
      const res = await requestToken(await impostor.assertion());
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid_client', error_description: expect.stringContaining('JWKS') } });
    } finally {
      await impostor.close();
    }
  });

  it('requires grant_type client_credentials and the jwt-bearer assertion type', async () => {
    const assertion = await keys.assertion();
    expect((await requestToken(assertion, { grant_type: 'authorization_code' })).body).toMatchObject({ error: 'unsupported_grant_type' });
    expect((await requestToken(assertion, { client_assertion_type: 'basic' })).body).toMatchObject({ error: 'invalid_request' });
  });

  it('answers 401 with WWW-Authenticate on FHIR calls without a valid token', async () => {
    const res = await fetch(`${sandbox.url}/epic/api/FHIR/R4/Patient?identifier=1`, { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect((await fetch(`${sandbox.url}/epic/api/FHIR/R4/Patient?identifier=1`)).status).toBe(401);
  });

  it('expires tokens after their lifetime', async () => {
    let now = Date.now();
    const timed = await startTestSandbox({ now: () => now });
    const timedKeys = await startJwksServer('timed', `${timed.url}/epic/oauth2/token`);
    try {
      await postJson(`${timed.url}/_sandbox/clients`, { vendor: 'epic', clientId: 'timed', jwksUrl: timedKeys.jwksUrl });
      const res = await fetch(`${timed.url}/epic/oauth2/token`, { method: 'POST', body: tokenForm(await timedKeys.assertion()) });
      const { access_token: token } = (await res.json()) as { access_token: string };
      const read = () => fetch(`${timed.url}/epic/api/FHIR/R4/Practitioner?name=a`, { headers: { authorization: `Bearer ${token}` } });
      expect((await read()).status).toBe(200);
      now += 301_000;
      const expired = await read();
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toContain('expired');
    } finally {
      await timedKeys.close();
      await timed.dispose();
    }
  });
});
