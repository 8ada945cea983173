import { startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { athenaSession, body, manualClock, type AthenaSession } from './testing/athena-session';

type Patient = Record<string, unknown> & { patientid: string; firstname: string; lastname: string; dob: string };

describe('athena patients', () => {
  const clock = manualClock('2026-11-03T14:00:00Z');
  let sandbox: TestSandbox;
  let app: AthenaSession;
  let listed: { id: string; mrn: string; family: string; given: string; birthDate: string }[];

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    app = await athenaSession(sandbox);
    listed = (await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=athena`)).json()) as typeof listed;
  });
  afterAll(() => sandbox.dispose());

  const usDob = (iso: string): string => `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;
  const first = () => listed[0] as (typeof listed)[number];

  it('reads a patient as a bare one-element array, ids as strings, dob as MM/DD/YYYY', async () => {
    const res = await app.get(`/patients/${first().mrn}`);
    expect(res.status).toBe(200);
    const patients = await body<Patient[]>(res);
    expect(Array.isArray(patients)).toBe(true);
    expect(patients).toHaveLength(1);
    const p = patients[0] as Patient;
    expect(p).toMatchObject({ patientid: first().mrn, lastname: first().family, dob: usDob(first().birthDate), status: 'active', countrycode3166: 'US' });
    expect(['1', '150']).toContain(p.primarydepartmentid);
    expect(p.departmentid).toBe(p.primarydepartmentid);
    expect(typeof p.primaryproviderid).toBe('string');
    expect(p.lastupdated).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
    expect(p.portalaccessgiven).toBe(true);
    expect((await app.get(`/patients/${first().mrn}?departmentid=1`)).status).toBe(200);
    expect((await app.get('/patients/999999')).status).toBe(404);
  });

  it('finds a patient by lastname, firstname and dob (MM/DD/YYYY only)', async () => {
    const p = first();
    const q = new URLSearchParams({ lastname: p.family.toUpperCase(), firstname: p.given.split(' ')[0] as string, dob: usDob(p.birthDate) });
    const found = await body<{ patients: Patient[]; totalcount: number }>(await app.get(`/patients?${q.toString()}`));
    expect(found.patients.map((x) => x.patientid)).toEqual([p.mrn]);
    expect(found.totalcount).toBe(1);
    const iso = await app.get(`/patients?lastname=${p.family}&dob=${p.birthDate}`);
    expect(iso.status).toBe(400);
    expect(await body(iso)).toMatchObject({ error: 'Improper DOB.' });
    const none = await app.get('/patients');
    expect(none.status).toBe(400);
    expect(await body(none)).toMatchObject({ error: 'Additional fields are required.' });
  });

  it('pages a department search with totalcount and a relative next whose parameter names are upper-cased', async () => {
    const all = await body<{ patients: Patient[]; totalcount: number }>(await app.get('/patients?departmentid=1'));
    expect(all.totalcount).toBeGreaterThan(5);
    const page = await body<{ patients: Patient[]; totalcount: number; next: string }>(await app.get('/patients?departmentid=1&limit=5'));
    expect(page.patients).toHaveLength(5);
    expect(page.totalcount).toBe(all.totalcount);
    expect(page.next).toBe('/v1/195900/patients?DEPARTMENTID=1&offset=5&limit=5');
    const seen = page.patients.map((x) => x.patientid);
    let next: string | undefined = page.next;
    while (next) {
      const more: { patients: Patient[]; next?: string } = await body(await app.get(next));
      seen.push(...more.patients.map((x) => x.patientid));
      next = more.next;
    }
    expect(seen).toEqual(all.patients.map((x) => x.patientid));
  });

  it('enhancedbestmatch requires firstname, lastname and dob and answers a bare array with string scores', async () => {
    const missing = await app.get('/patients/enhancedbestmatch?lastname=X');
    expect(missing.status).toBe(400);
    expect(await body(missing)).toMatchObject({ missingfields: ['firstname', 'dob'] });
    const p = first();
    const q = new URLSearchParams({ firstname: p.given.split(' ')[0] as string, lastname: p.family, dob: usDob(p.birthDate) });
    const matches = await body<(Patient & { score: string })[]>(await app.get(`/patients/enhancedbestmatch?${q.toString()}`));
    expect(matches[0]?.patientid).toBe(p.mrn);
    expect(matches[0]?.score).toBe('24');
    const nobody = await body<unknown[]>(await app.get('/patients/enhancedbestmatch?firstname=Nobody&lastname=Atall&dob=01/01/1901'));
    expect(nobody).toEqual([]);
  });

  it('updates demographics with a form PUT (params on the query string too) and returns [{patientid}]', async () => {
    const p = listed[1] as (typeof listed)[number];
    clock.set('2026-11-03T14:30:00Z');
    const res = await app.send('PUT', `/patients/${p.mrn}?city=PORTLAND`, { mobilephone: '5035550188', email: 'new.address@example.com' });
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual([{ patientid: p.mrn }]);
    const after = (await body<Patient[]>(await app.get(`/patients/${p.mrn}`)))[0] as Patient;
    expect(after).toMatchObject({ mobilephone: '5035550188', email: 'new.address@example.com', city: 'PORTLAND', lastupdated: '11/03/2026 09:30:00' });
    expect((await app.send('PUT', `/patients/${p.mrn}`, { dob: '1980-01-01' })).status).toBe(400);
    expect((await app.send('PUT', `/patients/${p.mrn}`, { firstname: 'x'.repeat(21) })).status).toBe(400);
  });
});
