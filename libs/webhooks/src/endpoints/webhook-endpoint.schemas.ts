import { isEventType } from '@sb/events';
import { z } from 'zod';

/** Subscribes to every event type, present and future. */
export const ALL_EVENT_TYPES = '*';

// The URL itself is checked by the service (syntax, scheme, target), which needs the
// deployment's policy and DNS; here only its size.
const url = z.string().min(1, 'required').max(2048);

const knownType = z.string().refine(isEventType, { message: 'unknown event type (see GET /v1/event-types)' });
const subscribedType = z.string().refine((t) => t === ALL_EVENT_TYPES || isEventType(t), {
  message: 'unknown event type (see GET /v1/event-types, or "*" for all)',
});
const unique = <T>(values: T[]): T[] => [...new Set(values)];

export const WEBHOOK_PAYLOAD_MODES = ['thin', 'full'] as const;
export const WEBHOOK_ORDERING_MODES = ['none', 'patient'] as const;

export const createEndpointSchema = z.strictObject({
  url,
  eventTypes: z.array(subscribedType).min(1).max(100).transform(unique),
  description: z.string().max(500).optional(),
  /** `thin` (default): references only; `full` adds the FHIR resources. */
  payload: z.enum(WEBHOOK_PAYLOAD_MODES).optional(),
  /** `patient`: one patient's events arrive in order; `none` (default): parallel. */
  orderingKey: z.enum(WEBHOOK_ORDERING_MODES).optional(),
});
export type CreateEndpointInput = z.infer<typeof createEndpointSchema>;

export const updateEndpointSchema = z.strictObject({
  url: url.optional(),
  eventTypes: z.array(subscribedType).min(1).max(100).transform(unique).optional(),
  description: z.string().max(500).nullable().optional(),
  payload: z.enum(WEBHOOK_PAYLOAD_MODES).optional(),
  orderingKey: z.enum(WEBHOOK_ORDERING_MODES).optional(),
});
export type UpdateEndpointInput = z.infer<typeof updateEndpointSchema>;

const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 date-time, e.g. 2025-01-31T00:00:00Z' });

export const replaySchema = z
  .strictObject({
    since: instant,
    until: instant.optional(),
    eventTypes: z.array(knownType).min(1).max(100).transform(unique).optional(),
  })
  .refine((r) => r.until === undefined || Date.parse(r.until) > Date.parse(r.since), { message: 'must be after since', path: ['until'] })
  .transform((r) => ({ since: new Date(r.since), until: r.until === undefined ? undefined : new Date(r.until), eventTypes: r.eventTypes }));
export type ReplayInput = z.output<typeof replaySchema>;

export const MAX_PAGE = 100;
const limit = (fallback: number) => z.coerce.number().int().min(1).max(MAX_PAGE).default(fallback);

const eventId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'an event id (a UUID)')
  .transform((v) => v.toLowerCase());
/** The `next` of the previous page (opaque). */
const cursor = z.string().max(200);

export const attemptsQuerySchema = z.strictObject({
  limit: limit(50),
  before: cursor.optional(),
  /** Only the attempts at this event's delivery. */
  eventId: eventId.optional(),
});
export type AttemptsQuery = z.output<typeof attemptsQuerySchema>;

export const deliveriesQuerySchema = z.strictObject({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  limit: limit(50),
  before: cursor.optional(),
  /** Only this event's delivery. */
  eventId: eventId.optional(),
});
export type DeliveriesQuery = z.output<typeof deliveriesQuerySchema>;
