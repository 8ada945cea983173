import { Anchor, Button, Card, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useCan } from '../auth/session';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { EnvironmentBadge, HealthSummary, MonitorSummary, StatusBadge } from './badges';
import { HEALTH_REFRESH_MS, useConnections } from './queries';
import { VENDOR_LABELS } from './vendors';

/** The tenant's hospitals and their health. */
export default function ConnectionsListPage() {
  const connections = useConnections({ refetchIntervalMs: HEALTH_REFRESH_MS });
  const canAdd = useCan('admin:connections');
  const addButton = canAdd ? (
    <Button component={Link} to="/connections/new">
      Add connection
    </Button>
  ) : null;

  let content;
  if (connections.isPending) content = <LoadingState label="Loading connections…" />;
  else if (connections.error) content = <ErrorState title="Could not load connections" error={connections.error} onRetry={() => void connections.refetch()} />;
  else if (connections.data.length === 0)
    content = (
      <EmptyState title="No connections yet">
        <Text c="dimmed" ta="center" maw={460}>
          A connection is one hospital system: an Epic or Oracle Health FHIR API, or an HL7 v2 interface.
          {canAdd ? ' Start with the sandbox EHR to see data flow in a minute.' : ' An admin of your organization adds them.'}
        </Text>
        {addButton}
      </EmptyState>
    );
  else
    content = (
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={820}>
          <Table highlightOnHover verticalSpacing="sm" aria-label="Connections" captionSide="bottom">
            <Table.Caption ta="left" px="sm" fz="xs">
              Health: the monitor’s scheduled checks of live connections. Last test: the most recent test someone ran.
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Vendor</Table.Th>
                <Table.Th scope="col">Environment</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Health</Table.Th>
                <Table.Th scope="col">Last test</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {connections.data.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/connections/${c.id}`} fw={500}>
                      {c.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{VENDOR_LABELS[c.vendor] ?? c.vendor}</Table.Td>
                  <Table.Td>
                    <EnvironmentBadge environment={c.environment} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={c.status} />
                  </Table.Td>
                  <Table.Td>
                    <MonitorSummary connection={c} />
                  </Table.Td>
                  <Table.Td>
                    <HealthSummary connection={c} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
    );

  return (
    <Page title="Connections" actions={connections.data && connections.data.length > 0 ? addButton : null}>
      {content}
    </Page>
  );
}
