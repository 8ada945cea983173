import { startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { athenaSession, body, manualClock, type AthenaSession } from './testing/athena-session';

type Json = Record<string, unknown>;
type Reading = Json & { readingid: number; clinicalelementid: string; value: string; unit: string; code: string };

describe('athena chart', () => {
  const clock = manualClock('2026-11-03T14:00:00Z');
  let sandbox: TestSandbox;
  let app: AthenaSession;
  let patients: string[];

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    app = await athenaSession(sandbox);
    patients = ((await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=athena`)).json()) as { mrn: string }[]).map((p) => p.mrn);
  });
  afterAll(() => sandbox.dispose());

  const chart = async <T = Json>(pid: string, what: string, department = '1'): Promise<T> => body<T>(await app.get(`/chart/${pid}/${what}?departmentid=${department}`));

  it.each(['encounters', 'problems', 'allergies', 'medications', 'vitals', 'labresults', 'analytes'])('wants departmentid on /chart/{pid}/%s', async (what) => {
    const res = await app.get(`/chart/${patients[0]}/${what}`);
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ error: 'Additional fields are required.', missingfields: ['departmentid'], invalidfields: [] });
    expect((await app.get(`/chart/${patients[0]}/${what}?departmentid=77`)).status).toBe(400);
    expect((await app.get(`/chart/999999/${what}?departmentid=1`)).status).toBe(404);
  });

  it('shows the same chart from any department of the practice (one chart-sharing group)', async () => {
    expect(await chart(patients[0] as string, 'problems', '162')).toEqual(await chart(patients[0] as string, 'problems', '1'));
  });

  it('lists encounters with string ids, and reads one by id as a one-element array', async () => {
    const { encounters } = await chart<{ encounters: Json[] }>(patients[0] as string, 'encounters');
    expect(encounters.length).toBeGreaterThan(0);
    const e = encounters[0] as Json;
    expect(e).toMatchObject({ encountertype: 'VISIT', status: 'CLOSED', patientid: patients[0] });
    expect(typeof e.encounterid).toBe('string');
    expect(e.encounterdate).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
    const one = await body<Json[]>(await app.get(`/chart/encounter/${e.encounterid as string}`));
    expect(one).toEqual([e]);
    expect((await app.get('/chart/encounter/1')).status).toBe(404);
    const withAppointment = (await Promise.all(patients.slice(0, 20).map((p) => chart<{ encounters: Json[] }>(p, 'encounters')))).flatMap((c) => c.encounters).find((x) => x.appointmentid);
    const appointment = (await body<Json[]>(await app.get(`/appointments/${withAppointment?.appointmentid as string}`)))[0];
    expect(appointment?.encounterid).toBe(withAppointment?.encounterid);
  });

  it('lists problems with numeric problemid, SNOMED code as a string and ICD-10 best match', async () => {
    const res = await chart<{ problems: Json[]; totalcount: number; lastupdated: string }>(patients[0] as string, 'problems');
    expect(res.totalcount).toBe(res.problems.length);
    const p = res.problems[0] as Json;
    expect(typeof p.problemid).toBe('number');
    expect(p).toMatchObject({ codeset: 'SNOMED', code: expect.stringMatching(/^\d+$/), bestmatchicd10code: expect.any(String) });
    expect(p.lastmodifieddatetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[45]:00$/);
    expect((p.events as Json[])[0]).toMatchObject({ eventtype: 'START', onsetdate: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}$/) });
  });

  it('answers allergies with nkda as the string "true" or "false"', async () => {
    const all = await Promise.all(patients.map((p) => chart<{ allergies: Json[]; nkda: string }>(p, 'allergies')));
    expect(new Set(all.map((a) => a.nkda))).toEqual(new Set(['true', 'false']));
    const some = all.find((a) => a.nkda === 'false') as { allergies: Json[] };
    expect(some.allergies[0]).toMatchObject({ allergenid: expect.stringMatching(/^\d+$/), allergenname: expect.any(String), reactions: [expect.objectContaining({ snomedcode: expect.any(String) })] });
    expect(all.find((a) => a.nkda === 'true')?.allergies).toEqual([]);
  });

  it('answers medications as an array of arrays with prefixed entry ids, structured sigs and events', async () => {
    const withMeds = (await Promise.all(patients.map((p) => chart<{ medications: Json[][]; nomedicationsreported: boolean }>(p, 'medications')))).find((m) => m.medications.length > 0);
    const entry = withMeds?.medications[0] as Json[];
    expect(Array.isArray(entry)).toBe(true);
    expect(entry[0]).toMatchObject({
      medicationentryid: expect.stringMatching(/^H\d+$/),
      medicationid: expect.any(Number),
      unstructuredsig: expect.any(String),
      structuredsig: expect.objectContaining({ dosagequantityvalue: expect.any(Number), dosageroute: expect.any(String) }),
      isdiscontinued: expect.any(Boolean),
      events: expect.arrayContaining([expect.objectContaining({ type: 'START' })]),
    });
    expect(withMeds?.nomedicationsreported).toBe(false);
  });

  it('answers vitals as readings arrays of arrays: string values, BP halves sharing a readingid, weight in grams, temperature in F', async () => {
    const { vitals } = await chart<{ vitals: { key: string; readings: Reading[][] }[] }>(patients[0] as string, 'vitals');
    const byKey = new Map(vitals.map((v) => [v.key, v.readings]));
    const bp = byKey.get('BLOODPRESSURE')?.[0] as Reading[];
    expect(bp).toHaveLength(2);
    expect(bp[0]?.readingid).toBe(bp[1]?.readingid);
    expect(bp.map((r) => r.code).sort()).toEqual(['8462-4', '8480-6']);
    expect(typeof bp[0]?.value).toBe('string');
    const weight = byKey.get('WEIGHT')?.[0]?.[0] as Reading;
    expect(weight).toMatchObject({ unit: 'g', code: '29463-7', clinicalelementid: 'VITALS.WEIGHT' });
    expect(Number(weight.value)).toBeGreaterThan(30_000);
    expect(weight.value).toMatch(/^\d+\.\d{4}$/);
    const temperature = byKey.get('TEMPERATURE')?.[0]?.[0] as Reading;
    expect(temperature.unit).toBe('F');
    expect(Number(temperature.value)).toBeGreaterThan(94);
    expect(byKey.get('HEIGHT')?.[0]?.[0]?.unit).toBe('cm');
  });

  it('lists lab results with their analytes, and the analytes alone', async () => {
    const { results, totalcount } = await chart<{ results: Json[]; totalcount: number }>(patients[0] as string, 'labresults');
    expect(totalcount).toBeGreaterThan(0);
    const r = results[0] as Json;
    expect(typeof r.labresultid).toBe('number');
    expect(r.labresultdatetime).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
    const analyte = (r.analytes as Json[])[0] as Json;
    expect(analyte).toMatchObject({ analyteid: expect.any(Number), loinc: expect.any(String), value: expect.any(String), units: expect.any(String), referencerange: expect.stringMatching(/-/) });
    const { analytes } = await chart<{ analytes: Json[] }>(patients[0] as string, 'analytes');
    expect(analytes.filter((a) => a.labresultid === r.labresultid)).toHaveLength((r.analytes as Json[]).length);
  });

  it('records device vitals sent as JSON inside a form field, and shows them with the chart', async () => {
    const pid = patients[2] as string;
    const vitals = JSON.stringify([
      [
        { clinicalelementid: 'VITALS.BLOODPRESSURE.SYSTOLIC', value: 128, readingtaken: '11/03/2026' },
        { clinicalelementid: 'VITALS.BLOODPRESSURE.DIASTOLIC', value: '82', readingtaken: '11/03/2026' },
      ],
      [{ clinicalelementid: 'VITALS.WEIGHT', value: '81000', readingtaken: '11/03/2026 08:00:00' }],
    ]);
    const res = await app.send('POST', `/chart/${pid}/vitals`, { departmentid: '1', source: 'DEVICEGENERATED', returnvitalids: 'true', vitals });
    expect(res.status).toBe(200);
    const created = await body<{ success: boolean; vitalids: { vitalid: number; clinicalelementid: string }[] }>(res);
    expect(created.success).toBe(true);
    expect(created.vitalids.map((v) => v.clinicalelementid)).toEqual(['VITALS.BLOODPRESSURE.SYSTOLIC', 'VITALS.BLOODPRESSURE.DIASTOLIC', 'VITALS.WEIGHT']);
    const { vitals: after } = await chart<{ vitals: { key: string; readings: Reading[][] }[] }>(pid, 'vitals');
    const bp = after.find((v) => v.key === 'BLOODPRESSURE')?.readings.at(-1) as Reading[];
    expect(bp.map((r) => [r.value, r.source])).toEqual([
      ['128', 'DEVICEGENERATED'],
      ['82', 'DEVICEGENERATED'],
    ]);
    expect(bp[0]?.readingid).toBe(bp[1]?.readingid);
    expect(after.find((v) => v.key === 'WEIGHT')?.readings.at(-1)?.[0]).toMatchObject({ value: '81000', unit: 'g' });
    const send = (form: Record<string, string>) => app.send('POST', `/chart/${pid}/vitals`, { departmentid: '1', source: 'DEVICEGENERATED', ...form });
    expect((await send({ vitals: '[[{"clinicalelementid":' })).status).toBe(400);
    expect((await send({ vitals: '[{"clinicalelementid":"VITALS.WEIGHT","value":1,"readingtaken":"11/03/2026"}]' })).status).toBe(400);
    const wrongSource = await send({ vitals, source: 'patient' });
    expect(await body(wrongSource)).toMatchObject({ detailedmessage: "The value 'patient' did not match any of the enum values for SOURCE." });
  });
});
