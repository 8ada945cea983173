import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, setCsrfLoader, setCsrfToken } from '../api/client';
import type { ConsoleSession } from '../api/types';

export const authKeys = {
  me: ['console', 'me'] as const,
  invite: (token: string) => ['console', 'invite', token] as const,
};

/** Reads /me and remembers its CSRF token (memory only). */
export async function fetchMe(signal?: AbortSignal): Promise<ConsoleSession> {
  const me = await api.get('/v1/console/me', { signal });
  setCsrfToken(me.csrfToken);
  return me;
}

setCsrfLoader(async () => {
  try {
    return (await fetchMe()).csrfToken;
  } catch {
    return null;
  }
});

export function useMe() {
  return useQuery({
    queryKey: authKeys.me,
    queryFn: ({ signal }) => fetchMe(signal),
    staleTime: 60_000,
  });
}

export interface SignInInput {
  email: string;
  password: string;
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: SignInInput) => api.post('/v1/console/session', { body: input, csrf: false }),
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      client.clear();
      client.setQueryData(authKeys.me, session);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.delete('/v1/console/session'),
    onSettled: () => {
      setCsrfToken(null);
      client.clear();
    },
  });
}

export function useInvite(token: string | null) {
  return useQuery({
    queryKey: authKeys.invite(token ?? ''),
    queryFn: ({ signal }) => api.get('/v1/console/invites/{token}', { params: { token: token ?? '' }, signal }),
    enabled: Boolean(token),
    retry: false,
  });
}

export interface AcceptInviteInput {
  name: string;
  password: string;
}

export function useAcceptInvite(token: string | null) {
  return useMutation({
    mutationFn: (input: AcceptInviteInput) => api.post('/v1/console/invites/{token}/accept', { params: { token: token ?? '' }, body: input, csrf: false }),
  });
}
