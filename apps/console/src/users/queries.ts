import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '../api/client';
import type { ConsoleUser, Invite, IssuedInvite, Items, Role } from '../api/types';

export const userKeys = {
  all: ['users'] as const,
  list: () => [...userKeys.all, 'list'] as const,
  invites: () => [...userKeys.all, 'invites'] as const,
};

export function useUsers(enabled = true) {
  return useQuery({
    queryKey: userKeys.list(),
    queryFn: ({ signal }) => api.get<Items<ConsoleUser>>('/v1/users', { signal }).then((r) => r.items),
    enabled,
  });
}

export function useInvites() {
  return useQuery({
    queryKey: userKeys.invites(),
    queryFn: ({ signal }) => api.get<Items<Invite>>('/v1/invites', { signal }).then((r) => r.items),
  });
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: { role?: Role; phi?: boolean } }) => api.patch<ConsoleUser>(`/v1/users/${seg(id)}`, patch),
    onSuccess: (user) => client.setQueryData<ConsoleUser[]>(userKeys.list(), (list) => list?.map((u) => (u.id === user.id ? user : u))),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.list() }),
  });
}

export function useRevokeUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<ConsoleUser>(`/v1/users/${seg(id)}/revoke`),
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
    mutationFn: (input: { email: string; role: Role; phi: boolean }) => api.post<IssuedInvite>(`/v1/tenants/${seg(tenantId)}/invites`, input),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.invites() }),
    gcTime: 0,
  });
}

export function useResendInvite() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<IssuedInvite>(`/v1/invites/${seg(id)}/resend`),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.invites() }),
    gcTime: 0,
  });
}

export function useRevokeInvite() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<Invite>(`/v1/invites/${seg(id)}`),
    onSettled: () => void client.invalidateQueries({ queryKey: userKeys.invites() }),
  });
}
