import { PERIOD_CLASSES, TRANSACTION_CLASSES } from '@sb/core';
import { z } from 'zod';
import { CURRENCIES, isCurrency } from './currencies';
import { compareDecimal, decimalStringProblem, parseDecimal } from './decimal';

/**
 * The priced definition of a plan version (body of `POST /v1/plans` and of a new version),
 * validated here so the quote, the preview and the invoice only ever rate well-formed plans.
 * Every issue names its path (`components.1.tiers.2.upTo`) and the rule, never the value.
 */

/** Fractional digits a price may carry (a line is rounded to the currency's minor unit later). */
export const MAX_PRICE_SCALE = 6;

/** Every class a component may price: the transaction classes, then the per-period counts. */
export const PRICEABLE_CLASSES = [...TRANSACTION_CLASSES, ...PERIOD_CLASSES] as const;
export type PriceableClass = (typeof PRICEABLE_CLASSES)[number];

export const PRICE_MODELS = ['unit', 'graduated', 'volume', 'package'] as const;
export type PriceModel = (typeof PRICE_MODELS)[number];

/** A non-negative decimal string with at most 6 fractional digits ("0.10", "50", "0.0049"). */
export const priceSchema = z
  .string({ error: 'must be a decimal string like "0.10"' })
  .superRefine((value, ctx) => {
    const problem = decimalStringProblem(value, MAX_PRICE_SCALE);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else if (value.startsWith('-') && parseDecimal(value).coefficient !== 0n) ctx.addIssue({ code: 'custom', message: 'must not be negative' });
  })
  .meta({ description: 'A non-negative decimal string, at most 6 fractional digits', example: '0.10' });

const unitCount = (what: string, min: number) =>
  z
    .number({ error: `${what} must be an integer` })
    .int({ error: `${what} must be an integer` })
    .min(min, { error: `${what} must be at least ${min}` })
    .max(Number.MAX_SAFE_INTEGER, { error: `${what} is too large` });

/** One tier: units up to and including `upTo` (null: no upper bound, the last tier) at `unitPrice`. */
export const tierSchema = z.strictObject({
  upTo: unitCount('upTo', 1).nullable(),
  unitPrice: priceSchema,
});

/** How one class is priced. Which fields are required depends on `model` (checked below). */
export const priceComponentSchema = z
  .strictObject({
    class: z.enum(PRICEABLE_CLASSES, { error: `must be one of ${PRICEABLE_CLASSES.join(', ')}` }),
    model: z.enum(PRICE_MODELS, { error: `must be one of ${PRICE_MODELS.join(', ')}` }),
    unitPrice: priceSchema.optional(),
    tiers: z.array(tierSchema).min(1, { error: 'must have at least one tier' }).max(50, { error: 'must have at most 50 tiers' }).optional(),
    packageSize: unitCount('packageSize', 1).optional(),
    includedUnits: unitCount('includedUnits', 0).optional(),
  })
  .superRefine((component, ctx) => {
    const needs = (field: 'unitPrice' | 'tiers' | 'packageSize', present: boolean, why: string) => {
      if (present && component[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
      if (!present && component[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is not allowed ${why}` });
    };
    const tiered = component.model === 'graduated' || component.model === 'volume';
    needs('unitPrice', !tiered, `for model "${component.model}"`);
    needs('tiers', tiered, `for model "${component.model}"`);
    needs('packageSize', component.model === 'package', `for model "${component.model}"`);
    const tiers = component.tiers ?? [];
    let previous = 0;
    tiers.forEach((tier, i) => {
      const last = i === tiers.length - 1;
      if (tier.upTo === null) {
        if (!last) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'upTo'], message: 'only the last tier may be unbounded (null)' });
        return;
      }
      if (last) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'upTo'], message: 'the last tier must be unbounded (upTo null)' });
      if (!Number.isSafeInteger(tier.upTo) || tier.upTo < 1) return; // already reported by the field's own rule
      if (tier.upTo <= previous) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'upTo'], message: `tiers must ascend without overlap: must be greater than the previous tier's upTo (${previous})` });
      }
      previous = Math.max(previous, tier.upTo);
    });
  });

const definitionShape = {
  currency: z
    .string({ error: 'must be an ISO 4217 currency code' })
    .refine(isCurrency, { error: `unknown currency (supported: ${CURRENCIES.join(', ')})` })
    .meta({ description: 'ISO 4217 code', example: 'USD' }),
  components: z.array(priceComponentSchema).max(PRICEABLE_CLASSES.length, { error: 'at most one component per class' }),
  minimumCommitment: priceSchema.optional(),
  cap: priceSchema.optional(),
};

type DefinitionDraft = z.infer<z.ZodObject<typeof definitionShape>>;

function checkDefinition(definition: DefinitionDraft, ctx: z.RefinementCtx): void {
  const firstIndex = new Map<string, number>();
  definition.components.forEach((component, i) => {
    const first = firstIndex.get(component.class);
    if (first === undefined) firstIndex.set(component.class, i);
    else ctx.addIssue({ code: 'custom', path: ['components', i, 'class'], message: `one component per class: ${component.class} is already priced by components.${first}` });
  });
  if (definition.minimumCommitment !== undefined && definition.cap !== undefined && !decimalStringProblem(definition.minimumCommitment) && !decimalStringProblem(definition.cap)) {
    if (compareDecimal(parseDecimal(definition.cap), parseDecimal(definition.minimumCommitment)) < 0) {
      ctx.addIssue({ code: 'custom', path: ['cap'], message: 'must not be less than minimumCommitment' });
    }
  }
}

/** The body of `POST /v1/plans/{id}/versions`: a plan version's priced definition. */
export const planVersionSchema = z.strictObject(definitionShape).superRefine(checkDefinition);

/** The body of `POST /v1/plans`: a name and the first version's definition. */
export const planCreateSchema = z
  .strictObject({ name: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(120, { error: 'must be at most 120 characters' }), ...definitionShape })
  .superRefine(checkDefinition);

/** A validated plan version definition (what `ratePeriod` rates and what H4 stores). */
export type PlanDefinition = z.infer<typeof planVersionSchema>;
/** One validated price component. */
export type PriceComponent = z.infer<typeof priceComponentSchema>;
/** One validated tier. */
export type PriceTier = z.infer<typeof tierSchema>;
