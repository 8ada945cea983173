import { Badge } from '@mantine/core';
import type { WebhookEndpoint } from '../api/types';

const REASONS: Record<string, string> = {
  manual: 'disabled by a person',
  gone: 'disabled: the endpoint answered 410 Gone',
  failing: 'disabled: failing for 5 days',
};

export function EndpointStatusBadge({ endpoint }: { endpoint: Pick<WebhookEndpoint, 'status' | 'disabledReason'> }) {
  if (endpoint.status === 'enabled')
    return (
      <Badge variant="light" color="green">
        enabled
      </Badge>
    );
  return (
    <Badge variant="filled" color="red" title={endpoint.disabledReason ? (REASONS[endpoint.disabledReason] ?? endpoint.disabledReason) : undefined}>
      disabled{endpoint.disabledReason && endpoint.disabledReason !== 'manual' ? ` · ${endpoint.disabledReason}` : ''}
    </Badge>
  );
}

export const describeDisabledReason = (reason: string | null): string | null => (reason ? (REASONS[reason] ?? reason) : null);

export const eventTypesText = (types: readonly string[]): string => (types.includes('*') ? 'All event types' : types.join(', '));
