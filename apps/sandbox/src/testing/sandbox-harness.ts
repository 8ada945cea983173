import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@sb/telemetry';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { BulkSettings } from '../bulk/bulk-settings';
import type { Vendor } from '../faults/fault-queue';
import { startSandbox, type RunningSandbox } from '../sandbox-server';

// Helpers for the sandbox's own specs: a sandbox on a free port with a
// throwaway state directory, and a client's JWKS served over real HTTP.

export interface TestSandbox extends RunningSandbox {
  stateDir: string;
  /** Closes the server and deletes the state directory. */
  dispose(): Promise<void>;
}

export interface TestSandboxOptions {
  stateDir?: string;
  now?: () => number;
  bulk?: Partial<Record<Vendor, Partial<BulkSettings>>>;
}

export async function startTestSandbox(options: TestSandboxOptions = {}): Promise<TestSandbox> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'sb-sandbox-'));
  const sandbox = await startSandbox({ port: 0, stateDir, logger: createLogger({ serviceName: 'sandbox-test', level: 'silent' }), now: options.now, bulk: options.bulk });
  return {
    ...sandbox,
    stateDir,
    dispose: async () => {
      await sandbox.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface TestKeys {
  jwksUrl: string;
  /** Signs a client assertion; claims override the valid defaults. */
  assertion(claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** A key pair whose public half is served at a JWKS URL, as the gateway serves a connection's keys. */
export async function startJwksServer(clientId: string, tokenUrl: string, alg: 'RS384' | 'ES384' = 'RS384'): Promise<TestKeys> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: `k-${alg}`, alg, use: 'sig' };
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const privateKey: CryptoKey = pair.privateKey;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    assertion: (claims = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: clientId, sub: clientId, aud: tokenUrl, exp: now + 240, iat: now, jti: randomUUID(), ...claims };
      const defined = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
      return new SignJWT(defined).setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' }).sign(privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export const tokenForm = (assertion: string, extra: Record<string, string> = {}): URLSearchParams =>
  new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    ...extra,
  });

export interface EpicSession {
  clientId: string;
  keys: TestKeys;
  base: string;
  tokenUrl: string;
  token: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
}

/** Registers an Epic client whose JWKS is served locally, and fetches a token with it. */
export async function epicSession(sandbox: RunningSandbox, alg: 'RS384' | 'ES384' = 'RS384'): Promise<EpicSession> {
  const clientId = `test-${randomUUID()}`;
  const keys = await startJwksServer(clientId, `${sandbox.url}/epic/oauth2/token`, alg);
  const registration = await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'epic', clientId, jwksUrl: keys.jwksUrl });
  const { fhirBaseUrl, tokenUrl } = (await registration.json()) as { fhirBaseUrl: string; tokenUrl: string };
  const res = await fetch(tokenUrl, { method: 'POST', body: tokenForm(await keys.assertion()) });
  if (res.status !== 200) throw new Error(`epic token request failed: ${res.status} ${await res.text()}`);
  const { access_token: token } = (await res.json()) as { access_token: string };
  return {
    clientId,
    keys,
    base: fhirBaseUrl,
    tokenUrl,
    token,
    get: (path, headers = {}) => fetch(`${path.startsWith('http') ? '' : fhirBaseUrl}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json', ...headers } }),
  };
}

export interface OracleSession {
  clientId: string;
  clientSecret: string;
  tenantId: string;
  base: string;
  tokenUrl: string;
  token: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
}

export const ORACLE_TEST_SCOPES = 'system/Patient.read system/Observation.read system/Encounter.read system/DocumentReference.read system/DocumentReference.write system/Appointment.read';

export async function oracleToken(tokenUrl: string, clientId: string, clientSecret: string, scope: string): Promise<Response> {
  return fetch(tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
}

/** Registers an Oracle system account in a new tenant and fetches a token for it. */
export async function oracleSession(sandbox: RunningSandbox, scope = ORACLE_TEST_SCOPES): Promise<OracleSession> {
  const registration = await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'oracle' });
  const reg = (await registration.json()) as { clientId: string; clientSecret: string; tenantId: string; fhirBaseUrl: string; tokenUrl: string };
  const res = await oracleToken(reg.tokenUrl, reg.clientId, reg.clientSecret, scope);
  if (res.status !== 200) throw new Error(`oracle token request failed: ${res.status} ${await res.text()}`);
  const { access_token: token } = (await res.json()) as { access_token: string };
  return {
    ...reg,
    base: reg.fhirBaseUrl,
    token,
    get: (path, headers = {}) => fetch(`${path.startsWith('http') ? '' : reg.fhirBaseUrl}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json', ...headers } }),
  };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export interface BundleJson {
  resourceType: 'Bundle';
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { fullUrl?: string; resource: { resourceType: string; id: string; [k: string]: unknown }; search?: { mode: string } }[];
}

export const nextLink = (bundle: BundleJson): string | undefined => bundle.link?.find((l) => l.relation === 'next')?.url;
export const matchesOf = (bundle: BundleJson): BundleJson['entry'] & object => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
