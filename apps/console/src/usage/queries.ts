import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Items, UsageTotal } from '../api/types';

export const usageKeys = {
  all: ['usage'] as const,
  totals: (from: string, to: string) => [...usageKeys.all, 'totals', from, to] as const,
};

export function useUsageTotals(from: string, to: string) {
  return useQuery({
    queryKey: usageKeys.totals(from, to),
    queryFn: ({ signal }) => api.get<Items<UsageTotal>>('/v1/usage/totals', { query: { from, to }, signal }).then((r) => r.items),
  });
}
