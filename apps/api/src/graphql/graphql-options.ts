import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { AppConfig } from '@sb/config';
import type { Request } from 'express';
import { getVariableValues, GraphQLError, type DocumentNode } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { depthLimitRule, operationTypeDefined } from './validation-rules';

/**
 * Refuses operations whose estimated cost exceeds the configured maximum, before execution. An operation sent
 * without variables costs the same every time, and Apollo hands back the same parsed document for the same query
 * text: its cost is kept with the document (walking it again was ≈ 4 % of a GraphQL read's CPU).
 */
function complexityLimit(max: number): ApolloServerPlugin {
  const costOfDocument = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: ({ request, document, schema, operation }) => {
          const cacheable = Object.keys(request.variables ?? {}).length === 0;
          const operationKey = request.operationName ?? '';
          const known = cacheable ? costOfDocument.get(document)?.get(operationKey) : undefined;
          let complexity: number;
          try {
            complexity = known ?? getComplexity({
              schema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch {
            // Variables that do not fit the operation: nothing will execute, and Apollo's own
            // variable coercion answers 400 BAD_USER_INPUT naming the variable.
            if ((getVariableValues(schema, operation?.variableDefinitions ?? [], request.variables ?? {}).errors?.length ?? 0) > 0) return Promise.resolve();
            // Anything else (more nodes than the estimator walks) is refused, never run unmeasured.
            throw new GraphQLError('Query is too complex', { extensions: { code: 'query_too_complex', max, http: { status: 400 } } });
          }
          if (cacheable && known === undefined) costOfDocument.set(document, (costOfDocument.get(document) ?? new Map<string, number>()).set(operationKey, complexity));
          if (complexity > max) {
            throw new GraphQLError('Query is too complex', { extensions: { code: 'query_too_complex', complexity, max, http: { status: 400 } } });
          }
          return Promise.resolve();
        },
      }),
  };
}

export const graphqlOptions = (config: AppConfig): ApolloDriverConfig => ({
  driver: ApolloDriver,
  path: '/graphql',
  autoSchemaFile: true,
  sortSchema: true,
  context: ({ req }: { req: Request }) => ({ req }),
  validationRules: [operationTypeDefined, depthLimitRule(config.graphqlMaxDepth)],
  plugins: [complexityLimit(config.graphqlMaxComplexity)],
  includeStacktraceInErrorResponses: false,
  introspection: true,
});
