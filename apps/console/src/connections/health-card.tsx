import { Alert, Box, Code, Group, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import type { ConnectionFields } from '../api/types';
import { Section } from '../ui/section';
import { formatDateTime, formatRelative } from '../ui/time';
import { formatErrorRate, MonitorBadge, MONITOR_LABELS, monitorLabel } from './badges';
import { useConnectionHealth, type ConnectionHealthView, type HealthChange } from './queries';

const dateTimeWithSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const format = (f: Intl.DateTimeFormat, iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : f.format(d);
};

/** Why the monitor changed a connection's status (libs/connection-health decideHealth), in words. */
export const REASON_LABELS: Record<string, string> = {
  check_failed: 'Check failed',
  check_passed: 'Check passed',
  error_rate: 'High error rate',
  traffic_ok: 'Traffic ok',
  no_messages: 'No messages',
};
export const reasonLabel = (reason: string): string => REASON_LABELS[reason] ?? reason.replace(/_/g, ' ');

/** The API's history is capped (apps/api HEALTH_HISTORY_LIMIT). */
const HISTORY_LIMIT = 100;

type ExpiringItem = ConnectionHealthView['health']['expiresSoon'][number];

/** Each kind of expiring credential, named as the tenant admin knows it, with what to do. */
const EXPIRING: Record<string, { what: string; todo: string } | undefined> = {
  'signing-key': { what: 'Signing key', todo: 'generate a new key and let the hospital pick it up.' },
  'client-secret': { what: 'Client secret', todo: 'get a new secret from the vendor and set it here.' },
  'tls-certificate': { what: 'TLS certificate in secret', todo: 'renew it and set the new PEM here.' },
  'mllp-peer-certificate': { what: 'The site’s MLLP certificate', todo: 'ask the hospital to renew it.' },
};

/** What is about to expire (or has), in words; a peer certificate is named by direction and fingerprint. */
function expiryText(item: ExpiringItem): ReactNode {
  const on = format(dateOnly, item.at);
  const past = new Date(item.at).getTime() <= Date.now();
  const { what, todo } = EXPIRING[item.kind] ?? { what: item.kind.replace(/-/g, ' '), todo: 'replace it before then.' };
  const when = item.kind === 'signing-key' ? `passes its rotation age on ${on}` : past ? `expired on ${on}` : `expires on ${on}`;
  return (
    <>
      {what} <Code>{item.name}</Code> {when}: {todo}
    </>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" fw={500}>
        {term}
      </Text>
      <Box component="dd" m={0} fz="sm">
        {children}
      </Box>
    </div>
  );
}

/** A time on its own line, with how long ago (the card re-reads itself, so "ago" stays near the truth). */
function When({ iso }: { iso: string }) {
  return (
    <Text size="xs" c="dimmed">
      {formatDateTime(iso)} · {formatRelative(iso)}
    </Text>
  );
}

function LastCheck({ connection, health }: { connection: ConnectionFields; health: ConnectionHealthView['health'] }) {
  if (!health.lastCheckAt) return <>not yet</>;
  let result: ReactNode = 'Passed';
  if (health.lastCheckError) {
    result = (
      <>
        Failed <Code>{health.lastCheckError}</Code>
      </>
    );
  } else if (connection.vendor === 'hl7v2') {
    // HL7 v2 feeds have no light check: the monitor judges them by their traffic.
    result = 'Judged by its traffic';
  }
  return (
    <>
      <div>{result}</div>
      <When iso={health.lastCheckAt} />
    </>
  );
}

function ErrorRate({ health }: { health: ConnectionHealthView['health'] }) {
  if (health.recentCalls === 0) return <>no recent calls</>;
  return (
    <>
      {formatErrorRate(health.errorRate)} of {health.recentCalls} {health.recentCalls === 1 ? 'call' : 'calls'}
    </>
  );
}

function ChangeCell({ change }: { change: HealthChange }) {
  return (
    <Group gap={4} wrap="nowrap">
      <MonitorBadge status={change.from} size="sm" />
      <Text span size="sm" aria-hidden>
        →
      </Text>
      <VisuallyHidden>to</VisuallyHidden>
      <MonitorBadge status={change.to} size="sm" />
    </Group>
  );
}

/** The monitor's transitions, newest first, each with the webhook event it raised. */
export function HealthHistory({ changes }: { changes: readonly HealthChange[] }) {
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        Health history
      </Title>
      {changes.length === 0 ? (
        <Text size="sm" c="dimmed">
          No changes yet. Each change of status is listed here, newest first, with the <Code>connection.health_changed</Code> webhook event it sent.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label="Health history" verticalSpacing="xs" style={{ whiteSpace: 'nowrap' }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">When</Table.Th>
                <Table.Th scope="col">Change</Table.Th>
                <Table.Th scope="col">Reason</Table.Th>
                <Table.Th scope="col">Error code</Table.Th>
                <Table.Th scope="col">Webhook event</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {changes.map((c) => (
                <Table.Tr key={`${c.at}-${c.from}-${c.to}`}>
                  <Table.Td>{format(dateTimeWithSeconds, c.at)}</Table.Td>
                  <Table.Td>
                    <ChangeCell change={c} />
                  </Table.Td>
                  <Table.Td>{reasonLabel(c.reason)}</Table.Td>
                  <Table.Td>{c.errorCode ? <Code>{c.errorCode}</Code> : '—'}</Table.Td>
                  <Table.Td>
                    {c.eventId ? (
                      <Group gap={6} wrap="nowrap">
                        <Text span size="sm">
                          Sent
                        </Text>
                        <Code fz="xs" title="The event's id, also its webhook-id">
                          {c.eventId}
                        </Code>
                      </Group>
                    ) : (
                      <Text span size="sm">
                        {c.from === 'unknown' ? 'None (first check)' : 'None'}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {changes.length >= HISTORY_LIMIT && (
        <Text size="xs" c="dimmed">
          The latest {HISTORY_LIMIT} changes.
        </Text>
      )}
    </Stack>
  );
}

/** The health monitor's card: status since when, last check, recent error rate, what expires soon, and the history. */
export function HealthView({ connection, view }: { connection: ConnectionFields; view: ConnectionHealthView }) {
  const { health, healthChanges } = view;
  const live = connection.status === 'live';
  let about: string;
  if (connection.vendor === 'echo') about = 'The built-in echo connection answers locally: the monitor does not check it.';
  else if (!live)
    about =
      health.status === 'unknown'
        ? `Checked once the connection is live (it is ${connection.status}).`
        : `Not checked while the connection is ${connection.status}: this is its last known health (${MONITOR_LABELS[health.status]}).`;
  else if (connection.vendor === 'hl7v2')
    about = 'HL7 v2 feeds have no light check: the monitor judges them by their recent messages (degraded when many fail), so the status appears once messages flow.';
  else
    about =
      'The monitor checks live connections on a schedule: degraded after one failed check or when many recent calls fail, down after repeated failed checks. The connection test further down is separate: it runs when someone asks.';
  return (
    <Section title="Health">
      {/* A status region: a screen reader hears the change when the card refreshes itself. */}
      <Group gap="xs" role="status">
        <MonitorBadge status={health.status} label={monitorLabel({ vendor: connection.vendor, health })} />
        {health.statusSince && (
          <Text size="sm">
            since {formatDateTime(health.statusSince)} ({formatRelative(health.statusSince)})
          </Text>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        {about}
      </Text>
      <SimpleGrid component="dl" cols={{ base: 1, sm: 3 }} spacing="sm" m={0}>
        <Fact term="Last check">
          <LastCheck connection={connection} health={health} />
        </Fact>
        <Fact term="Error rate of recent calls">
          <ErrorRate health={health} />
        </Fact>
        <Fact term="Last success">
          {health.lastSuccessAt ? (
            <>
              <div>{formatRelative(health.lastSuccessAt)}</div>
              <When iso={health.lastSuccessAt} />
            </>
          ) : (
            'never'
          )}
        </Fact>
      </SimpleGrid>
      {health.expiresSoon.length > 0 && (
        <Alert color="yellow" variant="light" title="Expiring soon">
          <Stack gap={4}>
            {health.expiresSoon.map((item) => (
              <Text size="sm" key={`${item.kind}:${item.name}`}>
                {expiryText(item)}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      <HealthHistory changes={healthChanges} />
    </Section>
  );
}

/** The card on the detail page, kept fresh while the page is open. */
export function HealthCard({ connection, readAt }: { connection: ConnectionFields & ConnectionHealthView; readAt: number }) {
  const view = useConnectionHealth(connection.id, { health: connection.health, healthChanges: connection.healthChanges }, readAt);
  return <HealthView connection={connection} view={view} />;
}
