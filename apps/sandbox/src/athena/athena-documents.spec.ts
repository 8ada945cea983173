import { startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { athenaSession, body, manualClock, type AthenaSession } from './testing/athena-session';

type Json = Record<string, unknown>;

describe('athena clinical documents', () => {
  const clock = manualClock('2026-11-03T14:00:00Z');
  let sandbox: TestSandbox;
  let app: AthenaSession;
  const pid = '7005';
  const base = `/patients/${pid}/documents/clinicaldocument`;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    app = await athenaSession(sandbox);
  });
  afterAll(() => sandbox.dispose());

  it('uploads a text note (form) → {"success":true,"clinicaldocumentid":N}, readable in the list and by id', async () => {
    const res = await app.send('POST', base, { departmentid: '150', documentsubclass: 'CLINICALDOCUMENT', documentdata: 'Video visit: doing well.', autoclose: 'true', observationdate: '11/03/2026', observationtime: '08:15' });
    expect(res.status).toBe(200);
    const created = await body<{ success: boolean; clinicaldocumentid: number }>(res);
    expect(created.success).toBe(true);
    expect(typeof created.clinicaldocumentid).toBe('number');
    const list = await body<{ clinicaldocuments: Json[]; totalcount: number }>(await app.get(`${base}?departmentid=150`));
    const mine = list.clinicaldocuments.find((d) => d.clinicaldocumentid === created.clinicaldocumentid);
    expect(mine).toMatchObject({
      departmentid: '150',
      documentclass: 'CLINICALDOCUMENT',
      documentsubclass: 'CLINICALDOCUMENT',
      documenttypeid: 423482,
      status: 'CLOSED',
      documentdata: 'Video visit: doing well.',
      observationdatetime: '2026-11-03T09:15:00-05:00',
    });
    const one = await body<Json[]>(await app.get(`${base}/${created.clinicaldocumentid}`));
    expect(one).toEqual([mine]);
    expect((await app.get(base)).status).toBe(400);
  });

  it('lists the seeded visit notes as closed clinical documents', async () => {
    const list = await body<{ clinicaldocuments: Json[] }>(await app.get(`${base}?departmentid=1`));
    const seeded = list.clinicaldocuments.filter((d) => d.documentsource === 'ENCOUNTER');
    expect(seeded.length).toBeGreaterThan(0);
    expect(seeded[0]).toMatchObject({ status: 'CLOSED', documentdata: expect.any(String), encounterid: expect.any(Number) });
  });

  it('stores an attachment (base64 in a form field) and serves its page; documents start open without autoclose', async () => {
    const pdf = Buffer.from('%PDF-1.4\n%\xE2\xE3\xCF\xD3\nsandbox note\n', 'latin1');
    const res = await app.send('POST', base, { departmentid: '1', documentsubclass: 'CLINICALDOCUMENT_CONSULTNOTE', attachmentcontents: pdf.toString('base64'), attachmenttype: 'PDF' });
    const { clinicaldocumentid } = await body<{ clinicaldocumentid: number }>(res);
    const doc = (await body<Json[]>(await app.get(`${base}/${clinicaldocumentid}`)))[0] as Json;
    expect(doc.status).toBe('OPEN');
    const page = (doc.pages as { href: string; contenttype: string }[])[0];
    expect(page?.contenttype).toBe('application/pdf');
    const bytes = await app.get(page?.href as string);
    expect(bytes.headers.get('content-type')).toContain('application/pdf');
    expect(Buffer.from(await bytes.arrayBuffer()).equals(pdf)).toBe(true);
  });

  it.each([
    [{ documentsubclass: 'CLINICALDOCUMENT', documentdata: 'x' }, 'departmentid'],
    [{ departmentid: '1', documentdata: 'x' }, 'documentsubclass'],
    [{ departmentid: '1', documentsubclass: 'PROGRESSNOTE', documentdata: 'x' }, 'DOCUMENTSUBCLASS'],
    [{ departmentid: '1', documentsubclass: 'CLINICALDOCUMENT' }, 'documentdata'],
    [{ departmentid: '1', documentsubclass: 'CLINICALDOCUMENT', documentdata: 'x', documenttypeid: '1' }, 'DOCUMENTTYPEID'],
    [{ departmentid: '77', documentsubclass: 'CLINICALDOCUMENT', documentdata: 'x' }, 'department'],
  ])('answers a bad upload %j with a 200 whose body says success "false"', async (form, mentions) => {
    const res = await app.send('POST', base, form as Record<string, string>);
    expect(res.status).toBe(200);
    const answer = await body<{ success: string; errormessage: string }>(res);
    expect(answer.success).toBe('false');
    expect(answer.errormessage).toContain(mentions);
  });

  it('answers 404 for an unknown patient', async () => {
    expect((await app.send('POST', '/patients/999999/documents/clinicaldocument', { departmentid: '1', documentsubclass: 'CLINICALDOCUMENT', documentdata: 'x' })).status).toBe(404);
  });
});
