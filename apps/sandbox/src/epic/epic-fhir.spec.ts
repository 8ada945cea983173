import { epicSession, matchesOf, nextLink, startTestSandbox, type BundleJson, type EpicSession, type TestSandbox } from '../testing/sandbox-harness';

interface Outcome {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; details: { coding: { system: string; code: string }[] }; diagnostics: string }[];
}

describe('Epic-like FHIR server', () => {
  let sandbox: TestSandbox;
  let epic: EpicSession;
  let patients: { id: string; mrn: string; family: string; given: string; birthDate: string }[];

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    epic = await epicSession(sandbox);
    patients = (await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=epic`)).json()) as typeof patients;
  });
  afterAll(async () => {
    await epic.keys.close();
    await sandbox.dispose();
  });

  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;
  const first = () => patients[0] as (typeof patients)[number];

  describe('search rules', () => {
    it.each([
      ['Patient?gender=female', 'Patient needs an identifier or name + birthdate'],
      ['Patient?family=Wren', 'a name alone is not enough'],
      ['Observation?patient=x', 'Observation needs category or code'],
      ['Observation?category=vital-signs', 'Observation needs a patient'],
      ['Condition?clinical-status=active', 'clinical types need a patient'],
    ])('answers 400 OperationOutcome for %s (%s)', async (query) => {
      const res = await epic.get(`/${query}`);
      expect(res.status).toBe(400);
      const outcome = await json<Outcome>(res);
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'required', details: { coding: [{ system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.657369', code: '4110' }] } });
    });

    it('answers 400 for an unusable parameter value', async () => {
      const res = await epic.get(`/Observation?patient=${first().id}&category=vital-signs&date=last-week`);
      expect(res.status).toBe(400);
      expect((await json<Outcome>(res)).issue[0]?.details.coding[0]?.code).toBe('4100');
    });
  });

  describe('Patient search', () => {
    it('finds a patient by MRN identifier', async () => {
      const p = first();
      const bundle = await json<BundleJson>(await epic.get(`/Patient?identifier=urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14|${p.mrn}`));
      expect(matchesOf(bundle).map((e) => e.resource.id)).toEqual([p.id]);
      expect(bundle.total).toBe(1);
    });

    it('finds a patient by name and birthdate', async () => {
      const p = first();
      const bundle = await json<BundleJson>(await epic.get(`/Patient?family=${p.family}&given=${p.given.split(' ')[0]}&birthdate=${p.birthDate}`));
      expect(matchesOf(bundle).map((e) => e.resource.id)).toEqual([p.id]);
    });

    it('reads the patient with Epic identifiers and extensions', async () => {
      const patient = await json<Record<string, unknown>>(await epic.get(`/Patient/${first().id}`));
      expect(patient).toMatchObject({ resourceType: 'Patient', id: first().id, birthDate: first().birthDate });
      expect(JSON.stringify(patient)).toContain('urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14');
      expect(JSON.stringify(patient)).toContain('legal-sex');
    });

    it('answers 404 OperationOutcome for an unknown id', async () => {
      const res = await epic.get('/Patient/eDoesNotExist3');
      expect(res.status).toBe(404);
      expect((await json<Outcome>(res)).issue[0]?.details.coding[0]?.code).toBe('4102');
    });

    it('mixes an outcome entry into an empty result', async () => {
      const bundle = await json<BundleJson>(await epic.get('/Patient?identifier=nobody'));
      expect(bundle.total).toBe(0);
      expect(bundle.entry).toEqual([{ resource: expect.objectContaining({ resourceType: 'OperationOutcome' }), search: { mode: 'outcome' } }]);
    });
  });

  describe('Observation search', () => {
    it('returns matches with warnings as search.mode = outcome entries', async () => {
      const bundle = await json<BundleJson>(await epic.get(`/Observation?patient=${first().id}&category=vital-signs&unknownparam=1`));
      const outcomes = (bundle.entry ?? []).filter((e) => e.search?.mode === 'outcome');
      expect(outcomes).toHaveLength(1);
      const issues = (outcomes[0]?.resource as unknown as Outcome).issue;
      expect(issues.map((i) => i.severity)).toEqual(['warning', 'warning']);
      expect(issues[0]?.diagnostics).toContain('unknownparam');
      expect(matchesOf(bundle).length).toBe(bundle.total);
      for (const e of matchesOf(bundle)) expect(e.fullUrl).toBe(`${epic.base}/Observation/${e.resource.id}`);
    });

    it('pages through every result by opaque next links', async () => {
      let bundle = await json<BundleJson>(await epic.get(`/Observation?patient=${first().id}&category=vital-signs,laboratory&_count=7`));
      const total = bundle.total as number;
      expect(total).toBeGreaterThan(14);
      const ids: string[] = [];
      let pages = 0;
      for (;;) {
        pages += 1;
        const page = matchesOf(bundle);
        expect(page.length).toBeLessThanOrEqual(7);
        ids.push(...page.map((e) => e.resource.id));
        const next = nextLink(bundle);
        if (!next) break;
        expect(next).toMatch(new RegExp(`^${epic.base}/Observation\\?sessionID=[A-Za-z0-9_-]+$`));
        bundle = await json<BundleJson>(await epic.get(next));
      }
      expect(pages).toBe(Math.ceil(total / 7));
      expect(new Set(ids).size).toBe(total);
    });

    it('filters by code and date with prefixes', async () => {
      const all = await json<BundleJson>(await epic.get(`/Observation?patient=${first().id}&code=http://loinc.org|8867-4`));
      const dates = matchesOf(all).map((e) => e.resource.effectiveDateTime as string).sort();
      expect(dates.length).toBeGreaterThanOrEqual(3);
      const middle = (dates[1] as string).slice(0, 10);
      const later = await json<BundleJson>(await epic.get(`/Observation?patient=${first().id}&code=8867-4&date=ge${middle}`));
      expect(matchesOf(later).length).toBe(dates.filter((d) => d.slice(0, 10) >= middle).length);
      const earlier = await json<BundleJson>(await epic.get(`/Observation?patient=${first().id}&code=8867-4&date=le${middle}`));
      expect(matchesOf(earlier).length).toBe(dates.filter((d) => d.slice(0, 10) <= middle).length);
    });

    it('accepts the search as a form POST to _search', async () => {
      const res = await fetch(`${epic.base}/Observation/_search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${epic.token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ patient: first().id, code: '8867-4' }),
      });
      expect(res.status).toBe(200);
      expect(matchesOf(await json<BundleJson>(res)).length).toBeGreaterThan(0);
    });

    it('refuses a next link presented by another client', async () => {
      const bundle = await json<BundleJson>(await epic.get(`/Observation?patient=${first().id}&category=vital-signs&_count=2`));
      const other = await epicSession(sandbox);
      try {
        expect((await other.get(nextLink(bundle) as string)).status).toBe(400);
      } finally {
        await other.keys.close();
      }
    });
  });

  it('searches the other clinical types by patient', async () => {
    for (const type of ['Encounter', 'Condition', 'AllergyIntolerance', 'MedicationRequest', 'DiagnosticReport', 'DocumentReference', 'Appointment']) {
      const bundle = await json<BundleJson>(await epic.get(`/${type}?patient=${first().id}`));
      expect(matchesOf(bundle).length).toBeGreaterThan(0);
      for (const e of matchesOf(bundle)) expect(e.resource.resourceType).toBe(type);
    }
    const encounters = await json<BundleJson>(await epic.get(`/Encounter?patient=${first().id}`));
    const practitionerRef = (matchesOf(encounters)[0]?.resource.participant as { individual: { reference: string } }[])[0]?.individual.reference as string;
    const practitioner = await json<{ name: { family: string }[] }>(await epic.get(`/${practitionerRef}`));
    const practitioners = await json<BundleJson>(await epic.get(`/Practitioner?family=${practitioner.name[0]?.family}`));
    expect(matchesOf(practitioners).map((e) => `Practitioner/${e.resource.id}`)).toContain(practitionerRef);
  });

  it('serves note text as Binary', async () => {
    const notes = await json<BundleJson>(await epic.get(`/DocumentReference?patient=${first().id}&category=clinical-note`));
    const url = (matchesOf(notes)[0]?.resource.content as { attachment: { url: string } }[])[0]?.attachment.url as string;
    expect(url).toMatch(/^Binary\//);
    const text = await (await epic.get(`/${url}`, { accept: 'text/plain' })).text();
    expect(text).toContain('SUBJECTIVE');
    const binary = await json<{ resourceType: string; data: string }>(await epic.get(`/${url}`));
    expect(binary.resourceType).toBe('Binary');
  });

  describe('DocumentReference create', () => {
    const note = (subject: string, data = Buffer.from('Synthetic telehealth follow-up note.').toString('base64')) => ({
      resourceType: 'DocumentReference',
      status: 'current',
      docStatus: 'final',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
      subject: { reference: `Patient/${subject}` },
      content: [{ attachment: { contentType: 'text/plain', data } }],
    });
    const post = (body: unknown, contentType = 'application/fhir+json') =>
      fetch(`${epic.base}/DocumentReference`, { method: 'POST', headers: { authorization: `Bearer ${epic.token}`, 'content-type': contentType }, body: JSON.stringify(body) });

    it('answers 201 with Location and an empty body; the note can then be read and found', async () => {
      const res = await post(note(first().id));
      expect(res.status).toBe(201);
      expect(await res.text()).toBe('');
      const location = res.headers.get('location') as string;
      expect(location).toMatch(new RegExp(`^${epic.base}/DocumentReference/e[A-Za-z0-9.-]+3$`));
      const created = await json<{ id: string; subject: unknown; content: { attachment: { url: string } }[] }>(await epic.get(location));
      expect(created.subject).toEqual({ reference: `Patient/${first().id}` });
      expect(await (await epic.get(`/${created.content[0]?.attachment.url}`, { accept: 'text/plain' })).text()).toBe('Synthetic telehealth follow-up note.');
      const found = await json<BundleJson>(await epic.get(`/DocumentReference?patient=${first().id}&_count=200`));
      expect(matchesOf(found).map((e) => e.resource.id)).toContain(created.id);
    });

    it.each([
      ['an unknown patient', note('eNobody3')],
      ['no attachment data', { ...note('x'), subject: undefined, content: [{ attachment: { contentType: 'text/plain' } }] }],
      ['another resource type', { resourceType: 'Patient' }],
    ])('answers 400 OperationOutcome for %s', async (_label, body) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect((await json<Outcome>(res)).issue[0]?.details.coding[0]?.code).toBe('59100');
    });

    it('answers 400 for malformed JSON and 415 for a non-JSON content type', async () => {
      const bad = await fetch(`${epic.base}/DocumentReference`, { method: 'POST', headers: { authorization: `Bearer ${epic.token}`, 'content-type': 'application/json' }, body: '{"resourceType":' });
      expect(bad.status).toBe(400);
      expect((await post(note(first().id), 'text/plain')).status).toBe(415);
    });
  });

  it('creates an Appointment', async () => {
    const res = await fetch(`${epic.base}/Appointment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${epic.token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Appointment', status: 'booked', start: '2027-01-05T15:00:00Z', end: '2027-01-05T15:15:00Z', participant: [{ actor: { reference: `Patient/${first().id}` }, status: 'accepted' }] }),
    });
    expect(res.status).toBe(201);
    const found = await json<BundleJson>(await epic.get(`/Appointment?patient=${first().id}&date=2027-01-05`));
    expect(matchesOf(found).map((e) => `${epic.base}/Appointment/${e.resource.id}`)).toEqual([res.headers.get('location')]);
  });
});
