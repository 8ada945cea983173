import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@sb/telemetry';
import { startSandbox, type RunningSandbox } from '../sandbox-server';
import type { SmartLedgerEntry } from './smart-ledger';
import {
  authorize,
  authorizeParams,
  codeForm,
  EHR_SCOPE,
  ehrLaunch,
  fhirGet,
  pkcePair,
  putSmartSettings,
  REDIRECT_URI,
  refreshForm,
  resetSmart,
  serverFor,
  tokenRequest,
  type SmartServerJson,
} from './testing/smart-app';

describe('SMART request ledger, and what reaches the logs', () => {
  const logLines: string[] = [];
  let sandbox: RunningSandbox;
  let stateDir: string;
  let epic: SmartServerJson;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'sb-smart-ledger-'));
    // Everything the sandbox logs, at the most verbose level, to search for credentials afterwards.
    const logger = createLogger({ serviceName: 'sandbox-test', level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });
    sandbox = await startSandbox({ port: 0, stateDir, logger });
    epic = await serverFor(sandbox, 'epic');
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await resetSmart(sandbox);
  });

  const ledger = async (query = ''): Promise<SmartLedgerEntry[]> => ((await (await fetch(`${sandbox.url}/_sandbox/smart/ledger${query}`)).json()) as { entries: SmartLedgerEntry[] }).entries;

  it('records what the app sent at each step, never a credential, and no credential is logged', async () => {
    const patient = sandbox.state.patients('epic')[1]?.id as string;
    const launched = await ehrLaunch(sandbox, { vendor: 'epic', patient });
    const launch = launched.location?.searchParams.get('launch') as string;
    const pkce = pkcePair();
    const params = authorizeParams(epic, pkce, { launch, nonce: 'nonce-value-0123456789' });
    const answer = await authorize(epic, params);
    const code = answer.location?.searchParams.get('code') as string;
    const token = await tokenRequest(epic, codeForm(code, pkce));
    expect(token.status).toBe(200);
    const refreshed = await tokenRequest(epic, refreshForm(token.body.refresh_token as string));
    expect(refreshed.status).toBe(200);
    expect((await fhirGet(`${epic.fhirBaseUrl}/Patient/${patient}`, refreshed.body.access_token as string)).status).toBe(200);
    // A failed exchange is recorded too: the same code again.
    expect((await tokenRequest(epic, codeForm(code, pkce))).status).toBe(400);

    const entries = await ledger('?vendor=epic');
    expect(entries).toEqual([
      {
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        vendor: 'epic',
        tenantId: null,
        endpoint: 'authorize',
        method: 'GET',
        responseType: 'code',
        clientId: 'test-app',
        redirectUri: REDIRECT_URI,
        aud: epic.fhirBaseUrl,
        scope: EHR_SCOPE,
        launchKind: 'ehr',
        launch: { present: true, valid: true },
        statePresent: true,
        stateLength: params.state?.length,
        codeChallengePresent: true,
        codeChallengeMethod: 'S256',
        noncePresent: true,
        result: { status: 302, outcome: 'code', error: null },
      },
      {
        at: expect.any(String),
        vendor: 'epic',
        tenantId: null,
        endpoint: 'token',
        method: 'POST',
        grantType: 'authorization_code',
        clientId: 'test-app',
        clientAuth: 'client_id',
        redirectUri: REDIRECT_URI,
        scope: null,
        code: { present: true, valid: true },
        codeVerifier: { present: true, valid: true },
        refreshToken: { present: false, valid: null },
        result: { status: 200, outcome: 'tokens', error: null },
      },
      expect.objectContaining({ endpoint: 'token', grantType: 'refresh_token', refreshToken: { present: true, valid: true }, result: { status: 200, outcome: 'tokens', error: null } }),
      expect.objectContaining({ endpoint: 'token', grantType: 'authorization_code', code: { present: true, valid: false }, codeVerifier: { present: true, valid: null }, result: { status: 400, outcome: 'error', error: 'invalid_grant' } }),
    ]);

    const secrets = [
      launch,
      params.state,
      params.code_challenge,
      'nonce-value-0123456789',
      pkce.verifier,
      code,
      token.body.access_token,
      token.body.refresh_token,
      token.body.id_token,
      refreshed.body.access_token,
      refreshed.body.refresh_token,
    ].map(String);
    const ledgerText = JSON.stringify(entries);
    const logText = logLines.join('');
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(ledgerText).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  });

  it('records refusals with their error, the error page included', async () => {
    await authorize(epic, authorizeParams(epic, pkcePair(), { code_challenge_method: 'plain' }));
    await authorize(epic, authorizeParams(epic, pkcePair(), { redirect_uri: 'nope' }));
    await putSmartSettings(sandbox, { vendor: 'epic', error: 'upstream_down' });
    await authorize(epic, authorizeParams(epic, pkcePair()));
    const entries = await ledger();
    expect(entries.map((e) => [e.endpoint, e.result])).toEqual([
      ['authorize', { status: 302, outcome: 'error-redirect', error: 'invalid_request' }],
      ['authorize', { status: 400, outcome: 'error-page', error: 'invalid_request' }],
      ['authorize', { status: 503, outcome: 'error-page', error: 'temporarily_unavailable' }],
    ]);
    expect(entries[0]).toMatchObject({ codeChallengeMethod: 'plain', launch: { present: false, valid: null }, launchKind: null });
  });

  it('filters by vendor, clears with DELETE and with the SMART reset', async () => {
    const athena = await serverFor(sandbox, 'athena');
    await authorize(epic, authorizeParams(epic, pkcePair(), { scope: 'launch/patient' }));
    await authorize(athena, authorizeParams(athena, pkcePair(), { scope: 'launch/patient' }));
    expect((await ledger('?vendor=athena')).map((e) => e.vendor)).toEqual(['athena']);
    expect((await ledger()).length).toBe(2);
    expect((await fetch(`${sandbox.url}/_sandbox/smart/ledger?vendor=athena`, { method: 'DELETE' })).status).toBe(204);
    expect((await ledger()).map((e) => e.vendor)).toEqual(['epic']);
    expect((await fetch(`${sandbox.url}/_sandbox/smart/ledger?vendor=cerner`)).status).toBe(400);
    await resetSmart(sandbox);
    expect(await ledger()).toEqual([]);
  });

  it('does not record client_credentials requests', async () => {
    await fetch(epic.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
    expect(await ledger()).toEqual([]);
  });
});
