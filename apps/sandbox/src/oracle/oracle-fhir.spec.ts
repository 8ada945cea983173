import { matchesOf, nextLink, oracleSession, oracleToken, startTestSandbox, type BundleJson, type OracleSession, type TestSandbox } from '../testing/sandbox-harness';

interface Outcome {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; diagnostics: string; expression?: string[]; details?: unknown }[];
}

describe('Oracle Health-like FHIR server', () => {
  let sandbox: TestSandbox;
  let oracle: OracleSession;
  let patientId: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    oracle = await oracleSession(sandbox);
    patientId = ((await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=oracle`)).json()) as { id: string }[])[0]?.id as string;
  });
  afterAll(() => sandbox.dispose());

  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

  it('puts the tenant GUID in the base URL and token URL', () => {
    expect(oracle.tenantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(oracle.base).toBe(`${sandbox.url}/oracle/r4/${oracle.tenantId}`);
    expect(oracle.tokenUrl).toBe(`${sandbox.url}/oracle/tenants/${oracle.tenantId}/protocols/oauth2/profiles/smart-v1/token`);
  });

  describe('token endpoint', () => {
    it('issues a token for SMART v1 scopes, by client_secret_basic or client_secret_post', async () => {
      const basic = await oracleToken(oracle.tokenUrl, oracle.clientId, oracle.clientSecret, 'system/Patient.read');
      expect(await json(basic)).toEqual({ access_token: expect.any(String), scope: 'system/Patient.read', token_type: 'Bearer', expires_in: 570 });
      const post = await fetch(oracle.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Observation.read', client_id: oracle.clientId, client_secret: oracle.clientSecret }),
      });
      expect(post.status).toBe(200);
    });

    it('refuses SMART v2 scope syntax with invalid_scope', async () => {
      const res = await oracleToken(oracle.tokenUrl, oracle.clientId, oracle.clientSecret, 'system/Patient.rs');
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ error: 'invalid_scope', error_description: expect.stringContaining('v2') });
      expect((await oracleToken(oracle.tokenUrl, oracle.clientId, oracle.clientSecret, '')).status).toBe(400);
    });

    it('refuses a wrong secret, and the right client at another tenant', async () => {
      const wrong = await oracleToken(oracle.tokenUrl, oracle.clientId, 'not-the-secret', 'system/Patient.read');
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
      const other = await oracleSession(sandbox);
      expect((await oracleToken(other.tokenUrl, oracle.clientId, oracle.clientSecret, 'system/Patient.read')).status).toBe(401);
    });
  });

  it('requires Accept: application/fhir+json (406 otherwise)', async () => {
    for (const accept of ['application/json', '*/*']) {
      const res = await oracle.get(`/Patient/${patientId}`, { accept });
      expect(res.status).toBe(406);
      expect((await json<Outcome>(res)).resourceType).toBe('OperationOutcome');
    }
    expect((await oracle.get(`/Patient/${patientId}`, { accept: 'application/fhir+json; fhirVersion=4.0' })).status).toBe(200);
    expect((await fetch(`${oracle.base}/metadata`)).status).toBe(406);
    expect((await fetch(`${oracle.base}/metadata`, { headers: { accept: 'application/fhir+json' } })).status).toBe(200);
  });

  it('serves numeric ids and the Oracle MRN', async () => {
    const res = await oracle.get(`/Patient/${patientId}`);
    expect(res.headers.get('etag')).toBe('W/"1"');
    const patient = await json<{ id: string; identifier: { system: string; value: string }[] }>(res);
    expect(patient.id).toMatch(/^\d+$/);
    expect(patient.identifier[0]?.system).toBe('urn:oid:2.16.840.1.113883.6.1000');
    const bundle = await json<BundleJson>(await oracle.get(`/Observation?patient=${patientId}`));
    for (const e of matchesOf(bundle)) expect(e.resource.id).toMatch(/^\d+$/);
    expect(bundle.total).toBeUndefined();
  });

  it('refuses a token from another tenant with 401', async () => {
    const other = await oracleSession(sandbox);
    const res = await fetch(`${oracle.base}/Patient/${patientId}`, { headers: { authorization: `Bearer ${other.token}`, accept: 'application/fhir+json' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('enforces scopes: reading a type needs system/<Type>.read', async () => {
    const res = await oracle.get(`/Condition?patient=${patientId}`);
    expect(res.status).toBe(403);
    expect((await json<Outcome>(res)).issue[0]).toMatchObject({ code: 'forbidden', diagnostics: expect.stringContaining('system/Condition.read') });
  });

  it('answers its own OperationOutcome shape (diagnostics, no coded details)', async () => {
    const res = await oracle.get('/Observation?category=vital-signs');
    expect(res.status).toBe(400);
    const outcome = await json<Outcome>(res);
    expect(outcome.issue[0]).toEqual({ severity: 'error', code: 'required', diagnostics: expect.any(String), expression: ['patient'] });
    expect((await oracle.get('/Patient/12345')).status).toBe(404);
  });

  it('pages with -pageContext next links that repeat the query', async () => {
    let bundle = await json<BundleJson>(await oracle.get(`/Observation?patient=${patientId}&_count=10`));
    const ids: string[] = [];
    for (;;) {
      ids.push(...matchesOf(bundle).map((e) => e.resource.id));
      const next = nextLink(bundle);
      if (!next) break;
      expect(next).toContain(`patient=${patientId}`);
      expect(next).toMatch(/-pageContext=[^&]+&-pageDirection=NEXT$/);
      bundle = await json<BundleJson>(await oracle.get(next));
    }
    const all = await json<BundleJson>(await oracle.get(`/Observation?patient=${patientId}&_count=200`));
    expect(ids).toEqual(matchesOf(all).map((e) => e.resource.id));
    expect(ids.length).toBeGreaterThan(10);
  });

  describe('DocumentReference create', () => {
    const post = (body: unknown, contentType = 'application/fhir+json') =>
      fetch(`${oracle.base}/DocumentReference`, { method: 'POST', headers: { authorization: `Bearer ${oracle.token}`, accept: 'application/fhir+json', 'content-type': contentType }, body: JSON.stringify(body) });
    const note = () => ({
      resourceType: 'DocumentReference',
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] },
      subject: { reference: `Patient/${patientId}` },
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Synthetic video visit note.').toString('base64') } }],
    });

    it('answers 201 with Location and no body; readable in this tenant only', async () => {
      const res = await post(note());
      expect(res.status).toBe(201);
      expect(await res.text()).toBe('');
      const location = res.headers.get('location') as string;
      expect(location).toMatch(new RegExp(`^${oracle.base}/DocumentReference/\\d+$`));
      const created = await json<{ content: { attachment: { data: string } }[] }>(await oracle.get(location));
      expect(Buffer.from(created.content[0]?.attachment.data ?? '', 'base64').toString()).toBe('Synthetic video visit note.');
      const other = await oracleSession(sandbox);
      expect((await other.get(`/DocumentReference/${location.split('/').pop()}`)).status).toBe(404);
    });

    it('answers 422 with an Oracle OperationOutcome for an invalid note', async () => {
      const res = await post({ ...note(), subject: { reference: 'Patient/1' } });
      expect(res.status).toBe(422);
      expect((await json<Outcome>(res)).issue[0]).toMatchObject({ severity: 'error', code: 'invalid', expression: ['DocumentReference.subject'] });
    });

    it('requires application/fhir+json content and a write scope', async () => {
      expect((await post(note(), 'application/json')).status).toBe(415);
      const readOnly = await oracleSession(sandbox, 'system/Patient.read');
      const res = await fetch(`${readOnly.base}/DocumentReference`, {
        method: 'POST',
        headers: { authorization: `Bearer ${readOnly.token}`, accept: 'application/fhir+json', 'content-type': 'application/fhir+json' },
        body: JSON.stringify(note()),
      });
      expect(res.status).toBe(403);
    });
  });

  it('answers 404 for a tenant nobody registered', async () => {
    const res = await fetch(`${sandbox.url}/oracle/r4/00000000-0000-4000-8000-000000000000/metadata`, { headers: { accept: 'application/fhir+json' } });
    expect(res.status).toBe(404);
  });
});
