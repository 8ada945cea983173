import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { AuditPage, AuditRecord } from '../api/types';

export const auditKeys = {
  all: ['audit'] as const,
  newestFirst: () => [...auditKeys.all, 'newest-first'] as const,
  verify: () => [...auditKeys.all, 'verify'] as const,
};

/** Records per page of the newest-first view. */
export const AUDIT_PAGE = 50;
/** What one answer of the API may hold; a chain this short is read in one request. */
const SCAN = 500;

const fetchPage = (after: number, limit: number, signal: AbortSignal) => api.get('/v1/audit-records', { query: { after, limit }, signal });

/** A window of the chain, newest record first; `olderEnd` is the last sequence of the next older window (null at the start). */
export interface AuditWindow {
  records: AuditRecord[];
  olderEnd: number | null;
}

/**
 * The API lists the chain oldest first (`after` = the last sequence seen), and
 * sequences count up from 1 with no gaps. The newest records are found without
 * reading the whole chain: a chain of up to 500 records comes back in one
 * answer; a longer one has its last sequence located by probing single records
 * (doubling, then bisecting — about 2·log2(n) one-row requests), then each
 * window is `after = end − 50, limit = 50`, shown reversed.
 */
async function lastSequence(head: AuditPage, signal: AbortSignal): Promise<number> {
  const exists = async (sequence: number) => (await fetchPage(sequence - 1, 1, signal)).items.length > 0;
  let lo = head.items.at(-1)?.sequence ?? 0;
  let hi = Math.max(lo * 2, 1);
  while (await exists(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await exists(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

async function olderWindow(end: number, signal: AbortSignal): Promise<AuditWindow> {
  const after = Math.max(0, end - AUDIT_PAGE);
  const page = await fetchPage(after, end - after, signal);
  return { records: [...page.items].reverse(), olderEnd: after > 0 ? after : null };
}

async function newestWindow(signal: AbortSignal): Promise<AuditWindow> {
  const head = await fetchPage(0, SCAN, signal);
  if (head.next === null) return { records: [...head.items].reverse(), olderEnd: null };
  return olderWindow(await lastSequence(head, signal), signal);
}

/** The audit log newest first, a window at a time ("Show older records" loads the next). */
export function useAuditLog() {
  return useInfiniteQuery({
    queryKey: auditKeys.newestFirst(),
    initialPageParam: null as number | null,
    queryFn: ({ pageParam, signal }) => (pageParam === null ? newestWindow(signal) : olderWindow(pageParam, signal)),
    getNextPageParam: (last) => last.olderEnd,
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
