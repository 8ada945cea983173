import { Badge, Code, Group, Stack, Text } from '@mantine/core';
import type { ConnectionFields, ConnectionHealth, ConnectionStatus, Environment } from '../api/types';
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

export type MonitorStatus = ConnectionHealth['status'];

/** The health monitor's status in words (`unknown`: the monitor has not checked the connection yet). */
export const MONITOR_LABELS: Record<MonitorStatus, string> = { healthy: 'Healthy', degraded: 'Degraded', down: 'Down', unknown: 'Not checked yet' };
const MONITOR_COLORS: Record<MonitorStatus, string> = { healthy: 'green', degraded: 'orange', down: 'red', unknown: 'gray' };

/**
 * The status in words for one connection: the built-in echo connection is never checked, and an
 * HL7 v2 feed (no light check) keeps `unknown` until its traffic speaks for it.
 */
export function monitorLabel(c: Pick<ConnectionFields, 'vendor' | 'health'>): string {
  if (c.vendor === 'echo') return 'Not monitored';
  if (c.health.status === 'unknown' && c.vendor === 'hl7v2' && c.health.lastCheckAt) return 'No traffic yet';
  return MONITOR_LABELS[c.health.status];
}

/** The health monitor's status of a connection (its scheduled checks), as opposed to the last test someone ran. */
export function MonitorBadge({ status, label = MONITOR_LABELS[status], size }: { status: MonitorStatus; label?: string; size?: 'sm' | 'md' }) {
  return (
    <Badge color={MONITOR_COLORS[status]} variant="light" size={size}>
      {label}
    </Badge>
  );
}

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
/** An error rate (0…1) as a percentage: "12.5%". */
export const formatErrorRate = (rate: number): string => percent.format(rate);

/**
 * The monitor's status for a table cell: the badge, and when the connection is not healthy
 * what made it so (the failed check's code, else the recent calls' error rate).
 */
export function MonitorSummary({ connection }: { connection: Pick<ConnectionFields, 'vendor' | 'health'> }) {
  const { health } = connection;
  const troubled = health.status === 'degraded' || health.status === 'down';
  return (
    <Group gap="xs" wrap="nowrap">
      <MonitorBadge status={health.status} label={monitorLabel(connection)} />
      {troubled && health.lastCheckError ? <Code>{health.lastCheckError}</Code> : null}
      {troubled && !health.lastCheckError && health.recentCalls > 0 ? (
        <Text size="xs" c="dimmed">
          {formatErrorRate(health.errorRate)} of {health.recentCalls} calls failed
        </Text>
      ) : null}
    </Group>
  );
}

export type HealthState = 'passed' | 'failed' | 'untested';

/** The outcome of the last test someone ran, from the health summary the API keeps. */
export function healthOf(c: ConnectionFields): HealthState {
  const { lastTestedAt, lastSuccessAt, lastErrorAt } = c.health;
  if (!lastTestedAt) return 'untested';
  if (lastSuccessAt === lastTestedAt) return 'passed';
  if (lastErrorAt === lastTestedAt) return 'failed';
  return lastSuccessAt && (!lastErrorAt || lastSuccessAt > lastErrorAt) ? 'passed' : 'failed';
}

/**
 * The last test someone ran ("Run test", or the sandbox wiring). Says when it ran rather than
 * `lastSuccessAt`, which also counts the monitor's checks and real traffic.
 */
export function HealthSummary({ connection }: { connection: ConnectionFields }) {
  const state = healthOf(connection);
  const { lastErrorCode, lastTestedAt } = connection.health;
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
          Tested {formatRelative(lastTestedAt)}
        </Text>
      )}
    </Stack>
  );
}
