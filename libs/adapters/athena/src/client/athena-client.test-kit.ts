import { CursorCodec, InMemoryRequestBudget, TokenCache, VendorHttpClient, type AdapterContext, type RequestBudget } from '@sb/adapters/contracts';
import type { Connection } from '@sb/db';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the scripted server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface ScriptedReply {
  status?: number;
  body?: unknown;
  /** Sent as is (no JSON encoding). */
  raw?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

/**
 * A local athena stand-in for the client's unit specs: every request is recorded and
 * answered by the test's handler (the token endpoint answers a fresh token unless the
 * handler says otherwise).
 */
export class ScriptedAthena {
  readonly seen: SeenRequest[] = [];
  handler: (req: SeenRequest) => ScriptedReply | undefined = () => undefined;
  private server!: Server;
  url = '';
  private tokens = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.seen.push(seen);
        const reply = this.handler(seen) ?? this.defaultReply(seen);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
          res.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/athena`;
    return this;
  }

  private defaultReply(req: SeenRequest): ScriptedReply {
    if (req.path.endsWith('/oauth2/v1/token')) return { body: { access_token: `tok-${++this.tokens}`, expires_in: '3600' } };
    return { status: 404, raw: '\n\n{"error":"The requested resource does not exist."}' };
  }

  tokenRequests(): SeenRequest[] {
    return this.seen.filter((r) => r.path.endsWith('/oauth2/v1/token'));
  }

  apiRequests(): SeenRequest[] {
    return this.seen.filter((r) => !r.path.endsWith('/oauth2/v1/token'));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** An athena connection on the scripted server (practice 195900 unless overridden). */
export function athenaConnection(baseUrl: string, fields: Partial<Connection> = {}): Connection {
  return {
    id: randomUUID(),
    tenantId: randomUUID(),
    name: 'athena unit',
    vendor: 'athena',
    environment: 'sandbox',
    status: 'live',
    fhirBaseUrl: null,
    tokenUrl: null,
    athenaPracticeId: '195900',
    athenaBaseUrl: baseUrl,
    athenaDepartmentIds: [],
    athenaPollSeconds: null,
    athenaReplayMinutes: null,
    mllpHost: null,
    mllpPort: null,
    mllpTls: false,
    mllpClientCertSecretName: null,
    mllpCaSecretName: null,
    mllpPinnedCertSha256: null,
    hl7SendingFacility: null,
    hl7SendingApplication: null,
    hl7AckMode: 'original',
    hl7Silence: null,
    clientId: 'unit-client',
    scopes: [],
    authAlg: null,
    clientSecretName: 'client_secret',
    bulkGroupIds: [],
    bulkGroupWindowHours: null,
    smartClientId: null,
    smartClientSecretName: null,
    dialect: { requestsPerSecond: 1000, tokensPerMinute: 100 },
    lastTestedAt: null,
    lastSuccessAt: null,
    lastErrorAt: null,
    lastErrorCode: null,
    tokenExpiresAt: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...fields,
  };
}

/** The context the gateway would give an athena adapter, on a real VendorHttpClient. */
export function athenaContext(connection: Connection, options: { timeoutMs?: number; budget?: RequestBudget; tokens?: TokenCache } = {}): AdapterContext {
  const unused = (): Promise<never> => Promise.reject(new Error('not used'));
  const base = connection.athenaBaseUrl ?? '';
  return {
    connection,
    http: new VendorHttpClient({ baseUrl: base, extraOrigins: [base], policy: { allowPrivate: false, allowLoopback: true }, allowHttp: true, timeoutMs: options.timeoutMs ?? 2_000 }),
    tokens: options.tokens ?? new TokenCache(),
    credentials: { signingKey: unused, clientSecret: () => Promise.resolve(Buffer.from('s3cret:with/odd chars', 'utf8')) },
    cursors: new CursorCodec(randomBytes(32)),
    budget: options.budget ?? new InMemoryRequestBudget(),
    store: { find: unused, search: unused, save: unused },
    hl7Outbox: { enqueue: unused },
  };
}
