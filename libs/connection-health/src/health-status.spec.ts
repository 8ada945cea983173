import type { HealthObservation } from '@sb/db';
import { decideHealth, DOWN_AFTER_CHECK_FAILURES, MIN_CALLS_FOR_ERROR_RATE } from './health-status';

const seen = (o: Partial<HealthObservation>): HealthObservation => Object.assign({
  checkedAt: new Date('2026-12-03T10:00:00Z'),
  checkOk: true,
  checkError: null,
  checkFailures: 0,
  lastSuccessAt: null,
  recentCalls: 0,
  recentErrors: 0,
  ...o,
});

describe('decideHealth', () => {
  it('a passed check makes a connection healthy', () => {
    expect(decideHealth('unknown', seen({}))).toEqual({ from: 'unknown', to: 'healthy', reason: 'check_passed', errorCode: null });
  });

  it('one failed check degrades, repeated failures take it down, carrying the check’s error code', () => {
    expect(decideHealth('healthy', seen({ checkOk: false, checkFailures: 1, checkError: 'vendor_error' }))).toMatchObject({ to: 'degraded', errorCode: 'vendor_error' });
    expect(decideHealth('degraded', seen({ checkOk: false, checkFailures: DOWN_AFTER_CHECK_FAILURES, checkError: 'vendor_error' }))).toMatchObject({ to: 'down', reason: 'check_failed' });
  });

  it('a busy connection whose calls mostly fail is degraded even when its check passes', () => {
    expect(decideHealth('healthy', seen({ recentCalls: MIN_CALLS_FOR_ERROR_RATE, recentErrors: MIN_CALLS_FOR_ERROR_RATE / 2 }))).toMatchObject({ to: 'degraded', reason: 'error_rate' });
  });

  it('a few failed calls on a quiet connection are not a trend', () => {
    expect(decideHealth('healthy', seen({ recentCalls: 3, recentErrors: 3 }))).toMatchObject({ to: 'healthy' });
  });

  it('with no check (HL7 v2), traffic vouches for the connection, and silence keeps the status', () => {
    expect(decideHealth('unknown', seen({ checkOk: null, recentCalls: 5 }))).toMatchObject({ to: 'healthy', reason: 'traffic_ok' });
    expect(decideHealth('degraded', seen({ checkOk: null }))).toMatchObject({ to: 'degraded', reason: 'no_signal' });
  });

  it('a watched HL7 feed silent during its hours is degraded (even with outbound traffic), and recovers on its next message only', () => {
    const silent = { silent: true, heardSinceChange: false };
    expect(decideHealth('healthy', seen({ checkOk: null, recentCalls: 4 }), silent)).toEqual({ from: 'healthy', to: 'degraded', reason: 'no_messages', errorCode: 'hl7_feed_silent' });
    // Its hours ended (no longer silent), orders still go out: still degraded until a message comes in.
    expect(decideHealth('degraded', seen({ checkOk: null, recentCalls: 6 }), { silent: false, heardSinceChange: false })).toMatchObject({ to: 'degraded', reason: 'no_signal' });
    expect(decideHealth('degraded', seen({ checkOk: null, recentCalls: 1 }), { silent: false, heardSinceChange: true })).toMatchObject({ to: 'healthy', reason: 'traffic_ok' });
  });
});
