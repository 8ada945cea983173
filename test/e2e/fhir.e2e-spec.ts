/**
 * The heart of the product end to end: the built api, worker and sandbox EHRs as
 * real processes. One-click sandbox connections to the Epic-like and Oracle-like
 * servers, then the FHIR facade and the clinical GraphQL for every resource type,
 * bad input, vendor faults, tenant isolation — and every resource returned checked
 * against the official R4 schema. Logs and spans are scanned for patient names.
 */
import type { Resource } from '@medplum/fhirtypes';
import { validateFhirResource } from '@sb/fhir';
import { findLeaks, startE2eStack, usCoreAvailable, usCoreFixturePath, validateUsCore, type CallResult, type E2eStack, type E2eTenant } from '@sb/testing';
import { randomUUID } from 'node:crypto';

let stack: E2eStack;
const returned: Resource[] = [];
const patientNames: string[] = [];


const fhir = (t: E2eTenant, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  stack.call(method, `/fhir/r4${path}`, t.key, body, { accept: 'application/fhir+json', ...headers });

const collect = (res: CallResult): CallResult => {
  if (res.body?.resourceType === 'Bundle') for (const e of res.body.entry ?? []) returned.push(e.resource);
  else if (res.body?.resourceType && res.body.resourceType !== 'OperationOutcome') returned.push(res.body);
  return res;
};

const ourCode = (res: CallResult): string | undefined => res.body?.issue?.[0]?.details?.coding?.find((c: { system: string }) => c.system === 'urn:switchboard:error')?.code;

beforeAll(async () => {
  stack = await startE2eStack('fhir-e2e', ['api', 'worker', 'sandbox']);
}, 90_000);
afterAll(() => stack?.close());

describe.each(['epic', 'oracle'] as const)('%s through the FHIR facade', (vendor) => {
  let a: E2eTenant;
  let b: E2eTenant;
  let cid: string;
  let patients: { id: string; mrn: string; family: string; given: string }[];

  beforeAll(async () => {
    a = await stack.newTenant(`fhir-${vendor}-a-${randomUUID().slice(0, 6)}`);
    b = await stack.newTenant(`fhir-${vendor}-b-${randomUUID().slice(0, 6)}`);
    const created = await stack.call('POST', '/v1/connections', a.key, { name: `${vendor} sandbox`, vendor, environment: 'sandbox' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'live', provisioning: { ok: true } });
    cid = created.body.id;
    patients = (await (await fetch(`${stack.sandboxUrl}/_sandbox/patients?vendor=${vendor}`)).json()) as typeof patients;
    patientNames.push(...patients.slice(0, 5).map((p) => p.family), ...patients.slice(0, 5).map((p) => `${p.given} ${p.family}`));
  }, 60_000);

  afterEach(() => fetch(`${stack.sandboxUrl}/_sandbox/faults`, { method: 'DELETE' }));

  it('serves a CapabilityStatement computed from the adapter', async () => {
    const res = await fhir(a, 'GET', `/${cid}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(res.body.rest[0].resource.map((r: { type: string }) => r.type)).toEqual(expect.arrayContaining(['Patient', 'Observation', 'DocumentReference']));
  });

  it('reads a patient and answers 404 OperationOutcome for a missing one', async () => {
    const res = collect(await fhir(a, 'GET', `/${cid}/Patient/${patients[0]!.id}`));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Patient', id: patients[0]!.id, meta: { source: `urn:switchboard:connection:${cid}` } });
    const missing = await fhir(a, 'GET', `/${cid}/Patient/${vendor === 'oracle' ? '987654321' : 'eMissing3'}`);
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    expect(ourCode(missing)).toBe('not_found');
  });

  it("answers a read with the resource's version ETag, and the same ETag in If-None-Match with 304", async () => {
    const path = `/${cid}/Patient/${patients[0]!.id}`;
    const res = await fhir(a, 'GET', path);
    expect(res.status).toBe(200);
    const versionId = res.body.meta?.versionId as string;
    expect(versionId).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(res.headers.get('etag')).toBe(`W/"${versionId}"`);
    // fetch adds `Cache-Control: no-cache` (an end-to-end reload, never answered 304) to a conditional request unless one is given.
    const conditional = (etag: string) => fhir(a, 'GET', path, undefined, { 'if-none-match': etag, 'cache-control': 'max-age=0' });
    expect((await conditional(`W/"${versionId}"`)).status).toBe(304);
    expect((await conditional('W/"not-this-version"')).status).toBe(200);
    const search = await fhir(a, 'GET', `/${cid}/Patient?identifier=${patients[0]!.mrn}`);
    expect(search.status).toBe(200);
    expect(search.headers.get('etag')).toBeNull();
  });

  it('refuses an Observation search without a patient with 400, as Epic does', async () => {
    const res = await fhir(a, 'GET', `/${cid}/Observation?category=vital-signs`);
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0])).toContain('patient');
  });

  it('lists invalid search parameters', async () => {
    const res = await fhir(a, 'GET', `/${cid}/Condition?patient=${patients[0]!.id}&colour=blue&_count=9999`);
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0]).sort()).toEqual(['_count', 'colour']);
  });

  it('pages Observations with gateway links, never the vendor URL', async () => {
    let res = collect(await fhir(a, 'GET', `/${cid}/Observation?patient=${patients[1]!.id}&category=laboratory&_count=5`));
    expect(res.status).toBe(200);
    let pages = 1;
    const ids = new Set<string>();
    for (;;) {
      for (const e of res.body.entry ?? []) if (e.search.mode === 'match') ids.add(e.resource.id);
      expect(res.text).not.toContain(stack.sandboxUrl);
      const next = res.body.link.find((l: { relation: string }) => l.relation === 'next');
      if (!next || pages > 50) break;
      expect(next.url.startsWith(`${stack.base}/fhir/r4/${cid}/Observation?_cursor=`)).toBe(true);
      res = collect(await stack.call('GET', next.url.slice(stack.base.length), a.key));
      pages += 1;
    }
    expect(pages).toBeGreaterThan(1);
    expect(ids.size).toBeGreaterThan(5);
  });

  it.each(['Encounter', 'Condition', 'AllergyIntolerance', 'MedicationRequest', 'DiagnosticReport', 'DocumentReference', 'Appointment'])(
    'searches %s by patient',
    async (type) => {
      const res = collect(await fhir(a, 'GET', `/${cid}/${type}?patient=${patients[3]!.id}`));
      expect(res.status).toBe(200);
      expect(res.body.resourceType).toBe('Bundle');
    },
  );

  it('searches patients by MRN and practitioners by name', async () => {
    const byMrn = collect(await fhir(a, 'GET', `/${cid}/Patient?identifier=${patients[4]!.mrn}`));
    expect(byMrn.body.entry.map((e: { resource: Resource }) => e.resource.id)).toContain(patients[4]!.id);
    const practitioners = collect(await fhir(a, 'GET', `/${cid}/Practitioner?name=a`));
    expect(practitioners.status).toBe(200);
  });

  it('answers 501 naming what is supported for a type the connection does not serve', async () => {
    const res = await fhir(a, 'GET', `/${cid}/Coverage?patient=x`);
    expect(res.status).toBe(501);
    expect(res.body.issue[0].code).toBe('not-supported');
  });

  it('writes a note back once per Idempotency-Key', async () => {
    const note = {
      resourceType: 'DocumentReference',
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
      category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
      subject: { reference: `Patient/${patients[2]!.id}` },
      date: '2026-11-20T10:00:00Z',
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Synthetic telehealth visit note.').toString('base64') } }],
    };
    const key = randomUUID();
    const first = collect(await fhir(a, 'POST', `/${cid}/DocumentReference`, note, { 'content-type': 'application/fhir+json', 'idempotency-key': key }));
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toMatch(new RegExp(`/fhir/r4/${cid}/DocumentReference/`));
    const again = await fhir(a, 'POST', `/${cid}/DocumentReference`, note, { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const other = await fhir(a, 'POST', `/${cid}/DocumentReference`, { ...note, date: '2026-11-21T10:00:00Z' }, { 'idempotency-key': key });
    expect(other.status).toBe(409);
  });

  it('refuses a malformed resource with FHIRPath locations', async () => {
    const res = await fhir(a, 'POST', `/${cid}/DocumentReference`, { resourceType: 'DocumentReference', status: 'sometimes', content: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0])).toEqual(expect.arrayContaining(['DocumentReference.status', 'DocumentReference.content']));
  });

  it('passes vendor rate limiting through with Retry-After, and maps 5xx bursts', async () => {
    await fetch(`${stack.sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor, kind: 'rate-limit', count: 3, retryAfterSeconds: 30 }) });
    const limited = await fhir(a, 'GET', `/${cid}/Patient/${patients[0]!.id}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    await fetch(`${stack.sandboxUrl}/_sandbox/faults`, { method: 'DELETE' });
    await fetch(`${stack.sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor, kind: 'server-error', count: 5, status: 502 }) });
    const failing = await fhir(a, 'GET', `/${cid}/Patient/${patients[0]!.id}`);
    expect(failing.status).toBe(502);
    expect(ourCode(failing)).toBe('vendor_error');
  });

  it('meters every facade call', async () => {
    const usage = await stack.call('GET', '/v1/usage/totals', a.key);
    const reads = usage.body.items.filter((i: { connectionId: string; operation: string }) => i.connectionId === cid && i.operation === 'read');
    expect(reads.reduce((n: number, i: { count: number }) => n + i.count, 0)).toBeGreaterThan(0);
  });

  it('reads the chart and writes a note through GraphQL', async () => {
    const lists = ['conditions', 'allergies', 'medicationRequests', 'encounters', 'appointments', 'documents', 'diagnosticReports'];
    const query = `query($c: ID!, $p: ID!) { patient(connectionId: $c, id: $p) { id name mrn resource
      observations(category: "vital-signs", first: 3) { nodes { id display valueWithUnit resource } pageInfo { hasNextPage endCursor } }
      ${lists.map((l) => `${l}(first: 3) { nodes { id resource } }`).join(' ')} } }`;
    const res = await stack.call('POST', '/graphql', a.key, { query, variables: { c: cid, p: patients[3]!.id } });
    expect(res.body.errors).toBeUndefined();
    const patient = res.body.data.patient;
    expect(patient).toMatchObject({ id: patients[3]!.id, mrn: patients[3]!.mrn });
    expect(patient.observations.nodes.length).toBeGreaterThan(0);
    expect(patient.observations.nodes[0].valueWithUnit).toBeTruthy();
    returned.push(patient.resource);
    for (const n of patient.observations.nodes) returned.push(n.resource);
    for (const l of lists) for (const n of patient[l].nodes) returned.push(n.resource);
    expect(lists.filter((l) => patient[l].nodes.length > 0).length).toBeGreaterThanOrEqual(5);
    const next = await stack.call('POST', '/graphql', a.key, {
      query: `query($c: ID!, $p: ID!, $after: String) { patient(connectionId: $c, id: $p) { observations(category: "vital-signs", first: 3, after: $after) { nodes { id } } } }`,
      variables: { c: cid, p: patients[3]!.id, after: patient.observations.pageInfo.endCursor },
    });
    expect(next.body.errors).toBeUndefined();
    const firstIds = new Set(patient.observations.nodes.map((n: { id: string }) => n.id));
    expect(next.body.data.patient.observations.nodes.some((n: { id: string }) => firstIds.has(n.id))).toBe(false);
    const note = await stack.call('POST', '/graphql', a.key, {
      query: `mutation($c: ID!, $p: ID!) { createNote(connectionId: $c, patientId: $p, text: "Synthetic GraphQL note.") { id } }`,
      variables: { c: cid, p: patients[0]!.id },
    });
    expect(note.body.errors).toBeUndefined();
    expect(note.body.data.createNote.id).toBeTruthy();
  });

  describe("cross-tenant: tenant B on tenant A's connection", () => {
    it.each([
      ['GET', () => `/${cid}/metadata`],
      ['GET', () => `/${cid}/Patient/${patients[0]!.id}`],
      ['GET', () => `/${cid}/Observation?patient=${patients[0]!.id}&category=vital-signs`],
      ['POST', () => `/${cid}/DocumentReference`],
    ])('%s %s → 404 OperationOutcome', async (method, path) => {
      const res = await fhir(b, method, path(), method === 'POST' ? { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', data: 'eA==' } }] } : undefined);
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.text).not.toContain(patients[0]!.family);
    });

    it('and in GraphQL', async () => {
      const res = await stack.call('POST', '/graphql', b.key, { query: `{ patient(connectionId: "${cid}", id: "${patients[0]!.id}") { id name } }` });
      expect(res.body.errors[0].extensions.code).toBe('not_found');
      expect(res.text).not.toContain(patients[0]!.family);
    });
  });
});

describe('what the run returned and emitted', () => {
  it('returned only resources valid against the official FHIR R4 schema', () => {
    expect(returned.length).toBeGreaterThan(50);
    const invalid = returned.map((r) => ({ type: r.resourceType, id: r.id, issues: validateFhirResource(r) })).filter((r) => r.issues.length > 0);
    expect(invalid).toEqual([]);
  });

  it('returned only resources without errors against their US Core 6.1.0 profile (must-support included)', () => {
    // The US Core package is a shared fixture (../shared), which CI has beside the clone;
    // without it only the R4 schema check above applies.
    if (!usCoreAvailable()) {
      expect(usCoreFixturePath()).toMatch(/us_core_610\.tgz$/);
      return;
    }
    const failing = returned
      .map((r) => ({ type: r.resourceType, id: r.id, ...validateUsCore(r) }))
      .filter((r) => r.errors.length > 0)
      .map((r) => ({ type: r.type, profile: r.profile, errors: r.errors.slice(0, 3) }));
    expect(failing).toEqual([]);
  });

  it('never logged or traced a patient name or a secret', async () => {
    const emitted = await stack.stopAndCollect();
    expect(emitted.spans).toContain('sb.transaction read');
    expect(findLeaks(emitted, [...patientNames, ...stack.secrets])).toEqual([]);
  });
});
