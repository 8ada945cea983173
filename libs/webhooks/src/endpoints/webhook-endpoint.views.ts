import type { EventDeliveryTrail, WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpoint } from '@sb/db';

/** Response shapes: explicit fields only, so no secret is ever serialized by accident. */
export const webhookEndpointView = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  payload: e.payload,
  orderingKey: e.orderingKey,
  status: e.status,
  disabledReason: e.disabledReason,
  previousSecretExpiresAt: e.previousSecretUntil,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});
export type WebhookEndpointView = ReturnType<typeof webhookEndpointView>;

export type AttemptStatus = 'succeeded' | 'failed';

export const webhookAttemptView = (a: WebhookAttemptRecord) => ({
  id: a.id,
  eventId: a.eventId,
  deliveryId: a.deliveryId,
  status: (a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300 ? 'succeeded' : 'failed') as AttemptStatus,
  statusCode: a.statusCode,
  durationMs: a.durationMs,
  error: a.error,
  responseExcerpt: a.responseExcerpt,
  attemptedAt: a.attemptedAt,
});
export type WebhookAttemptView = ReturnType<typeof webhookAttemptView>;

export const webhookDeliveryView = (d: WebhookDeliveryRecord) => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  createdAt: d.createdAt,
  completedAt: d.completedAt,
});

/** One endpoint's handling of one event: what the console's message trail shows. */
export const eventDeliveryTrailView = (t: EventDeliveryTrail) => ({
  endpoint: { id: t.endpoint.id, url: t.endpoint.url, description: t.endpoint.description, status: t.endpoint.status },
  delivery: t.delivery ? webhookDeliveryView({ ...t.delivery, eventType: null }) : null,
  latestAttempts: t.latestAttempts.map(webhookAttemptView),
});
export type EventDeliveryTrailView = ReturnType<typeof eventDeliveryTrailView>;
