import { Card, Group, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense, useMemo } from 'react';
import type { ChartSeries } from '../usage/summaries';
import { ErrorState, LoadingState } from '../ui/states';
import { useUsageWindows } from './queries';
import { daysBetween, windowLabel } from './time-zones';
import type { InvoiceView, RatedLine } from '../api/types';
import { amountOf, classLabel } from './usage-series';

const BurnDownChart = lazy(() => import('./burn-down-chart'));
const num = (n: number) => n.toLocaleString();
const COLORS = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'pink.6', 'lime.7'];

/** Usage lines whose class has included (free) units in the plan. */
export const includedLines = (preview: InvoiceView): (RatedLine & { class: string; includedUnits: number })[] =>
  preview.lines.filter((l): l is RatedLine & { class: string; includedUnits: number } => l.kind === 'usage' && !!l.class && (l.includedUnits ?? 0) > 0);

/**
 * Included units of the current period: for each class with some, how many are used (the
 * preview's quantity) and, day by day in the billing zone, how many remained at the end of the
 * day (included − units used so far, from /v1/usage per day and class).
 */
export function BurnDown({ preview, now }: { preview: InvoiceView; now: Date }) {
  const lines = useMemo(() => includedLines(preview), [preview]);
  const zone = preview.period.timezone;
  const daily = useUsageWindows(lines.length > 0 ? { from: preview.period.start, to: preview.period.end, window: 'day', groupBy: 'class,billable', timezone: zone } : null);

  const pivot = useMemo(() => {
    if (!daily.data) return null;
    const series: ChartSeries[] = lines.map((l, i) => ({ name: `s${i}`, key: l.class, label: classLabel(l.class), color: COLORS[i % COLORS.length] ?? 'gray.6' }));
    // Every day of the period so far (the API leaves out days without usage), on the billing zone's calendar.
    const endMs = Math.min(now.getTime(), new Date(preview.period.end).getTime() - 1);
    const days = daysBetween(preview.period.start, new Date(Math.max(endMs, new Date(preview.period.start).getTime())).toISOString(), zone);
    const billable = daily.data.data.filter((r) => r.billable === true);
    const used = new Map<string, number>();
    const rows = days.map((day) => {
      const row: Record<string, string | number> = { date: day, start: day };
      lines.forEach((l, i) => {
        const today = billable.filter((r) => windowLabel(r.start, 'day', zone) === day && (r.class ?? '') === l.class).reduce((s, r) => s + amountOf(r), 0);
        const soFar = (used.get(l.class) ?? 0) + today;
        used.set(l.class, soFar);
        row[`s${i}`] = Math.max(0, l.includedUnits - soFar);
      });
      return row;
    });
    return { rows, series };
  }, [daily.data, lines, zone, now, preview.period]);

  if (lines.length === 0) return null;
  return (
    <Card withBorder component="section" aria-labelledby="burn-down-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="burn-down-title">
          Included units
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {lines.map((l) => {
            const usedUnits = Math.min(l.quantity, l.includedUnits);
            const percent = Math.min(100, Math.round((l.quantity / l.includedUnits) * 100));
            return (
              <Stack gap={4} key={l.class}>
                <Group justify="space-between">
                  <Text size="sm" fw={500}>
                    {classLabel(l.class)}
                  </Text>
                  <Text size="sm">
                    {num(usedUnits)} of {num(l.includedUnits)} used
                  </Text>
                </Group>
                <Progress value={percent} color={percent >= 100 ? 'red' : percent >= 80 ? 'orange' : 'teal'} aria-label={`${classLabel(l.class)}: ${percent}% of included units used`} />
                <Text size="xs" c="dimmed">
                  {l.quantity > l.includedUnits ? `${num(l.quantity - l.includedUnits)} units over, billed at the plan’s prices` : `${num(l.includedUnits - l.quantity)} included units left`}
                </Text>
              </Stack>
            );
          })}
        </SimpleGrid>
        {daily.isPending ? (
          <LoadingState label="Loading the burn-down…" />
        ) : daily.error ? (
          <ErrorState title="Could not load the burn-down" error={daily.error} onRetry={() => void daily.refetch()} />
        ) : pivot && pivot.rows.length > 0 ? (
          <>
            <Suspense fallback={<LoadingState label="Loading the chart…" />}>
              <BurnDownChart rows={pivot.rows} series={pivot.series} description="Line chart of included units remaining at the end of each day of the period; the same numbers are in the table below" />
            </Suspense>
            <Table.ScrollContainer minWidth={360}>
              <Table aria-label="Included units remaining by day" verticalSpacing={4} striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Day ({zone})</Table.Th>
                    {pivot.series.map((s) => (
                      <Table.Th scope="col" key={s.name} ta="right">
                        {s.label} remaining
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {pivot.rows.map((r) => (
                    <Table.Tr key={String(r.start)}>
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
          </>
        ) : null}
      </Stack>
    </Card>
  );
}
