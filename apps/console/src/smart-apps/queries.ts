import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { BodyOf, ResponseOf } from '../api/types';

/** `smartAppView`: never the client secret nor its hash. */
export type SmartApp = ResponseOf<'/v1/smart-apps/{id}'>;
export type SmartClientType = SmartApp['clientType'];
/** The create and rotate answers: the only time a client secret is sent. */
export type SmartAppWithSecret = ResponseOf<'/v1/smart-apps', 'post'>;
export type CreateSmartAppInput = BodyOf<'/v1/smart-apps', 'post'>;
export type UpdateSmartAppInput = BodyOf<'/v1/smart-apps/{id}', 'patch'>;

export const smartAppKeys = {
  all: ['smart-apps'] as const,
  list: () => [...smartAppKeys.all, 'list'] as const,
};

export function useSmartApps() {
  return useQuery({
    queryKey: smartAppKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/smart-apps', { signal }).then((r) => r.items),
  });
}

/** The view of an answer that may carry a secret: what the list cache may hold. */
const withoutSecret = ({ clientSecret: _secret, ...app }: SmartAppWithSecret): SmartApp => app;

const replaceIn = (list: SmartApp[] | undefined, app: SmartApp) => list?.map((a) => (a.id === app.id ? app : a));

/**
 * The answer carries the client secret (confidential symmetric apps), once. The page moves it
 * into component state and resets the mutation; `gcTime: 0` keeps it out of the cache.
 */
export function useCreateSmartApp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateSmartAppInput) => api.post('/v1/smart-apps', { body: input }),
    onSuccess: (created) => client.setQueryData<SmartApp[]>(smartAppKeys.list(), (list) => (list ? [...list, withoutSecret(created)] : list)),
    onSettled: () => void client.invalidateQueries({ queryKey: smartAppKeys.list() }),
    gcTime: 0,
  });
}

export function useUpdateSmartApp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string; input: UpdateSmartAppInput }) => api.patch('/v1/smart-apps/{id}', { params: { id }, body: input }),
    onSuccess: (app) => client.setQueryData<SmartApp[]>(smartAppKeys.list(), (list) => replaceIn(list, app)),
    onSettled: () => void client.invalidateQueries({ queryKey: smartAppKeys.list() }),
  });
}

/** A new client secret, once: handled like the create answer. */
export function useRotateSmartAppSecret() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post('/v1/smart-apps/{id}/secret', { params: { id } }),
    onSuccess: (rotated) => client.setQueryData<SmartApp[]>(smartAppKeys.list(), (list) => replaceIn(list, withoutSecret(rotated))),
    onSettled: () => void client.invalidateQueries({ queryKey: smartAppKeys.list() }),
    gcTime: 0,
  });
}

export function useDeleteSmartApp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/v1/smart-apps/{id}', { params: { id } }).then(() => id),
    onSuccess: (id) => client.setQueryData<SmartApp[]>(smartAppKeys.list(), (list) => list?.filter((a) => a.id !== id)),
    onSettled: () => void client.invalidateQueries({ queryKey: smartAppKeys.list() }),
  });
}
