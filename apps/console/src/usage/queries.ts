import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { UsageGroupBy } from '../api/types';

export const usageKeys = {
  all: ['usage'] as const,
  totals: (from: string, to: string) => [...usageKeys.all, 'totals', from, to] as const,
  daily: (from: string, to: string, groupBy: UsageGroupBy) => [...usageKeys.all, 'daily', from, to, groupBy] as const,
};

/** Transaction counts per connection × vendor × operation × outcome in [from, to). */
export function useUsageTotals(from: string, to: string) {
  return useQuery({
    queryKey: usageKeys.totals(from, to),
    queryFn: ({ signal }) => api.get('/v1/usage/totals', { query: { from, to }, signal }).then((r) => r.items),
    placeholderData: (previous) => previous,
  });
}

/** The API's daily series: one count per UTC day and key of `groupBy`. */
export function useUsageDaily(from: string, to: string, groupBy: UsageGroupBy) {
  return useQuery({
    queryKey: usageKeys.daily(from, to, groupBy),
    queryFn: ({ signal }) => api.get('/v1/usage/daily', { query: { from, to, groupBy }, signal }),
    placeholderData: (previous) => previous,
  });
}
