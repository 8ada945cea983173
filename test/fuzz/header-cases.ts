/**
 * Header injection and oversized headers, written as raw bytes on a socket (fetch refuses CR,
 * LF and NUL in values): X-Request-Id (echoed by every answer) and Idempotency-Key (FHIR
 * creates) with CR/LF, bare CR or LF, obs-fold, NUL and high bytes; huge and numerous headers;
 * conflicting framing headers. Node's parser must refuse what is malformed (400/431), and what
 * reaches the api must come back with a well-formed request id and no injected header.
 */
import type { FuzzCase, Verdict } from './fuzz-runner';
import { note } from './fhir-cases';
import { outcomeCode, rawRequest, type RawAnswer } from './http';
import type { Random } from './prng';

export interface HeadersTarget {
  port: number;
  key: string;
  connectionId: string;
  patientId: string;
}

/** The api's rule for a request id it echoes (libs/telemetry/src/request-id.ts). */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Header names the injections try to smuggle into the answer. */
const INJECTED = ['set-cookie', 'x-injected', 'idempotent-replayed', 'location'];

type Header = [string, string];

/** Node's default --max-http-header-size: larger headers are refused with 431 (or the socket reset). */
const MAX_HEADER_BYTES = 16 * 1024;

/** A request as bytes: header values are written byte for byte (latin1). */
function request(method: string, path: string, headers: Header[], body?: string): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers.map(([k, v]) => `${k}: ${v}`)];
  const bodyBytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body, 'utf8');
  if (body !== undefined && !headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) lines.push(`Content-Length: ${bodyBytes.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bodyBytes]);
}

const header = (answer: RawAnswer, name: string): string | undefined => answer.headers.find(([k]) => k === name)?.[1];

/**
 * Node's own refusal (400/431 before the api saw the request), or the api's answer with a
 * sanitized echo: a well-formed x-request-id (the one sent, when it was well formed) and none
 * of the injected headers.
 */
function verdictOf(answer: RawAnswer, sentRequestId: string | undefined, injectedBefore: readonly string[] = []): Verdict {
  if (answer.status === 0) return { outcome: 'bad', status: 'closed without an answer' };
  const requestId = header(answer, 'x-request-id');
  if (requestId === undefined) {
    return answer.status === 400 || answer.status === 431 ? { outcome: 'refused', status: `${answer.status} (node)` } : { outcome: 'bad', status: `${answer.status} without x-request-id` };
  }
  if (!WELL_FORMED_REQUEST_ID.test(requestId)) return { outcome: 'bad', status: `x-request-id echoed unsanitized: ${JSON.stringify(requestId.slice(0, 60))}` };
  if (sentRequestId !== undefined && WELL_FORMED_REQUEST_ID.test(sentRequestId) && requestId !== sentRequestId) return { outcome: 'bad', status: 'a well-formed x-request-id was not echoed' };
  const injected = answer.headers.filter(([k, v]) => INJECTED.includes(k) && !injectedBefore.includes(k) && /pwn|injected/i.test(v));
  if (injected.length > 0) return { outcome: 'bad', status: `injected header in the answer: ${injected.map(([k]) => k).join(', ')}` };
  if (answer.status >= 500) return { outcome: 'bad', status: String(answer.status) };
  if (answer.status >= 200 && answer.status < 300) return { outcome: 'accepted', status: `${answer.status}, id echoed sanitized` };
  const contentType = header(answer, 'content-type') ?? '';
  const shaped = contentType.includes('application/problem+json') || contentType.includes('application/fhir+json') || contentType.includes('application/json');
  return shaped ? { outcome: 'refused', status: `${answer.status}` } : { outcome: 'bad', status: `${answer.status} ${contentType}` };
}

/** Values that try to end the header line and start another, or otherwise break the line. */
function injection(random: Random): { label: string; value: string } {
  const id = random.string(random.between(1, 20));
  return random.pick([
    { label: 'CRLF + Set-Cookie', value: `${id}\r\nSet-Cookie: pwn=1` },
    { label: 'CRLF + X-Injected', value: `${id}\r\nX-Injected: pwned` },
    { label: 'bare CR', value: `${id}\rX-Injected: pwned` },
    { label: 'bare LF', value: `${id}\nX-Injected: pwned` },
    { label: 'obs-fold', value: `${id}\r\n X-Injected: pwned` },
    { label: 'NUL', value: `${id}\u0000pwned` },
    { label: 'percent-encoded CRLF', value: `${id}%0d%0aX-Injected:%20pwned` },
    { label: 'high bytes', value: `${id}\u00ff\u00fe\u0085` },
    { label: 'UTF-8 bytes of U+2028', value: `${id}\u00e2\u0080\u00a8X-Injected: pwned` },
    { label: 'tab and spaces', value: `\t ${id} \t` },
    { label: 'well formed', value: id },
    { label: '65 characters', value: 'a'.repeat(65) },
    { label: 'quotes and angle brackets', value: `"><script>${id}</script>` },
  ]);
}

export function headerCases(target: HeadersTarget, random: Random): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (kind: string, label: string, run: () => Promise<Verdict>) => cases.push({ kind: `headers/${kind}`, label, run });
  const auth: Header = ['Authorization', `Bearer ${target.key}`];
  const routes: { label: string; method: string; path: string; headers: Header[]; body?: () => string }[] = [
    { label: 'GET /health', method: 'GET', path: '/health', headers: [] },
    { label: 'GET /v1/connections', method: 'GET', path: '/v1/connections', headers: [auth] },
    { label: 'GET /v1/connections (no key)', method: 'GET', path: '/v1/connections', headers: [] },
    { label: 'POST /graphql', method: 'POST', path: '/graphql', headers: [auth, ['Content-Type', 'application/json']], body: () => '{"query":"{ viewer { actorType } }"}' },
    { label: 'GET FHIR metadata', method: 'GET', path: `/fhir/r4/${target.connectionId}/metadata`, headers: [auth] },
  ];
  const createPath = `/fhir/r4/${target.connectionId}/DocumentReference`;
  const fhirHeaders: Header[] = [auth, ['Content-Type', 'application/fhir+json']];
  const noteBody = (text: string) => JSON.stringify(note(target.patientId, text));

  // ---- X-Request-Id ----------------------------------------------------------------------
  for (let i = 0; i < 10; i++) {
    const route = random.pick(routes);
    const { label, value } = injection(random);
    add('request-id', `${route.label}, X-Request-Id ${label}`, async () =>
      verdictOf(await rawRequest(target.port, request(route.method, route.path, [...route.headers, ['X-Request-Id', value]], route.body?.())), value),
    );
  }
  add('request-id', 'two X-Request-Id headers', async () =>
    verdictOf(await rawRequest(target.port, request('GET', '/health', [['X-Request-Id', 'first-id'], ['X-Request-Id', 'second-id']])), undefined),
  );

  // ---- Idempotency-Key (FHIR create) ----------------------------------------------------
  for (let i = 0; i < 6; i++) {
    const { label, value } = random.pick([
      injection(random),
      { label: '256 characters', value: 'k'.repeat(256) },
      { label: 'a space inside', value: 'key with space' },
      { label: 'empty', value: '' },
      { label: 'visible ASCII', value: `k-${random.string(12)}!#$%&'*+.^_|~` },
    ]);
    add('idempotency-key', `Idempotency-Key ${label}`, async () => {
      const body = noteBody(`Synthetic fuzz note ${random.string(8)}.`);
      const first = await rawRequest(target.port, request('POST', createPath, [...fhirHeaders, ['Idempotency-Key', value]], body));
      const verdict = verdictOf(first, undefined, []);
      if (verdict.outcome === 'refused' && header(first, 'x-request-id') !== undefined) {
        const outcome = JSON.parse(first.body.toString('utf8') || '{}') as unknown;
        return outcomeCode(outcome) ? { outcome: 'refused', status: `${first.status} ${outcomeCode(outcome)}` } : { outcome: 'bad', status: `${first.status} without an OperationOutcome` };
      }
      if (verdict.outcome !== 'accepted') return verdict;
      // Accepted: the same key and body replay the stored answer.
      const again = await rawRequest(target.port, request('POST', createPath, [...fhirHeaders, ['Idempotency-Key', value]], body));
      const ids = [first, again].map((a) => (JSON.parse(a.body.toString('utf8')) as { id?: string }).id);
      return again.status === 201 && header(again, 'idempotent-replayed') === 'true' && ids[0] === ids[1]
        ? { outcome: 'accepted', status: '201, replayed once' }
        : { outcome: 'bad', status: `replay answered ${again.status} (${String(header(again, 'idempotent-replayed'))})` };
    });
  }

  // ---- size ------------------------------------------------------------------------------
  for (let i = 0; i < 3; i++) {
    const size = random.pick([8 * 1024, 15 * 1024, 17 * 1024, 64 * 1024, 1024 * 1024]);
    const name = random.pick(['X-Request-Id', 'X-Fuzz', 'Authorization', 'Cookie', 'Idempotency-Key']);
    add('huge-header', `one ${name} of ${size} bytes`, async () => {
      const answer = await rawRequest(target.port, request('GET', '/v1/connections', [auth, [name, 'a'.repeat(size)]]));
      // Past Node's 16 KiB header limit the socket is destroyed while the client still writes: a reset is the refusal.
      if (answer.status === 0 && size > MAX_HEADER_BYTES) return { outcome: 'other', status: 'reset (over the header limit)' };
      return verdictOf(answer, undefined);
    });
  }
  for (let i = 0; i < 2; i++) {
    const count = random.pick([100, 1_000, 2_500, 10_000]);
    add('many-headers', `${count} headers`, async () => {
      const bytes = request('GET', '/v1/connections', [auth, ...Array.from({ length: count }, (_, k): Header => [`X-F${k}`, 'v'])]);
      const answer = await rawRequest(target.port, bytes);
      if (answer.status === 0 && bytes.length > MAX_HEADER_BYTES) return { outcome: 'other', status: 'reset (over the header limit)' };
      return verdictOf(answer, undefined);
    });
  }

  // ---- framing ---------------------------------------------------------------------------
  const framing: [string, Header[], string][] = [
    ['two different Content-Length', [['Content-Length', '2'], ['Content-Length', '3']], '{}x'],
    ['Transfer-Encoding and Content-Length', [['Transfer-Encoding', 'chunked'], ['Content-Length', '2']], '2\r\n{}\r\n0\r\n\r\n'],
    ['Transfer-Encoding: xchunked', [['Transfer-Encoding', 'xchunked']], '{}'],
    ['a negative Content-Length', [['Content-Length', '-1']], '{}'],
    ['a malformed chunk size', [['Transfer-Encoding', 'chunked']], 'zz\r\n{}\r\n0\r\n\r\n'],
    ['a space before the colon', [['Content-Length ', '2']], '{}'],
  ];
  for (const [label, extra, body] of framing.filter(() => random.chance(0.7))) {
    add('framing', label, async () => verdictOf(await rawRequest(target.port, request('POST', '/graphql', [auth, ['Content-Type', 'application/json'], ...extra], body)), undefined));
  }
  return cases;
}
