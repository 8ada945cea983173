import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../api/client';
import { useSession } from '../auth/session';
import type { InvoicePreview, InvoiceSummary, NewUsageAlertRule, TenantBillingView, UsageAdjustment, UsageAlertRule, UsageWindowPage, UsageWindowQuery, UsageWindowRow } from './types';

/** Query keys of the finance pages: one family per API concept. */
export const billingKeys = {
  all: ['billing'] as const,
  terms: (tenantId: string) => [...billingKeys.all, 'terms', tenantId] as const,
  preview: (period: string) => [...billingKeys.all, 'preview', period] as const,
  invoices: () => [...billingKeys.all, 'invoices'] as const,
  adjustments: () => [...billingKeys.all, 'adjustments'] as const,
  alerts: () => [...billingKeys.all, 'alerts'] as const,
  usage: (q: UsageWindowQuery) => ['usage', 'windows', q.from, q.to, q.window, q.groupBy, q.timezone] as const,
};

/** The most pages of /v1/usage one chart reads (a year of hours by a dozen connections fits). */
const MAX_USAGE_PAGES = 50;

/** The tenant's billing terms, their history and the current period (`GET /v1/tenants/{id}/billing`). */
export function useTenantBilling() {
  const { tenant } = useSession();
  return useQuery({
    queryKey: billingKeys.terms(tenant.id),
    queryFn: ({ signal }) => apiRequest<TenantBillingView>(`/v1/tenants/${encodeURIComponent(tenant.id)}/billing`, { signal }),
  });
}

/** Usage per window in `timezone`, every page of it (the API pages with a `next` cursor). */
export function useUsageWindows(q: UsageWindowQuery | null) {
  return useQuery({
    queryKey: q ? billingKeys.usage(q) : ['usage', 'windows', 'none'],
    enabled: q !== null,
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }): Promise<UsageWindowPage> => {
      if (!q) throw new Error('no usage query');
      const rows: UsageWindowRow[] = [];
      let cursor: string | null = null;
      let refreshed = '';
      for (let page = 0; page < MAX_USAGE_PAGES; page++) {
        const answer: UsageWindowPage = await apiRequest<UsageWindowPage>('/v1/usage', { query: { ...q, cursor }, signal });
        rows.push(...answer.data);
        // The oldest of the pages' stamps is what the whole answer is fresh to.
        if (!refreshed || answer.dataRefreshedAt < refreshed) refreshed = answer.dataRefreshedAt;
        cursor = answer.next;
        if (!cursor) break;
      }
      return { data: rows, next: cursor, dataRefreshedAt: refreshed };
    },
  });
}

/** The draft invoice of a period: `current` or a period id (`GET /v1/billing/invoices/preview`). */
export function useInvoicePreview(period: string | null) {
  return useQuery({
    queryKey: billingKeys.preview(period ?? 'none'),
    enabled: period !== null,
    queryFn: ({ signal }) => apiRequest<InvoicePreview>('/v1/billing/invoices/preview', { query: { period: period ?? 'current' }, signal }),
  });
}

/** The tenant's finalized invoices, newest first. */
export function useInvoices() {
  return useQuery({
    queryKey: billingKeys.invoices(),
    queryFn: ({ signal }) => apiRequest<{ items: InvoiceSummary[] }>('/v1/billing/invoices', { signal }).then((r) => r.items),
  });
}

/** Corrections of the tenant's usage (written by the operator; read-only here). */
export function useAdjustments() {
  return useQuery({
    queryKey: billingKeys.adjustments(),
    queryFn: ({ signal }) => apiRequest<{ items: UsageAdjustment[] }>('/v1/usage/adjustments', { signal }).then((r) => r.items),
  });
}

export function useAlertRules() {
  return useQuery({
    queryKey: billingKeys.alerts(),
    queryFn: ({ signal }) => apiRequest<{ items: UsageAlertRule[] }>('/v1/usage/alerts', { signal }).then((r) => r.items),
  });
}

export function useCreateAlertRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewUsageAlertRule) => apiRequest<UsageAlertRule>('/v1/usage/alerts', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: billingKeys.alerts() }),
  });
}

export function useDeleteAlertRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<undefined>(`/v1/usage/alerts/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: billingKeys.alerts() }),
  });
}
