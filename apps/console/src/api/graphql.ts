import { ApiError, apiRequest } from './client';

/**
 * A GraphQL document: a plain string, or a TypedDocumentString from
 * @graphql-codegen's client preset (`documentMode: 'string'`), which carries
 * its result and variables types.
 */
export interface TypedDocument<TResult, TVariables> {
  toString(): string;
  /** Phantom field: codegen's TypedDocumentString declares it so the types flow. */
  __apiType?: (variables: TVariables) => TResult;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; issues?: { path: string; message: string }[] } }[];
}

/** Posts a query as application/json (which also satisfies Apollo's CSRF prevention). */
export async function graphql<TResult, TVariables = Record<string, never>>(
  document: TypedDocument<TResult, TVariables> | string,
  variables?: TVariables,
  signal?: AbortSignal,
): Promise<TResult> {
  const body = await apiRequest<GraphQLResponse<TResult>>('/graphql', {
    method: 'POST',
    body: { query: document.toString(), variables: variables ?? {} },
    signal,
  });
  const first = body.errors?.[0];
  if (first) throw new ApiError(200, first.extensions?.code?.toLowerCase() ?? 'graphql_error', first.message, first.extensions?.issues);
  if (body.data === undefined || body.data === null) throw new ApiError(200, 'graphql_error', 'The GraphQL answer has no data');
  return body.data;
}
