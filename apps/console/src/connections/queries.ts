import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '../api/client';
import type { AssertionAlg, Connection, ConnectionKey, ConnectionStatus, CreatedConnection, Items, SecretMetadata, TestReport } from '../api/types';

export const connectionKeys = {
  all: ['connections'] as const,
  list: () => [...connectionKeys.all, 'list'] as const,
  detail: (id: string) => [...connectionKeys.all, 'detail', id] as const,
  secrets: (id: string) => [...connectionKeys.detail(id), 'secrets'] as const,
  keys: (id: string) => [...connectionKeys.detail(id), 'keys'] as const,
  /** The last report this browser saw (the API keeps only the health summary). */
  lastTest: (id: string) => [...connectionKeys.detail(id), 'last-test'] as const,
};

const path = (id: string, rest = '') => `/v1/connections/${seg(id)}${rest}`;

export function useConnections() {
  return useQuery({
    queryKey: connectionKeys.list(),
    queryFn: ({ signal }) => api.get<Items<Connection>>('/v1/connections', { signal }).then((r) => r.items),
  });
}

export function useConnection(id: string) {
  return useQuery({ queryKey: connectionKeys.detail(id), queryFn: ({ signal }) => api.get<Connection>(path(id), { signal }) });
}

export function useConnectionSecrets(id: string, enabled = true) {
  return useQuery({
    queryKey: connectionKeys.secrets(id),
    queryFn: ({ signal }) => api.get<Items<SecretMetadata>>(path(id, '/secrets'), { signal }).then((r) => r.items),
    enabled,
  });
}

export function useConnectionSigningKeys(id: string, enabled = true) {
  return useQuery({
    queryKey: connectionKeys.keys(id),
    queryFn: ({ signal }) => api.get<Items<ConnectionKey>>(path(id, '/keys'), { signal }).then((r) => r.items),
    enabled,
  });
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

/** Create body per vendor, as libs/connections' createConnectionSchema accepts it. */
export type CreateConnectionInput =
  | { vendor: 'epic' | 'fhir'; name: string; environment: 'sandbox' | 'production'; fhirBaseUrl?: string; tokenUrl?: string; clientId?: string; scopes?: string[]; authAlg?: AssertionAlg }
  | { vendor: 'oracle'; name: string; environment: 'sandbox' | 'production'; fhirBaseUrl?: string; clientId?: string; scopes?: string[]; clientSecretName?: string }
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
 * Creates a connection; an Oracle client secret is then written to the vault
 * (`PUT …/secrets/{clientSecretName}`) and dropped from memory.
 */
export function useCreateConnection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ input, clientSecret }: { input: CreateConnectionInput; clientSecret?: string }) => {
      const created = await api.post<CreatedConnection>('/v1/connections', input);
      let secretError: unknown;
      if (clientSecret) {
        // The connection exists now: a failed secret write is reported, not thrown, so a retry does not create a second one.
        await api.put<SecretMetadata>(path(created.id, `/secrets/${seg(created.clientSecretName ?? 'client_secret')}`), { value: clientSecret }).catch((e: unknown) => {
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
    mutationFn: (patch: Partial<Pick<Connection, 'name' | 'fhirBaseUrl' | 'tokenUrl' | 'clientId' | 'scopes' | 'mllpHost' | 'mllpPort' | 'mllpTls'>>) =>
      api.patch<Connection>(path(id), patch),
    onSuccess: (connection) => {
      client.setQueryData(connectionKeys.detail(id), connection);
      void client.invalidateQueries({ queryKey: connectionKeys.list() });
    },
  });
}

export function usePutSecret(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ name, value }: { name: string; value: string }) => api.put<SecretMetadata>(path(id, `/secrets/${seg(name)}`), { value }),
    onSuccess: () => void client.invalidateQueries({ queryKey: connectionKeys.secrets(id) }),
  });
}

export function useGenerateKey(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (alg: AssertionAlg) => api.post<ConnectionKey>(path(id, '/keys'), { alg }),
    onSuccess: () => void client.invalidateQueries({ queryKey: connectionKeys.keys(id) }),
  });
}

export function useRunTest(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<TestReport>(path(id, '/test')),
    onSuccess: (report) => {
      client.setQueryData(connectionKeys.lastTest(id), report);
      void client.invalidateQueries({ queryKey: connectionKeys.detail(id), exact: true });
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
      if (to === 'live' && (from === 'draft' || from === 'disabled')) await api.post<Connection>(path(id, '/status'), { status: 'testing' });
      return api.post<Connection>(path(id, '/status'), { status: to });
    },
    onSuccess: (connection) => client.setQueryData(connectionKeys.detail(id), connection),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: connectionKeys.detail(id), exact: true });
      void client.invalidateQueries({ queryKey: connectionKeys.list() });
    },
  });
}
