import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { EventDeliveryTrail, MessageEvent } from '../api/types';
import { messageKeys } from './queries';

/**
 * Following a message to its webhook deliveries: the API records which message
 * raised each event, and answers with every processing's events (newest first)
 * and, per subscribed endpoint, the delivery and its latest attempts.
 */
export const messageEventsKey = (connectionId: string, messageId: string) => [...messageKeys.detail(connectionId, messageId), 'events'] as const;

/**
 * The events of one message. Keyed under the message's detail, so re-reading the
 * message after a reprocess re-reads its events too. Metadata only: no PHI grant needed.
 */
export function useMessageEvents(connectionId: string, messageId: string) {
  return useQuery({
    queryKey: messageEventsKey(connectionId, messageId),
    queryFn: ({ signal }) => api.get('/v1/connections/{id}/hl7/messages/{messageId}/events', { params: { id: connectionId, messageId }, signal }),
  });
}

/** Why an endpoint has no delivery of an event, in words. */
export function noDeliveryReason(event: Pick<MessageEvent, 'relayedAt'>, trail: EventDeliveryTrail): string {
  if (event.relayedAt === null) return 'not yet: the event is waiting to be relayed';
  if (trail.endpoint.status === 'disabled') return 'none: the endpoint is disabled';
  return 'none: the endpoint did not subscribe to this type when the event was relayed';
}
