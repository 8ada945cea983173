import { Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { WebhookEndpoint } from '../api/types';
import { ErrorState } from '../ui/states';
import { AttemptSummary } from './attempt-views';
import { TEST_WAIT_MS, useSendTest, useTestAttempt } from './queries';

/** "Send test event": an endpoint.test event to this endpoint only, then its attempt as soon as the worker made it. */
export function TestEventPanel({ endpoint }: { endpoint: WebhookEndpoint }) {
  const send = useSendTest(endpoint.id);
  const [sent, setSent] = useState<{ eventId: string; at: number } | null>(null);
  const attempt = useTestAttempt(endpoint.id, sent?.eventId ?? null, sent?.at ?? 0);
  const pending = sent !== null && !attempt.data && !attempt.error;
  // Re-evaluated on every poll (each one re-renders); after TEST_WAIT_MS the polling stops.
  const expired = sent !== null && Date.now() - sent.at > TEST_WAIT_MS;
  const waiting = pending && !expired;
  const gaveUp = pending && expired && attempt.fetchStatus === 'idle';

  const start = () => {
    setSent(null);
    send.mutate(undefined, { onSuccess: ({ eventId }) => setSent({ eventId, at: Date.now() }) });
  };

  return (
    <Card withBorder component="section" aria-label="Test event">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Test event
        </Title>
        <Text size="sm" c="dimmed">
          Sends a signed <code>endpoint.test</code> event to this endpoint only.
        </Text>
        <Group>
          <Button onClick={start} loading={send.isPending || waiting} disabled={endpoint.status !== 'enabled'}>
            Send test event
          </Button>
          {endpoint.status !== 'enabled' && (
            <Text size="sm" c="dimmed">
              Enable the endpoint to send a test.
            </Text>
          )}
        </Group>
        {waiting && (
          <Group gap="xs" role="status" aria-live="polite">
            <Loader size="xs" />
            <Text size="sm">Test event queued; waiting for the delivery attempt…</Text>
          </Group>
        )}
        {gaveUp && <Text size="sm">No attempt yet after 30 seconds; it will appear in the attempts list when the worker delivers it.</Text>}
        {send.error && <ErrorState title="Could not send the test event" error={send.error} />}
        {attempt.error && <ErrorState title="Could not read the attempt" error={attempt.error} />}
        {attempt.data && <AttemptSummary attempt={attempt.data} />}
      </Stack>
    </Card>
  );
}
