import { Alert, Anchor, Breadcrumbs, Button, Card, Code, Group, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Hl7MessageStatus } from '../api/types';
import { useCan } from '../auth/session';
import { useConnection } from '../connections/queries';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { MESSAGE_STATUSES, MessageStatusBadge } from './badges';
import { isoToLocalInput, localInputToIso } from './datetime';
import { PHI_NOTE, usePhiAccess } from './phi';
import { useMessageLog, type MessageFilters } from './queries';

/** The filters that may live in the address bar (none of them is PHI). */
const URL_FILTERS = ['status', 'type', 'controlId', 'from', 'to'] as const;

function filtersFromUrl(params: URLSearchParams): Omit<MessageFilters, 'patientIdentifier'> {
  const status = params.get('status');
  return {
    status: status && (MESSAGE_STATUSES as readonly string[]).includes(status) ? (status as Hl7MessageStatus) : undefined,
    type: params.get('type') ?? undefined,
    controlId: params.get('controlId') ?? undefined,
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
  };
}

interface Draft {
  status: string;
  type: string;
  controlId: string;
  from: string;
  to: string;
  patientIdentifier: string;
}

const draftOf = (f: MessageFilters): Draft => ({
  status: f.status ?? '',
  type: f.type ?? '',
  controlId: f.controlId ?? '',
  from: isoToLocalInput(f.from),
  to: isoToLocalInput(f.to),
  patientIdentifier: f.patientIdentifier ?? '',
});

function FilterForm({ initial, showPatient, onApply }: { initial: MessageFilters; showPatient: boolean; onApply: (f: MessageFilters) => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial));
  const set = (key: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({
      status: (draft.status || undefined) as Hl7MessageStatus | undefined,
      type: draft.type.trim().toUpperCase() || undefined,
      controlId: draft.controlId.trim() || undefined,
      from: localInputToIso(draft.from),
      to: localInputToIso(draft.to),
      patientIdentifier: showPatient ? draft.patientIdentifier.trim() || undefined : undefined,
    });
  };
  const clear = () => {
    setDraft(draftOf({}));
    onApply({});
  };
  return (
    <Card withBorder component="form" onSubmit={submit} aria-label="Message filters">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="sm">
          <Select
            label="Status"
            placeholder="Any status"
            data={MESSAGE_STATUSES.map((s) => ({ value: s, label: s }))}
            value={draft.status || null}
            onChange={(v) => set('status')(v ?? '')}
            clearable
          />
          <TextInput label="Message type" placeholder="ADT^A01" value={draft.type} onChange={(e) => set('type')(e.currentTarget.value)} />
          <TextInput label="Control ID (MSH-10)" value={draft.controlId} onChange={(e) => set('controlId')(e.currentTarget.value)} autoComplete="off" />
          <TextInput label="Received from" type="datetime-local" value={draft.from} onChange={(e) => set('from')(e.currentTarget.value)} />
          <TextInput label="Received to" type="datetime-local" value={draft.to} onChange={(e) => set('to')(e.currentTarget.value)} />
          {showPatient && (
            <TextInput
              label="Patient identifier"
              description="An MRN or other identifier value; the search is audited and never kept in the address bar."
              value={draft.patientIdentifier}
              onChange={(e) => set('patientIdentifier')(e.currentTarget.value)}
              autoComplete="off"
            />
          )}
        </SimpleGrid>
        <Group>
          <Button type="submit">Apply filters</Button>
          <Button variant="default" onClick={clear}>
            Clear filters
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** The inbound HL7 log of one connection: newest first, filtered, paged with the API's cursor. */
export default function MessageLogPage() {
  const { id = '' } = useParams();
  const connection = useConnection(id);
  const phi = usePhiAccess();
  const canEditDialect = useCan('admin:connections');
  const [params, setParams] = useSearchParams();
  // PHI stays in this component's memory: never the URL, never storage.
  const [patientIdentifier, setPatientIdentifier] = useState<string | undefined>(undefined);
  const filters: MessageFilters = { ...filtersFromUrl(params), patientIdentifier: phi.searchPatients ? patientIdentifier : undefined };
  const log = useMessageLog(id, filters);

  const apply = (next: MessageFilters) => {
    const search = new URLSearchParams();
    for (const key of URL_FILTERS) {
      const value = next[key];
      if (value) search.set(key, value);
    }
    setPatientIdentifier(next.patientIdentifier);
    setParams(search, { replace: true });
  };

  const name = connection.data?.name ?? 'Connection';
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.values(filters).some(Boolean);

  let content;
  if (log.isPending) content = <LoadingState label="Loading messages…" />;
  else if (log.error && !log.data) content = <ErrorState title="Could not load the message log" error={log.error} onRetry={() => void log.refetch()} />;
  else if (items.length === 0)
    content = (
      <EmptyState title={filtered ? 'No messages match these filters' : 'No messages yet'}>
        <Text c="dimmed" ta="center" maw={460}>
          {filtered ? 'Try a wider date range or clear the filters.' : 'Messages appear here as the hospital sends them over MLLP.'}
        </Text>
      </EmptyState>
    );
  else
    content = (
      <Stack gap="sm">
        <Card withBorder padding={0}>
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="xs" highlightOnHover aria-label="Messages">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Received</Table.Th>
                  <Table.Th scope="col">Type</Table.Th>
                  <Table.Th scope="col">Control ID</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  <Table.Th scope="col">Error</Table.Th>
                  <Table.Th scope="col">Processed</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>
                      {phi.readContent ? (
                        <Anchor component={Link} to={`/connections/${id}/messages/${m.id}`} aria-label={`Open message ${m.controlId}`}>
                          {formatDateTime(m.receivedAt)}
                        </Anchor>
                      ) : (
                        formatDateTime(m.receivedAt)
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Code>{m.messageType}</Code>
                    </Table.Td>
                    <Table.Td>
                      <Code>{m.controlId}</Code>
                    </Table.Td>
                    <Table.Td>
                      <MessageStatusBadge status={m.status} />
                    </Table.Td>
                    <Table.Td>
                      {m.errorCode ? (
                        <Stack gap={2}>
                          <Code>{m.errorCode}</Code>
                          {m.errorMeaning && (
                            <Text size="xs" c="dimmed">
                              {m.errorMeaning}
                            </Text>
                          )}
                        </Stack>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                    <Table.Td>{formatDateTime(m.processedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
        {log.hasNextPage && (
          <Group justify="center">
            <Button variant="default" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
              Load more
            </Button>
          </Group>
        )}
        {log.isFetchNextPageError && <ErrorState title="Could not load more messages" error={log.error} />}
      </Stack>
    );

  return (
    <Page
      title={`Messages · ${name}`}
      actions={
        canEditDialect && (
          <Button component={Link} to={`/connections/${id}/dialect`} variant="default">
            Edit dialect
          </Button>
        )
      }
    >
      <Breadcrumbs>
        <Anchor component={Link} to="/connections">
          Connections
        </Anchor>
        <Anchor component={Link} to={`/connections/${id}`}>
          {name}
        </Anchor>
        <Text size="sm">Messages</Text>
      </Breadcrumbs>
      {!phi.readContent && (
        <Alert role="note" color="gray" variant="light" title="Metadata only">
          {PHI_NOTE}
        </Alert>
      )}
      <FilterForm initial={filters} showPatient={phi.searchPatients} onApply={apply} />
      {content}
    </Page>
  );
}
