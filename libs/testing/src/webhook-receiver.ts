import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** When its body had arrived: epoch ms with sub-millisecond precision (`epochMsNow`). */
  receivedAtMs: number;
}

/** What the receiver answers for one request: a status (headers, body), after an optional delay; `hang` never answers. */
export type WebhookReply = { status: number; delayMs?: number; headers?: Record<string, string>; body?: string | Buffer } | 'hang';

export interface WebhookReceiver {
  url: (path: string) => string;
  received: ReceivedWebhook[];
  /** Resolves once `predicate` holds for what was received, or rejects after `timeoutMs`. */
  waitFor: (predicate: (received: readonly ReceivedWebhook[]) => boolean, timeoutMs?: number) => Promise<void>;
  close: () => Promise<void>;
}

/** Epoch milliseconds, finer than `Date.now()`: latencies of a few ms are not rounded to whole ones. */
export const epochMsNow = (): number => performance.timeOrigin + performance.now();

/** A real HTTP endpoint for webhook tests and benchmarks: records every request, answers per `reply`. */
export async function startWebhookReceiver(reply: (path: string, body: string) => WebhookReply = () => ({ status: 200 })): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body, receivedAtMs: epochMsNow() });
      const answer = reply(path, body);
      if (answer === 'hang') return;
      const send = () => res.writeHead(answer.status, answer.headers ?? {}).end(answer.body);
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    waitFor: async (predicate, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met in ${timeoutMs} ms (${received.length} received)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
