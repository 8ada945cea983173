import { Badge, Code, Group, Stack, Text } from '@mantine/core';
import type { ConnectionFields, ConnectionStatus, Environment } from '../api/types';
import { formatRelative } from '../ui/time';

const STATUS_COLORS: Record<ConnectionStatus, string> = { draft: 'gray', testing: 'yellow', live: 'green', disabled: 'red' };

export function StatusBadge({ status }: { status: ConnectionStatus }) {
  return (
    <Badge color={STATUS_COLORS[status]} variant="light">
      {status}
    </Badge>
  );
}

export function EnvironmentBadge({ environment }: { environment: Environment }) {
  return (
    <Badge color={environment === 'production' ? 'indigo' : 'cyan'} variant="outline">
      {environment}
    </Badge>
  );
}

export type HealthState = 'passed' | 'failed' | 'untested';

/** The outcome of the last test, from the health summary the API keeps. */
export function healthOf(c: ConnectionFields): HealthState {
  const { lastTestedAt, lastSuccessAt, lastErrorAt } = c.health;
  if (!lastTestedAt) return 'untested';
  if (lastSuccessAt === lastTestedAt) return 'passed';
  if (lastErrorAt === lastTestedAt) return 'failed';
  return lastSuccessAt && (!lastErrorAt || lastSuccessAt > lastErrorAt) ? 'passed' : 'failed';
}

export function HealthSummary({ connection }: { connection: ConnectionFields }) {
  const state = healthOf(connection);
  const { lastErrorCode, lastSuccessAt, lastTestedAt } = connection.health;
  return (
    <Stack gap={2}>
      <Group gap="xs">
        {state === 'passed' && (
          <Badge color="green" variant="dot">
            Last test ok
          </Badge>
        )}
        {state === 'failed' && (
          <Badge color="red" variant="dot">
            Last test failed
          </Badge>
        )}
        {state === 'untested' && (
          <Badge color="gray" variant="dot">
            Not tested
          </Badge>
        )}
        {state === 'failed' && lastErrorCode ? <Code>{lastErrorCode}</Code> : null}
      </Group>
      {lastTestedAt && (
        <Text size="xs" c="dimmed">
          Last success {formatRelative(lastSuccessAt)}
        </Text>
      )}
    </Stack>
  );
}
