import { Badge, Button, Card, Code, Group, Modal, NativeSelect, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../users/dialogs';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { useConnectionNames, type KnownConnections } from './connection-names';
import { useAlertRules, useCreateAlertRule, useDeleteAlertRule } from './queries';
import { lastYearRange } from './recent-range';
import type { AlertMetric, NewUsageAlertRule, UsageAlertRule } from '../api/types';
import { classLabel, CLASS_LABELS } from './usage-series';

type TransactionClass = NonNullable<NewUsageAlertRule['class']>;

/** A positive decimal as the API takes it: up to 15 integer digits and 6 decimals. */
const DECIMAL = /^(0|[1-9]\d{0,14})(\.\d{1,6})?$/;
const WHOLE = /^[1-9]\d{0,14}$/;

/**
 * What each metric measures and what its threshold is written in, with the API's rules:
 * amounts are priced per tenant (no connection), a percentage of included units needs a class.
 */
export const METRICS: Record<AlertMetric, { label: string; unit: 'units' | 'amount' | '%'; pattern: RegExp; hint: string; perConnection: boolean; needsClass: boolean }> = {
  units: { label: 'Billable units', unit: 'units', pattern: WHOLE, hint: 'A whole number of units, e.g. 10000', perConnection: true, needsClass: false },
  amount: { label: 'Amount so far', unit: 'amount', pattern: DECIMAL, hint: 'An amount in your billing currency, e.g. 500.00', perConnection: false, needsClass: false },
  includedPercent: { label: '% of included units', unit: '%', pattern: DECIMAL, hint: 'A percentage of the class’s included units, e.g. 80', perConnection: true, needsClass: true },
  projectedSpend: { label: 'Projected spend', unit: 'amount', pattern: DECIMAL, hint: 'The period’s projected total, e.g. 2000.00', perConnection: false, needsClass: false },
};
const METRIC_KEYS = Object.keys(METRICS) as AlertMetric[];
const TRANSACTION_CLASSES: TransactionClass[] = ['fhir.read', 'fhir.search', 'fhir.write', 'hl7.in', 'hl7.out', 'bulk.resource', 'smart.launch'];
const positive = (t: string) => !/^0(\.0+)?$/.test(t);

/** A threshold or a measured value in the metric's unit ("10,000 units", "80%", "500.00"). */
const thresholdValue = (r: UsageAlertRule, value: string) => {
  const unit = METRICS[r.metric].unit;
  return unit === '%' ? `${value}%` : unit === 'units' && /^\d+$/.test(value) ? `${BigInt(value).toLocaleString()} units` : value;
};
const thresholdText = (r: UsageAlertRule) => thresholdValue(r, r.threshold);

function RuleForm({ connections, pending, error, onSubmit, onCancel }: { connections: KnownConnections['list']; pending: boolean; error: unknown; onSubmit: (r: NewUsageAlertRule) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [metric, setMetric] = useState<AlertMetric>('units');
  const [threshold, setThreshold] = useState('');
  const [connectionId, setConnectionId] = useState('');
  const [klass, setKlass] = useState<TransactionClass | ''>('');
  const rules = METRICS[metric];
  const valid = rules.pattern.test(threshold.trim()) && positive(threshold.trim());
  const complete = valid && !!name.trim() && (!rules.needsClass || klass !== '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!complete) return;
    onSubmit({
      name: name.trim(),
      metric,
      threshold: threshold.trim(),
      ...(connectionId && rules.perConnection ? { connectionId } : {}),
      ...(klass ? { class: klass } : {}),
    });
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
          description={rules.perConnection ? 'Leave on all connections to watch the whole tenant' : 'Amounts are priced for the whole tenant (tiers span every connection)'}
          data={[{ value: '', label: 'All connections' }, ...(rules.perConnection ? connections.map((c) => ({ value: c.id, label: c.name })) : [])]}
          value={rules.perConnection ? connectionId : ''}
          disabled={!rules.perConnection}
          onChange={(e) => setConnectionId(e.currentTarget.value)}
        />
        <NativeSelect
          label="Class"
          description={rules.needsClass ? 'Included units are per class: pick one' : undefined}
          data={[{ value: '', label: rules.needsClass ? 'Pick a class' : 'All classes' }, ...TRANSACTION_CLASSES.map((c) => ({ value: c, label: CLASS_LABELS[c] ?? c }))]}
          value={klass}
          onChange={(e) => setKlass(e.currentTarget.value as TransactionClass | '')}
          required={rules.needsClass}
        />
        {Boolean(error) && <ErrorState title="Could not create the alert" error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={pending} disabled={!complete}>
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
        <Table.ScrollContainer minWidth={860}>
          <Table aria-label="Usage alerts" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Metric</Table.Th>
                <Table.Th scope="col" ta="right">
                  Threshold
                </Table.Th>
                <Table.Th scope="col">Applies to</Table.Th>
                <Table.Th scope="col">Last fired</Table.Th>
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
                  <Table.Td>{METRICS[r.metric].label}</Table.Td>
                  <Table.Td ta="right">{thresholdText(r)}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {!r.connectionId && !r.class && <Badge variant="outline">Whole tenant</Badge>}
                      {r.connectionId && <Badge variant="outline" tt="none">{connections.nameOf(r.connectionId)}</Badge>}
                      {r.class && <Badge variant="outline" tt="none">{classLabel(r.class)}</Badge>}
                    </Group>
                  </Table.Td>
                  <Table.Td>{r.lastFiring ? `${formatDateTime(r.lastFiring.firedAt)} (at ${thresholdValue(r, r.lastFiring.value)})` : 'Not yet'}</Table.Td>
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
