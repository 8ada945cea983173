import { Button, Card, Group, NativeSelect, SegmentedControl, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense, useId, useMemo, useState } from 'react';
import { downloadCsv, toCsv } from '../usage/csv';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { useConnectionNames } from './connection-names';
import { useUsageWindows } from './queries';
import { describePeriod, timeZoneOptions, type UsageWindow } from './time-zones';
import { groupByParam, pivotWindows, SERIES_LABELS, type UsageSeriesGroup } from './usage-series';

/** recharts is its own chunk (shared with the Usage page's chart), loaded when a chart shows. */
const StackedChart = lazy(() => import('../usage/daily-chart'));

const WINDOWS: { value: UsageWindow; label: string }[] = [
  { value: 'hour', label: 'Hour' },
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];
const GROUPS: UsageSeriesGroup[] = ['connection', 'class'];
const num = (n: number) => n.toLocaleString();

export interface NamedRange {
  value: string;
  label: string;
  from: string;
  to: string;
}

/**
 * Billable usage per hour, day, week or month of a period, stacked by connection or by class,
 * on the wall clock of a chosen time zone (the tenant's billing zone first): a chart and, below
 * it, a table with exactly the API's numbers.
 */
export function UsageOverTime({ ranges, billingTimeZone }: { ranges: NamedRange[]; billingTimeZone: string }) {
  const ids = { range: useId(), window: useId(), group: useId() };
  const [rangeValue, setRangeValue] = useState(ranges[0]?.value ?? '');
  const [window, setWindow] = useState<UsageWindow>('day');
  const [groupBy, setGroupBy] = useState<UsageSeriesGroup>('connection');
  const [zone, setZone] = useState(billingTimeZone);
  const [billableOnly, setBillableOnly] = useState(true);
  const range = ranges.find((r) => r.value === rangeValue) ?? ranges[0];
  const query = range ? { from: range.from, to: range.to, window, groupBy: groupByParam(groupBy, billableOnly), timezone: zone } : null;
  const usage = useUsageWindows(query);
  const { nameOf } = useConnectionNames(null);
  const pivot = useMemo(() => (usage.data ? pivotWindows(usage.data.data, groupBy, window, zone, nameOf, billableOnly) : null), [usage.data, groupBy, window, zone, nameOf, billableOnly]);
  const zones = useMemo(() => timeZoneOptions(billingTimeZone), [billingTimeZone]);
  const windowName = WINDOWS.find((w) => w.value === window)?.label ?? window;
  const per = windowName.toLowerCase();
  const by = SERIES_LABELS[groupBy].toLowerCase();
  const what = billableOnly ? 'Billable units' : 'Units';

  let content;
  if (!range) content = <EmptyState title="No period to show" />;
  else if (usage.isPending) content = <LoadingState label="Loading usage over time…" />;
  else if (usage.error) content = <ErrorState title="Could not load usage over time" error={usage.error} onRetry={() => void usage.refetch()} />;
  else if (!pivot || pivot.rows.length === 0) content = <EmptyState title={billableOnly ? 'No billable usage in this period' : 'No usage in this period'} />;
  else
    content = (
      <Stack gap="sm">
        <Suspense fallback={<LoadingState label="Loading the chart…" />}>
          <StackedChart rows={pivot.rows} series={pivot.series} description={`Stacked bar chart of ${what.toLowerCase()} per ${per} by ${by} in ${zone}; the same numbers are in the table below`} />
        </Suspense>
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            Data refreshed {formatDateTime(usage.data?.dataRefreshedAt)}
            {usage.isFetching ? ' · Updating…' : ''}
          </Text>
          <Button
            variant="default"
            size="xs"
            onClick={() =>
              downloadCsv(
                `${billableOnly ? 'billable-' : ''}usage-per-${window}-by-${groupBy}-${range.value}.csv`,
                toCsv([[`${window} (${zone})`, 'start', ...pivot.series.map((s) => s.label)], ...pivot.rows.map((r) => [String(r.date), String(r.start), ...pivot.series.map((s) => Number(r[s.name]))])]),
              )
            }
          >
            Export chart CSV
          </Button>
        </Group>
        <Table.ScrollContainer minWidth={360}>
          <Table aria-label={`${what} per ${per} by ${by}`} verticalSpacing={4} striped>
            <Table.Caption>
              {what} per {per}{billableOnly ? '' : ', billable or not'}, each {per} named by its start in {zone}; {per}s without usage are not listed
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{windowName}</Table.Th>
                {pivot.series.map((s) => (
                  <Table.Th scope="col" key={s.name} ta="right">
                    {s.label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pivot.rows.map((r) => (
                <Table.Tr key={String(r.start)}>
                  <Table.Th scope="row" fw={400}>
                    <time dateTime={String(r.start)}>{String(r.date)}</time>
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
    <Card withBorder component="section" aria-labelledby={`${ids.range}-title`}>
      <Stack gap="sm">
        <Title order={2} size="h4" id={`${ids.range}-title`}>
          Usage over time
        </Title>
        <Group align="flex-end" wrap="wrap" gap="lg">
          {ranges.length > 1 && (
            <Stack gap={4}>
              <Text id={ids.range} size="sm" fw={500}>
                Period
              </Text>
              <SegmentedControl aria-labelledby={ids.range} size="xs" data={ranges.map((r) => ({ value: r.value, label: r.label }))} value={range?.value ?? ''} onChange={setRangeValue} />
            </Stack>
          )}
          <Stack gap={4}>
            <Text id={ids.window} size="sm" fw={500}>
              Per
            </Text>
            <SegmentedControl aria-labelledby={ids.window} size="xs" data={WINDOWS} value={window} onChange={(v) => setWindow(v as UsageWindow)} />
          </Stack>
          <Stack gap={4}>
            <Text id={ids.group} size="sm" fw={500}>
              Stack by
            </Text>
            <SegmentedControl aria-labelledby={ids.group} size="xs" data={GROUPS.map((g) => ({ value: g, label: SERIES_LABELS[g] }))} value={groupBy} onChange={(v) => setGroupBy(v as UsageSeriesGroup)} />
          </Stack>
          <Switch label="Billable only" checked={billableOnly} onChange={(e) => setBillableOnly(e.currentTarget.checked)} mb={6} />
          <NativeSelect
            label="Time zone"
            description={zone === billingTimeZone ? 'Your billing time zone' : `Billing time zone: ${billingTimeZone}`}
            size="xs"
            data={zones}
            value={zone}
            onChange={(e) => setZone(e.currentTarget.value)}
          />
        </Group>
        {range && (
          <Text size="sm" c="dimmed">
            {describePeriod({ start: range.from, end: range.to }, zone)}
          </Text>
        )}
        {content}
      </Stack>
    </Card>
  );
}
