/**
 * The catalog probe: every operation of the OpenAPI document and the SDL is probed by the
 * generators or named in a table of route-tables.ts with a reason; table entries name real
 * operations. Anything else is listed here, and the suite fails on it.
 */
import { getNamedType } from 'graphql';
import { graphqlFields, isTenantFacing, restOperations } from './catalog';
import { graphqlArgKind } from './fixtures';
import { restSlots } from './resolve';
import { ANY_CREDENTIAL, NO_CONTROL, NOT_GENERATED, PIPELINE_SCOPES, PUBLIC_OPERATIONS } from './route-tables';

export function uncoveredOperations(): string[] {
  const problems: string[] = [];
  const rest = restOperations();
  const gql = graphqlFields();
  const known = new Set([...rest.map((op) => op.id), ...gql.map((f) => f.id)]);

  for (const op of rest) {
    const where = `${op.id} (${op.method} ${op.path})`;
    if (op.policy.kind === 'public' && !PUBLIC_OPERATIONS[op.id]) problems.push(`${where}: public, but not in PUBLIC_OPERATIONS`);
    if (op.policy.kind !== 'public' && PUBLIC_OPERATIONS[op.id]) problems.push(`${where}: in PUBLIC_OPERATIONS, but guarded`);
    if (!isTenantFacing(op.policy)) continue;
    const { unmapped } = restSlots(op);
    if (unmapped.length > 0 && !NOT_GENERATED[op.id]) problems.push(`${where}: no fixture rule for {${unmapped.join('}, {')}} (fixtures.ts PATH_PARAM_RULES) and not in NOT_GENERATED`);
    if (op.policy.kind === 'authenticated' && !PIPELINE_SCOPES[op.id] && !ANY_CREDENTIAL[op.id]) problems.push(`${where}: any credential passes the guard; name its scope in PIPELINE_SCOPES or say why in ANY_CREDENTIAL`);
  }
  for (const field of gql) {
    if (!isTenantFacing(field.policy)) continue;
    for (const arg of field.args) {
      if (getNamedType(arg.type).name === 'ID' && graphqlArgKind(field.name, arg.name) === undefined && !NOT_GENERATED[field.id]) {
        problems.push(`${field.id}(${arg.name}): an ID argument with no fixture (fixtures.ts graphqlArgKind)`);
      }
    }
    if (field.policy.kind === 'authenticated' && !PIPELINE_SCOPES[field.id] && !ANY_CREDENTIAL[field.id]) problems.push(`${field.id}: any credential passes the guard; name its scope in PIPELINE_SCOPES or say why in ANY_CREDENTIAL`);
  }
  for (const [table, entries] of Object.entries({ PUBLIC_OPERATIONS, NOT_GENERATED, PIPELINE_SCOPES, ANY_CREDENTIAL, NO_CONTROL })) {
    for (const id of Object.keys(entries)) if (!known.has(id)) problems.push(`${table}.${id}: no such operation`);
  }
  return problems;
}
