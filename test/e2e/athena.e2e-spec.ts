/**
 * athenahealth end to end: the built api, worker and sandbox (with its athenaOne-
 * shaped server) as real processes. A one-click sandbox athena connection, then the
 * FHIR facade and the clinical GraphQL for every resource type the adapter serves,
 * booking and cancelling against open slots, a note written back, bad input and
 * vendor faults as typed OperationOutcomes, tenant isolation, and a change made
 * inside the simulated EHR arriving as a signed webhook. Every resource returned is
 * checked against R4 and its US Core 6.1.0 profile; logs and spans are scanned.
 */
import type { Resource } from '@medplum/fhirtypes';
import { validateFhirResource } from '@sb/fhir';
import { findLeaks, startE2eStack, startWebhookReceiver, usCoreAvailable, validateUsCore, type CallResult, type E2eStack, type E2eTenant, type WebhookReceiver } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

let stack: E2eStack;
let receiver: WebhookReceiver;
const returned: Resource[] = [];
const patientNames: string[] = [];

interface SandboxPatient {
  id: string;
  /** athena's patientid. */
  mrn: string;
  family: string;
  given: string;
  birthDate: string;
}

const fhir = (t: E2eTenant, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  stack.call(method, `/fhir/r4${path}`, t.key, body, { accept: 'application/fhir+json', ...headers });

const collect = (res: CallResult): CallResult => {
  if (res.body?.resourceType === 'Bundle') for (const e of res.body.entry ?? []) if (e.search?.mode === 'match') returned.push(e.resource);
  if (res.body?.resourceType && res.body.resourceType !== 'Bundle' && res.body.resourceType !== 'OperationOutcome') returned.push(res.body);
  return res;
};

const ourCode = (res: CallResult): string | undefined => res.body?.issue?.[0]?.details?.coding?.find((c: { system: string }) => c.system === 'urn:switchboard:error')?.code;
const entries = (res: CallResult): Resource[] => (res.body?.entry ?? []).filter((e: { search?: { mode: string } }) => e.search?.mode === 'match').map((e: { resource: Resource }) => e.resource);
/** Days from the sandbox dataset's "today" (its anchor): the simulated practice's open schedule follows it. */
let anchorMs = 0;
const isoDay = (offsetDays: number): string => new Date(anchorMs + offsetDays * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startE2eStack('athena-e2e', ['api', 'worker', 'sandbox']);
  // athena activates a change subscription minutes after it is made; the test waits half a second.
  const settings = await fetch(`${stack.sandboxUrl}/_sandbox/athena/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subscriptionDelayMs: 500 }) });
  expect(settings.status).toBeLessThan(300);
  const health = (await (await fetch(`${stack.sandboxUrl}/_sandbox/health`)).json()) as { anchor: string };
  anchorMs = Date.parse(`${health.anchor}T00:00:00Z`);
}, 90_000);
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('athenahealth through the FHIR facade', () => {
  let a: E2eTenant;
  let b: E2eTenant;
  let cid: string;
  let patients: SandboxPatient[];

  beforeAll(async () => {
    a = await stack.newTenant(`athena-a-${randomUUID().slice(0, 6)}`);
    b = await stack.newTenant(`athena-b-${randomUUID().slice(0, 6)}`);
    const created = await stack.call('POST', '/v1/connections', a.key, { name: 'athena sandbox', vendor: 'athena', environment: 'sandbox', changePollSeconds: 5, dialect: { requestsPerSecond: 50 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'live', provisioning: { ok: true } });
    cid = created.body.id;
    patients = (await (await fetch(`${stack.sandboxUrl}/_sandbox/patients?vendor=athena`)).json()) as SandboxPatient[];
    expect(patients.length).toBe(60);
    patientNames.push(...patients.slice(0, 8).map((p) => p.family), ...patients.slice(0, 8).map((p) => `${p.given} ${p.family}`));
  }, 60_000);

  afterEach(() => fetch(`${stack.sandboxUrl}/_sandbox/faults`, { method: 'DELETE' }));

  it('serves a CapabilityStatement listing what athena supports, Slot included', async () => {
    const res = await fhir(a, 'GET', `/${cid}/metadata`);
    expect(res.status).toBe(200);
    expect(res.body.rest[0].resource.map((r: { type: string }) => r.type)).toEqual(expect.arrayContaining(['Patient', 'Appointment', 'Slot', 'DocumentReference']));
  });

  it('reads a patient by its athena FHIR id and finds it by family name and birth date', async () => {
    const p = patients[0]!;
    const read = collect(await fhir(a, 'GET', `/${cid}/Patient/${p.id}`));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ resourceType: 'Patient', id: p.id, birthDate: p.birthDate, meta: { source: `urn:switchboard:connection:${cid}` } });
    const found = collect(await fhir(a, 'GET', `/${cid}/Patient?family=${encodeURIComponent(p.family)}&birthdate=${p.birthDate}`));
    expect(found.status).toBe(200);
    expect(entries(found).map((r) => r.id)).toContain(p.id);
    const missing = await fhir(a, 'GET', `/${cid}/Patient/a-195900.E-99999999`);
    expect(missing.status).toBe(404);
    expect(ourCode(missing)).toBe('not_found');
  });

  it.each([
    ['Condition', ''],
    ['AllergyIntolerance', ''],
    ['MedicationRequest', ''],
    ['Encounter', ''],
    ['DiagnosticReport', ''],
    ['Observation', '&category=vital-signs'],
    ['Observation', '&category=laboratory'],
    ['Appointment', ''],
  ])('searches %s by patient%s', async (type, extra) => {
    let total = 0;
    for (const p of patients.slice(1, 6)) {
      const res = collect(await fhir(a, 'GET', `/${cid}/${type}?patient=${p.id}${extra}`));
      expect(res.status).toBe(200);
      for (const r of entries(res)) expect(r.resourceType).toBe(type);
      total += entries(res).length;
    }
    expect(total).toBeGreaterThan(0);
  });

  it('reads a chart entry back by the id its search gave', async () => {
    const search = await fhir(a, 'GET', `/${cid}/Condition?patient=${patients[2]!.id}`);
    const first = entries(search)[0]!;
    const read = collect(await fhir(a, 'GET', `/${cid}/Condition/${first.id}`));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(first);
  });

  it('converts athena weights in grams to a UCUM body weight', async () => {
    const weights: { value: number; unit: string; code: string }[] = [];
    for (const p of patients.slice(0, 10)) {
      const res = await fhir(a, 'GET', `/${cid}/Observation?patient=${p.id}&category=vital-signs`);
      for (const o of entries(res) as { code: { coding: { code: string }[] }; valueQuantity?: { value: number; unit: string; code: string } }[]) {
        if (o.code.coding.some((c) => c.code === '29463-7') && o.valueQuantity) weights.push(o.valueQuantity);
      }
    }
    expect(weights.length).toBeGreaterThan(0);
    for (const w of weights) {
      expect(['kg', 'g', '[lb_av]']).toContain(w.code);
      if (w.code === 'kg') expect(w.value).toBeLessThan(400);
    }
  });

  it('refuses what athena cannot search with a 400 naming the parameter', async () => {
    const res = await fhir(a, 'GET', `/${cid}/Observation?patient=${patients[0]!.id}&category=social-history&code=72166-2`);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  describe('scheduling', () => {
    let slot: { id: string; start: string };
    let appointmentId: string;

    it('lists open slots from a start date', async () => {
      const res = collect(await fhir(a, 'GET', `/${cid}/Slot?start=ge${isoDay(0)}&start=lt${isoDay(30)}`));
      expect(res.status).toBe(200);
      const slots = entries(res) as unknown as { id: string; status: string; start: string }[];
      expect(slots.length).toBeGreaterThan(0);
      for (const s of slots) expect(s.status).toBe('free');
      slot = slots[0]!;
    });

    it('books the slot once per Idempotency-Key, and refuses it to a second booking', async () => {
      const body = {
        resourceType: 'Appointment',
        status: 'booked',
        slot: [{ reference: `Slot/${slot.id}` }],
        participant: [{ actor: { reference: `Patient/${patients[7]!.id}` }, status: 'accepted' }],
      };
      const key = randomUUID();
      const booked = collect(await fhir(a, 'POST', `/${cid}/Appointment`, body, { 'idempotency-key': key }));
      expect(booked.status).toBe(201);
      expect(booked.body).toMatchObject({ resourceType: 'Appointment', status: 'booked', start: slot.start });
      appointmentId = booked.body.id;
      const replay = await fhir(a, 'POST', `/${cid}/Appointment`, body, { 'idempotency-key': key });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.id).toBe(appointmentId);
      const again = await fhir(a, 'POST', `/${cid}/Appointment`, body, { 'idempotency-key': randomUUID() });
      expect(again.status).toBe(409);
      expect(again.body.resourceType).toBe('OperationOutcome');
    });

    it('finds the booking among the patient appointments and cancels it through its status', async () => {
      const list = await fhir(a, 'GET', `/${cid}/Appointment?patient=${patients[7]!.id}`);
      const mine = entries(list).find((r) => r.id === appointmentId) as { status: string } | undefined;
      expect(mine?.status).toBe('booked');
      const cancelled = collect(await fhir(a, 'PUT', `/${cid}/Appointment/${appointmentId}`, { ...mine, status: 'cancelled', cancelationReason: { text: 'Patient request' } }));
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id: appointmentId, status: 'cancelled' });
    });
  });

  it('writes a note back as a clinical document and reads it again', async () => {
    const text = 'Synthetic telehealth visit note.';
    const created = collect(
      await fhir(a, 'POST', `/${cid}/DocumentReference`, {
        resourceType: 'DocumentReference',
        status: 'current',
        type: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }] },
        category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
        subject: { reference: `Patient/${patients[4]!.id}` },
        content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(text).toString('base64') } }],
      }),
    );
    expect(created.status).toBe(201);
    const read = await fhir(a, 'GET', `/${cid}/DocumentReference/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(Buffer.from(read.body.content[0].attachment.data, 'base64').toString()).toBe(text);
  });

  it.each([
    [{ kind: 'malformed-json' }, 502, 'vendor_error'],
    [{ kind: 'server-error', status: 503 }, 503, undefined],
    [{ kind: 'throttle-403' }, 429, 'rate_limited'],
  ])('turns the fault %j into a typed OperationOutcome, never a 500', async (fault, status, code) => {
    const injected = await fetch(`${stack.sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fault, vendor: 'athena', count: 10 }) });
    expect(injected.status).toBeLessThan(300);
    const res = await fhir(a, 'GET', `/${cid}/Patient/${patients[9]!.id}`);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    if (code) expect(ourCode(res)).toBe(code);
  });

  it('serves the clinical GraphQL, open slots and booking for athena', async () => {
    const p = patients[5]!;
    const res = await stack.call('POST', '/graphql', a.key, {
      query: `query($c: ID!, $p: ID!) { patient(connectionId: $c, id: $p) { id name conditions { nodes { id resource } } allergies { nodes { id resource } } medicationRequests { nodes { id resource } } } }`,
      variables: { c: cid, p: p.id },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.patient.id).toBe(p.id);
    for (const list of ['conditions', 'allergies', 'medicationRequests']) for (const n of res.body.data.patient[list].nodes) returned.push(n.resource);
    const slots = await stack.call('POST', '/graphql', a.key, {
      query: `query($c: ID!, $from: String!, $to: String!) { openSlots(connectionId: $c, from: $from, to: $to) { id start resource } }`,
      variables: { c: cid, from: isoDay(0), to: isoDay(30) },
    });
    expect(slots.body.errors).toBeUndefined();
    for (const s of slots.body.data.openSlots) returned.push(s.resource);
    const central = await stack.call('POST', '/graphql', a.key, {
      query: `query($c: ID!, $from: String!, $to: String!) { openSlots(connectionId: $c, from: $from, to: $to, departmentId: "150") { id resource } }`,
      variables: { c: cid, from: isoDay(0), to: isoDay(30) },
    });
    expect(central.body.errors).toBeUndefined();
    expect(central.body.data.openSlots.length).toBeGreaterThan(0);
    for (const s of central.body.data.openSlots) expect(s.resource.schedule.reference).toMatch(/^Schedule\/a-195900\.schedule-150-/);
    const slot = slots.body.data.openSlots.at(-1);
    const booked = await stack.call('POST', '/graphql', a.key, {
      query: `mutation($c: ID!, $s: ID!, $p: ID!) { bookAppointment(connectionId: $c, slotId: $s, patientId: $p) { id status resource } }`,
      variables: { c: cid, s: slot.id, p: p.id },
    });
    expect(booked.body.errors).toBeUndefined();
    expect(booked.body.data.bookAppointment.status).toBe('booked');
    returned.push(booked.body.data.bookAppointment.resource);
  });

  it('delivers a change made inside the EHR as a signed webhook', async () => {
    const endpoint = await stack.call('POST', '/v1/webhook-endpoints', a.key, { url: receiver.url('/athena'), eventTypes: ['appointment.booked', 'appointment.cancelled', 'patient.updated'] });
    expect(endpoint.status).toBe(201);
    const secret = endpoint.body.secret as string;
    const p = patients[11]!;
    const arrived = () => receiver.received.some((d) => d.path === '/athena' && d.body.includes(p.id));
    // A change made before the gateway's subscription is active is never delivered by athena: touch until one is.
    for (let attempt = 0; attempt < 8 && !arrived(); attempt++) {
      const touched = await fetch(`${stack.sandboxUrl}/_sandbox/athena/practices/195900/touch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ feed: 'patients', id: p.mrn }),
      });
      expect(touched.status).toBeLessThan(300);
      await receiver.waitFor(arrived, 12_000).catch(() => undefined);
    }
    expect(arrived()).toBe(true);
    const delivery = receiver.received.find((d) => d.path === '/athena' && d.body.includes(p.id))!;
    const payload = new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>) as { type: string; data: { patient: string } };
    expect(payload).toMatchObject({ type: 'patient.updated', data: { patient: `Patient/${p.id}` } });
  }, 120_000);

  describe("cross-tenant: tenant B on tenant A's athena connection", () => {
    it.each([
      ['GET', () => `/${cid}/Patient/${patients[0]!.id}`],
      ['GET', () => `/${cid}/Slot?start=ge${isoDay(0)}`],
      ['PUT', () => `/${cid}/Appointment/a-195900.appointment-1`],
    ])('%s %s → 404 OperationOutcome', async (method, path) => {
      const body = method === 'PUT' ? { resourceType: 'Appointment', id: 'a-195900.appointment-1', status: 'cancelled', participant: [{ status: 'accepted' }] } : undefined;
      const res = await fhir(b, method, path(), body);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain(patients[0]!.family);
    });
  });
});

describe('what the athena run returned and emitted', () => {
  it('returned only resources valid against R4 and their US Core 6.1.0 profile', () => {
    expect(returned.length).toBeGreaterThan(40);
    const invalid = returned.map((r) => ({ type: r.resourceType, id: r.id, issues: validateFhirResource(r) })).filter((r) => r.issues.length > 0);
    expect(invalid).toEqual([]);
    if (!usCoreAvailable()) return;
    const failing = returned
      .map((r) => ({ type: r.resourceType, id: r.id, ...validateUsCore(r) }))
      .filter((r) => r.errors.length > 0)
      .map((r) => ({ type: r.type, profile: r.profile, errors: r.errors.slice(0, 3) }));
    expect(failing).toEqual([]);
  });

  it('never logged or traced a patient name or a secret', async () => {
    const emitted = await stack.stopAndCollect();
    expect(findLeaks(emitted, [...patientNames, ...stack.secrets])).toEqual([]);
  });
});
