/**
 * Bad FHIR JSON for `POST /fhir/r4/{connection}/{type}` on a live Epic sandbox connection:
 * Patient (validated, then 501: Epic does not create patients) and the creatable
 * DocumentReference and Appointment. Each answer must be a 4xx OperationOutcome (or the
 * 501 not-supported one); a resource that was created must read back.
 */
import type { FuzzCase, Verdict } from './fuzz-runner';
import { fhirVerdict, is4xx, send, type Answer } from './http';
import { holdsUnstorable, nastyString, type Random } from './prng';

/** Request bodies above this are refused with 413 (MAX_BODY in apps/api/src/create-api-app.ts). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface FhirTarget {
  base: string;
  key: string;
  connectionId: string;
  /** A sandbox patient the created notes and appointments point at. */
  patientId: string;
}

type Json = Record<string, unknown>;

const patient = (): Json => ({ resourceType: 'Patient', name: [{ family: 'Fuzzington', given: ['Ada'] }], gender: 'female', birthDate: '1970-01-01' });
/** A US Core progress note (DocumentReference) for `patientId`. */
export const note = (patientId: string, text: string): Json => ({
  resourceType: 'DocumentReference',
  status: 'current',
  type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
  category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
  subject: { reference: `Patient/${patientId}` },
  date: '2026-11-20T10:00:00Z',
  content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(text).toString('base64') } }],
});
const appointment = (patientId: string): Json => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: '2026-12-20T10:00:00Z',
  end: '2026-12-20T10:30:00Z',
  participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
});

/** Top-level elements of each base resource a mutation may replace. */
const FIELDS: Record<string, string[]> = {
  Patient: ['name', 'gender', 'birthDate', 'identifier', 'telecom', 'address', 'active', 'extension', 'meta', 'text', 'id'],
  DocumentReference: ['status', 'type', 'category', 'subject', 'date', 'content', 'description', 'author', 'context', 'extension'],
  Appointment: ['status', 'start', 'end', 'participant', 'minutesDuration', 'description', 'serviceType', 'extension'],
};

const BAD_DATES = ['2020-13-45', '2020-02-30', '0000-00-00', '99999-01-01', '2020-1-1', '20200101', '2020-01-01T25:61:61Z', '2020-01-01T10:00:00', 'yesterday', '', ' 2020-01-01', '2020-01-01\u0000', '1e10', '２０２０-01-01', '-0001-01-01', '2020-W01'];

function randomValue(random: Random, depth = 0): unknown {
  switch (random.int(depth > 2 ? 5 : 8)) {
    case 0:
      return random.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.14]);
    case 1:
      return random.chance(0.5);
    case 2:
      return null;
    case 3:
      return nastyString(random, random.between(0, 40), 0.15);
    case 4:
      return random.pick(['', ' ', 'true', '{}', '[]', 'null', 'Patient/../../x']);
    case 5:
      return Array.from({ length: random.between(0, 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: random.between(0, 3) }, () => [random.pick(['a', 'url', 'value', 'resourceType', 'id', '__proto__', 'constructor']), randomValue(random, depth + 1)]));
  }
}

/** `depth` levels of `{ "a": … }` or `[ … ]` around a scalar, as text (JSON.stringify would recurse). */
function nested(depth: number, arrays: boolean): string {
  return arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Extensions nesting extensions `depth` deep: valid FHIR, recursive in the schema. */
function nestedExtension(depth: number): string {
  let s = '{"url":"http://example.org/x","valueString":"v"}';
  for (let i = 0; i < depth; i++) s = `{"url":"http://example.org/x","extension":[${s}]}`;
  return s;
}

/** `siblings` contained resources, each nesting one more `depth - 1` levels deep. */
function nestedContained(depth: number, siblings: number): Json {
  let inner: Json = { resourceType: 'Patient' };
  for (let i = 1; i < depth; i++) inner = { resourceType: 'Patient', contained: [inner] };
  return { ...patient(), contained: Array.from({ length: siblings }, () => inner) };
}

const withField = (base: string, field: string, valueText: string): string => `${base.slice(0, -1)},${JSON.stringify(field)}:${valueText}}`;

export function fhirCases(target: FhirTarget, random: Random): FuzzCase[] {
  const path = (type: string) => `/fhir/r4/${target.connectionId}/${type}`;
  const post = (type: string, body: string | Buffer, contentType: string | undefined = 'application/fhir+json', headers: Record<string, string> = {}) =>
    send(target.base, path(type), { method: 'POST', token: target.key, body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers } });

  /** A created resource must read back with the id the create answered. */
  const readBack = async (type: string, created: Answer): Promise<Verdict> => {
    const verdict = fhirVerdict(created);
    if (verdict.outcome !== 'accepted') return verdict;
    const id = created.body?.id as string | undefined;
    if (!id) return { outcome: 'bad', status: `${created.status} without an id` };
    const read = await send(target.base, `${path(type)}/${id}`, { token: target.key });
    return read.status === 200 && read.body?.id === id && read.body?.resourceType === type
      ? { outcome: 'accepted', status: `${created.status}, read back` }
      : { outcome: 'bad', status: `${created.status} but the read back answered ${read.status}` };
  };
  const creatable = () => random.pick(['DocumentReference', 'Appointment'] as const);
  const baseOf = (type: string): Json => (type === 'Patient' ? patient() : type === 'Appointment' ? appointment(target.patientId) : note(target.patientId, 'Synthetic fuzz note.'));

  const cases: FuzzCase[] = [];
  const add = (kind: string, label: string, run: () => Promise<Verdict>) => cases.push({ kind: `fhir/${kind}`, label, run });

  // ---- pinned: every run, whatever the seed ---------------------------------------------
  add('oversize', `exactly ${MAX_BODY_BYTES} bytes`, async () => {
    const head = '{"resourceType":"Patient","gender":"';
    return fhirVerdict(await post('Patient', `${head}${'x'.repeat(MAX_BODY_BYTES - head.length - 2)}"}`));
  });
  add('oversize', `${MAX_BODY_BYTES + 1} bytes`, async () => {
    const head = '{"resourceType":"Patient","gender":"';
    const res = await post('Patient', `${head}${'x'.repeat(MAX_BODY_BYTES + 1 - head.length - 2)}"}`);
    return res.status === 413 ? fhirVerdict(res) : { outcome: 'bad', status: `${res.status}, not 413` };
  });
  add('deep-recursive-element', 'extension nested 2500 deep', async () => fhirVerdict(await post('Patient', withField(JSON.stringify(patient()), 'extension', `[${nestedExtension(2500)}]`))));
  add('contained-nesting', '4 contained resources each containing two more levels (dom-2)', async () => {
    const res = await post('Patient', JSON.stringify(nestedContained(3, 4)));
    return is4xx(res.status) ? fhirVerdict(res) : { outcome: 'bad', status: `${res.status}, not a 4xx for contained resources containing resources` };
  });
  add('unstorable-string-created', 'DocumentReference.description with U+0000', async () =>
    readBack('DocumentReference', await post('DocumentReference', JSON.stringify({ ...note(target.patientId, 'x'), description: 'before\u0000after' }))),
  );
  add('valid-create', 'a plain DocumentReference', async () => readBack('DocumentReference', await post('DocumentReference', JSON.stringify(note(target.patientId, 'Synthetic fuzz note.')))));

  // ---- seeded --------------------------------------------------------------------------
  for (let i = 0; i < 4; i++) {
    const depth = random.pick([1_000, 10_000, 100_000, 400_000]);
    const arrays = random.chance(0.5);
    const field = random.pick(FIELDS.Patient!);
    add('deep-nesting', `${depth} levels of ${arrays ? 'arrays' : 'objects'} in Patient.${field}`, async () =>
      fhirVerdict(await post('Patient', withField(JSON.stringify(patient()), field, nested(depth, arrays)))),
    );
  }
  for (let i = 0; i < 3; i++) {
    const depth = random.between(10, 4_000);
    add('deep-recursive-element', `extension nested ${depth} deep`, async () => fhirVerdict(await post('Patient', withField(JSON.stringify(patient()), 'extension', `[${nestedExtension(depth)}]`))));
  }
  for (let i = 0; i < 3; i++) {
    // Deeper than one level is refused (dom-2); validation stays linear at any depth.
    const siblings = random.between(1, 200);
    const depth = random.between(1, 6);
    add('contained', `${siblings} contained resources, ${depth} level(s)`, async () => fhirVerdict(await post('Patient', JSON.stringify(nestedContained(depth, siblings)))));
  }
  for (let i = 0; i < 4; i++) {
    // Validation is linear (~15 µs an element); a creatable resource also goes to the EHR and back, so its arrays stay shorter.
    const type = random.pick(['Patient', creatable()]);
    const length = type === 'Patient' ? random.pick([1_000, 20_000, 100_000, 150_000]) : random.pick([1_000, 5_000, 20_000]);
    const field = random.pick(FIELDS[type]!);
    const element = random.pick(['7', '"x"', '{}', '{"value":"v"}', 'null']);
    add('huge-array', `${type}.${field}: ${length} × ${element}`, async () => {
      const res = await post(type, withField(JSON.stringify(baseOf(type)), field, `[${Array.from({ length }, () => element).join(',')}]`));
      return type === 'Patient' ? fhirVerdict(res) : readBack(type, res);
    });
  }
  for (let i = 0; i < 8; i++) {
    const type = random.pick(['Patient', creatable()]);
    const field = random.pick(FIELDS[type]!);
    const value = randomValue(random);
    add('wrong-type', `${type}.${field} = ${JSON.stringify(value)?.slice(0, 40)}`, async () => {
      const res = await post(type, JSON.stringify({ ...baseOf(type), [field]: value }));
      return type === 'Patient' ? fhirVerdict(res) : readBack(type, res);
    });
  }
  for (const resourceType of [random.string(random.between(1, 12)), 'Nope', 'patient', 'Observation', 123, null, ['Patient'], { a: 1 }, '']) {
    add('resource-type', `resourceType ${JSON.stringify(resourceType)}`, async () => fhirVerdict(await post('Patient', JSON.stringify({ ...patient(), resourceType }))));
  }
  add('resource-type', 'no resourceType', async () => {
    const { resourceType: _omitted, ...rest } = patient();
    return fhirVerdict(await post('Patient', JSON.stringify(rest)));
  });
  for (let i = 0; i < 4; i++) {
    const type = random.pick(['Patient', 'DocumentReference', 'Appointment']);
    const field = type === 'Patient' ? 'birthDate' : type === 'Appointment' ? random.pick(['start', 'end']) : 'date';
    const date = random.pick(BAD_DATES);
    add('invalid-date', `${type}.${field} = ${JSON.stringify(date)}`, async () => {
      const res = await post(type, JSON.stringify({ ...baseOf(type), [field]: date }));
      return type === 'Patient' ? fhirVerdict(res) : readBack(type, res);
    });
  }
  const valid = JSON.stringify(patient());
  const nonJson: [string, () => string | Buffer][] = [
    ['random bytes', () => random.bytes(random.between(1, 2_000))],
    ['truncated', () => valid.slice(0, random.between(1, valid.length - 1))],
    ['trailing garbage', () => `${valid}${random.pick(['x', '}', ',', ' {"a":1}', '\u0000'])}`],
    ['top-level scalar', () => random.pick(['1', '"Patient"', 'true', 'null', '[]', `[${valid}]`])],
    ['empty body', () => ''],
    ['BOM first', () => `\ufeff${valid}`],
    ['comments', () => `/* c */${valid}`],
    ['NaN and single quotes', () => "{'resourceType':'Patient','x':NaN}"],
    ['duplicate keys', () => '{"resourceType":"Patient","resourceType":"Observation"}'],
    ['__proto__ key', () => '{"resourceType":"Patient","__proto__":{"resourceType":"Observation","admin":true}}'],
  ];
  for (const [label, body] of nonJson) add('non-json', label, async () => fhirVerdict(await post('Patient', body())));
  const contentTypes = ['text/plain', 'application/xml', 'application/fhir+xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined, 'application/json; charset=utf-16', 'application/fhir+json; charset=latin1', 'application/json-patch+json', 'application/*', ';;;', 'application/fhir+json; fhirVersion=9.9'];
  for (let i = 0; i < 5; i++) {
    const contentType = random.pick(contentTypes);
    add('content-type', `content-type ${String(contentType)}`, async () => fhirVerdict(await post('Patient', valid, contentType)));
  }
  for (let i = 0; i < 2; i++) {
    const over = random.between(1, 64 * 1024);
    add('oversize', `${MAX_BODY_BYTES + over} bytes`, async () => {
      const head = '{"resourceType":"Patient","gender":"';
      const res = await post('Patient', `${head}${'x'.repeat(MAX_BODY_BYTES + over - head.length - 2)}"}`);
      return res.status === 413 ? fhirVerdict(res) : { outcome: 'bad', status: `${res.status}, not 413` };
    });
  }
  for (let i = 0; i < 4; i++) {
    const text = nastyString(random, random.between(1, 60), 0.4);
    const field = random.pick(['name', 'gender', 'birthDate', 'identifier']);
    const value = field === 'name' ? [{ family: text }] : field === 'identifier' ? [{ value: text }] : text;
    add('control-characters', `Patient.${field} with ${JSON.stringify(text).slice(0, 40)}`, async () => fhirVerdict(await post('Patient', JSON.stringify({ ...patient(), [field]: value }))));
  }
  for (let i = 0; i < 4; i++) {
    const text = nastyString(random, random.between(1, 60), 0.3);
    const unstorable = holdsUnstorable(text);
    add(unstorable.nul || unstorable.loneSurrogate ? 'unstorable-string-created' : 'control-characters-created', `DocumentReference.description ${JSON.stringify(text).slice(0, 40)}`, async () =>
      readBack('DocumentReference', await post('DocumentReference', JSON.stringify({ ...note(target.patientId, 'x'), description: text }))),
    );
  }
  for (let i = 0; i < 2; i++) {
    const type = random.pick(['Foo', 'patient', 'Patient$', '..', '%00', 'Coverage', 'DocumentReference%0d%0aX-Injected:1', random.string(70)]);
    add('url', `POST …/${type}`, async () => fhirVerdict(await post(type, valid)));
  }
  add('url', 'unknown connection', async () =>
    fhirVerdict(await send(target.base, `/fhir/r4/${random.pick(['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '%00'])}/Patient`, { method: 'POST', token: target.key, body: valid, headers: { 'content-type': 'application/fhir+json' } })),
  );
  for (let i = 0; i < 2; i++) {
    const text = `Synthetic fuzz note ${random.string(12)}.`;
    add('valid-create', `DocumentReference "${text}"`, async () => readBack('DocumentReference', await post('DocumentReference', JSON.stringify(note(target.patientId, text)))));
  }
  return cases;
}
