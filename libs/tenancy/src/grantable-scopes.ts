import { ALL_TENANT_SCOPES, ErrorCode, SbError, scopeCovered, type Actor } from '@sb/core';

/**
 * The scopes a new credential gets. The operator may grant any tenant scope; a
 * tenant credential may only hand out what it holds itself, so a narrow key can
 * never mint a wider one. Omitted scopes default to everything the granter may give.
 */
export function grantableScopes(actor: Actor, requested: readonly string[] | undefined): string[] {
  const ceiling = actor.type === 'operator' ? ALL_TENANT_SCOPES : actor.scopes;
  if (requested === undefined) return [...ceiling];
  const beyond = requested.filter((s) => !scopeCovered(ceiling, s));
  if (beyond.length > 0) {
    throw new SbError(ErrorCode.Forbidden, 'Cannot grant scopes beyond your own', {
      details: { scopes: beyond },
    });
  }
  return [...new Set(requested)];
}
