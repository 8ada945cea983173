/**
 * The proxy bench's floor: a bare reverse proxy as its own process — `node:http` in, an
 * undici keep-alive pool out — that forwards a FHIR call to the sandbox EHR with a fixed
 * bearer token and streams the answer back. No auth, metering, tracing or logging.
 * Run as `node bare-proxy.js <target base URL> <token>`; prints its port on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const [target, token] = process.argv.slice(2);
if (!target || !token) throw new Error('usage: bare-proxy <target base URL> <token>');
const base = new URL(target);
const pool = new Pool(base.origin, { connections: 16 });
const basePath = base.pathname.replace(/\/$/, '');

const server = createServer((req, res) => {
  pool
    .request({ method: 'GET', path: `${basePath}${req.url ?? '/'}`, headers: { authorization: `Bearer ${token}`, accept: req.headers.accept ?? 'application/fhir+json' } })
    .then(({ statusCode, headers, body }) => {
      res.writeHead(statusCode, { 'content-type': String(headers['content-type'] ?? 'application/fhir+json') });
      body.pipe(res);
    })
    .catch(() => res.writeHead(502).end());
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => void pool.close().then(() => process.exit(0))));
