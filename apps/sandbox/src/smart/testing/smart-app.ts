import { randomBytes } from 'node:crypto';
import type { RunningSandbox } from '../../sandbox-server';
import { postJson } from '../../testing/sandbox-harness';
import { s256 } from '../pkce';

// Helpers for the SMART App Launch specs: a test app's side of the flow over
// real HTTP (launch, authorize, token, FHIR read), redirects never followed.

export const APP_LAUNCH_URL = 'https://app.example.test/smart/launch?tag=kept';
export const REDIRECT_URI = 'https://app.example.test/smart/callback?route=kept';
export const EHR_SCOPE = 'launch openid fhirUser offline_access user/*.rs patient/*.rs';
export const STANDALONE_SCOPE = 'launch/patient openid fhirUser offline_access patient/*.rs';

export interface SmartServerJson {
  vendor: 'epic' | 'oracle' | 'athena';
  tenantId?: string;
  fhirBaseUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  jwksUrl: string;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export const pkcePair = (): Pkce => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier) };
};

export const randomState = (): string => randomBytes(16).toString('base64url');

export async function smartServers(sandbox: RunningSandbox): Promise<SmartServerJson[]> {
  return (await (await fetch(`${sandbox.url}/_sandbox/smart/servers`)).json()) as SmartServerJson[];
}

export async function serverFor(sandbox: RunningSandbox, vendor: SmartServerJson['vendor'], tenantId?: string): Promise<SmartServerJson> {
  const found = (await smartServers(sandbox)).find((s) => s.vendor === vendor && (tenantId === undefined || s.tenantId === tenantId));
  if (!found) throw new Error(`no SMART server for ${vendor}`);
  return found;
}

export function putSmartSettings(sandbox: RunningSandbox, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${sandbox.url}/_sandbox/smart/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export async function resetSmart(sandbox: RunningSandbox): Promise<void> {
  const res = await fetch(`${sandbox.url}/_sandbox/smart`, { method: 'DELETE' });
  if (res.status !== 204) throw new Error(`smart reset failed: ${res.status}`);
}

export interface Redirect {
  status: number;
  location?: URL;
  body: string;
  headers: Headers;
}

async function manual(url: string, init: RequestInit = {}): Promise<Redirect> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location === null ? undefined : new URL(location), body: await res.text(), headers: res.headers };
}

/** The simulated EHR's launch button. */
export function ehrLaunch(sandbox: RunningSandbox, query: Record<string, string>): Promise<Redirect> {
  return manual(`${sandbox.url}/_sandbox/smart/launch?${new URLSearchParams({ app: APP_LAUNCH_URL, ...query }).toString()}`);
}

/** A complete, valid authorize request; an `undefined` override removes the parameter. */
export function authorizeParams(server: SmartServerJson, pkce: Pkce, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'test-app',
    redirect_uri: REDIRECT_URI,
    scope: EHR_SCOPE,
    state: randomState(),
    aud: server.fhirBaseUrl,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

export function authorize(server: SmartServerJson, params: Record<string, string>, method: 'GET' | 'POST' = 'GET'): Promise<Redirect> {
  if (method === 'POST') return manual(server.authorizeUrl, { method: 'POST', body: new URLSearchParams(params) });
  return manual(`${server.authorizeUrl}?${new URLSearchParams(params).toString()}`);
}

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function tokenRequest(server: SmartServerJson, form: Record<string, string>, basic?: { clientId: string; secret: string }): Promise<TokenReply> {
  const headers: Record<string, string> = basic ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(basic.clientId)}:${encodeURIComponent(basic.secret)}`).toString('base64')}` } : {};
  const res = await fetch(server.tokenUrl, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export const codeForm = (code: string, pkce: Pkce, overrides: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'authorization_code',
  code,
  redirect_uri: REDIRECT_URI,
  code_verifier: pkce.verifier,
  client_id: 'test-app',
  ...overrides,
});

export const refreshForm = (refreshToken: string, overrides: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
  client_id: 'test-app',
  ...overrides,
});

/** A FHIR read with a bearer token, as every vendor accepts it (Oracle insists on this Accept). */
export function fhirGet(url: string, token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
}

export interface CompletedLaunch {
  pkce: Pkce;
  state: string;
  code: string;
  token: TokenReply;
}

/** launch (when given) → authorize → token, asserting nothing; throws when a step does not redirect with a code. */
export async function authorizeAndExchange(server: SmartServerJson, overrides: Record<string, string | undefined> = {}, basic?: { clientId: string; secret: string }): Promise<CompletedLaunch> {
  const pkce = pkcePair();
  const params = authorizeParams(server, pkce, overrides);
  const answer = await authorize(server, params);
  const code = answer.location?.searchParams.get('code');
  if (answer.status !== 302 || !code) throw new Error(`authorize did not issue a code: ${answer.status} ${answer.location?.search ?? answer.body}`);
  const token = await tokenRequest(server, codeForm(code, pkce, basic ? { client_id: basic.clientId } : {}), basic);
  return { pkce, state: params.state as string, code, token };
}

export async function launchId(sandbox: RunningSandbox, query: Record<string, string>): Promise<string> {
  const answer = await ehrLaunch(sandbox, query);
  const launch = answer.location?.searchParams.get('launch');
  if (answer.status !== 302 || !launch) throw new Error(`launch failed: ${answer.status} ${answer.body}`);
  return launch;
}

export async function registerOracleTenant(sandbox: RunningSandbox): Promise<string> {
  const res = await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'oracle' });
  return ((await res.json()) as { tenantId: string }).tenantId;
}
