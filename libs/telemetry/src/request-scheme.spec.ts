import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requestScheme } from './request-scheme';

/** What `requestScheme` and Express's own `req.protocol` answer for one request to an app with `trust`. */
async function schemesFor(trust: boolean | string, headers: Record<string, string>): Promise<{ ours: string; express: string }> {
  const app = express();
  app.set('trust proxy', trust);
  app.get('/', (req, res) => {
    res.json({ ours: requestScheme(req), express: req.protocol });
  });
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers });
    return (await res.json()) as { ours: string; express: string };
  } finally {
    server.close();
  }
}

describe('requestScheme', () => {
  it.each([
    [false, {}, 'http'],
    [false, { 'x-forwarded-proto': 'https' }, 'http'],
    [true, {}, 'http'],
    [true, { 'x-forwarded-proto': 'https' }, 'https'],
    [true, { 'x-forwarded-proto': 'https, http' }, 'https'],
    ['loopback', { 'x-forwarded-proto': 'https' }, 'https'],
    ['10.0.0.0/8', { 'x-forwarded-proto': 'https' }, 'http'],
  ] as const)('with trust proxy %p and headers %p answers %p, as req.protocol does', async (trust, headers, expected) => {
    const { ours, express: theirs } = await schemesFor(trust, headers);
    expect(ours).toBe(expected);
    expect(theirs).toBe(expected);
  });
});
