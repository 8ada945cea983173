import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { securityHeaders } from './security-headers';

/** The security headers one request gets from an app trusting `trust` as its proxy. */
async function headersFor(trust: boolean | string, headers: Record<string, string>): Promise<Headers> {
  const app = express();
  app.set('trust proxy', trust);
  app.use(securityHeaders);
  app.get('/', (_req, res) => {
    res.json({});
  });
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers })).headers;
  } finally {
    server.close();
  }
}

describe('securityHeaders', () => {
  it('forbids MIME sniffing and sends no HSTS over plain http', async () => {
    const headers = await headersFor('loopback', {});
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('strict-transport-security')).toBeNull();
  });

  it('sends HSTS when a trusted proxy says the request came over https', async () => {
    expect((await headersFor('loopback', { 'x-forwarded-proto': 'https' })).get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('believes no X-Forwarded-Proto from a peer it does not trust', async () => {
    expect((await headersFor(false, { 'x-forwarded-proto': 'https' })).get('strict-transport-security')).toBeNull();
    expect((await headersFor('10.0.0.0/8', { 'x-forwarded-proto': 'https' })).get('strict-transport-security')).toBeNull();
  });
});
