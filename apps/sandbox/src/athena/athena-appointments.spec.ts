import { startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { athenaSession, body, manualClock, type AthenaSession } from './testing/athena-session';

type Slot = { appointmentid: number; departmentid: number; providerid: number; appointmenttypeid: number; date: string; starttime: string; duration: number };
type Appointment = Record<string, unknown> & { appointmentid: string; appointmentstatus: string; date: string; starttime: string; patientid?: string };

describe('athena appointments', () => {
  const clock = manualClock('2026-11-02T13:00:00Z');
  let sandbox: TestSandbox;
  let app: AthenaSession;
  const patientid = '7003';

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    app = await athenaSession(sandbox);
  });
  afterAll(() => sandbox.dispose());

  const open = async (query: string): Promise<Slot[]> => (await body<{ appointments: Slot[] }>(await app.get(`/appointments/open?${query}`))).appointments;
  const appointment = async (id: string | number): Promise<Appointment> => (await body<Appointment[]>(await app.get(`/appointments/${id}`)))[0] as Appointment;

  it('lists open slots of a department with numeric ids, local dates and times', async () => {
    expect((await app.get('/appointments/open')).status).toBe(400);
    const slots = await open('departmentid=150&startdate=11/03/2026&enddate=11/03/2026');
    expect(slots.length).toBeGreaterThan(0);
    const slot = slots[0] as Slot;
    expect(typeof slot.appointmentid).toBe('number');
    expect(slot).toMatchObject({ departmentid: 150, date: '11/03/2026', starttime: '13:00', appointmenttypeid: 4, duration: 20 });
    expect(typeof slot.providerid).toBe('number');
    // The same hours in each department's own zone (Eastern 9:00, Pacific 10:00).
    expect((await open('departmentid=1&startdate=11/03/2026&enddate=11/03/2026'))[0]?.starttime).toBe('09:00');
    expect((await open('departmentid=162&startdate=11/03/2026&enddate=11/03/2026'))[0]?.starttime).toBe('10:00');
    expect(await open('departmentid=1&startdate=11/07/2026&enddate=11/08/2026')).toEqual([]);
    const byProvider = await open(`departmentid=1&providerid=23&startdate=11/03/2026&enddate=11/16/2026`);
    expect(new Set(byProvider.map((s) => s.providerid))).toEqual(new Set([23]));
    expect(await open('departmentid=1&appointmenttypeid=82&startdate=11/03/2026&enddate=11/16/2026')).toEqual([]);
    expect((await app.get('/appointments/open?departmentid=1&startdate=2026-11-03')).status).toBe(400);
  });

  it('books a slot with a form PUT: a bare array with the booked appointment (status f, same id, department-local time)', async () => {
    const slot = (await open('departmentid=150&startdate=11/04/2026&enddate=11/04/2026'))[0] as Slot;
    const res = await app.send('PUT', `/appointments/${slot.appointmentid}`, { patientid, appointmenttypeid: '4', departmentid: '150', bookingnote: 'Follow-up on labs' });
    expect(res.status).toBe(200);
    const booked = await body<Appointment[]>(res);
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({
      appointmentid: String(slot.appointmentid),
      appointmentstatus: 'f',
      patientid,
      departmentid: '150',
      providerid: String(slot.providerid),
      date: '11/04/2026',
      starttime: '13:00',
      duration: 20,
      scheduleddatetime: '11/02/2026 08:00:00',
    });
    expect((await appointment(slot.appointmentid)).appointmentnotes).toEqual([expect.objectContaining({ text: 'Follow-up on labs' })]);
    expect((await open('departmentid=150&startdate=11/04/2026&enddate=11/04/2026')).map((s) => s.appointmentid)).not.toContain(slot.appointmentid);
  });

  it('answers 409 with athena body for a taken or unknown slot, and books again for a second identical request on another slot', async () => {
    const [a, b] = await open('departmentid=1&startdate=11/05/2026&enddate=11/05/2026');
    const form = { patientid, appointmenttypeid: '2' };
    expect((await app.send('PUT', `/appointments/${a?.appointmentid}`, form)).status).toBe(200);
    const again = await app.send('PUT', `/appointments/${a?.appointmentid}`, form);
    expect(again.status).toBe(409);
    expect(await body(again)).toEqual({
      error: 'That appointment time was already booked or not available for booking.',
      detailedmessage: 'The appointment ID is already booked or is not marked as being available to be scheduled via the API.',
    });
    expect((await app.send('PUT', '/appointments/99999999', form)).status).toBe(409);
    // No idempotency: the same request on another slot books a second appointment.
    expect((await app.send('PUT', `/appointments/${b?.appointmentid}`, form)).status).toBe(200);
    const mine = await body<{ appointments: Appointment[] }>(await app.get(`/appointments/booked?departmentid=1&startdate=11/05/2026&enddate=11/05/2026&patientid=${patientid}`));
    expect(mine.appointments.map((x) => x.appointmentid)).toEqual([String(a?.appointmentid), String(b?.appointmentid)]);
    const missing = await app.send('PUT', `/appointments/${b?.appointmentid}`, { appointmenttypeid: '2' });
    expect(missing.status).toBe(400);
    expect(await body(missing)).toMatchObject({ missingfields: ['patientid'] });
  });

  it('takes a booking’s parameters on the query string of the PUT', async () => {
    const slot = (await open('departmentid=162&startdate=11/05/2026&enddate=11/05/2026'))[0] as Slot;
    const res = await app.send('PUT', `/appointments/${slot.appointmentid}?patientid=${patientid}&appointmenttypeid=82`);
    expect(res.status).toBe(200);
    expect((await body<Appointment[]>(res))[0]).toMatchObject({ patientid, appointmentstatus: 'f', appointmenttypeid: '82' });
  });

  it('cancels (patientid and cancellationreason required) → {"status":"x"}, and the time opens again as a new slot', async () => {
    const slot = (await open('departmentid=1&startdate=11/06/2026&enddate=11/06/2026'))[0] as Slot;
    await app.send('PUT', `/appointments/${slot.appointmentid}`, { patientid });
    const missing = await app.send('PUT', `/appointments/${slot.appointmentid}/cancel`, { patientid });
    expect(missing.status).toBe(400);
    expect(await body(missing)).toMatchObject({ error: 'Additional fields are required.', missingfields: ['cancellationreason'] });
    const res = await app.send('PUT', `/appointments/${slot.appointmentid}/cancel`, { patientid, cancellationreason: 'Feeling better' });
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ status: 'x' });
    expect(await appointment(slot.appointmentid)).toMatchObject({ appointmentstatus: 'x', cancelreasonname: 'CANCELLED FROM API', cancelreasonnoshow: false, cancelleddatetime: '11/02/2026 08:00:00' });
    const reopened = (await open('departmentid=1&startdate=11/06/2026&enddate=11/06/2026'))[0] as Slot;
    expect(reopened.starttime).toBe(slot.starttime);
    expect(reopened.appointmentid).not.toBe(slot.appointmentid);
    expect((await app.send('PUT', `/appointments/${slot.appointmentid}/cancel`, { patientid, cancellationreason: 'again' })).status).toBe(400);
  });

  it('reschedules onto another slot: the new booking names the old one, which is cancelled', async () => {
    const [from, to] = await open('departmentid=1&startdate=11/09/2026&enddate=11/09/2026');
    await app.send('PUT', `/appointments/${from?.appointmentid}`, { patientid });
    const res = await app.send('PUT', `/appointments/${from?.appointmentid}/reschedule`, { patientid, newappointmentid: String(to?.appointmentid), reschedulereason: 'Conflict' });
    expect(res.status).toBe(200);
    expect((await body<Appointment[]>(res))[0]).toMatchObject({ appointmentid: String(to?.appointmentid), appointmentstatus: 'f', rescheduledappointmentid: String(from?.appointmentid) });
    expect(await appointment(from?.appointmentid as number)).toMatchObject({ appointmentstatus: 'x', cancelreasonname: 'RESCHEDULED' });
  });

  it('reads one appointment as a bare one-element array with string ids', async () => {
    const list = await body<Appointment[]>(await app.get('/appointments/1050001'));
    expect(list).toHaveLength(1);
    expect(typeof list[0]?.appointmentid).toBe('string');
    expect(typeof list[0]?.duration).toBe('number');
    expect((await app.get('/appointments/1')).status).toBe(404);
  });

  it('lists booked appointments by department and dates (required), statuses f 2 3 4 and x with showcancelled', async () => {
    const missing = await app.get('/appointments/booked');
    expect(await body(missing)).toMatchObject({ missingfields: ['departmentid', 'startdate', 'enddate'] });
    const range = 'startdate=01/01/2023&enddate=12/31/2027';
    const withCancelled = await body<{ appointments: Appointment[]; totalcount: number }>(await app.get(`/appointments/booked/multipledepartment?departmentid=1,150,162&${range}&showcancelled=true`));
    expect(new Set(withCancelled.appointments.map((a) => a.appointmentstatus))).toEqual(new Set(['f', '2', '3', '4', 'x']));
    const without = await body<{ appointments: Appointment[]; totalcount: number }>(await app.get(`/appointments/booked/multipledepartment?departmentid=1&departmentid=150&departmentid=162&${range}`));
    expect(without.appointments.some((a) => a.appointmentstatus === 'x')).toBe(false);
    expect(without.totalcount).toBeLessThan(withCancelled.totalcount);
    const oneDepartment = await body<{ appointments: Appointment[] }>(await app.get(`/appointments/booked?departmentid=162&${range}&showcancelled=true`));
    expect(new Set(oneDepartment.appointments.map((a) => a.departmentid))).toEqual(new Set(['162']));
    const paged = await body<{ appointments: Appointment[]; next: string }>(await app.get(`/appointments/booked?departmentid=162&${range}&limit=2`));
    expect(paged.appointments).toHaveLength(2);
    expect(paged.next).toBe(`/v1/195900/appointments/booked?departmentid=162&${range}&offset=2&limit=2`);
    expect((await app.get(`/appointments/booked?departmentid=162&${range}&limit=20000`)).status).toBe(200);
  });

  it('edits a booking with PUT /appointments/booked/{id}: a bare 1, or a bare error string at 200', async () => {
    const slot = (await open('departmentid=1&startdate=11/10/2026&enddate=11/10/2026'))[0] as Slot;
    await app.send('PUT', `/appointments/${slot.appointmentid}`, { patientid });
    const wrong = await app.send('PUT', `/appointments/booked/${slot.appointmentid}`, { providerid: '999' });
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toBe('Invalid PROVIDERID input');
    const ok = await app.send('PUT', `/appointments/booked/${slot.appointmentid}`, { providerid: '22' });
    expect(await ok.json()).toBe(1);
    expect((await appointment(slot.appointmentid)).providerid).toBe('22');
  });
});
