/**
 * Journey 16 — a SMART EHR launch through the gateway, in Chromium (issue 15, acceptance B14).
 *
 * A clinician opens a telehealth app from the Epic sandbox's launch simulator. The app is a
 * small static site whose pages use the stock SMART JavaScript client, `fhirclient`'s browser
 * build, and nothing that knows about Switchboard: launch.html calls `FHIR.oauth2.authorize()`
 * (PKCE S256 required) and callback.html calls `FHIR.oauth2.ready()`, then reads the launch
 * patient and shows who it is. Every hop is a real navigation in Chromium — sandbox launch →
 * gateway /smart/launch → the EHR's authorize → gateway /smart/callback → the app's launch URL →
 * gateway /smart/authorize → the app's redirect URI — and the discovery, token and FHIR requests
 * are real cross-origin requests from the app's origin to the gateway, so the browser enforces
 * the gateway's CORS answers (the FHIR read, which carries Authorization, with a real preflight).
 *
 * Why the app is served by a small HTTP server on loopback, at http://smart-app.localhost:<port>,
 * and not with `page.route()` on a made-up origin such as http://smart-app.test:
 * - fhirclient computes the PKCE S256 challenge with `crypto.subtle`, which Chromium offers only
 *   in a secure context: https, or a loopback host such as *.localhost (never http://smart-app.test);
 * - Chromium's Local Network Access blocks a public origin's requests to the gateway on 127.0.0.1
 *   (without a permission grant, and always from a non-secure context);
 * - once any route is set, Playwright intercepts every request and answers CORS preflights itself
 *   (204, allowing whatever was asked), so the gateway's preflight answer would never be tested.
 * A *.localhost host resolves to loopback inside Chromium: a secure context, loopback to loopback,
 * a different origin from the gateway, and no interception anywhere.
 */
import type { Page, Request, Response } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { api, expect, newTenant, recordNeedle, sandbox, snap, stack, test, unique } from './fixtures';

const SCOPE = 'launch openid fhirUser patient/*.rs';
const FHIR_CLIENT_JS = resolve(__dirname, '..', '..', '..', 'node_modules', 'fhirclient', 'build', 'fhir-client.js');

/** The app's launch page: fhirclient reads iss and launch from the URL, discovers the gateway's endpoints and redirects to its authorize endpoint. */
const launchHtml = (clientId: string): string => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harborview Telehealth · launching</title><script src="/fhir-client.js"></script></head>
<body>
<main>
  <h1>Harborview Telehealth</h1>
  <p id="status" role="status">Launching…</p>
</main>
<script>
  FHIR.oauth2
    .authorize({ clientId: ${JSON.stringify(clientId)}, scope: ${JSON.stringify(SCOPE)}, redirectUri: 'callback.html', pkceMode: 'required' })
    .catch(function (e) { document.getElementById('status').textContent = 'Launch failed: ' + e.message; });
</script>
</body>
</html>`;

/** The app's redirect URI: fhirclient exchanges the code (PKCE verifier from the app's sessionStorage), then the app reads its patient. */
const CALLBACK_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harborview Telehealth · visit</title><script src="/fhir-client.js"></script>
<style>body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem; color: #1a1a1a } dt { font-weight: 600 } dd { margin: 0 0 .75rem }</style></head>
<body>
<main>
  <h1>Harborview Telehealth</h1>
  <p id="status" role="status">Completing the launch…</p>
  <dl>
    <dt>Patient</dt><dd id="patient-name"></dd>
    <dt>Patient id</dt><dd id="patient-id"></dd>
    <dt>Signed in as (fhirUser)</dt><dd id="fhir-user"></dd>
    <dt>FHIR server (iss)</dt><dd id="server"></dd>
    <dt>App origin</dt><dd id="origin"></dd>
  </dl>
</main>
<script>
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  FHIR.oauth2
    .ready()
    .then(async (client) => {
      const patient = await client.request('Patient/' + client.patient.id);
      const name = (patient.name || [])[0] || {};
      show('patient-name', name.text || [].concat(name.given || [], name.family || []).join(' '));
      show('patient-id', patient.id);
      show('fhir-user', client.getFhirUser() || '(none)');
      show('server', client.state.serverUrl);
      show('origin', location.origin);
      show('status', 'Launched');
    })
    .catch((e) => show('status', 'Launch failed: ' + e.message));
</script>
</body>
</html>`;

/** The telehealth vendor's static site, on loopback. */
async function startApp(pages: { launch: () => string; callback: string }): Promise<{ server: Server; origin: string }> {
  const script = readFileSync(FHIR_CLIENT_JS);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    if (path === '/launch.html' || path === '/callback.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(path === '/launch.html' ? pages.launch() : pages.callback);
    } else if (path === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (path === '/fhir-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, origin: `http://smart-app.localhost:${(server.address() as AddressInfo).port}` };
}

interface Preflight {
  url: string;
  status: number;
  headers: Record<string, string>;
}

/**
 * CORS preflights, as Chromium's network service sends them: Playwright's request events leave
 * them out, the DevTools protocol's Network domain reports them (type "Preflight").
 */
async function watchPreflights(page: Page): Promise<Preflight[]> {
  const seen: Preflight[] = [];
  const cdp = await page.context().newCDPSession(page);
  const urls = new Map<string, string>();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.method === 'OPTIONS') urls.set(e.requestId, e.request.url);
  });
  cdp.on('Network.responseReceived', (e) => {
    if (e.type !== 'Preflight') return;
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    seen.push({ url: urls.get(e.requestId) ?? e.response.url, status: e.response.status, headers });
  });
  await cdp.send('Network.enable');
  return seen;
}

const where = (u: string): string => {
  const url = new URL(u);
  return `${url.origin}${url.pathname}`;
};

test('a clinician launches a SMART app from the Epic sandbox through the gateway; the stock browser client gets a token and reads the launch patient', async ({
  guardedPage: page,
}) => {
  const started = Date.now();
  // The set-up a developer does through the API: a one-click Epic sandbox connection, and a public app.
  const tenant = await newTenant('Launch');
  const created = await api('POST', '/v1/connections', { token: tenant.key, body: { name: unique('Epic launch'), vendor: 'epic', environment: 'sandbox' } });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('live');
  const cid = created.body.id as string;
  const iss = `${stack.base}/fhir/r4/${cid}`;
  const patient = (await sandbox('GET', '/_sandbox/smart/settings')).body.epic.standalonePatient as string;
  expect(patient).toBeTruthy();

  let clientId = '';
  const app = await startApp({ launch: () => launchHtml(clientId), callback: CALLBACK_HTML });
  try {
    const registered = await api('POST', '/v1/smart-apps', {
      token: tenant.key,
      body: { name: 'Harborview Telehealth', launchUrl: `${app.origin}/launch.html`, redirectUris: [`${app.origin}/callback.html`], scopes: SCOPE.split(' ') },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.clientSecret).toBeUndefined();
    clientId = registered.body.clientId as string;

    // What the browser does and says.
    const consoleLines: string[] = [];
    const errors: string[] = [];
    page.on('console', (m) => {
      consoleLines.push(m.text());
      if (m.type() === 'error') errors.push(`${m.location().url}: ${m.text()}`);
    });
    page.on('pageerror', (e) => {
      consoleLines.push(String(e));
      errors.push(`page error: ${String(e)}`);
    });
    const navigations: string[] = [];
    page.on('request', (r: Request) => {
      if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations.push(r.url());
    });
    const gatewayAnswers: Response[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(stack.base) && r.request().resourceType() !== 'document') gatewayAnswers.push(r);
    });
    const preflights = await watchPreflights(page);

    // The EHR opens the gateway's launch URL, naming the app; the rest is the browser's.
    const gatewayLaunch = `${stack.base}/smart/launch?app=${clientId}`;
    await page.goto(`${stack.sandbox}/_sandbox/smart/launch?vendor=epic&patient=${encodeURIComponent(patient)}&app=${encodeURIComponent(gatewayLaunch)}`, { waitUntil: 'commit' });
    await expect(page.locator('#status')).toHaveText('Launched', { timeout: 30_000 });
    expect(where(page.url())).toBe(`${app.origin}/callback.html`);

    // What the app shows: the launch patient, read through the gateway, and a practitioner as the user.
    await expect(page.locator('#patient-id')).toHaveText(patient);
    await expect(page.locator('#fhir-user')).toHaveText(/^Practitioner\/[A-Za-z0-9.-]+$/);
    await expect(page.locator('#server')).toHaveText(iss);
    await expect(page.locator('#origin')).toHaveText(app.origin);
    const shownName = (await page.locator('#patient-name').innerText()).trim();
    expect(shownName.length).toBeGreaterThan(0);
    await snap(page, '16-smart-ehr-launch-app');

    // Every hop was a navigation in this tab, in this order.
    expect(navigations.map(where)).toEqual([
      `${stack.sandbox}/_sandbox/smart/launch`,
      `${stack.base}/smart/launch`,
      // the EHR's authorize endpoint, which approves at once for the sandbox's clinician
      `${stack.sandbox}/epic/oauth2/authorize`,
      `${stack.base}/smart/callback`,
      `${app.origin}/launch.html`,
      `${stack.base}/smart/authorize`,
      `${app.origin}/callback.html`,
    ]);
    const launchedAt = new URL(navigations[4]!);
    expect(launchedAt.searchParams.get('iss')).toBe(iss);
    const launch = launchedAt.searchParams.get('launch') ?? '';
    const authorizeAt = new URL(navigations[5]!);
    expect(authorizeAt.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeAt.searchParams.get('aud')).toBe(iss);
    expect(authorizeAt.searchParams.get('launch')).toBe(launch);
    const redirected = new URL(navigations[6]!);
    const code = redirected.searchParams.get('code') ?? '';
    const state = redirected.searchParams.get('state') ?? '';
    expect(code).not.toBe('');
    expect(state).toBe(authorizeAt.searchParams.get('state'));

    // The app's requests to the gateway were cross-origin, and the gateway's answers carried CORS headers.
    const answer = (path: string, method = 'GET'): Response => {
      const found = gatewayAnswers.find((r) => where(r.url()) === `${stack.base}${path}` && r.request().method() === method);
      if (!found) throw new Error(`no ${method} ${path} from the app; saw ${gatewayAnswers.map((r) => `${r.request().method()} ${where(r.url())}`).join(', ')}`);
      return found;
    };
    const discovery = answer(`/fhir/r4/${cid}/.well-known/smart-configuration`);
    const tokenAnswer = answer('/smart/token', 'POST');
    const read = answer(`/fhir/r4/${cid}/Patient/${patient}`);
    for (const r of [discovery, tokenAnswer, read]) {
      expect(await r.request().headerValue('origin'), r.url()).toBe(app.origin);
      expect(r.status(), r.url()).toBe(200);
      expect(await r.headerValue('access-control-allow-origin'), r.url()).toBe('*');
    }
    expect(await tokenAnswer.headerValue('cache-control')).toBe('no-store');
    const tokens = (await tokenAnswer.json()) as { access_token: string; id_token?: string; token_type: string; scope: string; patient: string };
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.patient).toBe(patient);
    expect(tokens.scope.split(' ')).toEqual(expect.arrayContaining(SCOPE.split(' ')));
    expect(tokens.id_token).toBeTruthy();
    expect(await read.request().headerValue('authorization')).toBe(`Bearer ${tokens.access_token}`);
    const resource = (await read.json()) as { resourceType: string; id: string; name?: { text?: string; family?: string; given?: string[] }[] };
    expect(resource).toMatchObject({ resourceType: 'Patient', id: patient });
    for (const part of [resource.name?.[0]?.family, ...(resource.name?.[0]?.given ?? [])]) if (part) expect(shownName).toContain(part);
    // The read carries Authorization: Chromium asked first, and the gateway itself answered the preflight.
    const readPreflight = preflights.find((p) => where(p.url) === `${stack.base}/fhir/r4/${cid}/Patient/${patient}`);
    expect(readPreflight, `preflights seen: ${JSON.stringify(preflights.map((p) => p.url))}`).toBeDefined();
    expect(readPreflight!.status).toBe(204);
    expect(readPreflight!.headers['access-control-allow-origin']).toBe('*');
    expect(readPreflight!.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
    expect(readPreflight!.headers['access-control-allow-methods']).toContain('GET');

    // Nothing secret in the browser's console (no token, code, state or launch id), and no error at all.
    const secrets = { access_token: tokens.access_token, id_token: tokens.id_token!, code, state, launch };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThanOrEqual(16);
      expect(
        consoleLines.filter((l) => l.includes(value)),
        `${name} in the console`,
      ).toEqual([]);
    }
    expect(errors).toEqual([]);

    // fhirclient keeps its state (PKCE verifier, token response) in sessionStorage by design: that
    // is the app's origin (smart-app.localhost), its own storage in this tab, not the console's or
    // the gateway's. Nothing reaches the app's localStorage.
    const appStorage = await page.evaluate(() => ({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) }));
    expect(appStorage.session).toContain(tokens.access_token);
    expect(appStorage.local).not.toContain(tokens.access_token);

    // The guard (fixtures.ts) scans the storage of the page's origin when the test ends: back on the
    // gateway's origin, where the console lives, the tokens and the patient's name must be nowhere.
    await page.goto(`${stack.base}/console/login`);
    await expect(page.getByLabel('Email')).toBeVisible();
    // Values the guard and the logs scan look for from here on (the tokens never travel in a URL;
    // code, state and launch do, by OAuth's design, so they are checked in the console above only).
    recordNeedle(tokens.access_token);
    recordNeedle(tokens.id_token!);
    for (const part of [resource.name?.[0]?.family, ...(resource.name?.[0]?.given ?? [])]) if (part) recordNeedle(part);

    // The launch is on the tenant's audit trail, naming the patient and the app.
    const audit = await api('GET', '/v1/audit-records?order=desc&limit=100', { token: tenant.key });
    const launches = (audit.body.items as { operation: string; connectionId: string; patientRef: string; purpose: string }[]).filter(
      (r) => r.operation === 'smart-launch' && r.connectionId === cid,
    );
    expect(launches).toHaveLength(1);
    expect(launches[0]).toMatchObject({ patientRef: `Patient/${patient}` });
    expect(launches[0]!.purpose).toContain(clientId);
    test.info().annotations.push({ type: 'duration', description: `set-up and launch in ${Date.now() - started} ms` });
  } finally {
    // Chromium keeps its connections to the app open: close them, or close() waits for them.
    app.server.closeAllConnections();
    await new Promise((done) => app.server.close(done));
  }
});
