/**
 * Issue 16's probes against the built api, worker, mllp and sandbox as processes: cross-tenant
 * access (BOLA) over REST and GraphQL, authentication and scopes, generated from the committed
 * OpenAPI document and SDL. Tenant A owns one object of every kind; tenant B probes them.
 * Run alone with `npm run test:security` (which prints the summary table).
 */
import { findLeaks, freePort, waitForPort } from '@sb/testing';
import { describeGraphqlAuth, describeMalformedAuthorization, describeRestAuthentication, describeRestScopes, describeSignedFiles, unlistedPublic } from './authn';
import { describeBodyReferences, describeControls, describeGraphqlBola, describeGraphqlListLeaks, describeListLeaks, errorsOf, describeRestBola, type BolaContext } from './bola';
import { uncoveredOperations } from './coverage';
import { FIXTURE_KINDS, makeFixtures, PARENT_KINDS } from './fixtures';
import { expectNoStaleGaps, probe } from './probe';
import { startWorld } from './probe-world';
import { describeIntact } from './intact';

let ctx: BolaContext;
const context = () => ctx;

beforeAll(async () => {
  const mllpPort = await freePort();
  const world = await startWorld('security-probes', ['api', 'worker', 'mllp', 'sandbox'], { SB_MLLP_PORT: String(mllpPort), SB_SANDBOX_MLLP_PORT: String(await freePort()) });
  await waitForPort(mllpPort);
  ctx = { world, a: await makeFixtures(world, world.a, FIXTURE_KINDS, mllpPort), b: await makeFixtures(world, world.b, PARENT_KINDS, mllpPort) };
}, 240_000);
afterAll(() => ctx?.world.stack.close());

describe('catalog', () => {
  probe('catalog', 'every operation of openapi.json and schema.gql is probed or listed with a reason', async () => {
    expect(uncoveredOperations()).toEqual([]);
    expect(unlistedPublic()).toEqual([]);
  });
});

describe("controls: A's own GETs succeed", () => {
  describeControls(context);
});

// Lists first: B's own audit trail later records the ids B's probes tried.
describe("collections: B's lists hold none of A's objects", () => {
  describeListLeaks(context);
  describeGraphqlListLeaks(context);
});

describe("cross-tenant: B with A's ids gets 404", () => {
  describeRestBola(context);
  describeBodyReferences(context);
  describeGraphqlBola(context);
});

describe('authentication and scopes', () => {
  describeRestAuthentication(context);
  describeMalformedAuthorization(context);
  describeRestScopes(context);
  describeGraphqlAuth(context);
  describeSignedFiles(context);
});

describe('error handling', () => {
  probe('errors', 'POST /graphql with variables of the wrong shape answers 400 BAD_USER_INPUT, not 500', async () => {
    const res = await ctx.world.stack.call('POST', '/graphql', ctx.world.a.key, { query: 'mutation P($input: CreateConnectionInput!) { createConnection(input: $input) { id } }', variables: { input: {} } });
    // One error per missing or mistyped field, each of them BAD_USER_INPUT.
    expect({ status: res.status, codes: [...new Set(errorsOf(res.body).map((e) => e.code))] }).toEqual({ status: 400, codes: ['BAD_USER_INPUT'] });
  });
});

describe("A's objects after every probe", () => {
  describeIntact(context);
});

expectNoStaleGaps(['catalog', 'bola', 'bola-graphql', 'list-leak', 'authn', 'scope', 'operator', 'intact', 'errors', 'control']);

describe('what the run emitted', () => {
  it('[leaks] no credential or secret the probes used is in the logs or spans', async () => {
    const emitted = await ctx.world.stack.stopAndCollect();
    expect(findLeaks(emitted, ctx.world.stack.secrets)).toEqual([]);
  });
});
