/**
 * SMART App Launch brokered by the gateway, end to end (issue 15): the built api and the sandbox
 * EHRs as real processes. The sandbox's launch simulator opens the gateway as a clinician's EHR
 * would; every browser hop is followed by hand (each is a 302), so each leg is asserted: the
 * upstream authorize request (PKCE S256, aud, launch, state), the callback, the app's launch URL,
 * the app's authorize and token requests at the gateway, then FHIR reads with the gateway's
 * token. A second app is the stock SMART JavaScript client, `fhirclient`, in Node.
 */
import { findLeaks, startE2eStack, type E2eStack, type E2eTenant } from '@sb/testing';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';

let stack: E2eStack;
let a: E2eTenant;
let b: E2eTenant;

const APP_LAUNCH = 'http://127.0.0.1:9/app/launch';
const APP_REDIRECT = 'http://127.0.0.1:9/app/callback';
const LAB = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

const sandbox = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${stack.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
};

/** One browser hop: the redirect's target, or the page when there is none. */
async function hop(url: string, init: RequestInit = {}): Promise<{ status: number; location: URL | null; text: string }> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location, url) : null, text: await res.text() };
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Remembers a one-time value so the leak scan at the end looks for it. */
const secret = (value: string | null | undefined): string => {
  if (value) stack.secrets.push(value);
  return value ?? '';
};

interface Registered {
  clientId: string;
  clientSecret?: string;
}

async function registerApp(t: E2eTenant, scopes: string[], confidential = false): Promise<Registered> {
  const res = await stack.call('POST', '/v1/smart-apps', t.key, { name: `telehealth ${randomUUID().slice(0, 4)}`, launchUrl: APP_LAUNCH, redirectUris: [APP_REDIRECT], scopes, confidential });
  expect(res.status).toBe(201);
  if (res.body.clientSecret) secret(res.body.clientSecret);
  return { clientId: res.body.clientId, clientSecret: res.body.clientSecret };
}

async function epicConnection(t: E2eTenant, name: string): Promise<string> {
  const created = await stack.call('POST', '/v1/connections', t.key, { name, vendor: 'epic', environment: 'sandbox' });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('live');
  expect(created.body.smartClientId).toBeTruthy();
  return created.body.id;
}

/** The EHR launches the gateway; the gateway goes to the EHR's authorize; the EHR answers the callback; the gateway opens the app. */
async function ehrLaunchToApp(app: Registered, patient: string, vendor = 'epic', extra = '', launchQuery = ''): Promise<{ iss: string; launch: string; upstream: URL }> {
  const gatewayLaunch = `${stack.base}/smart/launch?app=${app.clientId}${launchQuery}`;
  const simulator = await hop(`${stack.sandboxUrl}/_sandbox/smart/launch?vendor=${vendor}&patient=${patient}${extra}&app=${encodeURIComponent(gatewayLaunch)}`);
  expect({ status: simulator.status, page: simulator.status === 302 ? '' : simulator.text }).toEqual({ status: 302, page: '' });
  secret(simulator.location?.searchParams.get('launch'));
  const toEhr = await hop(simulator.location!.href);
  expect(toEhr.status).toBe(302);
  const upstream = toEhr.location!;
  secret(upstream.searchParams.get('state'));
  const ehr = await hop(upstream.href);
  expect(ehr.status).toBe(302);
  secret(ehr.location?.searchParams.get('code'));
  const toApp = await hop(ehr.location!.href);
  expect(toApp.status).toBe(302);
  const appUrl = toApp.location!;
  expect(`${appUrl.origin}${appUrl.pathname}`).toBe(APP_LAUNCH);
  return { iss: appUrl.searchParams.get('iss') ?? '', launch: secret(appUrl.searchParams.get('launch')), upstream };
}

async function authorizeAtGateway(app: Registered, iss: string, params: Record<string, string>): Promise<{ status: number; location: URL | null; text: string; verifier: string; state: string }> {
  const { verifier, challenge } = pkce();
  const state = randomBytes(16).toString('hex');
  const query = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: APP_REDIRECT, aud: iss, state, code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-0S6_WzA2Mj', ...params });
  const res = await hop(`${stack.base}/smart/authorize?${query}`);
  secret(res.location?.searchParams.get('code'));
  return { ...res, verifier, state };
}

async function token(form: Record<string, string>, basic?: Registered): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic?.clientSecret) headers.authorization = `Basic ${Buffer.from(`${basic.clientId}:${basic.clientSecret}`).toString('base64')}`;
  const res = await fetch(`${stack.base}/smart/token`, { method: 'POST', headers, body: new URLSearchParams(form) });
  const body = (await res.json()) as any;
  secret(body.access_token);
  secret(body.refresh_token);
  secret(body.id_token);
  return { status: res.status, body, headers: res.headers };
}

let cid: string;
let patient: string;

beforeAll(async () => {
  stack = await startE2eStack('smart-e2e', ['api', 'sandbox']);
  a = await stack.newTenant(`smart-a-${randomUUID().slice(0, 6)}`);
  b = await stack.newTenant(`smart-b-${randomUUID().slice(0, 6)}`);
  cid = await epicConnection(a, 'epic smart');
  patient = (await sandbox<{ epic: { standalonePatient: string } }>('GET', '/_sandbox/smart/settings')).epic.standalonePatient;
  expect(patient).toBeTruthy();
}, 90_000);
afterAll(() => stack?.close());

describe('discovery', () => {
  it('serves the connection’s smart-configuration as JSON whatever the Accept, with CORS', async () => {
    const res = await fetch(`${stack.base}/fhir/r4/${cid}/.well-known/smart-configuration`, { headers: { accept: 'text/html', origin: 'https://app.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const config = (await res.json()) as any;
    expect(config.authorization_endpoint).toBe(`${stack.base}/smart/authorize`);
    expect(config.token_endpoint).toBe(`${stack.base}/smart/token`);
    expect(config.issuer).toBe(`${stack.base}/fhir/r4/${cid}`);
    expect(config.code_challenge_methods_supported).toEqual(['S256']);
    expect(config.grant_types_supported).toContain('authorization_code');
    for (const c of ['launch-ehr', 'launch-standalone', 'client-public', 'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient', 'permission-patient', 'permission-user', 'permission-v2', 'permission-offline', 'sso-openid-connect']) {
      expect(config.capabilities).toContain(c);
    }
  });

  it('puts the same endpoints in the CapabilityStatement’s SMART security extension', async () => {
    const metadata = await stack.call('GET', `/fhir/r4/${cid}/metadata`, a.key);
    expect(metadata.status).toBe(200);
    const security = metadata.body.rest.find((r: any) => r.mode === 'server').security;
    expect(security.service[0].coding[0].code).toBe('SMART-on-FHIR');
    const uris = Object.fromEntries(security.extension[0].extension.map((e: any) => [e.url, e.valueUri]));
    expect(uris).toEqual({ authorize: `${stack.base}/smart/authorize`, token: `${stack.base}/smart/token` });
  });

  it('the connection test checks the EHR serves the launch and names what to register', async () => {
    const report = await stack.call('POST', `/v1/connections/${cid}/test`, a.key);
    const step = report.body.steps.find((s: any) => s.name === 'smart-launch');
    expect(step).toMatchObject({ status: 'passed' });
    expect(step.detail).toContain(`${stack.base}/smart/callback`);
  });

  it('answers 404 for a connection that is not there', async () => {
    const res = await fetch(`${stack.base}/fhir/r4/${randomUUID()}/.well-known/smart-configuration`);
    expect(res.status).toBe(404);
  });
});

describe('EHR launch, by hand', () => {
  let app: Registered;
  let launched: { iss: string; launch: string; upstream: URL };

  beforeAll(async () => {
    app = await registerApp(a, ['launch', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs']);
    launched = await ehrLaunchToApp(app, patient);
  });

  it('sent the EHR a PKCE S256 authorize request with its launch, aud = iss and a 128-bit state', async () => {
    const p = launched.upstream.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('redirect_uri')).toBe(`${stack.base}/smart/callback`);
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('launch')).toBeTruthy();
    const ledger = await sandbox<{ entries?: unknown[] } | unknown[]>('GET', '/_sandbox/smart/ledger?vendor=epic');
    expect(JSON.stringify(ledger)).toContain('S256');
    const conn = await stack.call('GET', `/v1/connections/${cid}`, a.key);
    expect(p.get('aud')).toBe(conn.body.fhirBaseUrl);
    expect(p.get('client_id')).toBe(conn.body.smartClientId);
    expect(Buffer.from(p.get('state') ?? '', 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('opened the app with the gateway as iss and a launch of 128 bits or more', () => {
    expect(launched.iss).toBe(`${stack.base}/fhir/r4/${cid}`);
    expect(Buffer.from(launched.launch, 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  let tokens: any;
  it('the app authorizes and gets a token response with context, an id_token and a refresh token', async () => {
    const auth = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch openid fhirUser offline_access patient/*.read' });
    expect(auth.status).toBe(302);
    expect(auth.location?.searchParams.get('state')).toBe(auth.state);
    const code = auth.location?.searchParams.get('code') ?? '';
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_id: app.clientId });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    tokens = res.body;
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.expires_in).toBeLessThanOrEqual(3600);
    expect(tokens.patient).toBe(patient);
    expect(tokens.scope.split(' ')).toEqual(expect.arrayContaining(['launch', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs']));
    expect(typeof tokens.need_patient_banner).toBe('boolean');
    expect(tokens.refresh_token).toBeTruthy();
    const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${stack.base}/.well-known/jwks.json`)), { issuer: launched.iss, audience: app.clientId });
    expect(payload.nonce).toBe('n-0S6_WzA2Mj');
    expect(String(payload.fhirUser)).toMatch(new RegExp(`^${launched.iss}/Practitioner/`));
    // The same code a second time is refused.
    const again = await token({ grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_id: app.clientId });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('reads the launch patient through the facade with the gateway token, and no other connection', async () => {
    const read = await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, tokens.access_token);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(patient);
    const other = await epicConnection(a, 'epic smart other');
    expect((await stack.call('GET', `/fhir/r4/${other}/Patient/${patient}`, tokens.access_token)).status).toBe(404);
    const bConn = await epicConnection(b, 'epic of b');
    expect((await stack.call('GET', `/fhir/r4/${bConn}/Patient/${patient}`, tokens.access_token)).status).toBe(404);
    // Management routes are not the app's.
    expect((await stack.call('GET', '/v1/connections', tokens.access_token)).status).toBe(403);
  });

  it('rotates the refresh token: the new one works once, the old one never again', async () => {
    const first = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: app.clientId });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.body.patient).toBe(patient);
    const old = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: app.clientId });
    expect(old.status).toBe(400);
    expect(old.body.error).toBe('invalid_grant');
    expect((await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, first.body.access_token)).status).toBe(200);
  });

  it('writes one audit record for the launch, naming the patient and the app', async () => {
    const audit = await stack.call('GET', '/v1/audit-records?order=desc&limit=500', a.key);
    expect(audit.status).toBe(200);
    const launches = audit.body.items.filter((r: any) => r.operation === 'smart-launch' && r.connectionId === cid);
    expect(launches).toHaveLength(1);
    expect(launches[0].patientRef).toBe(`Patient/${patient}`);
    expect(launches[0].purpose).toContain(app.clientId);
  });
});

describe('PKCE, code and redirect abuse at the gateway', () => {
  let app: Registered;
  beforeAll(async () => {
    app = await registerApp(a, ['launch', 'openid', 'fhirUser', 'patient/*.rs']);
  });

  it('refuses a wrong or missing code_verifier with invalid_grant', async () => {
    const launched = await ehrLaunchToApp(app, patient);
    const auth = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs' });
    const code = auth.location?.searchParams.get('code') ?? '';
    const wrong = await token({ grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, code_verifier: pkce().verifier, client_id: app.clientId });
    expect(wrong.body.error).toBe('invalid_grant');
    const launched2 = await ehrLaunchToApp(app, patient);
    const auth2 = await authorizeAtGateway(app, launched2.iss, { launch: launched2.launch, scope: 'launch patient/*.rs' });
    const missing = await token({ grant_type: 'authorization_code', code: auth2.location?.searchParams.get('code') ?? '', redirect_uri: APP_REDIRECT, client_id: app.clientId });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_grant');
  });

  it('refuses plain PKCE with invalid_request at the redirect URI, and a reused launch', async () => {
    const launched = await ehrLaunchToApp(app, patient);
    const plain = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs', code_challenge_method: 'plain' });
    expect(plain.status).toBe(302);
    expect(plain.location?.searchParams.get('error')).toBe('invalid_request');
    expect(plain.location?.searchParams.get('state')).toBe(plain.state);
    const ok = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs' });
    expect(ok.location?.searchParams.get('code')).toBeTruthy();
    const reused = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs' });
    expect(reused.location?.searchParams.get('error')).toBe('invalid_request');
  });

  it('shows an error page, never a redirect, for an unregistered redirect URI or an unknown client', async () => {
    const launched = await ehrLaunchToApp(app, patient);
    const evil = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs', redirect_uri: 'https://evil.example/cb' });
    expect(evil.status).toBe(400);
    expect(evil.location).toBeNull();
    const unknown = await authorizeAtGateway({ clientId: 'sbsa_nobody' }, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs' });
    expect(unknown.status).toBe(400);
    expect(unknown.location).toBeNull();
  });

  it('refuses an aud that is not the connection’s base', async () => {
    const launched = await ehrLaunchToApp(app, patient);
    const res = await authorizeAtGateway(app, `${stack.base}/fhir/r4/${randomUUID()}`, { launch: launched.launch, scope: 'launch patient/*.rs' });
    expect(res.location?.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses an iss that is no live connection, without calling it; and a state reused', async () => {
    const before = JSON.stringify(await sandbox('GET', '/_sandbox/smart/ledger?vendor=epic'));
    const page = await hop(`${stack.base}/smart/launch?iss=${encodeURIComponent('http://127.0.0.1:1/fhir')}&launch=x&app=${app.clientId}`);
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    expect(JSON.stringify(await sandbox('GET', '/_sandbox/smart/ledger?vendor=epic'))).toBe(before);

    const gatewayLaunch = `${stack.base}/smart/launch?app=${app.clientId}`;
    const simulator = await hop(`${stack.sandboxUrl}/_sandbox/smart/launch?vendor=epic&patient=${patient}&app=${encodeURIComponent(gatewayLaunch)}`);
    const toEhr = await hop(simulator.location!.href);
    secret(toEhr.location?.searchParams.get('state'));
    const ehr = await hop(toEhr.location!.href);
    secret(ehr.location?.searchParams.get('code'));
    expect((await hop(ehr.location!.href)).status).toBe(302);
    const replay = await hop(ehr.location!.href);
    expect(replay.status).toBe(400);
    expect(replay.location).toBeNull();
    expect((await hop(`${stack.base}/smart/callback?code=x&state=${randomBytes(32).toString('base64url')}`)).status).toBe(400);
  });
});

describe('standalone launch and EHR errors', () => {
  let app: Registered;
  beforeAll(async () => {
    app = await registerApp(a, ['launch/patient', 'openid', 'fhirUser', 'patient/*.rs'], true);
  });
  afterEach(() => sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: null }));

  it('runs the upstream leg with the EHR’s patient picker and answers the app with a code; the token names the patient', async () => {
    const iss = `${stack.base}/fhir/r4/${cid}`;
    const auth = await authorizeAtGateway(app, iss, { scope: 'launch/patient openid fhirUser patient/*.rs' });
    expect(auth.status).toBe(302);
    const upstream = auth.location!;
    secret(upstream.searchParams.get('state'));
    expect(upstream.searchParams.get('scope')).toContain('launch/patient');
    expect(upstream.searchParams.get('launch')).toBeNull();
    const ehr = await hop(upstream.href);
    secret(ehr.location?.searchParams.get('code'));
    const toApp = await hop(ehr.location!.href);
    expect(`${toApp.location?.origin}${toApp.location?.pathname}`).toBe(APP_REDIRECT);
    expect(toApp.location?.searchParams.get('state')).toBe(auth.state);
    const code = secret(toApp.location?.searchParams.get('code'));
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, code_verifier: auth.verifier }, app);
    expect(res.status).toBe(200);
    expect(res.body.patient).toBe(patient);
    expect((await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, res.body.access_token)).status).toBe(200);
    // A confidential app without its secret is refused.
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_id: app.clientId })).status).toBe(401);
  });

  it('passes the EHR’s access_denied to the app with its state', async () => {
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: 'access_denied' });
    const auth = await authorizeAtGateway(app, `${stack.base}/fhir/r4/${cid}`, { scope: 'launch/patient patient/*.rs' });
    secret(auth.location?.searchParams.get('state'));
    const ehr = await hop(auth.location!.href);
    const toApp = await hop(ehr.location!.href);
    expect(toApp.location?.searchParams.get('error')).toBe('access_denied');
    expect(toApp.location?.searchParams.get('state')).toBe(auth.state);
  });

  it('tells the app temporarily_unavailable when the EHR is down', async () => {
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: 'upstream_down' });
    const auth = await authorizeAtGateway(app, `${stack.base}/fhir/r4/${cid}`, { scope: 'launch/patient patient/*.rs' });
    secret(auth.location?.searchParams.get('state'));
    // The EHR's authorize page is down: the browser never comes back. Its token endpoint too:
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: null });
    const ehr = await hop(auth.location!.href);
    secret(ehr.location?.searchParams.get('code'));
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: 'upstream_down' });
    const toApp = await hop(ehr.location!.href);
    expect(toApp.location?.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(toApp.location?.searchParams.get('state')).toBe(auth.state);
  });
});

describe('each EHR error switch reaches the app as the matching OAuth error', () => {
  let app: Registered;
  beforeAll(async () => {
    app = await registerApp(a, ['launch/patient', 'patient/*.rs']);
  });
  afterEach(() => sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: null }));

  it.each([
    ['auth_invalid_scope', 'invalid_scope'],
    ['auth_invalid_client_id', 'unauthorized_client'],
    ['token_invalid_token', 'access_denied'],
    ['token_invalid_scope', 'invalid_scope'],
    ['auth_invalid_client_secret', 'unauthorized_client'],
  ])('%s → %s', async (error, expected) => {
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error });
    const auth = await authorizeAtGateway(app, `${stack.base}/fhir/r4/${cid}`, { scope: 'launch/patient patient/*.rs' });
    secret(auth.location?.searchParams.get('state'));
    const ehr = await hop(auth.location!.href);
    secret(ehr.location?.searchParams.get('code'));
    const toApp = await hop(ehr.location!.href);
    expect(`${toApp.location?.origin}${toApp.location?.pathname}`).toBe(APP_REDIRECT);
    expect(toApp.location?.searchParams.get('error')).toBe(expected);
    expect(toApp.location?.searchParams.get('state')).toBe(auth.state);
    expect(toApp.location?.searchParams.get('code')).toBeNull();
  });
});

describe('a confidential asymmetric app (private_key_jwt)', () => {
  let jwksServer: Server;
  let key: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('ES384');
    key = pair.privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'app-key-1', alg: 'ES384', use: 'sig' }] });
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise((r) => jwksServer.close(r)));

  const assertion = async (clientId: string, signWith: CryptoKey, jti = randomUUID()) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid: 'app-key-1', typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${stack.base}/smart/token`)
      .setIssuedAt()
      .setExpirationTime('4m')
      .setJti(jti)
      .sign(signWith);

  it('authenticates with an assertion signed by its registered key, once per jti', async () => {
    const res = await stack.call('POST', '/v1/smart-apps', a.key, {
      name: 'asymmetric app',
      launchUrl: APP_LAUNCH,
      redirectUris: [APP_REDIRECT],
      scopes: ['launch', 'patient/*.rs'],
      confidential: true,
      jwksUrl: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`,
    });
    expect(res.status).toBe(201);
    expect(res.body.clientSecret).toBeUndefined();
    const app: Registered = { clientId: res.body.clientId };
    const exchange = async (clientAssertion: string) => {
      const launched = await ehrLaunchToApp(app, patient);
      const auth = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs' });
      return token({ grant_type: 'authorization_code', code: auth.location?.searchParams.get('code') ?? '', redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion });
    };
    const signed = await assertion(app.clientId, key);
    const ok = await exchange(signed);
    expect(ok.status).toBe(200);
    expect(ok.body.patient).toBe(patient);
    expect((await exchange(signed)).body.error).toBe('invalid_client');
    const stranger = await generateKeyPair('ES384');
    const forged = await exchange(await assertion(app.clientId, stranger.privateKey));
    expect(forged.status).toBe(401);
    expect(forged.body.error).toBe('invalid_client');
  });
});

describe('EHR launch from the Oracle-like EHR', () => {
  it('launches, and the token reads the launch patient', async () => {
    const created = await stack.call('POST', '/v1/connections', a.key, { name: 'oracle smart', vendor: 'oracle', environment: 'sandbox' });
    expect(created.body.status).toBe('live');
    const oracle = created.body.id;
    const oraclePatient = (await sandbox<{ oracle: { standalonePatient: string } }>('GET', '/_sandbox/smart/settings')).oracle.standalonePatient;
    const app = await registerApp(a, ['launch', 'openid', 'fhirUser', 'patient/*.rs']);
    // The sandbox's Oracle tenant is the last path segment of the connection's FHIR base.
    const oracleTenant = String(created.body.fhirBaseUrl).split('/').pop();
    const launched = await ehrLaunchToApp(app, oraclePatient, 'oracle', `&tenant=${oracleTenant}`);
    expect(launched.iss).toBe(`${stack.base}/fhir/r4/${oracle}`);
    const auth = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch openid fhirUser patient/*.rs' });
    const res = await token({ grant_type: 'authorization_code', code: auth.location?.searchParams.get('code') ?? '', redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_id: app.clientId });
    expect(res.status).toBe(200);
    expect(res.body.patient).toBe(oraclePatient);
    expect((await stack.call('GET', `/fhir/r4/${oracle}/Patient/${oraclePatient}`, res.body.access_token)).status).toBe(200);
  });
});

describe('EHR launch from the athena-like EHR (one FHIR base for every practice)', () => {
  it('launches from athenaOne, and the token reads the launch patient through the athena connection', async () => {
    const created = await stack.call('POST', '/v1/connections', b.key, { name: 'athena smart', vendor: 'athena', environment: 'sandbox' });
    expect(created.body).toMatchObject({ status: 'live' });
    expect(created.body.smartClientId).toBeTruthy();
    const athena = created.body.id;
    const athenaPatient = (await sandbox<{ athena: { standalonePatient: string } }>('GET', '/_sandbox/smart/settings')).athena.standalonePatient;
    const app = await registerApp(b, ['launch', 'openid', 'fhirUser', 'patient/*.rs']);
    const launched = await ehrLaunchToApp(app, athenaPatient, 'athena');
    expect(launched.iss).toBe(`${stack.base}/fhir/r4/${athena}`);
    // The gateway asked athena's own FHIR base as aud.
    expect(launched.upstream.searchParams.get('aud')).toBe(`${stack.sandboxUrl}/athena/fhir/r4`);
    const auth = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch openid fhirUser patient/*.rs' });
    const res = await token({ grant_type: 'authorization_code', code: auth.location?.searchParams.get('code') ?? '', redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_id: app.clientId });
    expect(res.status).toBe(200);
    expect(res.body.patient).toBe(athenaPatient);
    const read = await stack.call('GET', `/fhir/r4/${athena}/Patient/${athenaPatient}`, res.body.access_token);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ resourceType: 'Patient', id: athenaPatient });

    // A second practice of the same tenant shares athena's FHIR base: the launch URL must then name the connection.
    const second = await stack.call('POST', '/v1/connections', b.key, { name: 'athena smart 2', vendor: 'athena', environment: 'sandbox' });
    expect(second.body.status).toBe('live');
    const gatewayLaunch = `${stack.base}/smart/launch?app=${app.clientId}`;
    const simulator = await hop(`${stack.sandboxUrl}/_sandbox/smart/launch?vendor=athena&patient=${athenaPatient}&app=${encodeURIComponent(gatewayLaunch)}`);
    secret(simulator.location?.searchParams.get('launch'));
    const ambiguous = await hop(simulator.location!.href);
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.text).toMatch(/must name the connection/);
    const named = await ehrLaunchToApp(app, athenaPatient, 'athena', '', `&connection=${athena}`);
    expect(named.iss).toBe(`${stack.base}/fhir/r4/${athena}`);
  });
});

describe('scopes and the EHR’s expiring token', () => {
  it('a lab-only scope returns only the patient’s lab Observations; another patient is refused', async () => {
    const app = await registerApp(a, ['launch', LAB]);
    const launched = await ehrLaunchToApp(app, patient);
    const auth = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: `launch ${LAB}` });
    const res = await token({ grant_type: 'authorization_code', code: auth.location?.searchParams.get('code') ?? '', redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_id: app.clientId });
    expect(res.status).toBe(200);
    const search = await stack.call('GET', `/fhir/r4/${cid}/Observation?patient=${patient}`, res.body.access_token);
    expect(search.status).toBe(200);
    const categories = (search.body.entry ?? []).filter((e: any) => e.resource.resourceType === 'Observation').map((e: any) => JSON.stringify(e.resource.category ?? []));
    expect(categories.length).toBeGreaterThan(0);
    for (const c of categories) expect(c).toContain('laboratory');
    expect((await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, res.body.access_token)).status).toBe(403);
  });

  it('refreshes the EHR token behind the app when it has expired', async () => {
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', accessTokenTtlSeconds: 1 });
    try {
      const app = await registerApp(a, ['launch', 'patient/*.rs']);
      const launched = await ehrLaunchToApp(app, patient);
      const auth = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs' });
      const res = await token({ grant_type: 'authorization_code', code: auth.location?.searchParams.get('code') ?? '', redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_id: app.clientId });
      await new Promise((r) => setTimeout(r, 1500));
      expect((await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, res.body.access_token)).status).toBe(200);
    } finally {
      await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', accessTokenTtlSeconds: 3600 });
    }
  });
});

describe('the EHR refusing the launched user’s token', () => {
  const refreshGrants = async (): Promise<number> => {
    const { entries } = await sandbox<{ entries: Array<{ endpoint: string; grantType?: string | null }> }>('GET', '/_sandbox/smart/ledger?vendor=epic');
    return entries.filter((e) => e.endpoint === 'token' && e.grantType === 'refresh_token').length;
  };

  async function launchedToken(): Promise<string> {
    const app = await registerApp(a, ['launch', 'patient/*.rs']);
    const launched = await ehrLaunchToApp(app, patient);
    const auth = await authorizeAtGateway(app, launched.iss, { launch: launched.launch, scope: 'launch patient/*.rs' });
    const res = await token({ grant_type: 'authorization_code', code: auth.location?.searchParams.get('code') ?? '', redirect_uri: APP_REDIRECT, code_verifier: auth.verifier, client_id: app.clientId });
    expect(res.status).toBe(200);
    return res.body.access_token;
  }
  afterEach(() => sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: null, accessTokenTtlSeconds: 3600 }));

  it.each(['request_invalid_token', 'request_expired_token'])('%s: the gateway renews once, then tells the app to launch again; the launch works when the EHR does', async (error) => {
    const accessToken = await launchedToken();
    expect((await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, accessToken)).status).toBe(200);
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error });
    const before = await refreshGrants();
    const refused = await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, accessToken);
    expect(refused.status).toBe(401);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(refused.body)).toMatch(/launch the app again/i);
    expect(await refreshGrants()).toBe(before + 1);
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: null });
    expect((await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, accessToken)).status).toBe(200);
  });

  it('token_expired_refresh_token: an expired EHR session that cannot be renewed asks the app to launch again, and stays ended', async () => {
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', accessTokenTtlSeconds: 1 });
    const accessToken = await launchedToken();
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: 'token_expired_refresh_token' });
    await new Promise((r) => setTimeout(r, 1500));
    const refused = await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, accessToken);
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).toMatch(/launch the app again/i);
    await sandbox('PUT', '/_sandbox/smart/settings', { vendor: 'epic', error: null });
    expect((await stack.call('GET', `/fhir/r4/${cid}/Patient/${patient}`, accessToken)).status).toBe(401);
  });
});

describe('what the run emitted', () => {
  it('holds no state, code, launch, verifier or token value in logs or spans', async () => {
    const emitted = await stack.stopAndCollect();
    expect(findLeaks(emitted, stack.secrets)).toEqual([]);
  });
});
