import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { WebhookAttempt, WebhookDelivery, WebhookOrderingMode, WebhookPayloadMode } from '../api/types';

export const webhookKeys = {
  all: ['webhooks'] as const,
  list: () => [...webhookKeys.all, 'list'] as const,
  detail: (id: string) => [...webhookKeys.all, 'detail', id] as const,
  attempts: (id: string) => [...webhookKeys.detail(id), 'attempts'] as const,
  deliveries: (id: string, status?: WebhookDelivery['status']) => [...webhookKeys.detail(id), 'deliveries', status ?? 'all'] as const,
  testAttempt: (id: string, eventId: string) => [...webhookKeys.detail(id), 'test', eventId] as const,
  eventTypes: ['event-types'] as const,
};

export const ATTEMPTS_PAGE_SIZE = 25;

export function useWebhookEndpoints() {
  return useQuery({
    queryKey: webhookKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/webhook-endpoints', { signal }).then((r) => r.data),
  });
}

export function useWebhookEndpoint(id: string) {
  return useQuery({ queryKey: webhookKeys.detail(id), queryFn: ({ signal }) => api.get('/v1/webhook-endpoints/{id}', { params: { id }, signal }) });
}

/** The event catalog: type, version, description, JSON Schema (and an example, when the API gives one). */
export function useEventTypes() {
  return useQuery({
    queryKey: webhookKeys.eventTypes,
    queryFn: ({ signal }) => api.get('/v1/event-types', { signal }).then((r) => r.data),
    staleTime: 5 * 60_000,
  });
}

export function useAttempts(id: string) {
  return useInfiniteQuery({
    queryKey: webhookKeys.attempts(id),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.get('/v1/webhook-endpoints/{id}/attempts', { params: { id }, signal, query: { limit: ATTEMPTS_PAGE_SIZE, before: pageParam } }),
    getNextPageParam: (last) => last.next ?? undefined,
  });
}

export const DELIVERIES_PAGE_SIZE = 50;

/** Deliveries newest first (`failed`: the dead letters); "Load more" follows the `next` cursor. */
export function useDeliveries(id: string, status: WebhookDelivery['status'] | undefined) {
  return useInfiniteQuery({
    queryKey: webhookKeys.deliveries(id, status),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.get('/v1/webhook-endpoints/{id}/deliveries', { params: { id }, signal, query: { status, limit: DELIVERIES_PAGE_SIZE, before: pageParam } }),
    getNextPageParam: (last) => last.next ?? undefined,
  });
}

export const TEST_POLL_MS = 750;
/** Give up waiting for the test attempt after this long (the delivery may still be retried). */
export const TEST_WAIT_MS = 30_000;

/** The attempt of a test event: polls the attempts at its delivery until there is one. */
export function useTestAttempt(id: string, eventId: string | null, startedAt: number) {
  return useQuery({
    queryKey: webhookKeys.testAttempt(id, eventId ?? ''),
    queryFn: async ({ signal }): Promise<WebhookAttempt | null> => {
      if (eventId === null) return null;
      const page = await api.get('/v1/webhook-endpoints/{id}/attempts', { params: { id }, signal, query: { eventId, limit: 1 } });
      return page.data[0] ?? null;
    },
    enabled: eventId !== null,
    refetchInterval: (query) => (query.state.data || Date.now() - startedAt > TEST_WAIT_MS ? false : TEST_POLL_MS),
  });
}

export interface EndpointInput {
  url: string;
  description?: string | null;
  eventTypes: string[];
  payload: WebhookPayloadMode;
  orderingKey?: WebhookOrderingMode;
}

export function useCreateEndpoint() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: EndpointInput) => api.post('/v1/webhook-endpoints', { body: { ...input, description: input.description ?? undefined } }),
    // The answer holds the signing secret: do not keep it in the mutation cache once the page lets go of it.
    gcTime: 0,
    onSuccess: ({ secret: _secret, ...endpoint }) => {
      // The secret is shown by the page from this answer and never cached.
      client.setQueryData(webhookKeys.detail(endpoint.id), endpoint);
      void client.invalidateQueries({ queryKey: webhookKeys.list() });
    },
  });
}

function useEndpointMutation<T, V = void>(id: string, fn: (v: V) => Promise<T>, after?: (result: T) => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    // Rotate answers hold the signing secret: nothing lingers in the mutation cache.
    gcTime: 0,
    onSuccess: (result) => {
      after?.(result);
      void client.invalidateQueries({ queryKey: webhookKeys.list() });
    },
    onSettled: () => void client.invalidateQueries({ queryKey: webhookKeys.detail(id), exact: true }),
  });
}

export function useUpdateEndpoint(id: string) {
  const client = useQueryClient();
  return useEndpointMutation(id, (patch: Partial<EndpointInput>) => api.patch('/v1/webhook-endpoints/{id}', { params: { id }, body: patch }), (e) => client.setQueryData(webhookKeys.detail(id), e));
}

export function useSetEndpointEnabled(id: string) {
  const client = useQueryClient();
  return useEndpointMutation(id, (enabled: boolean) => (enabled ? api.post('/v1/webhook-endpoints/{id}/enable', { params: { id } }) : api.post('/v1/webhook-endpoints/{id}/disable', { params: { id } })), (e) => client.setQueryData(webhookKeys.detail(id), e));
}

export function useRotateSecret(id: string) {
  const client = useQueryClient();
  return useEndpointMutation(
    id,
    () => api.post('/v1/webhook-endpoints/{id}/rotate-secret', { params: { id } }),
    ({ secret: _secret, ...e }) => client.setQueryData(webhookKeys.detail(id), e),
  );
}

export function useDeleteEndpoint(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.delete('/v1/webhook-endpoints/{id}', { params: { id } }),
    onSuccess: () => {
      client.removeQueries({ queryKey: webhookKeys.detail(id) });
      void client.invalidateQueries({ queryKey: webhookKeys.list() });
    },
  });
}

export function useSendTest(id: string) {
  return useMutation({ mutationFn: () => api.post('/v1/webhook-endpoints/{id}/test', { params: { id } }) });
}

export interface ReplayInput {
  since: string;
  until?: string;
  eventTypes?: string[];
}

export function useReplay(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: ReplayInput) => api.post('/v1/webhook-endpoints/{id}/replay', { params: { id }, body: input }),
    onSuccess: () => void client.invalidateQueries({ queryKey: webhookKeys.detail(id) }),
  });
}

export function useReplayOne(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (eventId: string) => api.post('/v1/webhook-endpoints/{id}/replay/{eventId}', { params: { id, eventId } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: webhookKeys.detail(id) }),
  });
}
