import { Badge, Code, SimpleGrid, Text } from '@mantine/core';
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

/** The start of the receiver's answer; `compact` clamps it to two lines for tables. */
export function ResponseExcerpt({ excerpt, compact = false }: { excerpt: string | null; compact?: boolean }) {
  if (!excerpt)
    return (
      <Text size="sm" c="dimmed">
        no body
      </Text>
    );
  if (compact)
    return (
      <Text size="xs" ff="monospace" lineClamp={2} title={excerpt} style={{ wordBreak: 'break-all' }}>
        {excerpt}
      </Text>
    );
  return (
    <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
      {excerpt}
    </Code>
  );
}

/** One attempt in full: status, HTTP status code, latency, error and the start of the receiver's answer. */
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
        <ResponseExcerpt excerpt={attempt.responseExcerpt} />
      </Field>
    </SimpleGrid>
  );
}
