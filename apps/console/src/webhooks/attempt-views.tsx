import { Badge, Code, Group, SimpleGrid, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { WebhookAttempt } from '../api/types';
import { formatDateTime } from '../ui/time';

export function AttemptStatusBadge({ status }: { status: WebhookAttempt['status'] }) {
  return (
    <Badge variant="light" color={status === 'succeeded' ? 'green' : 'red'}>
      {status}
    </Badge>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={500}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

/** One attempt in full: status, HTTP status code, latency, error and the response excerpt when the API gives one. */
export function AttemptSummary({ attempt }: { attempt: WebhookAttempt }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" aria-label="Test attempt">
      <Field label="Status">
        <AttemptStatusBadge status={attempt.status} />
      </Field>
      <Field label="HTTP status">{attempt.statusCode ?? 'no answer'}</Field>
      <Field label="Latency">{attempt.durationMs} ms</Field>
      <Field label="Attempted">{formatDateTime(attempt.attemptedAt)}</Field>
      {attempt.error && (
        <Field label="Error">
          <Code>{attempt.error}</Code>
        </Field>
      )}
      <Field label="Response excerpt">
        {attempt.responseExcerpt ? (
          <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            {attempt.responseExcerpt}
          </Code>
        ) : (
          <Group gap={4}>
            <Text size="sm" c="dimmed">
              not recorded by the API
            </Text>
          </Group>
        )}
      </Field>
    </SimpleGrid>
  );
}
