import type { TestingModule } from '@nestjs/testing';
import { AthenaChangeRepository, ConnectionRepository, Database, EventRepository, type AthenaFeedName, type Connection } from '@sb/db';
import { EventWriter } from '@sb/events';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { randomUUID } from 'node:crypto';
import { AthenaChangesModule } from './athena-changes.module';
import { AthenaChangePoller } from './change-poller';
import { AthenaPageProcessor, LeaseLost } from './page-processor';
import type { AthenaPollerOptions } from './poll-settings';
import { FakeAthenaFeeds } from './testing/fake-athena-feeds';

// Synthetic athena records (no real people).
const PRACTICE = '195900';
const booked = (appointmentid: string, patientid: string, fields: Record<string, unknown> = {}) => ({
  appointmentid,
  patientid,
  appointmentstatus: 'f',
  date: '03/10/2030',
  starttime: '10:00',
  duration: 15,
  departmentid: '1',
  providerid: '71',
  ...fields,
});
const patient = (patientid: string, fields: Record<string, unknown> = {}) => ({ patientid, firstname: 'Synthetic', lastname: `Person${patientid}`, dob: '01/01/1980', sex: 'F', zip: '02210', ...fields });
const ref = (kind: 'Patient' | 'Appointment', id: string) => (kind === 'Patient' ? `Patient/a-${PRACTICE}.E-${id}` : `Appointment/a-${PRACTICE}.appointment-${id}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('athena change polling (real Postgres and Redis, a destructive fake athena)', () => {
  const prefix = testRedisPrefix('athena-change-poller');
  let app: TestingModule;
  let repository: AthenaChangeRepository;
  let processor: AthenaPageProcessor;
  let tenantId: string;
  const pollers: AthenaChangePoller[] = [];

  const newConnection = async (overrides: Partial<Connection> = {}): Promise<Connection> =>
    app.get(Database).transaction((tx) =>
      app.get(ConnectionRepository).create(tx, tenantId, {
        name: `athena ${randomUUID().slice(0, 6)}`,
        vendor: 'athena',
        environment: 'sandbox',
        status: 'live',
        athenaPracticeId: PRACTICE,
        athenaPollSeconds: 1,
        clientId: 'fake-client',
        ...overrides,
      }),
    );

  const newPoller = (fake: FakeAthenaFeeds, reader: string, connection: Connection, options: Partial<AthenaPollerOptions> = {}) => {
    const poller = new AthenaChangePoller(repository, app.get(ConnectionRepository), processor, fake.clients(reader), {
      tickMs: 25,
      leaseMs: 1_500,
      stickyMs: 300,
      clockSkewMs: 1_000,
      connectionIds: [connection.id],
      ...options,
    });
    pollers.push(poller);
    return poller;
  };

  /** The connection's events, oldest first, as `type patient appointment`. */
  const eventsOf = async (connection: Connection): Promise<string[]> =>
    (await app.get(EventRepository).recent(tenantId, 500))
      .filter((e) => e.connectionId === connection.id)
      .reverse()
      .map((e) => {
        const data = e.data as { patient: string; appointment?: string };
        return [e.type, data.patient, data.appointment].filter(Boolean).join(' ');
      });

  /** Runs the poller's steps until `done` holds (polls are due every second). */
  const pollUntil = async (poller: AthenaChangePoller, done: () => Promise<boolean> | boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await poller.pollDue().catch(() => undefined);
      if (await done()) return;
      if (Date.now() > deadline) throw new Error('condition not reached');
      await sleep(50);
    }
  };
  /** Runs steps until `cycles` feed cycles have run. */
  const pollCycles = async (poller: AthenaChangePoller, cycles: number, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (let ran = 0; ran < cycles; ran += await poller.pollDue()) {
      if (Date.now() > deadline) throw new Error('cycles not run');
      await sleep(50);
    }
  };
  const pages = (connection: Connection, feed: AthenaFeedName) => repository.listPages(tenantId, connection.id, feed, 50);

  beforeAll(async () => {
    app = await createTestingApp([AthenaChangesModule, TenancyModule], { SB_REDIS_PREFIX: prefix });
    repository = app.get(AthenaChangeRepository);
    processor = app.get(AthenaPageProcessor);
    tenantId = (await new Fixtures(app).newTenant()).tenant.id;
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
  });

  afterAll(async () => {
    await app.close();
    await deleteRedisKeys(prefix);
  });

  it('derives booked, rescheduled, cancelled (once) and patient.updated from what athena reports, and a restart replay tells nothing twice', async () => {
    const connection = await newConnection();
    const fake = new FakeAthenaFeeds();
    const first = newPoller(fake, 'first', connection);

    fake.change('appointments', booked('1001', '501'));
    fake.change('appointments', { appointmentid: '1002', appointmentstatus: 'o', date: '03/10/2030', starttime: '11:00', departmentid: '1', providerid: '71' });
    fake.change('patients', patient('501'));
    await pollUntil(first, async () => (await eventsOf(connection)).length >= 2);
    // The two feeds are polled side by side: their events interleave in either order.
    expect((await eventsOf(connection)).sort()).toEqual([`appointment.booked ${ref('Patient', '501')} ${ref('Appointment', '1001')}`, `patient.updated ${ref('Patient', '501')}`]);

    fake.change('appointments', booked('1001', '501', { starttime: '10:30' }));
    fake.change('patients', patient('501')); // touched, nothing that matters changed
    fake.change('patients', patient('501', { zip: '02211' }));
    await pollUntil(first, async () => fake.unprocessed('appointments') + fake.unprocessed('patients') === 0 && (await eventsOf(connection)).length >= 4);
    fake.change('appointments', booked('1001', '501', { starttime: '10:30', appointmentstatus: 'x' }));
    fake.change('appointments', booked('1001', '501', { starttime: '10:30', appointmentstatus: 'x' }));
    await pollUntil(first, () => fake.unprocessed('appointments') === 0);
    const told = [
      `appointment.booked ${ref('Patient', '501')} ${ref('Appointment', '1001')}`,
      `appointment.cancelled ${ref('Patient', '501')} ${ref('Appointment', '1001')}`,
      `appointment.rescheduled ${ref('Patient', '501')} ${ref('Appointment', '1001')}`,
      `patient.updated ${ref('Patient', '501')}`,
      `patient.updated ${ref('Patient', '501')}`,
    ];
    const appointmentEvents = (events: string[]) => events.filter((e) => e.startsWith('appointment.'));
    expect((await eventsOf(connection)).sort()).toEqual(told);
    expect(appointmentEvents(await eventsOf(connection))).toEqual([told[0], told[2], told[1]]);

    // A restart: the new process replays the window, which returns everything above again.
    await first.stop();
    const second = newPoller(fake, 'second', connection);
    await pollCycles(second, 2);
    const replays = fake.reads.filter((r) => r.reader === 'second' && r.replay);
    expect(replays.map((r) => r.feed).sort()).toEqual(['appointments', 'patients']);
    expect(replays.reduce((n, r) => n + r.returned, 0)).toBe(8);
    expect((await eventsOf(connection)).sort()).toEqual(told);
    // Processed pages keep no records.
    expect((await pages(connection, 'appointments')).every((p) => p.processedAt !== null)).toBe(true);
    const states = await app.get(Database).transaction((tx) => repository.findStates(tx, connection.id, 'patients', ['501']));
    expect(JSON.stringify(states)).not.toMatch(/Synthetic|Person501|1980|02211/);
  });

  it('stores record states field for field: nulls, a millisecond timestamp, and an update of an existing record', async () => {
    const connection = await newConnection();
    const db = app.get(Database);
    const first = { recordId: 'r1', fingerprint: 'f1', status: 'x', patientId: '7', scheduleHash: 'h', modifiedAt: new Date('2026-11-30T08:15:30.123Z'), previous: ['a', 'b"c'] };
    const second = { recordId: 'r2', fingerprint: 'f2', status: null, patientId: null, scheduleHash: null, modifiedAt: null, previous: [] };
    await db.transaction((tx) => repository.saveStates(tx, tenantId, connection.id, 'appointments', [first, second]));
    const read = async () =>
      (await db.transaction((tx) => repository.findStates(tx, connection.id, 'appointments', ['r1', 'r2'])))
        .map(({ updatedAt: _updatedAt, ...state }) => state)
        .sort((a, b) => a.recordId.localeCompare(b.recordId));
    expect(await read()).toEqual([first, second]);
    const changed = { ...first, fingerprint: 'f1b', status: null, modifiedAt: null, previous: [] };
    await db.transaction((tx) => repository.saveStates(tx, tenantId, connection.id, 'appointments', [changed]));
    expect(await read()).toEqual([changed, second]);
  });

  it('commits each page before processing it: a crash in between leaves the page stored, and the restart processes it once', async () => {
    const connection = await newConnection();
    const fake = new FakeAthenaFeeds();
    const crashing = newPoller(fake, 'crashing', connection);
    fake.change('appointments', booked('2001', '601'));
    const process = jest.spyOn(processor, 'process').mockRejectedValueOnce(new Error('killed after the page commit'));
    await pollUntil(crashing, () => process.mock.calls.length > 0);
    process.mockRestore();

    expect(fake.unprocessed('appointments')).toBe(0); // athena considers it delivered
    const stored = await pages(connection, 'appointments');
    expect(stored).toMatchObject([{ itemCount: 1, processedAt: null, replay: false }]);
    expect(await eventsOf(connection)).toEqual([]);

    // The crashed process never comes back; another takes over once its lease has expired.
    const restarted = newPoller(fake, 'restarted', connection);
    await pollUntil(restarted, async () => (await eventsOf(connection)).length > 0 && fake.reads.some((r) => r.reader === 'restarted' && r.replay));
    await pollCycles(restarted, 1);
    expect(await eventsOf(connection)).toEqual([`appointment.booked ${ref('Patient', '601')} ${ref('Appointment', '2001')}`]);
    expect((await pages(connection, 'appointments')).find((p) => p.id === stored[0]?.id)).toMatchObject({ eventCount: 1 });
  });

  it('a crash after athena consumed a page but before it was stored loses nothing: the replay window brings it back', async () => {
    const connection = await newConnection();
    const fake = new FakeAthenaFeeds();
    const crashing = newPoller(fake, 'crashing', connection);
    await pollCycles(crashing, 2); // both feeds followed (and replayed) before the change
    fake.change('appointments', booked('3001', '701'));
    fake.change('patients', patient('701'));
    const store = jest.spyOn(repository, 'storePage').mockRejectedValue(new Error('killed before the page commit'));
    await pollUntil(crashing, () => fake.unprocessed('appointments') + fake.unprocessed('patients') === 0);
    store.mockRestore();
    expect(await eventsOf(connection)).toEqual([]);

    const restarted = newPoller(fake, 'restarted', connection);
    await pollUntil(restarted, async () => (await eventsOf(connection)).length >= 2);
    await pollCycles(restarted, 2);
    expect((await eventsOf(connection)).sort()).toEqual([`appointment.booked ${ref('Patient', '701')} ${ref('Appointment', '3001')}`, `patient.updated ${ref('Patient', '701')}`]);
  });

  it('two pollers never read one feed at the same time, and every change becomes exactly one event', async () => {
    const connection = await newConnection();
    const fake = new FakeAthenaFeeds({ readDelayMs: 20, pageSize: 3 });
    const running = new Map([
      ['a', newPoller(fake, 'a', connection, { tickMs: 10, maxIdleMs: 100 })],
      ['b', newPoller(fake, 'b', connection, { tickMs: 10, maxIdleMs: 100 })],
    ]);
    for (const poller of running.values()) poller.start();
    for (let n = 0; n < 24; n++) {
      fake.change('appointments', booked(`40${String(n).padStart(2, '0')}`, `8${n}`));
      if (n === 12) {
        // A clean stop of the poller holding the feed hands it over at once.
        const holder = fake.reads.filter((r) => r.feed === 'appointments').at(-1)?.reader as string;
        await running.get(holder)?.stop();
      }
      await sleep(60);
    }
    const deadline = Date.now() + 20_000;
    while ((await eventsOf(connection)).length < 24 && Date.now() < deadline) await sleep(100);
    await Promise.all([...running.values()].map((p) => p.stop()));

    const events = await eventsOf(connection);
    expect(events).toHaveLength(24);
    expect(new Set(events).size).toBe(24);
    const reads = fake.reads.filter((r) => r.feed === 'appointments').sort((x, y) => x.startedAt - y.startedAt);
    for (let i = 1; i < reads.length; i++) {
      const [prev, cur] = [reads[i - 1], reads[i]] as const;
      if (prev.reader !== cur.reader) expect(cur.startedAt).toBeGreaterThanOrEqual(prev.endedAt);
    }
    expect(new Set(reads.map((r) => r.reader)).size).toBe(2); // the feed did change hands
    expect(new Set(reads.map((r) => r.reader))).toEqual(new Set(['a', 'b']));
  });

  it('a running poller wakes when its feeds are due, not every tick: an idle loop does not query the database between polls', async () => {
    const connection = await newConnection(); // polled every second
    const fake = new FakeAthenaFeeds();
    let claims = 0;
    const counting = Object.create(repository) as AthenaChangeRepository;
    counting.claimDue = (...args: Parameters<AthenaChangeRepository['claimDue']>) => {
      claims += 1;
      return repository.claimDue(...args);
    };
    const poller = new AthenaChangePoller(counting, app.get(ConnectionRepository), processor, fake.clients('idle'), {
      tickMs: 25,
      maxIdleMs: 60_000,
      connectionIds: [connection.id],
    });
    pollers.push(poller);
    poller.start();
    await sleep(4_200);
    await poller.stop();

    const reads = fake.reads.filter((r) => !r.replay);
    // Each feed polled on time every second (the wait ended at its due time, not at maxIdleMs)…
    for (const feed of ['appointments', 'patients'] as const) expect(reads.filter((r) => r.feed === feed).length).toBeGreaterThanOrEqual(3);
    // …by a few claims around each round (the two feeds fall due milliseconds apart); a loop ticking every 25 ms would have made ~160.
    expect(claims).toBeLessThanOrEqual(20);
  });

  it('a processing whose lease was taken over cannot commit (fencing by epoch)', async () => {
    const connection = await newConnection();
    await repository.ensureFeeds();
    const [stale] = (await repository.claimDue('owner-a', 200, 8, [connection.id])).filter((l) => l.feed === 'patients');
    if (!stale) throw new Error('no lease');
    await sleep(300);
    const [fresh] = (await repository.claimDue('owner-b', 5_000, 8, [connection.id])).filter((l) => l.feed === 'patients');
    expect(fresh).toMatchObject({ previousOwner: 'owner-a', epoch: stale.epoch + 1 });
    const page = await repository.storePage({ tenantId, connectionId: connection.id, feed: 'patients', replay: false, items: [patient('901')], readStartedAt: new Date() });
    const ctx = { feedStartedAt: stale.startedAt, clockSkewMs: 1_000 };
    await expect(processor.process(stale, connection, page, ctx)).rejects.toBeInstanceOf(LeaseLost);
    expect(await eventsOf(connection)).toEqual([]);
    await expect(processor.process(fresh as NonNullable<typeof fresh>, connection, page, ctx)).resolves.toEqual({ processed: true, events: 1 });
    await expect(processor.process(fresh as NonNullable<typeof fresh>, connection, page, ctx)).resolves.toEqual({ processed: false, events: 0 });
    expect(await eventsOf(connection)).toEqual([`patient.updated ${ref('Patient', '901')}`]);
  });

  it('403 until subscribed: subscribes once, records the wait, backs off, then follows the feed', async () => {
    const connection = await newConnection();
    const fake = new FakeAthenaFeeds({ subscribed: false, activationDelayMs: 2_500 });
    const poller = newPoller(fake, 'p', connection);
    await pollCycles(poller, 2);
    expect(fake.subscribeCalls).toBe(2); // one per feed
    const pending = await repository.feedStatus(tenantId, connection.id);
    expect(pending).toMatchObject([
      { feed: 'appointments', subscription: 'pending', failures: 1 },
      { feed: 'patients', subscription: 'pending', failures: 1 },
    ]);
    expect(pending.every((f) => f.subscribedAt !== null && f.nextPollAt.getTime() - Date.now() > 1_000)).toBe(true);

    fake.change('appointments', booked('5001', '951'));
    await pollUntil(poller, async () => (await eventsOf(connection)).length > 0, 30_000);
    expect(await eventsOf(connection)).toEqual([`appointment.booked ${ref('Patient', '951')} ${ref('Appointment', '5001')}`]);
    expect(fake.subscribeCalls).toBe(2); // never again while it was being set up
    expect(fake.statusCalls).toBeLessThanOrEqual(8);
    expect((await repository.feedStatus(tenantId, connection.id)).find((f) => f.feed === 'appointments')).toMatchObject({ subscription: 'active', failures: 0 });
  });

  it('a booking the gateway made itself (with its own event) is not told again when athena reports it', async () => {
    const connection = await newConnection();
    const fake = new FakeAthenaFeeds();
    const poller = newPoller(fake, 'p', connection);
    await app.get(Database).transaction((tx) =>
      app.get(EventWriter).append(tx, [
        { tenantId, connectionId: connection.id, type: 'appointment.booked', data: { patient: ref('Patient', '961'), appointment: ref('Appointment', '6001') }, patientRef: ref('Patient', '961') },
      ]),
    );
    fake.change('appointments', booked('6001', '961'));
    await pollUntil(poller, () => fake.unprocessed('appointments') === 0);
    fake.change('appointments', booked('6001', '961', { appointmentstatus: 'x' }));
    await pollUntil(poller, async () => (await eventsOf(connection)).length >= 2);
    expect(await eventsOf(connection)).toEqual([
      `appointment.booked ${ref('Patient', '961')} ${ref('Appointment', '6001')}`,
      `appointment.cancelled ${ref('Patient', '961')} ${ref('Appointment', '6001')}`,
    ]);
  });

  it("a tenant sees only its own connections' feed state and pages", async () => {
    const connection = await newConnection();
    await repository.ensureFeeds();
    const other = (await new Fixtures(app).newTenant()).tenant.id;
    expect(await repository.feedStatus(tenantId, connection.id)).toHaveLength(2);
    expect(await repository.feedStatus(other, connection.id)).toEqual([]);
    expect(await repository.listPages(other, connection.id, 'patients', 10)).toEqual([]);
  });
});
