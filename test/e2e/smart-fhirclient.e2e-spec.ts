/**
 * The stock SMART JavaScript client, `fhirclient` 2.6.3 in Node, as the app behind the gateway
 * (issue 15): a small HTTP app whose launch URL calls `authorize()` and whose redirect URI calls
 * `ready()` and then reads the patient. Nothing in it knows about Switchboard: if it completes an
 * EHR launch and a standalone launch from the sandbox EHR, a standard SMART app works unchanged.
 * The browser's hops (each a 302) are followed by hand.
 */
import { startE2eStack, type E2eStack, type E2eTenant } from '@sb/testing';
import smart from 'fhirclient';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

let stack: E2eStack;
let tenant: E2eTenant;
let app: Server;
let appOrigin: string;
let clientId: string;
let patient: string;

/** fhirclient keeps its state in a server-side store: one browser, one map. */
const sessionStore = new Map<string, unknown>();
const storage = {
  get: async (key: string) => sessionStore.get(key),
  set: async (key: string, value: unknown) => {
    sessionStore.set(key, value);
    return value;
  },
  unset: async (key: string) => sessionStore.delete(key),
};

interface AppResult {
  patientId: string;
  readId: string;
  encounter: string | null;
  fhirUser: string | null;
  scope: string;
}

function startApp(): Promise<void> {
  app = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    const scope = path === '/standalone' ? 'launch/patient openid fhirUser patient/*.rs' : 'launch openid fhirUser patient/*.rs';
    if (path === '/launch' || path === '/standalone') {
      const iss = path === '/standalone' ? new URL(req.url ?? '/', 'http://app').searchParams.get('iss') ?? undefined : undefined;
      smart(req, res, storage)
        .authorize({ clientId, scope, redirectUri: '/callback', pkceMode: 'required', ...(iss ? { iss } : {}) })
        .catch((e: unknown) => res.writeHead(500).end(String(e)));
      return;
    }
    if (path === '/callback') {
      smart(req, res, storage)
        .ready()
        .then(async (client) => {
          const read = (await client.request(`Patient/${client.patient.id}`)) as { id: string };
          const result: AppResult = { patientId: String(client.patient.id), readId: read.id, encounter: client.encounter.id ? String(client.encounter.id) : null, fhirUser: client.getFhirUser() ?? null, scope: String(client.state.tokenResponse?.scope ?? '') };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
        })
        .catch((e: unknown) => res.writeHead(500).end(String(e)));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => app.listen(0, '127.0.0.1', () => resolve()));
}

/** Follows a browser's redirects by hand until a page answers. */
async function browse(url: string): Promise<{ status: number; url: string; body: string }> {
  let current = url;
  for (let hops = 0; hops < 12; hops++) {
    const res = await fetch(current, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) return { status: res.status, url: current, body: await res.text() };
    current = new URL(location, current).href;
  }
  throw new Error('too many redirects');
}

beforeAll(async () => {
  stack = await startE2eStack('smart-fhirclient', ['api', 'sandbox']);
  tenant = await stack.newTenant(`smart-fc-${randomUUID().slice(0, 6)}`);
  await startApp();
  appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const registered = await stack.call('POST', '/v1/smart-apps', tenant.key, {
    name: 'fhirclient app',
    launchUrl: `${appOrigin}/launch`,
    redirectUris: [`${appOrigin}/callback`],
    scopes: ['launch', 'launch/patient', 'openid', 'fhirUser', 'patient/*.rs'],
  });
  expect(registered.status).toBe(201);
  clientId = registered.body.clientId;
  const settings = await fetch(`${stack.sandboxUrl}/_sandbox/smart/settings`);
  patient = ((await settings.json()) as { epic: { standalonePatient: string } }).epic.standalonePatient;
}, 90_000);
afterAll(async () => {
  await new Promise((r) => app?.close(r));
  await stack?.close();
});

describe('fhirclient behind the gateway', () => {
  let cid: string;
  beforeAll(async () => {
    const created = await stack.call('POST', '/v1/connections', tenant.key, { name: 'epic for fhirclient', vendor: 'epic', environment: 'sandbox' });
    expect(created.body.status).toBe('live');
    cid = created.body.id;
  }, 60_000);

  it('completes an EHR launch from the sandbox EHR and reads the launch patient', async () => {
    const gatewayLaunch = `${stack.base}/smart/launch?app=${clientId}`;
    const page = await browse(`${stack.sandboxUrl}/_sandbox/smart/launch?vendor=epic&patient=${patient}&app=${encodeURIComponent(gatewayLaunch)}`);
    expect(page.url.startsWith(`${appOrigin}/callback?`)).toBe(true);
    expect(page.status).toBe(200);
    const result = JSON.parse(page.body) as AppResult;
    expect(result.patientId).toBe(patient);
    expect(result.readId).toBe(patient);
    expect(result.fhirUser).toMatch(/^Practitioner\//);
    expect(result.scope.split(' ')).toEqual(expect.arrayContaining(['launch', 'openid', 'fhirUser', 'patient/*.rs']));
  });

  it('completes a standalone launch through the EHR’s patient picker', async () => {
    const page = await browse(`${appOrigin}/standalone?iss=${encodeURIComponent(`${stack.base}/fhir/r4/${cid}`)}`);
    expect(page.status).toBe(200);
    const result = JSON.parse(page.body) as AppResult;
    expect(result.patientId).toBe(patient);
    expect(result.readId).toBe(patient);
  });
});
