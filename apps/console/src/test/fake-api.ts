import type { ConsoleSession, Connection, Role } from '../api/types';
import type { HealthChange, SecretSummary, SigningKey } from '../connections/queries';

/** A request the console sent, as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** `raw`: a body sent as it is (NDJSON files), instead of `body` as JSON. */
type Reply = { status: number; body?: unknown; raw?: string; headers?: Record<string, string> };
type Handler = (req: SeenRequest) => Reply | Promise<Reply>;

export const json = (status: number, body?: unknown, headers: Record<string, string> = {}): Reply => ({ status, body, headers });
/** An RFC 7807 answer shaped like libs/http's toProblem. */
export const problem = (status: number, code: string, title: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Reply => ({
  status,
  body: { type: `https://switchboard.dev/problems/${code}`, title, status, code, ...extra },
  headers: { 'content-type': 'application/problem+json', ...headers },
});

/**
 * A tiny in-memory HTTP server for component tests: handlers keyed by
 * "METHOD /path" (path without the query; `:param` segments match anything),
 * every request recorded, anything unrouted answered 404 not_found.
 */
export function createFakeApi() {
  const routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  const requests: SeenRequest[] = [];

  const on = (method: string, path: string, handler: Handler | Reply) => {
    const pattern = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[a-zA-Z]+/g, '[^/]+')}$`);
    routes.unshift({ method, pattern, handler: typeof handler === 'function' ? handler : () => handler });
  };

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://console.test');
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const req: SeenRequest = {
      method: (init.method ?? 'GET').toUpperCase(),
      path: url.pathname + url.search,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(req);
    const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    const reply = route ? await route.handler(req) : problem(404, 'not_found', 'No such route');
    const body = reply.raw ?? (reply.body === undefined ? null : JSON.stringify(reply.body));
    return new Response(reply.status === 204 ? null : body, {
      status: reply.status,
      headers: { 'content-type': 'application/json', ...reply.headers },
    });
  };

  /** GraphQL operations by name, answered on POST /graphql as `{ data }` (an unknown operation: a GraphQL error). */
  const operations = new Map<string, (variables: Record<string, unknown>) => unknown>();
  const onOperation = (name: string, handler: (variables: Record<string, unknown>) => unknown) => {
    if (operations.size === 0) {
      on('POST', '/graphql', (req) => {
        const { query, variables } = req.body as { query: string; variables?: Record<string, unknown> };
        const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? '';
        const handle = operations.get(name);
        return handle ? json(200, { data: handle(variables ?? {}) }) : json(200, { data: null, errors: [{ message: `No such operation ${name}`, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
      });
    }
    operations.set(name, handler);
  };

  return {
    on,
    onOperation,
    fetch,
    requests,
    sent: (method: string, path: string) => requests.filter((r) => r.method === method && r.path.split('?')[0] === path),
    /** The variables of each GraphQL request for `operation`. */
    operationsSent: (operation: string) =>
      requests
        .filter((r) => r.method === 'POST' && r.path === '/graphql')
        .map((r) => r.body as { query: string; variables: Record<string, unknown> })
        .filter((b) => new RegExp(`^\\s*(?:query|mutation)\\s+${operation}\\b`).test(b.query)),
  };
}
export type FakeApi = ReturnType<typeof createFakeApi>;

/** What /me answers for each role (libs/core/src/roles.ts). */
const ROLE_SCOPES: Record<Role, string[]> = {
  owner: ['admin:tenant', 'admin:users', 'admin:api-keys', 'admin:oauth-clients', 'admin:connections', 'connections:go-live', 'admin:webhooks', 'usage:read', 'audit:read'],
  admin: ['admin:users', 'admin:api-keys', 'admin:oauth-clients', 'admin:connections', 'connections:go-live', 'admin:webhooks', 'usage:read', 'audit:read'],
  developer: ['admin:api-keys', 'admin:oauth-clients', 'admin:connections', 'admin:webhooks', 'usage:read'],
  finance: ['usage:read'],
  viewer: ['connections:read', 'webhooks:read'],
};

export function sessionFor(role: Role, overrides: Partial<ConsoleSession> = {}): ConsoleSession {
  return {
    user: { id: 'u-1', email: `${role}@mercy.example`, name: `A ${role}` },
    tenant: { id: 't-1', name: 'Mercy Health', slug: 'mercy' },
    role,
    phi: false,
    scopes: ROLE_SCOPES[role],
    csrfToken: `csrf-${role}`,
    ...overrides,
  };
}

/** What /me answers for an operator user: no tenant, no tenant scopes. */
export function operatorSession(overrides: Partial<ConsoleSession> = {}): ConsoleSession {
  return {
    user: { id: 'op-1', email: 'operator@switchboard.local', name: 'Switchboard operator' },
    tenant: null,
    role: 'operator',
    phi: false,
    scopes: [],
    csrfToken: 'csrf-operator',
    ...overrides,
  };
}

export function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    id: '3f1c2a9e-0000-4000-8000-000000000001',
    tenantId: 't-1',
    name: 'St. Mary’s Epic',
    vendor: 'epic',
    environment: 'sandbox',
    status: 'draft',
    fhirBaseUrl: 'https://fhir.stmarys.example/api/FHIR/R4',
    tokenUrl: null,
    athenaPracticeId: null,
    athenaBaseUrl: null,
    departmentIds: [],
    changePollSeconds: null,
    changeReplayMinutes: null,
    athenaEndpoints: null,
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
    clientId: 'client-123',
    scopes: ['system/Patient.rs'],
    authAlg: 'RS384',
    clientSecretName: null,
    dialect: null,
    bulkGroupIds: [],
    smartClientId: null,
    smartClientSecretName: null,
    bulkGroupWindowHours: null,
    health: { status: 'unknown', statusSince: null, lastCheckAt: null, lastCheckError: null, errorRate: 0, recentCalls: 0, expiresSoon: [], lastTestedAt: null, lastSuccessAt: null, lastErrorAt: null, lastErrorCode: null, tokenExpiresAt: null },
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    ...overrides,
  };
}

/** A secret's metadata as the GraphQL `Connection.secrets` field answers it. */
export const secretSummary = (overrides: Partial<SecretSummary> = {}): SecretSummary => ({
  name: 'client_secret',
  version: 1,
  fingerprint: 'sha256:ab12',
  createdAt: '2026-12-01T10:00:00.000Z',
  lastUsedAt: null,
  ...overrides,
});

/** One health monitor transition as `Connection.healthChanges` answers it. */
export const healthChange = (overrides: Partial<HealthChange> = {}): HealthChange => ({
  from: 'healthy',
  to: 'degraded',
  reason: 'check_failed',
  errorCode: 'http_500',
  eventId: '0b6f2c1e-0000-4000-8000-0000000000e1',
  at: '2026-12-03T09:30:05.000Z',
  ...overrides,
});

type DetailFixture = { connection: Connection; secrets?: SecretSummary[]; keys?: SigningKey[]; healthChanges?: HealthChange[] };

/**
 * Answers the detail page's `ConnectionDetail` GraphQL query (connection, secrets, keys, health
 * history) and the health card's `ConnectionHealth` re-read from fixtures; `read` runs per
 * request, so a test can change what the next read returns.
 */
export function serveConnectionDetail(api: FakeApi, read: (id: string) => DetailFixture) {
  api.onOperation('ConnectionDetail', (variables) => {
    const { connection: c, secrets = [], keys = [], healthChanges = [] } = read(String(variables.id));
    return { connection: { ...c, dialect: c.dialect ?? {}, secrets, keys, healthChanges } };
  });
  api.onOperation('ConnectionHealth', (variables) => {
    const { connection: c, healthChanges = [] } = read(String(variables.id));
    return { connection: { id: c.id, health: c.health, healthChanges } };
  });
}
