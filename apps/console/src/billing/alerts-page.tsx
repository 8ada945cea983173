import { Badge, Button, Card, Code, Group, Modal, NativeSelect, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../users/dialogs';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { useConnectionNames, type KnownConnections } from './connection-names';
import { useAlertRules, useCreateAlertRule, useDeleteAlertRule } from './queries';
import { lastYearRange } from './recent-range';
import type { AlertMetric, NewUsageAlertRule, UsageAlertRule } from './types';
import { classLabel, CLASS_LABELS } from './usage-series';

/** What each metric measures, and what its threshold is written in. */
export const METRICS: Record<AlertMetric, { label: string; unit: string; pattern: RegExp; hint: string }> = {
  units: { label: 'Billable units', unit: 'units', pattern: /^\d+$/, hint: 'A whole number of units, e.g. 10000' },
  amount: { label: 'Amount so far', unit: 'amount', pattern: /^\d+(\.\d+)?$/, hint: 'An amount in your billing currency, e.g. 500.00' },
  includedPercent: { label: '% of included units', unit: '%', pattern: /^\d+(\.\d+)?$/, hint: 'A percentage, e.g. 80' },
  projectedSpend: { label: 'Projected spend', unit: 'amount', pattern: /^\d+(\.\d+)?$/, hint: 'The period’s projected total, e.g. 2000.00' },
};
const METRIC_KEYS = Object.keys(METRICS) as AlertMetric[];
const TRANSACTION_CLASSES = ['fhir.read', 'fhir.search', 'fhir.write', 'hl7.in', 'hl7.out', 'bulk.resource', 'smart.launch'];

const thresholdText = (r: UsageAlertRule) => (METRICS[r.metric]?.unit === '%' ? `${r.threshold}%` : METRICS[r.metric]?.unit === 'units' ? `${Number(r.threshold).toLocaleString()} units` : r.threshold);

function RuleForm({ connections, pending, error, onSubmit, onCancel }: { connections: KnownConnections['list']; pending: boolean; error: unknown; onSubmit: (r: NewUsageAlertRule) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [metric, setMetric] = useState<AlertMetric>('units');
  const [threshold, setThreshold] = useState('');
  const [connectionId, setConnectionId] = useState('');
  const [klass, setKlass] = useState('');
  const valid = METRICS[metric].pattern.test(threshold.trim());
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    onSubmit({ name: name.trim(), metric, threshold: threshold.trim(), ...(connectionId ? { connectionId } : {}), ...(klass ? { class: klass } : {}) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput label="Name" description="Shown in the webhook, e.g. “FHIR reads over 10k”" value={name} onChange={(e) => setName(e.currentTarget.value)} required data-autofocus autoComplete="off" />
        <NativeSelect label="Metric" data={METRIC_KEYS.map((m) => ({ value: m, label: METRICS[m].label }))} value={metric} onChange={(e) => setMetric(e.currentTarget.value as AlertMetric)} />
        <TextInput
          label="Threshold"
          description={METRICS[metric].hint}
          inputMode="decimal"
          value={threshold}
          onChange={(e) => setThreshold(e.currentTarget.value)}
          error={threshold.trim() && !valid ? METRICS[metric].hint : undefined}
          required
          autoComplete="off"
        />
        <NativeSelect
          label="Connection"
          description="Leave on all connections to watch the whole tenant"
          data={[{ value: '', label: 'All connections' }, ...connections.map((c) => ({ value: c.id, label: c.name }))]}
          value={connectionId}
          onChange={(e) => setConnectionId(e.currentTarget.value)}
        />
        <NativeSelect
          label="Class"
          data={[{ value: '', label: 'All classes' }, ...TRANSACTION_CLASSES.map((c) => ({ value: c, label: CLASS_LABELS[c] ?? c }))]}
          value={klass}
          onChange={(e) => setKlass(e.currentTarget.value)}
        />
        {Boolean(error) && <ErrorState title="Could not create the alert" error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={pending} disabled={!name.trim() || !valid}>
            Create alert
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * Usage alert rules: a threshold on units, amount, % of included units or projected spend, for
 * the tenant or one connection or class. A crossing is sent once per period as a signed
 * `usage.threshold_crossed` webhook.
 */
export default function AlertsPage() {
  const rules = useAlertRules();
  const create = useCreateAlertRule();
  const remove = useDeleteAlertRule();
  const range = useMemo(() => lastYearRange(), []);
  const connections = useConnectionNames(range);
  const [creating, setCreating] = useState(false);
  const [toDelete, setToDelete] = useState<UsageAlertRule | null>(null);
  const close = () => {
    setCreating(false);
    create.reset();
  };
  const createButton = <Button onClick={() => setCreating(true)}>Create alert</Button>;

  let content;
  if (rules.isPending) content = <LoadingState label="Loading alerts…" />;
  else if (rules.error) content = <ErrorState title="Could not load alerts" error={rules.error} onRetry={() => void rules.refetch()} />;
  else if (rules.data.length === 0)
    content = (
      <EmptyState title="No usage alerts yet">
        <Text c="dimmed" ta="center" maw={480} size="sm">
          Get a <Code>usage.threshold_crossed</Code> webhook when usage or spend crosses a threshold, once per billing period.
        </Text>
        {createButton}
      </EmptyState>
    );
  else
    content = (
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label="Usage alerts" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Metric</Table.Th>
                <Table.Th scope="col" ta="right">
                  Threshold
                </Table.Th>
                <Table.Th scope="col">Applies to</Table.Th>
                <Table.Th scope="col">Created</Table.Th>
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
                  <Table.Td>{METRICS[r.metric]?.label ?? r.metric}</Table.Td>
                  <Table.Td ta="right">{thresholdText(r)}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {!r.connectionId && !r.class && <Badge variant="outline">Whole tenant</Badge>}
                      {r.connectionId && <Badge variant="outline" tt="none">{connections.nameOf(r.connectionId)}</Badge>}
                      {r.class && <Badge variant="outline" tt="none">{classLabel(r.class)}</Badge>}
                    </Group>
                  </Table.Td>
                  <Table.Td>{formatDateTime(r.createdAt)}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="light" color="red" onClick={() => setToDelete(r)} aria-label={`Delete ${r.name}`}>
                      Delete
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
    );

  return (
    <Page title="Usage alerts" actions={rules.data && rules.data.length > 0 ? createButton : null}>
      {content}
      <Modal opened={creating} onClose={close} title="Create a usage alert" centered>
        <RuleForm connections={connections.list} pending={create.isPending} error={create.error} onCancel={close} onSubmit={(rule) => create.mutate(rule, { onSuccess: close })} />
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
