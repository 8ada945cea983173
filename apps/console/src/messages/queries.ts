import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '../api/client';
import type { Connection, DialectPreview, Hl7MessageDetail, Hl7MessagePage, Hl7MessageStatus, Hl7MessageSummary } from '../api/types';
import { connectionKeys } from '../connections/queries';

/** Message log filters, as the API names them (`patientIdentifier` is PHI: memory only, never a URL). */
export interface MessageFilters {
  status?: Hl7MessageStatus;
  type?: string;
  controlId?: string;
  /** ISO 8601 date-times with offset. */
  from?: string;
  to?: string;
  patientIdentifier?: string;
}

export const MESSAGE_PAGE_SIZE = 50;

export const messageKeys = {
  all: (connectionId: string) => ['hl7-messages', connectionId] as const,
  log: (connectionId: string, filters: MessageFilters) => [...messageKeys.all(connectionId), 'log', filters] as const,
  detail: (connectionId: string, messageId: string) => [...messageKeys.all(connectionId), 'detail', messageId] as const,
  status: (connectionId: string, messageId: string) => [...messageKeys.all(connectionId), 'status', messageId] as const,
};

const base = (connectionId: string) => `/v1/connections/${seg(connectionId)}/hl7`;

/** The log, newest first; "Load more" follows the `next` cursor. */
export function useMessageLog(connectionId: string, filters: MessageFilters) {
  return useInfiniteQuery({
    queryKey: messageKeys.log(connectionId, filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api.get<Hl7MessagePage>(`${base(connectionId)}/messages`, { signal, query: { limit: MESSAGE_PAGE_SIZE, before: pageParam, ...filters } }),
    getNextPageParam: (last) => last.next ?? undefined,
  });
}

/** One message with its content (PHI; every read is audited), so only fetched for users with the grant. */
export function useMessage(connectionId: string, messageId: string, enabled: boolean) {
  return useQuery({
    queryKey: messageKeys.detail(connectionId, messageId),
    queryFn: ({ signal }) => api.get<Hl7MessageDetail>(`${base(connectionId)}/messages/${seg(messageId)}`, { signal }),
    enabled,
    staleTime: 60_000,
  });
}

/** Statuses that processing has not finished with. */
export const IN_PROGRESS: readonly Hl7MessageStatus[] = ['received'];
export const REPROCESS_POLL_MS = 750;

/**
 * A message's status from the log (metadata, so polling it reads no PHI and
 * writes no audit record per poll): looked up by its control id.
 */
export function useMessageStatus(connectionId: string, message: Pick<Hl7MessageSummary, 'id' | 'controlId'> | undefined, polling: boolean) {
  return useQuery({
    queryKey: messageKeys.status(connectionId, message?.id ?? ''),
    queryFn: async ({ signal }) => {
      const page = await api.get<Hl7MessagePage>(`${base(connectionId)}/messages`, { signal, query: { controlId: message?.controlId, limit: 20 } });
      return page.items.find((m) => m.id === message?.id) ?? null;
    },
    enabled: polling && message !== undefined,
    refetchInterval: (query) => (query.state.data && !IN_PROGRESS.includes(query.state.data.status) ? false : REPROCESS_POLL_MS),
  });
}

export function useReprocess(connectionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) => api.post<Hl7MessageSummary>(`${base(connectionId)}/messages/${seg(messageId)}/reprocess`),
    onSuccess: (summary) => client.setQueryData(messageKeys.status(connectionId, summary.id), summary),
  });
}

export interface PreviewInput {
  message?: string;
  dialect?: unknown;
  replay?: number;
}

export function usePreviewDialect(connectionId: string) {
  return useMutation({
    mutationFn: (input: PreviewInput) => api.post<DialectPreview>(`${base(connectionId)}/preview`, input),
  });
}

export function useSaveDialect(connectionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (dialect: Record<string, unknown>) => api.patch<Connection>(`/v1/connections/${seg(connectionId)}`, { dialect }),
    onSuccess: (connection) => {
      client.setQueryData(connectionKeys.detail(connectionId), connection);
      void client.invalidateQueries({ queryKey: connectionKeys.list() });
    },
  });
}
