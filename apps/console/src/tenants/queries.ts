import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';

export const tenantKeys = {
  all: ['tenants'] as const,
  list: () => [...tenantKeys.all, 'list'] as const,
};

/** Every tenant of the installation (operator users only). */
export function useTenants() {
  return useQuery({
    queryKey: tenantKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/tenants', { signal }).then((r) => r.items),
  });
}

export function useCreateTenant() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; slug: string }) => api.post('/v1/tenants', { body: input }),
    onSettled: () => void client.invalidateQueries({ queryKey: tenantKeys.list() }),
  });
}

/**
 * The first owner's invite. The answer carries the link (its token in the fragment): the
 * page moves it into dialog state and resets the mutation; `gcTime: 0` drops it from the
 * mutation cache as soon as nothing observes it.
 */
export function useInviteOwner() {
  return useMutation({
    mutationFn: ({ tenantId, email, phi }: { tenantId: string; email: string; phi: boolean }) =>
      api.post('/v1/tenants/{id}/invites', { params: { id: tenantId }, body: { email, role: 'owner', phi } }),
    gcTime: 0,
  });
}
