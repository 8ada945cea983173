import { postJson, startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { athenaSession, body, manualClock, type AthenaSession } from './testing/athena-session';

type Json = Record<string, unknown>;
type Feed = { appointments?: Json[]; patients?: Json[]; totalcount: number; next?: string };

describe('athena change feeds', () => {
  // Summer: US Eastern is UTC-4, so a window read as UTC would miss by four hours.
  const clock = manualClock('2026-07-15T15:50:00Z');
  let sandbox: TestSandbox;
  let app: AthenaSession;
  let slots: number[];
  const patientid = '7010';

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    app = await athenaSession(sandbox);
    await settings({ subscriptionDelayMs: 60_000 });
    const open = await body<{ appointments: { appointmentid: number }[] }>(await app.get('/appointments/open?departmentid=1&startdate=11/03/2026&enddate=11/16/2026'));
    slots = open.appointments.map((s) => s.appointmentid);
  });
  afterAll(() => sandbox.dispose());

  const settings = (s: Json): Promise<Response> => fetch(`${sandbox.url}/_sandbox/athena/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s) });
  const poll = async (query = '', session = app, feed = 'appointments'): Promise<Feed> => {
    const res = await session.get(`/${feed}/changed${query}`);
    expect(res.status).toBe(200);
    return body<Feed>(res);
  };
  const book = (slot: number | undefined, session = app): Promise<Response> => session.send('PUT', `/appointments/${slot}`, { patientid });
  const ids = (feed: Feed): unknown[] => (feed.appointments ?? feed.patients ?? []).map((i) => i.appointmentid ?? i.patientid);

  it('answers 403 until subscribed, and for the activation delay after', async () => {
    const before = await app.get('/appointments/changed');
    expect(before.status).toBe(403);
    expect(await body(before)).toEqual({ error: 'Changed messages require setup (subscription) that has not been done.' });
    expect(await body(await app.get('/appointments/changed/subscription'))).toEqual({ status: 'INACTIVE', subscriptions: [] });
    const subscribed = await app.send('POST', '/appointments/changed/subscription');
    expect(await body(subscribed)).toEqual({ success: 'true' });
    const status = await body<{ status: string; subscriptions: { eventname: string }[] }>(await app.get('/appointments/changed/subscription'));
    expect(status.status).toBe('ACTIVE');
    expect(status.subscriptions.map((s) => s.eventname)).toContain('ScheduleAppointment');
    expect((await app.get('/appointments/changed')).status).toBe(403);
    clock.advance(59_000);
    expect((await app.get('/appointments/changed')).status).toBe(403);
    clock.advance(1_000);
    expect(await poll()).toEqual({ appointments: [], totalcount: 0 });
  });

  it('hands out each change once, as the record’s state at the time, and a read marks it processed', async () => {
    await book(slots[0]);
    await app.send('PUT', `/appointments/${slots[0]}/cancel`, { patientid, cancellationreason: 'Travel' });
    const feed = await poll();
    const items = feed.appointments as Json[];
    expect(items.slice(0, 2).map((i) => [i.appointmentid, i.appointmentstatus])).toEqual([
      [String(slots[0]), 'f'],
      [String(slots[0]), 'x'],
    ]);
    // The cancelled time came back as a slot (no patient): also a change.
    expect(items[2]).toMatchObject({ appointmentstatus: 'o' });
    expect(items[2]).not.toHaveProperty('patientid');
    expect(items[0]?.lastmodified).toBe('07/15/2026 11:51:00');
    expect(items).not.toContainEqual(expect.objectContaining({ eventname: expect.anything() }));
    expect(await poll()).toEqual({ appointments: [], totalcount: 0 });
  });

  it('leaves changes unprocessed with leaveunprocessed=true', async () => {
    await book(slots[1]);
    expect(ids(await poll('?leaveunprocessed=true'))).toEqual([String(slots[1])]);
    expect(ids(await poll('?leaveunprocessed=true'))).toEqual([String(slots[1])]);
    expect(ids(await poll())).toEqual([String(slots[1])]);
    expect(ids(await poll())).toEqual([]);
  });

  it('pages with limit and a relative next; each page read is processed', async () => {
    for (const slot of slots.slice(2, 5)) await book(slot);
    const first = await poll('?limit=2');
    expect(ids(first)).toEqual(slots.slice(2, 4).map(String));
    expect(first.totalcount).toBe(3);
    expect(first.next).toBe('/v1/195900/appointments/changed?offset=0&limit=2');
    const second = await body<Feed>(await app.get(first.next as string));
    expect(ids(second)).toEqual([String(slots[4])]);
    expect(second.next).toBeUndefined();
    expect(ids(await poll())).toEqual([]);
  });

  it('replays processed changes by the time they were processed, in US Eastern', async () => {
    clock.set('2026-07-15T16:00:00Z'); // 12:00 in New York
    await book(slots[5]);
    expect(ids(await poll())).toEqual([String(slots[5])]);
    clock.set('2026-07-15T16:05:00Z');
    const eastern = await poll('?showprocessedstartdatetime=07/15/2026 11:59:00&showprocessedenddatetime=07/15/2026 12:01:00');
    expect(ids(eastern)).toEqual([String(slots[5])]);
    // The same wall times meant as UTC name another moment: nothing was processed then.
    expect(ids(await poll('?showprocessedstartdatetime=07/15/2026 15:59:00&showprocessedenddatetime=07/15/2026 16:01:00'))).toEqual([]);
    // A replay does not consume anything, and replays again.
    expect(ids(await poll('?showprocessedstartdatetime=07/15/2026 11:59:00'))).toContain(String(slots[5]));
    expect((await app.get('/appointments/changed?showprocessedstartdatetime=2026-07-15T11:59:00')).status).toBe(400);
  });

  it('filters by departmentid', async () => {
    const central = await body<{ appointments: { appointmentid: number }[] }>(await app.get('/appointments/open?departmentid=150&startdate=11/03/2026&enddate=11/16/2026'));
    const centralSlot = central.appointments[0]?.appointmentid;
    await book(centralSlot);
    await book(slots[6]);
    expect(ids(await poll('?departmentid=150'))).toEqual([String(centralSlot)]);
    expect(ids(await poll())).toEqual([String(slots[6])]);
  });

  it('reports patient updates on /patients/changed with lastupdated', async () => {
    expect((await app.get('/patients/changed')).status).toBe(403);
    await app.send('POST', '/patients/changed/subscription');
    clock.advance(60_000);
    await app.send('PUT', `/patients/${patientid}`, { firstname: 'Renamed' });
    const feed = await poll('', app, 'patients');
    expect(feed.patients).toEqual([expect.objectContaining({ patientid, firstname: 'Renamed', lastupdated: '07/15/2026 12:06:00' })]);
  });

  it('queues a change made inside the EHR (the admin touch route)', async () => {
    const touched = await postJson(`${sandbox.url}/_sandbox/athena/practices/195900/touch`, { feed: 'appointments', id: '1050001' });
    expect(await touched.json()).toMatchObject({ enqueued: 1 });
    expect((await poll()).appointments).toEqual([expect.objectContaining({ appointmentid: '1050001', lastmodified: '07/15/2026 12:06:00' })]);
    expect((await postJson(`${sandbox.url}/_sandbox/athena/practices/195900/touch`, { feed: 'patients', id: '1' })).status).toBe(404);
    expect((await postJson(`${sandbox.url}/_sandbox/athena/practices/123/touch`, { feed: 'patients', id: patientid })).status).toBe(404);
    expect((await postJson(`${sandbox.url}/_sandbox/athena/practices/195900/touch`, { feed: 'claims', id: '1' })).status).toBe(400);
  });

  it('keeps subscriptions per app and per event; a deleted subscription answers 403 again', async () => {
    const other = await athenaSession(sandbox);
    await other.send('POST', '/appointments/changed/subscription?eventname=CancelAppointment');
    expect(await body(await other.get('/appointments/changed/subscription'))).toEqual({ status: 'Partial', subscriptions: [{ eventname: 'CancelAppointment' }] });
    expect((await other.send('POST', '/appointments/changed/subscription', { eventname: 'Nonsense' })).status).toBe(400);
    clock.advance(60_000);
    await book(slots[7]);
    await app.send('PUT', `/appointments/${slots[7]}/cancel`, { patientid, cancellationreason: 'Sick' });
    expect((await poll('', other)).appointments?.map((i) => i.appointmentstatus)).toEqual(['x']);
    expect((await poll()).appointments?.map((i) => i.appointmentstatus)).toEqual(['f', 'x', 'o']);
    expect(await body(await other.send('DELETE', '/appointments/changed/subscription'))).toEqual({ success: 'true' });
    expect((await other.get('/appointments/changed')).status).toBe(403);
  });
});
