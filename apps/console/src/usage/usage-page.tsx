import { Button, Card, Code, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState } from 'react';
import { api } from '../api/client';
import type { UsageGroupBy, UsageTotal } from '../api/types';
import { useCan } from '../auth/session';
import { connectionKeys } from '../connections/queries';
import { Page } from '../ui/page';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { downloadCsv, toCsv } from './csv';
import { customRange, describeRange, PERIOD_OPTIONS, presetRange, rangeDays, type PeriodKind, type Range } from './period';
import { useUsageDaily, useUsageTotals } from './queries';
import { byDimension, GROUP_LABELS, OUTCOME_LABELS, pivotDaily, type DimensionRow, type NameOf } from './summaries';

/** recharts is ~100 KB gzipped: the chart is its own chunk, loaded when the page shows it. */
const DailyChart = lazy(() => import('./daily-chart'));

const GROUPS: UsageGroupBy[] = ['connection', 'vendor', 'operation', 'outcome'];
const num = (n: number) => n.toLocaleString();

/**
 * Connection names: from /v1/connections for users who may read connections,
 * otherwise the names the usage API sends along, otherwise the ids.
 */
function useNameOf(totals: readonly UsageTotal[] | undefined): NameOf {
  const canRead = useCan('connections:read');
  const connections = useQuery({
    queryKey: connectionKeys.list(),
    queryFn: ({ signal }) => api.get('/v1/connections', { signal }).then((r) => r.items),
    enabled: canRead,
  });
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const t of totals ?? []) if (t.connectionName) names.set(t.connectionId, t.connectionName);
    for (const c of connections.data ?? []) names.set(c.id, c.name);
    return (dimension, key) => (dimension === 'connection' ? (names.get(key) ?? key) : dimension === 'outcome' ? (OUTCOME_LABELS[key] ?? key) : key);
  }, [totals, connections.data]);
}

function PeriodPicker({ kind, onKind, custom, onCustom }: { kind: PeriodKind; onKind: (k: PeriodKind) => void; custom: { first: string; last: string }; onCustom: (c: { first: string; last: string }) => void }) {
  const problem = kind === 'custom' ? customRange(custom.first, custom.last) : null;
  const error = problem && 'error' in problem ? problem.error : undefined;
  return (
    <Stack gap="xs">
      <Text id="usage-period-label" size="sm" fw={500}>
        Period
      </Text>
      <SegmentedControl aria-labelledby="usage-period-label" data={[...PERIOD_OPTIONS]} value={kind} onChange={(v) => onKind(v as PeriodKind)} w="fit-content" />
      {kind === 'custom' && (
        <Group align="flex-start">
          <TextInput type="date" label="First day" value={custom.first} onChange={(e) => onCustom({ ...custom, first: e.currentTarget.value })} error={error} />
          <TextInput type="date" label="Last day" value={custom.last} onChange={(e) => onCustom({ ...custom, last: e.currentTarget.value })} />
        </Group>
      )}
    </Stack>
  );
}

function DimensionTable({ dimension, rows }: { dimension: UsageGroupBy; rows: DimensionRow[] }) {
  const label = GROUP_LABELS[dimension];
  return (
    <Card withBorder padding="sm">
      <Title order={3} size="h5" mb="xs">
        By {label.toLowerCase()}
      </Title>
      <Table.ScrollContainer minWidth={320}>
        <Table aria-label={`Totals by ${label.toLowerCase()}`} verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{label}</Table.Th>
              <Table.Th scope="col" ta="right">
                Successful
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Errors
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Total
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.key}>
                <Table.Th scope="row" fw={400}>
                  {dimension === 'connection' && r.label === r.key ? <Code>{r.key}</Code> : r.label}
                </Table.Th>
                <Table.Td ta="right">{num(r.successful)}</Table.Td>
                <Table.Td ta="right">{num(r.errors)}</Table.Td>
                <Table.Td ta="right">{num(r.total)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

function Daily({ range, nameOf }: { range: Range; nameOf: NameOf }) {
  const [groupBy, setGroupBy] = useState<UsageGroupBy>('connection');
  const daily = useUsageDaily(range.from, range.to, groupBy);
  const pivot = useMemo(() => (daily.data ? pivotDaily(daily.data.days, daily.data.groupBy ?? groupBy, nameOf) : null), [daily.data, groupBy, nameOf]);
  const by = GROUP_LABELS[groupBy].toLowerCase();

  let content;
  if (daily.isPending) content = <LoadingState label="Loading the daily series…" />;
  else if (daily.error) content = <ErrorState title="Could not load daily usage" error={daily.error} onRetry={() => void daily.refetch()} />;
  else if (!pivot || pivot.rows.length === 0) content = <EmptyState title="No transactions on any day of this period" />;
  else
    content = (
      <Stack gap="sm">
        <Suspense fallback={<LoadingState label="Loading the chart…" />}>
          <DailyChart rows={pivot.rows} series={pivot.series} description={`Stacked bar chart of transactions per day by ${by}; the same numbers are in the table below`} />
        </Suspense>
        <Group justify="flex-end">
          <Button
            variant="default"
            size="xs"
            onClick={() =>
              downloadCsv(
                `usage-daily-by-${groupBy}-${rangeDays(range).first}-to-${rangeDays(range).last}.csv`,
                toCsv([['date', ...pivot.series.map((s) => s.label)], ...pivot.rows.map((r) => [String(r.date), ...pivot.series.map((s) => Number(r[s.name]))])]),
              )
            }
          >
            Export daily CSV
          </Button>
        </Group>
        <Table.ScrollContainer minWidth={360}>
          <Table aria-label={`Transactions per day by ${by}`} verticalSpacing={4} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Day (UTC)</Table.Th>
                {pivot.series.map((s) => (
                  <Table.Th scope="col" key={s.name} ta="right">
                    {s.label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pivot.rows.map((r) => (
                <Table.Tr key={String(r.date)}>
                  <Table.Th scope="row" fw={400}>
                    {String(r.date)}
                  </Table.Th>
                  {pivot.series.map((s) => (
                    <Table.Td key={s.name} ta="right">
                      {num(Number(r[s.name]))}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
    );

  return (
    <Card withBorder>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-end" wrap="wrap">
          <Title order={2} size="h4">
            Daily transactions
          </Title>
          <Stack gap={4}>
            <Text id="usage-stack-label" size="sm" fw={500}>
              Stack by
            </Text>
            <SegmentedControl
              aria-labelledby="usage-stack-label"
              size="xs"
              data={GROUPS.map((g) => ({ value: g, label: GROUP_LABELS[g] }))}
              value={groupBy}
              onChange={(v) => setGroupBy(v as UsageGroupBy)}
            />
          </Stack>
        </Group>
        {content}
      </Stack>
    </Card>
  );
}

/** Finance's page: transactions for a period by connection, vendor, operation and outcome, and per day. */
export default function UsagePage() {
  const [kind, setKind] = useState<PeriodKind>('this-month');
  const [custom, setCustom] = useState(() => rangeDays(presetRange('this-month')));
  const [lastRange, setLastRange] = useState<Range>(() => presetRange('this-month'));

  // A custom range applies once both days make a valid one; until then the last good range stays shown.
  const range = useMemo<Range>(() => {
    if (kind !== 'custom') return presetRange(kind);
    const r = customRange(custom.first, custom.last);
    return 'error' in r ? lastRange : r;
  }, [kind, custom, lastRange]);
  if (range.from !== lastRange.from || range.to !== lastRange.to) setLastRange(range);

  const totals = useUsageTotals(range.from, range.to);
  const nameOf = useNameOf(totals.data);
  const tables = useMemo(() => (totals.data ? GROUPS.map((g) => ({ dimension: g, rows: byDimension(totals.data, g, nameOf) })) : []), [totals.data, nameOf]);
  const sum = useMemo(() => {
    const s = { successful: 0, errors: 0 };
    for (const t of totals.data ?? []) s[t.outcome === 'success' ? 'successful' : 'errors'] += t.count;
    return s;
  }, [totals.data]);

  const exportTotals = () => {
    if (!totals.data) return;
    const days = rangeDays(range);
    downloadCsv(
      `usage-${days.first}-to-${days.last}.csv`,
      toCsv([
        ['from', 'to', 'connection_id', 'connection', 'vendor', 'operation', 'outcome', 'count'],
        ...totals.data.map((t) => [range.from, range.to, t.connectionId, nameOf('connection', t.connectionId), t.vendor, t.operation, t.outcome, t.count]),
      ]),
    );
  };

  let content;
  if (totals.isPending) content = <LoadingState label="Loading usage…" />;
  else if (totals.error) content = <ErrorState title="Could not load usage" error={totals.error} onRetry={() => void totals.refetch()} />;
  else if (totals.data.length === 0) content = <EmptyState title="No transactions in this period" />;
  else
    content = (
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, xs: 3 }}>
          {[
            ['Successful transactions', sum.successful],
            ['Errors', sum.errors],
            ['All transactions', sum.successful + sum.errors],
          ].map(([label, value]) => (
            <Card withBorder key={label} padding="sm">
              <Text size="sm" c="dimmed">
                {label}
              </Text>
              <Text size="xl" fw={600}>
                {num(Number(value))}
              </Text>
            </Card>
          ))}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {tables.map((t) => (
            <DimensionTable key={t.dimension} dimension={t.dimension} rows={t.rows} />
          ))}
        </SimpleGrid>
      </Stack>
    );

  return (
    <Page
      title="Usage"
      actions={
        <Button variant="default" onClick={exportTotals} disabled={!totals.data || totals.data.length === 0}>
          Export CSV
        </Button>
      }
    >
      <PeriodPicker kind={kind} onKind={setKind} custom={custom} onCustom={setCustom} />
      <Text c="dimmed" size="sm" aria-live="polite">
        {describeRange(range)} (UTC days). Every transaction, successful or not; what is billable, and its price, is on the Billing page.
        {totals.isFetching && !totals.isPending ? ' Updating…' : ''}
      </Text>
      {content}
      {totals.data && totals.data.length > 0 && <Daily range={range} nameOf={nameOf} />}
    </Page>
  );
}
