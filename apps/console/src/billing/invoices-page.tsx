import { Anchor, Badge, Card, Group, NativeSelect, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Page } from '../ui/page';
import { Section } from '../ui/section';
import { EmptyState, ErrorState, LoadingState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { LineComputation, lineTitle } from './line-computation';
import { formatMoney } from './money';
import { previousPeriodId } from './periods';
import { useInvoicePreview, useInvoices } from './queries';
import { describePeriod } from './time-zones';
import type { InvoiceSummary, InvoiceView } from '../api/types';

/** The CSV export of a period, downloaded by the browser with the session cookie (no secret in the link). */
export const exportHref = (kind: 'summary' | 'detail', period: { start: string; end: string }): string =>
  `/v1/usage/export.csv?${new URLSearchParams({ kind, from: period.start, to: period.end }).toString()}`;

export const pdfHref = (invoiceId: string): string => `/v1/billing/invoices/${encodeURIComponent(invoiceId)}/pdf`;

function PreviewLines({ preview, invoices }: { preview: InvoiceView; invoices: readonly InvoiceSummary[] }) {
  const money = (a: string) => formatMoney(a, preview.currency);
  if (preview.lines.length === 0)
    return (
      <EmptyState title={preview.plan ? 'Nothing to bill in this period yet' : 'No plan is assigned yet'}>
        <Text c="dimmed" ta="center" maw={460} size="sm">
          {preview.plan ? 'Lines appear as billable usage is recorded.' : 'Your Switchboard operator assigns a plan; its prices then apply from the next billing period.'}
        </Text>
      </EmptyState>
    );
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label="Invoice lines" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Item</Table.Th>
            <Table.Th scope="col">Computation</Table.Th>
            <Table.Th scope="col" ta="right">
              Amount
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {preview.lines.map((line, i) => (
            <Table.Tr key={`${line.kind}-${line.class ?? ''}-${line.invoiceId ?? ''}-${i}`} style={{ verticalAlign: 'top' }}>
              <Table.Th scope="row" fw={500}>
                {lineTitle(line)}
              </Table.Th>
              <Table.Td>
                <LineComputation line={line} currency={preview.currency} invoices={invoices} />
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                {money(line.amount)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th scope="row" colSpan={2} ta="right">
              Subtotal
            </Table.Th>
            <Table.Td ta="right">{money(preview.subtotal)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th scope="row" colSpan={2} ta="right">
              Total
            </Table.Th>
            <Table.Td ta="right" fw={700}>
              {money(preview.total)}
            </Table.Td>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </Table.ScrollContainer>
  );
}

function PreviewFacts({ preview }: { preview: InvoiceView }) {
  const facts: [string, string][] = [
    ['Plan', preview.plan ? `${preview.plan.name} (version ${preview.plan.version})` : 'None assigned'],
    ['Period', `${preview.period.id}: ${describePeriod(preview.period, preview.period.timezone)}`],
    ['Total so far', formatMoney(preview.total, preview.currency)],
    ['Data refreshed', formatDateTime(preview.dataRefreshedAt)],
  ];
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} component="dl" spacing="sm" m={0}>
      {facts.map(([term, value]) => (
        <Card withBorder padding="sm" key={term}>
          <Text component="dt" size="sm" c="dimmed">
            {term}
          </Text>
          <Text component="dd" m={0} fw={600}>
            {value}
          </Text>
        </Card>
      ))}
    </SimpleGrid>
  );
}

function PastInvoices({ invoices }: { invoices: ReturnType<typeof useInvoices> }) {
  if (invoices.isPending) return <LoadingState label="Loading invoices…" />;
  if (invoices.error) return <ErrorState title="Could not load invoices" error={invoices.error} onRetry={() => void invoices.refetch()} />;
  if (invoices.data.length === 0) return <Text c="dimmed">No invoice has been finalized yet. A period’s invoice is finalized after the period ends.</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label="Past invoices" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Number</Table.Th>
            <Table.Th scope="col">Period</Table.Th>
            <Table.Th scope="col" ta="right">
              Total
            </Table.Th>
            <Table.Th scope="col">Finalized</Table.Th>
            <Table.Th scope="col">PDF</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoices.data.map((inv) => (
            <Table.Tr key={inv.id}>
              <Table.Th scope="row" fw={500}>
                {inv.number}
              </Table.Th>
              <Table.Td>
                {inv.period.id}
                <Text size="xs" c="dimmed">
                  {describePeriod(inv.period, inv.period.timezone)}
                </Text>
              </Table.Td>
              <Table.Td ta="right">{formatMoney(inv.total, inv.currency)}</Table.Td>
              <Table.Td>{formatDateTime(inv.finalizedAt)}</Table.Td>
              <Table.Td>
                <Anchor href={pdfHref(inv.id)} download={`invoice-${inv.number}.pdf`} aria-label={`Download the PDF of invoice ${inv.number}`}>
                  Download PDF
                </Anchor>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * Finance's invoice page: the draft invoice of the current (or last) period with each line's
 * computation, the CSV exports of that period, and the finalized invoices with their PDFs.
 */
export default function InvoicesPage() {
  const [period, setPeriod] = useState('current');
  const current = useInvoicePreview('current');
  const lastId = current.data ? previousPeriodId(current.data.period.id) : null;
  const preview = useInvoicePreview(period);
  const invoices = useInvoices();
  const shown = preview.data;

  let content;
  if (preview.isPending) content = <LoadingState label="Loading the invoice preview…" />;
  else if (preview.error) content = <ErrorState title="Could not load the invoice preview" error={preview.error} onRetry={() => void preview.refetch()} />;
  else
    content = (
      <Stack gap="md">
        <PreviewFacts preview={preview.data} />
        <Card withBorder component="section" aria-labelledby="invoice-lines-title">
          <Stack gap="sm">
            <Group justify="space-between">
              <Title order={2} size="h4" id="invoice-lines-title">
                {preview.data.invoice ? `Invoice ${preview.data.invoice.number}` : 'Draft invoice'} {preview.data.period.id}
              </Title>
              <Group gap="sm">
                {preview.data.invoice && (
                  <Anchor href={pdfHref(preview.data.invoice.id)} download={`invoice-${preview.data.invoice.number}.pdf`}>
                    Download PDF
                  </Anchor>
                )}
                <Badge variant="light" color={preview.data.status === 'final' ? 'green' : 'gray'}>
                  {preview.data.status}
                </Badge>
              </Group>
            </Group>
            <PreviewLines preview={preview.data} invoices={invoices.data ?? []} />
          </Stack>
        </Card>
      </Stack>
    );

  return (
    <Page title="Invoices">
      <Group align="flex-end" justify="space-between" wrap="wrap">
        <NativeSelect
          label="Period"
          data={[{ value: 'current', label: 'Current period' }, ...(lastId ? [{ value: lastId, label: `Last period (${lastId})` }] : [])]}
          value={period}
          onChange={(e) => setPeriod(e.currentTarget.value)}
        />
        {shown && (
          <Group gap="sm" role="group" aria-label="CSV downloads">
            <Anchor href={exportHref('summary', shown.period)} download={`usage-summary-${shown.period.id}.csv`}>
              Download summary CSV
            </Anchor>
            <Anchor href={exportHref('detail', shown.period)} download={`usage-detail-${shown.period.id}.csv`}>
              Download detail CSV
            </Anchor>
          </Group>
        )}
      </Group>
      {content}
      <Section title="Past invoices">
        <PastInvoices invoices={invoices} />
      </Section>
    </Page>
  );
}
