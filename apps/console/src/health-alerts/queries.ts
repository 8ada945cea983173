import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { HealthAlertFiring, HealthAlertRule, NewHealthAlertRule } from '../api/types';

export const healthAlertKeys = {
  all: ['health-alerts'] as const,
  rules: () => [...healthAlertKeys.all, 'rules'] as const,
  firings: (ruleId: string) => [...healthAlertKeys.all, 'firings', ruleId] as const,
};

/** How often the page re-reads what fired (the monitor checks every minute by default). */
export const FIRINGS_REFRESH_MS = 15_000;

export function useHealthAlertRules() {
  return useQuery({ queryKey: healthAlertKeys.rules(), queryFn: ({ signal }) => api.get('/v1/health-alert-rules', { signal }).then((r) => r.items) });
}

/** A firing with the rule that fired it. */
export interface RuleFiring extends HealthAlertFiring {
  rule: HealthAlertRule;
}

/** Every rule's recent firings (the API keeps 100 per rule), newest first. */
export function useRecentFirings(rules: readonly HealthAlertRule[]): { firings: RuleFiring[]; pending: boolean; error: unknown } {
  const results = useQueries({
    queries: rules.map((rule) => ({
      queryKey: healthAlertKeys.firings(rule.id),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.get('/v1/health-alert-rules/{id}/firings', { params: { id: rule.id }, signal }).then((r) => r.items),
      refetchInterval: FIRINGS_REFRESH_MS,
    })),
  });
  const firings = rules.flatMap((rule, i) => (results[i]?.data ?? []).map((f) => ({ ...f, rule })));
  firings.sort((a, b) => b.at.localeCompare(a.at));
  return { firings, pending: results.some((r) => r.isPending), error: results.find((r) => r.error)?.error ?? null };
}

export function useCreateHealthAlertRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewHealthAlertRule) => api.post('/v1/health-alert-rules', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: healthAlertKeys.rules() }),
  });
}

export function useDeleteHealthAlertRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/v1/health-alert-rules/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: healthAlertKeys.all }),
  });
}
