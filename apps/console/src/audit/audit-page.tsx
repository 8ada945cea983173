import { Alert, Badge, Button, Card, Code, Group, Loader, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../api/client';
import type { AuditRecord } from '../api/types';
import { useApiKeys } from '../api-keys/queries';
import { useCan } from '../auth/session';
import { connectionKeys } from '../connections/queries';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { useUsers } from '../users/queries';
import { auditKeys, useAuditLog, useVerifyChain } from './queries';

function VerifyBanner() {
  const verify = useVerifyChain();
  const again = (
    <Button size="xs" variant="default" onClick={() => void verify.refetch()} loading={verify.isFetching}>
      Verify again
    </Button>
  );
  if (verify.isPending)
    return (
      <Alert color="gray" variant="light" role="status" title="Verifying the audit chain…" icon={<Loader size="xs" />}>
        <Text size="sm">Recomputing every record’s hash on the server.</Text>
      </Alert>
    );
  if (verify.error)
    return (
      <ErrorState title="Could not verify the audit chain" error={verify.error} onRetry={() => void verify.refetch()} />
    );
  const v = verify.data;
  return v.ok ? (
    <Alert color="green" variant="light" role="status" title={`Chain verified: ${v.checked.toLocaleString()} record${v.checked === 1 ? '' : 's'}`}>
      <Group justify="space-between" align="flex-end">
        <Text size="sm">Every record’s hash links to the one before it: none was changed, removed or reordered.</Text>
        {again}
      </Group>
    </Alert>
  ) : (
    <Alert color="red" variant="filled" role="alert" title={`Chain broken at record ${v.brokenAtSequence.toLocaleString()}`}>
      <Group justify="space-between" align="flex-end">
        <Text size="sm">
          Record {v.brokenAtSequence.toLocaleString()} does not match the hash chain: it or the record before it was changed or removed outside Switchboard. Records up to
          {' '}{(v.brokenAtSequence - 1).toLocaleString()} verify. Tell your security officer and keep this evidence.
        </Text>
        {again}
      </Group>
    </Alert>
  );
}

/** Who did it, in words: people by name and email (with admin:users), keys by name (with admin:api-keys), otherwise the id. */
function useActorNames() {
  const users = useUsers(useCan('admin:users'));
  const keys = useApiKeys(useCan('admin:api-keys'));
  const canReadConnections = useCan('connections:read');
  const connections = useQuery({
    queryKey: connectionKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/connections', { signal }).then((r) => r.items),
    enabled: canReadConnections,
  });
  return useMemo(() => {
    const people = new Map((users.data ?? []).map((u) => [u.id, u.name ? `${u.name} (${u.email})` : u.email]));
    const keyNames = new Map((keys.data ?? []).map((k) => [k.id, k.name]));
    const connectionNames = new Map((connections.data ?? []).map((c) => [c.id, c.name]));
    const actor = (r: AuditRecord): { label: string; id?: string } => {
      if (r.actorType === 'user') return people.has(r.actorId) ? { label: people.get(r.actorId) ?? '' } : { label: 'User', id: r.actorId };
      if (r.actorType === 'api-key') return keyNames.has(r.actorId) ? { label: `API key “${keyNames.get(r.actorId)}”` } : { label: 'API key', id: r.actorId };
      if (r.actorType === 'operator') return { label: 'Switchboard operator' };
      if (r.actorType === 'oauth-client') return { label: 'OAuth client', id: r.actorId };
      return { label: r.actorType, id: r.actorId };
    };
    const connection = (id: string | null) => (id ? (connectionNames.get(id) ?? null) : null);
    return { actor, connection };
  }, [users.data, keys.data, connections.data]);
}

const shortId = (id: string) => (id.length > 13 ? `${id.slice(0, 8)}…` : id);

function AuditTable({ records }: { records: AuditRecord[] }) {
  const names = useActorNames();
  return (
    <Card withBorder padding={0}>
      <Table.ScrollContainer minWidth={980}>
        <Table aria-label="Audit records, newest first" verticalSpacing="xs" striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">#</Table.Th>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">Who</Table.Th>
              <Table.Th scope="col">What</Table.Th>
              <Table.Th scope="col">Object</Table.Th>
              <Table.Th scope="col">Patient</Table.Th>
              <Table.Th scope="col">Outcome</Table.Th>
              <Table.Th scope="col">Hash</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {records.map((r) => {
              const actor = names.actor(r);
              const connection = names.connection(r.connectionId);
              return (
                <Table.Tr key={r.sequence}>
                  <Table.Th scope="row" fw={400}>
                    {r.sequence}
                  </Table.Th>
                  <Table.Td>
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      {formatDateTime(r.occurredAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {actor.label}
                      {actor.id && (
                        <>
                          {' '}
                          <Code title={actor.id}>{shortId(actor.id)}</Code>
                        </>
                      )}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {r.operation} <Text span c="dimmed">{r.resourceType}</Text>
                    </Text>
                    {(r.purpose || connection || r.connectionId) && (
                      <Text size="xs" c="dimmed">
                        {[r.purpose && `purpose ${r.purpose}`, (connection ?? r.connectionId) && `via ${connection ?? shortId(r.connectionId ?? '')}`].filter(Boolean).join(' · ')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{r.objectRef ? <Code>{r.objectRef}</Code> : '—'}</Table.Td>
                  <Table.Td>
                    {/* The API withholds the reference from users without the PHI grant: the browser never has it. */}
                    {r.patientRef ? (
                      <Code>{r.patientRef}</Code>
                    ) : r.patientRefHidden ? (
                      <Text size="sm" c="dimmed" fs="italic">
                        hidden (needs PHI access)
                      </Text>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={r.outcome === 'success' ? 'green' : 'red'}>
                      {r.outcome}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={r.hash} withArrow>
                      <Code>{r.hash.slice(0, 10)}…</Code>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

/** The tenant's hash-chained audit log, newest first, with the server's chain verification. */
export default function AuditPage() {
  const log = useAuditLog();
  const client = useQueryClient();
  const records = useMemo(() => log.data?.pages.flatMap((p) => p.items) ?? [], [log.data]);

  let content;
  if (log.isPending) content = <LoadingState label="Loading audit records…" />;
  else if (!log.data) content = <ErrorState title="Could not load the audit log" error={log.error} onRetry={() => void log.refetch()} />;
  else if (records.length === 0) content = <EmptyState title="No audit records yet" />;
  else
    content = (
      <Stack gap="sm">
        <AuditTable records={records} />
        {log.isFetchNextPageError && <ErrorState title="Could not load older records" error={log.error} />}
        <Group justify="center">
          {log.hasNextPage ? (
            <Button variant="default" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
              Show older records
            </Button>
          ) : (
            <Text size="sm" c="dimmed">
              Start of the chain (record 1).
            </Text>
          )}
        </Group>
      </Stack>
    );

  return (
    <Page
      title="Audit"
      actions={
        <Button variant="default" onClick={() => void client.resetQueries({ queryKey: auditKeys.newestFirst() })}>
          Refresh
        </Button>
      }
    >
      <VerifyBanner />
      <Text size="sm" c="dimmed">
        Every change made through the console or the API, and every access to patient data, newest first. Records are hash-chained: each one’s hash covers the one before it.
      </Text>
      {content}
    </Page>
  );
}
