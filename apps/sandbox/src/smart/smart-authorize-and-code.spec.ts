import { testClock } from '../testing/bulk-harness';
import { startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import {
  authorize,
  authorizeAndExchange,
  authorizeParams,
  codeForm,
  fhirGet,
  pkcePair,
  REDIRECT_URI,
  refreshForm,
  serverFor,
  STANDALONE_SCOPE,
  tokenRequest,
  type SmartServerJson,
} from './testing/smart-app';

describe('SMART authorize validation, PKCE and authorization codes', () => {
  const clock = testClock();
  let sandbox: TestSandbox;
  let epic: SmartServerJson;
  let athena: SmartServerJson;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    epic = await serverFor(sandbox, 'epic');
    athena = await serverFor(sandbox, 'athena');
  });
  afterAll(async () => {
    await sandbox.dispose();
  });
  afterEach(() => clock.reset());

  /** A code for a standalone launch, with its PKCE pair. */
  async function codeFor(server: SmartServerJson, overrides: Record<string, string> = {}) {
    const pkce = pkcePair();
    const answer = await authorize(server, authorizeParams(server, pkce, { scope: STANDALONE_SCOPE, ...overrides }));
    return { pkce, code: answer.location?.searchParams.get('code') as string };
  }

  describe('requests that must not redirect (an error page instead)', () => {
    it.each([
      ['missing', undefined],
      ['unparseable', 'not a url'],
      ['relative', '/callback'],
      ['not http(s)', 'javascript:alert(1)'],
      ['with a fragment', 'https://app.example.test/cb#frag'],
    ])('redirect_uri %s → 400 page', async (_label, redirectUri) => {
      const answer = await authorize(epic, authorizeParams(epic, pkcePair(), { redirect_uri: redirectUri }));
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.body).toContain('invalid_request');
    });

    it("an Oracle tenant nobody registered → 404 page", async () => {
      const unknown = { ...epic, authorizeUrl: `${sandbox.url}/oracle/tenants/00000000-0000-4000-8000-000000000000/protocols/oauth2/profiles/smart-v1/personas/provider/authorize` };
      const answer = await authorize(unknown, authorizeParams(epic, pkcePair()));
      expect(answer).toMatchObject({ status: 404, location: undefined });
    });

    it('missing client_id → 400 page', async () => {
      const answer = await authorize(epic, authorizeParams(epic, pkcePair(), { client_id: undefined }));
      expect(answer).toMatchObject({ status: 400, location: undefined });
    });
  });

  describe('requests answered at redirect_uri with error and state', () => {
    it.each([
      ['response_type missing', { response_type: undefined }, 'invalid_request'],
      ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
      ['aud missing', { aud: undefined }, 'invalid_request'],
      ['aud another server', { aud: 'https://fhir.example.test/r4' }, 'invalid_request'],
      ['code_challenge_method missing', { code_challenge_method: undefined }, 'invalid_request'],
      ['code_challenge_method plain', { code_challenge_method: 'plain' }, 'invalid_request'],
      ['code_challenge missing', { code_challenge: undefined }, 'invalid_request'],
      ['code_challenge not a SHA-256', { code_challenge: 'too-short' }, 'invalid_request'],
      ['launch unknown', { launch: 'no-such-launch' }, 'invalid_request'],
    ])('%s → %s', async (_label, overrides: Record<string, string | undefined>, error) => {
      const params = authorizeParams(epic, pkcePair(), overrides);
      const answer = await authorize(epic, params);
      expect(answer.status).toBe(302);
      const location = answer.location as URL;
      expect(`${location.origin}${location.pathname}`).toBe('https://app.example.test/smart/callback');
      expect(location.searchParams.get('route')).toBe('kept');
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('error_description')).toEqual(expect.any(String));
      expect(location.searchParams.get('state')).toBe(params.state);
      expect(location.searchParams.has('code')).toBe(false);
    });

    it('state missing → invalid_request without a state', async () => {
      const answer = await authorize(epic, authorizeParams(epic, pkcePair(), { state: undefined }));
      expect(answer.location?.searchParams.get('error')).toBe('invalid_request');
      expect(answer.location?.searchParams.has('state')).toBe(false);
    });

    it('a repeated parameter → invalid_request', async () => {
      const pkce = pkcePair();
      const query = `${new URLSearchParams(authorizeParams(epic, pkce)).toString()}&scope=openid`;
      const res = await fetch(`${epic.authorizeUrl}?${query}`, { redirect: 'manual' });
      expect(new URL(res.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
    });

    it('accepts aud with a trailing slash', async () => {
      const answer = await authorize(epic, authorizeParams(epic, pkcePair(), { scope: STANDALONE_SCOPE, aud: `${epic.fhirBaseUrl}/` }));
      expect(answer.location?.searchParams.get('code')).toEqual(expect.any(String));
    });
  });

  describe('the code exchange', () => {
    it('refuses a wrong code_verifier, and the code is spent afterwards', async () => {
      const { pkce, code } = await codeFor(epic);
      const wrong = await tokenRequest(epic, codeForm(code, pkce, { code_verifier: pkcePair().verifier }));
      expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(wrong.headers.get('cache-control')).toBe('no-store');
      expect(await tokenRequest(epic, codeForm(code, pkce))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('refuses a missing or malformed code_verifier', async () => {
      const first = await codeFor(epic);
      const form = codeForm(first.code, first.pkce);
      delete form.code_verifier;
      expect(await tokenRequest(epic, form)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      const second = await codeFor(epic);
      expect(await tokenRequest(epic, codeForm(second.code, second.pkce, { code_verifier: 'short' }))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('refuses a reused code and revokes the tokens it was exchanged for (RFC 6749 §4.1.2)', async () => {
      const { pkce, code } = await codeFor(epic);
      const first = await tokenRequest(epic, codeForm(code, pkce));
      expect(first.status).toBe(200);
      const patientUrl = `${epic.fhirBaseUrl}/Patient/${String(first.body.patient)}`;
      expect((await fhirGet(patientUrl, first.body.access_token as string)).status).toBe(200);
      expect(await tokenRequest(epic, codeForm(code, pkce))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect((await fhirGet(patientUrl, first.body.access_token as string)).status).toBe(401);
      expect(await tokenRequest(epic, refreshForm(first.body.refresh_token as string))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('refuses a code older than 60 seconds', async () => {
      const fresh = await codeFor(epic);
      clock.advance(59_000);
      expect((await tokenRequest(epic, codeForm(fresh.code, fresh.pkce))).status).toBe(200);
      const stale = await codeFor(epic);
      clock.advance(60_001);
      expect(await tokenRequest(epic, codeForm(stale.code, stale.pkce))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('refuses a redirect_uri other than the authorize one, or none', async () => {
      const first = await codeFor(epic);
      expect(await tokenRequest(epic, codeForm(first.code, first.pkce, { redirect_uri: 'https://app.example.test/smart/callback' }))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      const second = await codeFor(epic);
      const form = codeForm(second.code, second.pkce);
      delete form.redirect_uri;
      expect(await tokenRequest(epic, form)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(REDIRECT_URI).toBe('https://app.example.test/smart/callback?route=kept');
    });

    it('refuses a client other than the one the code was issued to', async () => {
      const first = await codeFor(epic);
      expect(await tokenRequest(epic, codeForm(first.code, first.pkce, { client_id: 'another-app' }))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      const second = await codeFor(epic);
      const basic = await tokenRequest(epic, { ...codeForm(second.code, second.pkce), client_id: 'another-app' }, { clientId: 'another-app', secret: 'x' });
      expect(basic).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('answers 401 invalid_client without client authentication, or with two that disagree', async () => {
      const { code, pkce } = await codeFor(epic);
      const form = codeForm(code, pkce);
      delete form.client_id;
      const none = await tokenRequest(epic, form);
      expect(none).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      const mismatch = await tokenRequest(epic, { ...form, client_id: 'test-app' }, { clientId: 'other', secret: 'x' });
      expect(mismatch).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      expect(mismatch.headers.get('www-authenticate')).toMatch(/^Basic/);
    });

    it("refuses a code at another vendor's token endpoint", async () => {
      const { code, pkce } = await codeFor(epic);
      expect(await tokenRequest(athena, codeForm(code, pkce))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('requires a code and a known grant type', async () => {
      expect(await tokenRequest(epic, { grant_type: 'authorization_code', client_id: 'test-app', redirect_uri: REDIRECT_URI })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await tokenRequest(epic, { grant_type: 'authorization_code', client_id: 'test-app', code: 'nope', redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier })).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant' },
      });
    });
  });

  describe('refresh', () => {
    it('lets a refresh narrow the scope, never widen it', async () => {
      const { token } = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
      const wider = await tokenRequest(epic, refreshForm(token.body.refresh_token as string, { scope: `${STANDALONE_SCOPE} user/*.cruds` }));
      expect(wider).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
      const narrower = await tokenRequest(epic, refreshForm(token.body.refresh_token as string, { scope: 'launch/patient patient/*.rs' }));
      expect(narrower).toMatchObject({ status: 200, body: { scope: 'launch/patient patient/*.rs', refresh_token: expect.any(String) } });
      expect(narrower.body).not.toHaveProperty('id_token');
      // The rotated refresh token keeps the original grant.
      const next = await tokenRequest(epic, refreshForm(narrower.body.refresh_token as string));
      expect(next.body.scope).toBe(STANDALONE_SCOPE);
    });

    it('refuses a refresh token presented by another client or at another server', async () => {
      const { token } = await authorizeAndExchange(epic, { scope: STANDALONE_SCOPE });
      const refreshToken = token.body.refresh_token as string;
      expect(await tokenRequest(epic, refreshForm(refreshToken, { client_id: 'someone-else' }))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(await tokenRequest(athena, refreshForm(refreshToken))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      // Neither attempt spent it.
      expect((await tokenRequest(epic, refreshForm(refreshToken))).status).toBe(200);
    });
  });
});
