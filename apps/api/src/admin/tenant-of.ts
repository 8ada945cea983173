import { ErrorCode, SbError, type Actor } from '@sb/core';

/** The tenant a tenant-scoped route acts on: always the credential's own. */
export function tenantOf(actor: Actor): string {
  if (actor.type === 'operator') {
    throw new SbError(ErrorCode.Forbidden, 'This route acts on the caller’s tenant; use a tenant credential');
  }
  return actor.tenantId;
}
