import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeServer {
  url: string;
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * A JSON HTTP server on 127.0.0.1 with a random port. `latencyMs` is read per
 * request so a benchmark can change it while the server runs.
 */
export async function startFakeHttpServer(
  handle: (req: FakeRequest) => FakeResponse,
  latencyMs: () => number,
): Promise<FakeServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      void (async () => {
        const delay = latencyMs();
        if (delay > 0) await sleep(delay);
        let out: FakeResponse;
        try {
          out = handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) });
        } catch {
          out = { status: 500, body: { errors: ['internal error'] } };
        }
        const payload = out.body === undefined ? '' : JSON.stringify(out.body);
        if (res.destroyed) return;
        res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
        res.end(payload);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
