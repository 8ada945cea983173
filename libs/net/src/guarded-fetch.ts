import type { LookupAddress, LookupOptions } from 'node:dns';
import { request as httpRequest, type Agent, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { CallDeadline } from './call-deadline';
import { endClientSpan, startClientSpan } from './client-span';
import { OutboundError, type OutboundReason } from './outbound-error';
import { parseOutboundUrl } from './outbound-url';
import { checkTarget, type Resolver, type TargetPolicy, type VettedAddress } from './target-policy';

export const DEFAULT_OUTBOUND_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The subset of `RequestInit` the guard supports. Streaming request bodies are left
 * out on purpose: every tenant-facing call (FHIR, token, JWKS, webhook) has a small
 * body that is known up front.
 */
export interface GuardedRequestInit {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: string | Uint8Array | URLSearchParams | null;
  signal?: AbortSignal;
}

export interface GuardedFetchOptions {
  /** Plain http is for the sandbox and local development only. */
  allowHttp?: boolean;
  /** Covers resolution, connect, headers and the whole body. */
  timeoutMs?: number;
  maxBodyBytes?: number;
  resolver?: Resolver;
  /**
   * A pooled agent from `createGuardedAgent`, whose lookup vets every new socket;
   * without one, each call resolves, vets and opens its own connection.
   */
  agent?: Agent;
}

// Statuses whose Response must not carry a body (Fetch standard "null body status"; 1xx never get here).
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * `fetch` for tenant-supplied URLs. The host is vetted against `policy` and the
 * connection is pinned to exactly the vetted addresses, so a DNS answer that changes
 * between check and connect (rebinding) cannot steer it elsewhere. Redirects are
 * returned as they are, never followed: a 3xx `Location` is just another
 * tenant-supplied URL and needs its own check. The body is read completely (up to
 * `maxBodyBytes`) before the promise resolves, so every limit fails here, as an
 * `OutboundError`, rather than later inside `response.json()`.
 *
 * Each call opens its own connection: a pooled socket could have been vetted under
 * a different policy, or not at all.
 */
export async function guardedFetch(
  url: string | URL,
  init: GuardedRequestInit,
  policy: TargetPolicy,
  options: GuardedFetchOptions = {},
): Promise<Response> {
  const reply = await guardedRequest(url, init, policy, options);
  try {
    return toResponse(reply, (init.method ?? 'GET').toUpperCase());
  } catch (cause) {
    // What a Response cannot hold (a status text with control characters, say) is no answer the caller can use.
    throw new OutboundError('invalid_response', { details: { host: new URL(url).hostname }, cause });
  }
}

/** The header lookup of an answer (`Headers.get`'s contract: case-insensitive, repeated values joined, `null` when absent). */
export interface ReplyHeaders {
  get(name: string): string | null;
}

/** An answer read whole, without a WHATWG `Response` around it (what building one and reading its stream back cost shows on the proxy hot path). */
export interface GuardedReply {
  status: number;
  statusText: string;
  headers: RawReplyHeaders;
  body: Buffer;
}

/** The same call as `guardedFetch`, with the same checks and limits, answering a `GuardedReply`. */
export async function guardedRequest(
  url: string | URL,
  init: GuardedRequestInit,
  policy: TargetPolicy,
  options: GuardedFetchOptions = {},
): Promise<GuardedReply> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const parsed = parseOutboundUrl(typeof url === 'string' ? url : url.href, { allowHttp: options.allowHttp ?? false });
  if (!parsed.ok) throw new OutboundError(parsed.reason);
  const target = parsed.url;
  const host = target.hostname;

  const deadline = new CallDeadline(host, timeoutMs, init.signal);
  try {
    if (deadline.ended) throw deadline.error();
    // A pooled agent vets names at connect time; IP literals never reach a lookup, so they are vetted here.
    if (options.agent && isIP(host.replace(/^\[|\]$/g, '')) === 0) {
      return await send(target, init, { agent: options.agent }, { deadline, maxBodyBytes });
    }
    const check = await untilEnded(checkTarget(target, policy, options.resolver), deadline);
    // The deadline may have passed while the check's answer was on its way here.
    if (deadline.ended) throw deadline.error();
    if (!check.ok) {
      throw check.reason === 'dns_failed'
        ? new OutboundError('dns_failed', { details: { host }, cause: check.cause })
        : new OutboundError('target_not_allowed', { details: { host, addressClass: check.addressClass } });
    }
    return await send(target, init, options.agent ? { agent: options.agent } : { addresses: check.addresses }, { deadline, maxBodyBytes });
  } finally {
    deadline.clear();
  }
}

interface SendLimits {
  deadline: CallDeadline;
  maxBodyBytes: number;
}

type Route = { agent: Agent } | { addresses: readonly VettedAddress[] };

function send(target: URL, init: GuardedRequestInit, route: Route, limits: SendLimits): Promise<GuardedReply> {
  const host = target.hostname;
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = requestHeaders(init);
  const body = requestBody(init.body);
  if (body !== undefined) headers['content-length'] = String(body.byteLength);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const span = startClientSpan(target, method, headers);
  let req: ClientRequest;
  try {
    req = request({
      protocol: target.protocol,
      hostname: host.startsWith('[') ? host.slice(1, -1) : host,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method,
      headers,
      ...('agent' in route ? { agent: route.agent } : { agent: false, lookup: pinnedLookup(route.addresses) }),
    });
  } catch (error) {
    // Node refuses some requests before sending anything (a header value with control characters, an invalid method).
    const failure = transportError(error instanceof Error ? error : new Error(String(error)), host, 'connect_failed');
    endClientSpan(span, undefined, failure.reason);
    return Promise.reject(failure);
  }

  return new Promise<GuardedReply>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const fail = (error: OutboundError): void =>
      settle(() => {
        req.destroy();
        endClientSpan(span, undefined, error.reason);
        reject(error);
      });
    limits.deadline.watch(() => fail(limits.deadline.error()));
    req.on('error', (error) => fail(transportError(error, host, 'connect_failed')));
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (declared > limits.maxBodyBytes) {
        fail(new OutboundError('too_large', { details: { host, maxBodyBytes: limits.maxBodyBytes } }));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.byteLength;
        if (received > limits.maxBodyBytes) {
          fail(new OutboundError('too_large', { details: { host, maxBodyBytes: limits.maxBodyBytes } }));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => fail(transportError(error, host, 'response_failed')));
      res.on('close', () => {
        if (!res.complete) fail(new OutboundError('response_failed', { details: { host } }));
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        // Outside 200–599 is no HTTP answer a caller can act on (the WHATWG Response refuses it too).
        if (status < 200 || status > 599) {
          fail(new OutboundError('invalid_response', { details: { host } }));
          return;
        }
        const reply: GuardedReply = { status, statusText: res.statusMessage ?? '', headers: new RawReplyHeaders(res.rawHeaders), body: Buffer.concat(chunks) };
        settle(() => {
          endClientSpan(span, status);
          resolve(reply);
        });
      });
    });
    req.end(body);
  });
}

/**
 * Hands the socket only the vetted addresses, whatever DNS says by now. Node asks
 * for either all addresses (happy eyeballs) or one of a given family.
 */
export function pinnedLookup(addresses: readonly VettedAddress[]): LookupFunction {
  return (_hostname: string, options: LookupOptions, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = addresses.filter((a) => !family || a.family === family);
    const first = usable[0];
    if (first === undefined) {
      callback(Object.assign(new Error('No vetted address of the requested family'), { code: 'ENOTFOUND' }), []);
      return;
    }
    if (options.all) {
      callback(null, usable.map((a): LookupAddress => ({ address: a.address, family: a.family })));
      return;
    }
    callback(null, first.address, first.family);
  };
}

/** Header names lowercased, values trimmed of HTTP whitespace and case-variant names joined, as `Headers` would. */
function headersOf(given: GuardedRequestInit['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    const trimmed = value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
    headers[key] = Object.hasOwn(headers, key) ? `${headers[key]}, ${trimmed}` : trimmed;
  };
  // A plain record (what every caller passes) is read directly: a WHATWG Headers per call was ≈ 1 % of a proxied
  // call's busy time. Node checks the names and values as it sends them. Anything iterable goes through Headers.
  if (given && typeof (given as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    for (const [name, value] of Object.entries(given as Record<string, string>)) add(name, String(value));
  } else {
    new Headers(given).forEach((value, name) => add(name, value));
  }
  return headers;
}

function requestHeaders(init: GuardedRequestInit): Record<string, string> {
  const headers = headersOf(init.headers);
  if (init.body instanceof URLSearchParams && headers['content-type'] === undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  }
  return headers;
}

function requestBody(body: GuardedRequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** The answer's header lines as received (name, value, name, value…), read as `Headers` reads them. */
export class RawReplyHeaders implements ReplyHeaders {
  constructor(readonly lines: readonly string[]) {}

  get(name: string): string | null {
    const wanted = name.toLowerCase();
    let joined: string | null = null;
    for (let i = 0; i + 1 < this.lines.length; i += 2) {
      if (this.lines[i]?.toLowerCase() !== wanted) continue;
      // Headers strips HTTP whitespace (tab, space, CR, LF) only, not every Unicode space.
      const value = (this.lines[i + 1] ?? '').replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
      joined = joined === null ? value : `${joined}, ${value}`;
    }
    return joined;
  }
}

function toResponse(reply: GuardedReply, method: string): Response {
  const headers = new Headers();
  const lines = reply.headers.lines;
  for (let i = 0; i + 1 < lines.length; i += 2) headers.append(lines[i] ?? '', lines[i + 1] ?? '');
  const withoutBody = method === 'HEAD' || NULL_BODY_STATUSES.has(reply.status);
  const body = reply.body;
  return new Response(withoutBody ? null : new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), { status: reply.status, statusText: reply.statusText, headers });
}

export function transportError(error: Error, host: string, fallback: OutboundReason): OutboundError {
  if (error instanceof OutboundError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'SB_TARGET_NOT_ALLOWED') return new OutboundError('target_not_allowed', { details: { host }, cause: error });
  if (code === 'ENOTFOUND') return new OutboundError('dns_failed', { details: { host }, cause: error });
  const reason: OutboundReason = code.startsWith('HPE_')
    ? 'invalid_response'
    : /^ERR_(TLS|SSL)_|CERT|^EPROTO$/.test(code)
      ? 'tls_failed'
      : fallback;
  return new OutboundError(reason, { details: { host }, cause: error });
}

/** Resolution cannot be cancelled, but the caller need not wait for it. */
function untilEnded<T>(work: Promise<T>, deadline: CallDeadline): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    deadline.watch(() => reject(deadline.error()));
    work.then(resolve, (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
  });
}
