import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface FakeFhirServer {
  baseUrl: string;
  tokenUrl: string;
  /** Registers a client the way a hospital does: by its id and JWKS URL. */
  registerClient: (clientId: string, jwksUrl: string) => void;
  /** Registers a system account that authenticates with client_secret_basic. */
  registerSecretClient: (clientId: string, secret: string) => void;
  tokensIssued: () => number;
  close: () => Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => resolve(body));
  });

/**
 * A minimal SMART Backend Services FHIR server for tests that need a live peer
 * before the sandbox EHRs exist: discovery, a CapabilityStatement, and a token
 * endpoint that verifies client assertions against the client's registered JWKS
 * URL, fetched over HTTP as a real EHR does.
 */
export async function startFakeFhirServer(): Promise<FakeFhirServer> {
  const clients = new Map<string, string>();
  const secretClients = new Map<string, string>();
  let issued = 0;
  let origin = '';
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    void (async () => {
      if (req.method === 'GET' && req.url === '/fhir/.well-known/smart-configuration') {
        return send(200, {
          token_endpoint: `${origin}/token`,
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
          token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
        });
      }
      if (req.method === 'GET' && req.url === '/fhir/metadata') {
        return send(200, { resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', status: 'active', kind: 'instance' });
      }
      if (req.method === 'POST' && req.url === '/token') {
        const form = new URLSearchParams(await readBody(req));
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (basic) {
          const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent);
          if (!id || secretClients.get(id) !== secret) return send(401, { error: 'invalid_client' });
          issued += 1;
          return send(200, { access_token: `fake-token-${issued}`, token_type: 'bearer', expires_in: 570, scope: form.get('scope') ?? '' });
        }
        const assertion = form.get('client_assertion') ?? '';
        const claimedClient = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString() || '{}') as { iss?: string };
        const jwksUrl = clients.get(claimedClient.iss ?? '');
        if (!jwksUrl) return send(401, { error: 'invalid_client' });
        try {
          await jwtVerify(assertion, createRemoteJWKSet(new URL(jwksUrl)), { audience: `${origin}/token`, issuer: claimedClient.iss, algorithms: ['RS384', 'ES384'] });
        } catch {
          return send(401, { error: 'invalid_client' });
        }
        issued += 1;
        return send(200, { access_token: `fake-token-${issued}`, token_type: 'bearer', expires_in: 300, scope: form.get('scope') ?? 'system/*.rs' });
      }
      return send(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${origin}/fhir`,
    tokenUrl: `${origin}/token`,
    registerClient: (clientId, jwksUrl) => clients.set(clientId, jwksUrl),
    registerSecretClient: (clientId, secret) => secretClients.set(clientId, secret),
    tokensIssued: () => issued,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
