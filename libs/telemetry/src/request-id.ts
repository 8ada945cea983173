import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

// Bounded and plain so a caller cannot inject text (or PHI) into every log line.
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The caller's request id when it is well formed, else a fresh UUID. */
export function acceptOrCreateRequestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && WELL_FORMED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
