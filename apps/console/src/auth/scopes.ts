/**
 * Scope checks in the browser, mirroring libs/core/src/scopes.ts: a managing
 * scope implies its read-only one, clinical scopes follow SMART's grammar.
 * The UI only hides what the API would refuse anyway (it answers 403).
 */

/** Read-only scopes that a managing scope includes. */
const IMPLIED_BY: Record<string, string> = {
  'connections:read': 'admin:connections',
  'webhooks:read': 'admin:webhooks',
};

const CLINICAL = /^system\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)$/;
const V1: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };

function clinicalGrants(held: string, required: string): boolean {
  const h = CLINICAL.exec(held);
  const r = CLINICAL.exec(required);
  if (!h || !r) return false;
  const [, heldType, heldPerms] = h as unknown as [string, string, string];
  const [, reqType, reqPerms] = r as unknown as [string, string, string];
  if (heldType !== '*' && heldType !== reqType) return false;
  const held2 = V1[heldPerms] ?? heldPerms;
  const req2 = V1[reqPerms] ?? reqPerms;
  return [...req2].every((ch) => held2.includes(ch));
}

/** True when the scopes in /me allow `required` (an admin scope or a clinical `system/…` scope). */
export function hasScope(scopes: readonly string[], required: string): boolean {
  if (scopes.includes(required)) return true;
  const implied = IMPLIED_BY[required];
  if (implied && scopes.includes(implied)) return true;
  if (required.startsWith('system/')) return scopes.some((s) => clinicalGrants(s, required));
  return false;
}

/**
 * The console's name for an operator user's access: /me says `role: 'operator'` with no
 * tenant scopes; the operator's pages require this instead of a tenant scope, so tenant
 * users never reach them and operators see none of a tenant's pages.
 */
export const OPERATOR_ACCESS = 'operator';

/** What a session may open: its tenant scopes, or operator access for an operator user. */
export const accessOf = (session: { role: string; scopes: readonly string[] }): readonly string[] =>
  session.role === 'operator' ? [OPERATOR_ACCESS] : session.scopes;
