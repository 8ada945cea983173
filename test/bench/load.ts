import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  throughputPerSec: number;
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number): number => Math.round(n * 1000) / 1000;

/** Sends `total` requests with `concurrency` in flight on keep-alive sockets; latency per request from hrtime. */
export async function runLoad(make: (i: number) => LoadRequest, total: number, concurrency: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const one = (req: LoadRequest) =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const url = new URL(req.url);
      const r = request({ hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: req.method, headers: req.headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          if ((res.statusCode ?? 500) >= 400) errors += 1;
          resolve();
        });
      });
      r.on('error', () => {
        errors += 1;
        resolve();
      });
      r.end(req.body);
    });
  const startedAt = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await one(make(next++));
    }),
  );
  const elapsedSec = Number(process.hrtime.bigint() - startedAt) / 1e9;
  agent.destroy();
  latencies.sort((x, y) => x - y);
  return { requests: total, errors, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), throughputPerSec: Math.round(total / elapsedSec) };
}
