import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../api/client';
import { useCan } from '../auth/session';
import { connectionKeys } from '../connections/queries';
import { usageKeys } from '../usage/queries';

export interface KnownConnections {
  /** The connection's name, or its id when no name is known. */
  nameOf: (id: string) => string;
  /** Every connection known by name, by name. */
  list: { id: string; name: string }[];
}

/**
 * Connection names for the finance pages: from /v1/connections for users who may read
 * connections, otherwise from the names /v1/usage/totals sends along for `range` (finance
 * users read usage only), otherwise the id.
 */
export function useConnectionNames(range: { from: string; to: string } | null): KnownConnections {
  const canRead = useCan('connections:read');
  const connections = useQuery({
    queryKey: connectionKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/connections', { signal }).then((r) => r.items),
    enabled: canRead,
  });
  const from = range?.from ?? '';
  const to = range?.to ?? '';
  const totals = useQuery({
    queryKey: usageKeys.totals(from, to),
    queryFn: ({ signal }) => api.get('/v1/usage/totals', { query: { from, to }, signal }).then((r) => r.items),
    enabled: !canRead && range !== null,
  });
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const t of totals.data ?? []) if (t.connectionName) names.set(t.connectionId, t.connectionName);
    for (const c of connections.data ?? []) names.set(c.id, c.name);
    return {
      nameOf: (id: string) => names.get(id) ?? id,
      list: [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
    };
  }, [totals.data, connections.data]);
}
