import { Anchor, Badge, Button, Code, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { Hl7MessageDetail } from '../api/types';
import { useCan } from '../auth/session';
import { EmptyState, ErrorState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { deliveriesOf, findMessageEvents, type EventDelivery } from './event-trail';

const DELIVERY_COLORS: Record<string, string> = { succeeded: 'green', pending: 'blue', failed: 'red' };

function DeliveryRows({ rows }: { rows: EventDelivery[] }) {
  if (rows.length === 0) return <Text size="sm" c="dimmed">No webhook endpoint subscribes to this event type.</Text>;
  return (
    <Table verticalSpacing={4} aria-label="Webhook deliveries">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Endpoint</Table.Th>
          <Table.Th scope="col">Delivery</Table.Th>
          <Table.Th scope="col">Latest attempt</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map(({ endpoint, delivery, attempts }) => {
          const latest = attempts[0];
          return (
            <Table.Tr key={endpoint.id}>
              <Table.Td>
                <Anchor component={Link} to={`/webhooks/${endpoint.id}`} style={{ wordBreak: 'break-all' }}>
                  {endpoint.url}
                </Anchor>
              </Table.Td>
              <Table.Td>
                {delivery ? (
                  <Group gap="xs">
                    <Badge variant="light" color={DELIVERY_COLORS[delivery.status] ?? 'gray'}>
                      {delivery.status}
                    </Badge>
                    <Text size="xs" c="dimmed">
                      {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
                    </Text>
                  </Group>
                ) : (
                  <Text size="xs" c="dimmed">
                    not among the endpoint’s latest 100 deliveries
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {latest ? (
                  <Text size="sm">
                    {latest.statusCode !== null ? `HTTP ${latest.statusCode}` : (latest.error ?? 'no answer')} · {latest.durationMs} ms · {formatDateTime(latest.attemptedAt)}
                  </Text>
                ) : (
                  '—'
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

/** "Events from this message" → their webhook deliveries and attempts. */
export function EventTrail({ connectionId, message }: { connectionId: string; message: Hl7MessageDetail }) {
  const canReadWebhooks = useCan('webhooks:read');
  const search = useMutation({
    mutationFn: async () => {
      const found = await findMessageEvents(connectionId, message);
      return { ...found, deliveries: await deliveriesOf(found.events) };
    },
  });

  if (!canReadWebhooks) return <Text size="sm" c="dimmed">Following events to webhook deliveries needs the webhooks:read permission.</Text>;
  if (message.status !== 'processed') return <Text size="sm" c="dimmed">Only a processed message raises events.</Text>;

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        The API does not record which message raised an event, so events are matched by this connection, the processing time and the FHIR resources this message produced.
      </Text>
      <Group>
        <Button variant="light" onClick={() => search.mutate()} loading={search.isPending}>
          Find events from this message
        </Button>
      </Group>
      {search.isPending && (
        <Group gap="xs" role="status" aria-live="polite">
          <Loader size="xs" />
          <Text size="sm">Searching the event feed around {formatDateTime(message.processedAt ?? message.receivedAt)}…</Text>
        </Group>
      )}
      {search.error && <ErrorState title="Could not search the events" error={search.error} />}
      {search.data &&
        (search.data.events.length === 0 ? (
          <EmptyState title="No events found for this message">
            <Text size="sm" c="dimmed">
              {search.data.complete ? 'Messages of some types (or without a patient) raise no events.' : 'The search stopped at its limit; the feed around this time is very busy.'}
            </Text>
          </EmptyState>
        ) : (
          <Stack gap="md" aria-label="Events from this message">
            {search.data.events.map((event) => (
              <Stack key={event.id} gap={4}>
                <Group gap="xs">
                  <Badge variant="outline">{event.type}</Badge>
                  <Text size="sm">{formatDateTime(event.timestamp)}</Text>
                  <Text size="xs" c="dimmed">
                    webhook-id <Code>{event.id}</Code>
                  </Text>
                </Group>
                <DeliveryRows rows={search.data.deliveries.get(event.id) ?? []} />
              </Stack>
            ))}
            {!search.data.complete && (
              <Text size="xs" c="dimmed">
                The search stopped at its limit; there may be more.
              </Text>
            )}
          </Stack>
        ))}
    </Stack>
  );
}
