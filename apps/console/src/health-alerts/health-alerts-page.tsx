import { Anchor, Badge, Button, Card, Code, Modal, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import type { HealthAlertRule } from '../api/types';
import { useCan } from '../auth/session';
import { useConnections } from '../connections/queries';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { ConfirmDialog } from '../users/dialogs';
import { useCreateHealthAlertRule, useDeleteHealthAlertRule, useHealthAlertRules, useRecentFirings, type RuleFiring } from './queries';
import { ALERT_STATUSES, HealthAlertRuleForm } from './rule-form';

const STATUS_LABEL: Record<string, string> = { down: 'Down', degraded: 'Degraded', healthy: 'Healthy again' };
const STATUS_COLOR: Record<string, string> = { down: 'red', degraded: 'yellow', healthy: 'green' };
/** Most recent alerts shown (each rule keeps its last 100). */
const RECENT_LIMIT = 50;

function RecentAlerts({ firings, nameOf }: { firings: RuleFiring[]; nameOf: (id: string) => string }) {
  if (firings.length === 0) return <Text c="dimmed">Nothing has fired yet: alerts appear here when a watched connection changes status.</Text>;
  return (
    <Card withBorder padding={0}>
      <Table.ScrollContainer minWidth={720}>
        <Table aria-label="Recent health alerts" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">Connection</Table.Th>
              <Table.Th scope="col">Became</Table.Th>
              <Table.Th scope="col">Rule</Table.Th>
              <Table.Th scope="col">Webhook</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {firings.slice(0, RECENT_LIMIT).map((f) => (
              <Table.Tr key={`${f.rule.id}:${f.changeId}`}>
                <Table.Td>{formatDateTime(f.at)}</Table.Td>
                <Table.Td>
                  <Anchor component={Link} to={`/connections/${f.connectionId}`}>
                    {nameOf(f.connectionId)}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLOR[f.status]} variant="light">
                    {STATUS_LABEL[f.status]}
                  </Badge>
                </Table.Td>
                <Table.Td>{f.rule.name}</Table.Td>
                <Table.Td>{f.suppressed ? <Text size="sm">Held back (quiet hours)</Text> : <Code>connection.health_alert</Code>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

/**
 * Health alerts: rules saying which connections' transitions page someone (sent as signed
 * `connection.health_alert` webhooks, held back within quiet hours), and what fired lately.
 */
export default function HealthAlertsPage() {
  const rules = useHealthAlertRules();
  const canManage = useCan('admin:connections');
  const connections = useConnections();
  const recent = useRecentFirings(rules.data ?? []);
  const create = useCreateHealthAlertRule();
  const remove = useDeleteHealthAlertRule();
  const [creating, setCreating] = useState(false);
  const [toDelete, setToDelete] = useState<HealthAlertRule | null>(null);
  const names = new Map((connections.data ?? []).map((c) => [c.id, c.name]));
  const nameOf = (id: string) => names.get(id) ?? 'a deleted connection';
  const close = () => {
    setCreating(false);
    create.reset();
  };
  const createButton = canManage ? <Button onClick={() => setCreating(true)}>Create alert</Button> : null;

  let content;
  if (rules.isPending) content = <LoadingState label="Loading health alerts…" />;
  else if (rules.error) content = <ErrorState title="Could not load health alerts" error={rules.error} onRetry={() => void rules.refetch()} />;
  else if (rules.data.length === 0)
    content = (
      <EmptyState title="No health alerts yet">
        <Text c="dimmed" ta="center" maw={480} size="sm">
          Get a <Code>connection.health_alert</Code> webhook when a connection goes down, degrades or recovers.{canManage ? '' : ' An owner or admin sets them up.'}
        </Text>
        {createButton}
      </EmptyState>
    );
  else
    content = (
      <Stack gap="lg">
        <Card withBorder padding={0}>
          <Table.ScrollContainer minWidth={760}>
            <Table aria-label="Health alert rules" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Connections</Table.Th>
                  <Table.Th scope="col">Alerts when</Table.Th>
                  <Table.Th scope="col">Quiet hours</Table.Th>
                  <Table.Th scope="col">
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rules.data.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Th scope="row" fw={500}>
                      {r.name}
                    </Table.Th>
                    <Table.Td>{r.connectionIds.length === 0 ? <Badge variant="outline">All connections</Badge> : r.connectionIds.map(nameOf).join(', ')}</Table.Td>
                    <Table.Td>{ALERT_STATUSES.filter((s) => r.to.includes(s.value)).map((s) => STATUS_LABEL[s.value]).join(', ')}</Table.Td>
                    <Table.Td>{r.quietHours ? `${r.quietHours.from}–${r.quietHours.to} ${r.quietHours.timezone}` : 'None'}</Table.Td>
                    <Table.Td>
                      {canManage && (
                        <Button size="xs" variant="light" color="red" onClick={() => setToDelete(r)} aria-label={`Delete ${r.name}`}>
                          Delete
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
        <Stack gap="xs">
          <Title order={2} size="h4">
            Recent alerts
          </Title>
          {recent.error ? <ErrorState title="Could not load recent alerts" error={recent.error} /> : recent.pending ? <LoadingState label="Loading recent alerts…" /> : <RecentAlerts firings={recent.firings} nameOf={nameOf} />}
        </Stack>
      </Stack>
    );

  return (
    <Page title="Health alerts" actions={rules.data && rules.data.length > 0 ? createButton : null}>
      {content}
      <Modal opened={creating} onClose={close} title="Create a health alert" centered size="lg">
        <HealthAlertRuleForm
          connections={(connections.data ?? []).filter((c) => c.vendor !== 'echo')}
          pending={create.isPending}
          error={create.error}
          onCancel={close}
          onSubmit={(rule) => create.mutate(rule, { onSuccess: close })}
        />
      </Modal>
      <ConfirmDialog
        opened={toDelete !== null}
        title={toDelete ? `Delete ${toDelete.name}?` : ''}
        confirmLabel={toDelete ? `Delete ${toDelete.name}` : 'Delete'}
        pending={remove.isPending}
        error={remove.error}
        errorTitle="Could not delete the alert"
        onClose={() => {
          setToDelete(null);
          remove.reset();
        }}
        onConfirm={() => toDelete && remove.mutate(toDelete.id, { onSuccess: () => setToDelete(null) })}
      >
        {toDelete && <Text size="sm">No more webhooks are sent for {toDelete.name}. Alerts already sent stay in your webhook history.</Text>}
      </ConfirmDialog>
    </Page>
  );
}
