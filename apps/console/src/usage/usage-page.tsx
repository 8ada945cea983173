import { Card, Code, Table, Text } from '@mantine/core';
import { useMemo } from 'react';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { useUsageTotals } from './queries';

const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));

/** Transactions this month by connection, vendor, operation and outcome (the usage feature extends this page: period picker, daily chart). */
export default function UsagePage() {
  const { from, to } = useMemo(() => {
    const now = new Date();
    return { from: monthStart(now).toISOString(), to: now.toISOString() };
  }, []);
  const totals = useUsageTotals(from, to);

  let content;
  if (totals.isPending) content = <LoadingState label="Loading usage…" />;
  else if (totals.error) content = <ErrorState title="Could not load usage" error={totals.error} onRetry={() => void totals.refetch()} />;
  else if (totals.data.length === 0) content = <EmptyState title="No transactions this month" />;
  else
    content = (
      <Card withBorder padding={0}>
        <Table aria-label="Usage totals" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Connection</Table.Th>
              <Table.Th scope="col">Vendor</Table.Th>
              <Table.Th scope="col">Operation</Table.Th>
              <Table.Th scope="col">Outcome</Table.Th>
              <Table.Th scope="col" style={{ textAlign: 'right' }}>
                Transactions
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {totals.data.map((t) => (
              <Table.Tr key={`${t.connectionId}|${t.operation}|${t.outcome}`}>
                <Table.Td>
                  <Code>{t.connectionId}</Code>
                </Table.Td>
                <Table.Td>{t.vendor}</Table.Td>
                <Table.Td>{t.operation}</Table.Td>
                <Table.Td>{t.outcome}</Table.Td>
                <Table.Td style={{ textAlign: 'right' }}>{t.count.toLocaleString()}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    );

  return (
    <Page title="Usage">
      <Text c="dimmed" size="sm">
        This month so far (UTC).
      </Text>
      {content}
    </Page>
  );
}
