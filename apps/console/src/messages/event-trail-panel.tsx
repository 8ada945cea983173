import { Anchor, Badge, Button, Code, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { EventDeliveryTrail, MessageEvent, WebhookAttempt } from '../api/types';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { AttemptStatusBadge } from '../webhooks/attempt-views';
import { noDeliveryReason, useMessageEvents } from './event-trail';

const DELIVERY_COLORS: Record<string, string> = { succeeded: 'green', pending: 'blue', failed: 'red' };

function AttemptLine({ attempt }: { attempt: WebhookAttempt }) {
  return (
    <Group gap={6} wrap="nowrap">
      <AttemptStatusBadge status={attempt.status} />
      <Text size="sm">
        {attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : 'no answer'} · {attempt.durationMs} ms · {formatDateTime(attempt.attemptedAt)}
      </Text>
      {attempt.error && <Code>{attempt.error}</Code>}
    </Group>
  );
}

function DeliveryRows({ event, rows }: { event: MessageEvent; rows: EventDeliveryTrail[] }) {
  if (rows.length === 0) return <Text size="sm" c="dimmed">No webhook endpoint subscribes to this event type.</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table verticalSpacing={4} aria-label="Webhook deliveries">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Endpoint</Table.Th>
            <Table.Th scope="col">Delivery</Table.Th>
            <Table.Th scope="col">Latest attempts</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((trail) => {
            const { endpoint, delivery, latestAttempts } = trail;
            const excerpt = latestAttempts[0]?.responseExcerpt;
            return (
              <Table.Tr key={endpoint.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/webhooks/${endpoint.id}`} style={{ wordBreak: 'break-all' }}>
                    {endpoint.url}
                  </Anchor>
                  {endpoint.status === 'disabled' && (
                    <Badge ml="xs" variant="light" color="gray">
                      disabled
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  {delivery ? (
                    <Group gap="xs">
                      <Badge variant="light" color={DELIVERY_COLORS[delivery.status] ?? 'gray'}>
                        {delivery.status}
                      </Badge>
                      <Text size="xs" c="dimmed">
                        {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
                        {delivery.status === 'pending' && delivery.nextAttemptAt ? ` · next ${formatDateTime(delivery.nextAttemptAt)}` : ''}
                      </Text>
                    </Group>
                  ) : (
                    <Text size="xs" c="dimmed">
                      {noDeliveryReason(event, trail)}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {latestAttempts.length === 0 ? (
                    '—'
                  ) : (
                    <Stack gap={4}>
                      {latestAttempts.map((a) => (
                        <AttemptLine key={a.id} attempt={a} />
                      ))}
                      {excerpt && (
                        <Code block aria-label="Response excerpt" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                          {excerpt}
                        </Code>
                      )}
                    </Stack>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** "Events from this message" → their webhook deliveries and attempts (metadata: no PHI grant needed). */
export function EventTrail({ connectionId, messageId }: { connectionId: string; messageId: string }) {
  const events = useMessageEvents(connectionId, messageId);

  if (events.isPending) return <LoadingState label="Loading events…" />;
  if (events.error) return <ErrorState title="Could not load the events" error={events.error} onRetry={() => void events.refetch()} />;
  const { items, deliveriesHidden } = events.data;

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Every processing of this message, newest first. An event’s id is the <Code>webhook-id</Code> header of its deliveries.
        </Text>
        <Button variant="default" size="xs" onClick={() => void events.refetch()} loading={events.isFetching}>
          Refresh
        </Button>
      </Group>
      {deliveriesHidden && <Text size="sm" c="dimmed">Following events to webhook deliveries needs the webhooks:read permission.</Text>}
      {items.length === 0 ? (
        <EmptyState title="No events from this message">
          <Text size="sm" c="dimmed">
            Only a processed message raises events, and messages of some types (or without a patient) raise none.
          </Text>
        </EmptyState>
      ) : (
        <Stack gap="md" aria-label="Events from this message">
          {items.map((event) => (
            <Stack key={event.id} gap={4}>
              <Group gap="xs">
                <Badge variant="outline">{event.type}</Badge>
                <Text size="sm">{formatDateTime(event.timestamp)}</Text>
                <Text size="xs" c="dimmed">
                  webhook-id <Code>{event.id}</Code>
                </Text>
                {event.relayedAt === null && (
                  <Badge variant="light" color="blue">
                    waiting to be relayed
                  </Badge>
                )}
              </Group>
              {event.deliveries && <DeliveryRows event={event} rows={event.deliveries} />}
            </Stack>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
