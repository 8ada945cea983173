import { Badge, Button, Code, Group, Stack, Table, Text } from '@mantine/core';
import type { WebhookEndpoint } from '../api/types';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { AttemptStatusBadge, ResponseExcerpt } from './attempt-views';
import { useAttempts, useDeliveries, useReplayOne } from './queries';

/** "Deliver again" for one event, with its outcome next to the button. */
function DeliverAgain({ endpoint, eventId }: { endpoint: WebhookEndpoint; eventId: string }) {
  const replay = useReplayOne(endpoint.id);
  return (
    <Group gap="xs" wrap="nowrap">
      <Button size="compact-xs" variant="light" onClick={() => replay.mutate(eventId)} loading={replay.isPending} disabled={endpoint.status !== 'enabled'} aria-label={`Deliver event ${eventId} again`}>
        Deliver again
      </Button>
      {replay.isSuccess && (
        <Text size="xs" role="status">
          scheduled
        </Text>
      )}
      {replay.error && <ErrorState title="Not scheduled" error={replay.error} />}
    </Group>
  );
}

/** Attempts, newest first, paged with the API's cursor. */
export function AttemptsPanel({ endpoint, canChange }: { endpoint: WebhookEndpoint; canChange: boolean }) {
  const attempts = useAttempts(endpoint.id);
  if (attempts.isPending) return <LoadingState label="Loading attempts…" />;
  if (attempts.error && !attempts.data) return <ErrorState title="Could not load attempts" error={attempts.error} onRetry={() => void attempts.refetch()} />;
  const rows = attempts.data.pages.flatMap((p) => p.data);
  if (rows.length === 0)
    return (
      <EmptyState title="No delivery attempts yet">
        <Text size="sm" c="dimmed">
          Send a test event, or wait for the first subscribed event.
        </Text>
      </EmptyState>
    );
  return (
    <Stack gap="sm">
      <Table.ScrollContainer minWidth={960}>
        <Table verticalSpacing="xs" aria-label="Attempts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Attempted</Table.Th>
              <Table.Th scope="col">Event (webhook-id)</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">HTTP</Table.Th>
              <Table.Th scope="col">Latency</Table.Th>
              <Table.Th scope="col">Error</Table.Th>
              <Table.Th scope="col">Response</Table.Th>
              {canChange && <Table.Th scope="col">Action</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{formatDateTime(a.attemptedAt)}</Table.Td>
                <Table.Td>
                  <Code>{a.eventId}</Code>
                </Table.Td>
                <Table.Td>
                  <AttemptStatusBadge status={a.status} />
                </Table.Td>
                <Table.Td>{a.statusCode ?? '—'}</Table.Td>
                <Table.Td>{a.durationMs} ms</Table.Td>
                <Table.Td>{a.error ? <Code>{a.error}</Code> : '—'}</Table.Td>
                <Table.Td maw={280}>
                  <ResponseExcerpt excerpt={a.responseExcerpt} compact />
                </Table.Td>
                {canChange && (
                  <Table.Td>
                    <DeliverAgain endpoint={endpoint} eventId={a.eventId} />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {attempts.hasNextPage && (
        <Group justify="center">
          <Button variant="default" onClick={() => void attempts.fetchNextPage()} loading={attempts.isFetchingNextPage}>
            Load older attempts
          </Button>
        </Group>
      )}
      {attempts.isFetchNextPageError && <ErrorState title="Could not load more attempts" error={attempts.error} />}
    </Stack>
  );
}

/** Dead letters: deliveries that used up their retries (`status=failed`). */
export function DeadLettersPanel({ endpoint, canChange }: { endpoint: WebhookEndpoint; canChange: boolean }) {
  const deliveries = useDeliveries(endpoint.id, 'failed');
  if (deliveries.isPending) return <LoadingState label="Loading dead letters…" />;
  if (deliveries.error && !deliveries.data) return <ErrorState title="Could not load dead letters" error={deliveries.error} onRetry={() => void deliveries.refetch()} />;
  const rows = deliveries.data.pages.flatMap((p) => p.data);
  if (rows.length === 0)
    return (
      <EmptyState title="No dead letters">
        <Text size="sm" c="dimmed">
          Every delivery to this endpoint succeeded or is still being retried.
        </Text>
      </EmptyState>
    );
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        Deliveries that failed after every retry, newest first. Deliver one again, or replay a time range.
      </Text>
      <Table.ScrollContainer minWidth={760}>
        <Table verticalSpacing="xs" aria-label="Dead letters">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">Event type</Table.Th>
              <Table.Th scope="col">Event (webhook-id)</Table.Th>
              <Table.Th scope="col">Attempts</Table.Th>
              <Table.Th scope="col">Last answer</Table.Th>
              {canChange && <Table.Th scope="col">Action</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>{formatDateTime(d.createdAt)}</Table.Td>
                <Table.Td>{d.eventType ? <Badge variant="outline">{d.eventType}</Badge> : '—'}</Table.Td>
                <Table.Td>
                  <Code>{d.eventId}</Code>
                </Table.Td>
                <Table.Td>{d.attempts}</Table.Td>
                <Table.Td>
                  {d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : '—'} {d.lastError ? <Code>{d.lastError}</Code> : null}
                </Table.Td>
                {canChange && (
                  <Table.Td>
                    <DeliverAgain endpoint={endpoint} eventId={d.eventId} />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {deliveries.hasNextPage && (
        <Group justify="center">
          <Button variant="default" onClick={() => void deliveries.fetchNextPage()} loading={deliveries.isFetchingNextPage}>
            Load more
          </Button>
        </Group>
      )}
      {deliveries.isFetchNextPageError && <ErrorState title="Could not load more dead letters" error={deliveries.error} />}
    </Stack>
  );
}
