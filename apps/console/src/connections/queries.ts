import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { gql } from '../api/gql';
import type { ConnectionDetailQuery, ConnectionHealthQuery } from '../api/gql/graphql';
import { graphql } from '../api/graphql';
import type { AssertionAlg, BodyOf, ConnectionStatus, TestReport } from '../api/types';

export const connectionKeys = {
  all: ['connections'] as const,
  list: () => [...connectionKeys.all, 'list'] as const,
  detail: (id: string) => [...connectionKeys.all, 'detail', id] as const,
  /** The detail page's one GraphQL read: the connection with its secrets' metadata and signing keys. */
  overview: (id: string) => [...connectionKeys.detail(id), 'overview'] as const,
  /** The health monitor's state and history alone, re-read while the detail page is open. */
  health: (id: string) => [...connectionKeys.detail(id), 'health'] as const,
  /** The last report this browser saw (the API keeps only the health summary). */
  lastTest: (id: string) => [...connectionKeys.detail(id), 'last-test'] as const,
};

/** The tenant's connections with their health; `refetchIntervalMs` keeps a page that shows health fresh. */
export function useConnections(options: { refetchIntervalMs?: number } = {}) {
  return useQuery({
    queryKey: connectionKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/connections', { signal }).then((r) => r.items),
    refetchInterval: options.refetchIntervalMs,
  });
}

export function useConnection(id: string) {
  return useQuery({ queryKey: connectionKeys.detail(id), queryFn: ({ signal }) => api.get('/v1/connections/{id}', { params: { id }, signal }) });
}

/** The monitor's state of a connection and its transitions (newest first, at most 100): read by the detail page and re-read by the Health card. */
export const ConnectionHealthFieldsFragment = gql(`
  fragment ConnectionHealthFields on Connection {
    health {
      status
      statusSince
      lastCheckAt
      lastCheckError
      errorRate
      recentCalls
      expiresSoon {
        kind
        name
        at
      }
      lastTestedAt
      lastSuccessAt
      lastErrorAt
      lastErrorCode
      tokenExpiresAt
    }
    healthChanges {
      from
      to
      reason
      errorCode
      eventId
      at
    }
  }
`);

/**
 * The connection detail page's data in one GraphQL request: the connection, its secrets
 * (metadata only: never a value) and its signing keys. Typed by codegen (src/api/gql).
 */
export const ConnectionDetailDocument = gql(`
  query ConnectionDetail($id: ID!) {
    connection(id: $id) {
      id
      tenantId
      name
      vendor
      environment
      status
      fhirBaseUrl
      tokenUrl
      athenaPracticeId
      athenaBaseUrl
      departmentIds
      changePollSeconds
      changeReplayMinutes
      athenaEndpoints {
        baseUrl
        tokenUrl
      }
      mllpHost
      mllpPort
      mllpTls
      hl7SendingFacility
      hl7SendingApplication
      hl7AckMode
      hl7Silence
      clientId
      scopes
      authAlg
      clientSecretName
      smartClientId
      smartClientSecretName
      dialect
      ...ConnectionHealthFields
      createdAt
      updatedAt
      secrets {
        name
        version
        fingerprint
        createdAt
        lastUsedAt
      }
      keys {
        kid
        alg
        status
        createdAt
        retiredAt
        jwksUrl
      }
    }
  }
`);

export type ConnectionOverview = ConnectionDetailQuery['connection'];
/** A connection's client-assertion algorithm (the api stores it as text; RS384 unless ES384). */
export const assertionAlgOf = (alg: string | null | undefined): AssertionAlg => (alg === 'ES384' ? 'ES384' : 'RS384');
export type SecretSummary = ConnectionOverview['secrets'][number];
export type SigningKey = ConnectionOverview['keys'][number];

export function useConnectionOverview(id: string) {
  return useQuery({
    queryKey: connectionKeys.overview(id),
    queryFn: ({ signal }) => graphql(ConnectionDetailDocument, { id }, signal).then((r) => r.connection),
  });
}

/**
 * The health monitor's view of one connection: its status, last check, recent error rate,
 * what expires soon, and its transitions (newest first, at most 100).
 */
export const ConnectionHealthDocument = gql(`
  query ConnectionHealth($id: ID!) {
    connection(id: $id) {
      id
      ...ConnectionHealthFields
    }
  }
`);

export type ConnectionHealthView = Pick<ConnectionHealthQuery['connection'], 'health' | 'healthChanges'>;
export type HealthChange = ConnectionHealthView['healthChanges'][number];
/** How often an open detail page re-reads the monitor's state (the worker checks every minute by default). */
export const HEALTH_REFRESH_MS = 30_000;

/**
 * The monitor's state, starting from what the detail read brought (`initial`, read at
 * `initialAt`) and re-read every HEALTH_REFRESH_MS; whichever of the two is newer is shown,
 * so a re-read of the whole page (after a test, say) is not hidden by an older poll.
 */
export function useConnectionHealth(id: string, initial: ConnectionHealthView, initialAt: number): ConnectionHealthView {
  const query = useQuery({
    queryKey: connectionKeys.health(id),
    queryFn: ({ signal }) => graphql(ConnectionHealthDocument, { id }, signal).then((r) => ({ health: r.connection.health, healthChanges: r.connection.healthChanges })),
    initialData: initial,
    initialDataUpdatedAt: initialAt,
    staleTime: HEALTH_REFRESH_MS,
    refetchInterval: HEALTH_REFRESH_MS,
  });
  return query.dataUpdatedAt > initialAt ? query.data : initial;
}

/** The last test report seen in this session (from "Run test" or sandbox provisioning); never fetched. */
export function useLastTestReport(id: string): TestReport | undefined {
  return useQuery<TestReport | null>({
    queryKey: connectionKeys.lastTest(id),
    queryFn: () => null,
    enabled: false,
    staleTime: Infinity,
    gcTime: Infinity,
  }).data ?? undefined;
}

/** athena's create body: practice and client id are needed unless a sandbox connection is left to the one-click wiring. */
export interface AthenaCreateInput {
  vendor: 'athena';
  name: string;
  environment: 'sandbox' | 'production';
  athenaPracticeId?: string;
  clientId?: string;
  athenaBaseUrl?: string;
  tokenUrl?: string;
  departmentIds?: string[];
  changePollSeconds?: number;
  changeReplayMinutes?: number;
}

/** Create body per vendor, as libs/connections' createConnectionSchema accepts it. */
export type CreateConnectionInput =
  | { vendor: 'epic' | 'fhir'; name: string; environment: 'sandbox' | 'production'; fhirBaseUrl?: string; tokenUrl?: string; clientId?: string; smartClientId?: string; scopes?: string[]; authAlg?: AssertionAlg }
  | { vendor: 'oracle'; name: string; environment: 'sandbox' | 'production'; fhirBaseUrl?: string; clientId?: string; smartClientId?: string; scopes?: string[]; clientSecretName?: string }
  | AthenaCreateInput
  | {
      vendor: 'hl7v2';
      name: string;
      environment: 'sandbox' | 'production';
      mllpHost?: string;
      mllpPort?: number;
      mllpTls?: boolean;
      hl7SendingFacility?: string;
      hl7SendingApplication?: string;
      hl7AckMode?: 'original' | 'enhanced' | 'immediate';
    };

/**
 * Creates a connection; an Oracle or athena client secret is then written to the vault
 * (`PUT …/secrets/{clientSecretName}`) and dropped from memory.
 */
export function useCreateConnection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ input, clientSecret }: { input: CreateConnectionInput; clientSecret?: string }) => {
      const created = await api.post('/v1/connections', { body: input });
      let secretError: unknown;
      if (clientSecret) {
        // The connection exists now: a failed secret write is reported, not thrown, so a retry does not create a second one.
        const name = created.clientSecretName ?? 'client_secret';
        await api.put('/v1/connections/{id}/secrets/{name}', { params: { id: created.id, name }, body: { value: clientSecret } }).catch((e: unknown) => {
          secretError = e;
        });
      }
      return { created, secretError };
    },
    onSuccess: ({ created }) => {
      const { provisioning, ...connection } = created;
      client.setQueryData(connectionKeys.detail(created.id), connection);
      if (provisioning) client.setQueryData(connectionKeys.lastTest(created.id), provisioning);
      void client.invalidateQueries({ queryKey: connectionKeys.list() });
    },
  });
}

export function useUpdateConnection(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: Pick<BodyOf<'/v1/connections/{id}', 'patch'>, 'name' | 'fhirBaseUrl' | 'tokenUrl' | 'clientId' | 'scopes' | 'mllpHost' | 'mllpPort' | 'mllpTls' | 'hl7Silence'>) =>
      api.patch('/v1/connections/{id}', { params: { id }, body: patch }),
    onSuccess: (connection) => {
      client.setQueryData(connectionKeys.detail(id), connection);
      void client.invalidateQueries({ queryKey: connectionKeys.overview(id) });
      void client.invalidateQueries({ queryKey: connectionKeys.list() });
    },
  });
}

export function usePutSecret(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ name, value }: { name: string; value: string }) => api.put('/v1/connections/{id}/secrets/{name}', { params: { id, name }, body: { value } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: connectionKeys.overview(id) }),
  });
}

export function useGenerateKey(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (alg: AssertionAlg) => api.post('/v1/connections/{id}/keys', { params: { id }, body: { alg } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: connectionKeys.overview(id) }),
  });
}

export function useRunTest(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.post('/v1/connections/{id}/test', { params: { id } }),
    onSuccess: (report) => {
      client.setQueryData(connectionKeys.lastTest(id), report);
      void client.invalidateQueries({ queryKey: connectionKeys.detail(id), exact: true });
      void client.invalidateQueries({ queryKey: connectionKeys.overview(id) });
      void client.invalidateQueries({ queryKey: connectionKeys.list() });
    },
  });
}

/**
 * Moves a connection to `status`. Going live from draft or disabled passes
 * through testing first, as the lifecycle requires (draft → testing → live).
 */
export function useSetStatus(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ from, to }: { from: ConnectionStatus; to: ConnectionStatus }) => {
      if (to === 'live' && (from === 'draft' || from === 'disabled')) await api.post('/v1/connections/{id}/status', { params: { id }, body: { status: 'testing' } });
      return api.post('/v1/connections/{id}/status', { params: { id }, body: { status: to } });
    },
    onSuccess: (connection) => client.setQueryData(connectionKeys.detail(id), connection),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: connectionKeys.detail(id), exact: true });
      void client.invalidateQueries({ queryKey: connectionKeys.overview(id) });
      void client.invalidateQueries({ queryKey: connectionKeys.list() });
    },
  });
}
