import { Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { Page } from '../ui/page';
import { ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { BurnDown } from './burn-down';
import { PeriodSummary } from './period-summary';
import { previousPeriodId } from './periods';
import { useInvoicePreview } from './queries';
import { describePeriod } from './time-zones';
import { UsageOverTime, type NamedRange } from './usage-over-time';

/**
 * Finance's overview of the billing period: spend and usage to date against the last period,
 * active connections and distinct patients, included units burning down, and usage over time
 * by connection or class in any time zone (the billing zone first).
 */
export default function BillingPage() {
  const [now] = useState(() => new Date());
  const current = useInvoicePreview('current');
  const lastId = current.data ? previousPeriodId(current.data.period.id) : null;
  const last = useInvoicePreview(lastId);
  // The last period is optional: a new tenant has none (its preview is then an error we do not show).
  const lastPreview = last.data ?? null;
  const ranges = useMemo<NamedRange[]>(() => {
    if (!current.data) return [];
    const out: NamedRange[] = [{ value: current.data.period.id, label: `This period (${current.data.period.id})`, from: current.data.period.start, to: current.data.period.end }];
    if (lastPreview && lastPreview.period.id !== current.data.period.id) out.push({ value: lastPreview.period.id, label: `Last period (${lastPreview.period.id})`, from: lastPreview.period.start, to: lastPreview.period.end });
    return out;
  }, [current.data, lastPreview]);

  if (current.isPending)
    return (
      <Page title="Billing">
        <LoadingState label="Loading the billing period…" />
      </Page>
    );
  if (current.error)
    return (
      <Page title="Billing">
        <ErrorState title="Could not load the billing period" error={current.error} onRetry={() => void current.refetch()} />
      </Page>
    );

  const preview = current.data;
  const settled = lastId === null || !last.isPending;
  return (
    <Page title="Billing">
      <Text c="dimmed" size="sm">
        {preview.plan ? `${preview.plan.name}, version ${preview.plan.version}` : 'No plan assigned yet'} · period {preview.period.id}: {describePeriod(preview.period, preview.period.timezone)} · data refreshed{' '}
        {formatDateTime(preview.dataRefreshedAt)}
      </Text>
      <PeriodSummary current={preview} last={lastPreview} now={now} />
      <BurnDown preview={preview} now={now} />
      {settled ? <UsageOverTime key={ranges.map((r) => r.value).join()} ranges={ranges} billingTimeZone={preview.period.timezone} /> : <LoadingState label="Loading the periods…" />}
    </Page>
  );
}
