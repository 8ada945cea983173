import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Hl7MessageStatus, Hl7MessageSummary } from '../api/types';
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


/** The log, newest first; "Load more" follows the `next` cursor. */
export function useMessageLog(connectionId: string, filters: MessageFilters) {
  return useInfiniteQuery({
    queryKey: messageKeys.log(connectionId, filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => {
      const { patientIdentifier, ...rest } = filters;
      const page = { limit: MESSAGE_PAGE_SIZE, before: pageParam, ...rest };
      // A patient identifier is PHI: it travels in a POST body, never in a URL.
      return patientIdentifier
        ? api.post('/v1/connections/{id}/hl7/messages/search', { params: { id: connectionId }, signal, body: { ...page, patientIdentifier } })
        : api.get('/v1/connections/{id}/hl7/messages', { params: { id: connectionId }, signal, query: page });
    },
    getNextPageParam: (last) => last.next ?? undefined,
  });
}

/** One message with its content (PHI; every read is audited), so only fetched for users with the grant. */
export function useMessage(connectionId: string, messageId: string, enabled: boolean) {
  return useQuery({
    queryKey: messageKeys.detail(connectionId, messageId),
    queryFn: ({ signal }) => api.get('/v1/connections/{id}/hl7/messages/{messageId}', { params: { id: connectionId, messageId }, signal }),
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
      const page = await api.get('/v1/connections/{id}/hl7/messages', { params: { id: connectionId }, signal, query: { controlId: message?.controlId, limit: 20 } });
      return page.items.find((m) => m.id === message?.id) ?? null;
    },
    enabled: polling && message !== undefined,
    refetchInterval: (query) => (query.state.data && !IN_PROGRESS.includes(query.state.data.status) ? false : REPROCESS_POLL_MS),
  });
}

export function useReprocess(connectionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) => api.post('/v1/connections/{id}/hl7/messages/{messageId}/reprocess', { params: { id: connectionId, messageId } }),
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
    mutationFn: (input: PreviewInput) => api.post('/v1/connections/{id}/hl7/preview', { params: { id: connectionId }, body: input }),
  });
}

export function useSaveDialect(connectionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (dialect: Record<string, unknown>) => api.patch('/v1/connections/{id}', { params: { id: connectionId }, body: { dialect } }),
    onSuccess: (connection) => {
      client.setQueryData(connectionKeys.detail(connectionId), connection);
      void client.invalidateQueries({ queryKey: connectionKeys.list() });
    },
  });
}
