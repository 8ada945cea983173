import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { ApiKey } from '../api/types';

export const apiKeyKeys = {
  all: ['api-keys'] as const,
  list: () => [...apiKeyKeys.all, 'list'] as const,
};

export function useApiKeys(enabled = true) {
  return useQuery({
    queryKey: apiKeyKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/api-keys', { signal }).then((r) => r.items),
    enabled,
  });
}

/** `scopes` omitted = everything the creator may grant (the API's default); an empty list would mean none. */
export interface CreateApiKeyInput {
  name: string;
  scopes?: string[];
  expiresAt?: string;
}

/**
 * The answer carries the key itself, once. The page moves it into component
 * state and resets the mutation; `gcTime: 0` keeps it out of the cache.
 */
export function useCreateApiKey(tenantId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateApiKeyInput) => api.post('/v1/tenants/{id}/api-keys', { params: { id: tenantId }, body: input }),
    onSettled: () => void client.invalidateQueries({ queryKey: apiKeyKeys.list() }),
    gcTime: 0,
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/v1/api-keys/{id}', { params: { id } }),
    onSuccess: (key) => client.setQueryData<ApiKey[]>(apiKeyKeys.list(), (list) => list?.map((k) => (k.id === key.id ? key : k))),
    onSettled: () => void client.invalidateQueries({ queryKey: apiKeyKeys.list() }),
  });
}
