/**
 * An HL7 v2 site end to end, on the built api, worker, mllp and sandbox as
 * processes: messages arrive over MLLP, the worker files them into the
 * connection's clinical store, and the FHIR facade, GraphQL, the message log and
 * the dialect preview serve them; orders go back out to the sandbox's HL7 site.
 * Messages are synthetic. Afterwards the run's logs and spans are scanned for the
 * patient's name and MRN.
 */
import { validateFhirResource } from '@sb/fhir';
import { segments } from '@sb/hl7';
import { findLeaks, freePort, sendMllpMessages, startE2eStack, waitForPort, type E2eStack, type E2eTenant } from '@sb/testing';
import { randomUUID } from 'node:crypto';

const FAMILY = `Quillfeather${randomUUID().slice(0, 6)}`;
const MRN = `E2E${randomUUID().slice(0, 8)}`;
const FACILITY = `E2E-${randomUUID().slice(0, 8)}`;

const msh = (type: string, controlId: string) => `MSH|^~\\&|EHR|${FACILITY}|SWITCHBOARD|GW|20260301101500||${type}|${controlId}|P|2.5.1`;
const PID = `PID|1||${MRN}^^^HOSP^MR||${FAMILY}^Alex^J||19800203|F|||12 Elm St^^Springfield^IL^62701||^PRN^PH^^^217^5550100`;

const MESSAGES = {
  admit: [msh('ADT^A01^ADT_A01', 'e2e-adt-1'), 'EVN|A01|20260301101500', PID, `PV1|1|I|WARD^101^1||||1234^Smith^Jane^^^Dr|||MED||||||||V-${MRN}|||||||||||||||||||||||||20260301100000`, 'AL1|1|DA|70618^Penicillin^RXNORM|SV|Hives'].join('\r'),
  result: [
    msh('ORU^R01^ORU_R01', 'e2e-oru-1'),
    PID,
    `OBR|1|PL-${MRN}|FL-${MRN}|24323-8^Comprehensive metabolic panel^LN|||20260301090000|||||||||||||||20260301100000|||F`,
    'OBX|1|NM|2345-7^Glucose^LN||5.4|mmol/L^mmol/L^UCUM|3.9-6.1|N|||F|||20260301090000',
    'OBX|2|NM|2823-3^Potassium^LN||4.1|mmol/L^mmol/L^UCUM|3.5-5.1|N|||F|||20260301090000',
  ].join('\r'),
  vaccine: [msh('VXU^V04^VXU_V04', 'e2e-vxu-1'), PID, `ORC|RE||IMM-${MRN}`, 'RXA|0|1|20260215093000|20260215093000|08^Hep B, adolescent or pediatric^CVX|0.5|mL^mL^UCUM||00^New immunization record^NIP001||||||LOT123||MSD^Merck^MVX|||CP|A'].join('\r'),
  note: [msh('MDM^T02^MDM_T02', 'e2e-mdm-1'), 'EVN|T02|20260301101500', PID, 'PV1|1|O', `TXA|1|11506-3^Progress note^LN|TX|20260301101500|||20260301101500|||||DOC-${MRN}|||||AU||AV`, 'OBX|1|TX|11506-3^Progress note^LN||Seen for follow-up.||||||F'].join('\r'),
  appointment: [
    msh('SIU^S12^SIU_S12', 'e2e-siu-1'),
    `SCH|APT-${MRN}^EHR|APT-${MRN}^EHR|||||ROUTINE^Routine^HL70276|NORMAL|30|min|^^30^20260310140000^20260310143000|||||||||||||||BOOKED`,
    PID,
    'RGS|1',
    'AIS|1||FOLLOWUP^Follow-up visit^L',
    'AIL|1||CLINIC^^^MAIN',
  ].join('\r'),
};

let stack: E2eStack;
let mllpPort: number;
let siteMllpPort: number;


const msa = (ack: string) => segments(ack).find((s) => s[0] === 'MSA') ?? [];

beforeAll(async () => {
  mllpPort = await freePort();
  siteMllpPort = await freePort();
  stack = await startE2eStack('hl7-e2e', ['api', 'worker', 'mllp', 'sandbox'], { SB_MLLP_PORT: String(mllpPort), SB_SANDBOX_MLLP_PORT: String(siteMllpPort) });
  await waitForPort(mllpPort);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('an HL7 v2 site through the gateway', () => {
  let a: E2eTenant;
  let b: E2eTenant;
  let connectionId: string;
  let patientId: string;
  const fhir = (path: string, key = a.key) => stack.call('GET', `/fhir/r4/${connectionId}/${path}`, key);

  beforeAll(async () => {
    a = await stack.newTenant(`hl7-a-${randomUUID().slice(0, 6)}`);
    b = await stack.newTenant(`hl7-b-${randomUUID().slice(0, 6)}`);
    const created = await stack.call('POST', '/v1/connections', a.key, { name: 'Springfield General', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: FACILITY, dialect: { timezone: 'America/Chicago' } });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
  });

  it('ACKs every message after storing it, and the worker files each one', async () => {
    const acks = await sendMllpMessages(mllpPort, Object.values(MESSAGES));
    expect(acks.map((ack) => msa(ack)[1])).toEqual(['AA', 'AA', 'AA', 'AA', 'AA']);
    const deadline = Date.now() + 30_000;
    let items: { status: string; messageType: string; errorCode: string | null }[] = [];
    while (Date.now() < deadline) {
      items = (await stack.call('GET', `/v1/connections/${connectionId}/hl7/messages`, a.key)).body.items;
      if (items.length === 5 && items.every((m) => m.status !== 'received')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(items.map((m) => [m.messageType, m.status, m.errorCode]).sort()).toEqual([
      ['ADT^A01', 'processed', null],
      ['MDM^T02', 'processed', null],
      ['ORU^R01', 'processed', null],
      ['SIU^S12', 'processed', null],
      ['VXU^V04', 'processed', null],
    ]);
  });

  it('serves the patient over the FHIR facade by identifier (with and without system), name and birthdate', async () => {
    const byMrn = await fhir(`Patient?identifier=${MRN}`);
    expect(byMrn.status).toBe(200);
    expect(byMrn.body.entry).toHaveLength(1);
    const patient = byMrn.body.entry[0].resource;
    patientId = patient.id;
    expect(patient.name[0].family).toBe(FAMILY);
    const system = patient.identifier.find((i: { value: string }) => i.value === MRN).system;
    expect((await fhir(`Patient?identifier=${encodeURIComponent(`${system}|${MRN}`)}`)).body.entry).toHaveLength(1);
    expect((await fhir(`Patient?name=${FAMILY.slice(0, 8)}&birthdate=1980-02-03`)).body.entry).toHaveLength(1);
    expect((await fhir(`Patient?name=${FAMILY}&birthdate=1999-01-01`)).body.entry ?? []).toHaveLength(0);
    expect((await fhir(`Patient/${patientId}`)).body).toMatchObject({ resourceType: 'Patient', id: patientId });
    expect(validateFhirResource(patient)).toEqual([]);
  });

  it('serves each clinical type the messages carried, every resource valid R4', async () => {
    const expected: Record<string, number> = { Encounter: 1, Observation: 2, DiagnosticReport: 1, Immunization: 1, DocumentReference: 1, Appointment: 1, AllergyIntolerance: 1 };
    for (const [type, count] of Object.entries(expected)) {
      const res = await fhir(`${type}?patient=${patientId}`);
      expect({ type, status: res.status, count: res.body.entry?.length ?? 0 }).toEqual({ type, status: 200, count });
      for (const entry of res.body.entry) expect({ type, issues: validateFhirResource(entry.resource) }).toEqual({ type, issues: [] });
    }
    const glucose = await fhir(`Observation?patient=${patientId}&code=http://loinc.org|2345-7`);
    expect(glucose.body.entry[0].resource.valueQuantity).toMatchObject({ value: 5.4, unit: 'mmol/L' });
    // Times without an offset were read in the dialect's zone (Chicago is UTC-6 in March before DST).
    expect(glucose.body.entry[0].resource.effectiveDateTime).toBe('2026-03-01T09:00:00-06:00');
  });

  it('serves the same data through GraphQL', async () => {
    const res = await stack.call('POST', '/graphql', a.key, {
      query: `query($c: ID!, $id: ID!) { patient(connectionId: $c, id: $id) { mrn family
        observations { nodes { display valueWithUnit } } immunizations { nodes { code { code } status } } documents { nodes { text } } } }`,
      variables: { c: connectionId, id: patientId },
    });
    expect(res.body.errors).toBeUndefined();
    const p = res.body.data.patient;
    expect(p).toMatchObject({ mrn: MRN, family: FAMILY });
    expect(p.observations.nodes.map((o: { valueWithUnit: string }) => o.valueWithUnit).sort()).toEqual(['4.1 mmol/L', '5.4 mmol/L']);
    expect(p.immunizations.nodes).toEqual([{ code: { code: '08' }, status: 'completed' }]);
    expect(p.documents.nodes[0].text).toContain('Seen for follow-up.');
  });

  it('lists messages without their content, shows one raw message to a reader, and reprocesses on request', async () => {
    const list = await stack.call('GET', `/v1/connections/${connectionId}/hl7/messages?type=ORU^R01`, a.key);
    expect(list.body.items).toHaveLength(1);
    expect(list.text).not.toContain(FAMILY);
    expect(list.text).not.toContain(MRN);
    const id = list.body.items[0].id;
    const one = await stack.call('GET', `/v1/connections/${connectionId}/hl7/messages/${id}`, a.key);
    expect(one.status).toBe(200);
    expect(one.body.raw).toBe(MESSAGES.result);
    const audit = await stack.call('GET', '/v1/audit-records?limit=50', a.key);
    expect(audit.body.items.some((r: { resourceType: string; patientRef: string }) => r.resourceType === 'MessageHeader' && r.patientRef === `Patient/${patientId}`)).toBe(true);
    const again = await stack.call('POST', `/v1/connections/${connectionId}/hl7/messages/${id}/reprocess`, a.key);
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('received');
  });

  it('previews a candidate dialect on a message and replays stored messages through it, saving nothing', async () => {
    const dialect = { timezone: 'America/Chicago', identifierSystems: { mrn: 'urn:oid:2.16.840.1.113883.3.999' } };
    const res = await stack.call('POST', `/v1/connections/${connectionId}/hl7/preview`, a.key, { message: MESSAGES.admit, dialect, replay: 5 });
    expect(res.status).toBe(200);
    expect(res.body.message.candidate.ok).toBe(true);
    expect(res.body.message.diff.length).toBeGreaterThan(0);
    expect(res.body.replay).toMatchObject({ replayed: 5, nowFailing: 0 });
    expect(res.body.replay.changed).toBeGreaterThan(0);
    const unchanged = await stack.call('POST', `/v1/connections/${connectionId}/hl7/preview`, a.key, { replay: 5 });
    expect(unchanged.body.replay.changed).toBe(0);
    const bad = await stack.call('POST', `/v1/connections/${connectionId}/hl7/preview`, a.key, { message: MESSAGES.admit, dialect: { timezone: 'Mars/Olympus' } });
    expect(bad.status).toBe(400);
    const stored = await stack.call('GET', `/v1/connections/${connectionId}`, a.key);
    expect(stored.body.dialect).toEqual({ timezone: 'America/Chicago' });
  });

  it('sends an order to the site over MLLP, and surfaces the site’s refusal of the next one with its ERR text', async () => {
    const site = (method: string, path: string, body?: unknown) =>
      fetch(`${stack.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));
    const patched = await stack.call('PATCH', `/v1/connections/${connectionId}`, a.key, { mllpHost: '127.0.0.1', mllpPort: siteMllpPort });
    expect(patched.status).toBe(200);
    const order = (code: string) => ({
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '108252007', display: 'Laboratory procedure' }] }],
      code: { coding: [{ system: 'http://loinc.org', code, display: 'Lab test' }] },
      subject: { reference: `Patient/${patientId}` },
    });
    const waitFor = async (sourceRef: string, status: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const items = (await stack.call('GET', `/v1/connections/${connectionId}/hl7/outbound`, a.key)).body.items as { sourceRef: string; status: string; errorText: string | null; ackCode: string | null }[];
        const found = items.find((m) => m.sourceRef === sourceRef);
        if ((found && found.status === status) || Date.now() > deadline) return found;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await site('DELETE', '/_sandbox/hl7/received');
    const created = await stack.call('POST', `/fhir/r4/${connectionId}/ServiceRequest`, a.key, order('2345-7'));
    expect(created.status).toBe(201);
    expect(await waitFor(`ServiceRequest/${created.body.id}`, 'accepted')).toMatchObject({ status: 'accepted', ackCode: 'AA' });
    const received = (await site('GET', '/_sandbox/hl7/received')).body as { messages: { raw: string }[] };
    const raws = received.messages.map((m) => m.raw);
    const oml = raws.find((r) => r.includes('OML^O21'));
    expect(oml).toBeDefined();
    expect(segments(oml ?? '').find((seg) => seg[0] === 'PID')?.[3]).toContain(MRN);
    expect((await fhir(`ServiceRequest/${created.body.id}`)).body).toMatchObject({ resourceType: 'ServiceRequest', status: 'active' });

    expect((await site('PUT', '/_sandbox/hl7/receiver/behaviour', { ack: 'AE', text: 'Unknown test code', count: 1 })).status).toBeLessThan(300);
    const refused = await stack.call('POST', `/fhir/r4/${connectionId}/ServiceRequest`, a.key, order('9999-9'));
    expect(refused.status).toBe(201);
    expect(await waitFor(`ServiceRequest/${refused.body.id}`, 'rejected')).toMatchObject({ status: 'rejected', ackCode: 'AE', errorText: 'Unknown test code' });
  });

  it('files a note to the site as MDM^T02 and announces it as document.created, references only', async () => {
    const note = {
      resourceType: 'DocumentReference',
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
      category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
      subject: { reference: `Patient/${patientId}` },
      date: '2026-03-02T10:00:00Z',
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Telehealth follow-up, doing well.').toString('base64') } }],
    };
    const created = await stack.call('POST', `/fhir/r4/${connectionId}/DocumentReference`, a.key, note);
    expect(created.status).toBe(201);
    const deadline = Date.now() + 20_000;
    let events: { type: string; data: Record<string, string> }[] = [];
    while (Date.now() < deadline) {
      events = (await stack.call('GET', '/v1/events?types=document.created&limit=100', a.key)).body.data;
      if (events.some((e) => e.data.document === `DocumentReference/${created.body.id}`)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(events.find((e) => e.data.document === `DocumentReference/${created.body.id}`)?.data).toEqual({ patient: `Patient/${patientId}`, document: `DocumentReference/${created.body.id}` });
    // And the inbound MDM^T02 of the first test announced its document too.
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it('files what the sandbox site streams on demand', async () => {
    const facility = `${FACILITY}-S`;
    const second = await stack.call('POST', '/v1/connections', a.key, { name: 'Sandbox site feed', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility });
    expect(second.status).toBe(201);
    const run = await fetch(`${stack.sandboxUrl}/_sandbox/hl7/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ host: '127.0.0.1', port: mllpPort, sendingFacility: facility, count: 12, seed: 7 }),
    }).then((r) => r.json() as Promise<{ runId: string }>);
    let progress: { done: boolean; acked: number; nacked: number } = { done: false, acked: 0, nacked: 0 };
    for (let i = 0; i < 150 && !progress.done; i++) {
      await new Promise((r) => setTimeout(r, 200));
      progress = await fetch(`${stack.sandboxUrl}/_sandbox/hl7/stream/${run.runId}`).then((r) => r.json() as Promise<typeof progress>);
    }
    expect(progress).toMatchObject({ done: true, acked: 12, nacked: 0 });
    const deadline = Date.now() + 30_000;
    let items: { status: string }[] = [];
    while (Date.now() < deadline) {
      items = (await stack.call('GET', `/v1/connections/${second.body.id}/hl7/messages`, a.key)).body.items;
      if (items.length === 12 && items.every((m) => m.status !== 'received')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(items.map((m) => m.status)).toEqual(Array(12).fill('processed'));
  });

  it('quarantines a message from an unknown sender where the operator (only) can see it', async () => {
    const stranger = `STRANGER-${randomUUID().slice(0, 8)}`;
    const [ack] = await sendMllpMessages(mllpPort, [MESSAGES.admit.replace(`|EHR|${FACILITY}|`, `|EHR|${stranger}|`)]);
    expect(msa(ack ?? '')[1]).toBe('AR');
    const listed = await stack.call('GET', '/v1/hl7/quarantine?limit=20', stack.adminToken);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toContainEqual(expect.objectContaining({ sendingFacility: stranger, messageType: 'ADT^A01', errorCode: '204' }));
    expect(listed.text).not.toContain(MRN);
    expect((await stack.call('GET', '/v1/hl7/quarantine', a.key)).status).toBe(403);
  });

  it('never shows one tenant’s HL7 site to another (404, never the row)', async () => {
    const list = await stack.call('GET', `/v1/connections/${connectionId}/hl7/messages`, a.key);
    const messageId = list.body.items[0].id;
    const tries = [
      stack.call('GET', `/v1/connections/${connectionId}/hl7/messages`, b.key),
      stack.call('GET', `/v1/connections/${connectionId}/hl7/messages/${messageId}`, b.key),
      stack.call('POST', `/v1/connections/${connectionId}/hl7/messages/${messageId}/reprocess`, b.key),
      stack.call('POST', `/v1/connections/${connectionId}/hl7/preview`, b.key, { replay: 5 }),
      stack.call('GET', `/v1/connections/${connectionId}/hl7/outbound`, b.key),
      fhir(`Patient/${patientId}`, b.key),
      fhir(`Patient?identifier=${MRN}`, b.key),
    ];
    for (const res of await Promise.all(tries)) {
      expect(res.status).toBe(404);
      expect(res.text).not.toContain(MRN);
    }
  });

  it('kept the patient’s name and MRN out of every log line and span', async () => {
    const emitted = await stack.stopAndCollect();
    expect(emitted.logs.length).toBeGreaterThan(0);
    expect(findLeaks(emitted, [FAMILY, MRN, ...stack.secrets])).toEqual([]);
  });
});
