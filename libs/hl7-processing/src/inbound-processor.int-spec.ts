import type { TestingModule } from '@nestjs/testing';
import { ConnectionService, ConnectionsModule } from '@sb/connections';
import { ClinicalStoreRepository, Database, EventRepository, HL7_INBOUND_CHANNEL, Hl7InboundRepository, INBOUND_WAKE_WINDOW_MS, OutboxNotifications, PrismaService, UsageRepository, type Connection, type InboundRoute } from '@sb/db';
import { parseHeader, segments } from '@sb/hl7';
import { RedisService } from '@sb/queue';
import { createTestingApp, Fixtures } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { hl7ApplicationAckChannel, QueueModule, type Hl7ApplicationAckNotice } from '@sb/queue';
import { randomUUID } from 'node:crypto';
import { Hl7ProcessingModule } from './hl7-processing.module';
import { Hl7InboundProcessor } from './inbound-processor';

// Synthetic messages (no real people), HL7 v2.5.1.
const msh = (facility: string, type: string, controlId: string, ackTypes = '') => `MSH|^~\\&|ADT1|${facility}|SWITCHBOARD|GW|20260301101500-0500||${type}|${controlId}|P|2.5.1${ackTypes}`;
const pid = (mrn: string, family: string, given: string) => `PID|1||${mrn}^^^HOSP^MR||${family}^${given}||19800203|F|||1 Main St^^Springfield^IL^62701`;
const adt = (facility: string, trigger: string, controlId: string, mrn: string, family: string, given: string, ackTypes = '') =>
  [msh(facility, `ADT^${trigger}^ADT_A01`, controlId, ackTypes), `EVN|${trigger}|20260301101500-0500`, pid(mrn, family, given), `PV1|1|I|WARD^101^1||||||||||||||||V${mrn}|||||||||||||||||||||||||20260301100000-0500`].join('\r');
const oru = (facility: string, controlId: string, mrn: string) =>
  [
    msh(facility, 'ORU^R01^ORU_R01', controlId),
    `PID|1||${mrn}^^^HOSP^MR||Doe^Jane`,
    `OBR|1|PL${controlId}|FL${controlId}|24323-8^Comprehensive metabolic panel^LN|||20260301090000-0500|||||||||||||||20260301100000-0500|||F`,
    'OBX|1|NM|2345-7^Glucose^LN||5.4|mmol/L^mmol/L^UCUM|3.9-6.1|N|||F|||20260301090000-0500',
    'OBX|2|ST|8251-1^Comment^LN||Fasting sample||||||F',
  ].join('\r');
const vxu = (facility: string, controlId: string, mrn: string) =>
  [
    msh(facility, 'VXU^V04^VXU_V04', controlId),
    pid(mrn, 'Vaccinee', 'Val'),
    'ORC|RE|IZ-PL-1',
    'RXA|0|1|20260115103000-0500||208^COVID-19 vaccine^CVX|0.3|mL^milliliter^UCUM||00^New immunization record^NIP001||||||LOT-SYN-1|||||CP|A',
    'ORC|RE|IZ-PL-2',
    'RXA|0|1|20260201090000-0500||88^influenza vaccine^CVX|999|||00^New immunization record^NIP001||||||||||CP|A',
  ].join('\r');
/** ADT^A40 merging each pair's MRG patient (second MRN) into its PID patient (first MRN). */
const merge = (facility: string, controlId: string, pairs: readonly (readonly [survivor: string, retired: string])[]) =>
  [msh(facility, 'ADT^A40^ADT_A39', controlId), 'EVN|A40|20260301101500-0500', ...pairs.flatMap(([survivor, retired]) => [pid(survivor, 'Keep', survivor), `MRG|${retired}^^^HOSP^MR`])].join('\r');
const oruWithoutObr = (facility: string, controlId: string, mrn: string, ackTypes = '') => [msh(facility, 'ORU^R01^ORU_R01', controlId, ackTypes), pid(mrn, 'Synthetic', 'Broken')].join('\r');

describe('HL7 v2 inbound processing in the worker (real Postgres and Redis)', () => {
  let app: TestingModule;
  let processor: Hl7InboundProcessor;
  let inbound: Hl7InboundRepository;
  let store: ClinicalStoreRepository;
  let connection: Connection;
  let route: InboundRoute;
  const facility = `SITE-${randomUUID().slice(0, 8)}`;

  const receive = async (raw: string, r: InboundRoute = route) => {
    const header = parseHeader(raw);
    if (!header.ok) throw new Error('test message has no header');
    const mrn = segments(raw).find((s) => s[0] === 'PID')?.[3]?.split('^')[0];
    const outcome = await inbound.store(r, {
      controlId: header.header.controlId,
      messageType: `${header.header.messageType.code}^${header.header.messageType.trigger}`,
      version: header.header.version,
      sendingApplication: header.header.sendingApplication,
      sendingFacility: header.header.sendingFacility,
      raw,
      ack: 'MSA|AA',
      ackCode: 'AA',
      patientKey: mrn ? `urn:switchboard:hl7:HOSP|${mrn}` : null,
    });
    if (!outcome.stored) throw new Error('duplicate control id in test');
    return outcome.id;
  };
  const drain = async (p: Hl7InboundProcessor = processor) => {
    while ((await p.processBatch()) > 0);
  };
  const patients = async (c: Connection = connection) =>
    (await store.search(c.tenantId, c.id, { resourceType: 'Patient', limit: 100 })).map((r) => r.resource as { id: string; name?: { family?: string }[]; birthDate?: string; address?: unknown[] });

  beforeAll(async () => {
    app = await createTestingApp([Hl7ProcessingModule, QueueModule, TenancyModule, ConnectionsModule]);
    const { tenant } = await new Fixtures(app).newTenant();
    connection = await app.get(ConnectionService).create(tenant.id, { name: 'Hospital feed', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility, mllpTls: false, hl7AckMode: 'enhanced' });
    inbound = app.get(Hl7InboundRepository);
    store = app.get(ClinicalStoreRepository);
    processor = app.get(Hl7InboundProcessor);
    const found = await inbound.findRoute(facility, 'ADT1');
    if (!found) throw new Error('no route');
    route = found;
  });

  afterAll(() => app.close());

  it('turns an admission into a stored Patient and Encounter, with one usage event and one audit record for the patient', async () => {
    const id = await receive(adt(facility, 'A01', `c-${randomUUID()}`, 'MRN-100', 'Doe', 'Jane'));
    await drain();
    const row = await inbound.find(connection.tenantId, connection.id, id);
    expect(row).toMatchObject({ status: 'processed', errorCode: null });
    const stored = await patients();
    expect(stored.find((p) => p.name?.[0]?.family === 'Doe')).toBeDefined();
    const encounters = await store.search(connection.tenantId, connection.id, { resourceType: 'Encounter', limit: 10 });
    expect(encounters.map((e) => (e.resource as { status?: string }).status)).toContain('in-progress');
    const usage = await app.get(UsageRepository).list(connection.tenantId, { limit: 100 });
    expect(usage.items.filter((u) => u.connectionId === connection.id && u.operation === 'message.in' && u.resourceType === 'ADT^A01')).toHaveLength(1);
    // The admission's event went to the outbox in the same transaction: references only.
    const events = await app.get(EventRepository).recent(connection.tenantId, 50);
    const admitted = events.filter((e) => e.type === 'patient.admitted');
    expect(admitted).toHaveLength(1);
    const patientId = (await patients()).find((p) => p.name?.[0]?.family === 'Doe')?.id;
    expect(admitted[0]?.data).toEqual({ patient: `Patient/${patientId}`, encounter: expect.stringMatching(/^Encounter\//) });
    expect(JSON.stringify(admitted[0]?.data)).not.toContain('Doe');
  });

  it('wakes the worker’s channel when a stored message commits (how often: throttled-notify.spec)', async () => {
    let wakes = 0;
    await app.get(OutboxNotifications).listen(() => wakes++, HL7_INBOUND_CHANNEL);
    const settle = () => new Promise((r) => setTimeout(r, INBOUND_WAKE_WINDOW_MS * 5));
    await settle();
    wakes = 0;
    await receive(adt(facility, 'A04', `wake-${randomUUID()}`, 'MRN-WAKE', 'Wake', 'Given'));
    await settle();
    expect(wakes).toBeGreaterThanOrEqual(1);
    await drain();
  });

  it('applies one patient’s messages in the order received even with two workers racing', async () => {
    const second = app.get(Hl7InboundProcessor);
    const mrns = Array.from({ length: 20 }, (_, i) => `MRN-ORD-${i}`);
    for (let step = 0; step < 5; step++) {
      for (const mrn of mrns) await receive(adt(facility, step === 0 ? 'A01' : 'A08', `ord-${mrn}-${step}-${randomUUID()}`, mrn, `Family${step}`, 'Given'));
    }
    await Promise.all([drain(processor), drain(second), drain(processor)]);
    const byMrn = await patients();
    const finals = byMrn.filter((p) => JSON.stringify(p).includes('MRN-ORD-'));
    expect(finals).toHaveLength(20);
    for (const p of finals) expect(p.name?.[0]?.family).toBe('Family4');
    const list = await inbound.list(connection.tenantId, connection.id, { limit: 200, messageType: 'ADT^A08' });
    expect(list.filter((m) => m.status !== 'processed')).toEqual([]);
    const usage = await app.get(UsageRepository).list(connection.tenantId, { limit: 500 });
    // Exactly once: one usage event per message, none twice.
    expect(usage.items.filter((u) => u.connectionId === connection.id && (u.resourceType === 'ADT^A08' || u.resourceType === 'ADT^A01')).length).toBe(1 + 100);
  });

  it('stores a result as a DiagnosticReport with its Observations, searchable by patient', async () => {
    await receive(oru(facility, `oru-${randomUUID()}`, 'MRN-100'));
    await drain();
    const patient = (await patients()).find((p) => p.name?.[0]?.family === 'Doe');
    const observations = await store.search(connection.tenantId, connection.id, { resourceType: 'Observation', patientId: patient?.id, limit: 10 });
    expect(observations.map((o) => (o.resource as { code: { coding: { code: string }[] } }).code.coding[0]?.code).sort()).toEqual(['2345-7', '8251-1']);
    const reports = await store.search(connection.tenantId, connection.id, { resourceType: 'DiagnosticReport', patientId: patient?.id, limit: 10 });
    expect(reports).toHaveLength(1);
    // The ORU's thinner PID did not erase what the ADT said.
    expect(patient).toMatchObject({ birthDate: '1980-02-03', address: [expect.objectContaining({ city: 'Springfield' })] });
  });

  it('marks a message it cannot convert as failed with the HL7 error code, and sends the application ACK the sender asked for', async () => {
    const subscriber = app.get(RedisService).connect();
    const notices: Hl7ApplicationAckNotice[] = [];
    await subscriber.subscribe(hl7ApplicationAckChannel(app.get(RedisService).prefix));
    subscriber.on('message', (_channel, body: string) => notices.push(JSON.parse(body) as Hl7ApplicationAckNotice));
    try {
      const bad = await receive(oruWithoutObr(facility, `bad-${randomUUID()}`, 'MRN-200', '|||AL|AL'));
      const good = await receive(adt(facility, 'A04', `good-${randomUUID()}`, 'MRN-201', 'Roe', 'Rick', '|||AL|AL'));
      await drain();
      expect(await inbound.find(connection.tenantId, connection.id, bad)).toMatchObject({ status: 'failed', errorCode: '101' });
      expect(await inbound.find(connection.tenantId, connection.id, good)).toMatchObject({ status: 'processed' });
      for (let i = 0; i < 50 && notices.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      const ackFor = (messageId: string) => notices.find((n) => n.messageId === messageId)?.ack ?? '';
      const msaOf = (ack: string) => segments(ack).find((s) => s[0] === 'MSA') ?? [];
      expect(msaOf(ackFor(bad))[1]).toBe('AE');
      expect(segments(ackFor(bad)).find((s) => s[0] === 'ERR')?.[3]).toMatch(/^101/);
      expect(msaOf(ackFor(good))[1]).toBe('AA');
      expect((await inbound.find(connection.tenantId, connection.id, good))?.applicationAck).toBe(ackFor(good));
    } finally {
      subscriber.disconnect();
    }
  });

  it('claims only each patient’s oldest unprocessed message, and one message at a time of those without a patient', async () => {
    const ids = {
      firstOfA: await receive(adt(facility, 'A04', `head-a1-${randomUUID()}`, 'MRN-HEAD-A', 'Head', 'Alpha')),
      secondOfA: await receive(adt(facility, 'A08', `head-a2-${randomUUID()}`, 'MRN-HEAD-A', 'Head', 'Alpha')),
      firstNoPatient: await receive(oruWithoutObr(facility, `head-n1-${randomUUID()}`, 'x').replace(/\rPID\|[^\r]*/, '')),
      onlyOfB: await receive(adt(facility, 'A04', `head-b-${randomUUID()}`, 'MRN-HEAD-B', 'Head', 'Bravo')),
      secondNoPatient: await receive(oruWithoutObr(facility, `head-n2-${randomUUID()}`, 'x').replace(/\rPID\|[^\r]*/, '')),
    };
    const first = await inbound.claim(50, 10_000);
    // While those leases live, a second claim (another worker) must not take what queues behind them.
    const second = await inbound.claim(50, 10_000);
    // The claim is global: hand back at once everything the two leased.
    for (const m of [...first, ...second]) await inbound.release(m.id, m.attempts, 0);
    const firstIds = first.map((m) => m.id);
    expect(firstIds).toEqual(expect.arrayContaining([ids.firstOfA, ids.firstNoPatient, ids.onlyOfB]));
    for (const claimed of [firstIds, second.map((m) => m.id)]) {
      expect(claimed).not.toContain(ids.secondOfA);
      expect(claimed).not.toContain(ids.secondNoPatient);
    }
    // Once A's first is done, its second is A's head.
    await drain();
    expect((await inbound.find(connection.tenantId, connection.id, ids.secondOfA))?.status).toBe('processed');
    expect((await inbound.find(connection.tenantId, connection.id, ids.secondNoPatient))?.status).not.toBe('received');
  });

  it('lets only the latest claim fail or release a message: one whose lease ran out and was claimed again changes nothing', async () => {
    await drain();
    const id = await receive(oruWithoutObr(facility, `fence-${randomUUID()}`, 'MRN-FENCE'));
    // The claim is global: whatever else it leased is handed back at once.
    const claimMine = async () => {
      const claimed = await inbound.claim(50, 10_000);
      for (const m of claimed) if (m.id !== id) await inbound.release(m.id, m.attempts, 0);
      return claimed.find((m) => m.id === id);
    };
    const stale = await claimMine();
    expect(stale).toBeDefined();
    expect(await inbound.release(id, stale?.attempts ?? 0, 0)).toBe(true); // its lease ends
    const latest = await claimMine();
    expect(latest?.attempts).toBe((stale?.attempts ?? 0) + 1);

    expect(await inbound.fail(id, stale?.attempts ?? 0, '207', null)).toBe(false);
    expect(await inbound.release(id, stale?.attempts ?? 0, 0)).toBe(false);
    expect(await claimMine()).toBeUndefined(); // the latest claim's lease still holds
    expect(await inbound.find(connection.tenantId, connection.id, id)).toMatchObject({ status: 'received', errorCode: null });

    expect(await inbound.fail(id, latest?.attempts ?? 0, '207', null)).toBe(true);
    expect(await inbound.find(connection.tenantId, connection.id, id)).toMatchObject({ status: 'failed', errorCode: '207' });
  });

  it('looks past one patient’s backlog filling the oldest messages, to other patients’ heads behind it', async () => {
    await drain();
    // A claim of 2 looks at the 16 oldest first: 20 of one patient's fill that window.
    const front: string[] = [];
    for (let i = 0; i < 20; i++) front.push(await receive(adt(facility, 'A08', `front-${i}-${randomUUID()}`, 'MRN-FRONT', 'Front', `N${i}`)));
    const behind = await receive(adt(facility, 'A04', `behind-${randomUUID()}`, 'MRN-BEHIND', 'Behind', 'Other'));
    const claimed = await inbound.claim(2, 10_000);
    for (const m of claimed) await inbound.release(m.id, m.attempts, 0);
    // The backlog's patient still gets its oldest message only.
    expect(claimed.map((m) => m.id).sort()).toEqual([front[0], behind].sort());
    expect(claimed.every((m) => m.seen === 21)).toBe(true);
    await drain();
  });

  it('says work is left waiting while one patient’s backlog queues behind its head, and not once the last is taken', async () => {
    await drain();
    for (let i = 0; i < 3; i++) await receive(adt(facility, 'A08', `queue-${i}-${randomUUID()}`, 'MRN-QUEUE', 'Queue', `N${i}`));
    const waiting: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      expect(await processor.processBatch()).toBe(1);
      waiting.push(processor.leftWorkWaiting());
    }
    expect(waiting).toEqual([true, true, false]);
  });

  it('gives a message held by a dead worker to another once its lease expires, and processes it once', async () => {
    const id = await receive(adt(facility, 'A04', `lease-${randomUUID()}`, 'MRN-300', 'Lease', 'Test'));
    // A worker claims it and dies (kill -9): nothing but the lease is left behind.
    const [claimed] = await inbound.claim(50, 300);
    expect(claimed?.id).toBe(id);
    expect(await processor.processBatch()).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    await drain();
    expect(await inbound.find(connection.tenantId, connection.id, id)).toMatchObject({ status: 'processed', attempts: 2 });
  });

  it('refuses the commit of a worker whose lease expired meanwhile, so a slow worker cannot apply a message twice', async () => {
    const applied = async () =>
      (await app.get(UsageRepository).list(connection.tenantId, { limit: 500 })).items.filter((u) => u.connectionId === connection.id && u.operation === 'message.in' && u.outcome === 'success').length;
    const before = await applied();
    const id = await receive(adt(facility, 'A04', `stale-${randomUUID()}`, 'MRN-301', 'Stale', 'Worker'));
    // A slow worker claims it; its lease runs out before it commits, and another claim processes it.
    const [stale] = await inbound.claim(50, 1);
    expect(stale?.id).toBe(id);
    await new Promise((r) => setTimeout(r, 20));
    await drain();
    expect(await inbound.find(connection.tenantId, connection.id, id)).toMatchObject({ status: 'processed', attempts: 2 });
    // The slow worker's completion now changes nothing, so its transaction (usage, audit, events) rolls back.
    const completed = await app.get(Database).transaction((tx) => inbound.complete(tx, id, stale?.attempts ?? 0, { status: 'processed' }));
    expect(completed).toBe(false);
    expect(await applied()).toBe(before + 1);
  });

  it('reprocesses a failed message after a fix, and never touches another tenant’s messages', async () => {
    const { tenant: other } = await new Fixtures(app).newTenant();
    const otherConnection = await app.get(ConnectionService).create(other.id, { name: 'Other', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `O-${facility}`, mllpTls: false, hl7AckMode: 'original' });
    const list = await inbound.list(connection.tenantId, connection.id, { limit: 10, status: 'failed' });
    const failed = list[0];
    expect(failed).toBeDefined();
    expect(await inbound.reprocess(other.id, otherConnection.id, failed?.id ?? '', { patientKey: null, patientIdHashes: [] })).toBe(false);
    expect(await inbound.reprocess(connection.tenantId, connection.id, failed?.id ?? '', { patientKey: 'urn:switchboard:hl7:HOSP|MRN-200', patientIdHashes: [] })).toBe(true);
    await drain();
    // Still broken (no OBR), so failed again — but it went through processing once more.
    expect(await inbound.find(connection.tenantId, connection.id, failed?.id ?? '')).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('commits a clean batch as one transaction', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await receive(adt(facility, 'A04', `batch-${i}-${randomUUID()}`, `MRN-BATCH-${i}`, 'Batch', `N${i}`)));
    await drain();
    const rows = await Promise.all(ids.map((id) => inbound.find(connection.tenantId, connection.id, id)));
    expect(rows.map((r) => r?.status)).toEqual(ids.map(() => 'processed'));
    // A row's xmin is the transaction that last wrote it: one for all six only if one transaction completed them.
    const writers = await app.get(PrismaService).$queryRaw<{ writer: string }[]>`SELECT DISTINCT xmin::text AS writer FROM "Hl7InboundMessage" WHERE "id" = ANY(${ids}::uuid[])`;
    expect(writers).toHaveLength(1);
  });

  it('processes a batch whose commit fails (a lease lost within it) message by message, each once', async () => {
    const applied = async () =>
      (await app.get(UsageRepository).list(connection.tenantId, { limit: 1000 })).items.filter((u) => u.connectionId === connection.id && u.operation === 'message.in' && u.outcome === 'success').length;
    const before = await applied();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await receive(adt(facility, 'A04', `fallback-${i}-${randomUUID()}`, `MRN-FB-${i}`, 'Fallback', `N${i}`)));
    // The batch's completion reports a lost lease once: nothing of the batch may commit, and each message is then processed alone.
    const completeMany = jest.spyOn(inbound, 'completeMany').mockResolvedValueOnce(0);
    try {
      await drain();
    } finally {
      completeMany.mockRestore();
    }
    for (const id of ids) expect(await inbound.find(connection.tenantId, connection.id, id)).toMatchObject({ status: 'processed', attempts: 1 });
    // Exactly once: the rolled-back batch left no usage behind.
    expect(await applied()).toBe(before + ids.length);
  });

  it('writes resources two messages of a batch share once per message, in order', async () => {
    const echo = (await new Fixtures(app).newTenant()).echo;
    const resource = (family: string) => ({ resourceType: 'Patient', id: 'shared', patientId: 'shared', identifiers: [`sys|${family}`], nameTokens: [family.toLowerCase()], searchDate: null, resource: { resourceType: 'Patient', id: 'shared', name: [{ family }] } });
    await app.get(Database).transaction((tx) =>
      store.upsertMany(tx, [
        { tenantId: connection.tenantId, connectionId: connection.id, resources: [resource('First')], sourceMessageId: null },
        { tenantId: connection.tenantId, connectionId: connection.id, resources: [resource('Second')], sourceMessageId: null },
        { tenantId: echo.tenantId, connectionId: echo.id, resources: [resource('Elsewhere')], sourceMessageId: null },
      ]),
    );
    const found = await store.find(connection.tenantId, connection.id, 'Patient', 'shared');
    expect(found).toMatchObject({ versionId: 2, resource: { name: [{ family: 'Second' }] } });
    expect((await store.find(echo.tenantId, echo.id, 'Patient', 'shared'))?.resource).toMatchObject({ name: [{ family: 'Elsewhere' }] });
  });

  /** The data of the tenant's outbox events of one type (relayed or not), oldest first. */
  const eventsOfType = async (type: string) =>
    (await app.get(EventRepository).recent(connection.tenantId, 500))
      .filter((e) => e.type === type)
      .map((e) => e.data)
      .reverse();

  it('stores a VXU^V04’s Immunizations and announces each as immunization.recorded, references only', async () => {
    const id = await receive(vxu(facility, `vxu-${randomUUID()}`, 'MRN-IZ-1'));
    await drain();
    expect(await inbound.find(connection.tenantId, connection.id, id)).toMatchObject({ status: 'processed', errorCode: null });
    const patient = (await patients()).find((p) => p.name?.[0]?.family === 'Vaccinee');
    const immunizations = await store.search(connection.tenantId, connection.id, { resourceType: 'Immunization', patientId: patient?.id, limit: 10 });
    expect(immunizations).toHaveLength(2);
    const recorded = await eventsOfType('immunization.recorded');
    expect(recorded).toEqual(expect.arrayContaining(immunizations.map((i) => ({ patient: `Patient/${patient?.id}`, immunization: `Immunization/${i.id}` }))));
    expect(recorded).toHaveLength(2);
    expect(JSON.stringify(recorded)).not.toMatch(/Vaccinee|LOT-SYN-1/);
  });

  it('applies an ADT^A40 with two PID/MRG pairs pair by pair: each retired patient into its own survivor, one patient.merged each', async () => {
    // Two retired records with a visit each, then one message merging each into a different survivor.
    await receive(adt(facility, 'A01', `pre-${randomUUID()}`, 'MRN-MG-2', 'Gone', 'Anna'));
    await receive(adt(facility, 'A01', `pre-${randomUUID()}`, 'MRN-MG-4', 'Gone', 'Bea'));
    await drain();
    const id = await receive(merge(facility, `a40-${randomUUID()}`, [['MRN-MG-1', 'MRN-MG-2'], ['MRN-MG-3', 'MRN-MG-4']]));
    await drain();
    expect(await inbound.find(connection.tenantId, connection.id, id)).toMatchObject({ status: 'processed', errorCode: null });

    const all = await patients();
    const idOf = (mrn: string) => all.find((p) => JSON.stringify(p).includes(`"${mrn}"`))?.id ?? `missing ${mrn}`;
    const [survivorA, retiredA, survivorB, retiredB] = ['MRN-MG-1', 'MRN-MG-2', 'MRN-MG-3', 'MRN-MG-4'].map(idOf);
    const visitsOf = async (patientId: string) =>
      (await store.search(connection.tenantId, connection.id, { resourceType: 'Encounter', patientId, limit: 10 })).map((e) => e.resource as { identifier?: { value?: string }[]; subject?: { reference?: string } });
    // Each retired patient's visit now belongs to its own survivor, and refers to it.
    expect((await visitsOf(survivorA)).map((e) => [e.identifier?.[0]?.value, e.subject?.reference])).toEqual([['VMRN-MG-2', `Patient/${survivorA}`]]);
    expect((await visitsOf(survivorB)).map((e) => [e.identifier?.[0]?.value, e.subject?.reference])).toEqual([['VMRN-MG-4', `Patient/${survivorB}`]]);
    expect(await visitsOf(retiredA)).toEqual([]);
    expect(await visitsOf(retiredB)).toEqual([]);
    const stored = async (patientId: string) => (await store.find(connection.tenantId, connection.id, 'Patient', patientId))?.resource as { active?: boolean; link?: { other: { reference: string }; type: string }[] };
    expect(await stored(retiredA)).toMatchObject({ active: false, link: [{ other: { reference: `Patient/${survivorA}` }, type: 'replaced-by' }] });
    expect(await stored(retiredB)).toMatchObject({ active: false, link: [{ other: { reference: `Patient/${survivorB}` }, type: 'replaced-by' }] });
    expect(await stored(survivorA)).toMatchObject({ active: true, link: [{ other: { reference: `Patient/${retiredA}` }, type: 'replaces' }] });
    expect(await stored(survivorB)).toMatchObject({ active: true, link: [{ other: { reference: `Patient/${retiredB}` }, type: 'replaces' }] });

    expect(await eventsOfType('patient.merged')).toEqual([
      { patient: `Patient/${survivorA}`, replaced: `Patient/${retiredA}` },
      { patient: `Patient/${survivorB}`, replaced: `Patient/${retiredB}` },
    ]);
  });
});
