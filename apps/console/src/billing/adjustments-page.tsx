import { Badge, Button, Card, Code, Group, Table, Text } from '@mantine/core';
import { useMemo } from 'react';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { useConnectionNames } from './connection-names';
import { useAdjustments, useInvoices } from './queries';
import { lastYearRange } from './recent-range';
import { classLabel } from './usage-series';

const signed = (n: number) => (n > 0 ? `+${n.toLocaleString()}` : n.toLocaleString());

/**
 * Corrections of the tenant's usage, read-only: the operator writes them (void or amend, with a
 * reason); before a period closes they change its draft, after it they are a credit or debit
 * on the next invoice.
 */
export default function AdjustmentsPage() {
  const adjustments = useAdjustments();
  const invoices = useInvoices();
  const range = useMemo(() => lastYearRange(), []);
  const { nameOf } = useConnectionNames(range);
  const numberOf = (id: string) => invoices.data?.find((i) => i.id === id)?.number ?? id;
  const rows = useMemo(() => adjustments.data?.pages.flatMap((p) => p.data) ?? [], [adjustments.data]);

  let content;
  if (adjustments.isPending) content = <LoadingState label="Loading adjustments…" />;
  else if (adjustments.error) content = <ErrorState title="Could not load adjustments" error={adjustments.error} onRetry={() => void adjustments.refetch()} />;
  else if (rows.length === 0)
    content = (
      <EmptyState title="No adjustments">
        <Text c="dimmed" ta="center" maw={460} size="sm">
          When a transaction was billed wrongly, your Switchboard operator corrects it here with a reason. Usage records are never changed or deleted.
        </Text>
      </EmptyState>
    );
  else
    content = (
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={900}>
          <Table aria-label="Adjustments" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Recorded</Table.Th>
                <Table.Th scope="col">Transaction</Table.Th>
                <Table.Th scope="col">Connection</Table.Th>
                <Table.Th scope="col">Class</Table.Th>
                <Table.Th scope="col">Action</Table.Th>
                <Table.Th scope="col" ta="right">
                  Units
                </Table.Th>
                <Table.Th scope="col">Reason</Table.Th>
                <Table.Th scope="col">Billed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Th scope="row" fw={400}>
                    {formatDateTime(a.createdAt)}
                  </Table.Th>
                  <Table.Td>
                    <Code>{a.transactionId}</Code>
                    <Text size="xs" c="dimmed">
                      at {formatDateTime(a.occurredAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>{nameOf(a.connectionId)}</Table.Td>
                  <Table.Td>{classLabel(a.class)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={a.action === 'void' ? 'red' : 'blue'}>
                      {a.action}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{signed(a.unitsDelta)}</Table.Td>
                  <Table.Td>{a.reason}</Table.Td>
                  <Table.Td>{a.environment === 'sandbox' ? 'Sandbox: never billed' : a.invoiceId ? `On invoice ${numberOf(a.invoiceId)}` : 'Not invoiced yet'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {adjustments.hasNextPage && (
          <Group justify="center" p="sm">
            <Button variant="default" onClick={() => void adjustments.fetchNextPage()} loading={adjustments.isFetchingNextPage}>
              Show older adjustments
            </Button>
          </Group>
        )}
      </Card>
    );

  return (
    <Page title="Adjustments">
      <Text c="dimmed" size="sm">
        Corrections of billed usage, newest first. Only your Switchboard operator can make them.
      </Text>
      {content}
    </Page>
  );
}
