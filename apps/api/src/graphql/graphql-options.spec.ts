import { ApolloServer } from '@apollo/server';
import { buildConfig } from '@sb/config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphqlOptions } from './graphql-options';

/** A recursive schema, so depth and cost can grow without bound. */
const typeDefs = 'type Node { id: ID!, children: [Node!]! } type Query { root: Node! }';
const node = (): unknown => ({ id: '1', children: () => [node()] });

async function serverWith(limits: { depth: number; complexity: number }) {
  const config = buildConfig({
    SB_STATE_DIR: mkdtempSync(join(tmpdir(), 'sb-gql-')),
    SB_GRAPHQL_MAX_DEPTH: String(limits.depth),
    SB_GRAPHQL_MAX_COMPLEXITY: String(limits.complexity),
  });
  const options = graphqlOptions(config);
  const server = new ApolloServer({
    typeDefs,
    resolvers: { Query: { root: node } },
    validationRules: options.validationRules,
    plugins: options.plugins,
  });
  await server.start();
  return server;
}

const nested = (depth: number): string => `{ root { ${'children { '.repeat(depth)}id${' }'.repeat(depth)} } }`;

async function errorsOf(server: ApolloServer, query: string, operationName?: string) {
  const res = await server.executeOperation({ query, operationName });
  return res.body.kind === 'single' ? res.body.singleResult.errors : undefined;
}

describe('GraphQL limits', () => {
  it('refuses operations deeper than the configured depth', async () => {
    const server = await serverWith({ depth: 4, complexity: 10_000 });
    expect(await errorsOf(server, nested(2))).toBeUndefined();
    const errors = await errorsOf(server, nested(6));
    expect(errors?.[0]?.message).toMatch(/exceeds maximum operation depth of 4/);
    await server.stop();
  });

  it('refuses operations costlier than the configured complexity, before executing them', async () => {
    const server = await serverWith({ depth: 50, complexity: 5 });
    expect(await errorsOf(server, nested(2))).toBeUndefined();
    const errors = await errorsOf(server, nested(8));
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'query_too_complex', max: 5 });
    await server.stop();
  });

  it('judges every request of the same text, and each operation of a document on its own', async () => {
    const server = await serverWith({ depth: 50, complexity: 5 });
    for (let i = 0; i < 3; i++) {
      expect((await errorsOf(server, nested(8)))?.[0]?.extensions).toMatchObject({ code: 'query_too_complex' });
      expect(await errorsOf(server, nested(2))).toBeUndefined();
    }
    const twoOperations = `query Cheap ${nested(2)} query Costly ${nested(8)}`;
    for (let i = 0; i < 2; i++) {
      expect(await errorsOf(server, twoOperations, 'Cheap')).toBeUndefined();
      expect((await errorsOf(server, twoOperations, 'Costly'))?.[0]?.extensions).toMatchObject({ code: 'query_too_complex' });
    }
    await server.stop();
  });

  it.each([
    ['a spread of an undefined fragment', '{ ...Missing }', /Unknown fragment "Missing"/],
    ['fragments spreading each other', 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }', /Cannot spread fragment "A" within itself/],
    ['a subscription (the schema has none)', 'subscription { root { id } }', /This API has no subscription operations/],
  ])('answers %s with a validation error, not an internal one', async (_what, query, message) => {
    const server = await serverWith({ depth: 10, complexity: 1_000 });
    const errors = await errorsOf(server, query);
    expect(errors?.map((e) => e.extensions?.code)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(errors?.map((e) => e.message).join('\n')).toMatch(message);
    expect(errors?.map((e) => e.extensions?.code)).not.toContain('INTERNAL_SERVER_ERROR');
    await server.stop();
  });

  it('still limits the depth reached through fragments', async () => {
    const server = await serverWith({ depth: 4, complexity: 10_000 });
    const errors = await errorsOf(server, `{ root { ...F } } fragment F on Node { ${'children { '.repeat(6)}id${' }'.repeat(6)} }`);
    expect(errors?.[0]?.message).toMatch(/exceeds maximum operation depth of 4/);
    await server.stop();
  });
});
