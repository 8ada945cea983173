import { Alert, Button, Center, Code, Group, Loader, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { isApiError } from '../api/client';

/** The API's code and message, as every error in the console shows them. */
export function describeError(error: unknown): { code: string; message: string } {
  if (isApiError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'client_error', message: error.message };
  // The console's own notices (no access, not found, page errors) come as { code, message }.
  const notice = error as { code?: unknown; message?: unknown } | null;
  if (typeof notice?.code === 'string' && typeof notice.message === 'string') return { code: notice.code, message: notice.message };
  return { code: 'client_error', message: 'Something went wrong' };
}

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" />
        <Text c="dimmed">{label}</Text>
      </Group>
    </Center>
  );
}

/** An API error with its code, its field issues and an optional retry. */
export function ErrorState({ error, title = 'Something went wrong', onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const { code, message } = describeError(error);
  const issues = isApiError(error) ? error.issues : undefined;
  return (
    <Alert color="red" title={title} role="alert" variant="light">
      <Stack gap="xs">
        <Text size="sm">
          {message} <Code>{code}</Code>
        </Text>
        {issues && issues.length > 0 && (
          <ul style={{ margin: 0, paddingLeft: '1.2em' }}>
            {issues.map((issue) => (
              <li key={`${issue.path}:${issue.message}`}>
                <Text size="sm" span>
                  {issue.path ? <Code>{issue.path}</Code> : null} {issue.message}
                </Text>
              </li>
            ))}
          </ul>
        )}
        {onRetry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Stack align="center" gap="xs" py="xl">
      <Title order={3} size="h4">
        {title}
      </Title>
      {children}
    </Stack>
  );
}
