import { Card, SimpleGrid, Text } from '@mantine/core';
import { useMemo } from 'react';
import { isApiError } from '../api/client';
import { formatMoney, percentChange } from './money';
import { samePointRanges } from './periods';
import { useInvoicePreviewAsOf, useUsageWindows } from './queries';
import type { InvoiceView, UsageWindowRow } from '../api/types';
import { amountOf } from './usage-series';

const num = (n: number) => n.toLocaleString();
/** Billable units of a span: the sum of the API's billable rows (grouped by `billable`). */
const sumUnits = (page: { data: UsageWindowRow[] } | undefined): number | null => (page ? page.data.filter((r) => r.billable === true).reduce((s, r) => s + amountOf(r), 0) : null);
const change = (p: number | null) => (p === null ? '' : p === 0 ? ' (no change)' : ` (${p > 0 ? '+' : ''}${p}%)`);


function Figure({ label, value, detail }: { label: string; value: string; detail?: string | readonly string[] }) {
  return (
    <Card withBorder padding="sm" component="section" aria-label={label}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={600}>
        {value}
      </Text>
      {(typeof detail === 'string' ? [detail] : (detail ?? [])).map((line) => (
        <Text key={line} size="xs" c="dimmed">
          {line}
        </Text>
      ))}
    </Card>
  );
}

/**
 * What the last period had spent at the same point: its draft as of the end of the equally long
 * span (whole 15-minute buckets, like the units), against the current draft's total; a percent
 * only when both are in one currency.
 */
function lastSpendDetail(current: InvoiceView, atPoint: { data?: InvoiceView; error: Error | null }): string {
  if (atPoint.error) return `Same point last period: not available (${isApiError(atPoint.error) ? `${atPoint.error.code}: ${atPoint.error.message}` : atPoint.error.message})`;
  if (!atPoint.data) return 'Loading the last period…';
  const then = atPoint.data;
  const pct = then.currency === current.currency ? percentChange(current.total, then.total) : null;
  return `Same point last period: ${formatMoney(then.total, then.currency)}${change(pct)}`;
}

/**
 * The current period at a glance: spend to date (the draft invoice's total) against the last
 * period's spend at the same point (its preview as of that instant) and in total, billable
 * units to date against the same point of the last period (two usage queries over equally long
 * spans), active connections and distinct patients.
 */
export function PeriodSummary({ current, last, now }: { current: InvoiceView; last: InvoiceView | null; now: Date }) {
  const spans = useMemo(() => samePointRanges(current.period, last?.period ?? null, now), [current.period, last, now]);
  const zone = current.period.timezone;
  const thisSpan = useUsageWindows(spans ? { ...spans.current, window: 'month', groupBy: 'billable', timezone: zone } : null);
  const lastSpan = useUsageWindows(spans?.last ? { ...spans.last, window: 'month', groupBy: 'billable', timezone: zone } : null);
  // The same instant as the units' span ends at: the last period's draft as it stood then.
  const lastAtPoint = useInvoicePreviewAsOf(last && spans?.last ? last.period.id : null, spans?.last?.to ?? null);
  const unitsNow = sumUnits(thisSpan.data);
  const unitsThen = sumUnits(lastSpan.data);
  const active = current.quantities.activeConnections;
  const patients = current.quantities.distinctPatients;

  return (
    <SimpleGrid cols={{ base: 1, xs: 2, lg: 4 }}>
      <Figure
        label="Spend to date"
        value={formatMoney(current.total, current.currency)}
        detail={
          last && spans?.last
            ? [lastSpendDetail(current, lastAtPoint), `Last period in total: ${formatMoney(last.total, last.currency)}`]
            : last
              ? `Last period in total: ${formatMoney(last.total, last.currency)}`
              : 'No earlier period to compare with'
        }
      />
      <Figure
        label="Billable units to date"
        value={!spans ? '0' : unitsNow === null ? '…' : num(unitsNow)}
        detail={
          !spans?.last
            ? 'No earlier period to compare with'
            : unitsThen === null
              ? 'Loading the last period…'
              : `Same point last period: ${num(unitsThen)}${change(unitsNow === null || unitsThen === 0 ? null : Math.round(((unitsNow - unitsThen) / unitsThen) * 100))}`
        }
      />
      <Figure label="Active connections" value={num(active)} detail="With billable traffic this period" />
      <Figure label="Distinct patients" value={num(patients)} detail="Counted without storing who they are" />
    </SimpleGrid>
  );
}
