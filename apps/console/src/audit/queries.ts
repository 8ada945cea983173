import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';

export const auditKeys = {
  all: ['audit'] as const,
  newestFirst: () => [...auditKeys.all, 'newest-first'] as const,
  verify: () => [...auditKeys.all, 'verify'] as const,
};

/** Records per page of the newest-first view. */
export const AUDIT_PAGE = 50;

/**
 * The audit log newest first, a page at a time: the API lists the chain in either order
 * (`order=desc`), and its `next` is the `before` of the following (older) page.
 */
export function useAuditLog() {
  return useInfiniteQuery({
    queryKey: auditKeys.newestFirst(),
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam, signal }) => api.get('/v1/audit-records', { query: { order: 'desc', limit: AUDIT_PAGE, before: pageParam }, signal }),
    getNextPageParam: (last) => last.next ?? undefined,
  });
}

/** Recomputes the tenant's whole hash chain on the server. */
export function useVerifyChain() {
  return useQuery({
    queryKey: auditKeys.verify(),
    queryFn: ({ signal }) => api.get('/v1/audit-records/verify', { signal }),
    staleTime: 0,
  });
}
