import type { HealthObservation, HealthStatus, HealthTransition } from '@sb/db';

/** Light checks failed in a row before a connection is `down` (one failure is `degraded`). */
export const DOWN_AFTER_CHECK_FAILURES = 2;
/** Real traffic: at least this many calls in the window before its error rate counts… */
export const MIN_CALLS_FOR_ERROR_RATE = 20;
/** …and at least this share of them failed to make the connection `degraded`. */
export const DEGRADED_ERROR_RATE = 0.25;

export const errorRateOf = (o: Pick<HealthObservation, 'recentCalls' | 'recentErrors'>): number => (o.recentCalls === 0 ? 0 : o.recentErrors / o.recentCalls);

/**
 * The status a connection's latest observation makes, and why. The light check decides
 * reachability (`down` after repeated failures); real traffic can only degrade (a high error
 * rate, or a watched HL7 feed silent too long during its hours) or vouch for a connection that
 * has no light check (HL7 v2 feeds; a watched feed that degraded only once a message came in).
 * With nothing observed, the status stays what it was.
 */
/** A watched HL7 feed's inbound messages, as the monitor judged them (unwatched feeds and other vendors: none). */
export interface FeedWatchVerdict {
  /** No message for the watch's allowance of watched time. */
  silent: boolean;
  /** An inbound message arrived since the status last changed: what lets a degraded feed recover. */
  heardSinceChange: boolean;
}

export function decideHealth(previous: HealthStatus, o: HealthObservation, feed: FeedWatchVerdict | null = null): HealthTransition {
  const at = (to: HealthStatus, reason: string, errorCode: string | null = null): HealthTransition => ({ from: previous, to, reason, errorCode });
  const busy = o.recentCalls >= MIN_CALLS_FOR_ERROR_RATE;
  if (o.checkOk === false) return at(o.checkFailures >= DOWN_AFTER_CHECK_FAILURES ? 'down' : 'degraded', 'check_failed', o.checkError);
  if (feed?.silent) return at('degraded', 'no_messages', 'hl7_feed_silent');
  if (busy && errorRateOf(o) >= DEGRADED_ERROR_RATE) return at('degraded', 'error_rate', 'error_rate');
  if (o.checkOk === true) return at('healthy', 'check_passed');
  // A watched feed that degraded recovers on an inbound message, not on the orders it is sent (nor on its hours ending).
  if (feed && previous === 'degraded' && !feed.heardSinceChange) return at(previous, 'no_signal');
  if (o.recentCalls > 0) return at('healthy', 'traffic_ok');
  return at(previous, 'no_signal');
}
