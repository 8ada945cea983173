import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed GraphQL documents for the console (`npm run console:gql`, run by `npm run build:console`):
 * reads the SDL the api build writes (`npm run api:schemas` → apps/api/schema.gql) and every
 * `gql(`…`)` document under src/, and writes src/api/gql/ (committed). `documentMode: 'string'`
 * makes each document a TypedDocumentString: the query text, carrying its result and variables
 * types, which src/api/graphql.ts posts as it is (no graphql-js in the bundle).
 */
const config: CodegenConfig = {
  schema: 'apps/api/schema.gql',
  documents: ['apps/console/src/**/*.{ts,tsx}', '!apps/console/src/api/gql/**', '!apps/console/src/**/*.test.tsx'],
  ignoreNoDocuments: true,
  generates: {
    'apps/console/src/api/gql/': {
      preset: 'client',
      presetConfig: { gqlTagName: 'gql', fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
        strictScalars: true,
      },
    },
  },
};

export default config;
