import { GraphQLError, Kind, type ASTVisitor, type DocumentNode, type ValidationContext, type ValidationRule } from 'graphql';
import depthLimit from 'graphql-depth-limit';

/** Names of fragments spread in `node`'s selections (not following the spreads). */
function spreadsIn(node: unknown, into: string[] = []): string[] {
  if (node === null || typeof node !== 'object') return into;
  const n = node as { kind?: string; name?: { value: string } };
  if (n.kind === Kind.FRAGMENT_SPREAD && n.name) into.push(n.name.value);
  for (const [key, value] of Object.entries(node)) if (key !== 'loc') spreadsIn(value, into);
  return into;
}

/** Whether every spread names a defined fragment and no fragment spreads itself, directly or not. */
export function fragmentsWellFormed(document: DocumentNode): boolean {
  const spreads = new Map<string, string[]>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) spreads.set(d.name.value, spreadsIn(d.selectionSet));
  const done = new Set<string>();
  const walking = new Set<string>();
  const acyclic = (name: string): boolean => {
    if (done.has(name)) return true;
    if (walking.has(name) || !spreads.has(name)) return false;
    walking.add(name);
    const ok = (spreads.get(name) ?? []).every(acyclic);
    walking.delete(name);
    if (ok) done.add(name);
    return ok;
  };
  return spreadsIn(document).every(acyclic);
}

/**
 * graphql-depth-limit, run only on documents whose fragments resolve: it throws
 * on an unknown fragment and overflows the stack on a fragment cycle (a 500),
 * where graphql-js's own KnownFragmentNames and NoFragmentCycles rules report
 * a validation error.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  const limit = depthLimit(maxDepth) as ValidationRule;
  return (context: ValidationContext): ASTVisitor => (fragmentsWellFormed(context.getDocument()) ? limit(context) : {});
}

/** An operation type the schema does not define (a subscription here) is a validation error, not an execution failure. */
export const operationTypeDefined: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema()?.getRootType(node.operation)) return;
    context.reportError(new GraphQLError(`This API has no ${node.operation} operations`, { nodes: node }));
  },
});
