import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { ConsoleUser, Role } from '../api/types';

export const userKeys = {
  all: ['users'] as const,
  list: () => [...userKeys.all, 'list'] as const,
  invites: () => [...userKeys.all, 'invites'] as const,
};

export function useUsers(enabled = true) {
  return useQuery({
    queryKey: userKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/users', { signal }).then((r) => r.items),
    enabled,
  });
}

export function useInvites() {
  return useQuery({
    queryKey: userKeys.invites(),
    queryFn: ({ signal }) => api.get('/v1/invites', { signal }).then((r) => r.items),
  });
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: { role?: Role; phi?: boolean } }) => api.patch('/v1/users/{id}', { params: { id }, body: patch }),
    onSuccess: (user) => client.setQueryData<ConsoleUser[]>(userKeys.list(), (list) => list?.map((u) => (u.id === user.id ? user : u))),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.list() }),
  });
}

export function useRevokeUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post('/v1/users/{id}/revoke', { params: { id } }),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.list() }),
  });
}

/** Lets a revoked user sign in again (same role and PHI grant; their old sessions stay ended). */
export function useReinstateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post('/v1/users/{id}/reinstate', { params: { id } }),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.list() }),
  });
}

/**
 * Invite and resend answer with the invite link (its token is in the fragment).
 * The page moves it into component state and resets the mutation; `gcTime: 0`
 * drops it from the mutation cache as soon as nothing observes it.
 */
export function useCreateInvite(tenantId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; role: Role; phi: boolean }) => api.post('/v1/tenants/{id}/invites', { params: { id: tenantId }, body: input }),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.invites() }),
    gcTime: 0,
  });
}

export function useResendInvite() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post('/v1/invites/{id}/resend', { params: { id } }),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.invites() }),
    gcTime: 0,
  });
}

export function useRevokeInvite() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/v1/invites/{id}', { params: { id } }),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.invites() }),
  });
}
