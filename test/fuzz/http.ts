/**
 * HTTP for the fuzz cases: requests with any body and content type under a timeout,
 * raw requests over a socket (header bytes `fetch` refuses to send), and the rules
 * that classify an answer as a clean refusal in each of the api's error shapes.
 */
import { connect } from 'node:net';
import { CASE_TIMEOUT_MS, type Verdict } from './fuzz-runner';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  body: any;
}

export interface Outgoing {
  method?: string;
  token?: string;
  /** A string or bytes is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends one request to the api and reads the whole answer, or throws after the case timeout. */
export async function send(base: string, path: string, req: Outgoing = {}): Promise<Answer> {
  const raw = req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body);
  const res = await fetch(`${base}${path}`, {
    method: req.method ?? (req.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
      ...(raw ? {} : { 'content-type': 'application/json' }),
      ...req.headers,
    },
    body: req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : JSON.stringify(req.body),
    signal: AbortSignal.timeout(CASE_TIMEOUT_MS - 1_000),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

const is2xx = (status: number) => status >= 200 && status < 300;
export const is4xx = (status: number) => status >= 400 && status < 500;

/** Admin REST: 4xx problem+json with a `code`; 2xx is an acceptance. */
export function problemVerdict(res: Answer): Verdict {
  if (is2xx(res.status)) return { outcome: 'accepted', status: String(res.status) };
  const code = typeof res.body?.code === 'string' ? (res.body.code as string) : undefined;
  if (is4xx(res.status) && code && (res.headers.get('content-type') ?? '').includes('application/problem+json') && res.body.status === res.status) {
    return { outcome: 'refused', status: `${res.status} ${code}` };
  }
  return { outcome: 'bad', status: `${res.status} ${code ?? res.text.slice(0, 80)}` };
}

/** Our error code in an OperationOutcome (`urn:switchboard:error`). */
export const outcomeCode = (body: any): string | undefined =>
  body?.issue?.[0]?.details?.coding?.find((c: { system?: string }) => c.system === 'urn:switchboard:error')?.code as string | undefined;

/** FHIR: 4xx OperationOutcome with our code; 501 not-supported is another clean answer; 2xx an acceptance. */
export function fhirVerdict(res: Answer): Verdict {
  if (is2xx(res.status)) return { outcome: 'accepted', status: String(res.status) };
  const code = res.body?.resourceType === 'OperationOutcome' ? outcomeCode(res.body) : undefined;
  const fhirJson = (res.headers.get('content-type') ?? '').includes('application/fhir+json');
  if (is4xx(res.status) && code && fhirJson) return { outcome: 'refused', status: `${res.status} ${code}` };
  if (res.status === 501 && code === 'not_supported' && res.body.issue[0].code === 'not-supported') return { outcome: 'other', status: '501 not_supported' };
  return { outcome: 'bad', status: `${res.status} ${code ?? res.text.slice(0, 80)}` };
}

const INTERNAL_CODES = new Set(['INTERNAL_SERVER_ERROR', 'internal_error']);

/**
 * GraphQL: a 400 with coded errors (parse, validation, cost, batching), or a 200 whose errors all
 * carry a code that is not an internal error (a resolver refusing its arguments); data and no
 * errors is an acceptance. What the body parser refuses before GraphQL sees it (malformed JSON,
 * 413) is problem+json, as on every route.
 */
export function graphqlVerdict(res: Answer): Verdict {
  if ((res.headers.get('content-type') ?? '').includes('application/problem+json')) return problemVerdict(res);
  const errors = Array.isArray(res.body?.errors) ? (res.body.errors as { extensions?: { code?: unknown } }[]) : undefined;
  const codes = errors?.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : undefined)) ?? [];
  const clean = errors !== undefined && errors.length > 0 && codes.every((c) => c !== undefined && !INTERNAL_CODES.has(c));
  if (res.status === 200 && errors === undefined && res.body?.data) return { outcome: 'accepted', status: '200 data' };
  if ((res.status === 400 || res.status === 200) && clean) return { outcome: 'refused', status: `${res.status} ${[...new Set(codes)].join(',')}` };
  return { outcome: 'bad', status: `${res.status} ${codes.join(',') || res.text.slice(0, 80)} ${String(errors?.[0] && (errors[0] as { message?: string }).message).slice(0, 80)}` };
}

// ---- raw requests -----------------------------------------------------------------------

export interface RawAnswer {
  /** 0 when the socket closed without a status line. */
  status: number;
  /** Header lines as received (names lower-cased), in order. */
  headers: [string, string][];
  body: Buffer;
  /** The server closed the connection (it asked for `Connection: close`, or dropped it). */
  closed: boolean;
}

/**
 * Writes `request` bytes to the api's port and reads until the server closes (requests carry
 * `Connection: close`). For what `fetch` refuses to send: CR, LF or NUL in a header, obs-fold,
 * conflicting framing headers.
 */
export function rawRequest(port: number, request: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, CASE_TIMEOUT_MS - 1_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {
      // a reset after the answer is a close like any other
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, end === -1 ? all.length : end).toString('latin1');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const headers = lines.map((l): [string, string] => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]);
      resolve({ status, headers, body: end === -1 ? Buffer.alloc(0) : all.subarray(end + 4), closed: true });
    });
    socket.write(request);
  });
}
