import { wallClockHoursSchema } from '@sb/connections';
import { z } from 'zod';

/** The statuses whose arrival a rule may alert on (`healthy`: a recovery). */
export const HEALTH_ALERT_STATUSES = ['degraded', 'down', 'healthy'] as const;
/** The longest rule name (a label the tenant chooses; it travels in the webhook). */
export const MAX_HEALTH_ALERT_RULE_NAME_CHARS = 100;
/** Connections one rule lists (more: leave the list empty, for all of them). */
export const MAX_HEALTH_ALERT_RULE_CONNECTIONS = 100;

const uuid = z.uuid();
const isoDateTime = z.iso.datetime({ offset: true });
const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
const quietHoursSchema = wallClockHoursSchema.meta({ description: 'Transitions within these hours are recorded as suppressed, without an event' });

const name = z.string().trim().min(1).max(MAX_HEALTH_ALERT_RULE_NAME_CHARS);
const connectionIds = z
  .array(uuid)
  .max(MAX_HEALTH_ALERT_RULE_CONNECTIONS)
  .transform((ids) => unique(ids.map((id) => id.toLowerCase())))
  .meta({ description: 'The tenant’s connections the rule watches; empty or absent: all of them, including later ones' });
const to = z
  .array(z.enum(HEALTH_ALERT_STATUSES))
  .min(1, 'name at least one status')
  .transform(unique)
  .meta({ description: 'The statuses whose arrival alerts: `degraded`, `down`, `healthy` (a recovery)' });

export const createHealthAlertRuleSchema = z.strictObject({
  name,
  connectionIds: connectionIds.default([]),
  to,
  quietHours: quietHoursSchema.optional(),
});
export type CreateHealthAlertRuleInput = z.output<typeof createHealthAlertRuleSchema>;

export const updateHealthAlertRuleSchema = z
  .strictObject({
    name: name.optional(),
    connectionIds: connectionIds.optional(),
    to: to.optional(),
    quietHours: quietHoursSchema.nullable().optional().meta({ description: 'null removes the quiet hours' }),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'name at least one field to change' });
export type UpdateHealthAlertRuleInput = z.output<typeof updateHealthAlertRuleSchema>;

export const healthAlertRuleSchema = z.object({
  id: uuid,
  name: z.string(),
  connectionIds: z.array(uuid),
  to: z.array(z.enum(HEALTH_ALERT_STATUSES)),
  quietHours: z.object({ from: z.string(), to: z.string(), timezone: z.string() }).nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});

export const healthAlertFiringSchema = z.object({
  changeId: uuid.meta({ description: 'The health change (as in GET /v1/connections/{id}/health/changes)' }),
  connectionId: uuid,
  status: z.enum(HEALTH_ALERT_STATUSES),
  suppressed: z.boolean().meta({ description: 'Within quiet hours: recorded, no event' }),
  eventId: uuid.nullable().meta({ description: 'The `connection.health_alert` event; null when suppressed' }),
  at: isoDateTime,
});
