import { ErrorCode, SbError } from '@sb/core';
import type { Connection, ConnectionStatus } from '@sb/db';

/** draft → testing → live → disabled, with the ways back an admin needs. */
export const ALLOWED_TRANSITIONS: Record<ConnectionStatus, readonly ConnectionStatus[]> = {
  draft: ['testing', 'disabled'],
  testing: ['draft', 'live', 'disabled'],
  live: ['testing', 'disabled'],
  disabled: ['draft', 'testing'],
};

/** Throws unless `to` is reachable from the connection's status (and, for live, its last test passed). */
export function assertTransition(connection: Connection, to: ConnectionStatus): void {
  if (connection.status === to) return;
  if (!ALLOWED_TRANSITIONS[connection.status].includes(to)) {
    throw new SbError(ErrorCode.Conflict, 'This status change is not allowed', {
      details: { from: connection.status, to, allowed: ALLOWED_TRANSITIONS[connection.status] },
    });
  }
  const lastTestPassed = connection.lastTestedAt !== null && connection.lastSuccessAt?.getTime() === connection.lastTestedAt.getTime();
  if (to === 'live' && connection.vendor !== 'echo' && !lastTestPassed) {
    throw new SbError(ErrorCode.Conflict, 'A connection goes live only after a passing test', {
      details: { hint: 'POST /v1/connections/{id}/test' },
    });
  }
}
