import { Anchor, List, Text } from '@mantine/core';
import { formatMoney } from './money';
import type { InvoiceSummary, RatedLine, RatedTier } from '../api/types';
import { classLabel } from './usage-series';

const num = (n: number) => n.toLocaleString();

const MODEL_LABELS: Record<string, string> = {
  unit: 'per unit',
  graduated: 'graduated tiers',
  volume: 'volume tiers',
  package: 'packages',
};

/** "units 1–1,000" / "units 10,001 and up" for a tier. */
const tierRange = (t: RatedTier): string => (t.upTo === null ? `units ${num(t.from)} and up` : `units ${num(t.from)}–${num(t.upTo)}`);

/** One tier as a person checks it: "units 1–1,000: 1,000 × $0.10 = $100.00" (packages: "3 packages × …"). */
function tierText(t: RatedTier, model: string | undefined, currency: string): string {
  const product = `${formatMoney(t.unitPrice, currency)} = ${formatMoney(t.amount, currency)}`;
  switch (model) {
    case 'package':
      return `${num(t.quantity)} package${t.quantity === 1 ? '' : 's'} × ${product}`;
    case 'unit':
      return `${num(t.quantity)} × ${product}`;
    case 'volume':
      return `all ${num(t.quantity)} units at the ${tierRange(t)} price: ${num(t.quantity)} × ${product}`;
    default:
      return `${tierRange(t)}: ${num(t.quantity)} × ${product}`;
  }
}

/** A line's name: its class and pricing model, or what the line is for. */
export function lineTitle(line: RatedLine): string {
  switch (line.kind) {
    case 'usage':
      return `${classLabel(line.class)}${line.model ? ` (${MODEL_LABELS[line.model] ?? line.model})` : ''}`;
    case 'minimumTrueUp':
      return 'Minimum commitment true-up';
    case 'cap':
      return 'Cap';
    case 'correction':
      return `Correction: ${classLabel(line.class)}`;
  }
}

/**
 * How a line's amount was reached, as the API computed it: the quantity and included units,
 * then each tier as quantity × unit price = amount (exact, before the line's single rounding).
 * A correction names and links the invoice it corrects.
 */
export function LineComputation({ line, currency, invoices }: { line: RatedLine; currency: string; invoices: readonly InvoiceSummary[] }) {
  const original = line.kind === 'correction' && line.invoiceId ? invoices.find((i) => i.id === line.invoiceId) : undefined;
  const number = original?.number;
  return (
    <>
      {line.kind !== 'usage' && line.description && (
        <Text size="sm" c="dimmed">
          {line.description}
        </Text>
      )}
      {line.kind === 'usage' || line.kind === 'correction' ? (
        <Text size="sm">
          {line.kind === 'correction'
            ? `${line.quantity > 0 ? '+' : ''}${num(line.quantity)} units`
            : line.includedUnits
              ? `${num(line.quantity)} units − ${num(Math.min(line.includedUnits, line.quantity))} included (of ${num(line.includedUnits)}) = ${num(Math.max(0, line.quantity - line.includedUnits))} billable`
              : `${num(line.quantity)} units`}
        </Text>
      ) : null}
      {line.tiers.length > 0 && (
        <List size="sm" spacing={2} listStyleType="none" withPadding={false}>
          {line.tiers.map((t) => (
            <List.Item key={`${t.from}-${t.upTo ?? 'up'}`}>
              {tierText(t, line.model, currency)}
            </List.Item>
          ))}
        </List>
      )}
      {line.kind === 'correction' && line.invoiceId && (
        <Text size="sm">
          Corrects{' '}
          <Anchor href={`/v1/billing/invoices/${encodeURIComponent(line.invoiceId)}/pdf`} target="_blank" rel="noopener">
            invoice {number ?? line.invoiceId}
          </Anchor>
          {line.period ? ` (period ${line.period})` : ''}
        </Text>
      )}
    </>
  );
}
