import { getEventListeners, once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, Socket, type AddressInfo } from 'node:net';
import { guardedFetch, guardedRequest, type GuardedRequestInit } from './guarded-fetch';
import { OutboundError, type OutboundReason } from './outbound-error';
import { PUBLIC_ONLY_TARGETS, type ResolvedAddress, type Resolver, type TargetPolicy } from './target-policy';

// Only 127.0.0.1 is ever contacted; "public" addresses exist solely inside injected resolvers.
const LOOPBACK_ONLY: TargetPolicy = { allowPrivate: false, allowLoopback: true };
const HTTP = { allowHttp: true };
const TWO_MIB = 2 * 1024 * 1024;

let server: Server;
let base: string;
let port: number;
const received: string[] = [];
/** Waiters for the next request to /hang, resolved with the request the server is holding. */
const hangs: ((req: IncomingMessage) => void)[] = [];
const nextHang = (): Promise<IncomingMessage> => new Promise((resolve) => hangs.push(resolve));

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.url ?? '');
    switch (req.url?.split('?')[0]) {
      case '/echo': {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.end(JSON.stringify({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() }));
        });
        return;
      }
      case '/redirect':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      case '/repeated-headers':
        res.writeHead(200, [
          ['Content-Type', 'text/plain'],
          ['X-Trail', 'one'],
          ['x-trail', ' two '],
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
        ]);
        res.end('é ok');
        return;
      case '/no-content':
        res.writeHead(204).end();
        return;
      case '/hang':
        hangs.shift()?.(req);
        return;
      case '/slow-body':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first byte');
        return;
      case '/big': {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const pump = (): void => {
          while (sent < TWO_MIB) {
            sent += chunk.byteLength;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      case '/big-declared':
        res.writeHead(200, { 'content-length': String(TWO_MIB) });
        res.write('partial');
        return;
      default:
        res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

beforeEach(() => {
  received.length = 0;
});

/** Answers each call with the next list of addresses, repeating the last one. */
function resolverAnswering(...answers: string[][]): jest.Mock<Promise<ResolvedAddress[]>, [string]> {
  let call = 0;
  return jest.fn((_hostname: string) => {
    const answer = answers[Math.min(call++, answers.length - 1)] ?? [];
    return Promise.resolve(answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  });
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OutboundError) return error;
    throw error;
  }
  throw new Error('expected an OutboundError');
}

async function expectReason(promise: Promise<unknown>, reason: OutboundReason): Promise<OutboundError> {
  const error = await failure(promise);
  expect(error.reason).toBe(reason);
  return error;
}

describe('guardedFetch', () => {
  it('calls a loopback server when loopback is allowed and returns a real Response', async () => {
    const response = await guardedFetch(
      `${base}/echo`,
      { method: 'POST', headers: { authorization: 'Bearer t' }, body: new URLSearchParams({ grant_type: 'client_credentials' }) },
      LOOPBACK_ONLY,
      HTTP,
    );
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    const echoed = (await response.json()) as { method: string; headers: Record<string, string>; body: string };
    expect(echoed.method).toBe('POST');
    expect(echoed.body).toBe('grant_type=client_credentials');
    expect(echoed.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(echoed.headers['authorization']).toBe('Bearer t');
    expect(echoed.headers['host']).toBe(`127.0.0.1:${port}`);
  });

  it('answers a GuardedReply whose headers read as Headers reads them, the body whole', async () => {
    const [reply, response] = await Promise.all([
      guardedRequest(`${base}/repeated-headers`, {}, LOOPBACK_ONLY, HTTP),
      guardedFetch(`${base}/repeated-headers`, {}, LOOPBACK_ONLY, HTTP),
    ]);
    expect(reply.status).toBe(200);
    expect(reply.statusText).toBe('OK');
    expect(reply.body.toString('utf8')).toBe('é ok');
    for (const name of ['x-trail', 'X-TRAIL', 'set-cookie', 'content-type', 'absent']) {
      expect(reply.headers.get(name)).toBe(response.headers.get(name));
    }
    expect(reply.headers.get('X-Trail')).toBe('one, two');
    expect(reply.headers.get('absent')).toBeNull();
  });

  it('refuses loopback without allowLoopback, before connecting', async () => {
    const error = await expectReason(guardedFetch(`${base}/echo`, {}, PUBLIC_ONLY_TARGETS, HTTP), 'target_not_allowed');
    expect(error.details).toEqual({ reason: 'target_not_allowed', host: '127.0.0.1', addressClass: 'loopback' });
    await expectReason(guardedFetch(`http://localhost:${port}/echo`, {}, PUBLIC_ONLY_TARGETS, HTTP), 'target_not_allowed');
    expect(received).toEqual([]);
  });

  it('refuses plain http unless allowed, and URLs with credentials', async () => {
    await expectReason(guardedFetch(`${base}/echo`, {}, LOOPBACK_ONLY), 'scheme_not_allowed');
    await expectReason(
      guardedFetch(`http://u:p@127.0.0.1:${port}/echo`, {}, LOOPBACK_ONLY, HTTP),
      'credentials_in_url',
    );
    expect(received).toEqual([]);
  });

  it('keeps the query and credentials out of messages and details', async () => {
    const error = await expectReason(
      guardedFetch(`${base}/echo?access_token=s3cr3t&patient=Pat123`, {}, PUBLIC_ONLY_TARGETS, HTTP),
      'target_not_allowed',
    );
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toMatch(/s3cr3t|Pat123|echo/);
  });

  it('returns redirects as they are instead of following them', async () => {
    const response = await guardedFetch(`${base}/redirect`, {}, LOOPBACK_ONLY, HTTP);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data/');
    expect(received).toEqual(['/redirect']);
  });

  it('gives null-body statuses and HEAD a null body', async () => {
    expect((await guardedFetch(`${base}/no-content`, {}, LOOPBACK_ONLY, HTTP)).body).toBeNull();
    const head = await guardedFetch(`${base}/echo`, { method: 'HEAD' }, LOOPBACK_ONLY, HTTP);
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it('times out on a server that never answers', async () => {
    const error = await expectReason(guardedFetch(`${base}/hang`, {}, LOOPBACK_ONLY, { ...HTTP, timeoutMs: 20 }), 'timeout');
    expect(error.details).toEqual({ reason: 'timeout', host: '127.0.0.1', timeoutMs: 20 });
  });

  describe('with a deadline the test controls', () => {
    afterEach(() => jest.restoreAllMocks());

    it('holds a hanging request open until the deadline, then aborts it with a timeout', async () => {
      // The call's deadline is a timer: the test finds it and runs it, instead of waiting a minute.
      const timers = jest.spyOn(global, 'setTimeout');
      const held = nextHang();
      const result = guardedFetch(`${base}/hang`, {}, LOOPBACK_ONLY, { ...HTTP, timeoutMs: 60_000 }).then(
        () => 'answered',
        (error: unknown) => error,
      );
      let settled = false;
      void result.then(() => {
        settled = true;
      });

      await Promise.race([held, result]);
      expect(settled).toBe(false);
      const deadline = timers.mock.calls.find(([, ms]) => ms === 60_000);
      expect(deadline).toBeDefined();
      const request = await held;
      const closed = new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
      // A full exchange with the same server gives anything that would end the request early (nothing should) its chance.
      expect((await guardedFetch(`${base}/no-content`, {}, LOOPBACK_ONLY, HTTP)).status).toBe(204);
      expect(settled).toBe(false);

      (deadline![0] as () => void)();
      const error = await result;
      expect(error).toBeInstanceOf(OutboundError);
      expect(error).toMatchObject({ reason: 'timeout', details: { host: '127.0.0.1', timeoutMs: 60_000 } });
      // The request is torn down, not left hanging on the server.
      await closed;
    });
  });

  it('times out on a body that stops midway', async () => {
    await expectReason(guardedFetch(`${base}/slow-body`, {}, LOOPBACK_ONLY, { ...HTTP, timeoutMs: 200 }), 'timeout');
  });

  it('times out on a resolver that never answers', async () => {
    const resolver: Resolver = () => new Promise(() => undefined);
    await expectReason(
      guardedFetch(`http://ehr.test:${port}/echo`, {}, LOOPBACK_ONLY, { ...HTTP, timeoutMs: 100, resolver }),
      'timeout',
    );
  });

  it('stops at the caller abort signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expectReason(guardedFetch(`${base}/hang`, { signal: controller.signal }, LOOPBACK_ONLY, HTTP), 'aborted');
  });

  it('caps a streamed body without Content-Length at 1 MiB by default', async () => {
    const error = await expectReason(guardedFetch(`${base}/big`, {}, LOOPBACK_ONLY, HTTP), 'too_large');
    expect(error.details).toMatchObject({ maxBodyBytes: 1024 * 1024 });
  });

  it('refuses a declared Content-Length above the cap without reading the body', async () => {
    await expectReason(guardedFetch(`${base}/big-declared`, {}, LOOPBACK_ONLY, HTTP), 'too_large');
  });

  it('accepts a body under a raised cap', async () => {
    const response = await guardedFetch(`${base}/big`, {}, LOOPBACK_ONLY, { ...HTTP, maxBodyBytes: 4 * TWO_MIB });
    expect((await response.arrayBuffer()).byteLength).toBe(TWO_MIB);
  });

  it('reports resolution failures as dns_failed', async () => {
    const resolver: Resolver = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expectReason(guardedFetch(`http://ehr.test:${port}/echo`, {}, LOOPBACK_ONLY, { ...HTTP, resolver }), 'dns_failed');
  });

  it('refuses an answer a Response cannot hold with invalid_response, not a raw TypeError', async () => {
    const raw = createTcpServer((socket) => socket.end('HTTP/1.1 200 O\x01K\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}')).listen(0, '127.0.0.1');
    await once(raw, 'listening');
    try {
      await expectReason(guardedFetch(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/x`, {}, LOOPBACK_ONLY, HTTP), 'invalid_response');
    } finally {
      raw.close();
    }
  });

  it('sends a record of headers as Headers would: names lowercased, values trimmed, case-variant names joined', async () => {
    const sent = async (headers: GuardedRequestInit['headers']) =>
      ((await (await guardedFetch(`${base}/echo`, { headers }, LOOPBACK_ONLY, HTTP)).json()) as { headers: Record<string, string> }).headers;
    const fromRecord = await sent({ 'X-Note': '  a \t', 'x-note': 'b', Accept: 'application/fhir+json' });
    expect(fromRecord).toMatchObject({ 'x-note': 'a, b', accept: 'application/fhir+json' });
    const fromHeaders = await sent(new Headers([['X-Note', '  a \t'], ['x-note', 'b'], ['Accept', 'application/fhir+json']]));
    expect(fromHeaders).toMatchObject({ 'x-note': 'a, b', accept: 'application/fhir+json' });
  });

  it('clears its deadline and lets go of the caller signal once a call has answered, failed, timed out or was aborted', async () => {
    const caller = new AbortController();
    const started = jest.spyOn(global, 'setTimeout');
    const cleared = jest.spyOn(global, 'clearTimeout');
    try {
      const deadlines = () => started.mock.results.filter((_, i) => started.mock.calls[i]?.[1] === 60_000 || started.mock.calls[i]?.[1] === 20).map((r) => r.value as unknown);
      await guardedFetch(`${base}/echo`, { signal: caller.signal }, LOOPBACK_ONLY, { ...HTTP, timeoutMs: 60_000 });
      await expectReason(guardedFetch(`${base}/big-declared`, { signal: caller.signal }, LOOPBACK_ONLY, { ...HTTP, timeoutMs: 60_000 }), 'too_large');
      await expectReason(guardedFetch(`${base}/hang`, { signal: caller.signal }, LOOPBACK_ONLY, { ...HTTP, timeoutMs: 20 }), 'timeout');
      expect(deadlines()).toHaveLength(3);
      for (const timer of deadlines()) expect(cleared).toHaveBeenCalledWith(timer);
      expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    } finally {
      started.mockRestore();
      cleared.mockRestore();
    }
  });

  it('sends nothing for a caller signal aborted before the call, and stops waiting on a resolver when the caller aborts', async () => {
    const before = received.length;
    const aborted = AbortSignal.abort();
    await expectReason(guardedFetch(`${base}/echo`, { signal: aborted }, LOOPBACK_ONLY, HTTP), 'aborted');
    expect(received.length).toBe(before);
    const caller = new AbortController();
    const resolver: Resolver = () => new Promise(() => undefined);
    setTimeout(() => caller.abort(), 20);
    await expectReason(guardedFetch(`http://ehr.test:${port}/echo`, { signal: caller.signal }, LOOPBACK_ONLY, { ...HTTP, timeoutMs: 60_000, resolver }), 'aborted');
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('refuses a timeout no timer can hold, as AbortSignal.timeout did', async () => {
    for (const timeoutMs of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      await expect(guardedFetch(`${base}/echo`, {}, LOOPBACK_ONLY, { ...HTTP, timeoutMs })).rejects.toThrow(RangeError);
    }
  });

  it('sends a header named like an Object property as given', async () => {
    const echoed = (await (await guardedFetch(`${base}/echo`, { headers: { Constructor: 'x', toString: 'y' } }, LOOPBACK_ONLY, HTTP)).json()) as { headers: Record<string, string> };
    expect(echoed.headers).toMatchObject({ constructor: 'x', tostring: 'y' });
  });

  it('answers a request Node refuses to send (a control character in a header) with an OutboundError', async () => {
    const before = received.length;
    const error = await failure(guardedRequest(`${base}/echo`, { headers: { 'x-note': 'a\x01b' } }, LOOPBACK_ONLY, HTTP));
    expect(error).toBeInstanceOf(OutboundError);
    expect(received.length).toBe(before);
  });

  it('reports a refused connection as connect_failed', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    await expectReason(guardedFetch(`http://127.0.0.1:${closedPort}/`, {}, LOOPBACK_ONLY, HTTP), 'connect_failed');
  });

  describe('DNS rebinding', () => {
    afterEach(() => jest.restoreAllMocks());

    it('connects to the address that was vetted, not to what DNS answers later', async () => {
      // A second lookup would yield ::1, where nothing listens on this port.
      const resolver = resolverAnswering(['127.0.0.1'], ['::1']);
      const response = await guardedFetch(`http://ehr.test:${port}/echo`, {}, LOOPBACK_ONLY, { ...HTTP, resolver });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { headers: Record<string, string> }).headers['host']).toBe(`ehr.test:${port}`);
      expect(resolver).toHaveBeenCalledTimes(1);
      expect(received).toEqual(['/echo']);
    });

    it('never connects to loopback when the name rebinds from public to 127.0.0.1', async () => {
      const resolver = resolverAnswering(['93.184.216.34'], ['127.0.0.1']);
      // Intercept the socket before it dials: record where its lookup would send it, dial nothing.
      const dialled: { host: unknown; addresses: unknown }[] = [];
      jest.spyOn(Socket.prototype, 'connect').mockImplementation(function (this: Socket, ...args: unknown[]) {
        const first = Array.isArray(args[0]) ? (args[0][0] as Record<string, unknown>) : (args[0] as Record<string, unknown>);
        const lookup = first['lookup'] as (h: string, o: object, cb: (e: unknown, a: unknown) => void) => void;
        lookup(String(first['host']), { all: true }, (_error, addresses) => dialled.push({ host: first['host'], addresses }));
        process.nextTick(() => this.destroy(new Error('intercepted before dialling')));
        return this;
      });

      await expectReason(
        guardedFetch(`http://ehr.test:${port}/echo`, {}, PUBLIC_ONLY_TARGETS, { ...HTTP, resolver }),
        'connect_failed',
      );
      expect(resolver).toHaveBeenCalledTimes(1);
      expect(dialled).toEqual([{ host: 'ehr.test', addresses: [{ address: '93.184.216.34', family: 4 }] }]);
      expect(received).toEqual([]);
    });

    it('refuses at connect time when the name already points at loopback', async () => {
      const resolver = resolverAnswering(['127.0.0.1']);
      await expectReason(
        guardedFetch(`http://ehr.test:${port}/echo`, {}, PUBLIC_ONLY_TARGETS, { ...HTTP, resolver }),
        'target_not_allowed',
      );
      expect(received).toEqual([]);
    });
  });
});
