import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { NewUsageAlertRule, UsageWindowPage, UsageWindowRow } from '../api/types';
import type { UsageWindow } from './time-zones';

/** What a finance chart asks /v1/usage for (every field given, so it makes a stable query key). */
export interface UsageWindowsQuery {
  from: string;
  to: string;
  window: UsageWindow;
  /** Dimensions, comma-separated (`connection,billable`). */
  groupBy: string;
  timezone: string;
}

/** Query keys of the finance pages: one family per API concept. */
export const billingKeys = {
  all: ['billing'] as const,
  preview: (period: string) => [...billingKeys.all, 'preview', period] as const,
  previewAsOf: (period: string, asOf: string) => [...billingKeys.preview(period), 'asOf', asOf] as const,
  invoices: () => [...billingKeys.all, 'invoices'] as const,
  adjustments: () => [...billingKeys.all, 'adjustments'] as const,
  alerts: () => [...billingKeys.all, 'alerts'] as const,
  usage: (q: UsageWindowsQuery) => ['usage', 'windows', q.from, q.to, q.window, q.groupBy, q.timezone] as const,
};

/** The most pages of /v1/usage one chart reads (1,000 rows a page: a year of hours by a dozen series fits). */
const MAX_USAGE_PAGES = 120;

/** Usage per window in `timezone`, every page of it (the API pages with a `next` cursor). */
export function useUsageWindows(q: UsageWindowsQuery | null) {
  return useQuery({
    queryKey: q ? billingKeys.usage(q) : ['usage', 'windows', 'none'],
    enabled: q !== null,
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }): Promise<Pick<UsageWindowPage, 'data' | 'dataRefreshedAt' | 'timezone'>> => {
      if (!q) throw new Error('no usage query');
      const rows: UsageWindowRow[] = [];
      let cursor: string | undefined;
      let refreshed = '';
      let timezone = q.timezone;
      for (let page = 0; page < MAX_USAGE_PAGES; page++) {
        const answer = await api.get('/v1/usage', { query: { ...q, cursor }, signal });
        rows.push(...answer.data);
        // The oldest of the pages' stamps is what the whole answer is fresh to.
        if (!refreshed || answer.dataRefreshedAt < refreshed) refreshed = answer.dataRefreshedAt;
        timezone = answer.timezone;
        cursor = answer.next ?? undefined;
        if (!cursor) break;
      }
      return { data: rows, dataRefreshedAt: refreshed, timezone };
    },
  });
}

/** A period's invoice: `current` or a period id (`GET /v1/billing/invoices/preview`); the draft until the period closes. */
export function useInvoicePreview(period: string | null) {
  return useQuery({
    queryKey: billingKeys.preview(period ?? 'none'),
    enabled: period !== null,
    queryFn: ({ signal }) => api.get('/v1/billing/invoices/preview', { query: { period: period ?? 'current' }, signal }),
  });
}

/**
 * A period's draft as it stood at `asOf` (`GET /v1/billing/invoices/preview?asOf=`): usage before
 * that instant in 15-minute buckets, without adjustments or corrections — spend "at the same point".
 */
export function useInvoicePreviewAsOf(period: string | null, asOf: string | null) {
  return useQuery({
    queryKey: period && asOf ? billingKeys.previewAsOf(period, asOf) : billingKeys.preview('none'),
    enabled: period !== null && asOf !== null,
    queryFn: ({ signal }) => api.get('/v1/billing/invoices/preview', { query: { period: period ?? 'current', asOf: asOf ?? undefined }, signal }),
  });
}

/** The tenant's finalized invoices, newest period first. */
export function useInvoices() {
  return useQuery({
    queryKey: billingKeys.invoices(),
    queryFn: ({ signal }) => api.get('/v1/billing/invoices', { signal }).then((r) => r.items),
  });
}

/** Corrections of the tenant's usage (written by the operator; read-only here), newest first, a page at a time. */
export function useAdjustments() {
  return useInfiniteQuery({
    queryKey: billingKeys.adjustments(),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.get('/v1/usage/adjustments', { query: { limit: 100, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.next ?? undefined,
  });
}

export function useAlertRules() {
  return useQuery({
    queryKey: billingKeys.alerts(),
    queryFn: ({ signal }) => api.get('/v1/usage/alerts', { signal }).then((r) => r.data),
  });
}

export function useCreateAlertRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewUsageAlertRule) => api.post('/v1/usage/alerts', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: billingKeys.alerts() }),
  });
}

export function useDeleteAlertRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/v1/usage/alerts/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: billingKeys.alerts() }),
  });
}
