/**
 * The api's other structured inputs, malformed: the usage CSV export's and the usage query's
 * parameters (ranges, zones, cursors), the HL7 message log's filters (query and search body),
 * priced plan definitions and quotes (decimal strings, tiers), HL7 dialects (a connection's,
 * and candidates in the preview with a mutated message), and CSV sent where JSON is expected.
 * Each must be a 4xx problem+json, or a 2xx when the input was valid after all.
 */
import type { FuzzCase, Verdict } from './fuzz-runner';
import { problemVerdict, send } from './http';
import { admit } from './hl7-cases';
import { holdsUnstorable, nastyString, type Random } from './prng';

export interface InputsTarget {
  base: string;
  /** A tenant API key (every tenant scope) and the operator token (plans are the operator's). */
  key: string;
  adminToken: string;
  /** An hl7v2 connection with messages in its log, one whose dialect the cases rewrite, and its MSH-4. */
  logConnectionId: string;
  dialectConnectionId: string;
  facility: string;
  /** A plan to quote. */
  planId: string;
}

const DATES = ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00+14:00', '2025-01-01T00:00:00-12:00', '2026-01-01', '2026-13-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-01-01T00:00:00', 'yesterday', '', '1e10', '2026-01-01T00:00:00.123456789Z', '2026-02-30T00:00:00Z'];
const ZONES = ['UTC', 'America/Chicago', 'Mars/Olympus', '+02:00', 'EST', 'Etc/GMT+14', '../../etc/passwd', '', 'utc', 'America/Chicago\u0000'];
const CLASSES = ['fhir.read', 'fhir.search', 'fhir.write', 'hl7.in', 'hl7.out', 'bulk.resource', 'smart.launch', 'activeConnection', 'distinctPatient', 'connectionGoLive', 'bogus', ''];
const PRICES = ['0.10', '50', '0.000001', '0.0000001', '-1', '-0', '1e3', '1.', '.5', '01', ' 1', '1,00', 'NaN', 'Infinity', '9'.repeat(400), `0.${'1'.repeat(400)}`, '١٢', 12, null, ''];

/** A query string from pairs (a key may repeat), each value percent-encoded. */
const query = (pairs: [string, string][]): string => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

function randomDefinition(random: Random): Record<string, unknown> {
  const component = (): Record<string, unknown> => {
    const model = random.pick(['unit', 'graduated', 'volume', 'package', 'tiered', '']);
    const c: Record<string, unknown> = { class: random.pick(CLASSES), model };
    if (random.chance(0.7)) c.unitPrice = random.pick(PRICES);
    if (random.chance(0.5)) {
      c.tiers = Array.from({ length: random.pick([0, 1, 3, 51]) }, (_, k) => ({ upTo: random.pick([null, k * 10, -1, 1.5, 2 ** 53, 'x']), unitPrice: random.pick(PRICES) }));
    }
    if (random.chance(0.3)) c.packageSize = random.pick([0, 1, 100, -5, 1.5, 2 ** 60]);
    if (random.chance(0.3)) c.includedUnits = random.pick([0, 10, -1, 2 ** 60]);
    if (random.chance(0.1)) c.extra = true;
    return c;
  };
  return {
    currency: random.pick(['USD', 'EUR', 'usd', 'XXX', '', 'JPY', 1]),
    components: random.chance(0.1) ? 'none' : Array.from({ length: random.between(0, 4) }, component),
    ...(random.chance(0.3) ? { minimumCommitment: random.pick(PRICES) } : {}),
    ...(random.chance(0.3) ? { cap: random.pick(PRICES) } : {}),
  };
}

function randomDialect(random: Random): unknown {
  const fieldPath = () => random.pick(['PID-3', 'PV1-3-1', 'PID-3-4-2', 'MSH-1', 'MSH-2-1', 'pid-3', 'PID-0', 'PID-1000', 'ZZZ-1', '', 'PID-3-4-2-1', nastyString(random, 6)]);
  const uri = () => random.pick(['http://example.org/mrn', 'urn:oid:1.2.3', 'not a uri', 'x:', '', `http://${'a'.repeat(300)}`, nastyString(random, 12)]);
  const parts: Record<string, () => unknown> = {
    timezone: () => random.pick(ZONES),
    identifierSystems: () => ({ mrn: uri(), other: Object.fromEntries(Array.from({ length: random.pick([0, 2, 201]) }, (_, k) => [`AUTH${k}`, uri()])) }),
    patientIdentifier: () => ({ field: random.pick(['PID-2', 'PID-3', 'PID-4', 'PID-5']), typeCode: random.pick(['MR', '', 'x'.repeat(17), nastyString(random, 4)]), assigningAuthority: random.pick(['HOSP', '', nastyString(random, 8)]) }),
    fieldOverrides: () => Array.from({ length: random.pick([1, 3, 201]) }, () => (random.chance(0.5) ? { target: fieldPath(), from: fieldPath() } : { target: fieldPath(), value: random.pick(['x', 'a|b^c', nastyString(random, 10), 'v'.repeat(1_001)]) })),
    codeMaps: () =>
      Array.from({ length: random.pick([1, 2, 51]) }, () => ({
        field: random.pick(['OBX-3', 'OBX-5', 'PID-3', '']),
        map: Object.fromEntries(Array.from({ length: random.pick([1, 3, 50]) }, (_, k) => [`L${k}`, { system: uri(), code: random.pick(['C1', ' C1', '', nastyString(random, 5)]) }])),
      })),
    zSegments: () => [{ segment: random.pick(['ZPI', 'ZZ', 'PID', 'Z12']), field: random.pick([1, 0, 1000, 1.5]), resource: random.pick(['Patient', 'Nope']), url: uri(), valueType: random.pick(['string', 'date', 'integer']) }],
    unknownKey: () => 1,
  };
  if (random.chance(0.1)) return random.pick([null, 'dialect', 1, [], [{}]]);
  const keys = Object.keys(parts).filter(() => random.chance(0.35));
  return Object.fromEntries(keys.map((k) => [k, parts[k]!()]));
}

/** Whether a string in a JSON value (or a key) holds U+0000, or — when `surrogates` (jsonb) — a lone surrogate: what Postgres cannot store. */
const unstorable = (value: unknown, surrogates: boolean): boolean => {
  if (typeof value === 'string') {
    const u = holdsUnstorable(value);
    return u.nul || (surrogates && u.loneSurrogate);
  }
  if (Array.isArray(value)) return value.some((v) => unstorable(v, surrogates));
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => unstorable(k, surrogates) || unstorable(v, surrogates));
  return false;
};

/** Mutations of an HL7 message for the preview (converted in the api process, not the mllp one). */
function mutatedMessage(random: Random, facility: string): string {
  const message = admit(facility, `PV-${random.string(6)}`);
  switch (random.int(5)) {
    case 0:
      return message.slice(0, random.between(1, message.length));
    case 1:
      return message.replace(/\|/g, () => (random.chance(0.1) ? random.pick(['^', '~', '\\', '&', '|||']) : '|'));
    case 2:
      return `${message}\rOBX|1|${random.pick(['NM', 'TX', 'CE', 'XX', ''])}|${random.pick(['2345-7^Glucose^LN', '', '^^^'])}||${random.pick(['5.4', 'abc', '1e999', '-', '', '\\X00\\'])}|${random.pick(['mmol/L', '', '^^'])}`;
    case 3:
      return message.replace('ADT^A01^ADT_A01', random.pick(['ORU^R01', 'VXU^V04', 'SIU^S12', 'MDM^T02', 'ZZZ^Z99', 'ADT', '^A01', 'ADT^A08^ADT_A01']));
    default:
      return nastyString(random, random.between(1, 400), 0.2);
  }
}

export function inputCases(target: InputsTarget, random: Random): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (kind: string, label: string, run: () => Promise<Verdict>) => cases.push({ kind: `inputs/${kind}`, label, run });
  const get = async (path: string, token = target.key) => problemVerdict(await send(target.base, path, { token }));
  const post = async (path: string, body: unknown, token = target.key, method = 'POST') => problemVerdict(await send(target.base, path, { method, token, body }));

  // ---- pinned ----------------------------------------------------------------------------
  add('message-log-before-overflow', 'before=9999999999999999999', () => get(`/v1/connections/${target.logConnectionId}/hl7/messages?before=9999999999999999999`));
  add('nul-in-stored-string', 'plan name with U+0000', () =>
    post('/v1/plans', { name: 'Fuzz\u0000plan', currency: 'USD', components: [{ class: 'fhir.read', model: 'unit', unitPrice: '0.10' }] }, target.adminToken),
  );
  add('nul-in-stored-string', 'message-log controlId=%00', () => get(`/v1/connections/${target.logConnectionId}/hl7/messages?controlId=%00`));
  add('unstorable-dialect', 'patientIdentifier.typeCode with U+0000', () =>
    post(`/v1/connections/${target.dialectConnectionId}`, { dialect: { patientIdentifier: { typeCode: 'M\u0000R' } } }, target.key, 'PATCH'),
  );
  add('csv-export', 'a valid one-day detail export', async () => {
    const res = await send(target.base, `/v1/usage/export.csv?${query([['kind', 'detail'], ['from', '2026-01-01T00:00:00Z'], ['to', '2026-01-02T00:00:00Z']])}`, { token: target.key });
    return res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/csv') ? { outcome: 'accepted', status: '200 text/csv' } : problemVerdict(res);
  });

  // ---- seeded ----------------------------------------------------------------------------
  for (let i = 0; i < 8; i++) {
    const pairs: [string, string][] = [];
    if (random.chance(0.9)) pairs.push(['kind', random.pick(['detail', 'summary', 'Detail', 'all', '', 'detail,summary'])]);
    if (random.chance(0.9)) pairs.push(['from', random.pick(DATES)]);
    if (random.chance(0.9)) pairs.push(['to', random.pick(DATES)]);
    if (random.chance(0.2)) pairs.push(['kind', 'summary']);
    if (random.chance(0.2)) pairs.push([random.pick(['tenantId', 'format', 'delimiter', '__proto__']), random.pick(['x', '00000000-0000-4000-8000-000000000000', ';'])]);
    add('csv-export', query(pairs).slice(0, 90), async () => {
      const res = await send(target.base, `/v1/usage/export.csv?${query(pairs)}`, { token: target.key });
      return res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/csv') ? { outcome: 'accepted', status: '200 text/csv' } : problemVerdict(res);
    });
  }
  for (let i = 0; i < 5; i++) {
    const pairs: [string, string][] = [
      ['from', random.pick(DATES)],
      ['to', random.pick(DATES)],
    ];
    if (random.chance(0.5)) pairs.push(['window', random.pick(['15m', 'hour', 'day', 'week', 'month', 'year', ''])]);
    if (random.chance(0.5)) pairs.push(['groupBy', random.pick(['connection,class', 'nope', ',,,', 'connection', 'class,class,class'])]);
    if (random.chance(0.4)) pairs.push(['timezone', random.pick(ZONES)]);
    if (random.chance(0.3)) pairs.push(['limit', random.pick(['0', '-1', '10001', '1.5', 'x', '1'])]);
    if (random.chance(0.5)) pairs.push(['cursor', random.pick([random.string(random.between(1, 200)), Buffer.from(JSON.stringify({ a: 1 })).toString('base64url'), 'x'.repeat(4_097), '%00', '..'])]);
    add('usage-query', query(pairs).slice(0, 90), () => get(`/v1/usage?${query(pairs)}`));
  }
  for (let i = 0; i < 6; i++) {
    const pairs: [string, string][] = [];
    const n = random.between(1, 3);
    for (let k = 0; k < n; k++) {
      const [key, value] = random.pick<[string, () => string]>([
        ['limit', () => random.pick(['0', '201', '-1', '1e2', '50', 'x'])],
        ['before', () => random.pick(['1', '0', '-1', '9223372036854775807', 'abc', '1.5', ''])],
        ['status', () => random.pick(['received', 'processed', 'nope', ''])],
        ['type', () => random.pick(['ADT^A01', 'ADT', 'adt^a01', 'ADT^A01^ADT_A01', ''])],
        ['controlId', () => random.pick(['FZ1', '', 'x'.repeat(200), '\u202e', '\u0001'])],
        ['from', () => random.pick(DATES)],
        ['to', () => random.pick(DATES)],
        ['patientIdentifier', () => 'MRN1'],
      ])!;
      pairs.push([key, value()]);
    }
    add('message-log', query(pairs).slice(0, 90), () => get(`/v1/connections/${target.logConnectionId}/hl7/messages?${query(pairs)}`));
  }
  for (let i = 0; i < 3; i++) {
    const body = random.pick<unknown>([
      { patientIdentifier: random.pick(['FZ1', ' ', 'x'.repeat(200), 'a\u0001b']) },
      { controlId: nastyString(random, random.between(1, 30), 0.1).replaceAll('\u0000', '') },
      { limit: random.pick([0, 1, 201, '50', null]) },
      { status: ['received'] },
      [],
      'controlId=FZ1',
    ]);
    add('message-search', JSON.stringify(body).slice(0, 90), () => post(`/v1/connections/${target.logConnectionId}/hl7/messages/search`, body));
  }
  for (let i = 0; i < 8; i++) {
    const definition = randomDefinition(random);
    const name = random.pick(['Fuzz plan', '', ' ', 'x'.repeat(121), nastyString(random, 10, 0.2), 7]);
    const body = { name, ...definition };
    add(unstorable(name, false) ? 'nul-in-stored-string' : 'plan', JSON.stringify(body).slice(0, 90), () => post('/v1/plans', body, target.adminToken));
  }
  for (let i = 0; i < 2; i++) {
    const definition = randomDefinition(random);
    add('plan-version', JSON.stringify(definition).slice(0, 90), () => post(`/v1/plans/${target.planId}/versions`, definition, target.adminToken));
  }
  for (let i = 0; i < 5; i++) {
    const body = random.pick<unknown>([
      { usage: Object.fromEntries(CLASSES.filter(() => random.chance(0.4)).map((c) => [c, random.pick([0, 1, 15_000, -1, 1.5, 2 ** 53, 1e300, '10', null])])) },
      { activeConnections: random.pick([0, 3, -1, 2 ** 60]), distinctPatients: random.pick([0, 10, 1.5]) },
      { version: random.pick([0, 1, 2, 999, -1, 'latest']) },
      { usage: 'lots' },
      {},
      [],
    ]);
    add('quote', JSON.stringify(body).slice(0, 90), () => post(`/v1/plans/${random.chance(0.9) ? target.planId : '00000000-0000-4000-8000-000000000000'}/quote`, body, target.adminToken));
  }
  for (let i = 0; i < 7; i++) {
    const dialect = randomDialect(random);
    add(unstorable(dialect, true) ? 'unstorable-dialect' : 'dialect', JSON.stringify(dialect)?.slice(0, 90) ?? 'undefined', () => post(`/v1/connections/${target.dialectConnectionId}`, { dialect }, target.key, 'PATCH'));
  }
  for (let i = 0; i < 6; i++) {
    const body: Record<string, unknown> = {};
    if (random.chance(0.8)) body.message = mutatedMessage(random, target.facility);
    if (random.chance(0.5)) body.dialect = randomDialect(random);
    if (random.chance(0.3)) body.replay = random.pick([1, 5, 0, 1_000, -1, 'all']);
    add('dialect-preview', JSON.stringify(body).slice(0, 90), () => post(`/v1/connections/${target.logConnectionId}/hl7/preview`, body));
  }
  for (const [label, path, token] of [
    ['a plan as CSV', '/v1/plans', target.adminToken],
    ['a dialect preview as CSV', `/v1/connections/${target.logConnectionId}/hl7/preview`, target.key],
  ] as const) {
    const csv = `name,currency,class,model,unitPrice\r\n"Fuzz, plan",USD,fhir.read,unit,0.10\r\n${random.pick(['"unterminated', '=cmd|\' /C calc\'!A0', '\u0000,\u0000', ',,,,'])}`;
    add('csv-body', label, async () => problemVerdict(await send(target.base, path, { method: 'POST', token, body: csv, headers: { 'content-type': random.pick(['text/csv', 'application/json', 'application/x-www-form-urlencoded']) } })));
  }
  return cases;
}
