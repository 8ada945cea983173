/**
 * Bad GraphQL for `POST /graphql`: depth over the limit, many aliases, batched operations,
 * introspection (the api allows it), cost over the maximum complexity, malformed documents,
 * hostile fragments and huge variables. Each must be a 400 with coded errors, or a 200 whose
 * errors carry a code — never an internal error.
 */
import { getIntrospectionQuery } from 'graphql';
import type { FuzzCase, Verdict } from './fuzz-runner';
import { graphqlVerdict, send } from './http';
import { nastyString, type Random } from './prng';

export interface GraphqlTarget {
  base: string;
  key: string;
  /** The live Epic sandbox connection and one of its patients (for costed clinical queries). */
  connectionId: string;
  patientId: string;
  /** The api's limits (SB_GRAPHQL_MAX_DEPTH, SB_GRAPHQL_MAX_COMPLEXITY). */
  maxDepth: number;
  maxComplexity: number;
}

const VALID = '{ viewer { actorType scopes tenant { id slug } } }';
const CLINICAL_LISTS = ['conditions', 'allergies', 'medicationRequests', 'encounters', 'appointments', 'documents', 'diagnosticReports', 'immunizations'];

/** `n` fragments, each spreading the next twice: 2^n fields from n lines. */
function fragmentFanout(n: number): string {
  let doc = 'query { ...F0 } ';
  for (let i = 0; i < n; i++) doc += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} } `;
  return `${doc}fragment F${n} on Query { viewer { actorType } }`;
}

/** Selections `depth` deep (they name no real fields below viewer: depth is checked with the other rules). */
const deepSelection = (depth: number): string => `{ viewer { tenant { ${'a { '.repeat(Math.max(0, depth - 2))}id${' }'.repeat(Math.max(0, depth - 2))} } } }`;

export function graphqlCases(target: GraphqlTarget, random: Random): FuzzCase[] {
  const gql = (body: unknown, headers: Record<string, string> = {}) =>
    send(target.base, '/graphql', { method: 'POST', token: target.key, body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const cases: FuzzCase[] = [];
  const add = (kind: string, label: string, run: () => Promise<Verdict>) => cases.push({ kind: `graphql/${kind}`, label, run });
  /** Must be refused (a 400 or a coded error), never answered with data. */
  const refused = async (body: unknown): Promise<Verdict> => {
    const verdict = graphqlVerdict(await gql(body));
    return verdict.outcome === 'accepted' ? { outcome: 'bad', status: 'answered with data: the limit did not apply' } : verdict;
  };

  // ---- pinned ----------------------------------------------------------------------------
  add('depth', `depth ${target.maxDepth + 1}`, () => refused({ query: deepSelection(target.maxDepth + 1) }));
  add('unknown-fragment', '{ ...Missing }', () => refused({ query: '{ ...Missing }' }));
  add('fragment-cycle', 'A ↔ B', () => refused({ query: 'query { ...A } fragment A on Query { ...B viewer { actorType } } fragment B on Query { ...A }' }));
  add('fragment-fanout', '16 levels (65,536 fields)', () => refused({ query: fragmentFanout(16) }));
  add('node-limit-bypass', `10,000 aliases of __typename (complexity 10,000 > ${target.maxComplexity})`, () =>
    refused({ query: `{ ${Array.from({ length: 10_000 }, (_, k) => `a${k}: __typename`).join(' ')} }` }),
  );
  add('batch', 'an array of two operations', () => refused([{ query: VALID }, { query: VALID }]));
  add('subscription', 'a subscription (the schema has none)', () => refused({ query: 'subscription { viewer { actorType } }' }));
  add('introspection', 'the full introspection query (allowed by the config)', async () => {
    const res = await gql({ query: getIntrospectionQuery() });
    return res.status === 200 && Array.isArray(res.body?.data?.__schema?.types) ? { outcome: 'accepted', status: '200 __schema' } : graphqlVerdict(res);
  });
  add('cost', `every clinical list at first: 100 (over ${target.maxComplexity})`, () =>
    refused({
      query: `query($c: ID!, $p: ID!) { patient(connectionId: $c, id: $p) { id ${CLINICAL_LISTS.map((l) => `${l}(first: 100) { nodes { id resource } }`).join(' ')} } }`,
      variables: { c: target.connectionId, p: target.patientId },
    }),
  );
  add('valid', 'the viewer query', async () => graphqlVerdict(await gql({ query: VALID })));

  // ---- seeded ----------------------------------------------------------------------------
  for (let i = 0; i < 3; i++) {
    const depth = random.pick([target.maxDepth + 1 + random.int(10), 100, 1_000, 5_000]);
    add('depth', `depth ${depth}`, () => refused({ query: deepSelection(depth) }));
  }
  for (let i = 0; i < 3; i++) {
    const depth = random.between(2, 40);
    add('depth', `introspection ofType chain ${depth} deep`, async () =>
      graphqlVerdict(await gql({ query: `{ __schema { types { ${'fields { type { ofType { '.repeat(depth)}name${' } } }'.repeat(depth)} } } }` })),
    );
  }
  for (let i = 0; i < 4; i++) {
    // Under graphql-query-complexity's 10,000-node limit: above it the cost check is skipped (the pinned node-limit case).
    const [field, nodes] = random.pick([['__typename', 1], ['viewer { actorType }', 2], ['connections { id }', 2]] as const);
    const n = random.pick([10, 500, target.maxComplexity + 1, Math.floor(9_000 / nodes)]);
    add('aliases', `${n} aliases of ${field}`, async () => {
      const verdict = graphqlVerdict(await gql({ query: `{ ${Array.from({ length: n }, (_, k) => `a${k}: ${field}`).join(' ')} }` }));
      // Over the maximum complexity the aliases must be refused, not answered.
      return verdict.outcome === 'accepted' && n * nodes > target.maxComplexity ? { outcome: 'bad', status: `${n} aliases answered` } : verdict;
    });
  }
  for (let i = 0; i < 3; i++) {
    const n = random.pick([2, 50, 1_000]);
    add('batch', `an array of ${n} operations`, () => refused(Array.from({ length: n }, () => ({ query: VALID }))));
  }
  for (let i = 0; i < 2; i++) {
    const first = random.between(40, 100);
    const lists = CLINICAL_LISTS.slice(0, random.between(3, CLINICAL_LISTS.length));
    add('cost', `${lists.length} lists at first: ${first}`, async () => {
      const res = await gql({
        query: `query($c: ID!, $p: ID!) { patient(connectionId: $c, id: $p) { id ${lists.map((l) => `${l}(first: ${first}) { nodes { id resource } }`).join(' ')} } }`,
        variables: { c: target.connectionId, p: target.patientId },
      });
      return graphqlVerdict(res);
    });
  }
  for (let i = 0; i < 8; i++) {
    const doc = `query Q($c: ID!) { connection(id: $c) { id name status } viewer { actorType } }`;
    const mutations: [string, () => unknown][] = [
      ['truncated', () => ({ query: doc.slice(0, random.between(1, doc.length - 1)) })],
      ['a token inserted', () => ({ query: `${doc.slice(0, random.int(doc.length))}${random.pick(['{', '}', '(', '$', '...', '@skip', '"', '#', '!', '\u0000', ':'])}${doc.slice(random.int(doc.length))}` })],
      ['random bytes', () => ({ query: random.bytes(random.between(1, 300)).toString('latin1') })],
      ['empty query', () => ({ query: '' })],
      ['query not a string', () => ({ query: random.pick([1, true, null, ['{ viewer { actorType } }'], { a: 1 }]) })],
      ['no query', () => ({ variables: { a: 1 } })],
      ['unknown operationName', () => ({ query: doc, operationName: random.string(8), variables: { c: 'x' } })],
      ['variables not an object', () => ({ query: doc, variables: random.pick(['x', 1, [1], true]) })],
      ['missing variable', () => ({ query: doc })],
      ['two anonymous operations', () => ({ query: '{ viewer { actorType } } { viewer { scopes } }' })],
      ['an unknown directive', () => ({ query: '{ viewer @fuzz(x: 1) { actorType } }' })],
      ['string escapes', () => ({ query: `{ connection(id: "${nastyString(random, 20, 0.5).replace(/"/g, '')}") { id } }` })],
      ['persisted query hash only', () => ({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } })],
      ['not JSON', () => `{"query": "{ viewer { actorType } }"${random.pick(['', ',', '}}', ' x'])}`],
    ];
    const [label, body] = random.pick(mutations);
    add('malformed', label, async () => graphqlVerdict(await gql(body())));
  }
  for (let i = 0; i < 2; i++) {
    // Up to 11 levels (~8,000 nodes); from 12 the node limit is passed (the pinned case).
    const n = random.between(3, 11);
    // Each leaf costs 2 (viewer and actorType): within the maximum complexity the operation may run.
    add('fragment-fanout', `${n} levels (${2 ** n} fields)`, async () => (2 ** (n + 1) <= target.maxComplexity ? graphqlVerdict(await gql({ query: fragmentFanout(n) })) : refused({ query: fragmentFanout(n) })));
  }
  for (let i = 0; i < 6; i++) {
    const variants: [string, () => unknown][] = [
      ['a 900 kB id', () => ({ query: 'query($c: ID!) { connection(id: $c) { id } }', variables: { c: 'x'.repeat(900_000) } })],
      ['200k unused variables', () => ({ query: '{ viewer { actorType } }', variables: Object.fromEntries(Array.from({ length: 200_000 / 4 }, (_, k) => [`v${k}`, k])) })],
      ['a 100k-element list for one ID', () => ({ query: 'query($c: ID!) { connection(id: $c) { id } }', variables: { c: Array.from({ length: 100_000 }, () => 'x') } })],
      [
        'a JSON scalar nested 5,000 deep',
        // As text: JSON.stringify of a value this deep overflows the test's own stack.
        () =>
          `{"query":"mutation($id: ID!, $d: JSONObject) { updateConnection(id: $id, input: { dialect: $d }) { id } }","variables":{"id":${JSON.stringify(target.connectionId)},"d":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}}`,
      ],
      ['types the schema refuses', () => ({ query: 'query($c: ID!) { connection(id: $c) { id } }', variables: { c: random.pick([{ a: 1 }, 1.5, true, null]) } })],
      ['a note text of 900 kB', () => ({ query: 'mutation($c: ID!, $p: ID!, $t: String!) { createNote(connectionId: $c, patientId: $p, text: $t) { id } }', variables: { c: target.connectionId, p: target.patientId, t: 'x'.repeat(900_000) } })],
    ];
    const [label, body] = random.pick(variants);
    add('huge-variables', label, async () => graphqlVerdict(await gql(body())));
  }
  return cases;
}
