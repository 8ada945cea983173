import { Anchor, Button, Card, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useCan } from '../auth/session';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { EndpointStatusBadge, eventTypesText } from './badges';
import { useWebhookEndpoints } from './queries';

/** The tenant's webhook endpoints (Svix's App Portal is the model). */
export default function WebhooksListPage() {
  const endpoints = useWebhookEndpoints();
  const canAdd = useCan('admin:webhooks');
  const addButton = canAdd ? (
    <Button component={Link} to="/webhooks/new">
      Add endpoint
    </Button>
  ) : null;

  let content;
  if (endpoints.isPending) content = <LoadingState label="Loading webhook endpoints…" />;
  else if (endpoints.error) content = <ErrorState title="Could not load webhook endpoints" error={endpoints.error} onRetry={() => void endpoints.refetch()} />;
  else if (endpoints.data.length === 0)
    content = (
      <EmptyState title="No webhook endpoints yet">
        <Text c="dimmed" ta="center" maw={460}>
          An endpoint receives signed events (admissions, results, appointments…) as they happen.
          {canAdd ? '' : ' An admin or developer of your organization adds them.'}
        </Text>
        {addButton}
      </EmptyState>
    );
  else
    content = (
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={720}>
          <Table highlightOnHover verticalSpacing="sm" aria-label="Webhook endpoints">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">URL</Table.Th>
                <Table.Th scope="col">Event types</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {endpoints.data.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/webhooks/${e.id}`} fw={500} style={{ wordBreak: 'break-all' }}>
                      {e.url}
                    </Anchor>
                    {e.description && (
                      <Text size="xs" c="dimmed">
                        {e.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{eventTypesText(e.eventTypes)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <EndpointStatusBadge endpoint={e} />
                  </Table.Td>
                  <Table.Td>{formatDateTime(e.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
    );

  return (
    <Page title="Webhooks" actions={endpoints.data && endpoints.data.length > 0 ? addButton : null}>
      {content}
    </Page>
  );
}
