import { TRANSACTION_CLASSES } from '@sb/core';
import { z } from 'zod';

/**
 * zod shapes of rating's inputs and outputs, so the routes that quote, preview and invoice
 * validate and document (OpenAPI) the same thing `ratePeriod` takes and returns.
 */

const count = (what: string) =>
  z
    .number({ error: `${what} must be an integer` })
    .int({ error: `${what} must be an integer` })
    .min(0, { error: `${what} must not be negative` })
    .max(Number.MAX_SAFE_INTEGER, { error: `${what} is too large` });

const UNKNOWN_CLASS = `unknown transaction class (one of ${TRANSACTION_CLASSES.join(', ')}; per-period counts have their own fields)`;

/** `{usage: {<transaction class>: units}, activeConnections?, distinctPatients?, newLiveConnections?}` (a quote's hypothetical period). */
export const periodQuantitiesSchema = z.strictObject({
  usage: z
    .record(z.string().refine((key) => (TRANSACTION_CLASSES as readonly string[]).includes(key)), count('units'), {
      error: (issue) => (issue.code === 'invalid_key' ? UNKNOWN_CLASS : undefined),
    })
    .default({}),
  activeConnections: count('activeConnections').optional(),
  distinctPatients: count('distinctPatients').optional(),
  newLiveConnections: count('newLiveConnections').optional(),
});

const money = z.string().meta({ description: 'A decimal string', example: '600.00' });

/** One step of a line's computation. */
export const ratedTierSchema = z.object({
  from: z.number().int(),
  upTo: z.number().int().nullable(),
  quantity: z.number().int(),
  unitPrice: money,
  amount: money.meta({ description: 'Exact, unrounded' }),
});

/** One priced line. */
export const ratedLineSchema = z.object({
  kind: z.enum(['usage', 'minimumTrueUp', 'cap', 'correction']),
  class: z.string().nullable(),
  model: z.string().optional(),
  quantity: z.number().int(),
  includedUnits: z.number().int().optional(),
  tiers: z.array(ratedTierSchema),
  amount: money.meta({ description: "Rounded half-even to the currency's minor unit" }),
  description: z.string(),
  invoiceId: z.string().optional(),
  period: z.string().optional(),
});

/** A rated period: lines, the usage subtotal and the total (exact sum of the lines). */
export const ratedPeriodSchema = z.object({
  currency: z.string(),
  lines: z.array(ratedLineSchema),
  subtotal: money,
  total: money,
});
