/**
 * Authentication and scopes, generated from the catalog: every non-public operation refuses a
 * request without a credential (401; FHIR routes answer an OperationOutcome) and with a credential
 * one scope short of what the route declares (403). Operator-only routes refuse tenant credentials.
 * Path parameters are A's real ids, so a route that forgot its guard would act on a real object.
 */
import { describeRequiredScope, type RequiredScope } from '@sb/core';
import { errorsOf } from './bola';
import { graphqlFields, restOperations, type GraphqlField, type RestOperation } from './catalog';
import { CREDENTIAL_LABELS, credentialOf, type Fixtures } from './fixtures';
import { probe } from './probe';
import { bearer, scopesWithout, type World } from './probe-world';
import { bodyFor, headersFor, queryFor } from './request-bodies';
import { fillPath, graphqlRequest, graphqlSlots, restSlots, valueOf } from './resolve';
import { PIPELINE_SCOPES, PUBLIC_OPERATIONS } from './route-tables';

export interface AuthContext {
  world: World;
  a: Partial<Fixtures>;
}

const ORDER: Record<string, number> = { GET: 0, POST: 1, PUT: 1, PATCH: 1, DELETE: 2 };
const guarded = (): RestOperation[] =>
  restOperations()
    .filter((op) => op.policy.kind !== 'public')
    .sort((x, y) => (ORDER[x.method] ?? 1) - (ORDER[y.method] ?? 1));

function pathOf(op: RestOperation, a: Partial<Fixtures>): string | undefined {
  const { slots, unmapped } = restSlots(op);
  const path = unmapped.length > 0 ? op.path.replace(/\{(\w+)\}/g, '00000000-0000-4000-8000-000000000000') : fillPath(op.path, Object.fromEntries(op.pathParams.map((p) => [p, valueOf(slots[p]!, a)])));
  return `${path}${queryFor(op)}`;
}

/** The scope a credential must lack for the route to refuse it, if it declares one. */
export function requiredScopeOf(id: string, policy: RestOperation['policy']): RequiredScope | undefined {
  if (policy.kind === 'scope') return policy.scope;
  return PIPELINE_SCOPES[id];
}

const expectRefusal = (op: { path: string }, res: { status: number; body: any; headers: Headers; text: string }, status: 401 | 403, code: string) => {
  expect({ status: res.status, text: res.status === status ? '' : res.text.slice(0, 300) }).toEqual({ status, text: '' });
  if (op.path.startsWith('/fhir/')) {
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(res.body.resourceType).toBe('OperationOutcome');
  } else {
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe(code);
  }
  if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer');
};

export function describeRestAuthentication(ctx: () => AuthContext): void {
  for (const op of guarded()) {
    for (const [label, token] of [
      ['no credential', undefined],
      ['unknown API key', `sbk_AAAAAAAA_${'A'.repeat(43)}`],
    ] as const) {
      probe('authn', `${op.method} ${op.path} (${label})`, async () => {
        const { world, a } = ctx();
        const res = await world.send(op.method, pathOf(op, a)!, token ? bearer(token) : undefined, bodyFor(op, a), headersFor(op));
        expectRefusal(op, res, 401, 'unauthenticated');
      });
    }
  }
}

/** Authorization headers that carry no bearer credential the guard may read. */
const MALFORMED_AUTHORIZATION: readonly (readonly [string, string])[] = [
  ['a Basic credential', 'Basic c2I6c2I='],
  ['the Bearer scheme without a token', 'Bearer '],
  ['a token with a space in it', 'Bearer sbk_AAAAAAAA AAAA'],
  ['a token over 4,096 characters', `Bearer sbk_AAAAAAAA_${'A'.repeat(4100)}`],
];

/** Malformed Authorization headers on one FHIR and one admin read: 401, as without a credential. */
export function describeMalformedAuthorization(ctx: () => AuthContext): void {
  const reads = guarded().filter((op) => op.method === 'GET');
  const sample = [reads.find((op) => op.path.startsWith('/fhir/')), reads.find((op) => op.path.startsWith('/v1/'))].filter((op): op is RestOperation => op !== undefined);
  for (const op of sample) {
    for (const [label, authorization] of MALFORMED_AUTHORIZATION) {
      probe('authn', `${op.method} ${op.path} (${label})`, async () => {
        const { world, a } = ctx();
        const res = await world.send(op.method, pathOf(op, a)!, undefined, bodyFor(op, a), { ...headersFor(op), authorization });
        expectRefusal(op, res, 401, 'unauthenticated');
      });
    }
  }
}

export function describeRestScopes(ctx: () => AuthContext): void {
  for (const op of guarded()) {
    if (op.policy.kind === 'operator') {
      for (const label of CREDENTIAL_LABELS) {
        probe('operator', `${op.method} ${op.path} (a tenant's ${label})`, async () => {
          const { world, a } = ctx();
          const res = await world.send(op.method, pathOf(op, a)!, credentialOf(world.a, label), bodyFor(op, a), headersFor(op));
          expect([403, 404]).toContain(res.status);
        });
      }
      continue;
    }
    const required = requiredScopeOf(op.id, op.policy);
    if (!required) continue; // ANY_CREDENTIAL, or the catalog probe names it
    probe('scope', `${op.method} ${op.path} (key without ${describeRequiredScope(required)})`, async () => {
      const { world, a } = ctx();
      const key = await world.keyWith(world.a, scopesWithout(required));
      const res = await world.send(op.method, pathOf(op, a)!, bearer(key), bodyFor(op, a), headersFor(op));
      expectRefusal(op, res, 403, 'forbidden');
      if (op.policy.kind === 'scope') expect(res.body.requiredScope).toBe(describeRequiredScope(required));
    });
  }
}


function graphqlCall(field: GraphqlField, a: Partial<Fixtures>) {
  const { slots, fixed } = graphqlSlots(field);
  return graphqlRequest(field, { ...fixed, ...Object.fromEntries(Object.entries(slots).map(([arg, slot]) => [arg, valueOf(slot, a)])) });
}

export function describeGraphqlAuth(ctx: () => AuthContext): void {
  for (const field of graphqlFields()) {
    probe('authn', `POST /graphql ${field.id} (no credential)`, async () => {
      const { world, a } = ctx();
      const res = await world.send('POST', '/graphql', undefined, graphqlCall(field, a));
      expect({ errors: errorsOf(res.body), data: res.body.data ?? null }).toMatchObject({ errors: [{ code: 'unauthenticated' }], data: null });
    });
    const required = field.policy.kind === 'scope' ? field.policy.scope : PIPELINE_SCOPES[field.id];
    if (field.policy.kind === 'operator' || !required) continue;
    probe('scope', `POST /graphql ${field.id} (key without ${describeRequiredScope(required)})`, async () => {
      const { world, a } = ctx();
      const key = await world.keyWith(world.a, scopesWithout(required));
      const res = await world.send('POST', '/graphql', bearer(key), graphqlCall(field, a));
      expect({ errors: errorsOf(res.body), data: res.body.data?.[field.name] ?? null }).toMatchObject({ errors: [{ code: 'forbidden' }], data: null });
    });
  }
}

/** Routes open to anyone must be exactly the ones PUBLIC_OPERATIONS names with a reason. */
export const unlistedPublic = (): string[] => restOperations().filter((op) => op.policy.kind === 'public' && !PUBLIC_OPERATIONS[op.id]).map((op) => op.id);

/** The one public route that serves PHI: a Bulk Data file through a signed URL refuses a forged signature. */
export function describeSignedFiles(ctx: () => AuthContext): void {
  probe('authn', "GET /fhir/r4/{connectionId}/$export-signed/{exportId}/{fileName} (A's file, forged signature)", async () => {
    const { world, a } = ctx();
    const expires = String(Math.floor(Date.now() / 1000) + 120);
    const res = await world.send('GET', `/fhir/r4/${a.epicConnection}/$export-signed/${a.export}/${a.exportFile}?expires=${expires}&signature=${'A'.repeat(43)}`, undefined);
    // 403 for a bad signature; 404 when the export was made for token downloads (A's, by default).
    expect([403, 404]).toContain(res.status);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
}
